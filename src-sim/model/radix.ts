/**
 * A persistent radix map from non-negative integer keys to values, built like the kernel's own page tables: five
 * levels of tables of RADIX_FAN (512) slots, a key's 9-bit groups indexing them from the top. The leaf level of a
 * map keyed by virtual page number is therefore exactly one PTE-table page (one page-table region, kernel/tlb_hw.ts).
 *
 * Why: an mm's PTEs (and its page-table pointers and flush bookkeeping) are snapshotted by keyframes with structural
 * sharing (model/clone.ts), so they are replaced, never written in place. A flat record would be copied whole on every
 * write, which made a map or munmap cost O(size of the mm). Here a write copies only the tables on the key's path
 * (at most 5 tables of at most 512 slots: a bound independent of the size of the map), and everything else is shared
 * between versions; comparing two versions (`rdiff`) skips the shared tables, so it costs what changed.
 *
 * Representation: plain nested arrays indexed by slot (0..511; an empty slot is a hole or undefined, and a table has
 * no empty slot at its end), so a map stays plain structured-clone data and a table copy is one `slice`. The empty
 * map is `[]` (`radixEmpty()`); tables left empty by a delete are dropped (a table exists iff something below it is
 * mapped). Iteration is in ascending key order.
 *
 * Contract: a map handed out is never written again. `rset` / `rdel` return a new root; `RadixEdit` batches many
 * changes, copying each table it touches once and writing only tables it copied itself.
 */

/** A table: slot -> child table (upper levels) or value (leaf level); undefined: empty. */
export type RadixNode = unknown[];
/**
 * A map from integer keys to V. Opaque to the type checker (no index signature, so `m.pte[vpn]` does not compile):
 * read it with the functions below. The value is a RadixNode; `__values` is never present, it only carries V.
 */
export type RadixMap<V> = { readonly __values?: V };

export const RADIX_FAN = 512;
const LEVELS = 5;
/** SPAN[l]: how many keys one slot of a level-l table covers (level 0 is the leaf). */
const SPAN = [1, 512, 512 ** 2, 512 ** 3, 512 ** 4];
/** Keys are below 2^45 (virtual page numbers are below 2^40: addresses are below 2^52). */
export const RADIX_MAX_KEY = 512 ** 5;

/**
 * Instrumentation for tests: while `counting` is set, `copied` counts the slots copied by table copies and `visited`
 * the slots `rdiff` looked at. A test asserts both stay bounded per operation whatever the size of the map.
 */
export const radixStats = { counting: false, copied: 0, visited: 0 };

/** The empty map. */
export const radixEmpty = <V>(): RadixMap<V> => [] as RadixMap<V>;

const node = (m: RadixMap<unknown>): RadixNode => m as RadixNode;
const slotOf = (key: number, level: number): number => Math.floor(key / SPAN[level]) % RADIX_FAN;

function checkKey(key: number): void {
  if (!(Number.isInteger(key) && key >= 0 && key < RADIX_MAX_KEY)) throw new RangeError(`radix key ${key} out of range`);
}

function copy(n: RadixNode): RadixNode {
  if (radixStats.counting) radixStats.copied += n.length;
  return n.slice();
}

/** Drop the empty slots at the end of a table this code owns, so that an empty table has length 0. */
function trim(n: RadixNode): void {
  let len = n.length;
  while (len > 0 && n[len - 1] === undefined) len--;
  if (len !== n.length) n.length = len;
}

/** Empty slot i of a table this code owns. */
function clear(n: RadixNode, i: number): void {
  n[i] = undefined;
  trim(n);
}

export function rget<V>(m: RadixMap<V>, key: number): V | undefined {
  if (key >= 0 && key < 0x80000000) {
    // The hot path (every walk and every checked access): a key below 2^31 lies under the root's slot 0, and the
    // other slots are its 9-bit groups.
    let n = node(m)[0] as RadixNode | undefined;
    if (n === undefined) return undefined;
    n = n[key >>> 27] as RadixNode | undefined;
    if (n === undefined) return undefined;
    n = n[(key >>> 18) & 511] as RadixNode | undefined;
    if (n === undefined) return undefined;
    n = n[(key >>> 9) & 511] as RadixNode | undefined;
    if (n === undefined) return undefined;
    return n[key & 511] as V | undefined;
  }
  if (!(key >= 0 && key < RADIX_MAX_KEY)) return undefined;
  let n: RadixNode | undefined = node(m);
  for (let l = LEVELS - 1; l > 0; l--) {
    n = n[slotOf(key, l)] as RadixNode | undefined;
    if (n === undefined) return undefined;
  }
  return n[key % RADIX_FAN] as V | undefined;
}

export function rhas<V>(m: RadixMap<V>, key: number): boolean {
  return rget(m, key) !== undefined;
}

/** A new map with key -> v (v must not be undefined). */
export function rset<V>(m: RadixMap<V>, key: number, v: V): RadixMap<V> {
  checkKey(key);
  return setAt(node(m), LEVELS - 1, key, v) as RadixMap<V>;
}

function setAt(n: RadixNode | undefined, l: number, key: number, v: unknown): RadixNode {
  const out = n === undefined ? [] : copy(n);
  const i = slotOf(key, l);
  out[i] = l === 0 ? v : setAt(n?.[i] as RadixNode | undefined, l - 1, key, v);
  return out;
}

/** A new map without key (the same map if key is absent). */
export function rdel<V>(m: RadixMap<V>, key: number): RadixMap<V> {
  if (rget(m, key) === undefined) return m;
  return delAt(node(m), LEVELS - 1, key) as RadixMap<V>;
}

/** The table without key (length 0 if it became empty). */
function delAt(n: RadixNode, l: number, key: number): RadixNode {
  const i = slotOf(key, l);
  const out = copy(n);
  const c = l === 0 ? null : delAt(n[i] as RadixNode, l - 1, key);
  if (c === null || c.length === 0) clear(out, i);
  else out[i] = c;
  return out;
}

/** The slots of a level-l table based at `base` that overlap [start, end) (end < 0: no upper bound). */
function slots(n: RadixNode, l: number, base: number, start: number, end: number): [number, number] {
  const lo = start <= base ? 0 : Math.floor((start - base) / SPAN[l]);
  const hi = end < 0 ? n.length : Math.min(n.length, Math.ceil((end - base) / SPAN[l]));
  return [lo, hi];
}

/** Calls visit(key, value) for the entries with start <= key < end (end < 0: no upper bound), in ascending order. */
export function rforEach<V>(m: RadixMap<V>, visit: (key: number, v: V) => void, start = 0, end = -1): void {
  eachAt(node(m), LEVELS - 1, 0, start, end, visit as (key: number, v: unknown) => void);
}

function eachAt(n: RadixNode, l: number, base: number, start: number, end: number, visit: (key: number, v: unknown) => void): void {
  const [lo, hi] = slots(n, l, base, start, end);
  for (let i = lo; i < hi; i++) {
    const c = n[i];
    if (c === undefined) continue;
    if (l === 0) visit(base + i, c);
    else eachAt(c as RadixNode, l - 1, base + i * SPAN[l], start, end, visit);
  }
}

/** Whether any key in [start, end) (end < 0: no upper bound) is present. */
export function rhasRange<V>(m: RadixMap<V>, start: number, end = -1): boolean {
  return hasAt(node(m), LEVELS - 1, 0, start, end);
}

function hasAt(n: RadixNode, l: number, base: number, start: number, end: number): boolean {
  const [lo, hi] = slots(n, l, base, start, end);
  for (let i = lo; i < hi; i++) {
    const c = n[i];
    if (c === undefined) continue;
    const from = base + i * SPAN[l];
    // Tables are never empty, so a slot wholly inside the range holds something.
    if (l === 0 || (from >= start && (end < 0 || from + SPAN[l] <= end))) return true;
    if (hasAt(c as RadixNode, l - 1, from, start, end)) return true;
  }
  return false;
}

/** Every key, ascending (O(size): for tests and schedule generators, not for the model's operations). */
export function rkeys<V>(m: RadixMap<V>): number[] {
  const out: number[] = [];
  rforEach(m, (key) => out.push(key));
  return out;
}

/**
 * The entries of `old` whose value is not the same (by identity) in `nu`, removed or replaced: visit(key, oldValue,
 * newValue or undefined), ascending. Tables the two versions share are skipped, so the cost is that of what changed
 * (times the table size), not of the map.
 */
export function rdiff<V>(old: RadixMap<V>, nu: RadixMap<V>, visit: (key: number, was: V, now: V | undefined) => void): void {
  diffAt(node(old), node(nu), LEVELS - 1, 0, visit as (key: number, was: unknown, now: unknown) => void);
}

function diffAt(a: RadixNode, b: RadixNode | undefined, l: number, base: number, visit: (key: number, was: unknown, now: unknown) => void): void {
  if (a === b) return;
  if (radixStats.counting) radixStats.visited += a.length;
  for (let i = 0; i < a.length; i++) {
    const ca = a[i];
    if (ca === undefined) continue;
    const cb = b === undefined ? undefined : b[i];
    if (ca === cb) continue;
    if (l === 0) visit(base + i, ca, cb);
    else diffAt(ca as RadixNode, cb as RadixNode | undefined, l - 1, base + i * SPAN[l], visit);
  }
}

/**
 * A batch of changes to a map: each table on a changed path is copied once, the first time the batch touches it, and
 * then written in place (it is the batch's own until `root` is handed out). Read `root` when done; do not use the
 * edit afterwards.
 */
export class RadixEdit<V> {
  private own = new Set<RadixNode>();
  constructor(public root: RadixMap<V>) {}

  private mine(n: RadixNode): RadixNode {
    if (this.own.has(n)) return n;
    const c = copy(n);
    this.own.add(c);
    return c;
  }

  get(key: number): V | undefined {
    return rget(this.root, key);
  }

  set(key: number, v: V): void {
    checkKey(key);
    let n = this.mine(node(this.root));
    this.root = n as RadixMap<V>;
    for (let l = LEVELS - 1; l > 0; l--) {
      const i = slotOf(key, l);
      const c = n[i] as RadixNode | undefined;
      let w: RadixNode;
      if (c === undefined) {
        w = [];
        this.own.add(w);
      } else w = this.mine(c);
      n[i] = w;
      n = w;
    }
    n[key % RADIX_FAN] = v;
  }

  /** Removes key; returns the value it had. */
  del(key: number): V | undefined {
    const v = rget(this.root, key);
    if (v === undefined) return undefined;
    const path: RadixNode[] = [];
    let n = this.mine(node(this.root));
    this.root = n as RadixMap<V>;
    for (let l = LEVELS - 1; l > 0; l--) {
      path.push(n);
      const i = slotOf(key, l);
      const c = this.mine(n[i] as RadixNode);
      n[i] = c;
      n = c;
    }
    clear(n, key % RADIX_FAN);
    // Drop the tables left empty, bottom up (never the root).
    for (let l = 1; l < LEVELS && n.length === 0; l++) {
      n = path[path.length - l];
      clear(n, slotOf(key, l));
    }
    return v;
  }

  /**
   * Removes every key in [start, end) (end < 0: no upper bound), calling visit(key, value) for each, ascending.
   * A table wholly inside the range is dropped without being copied.
   */
  delRange(start: number, end: number, visit: (key: number, v: V) => void): void {
    this.root = this.delRangeAt(node(this.root), LEVELS - 1, 0, start, end, visit as (key: number, v: unknown) => void) as RadixMap<V>;
  }

  private delRangeAt(n: RadixNode, l: number, base: number, start: number, end: number, visit: (key: number, v: unknown) => void): RadixNode {
    let out: RadixNode | null = null;
    const [lo, hi] = slots(n, l, base, start, end);
    for (let i = lo; i < hi; i++) {
      const c = n[i];
      if (c === undefined) continue;
      const from = base + i * SPAN[l];
      let nc: RadixNode | null;
      if (l === 0) {
        visit(from, c);
        nc = null;
      } else if (from >= start && (end < 0 || from + SPAN[l] <= end)) {
        eachAt(c as RadixNode, l - 1, from, 0, -1, visit);
        nc = null;
      } else {
        nc = this.delRangeAt(c as RadixNode, l - 1, from, start, end, visit);
        if (nc.length === 0) nc = null;
        else if (nc === c) continue; // unchanged, or this edit's own table, changed in place
      }
      out ??= this.mine(n);
      out[i] = nc ?? undefined;
    }
    if (out === null) return n;
    trim(out);
    return out;
  }
}
