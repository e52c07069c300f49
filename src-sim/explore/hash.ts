/**
 * The state hash the explorer deduplicates by: the canonical key of explore/state.ts (`canonicalKey`, the reference
 * definition of which states are the same), computed straight from the structure into two 32-bit lanes, without
 * building the text. It leaves out and renumbers exactly what the key does (docs/engine.md "The exploration state and
 * its hash"); a test checks, over whole explorations, that two states have the same hash iff they have the same key
 * (tests/explore_hash.test.ts).
 *
 * Why this shape: building the key text (JSON.stringify of every object, then one long string) was a third of the
 * explorer's time. Here numbers are mixed in directly, strings through an intern table (V8 caches a string's own hash,
 * so a repeated string costs one Map lookup), and values that are replaced, never written in place (TLBs, radix maps,
 * reverse maps, may_walk lists: model/clone.ts) are hashed once and cached by identity. Unordered collections (a TLB's
 * entries, a page's reverse map) are summed, which is order-independent without sorting.
 */
import { tlbEach, type Tlb } from '../model/tlb.ts';
import { rforEach, type RadixMap } from '../model/radix.ts';
import type { Cpu, Device, Frame, Mm, Page, Task } from '../model/types.ts';
import type { ExploreState } from './state.ts';

/**
 * Two 32-bit lanes, mixed independently (murmur3-style rounds with different constants): lane[0] and lane[1]. In a
 * typed array, not module variables: a module variable holds a number beyond 31 bits as a heap number, so every store
 * allocated one (a quarter of the explorer's allocation, hundreds of MB per exhaustive run of the 3-CPU race); a
 * typed array's element is stored as it is (the store wraps to 32 bits, as `| 0`).
 */
const lane = new Int32Array(2);

function mix(x: number): void {
  let k = Math.imul(x, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  const a = lane[0] ^ Math.imul(k, 0x1b873593);
  lane[0] = ((a << 13) | (a >>> 19)) * 5 + 0xe6546b64;
  let j = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b);
  j ^= j >>> 13;
  lane[1] = Math.imul(lane[1] ^ j, 0x27d4eb2f) + 0x165667b1;
}

/** A number: small integers mixed as they are; others (fractions, large) by their two 32-bit halves of a float. */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
function num(x: number): void {
  if ((x | 0) === x) mix(x);
  else {
    f64[0] = x;
    mix(u32[0] ^ 0x9e3779b9);
    mix(u32[1]);
  }
}

/** Strings by an intern table: each distinct string gets a 32-bit code (FNV-1a of its text, once). */
const interned = new Map<string, number>();
function strCode(s: string): number {
  let c = interned.get(s);
  if (c === undefined) {
    c = 0x811c9dc5 ^ s.length;
    for (let i = 0; i < s.length; i++) c = Math.imul(c ^ s.charCodeAt(i), 0x01000193);
    c = (c ^ (c >>> 15)) | 0;
    if (interned.size > 100_000) interned.clear();
    interned.set(s, c);
  }
  return c;
}
const str = (s: string): void => mix(strCode(s));

const T_NULL = 0x51ed2702;
const T_TRUE = 0x51ed2703;
const T_FALSE = 0x51ed2704;
const T_ARR = 0x51ed2705;
const T_OBJ = 0x51ed2706;
const T_END = 0x51ed2707;
const T_STR = 0x51ed2708;
/** A local whose value is undefined (the key text writes it as `undefined`, unlike null). */
const T_UNDEFINED = 0x51ed2709;
/** No violation standing and no I2 recount due (Checker.futureKey): two empty lists. */
const T_NO_FUTURE = 0x51ed270a;

/**
 * Any plain value as JSON.stringify would write it: object keys in their order, a key with an undefined value left
 * out, an array's holes and undefined items as null.
 */
function val(v: unknown): void {
  switch (typeof v) {
    case 'number':
      num(v);
      return;
    case 'string':
      mix(T_STR);
      str(v);
      return;
    case 'boolean':
      mix(v ? T_TRUE : T_FALSE);
      return;
    case 'undefined':
      mix(T_NULL);
      return;
    default:
      if (v === null) mix(T_NULL);
      else if (Array.isArray(v)) {
        mix(T_ARR);
        for (let i = 0; i < v.length; i++) val(v[i]);
        mix(T_END);
      } else obj(v as Record<string, unknown>, NONE);
  }
}

/**
 * The keys of one kind of object: each key's string code (strCode) or SKIPPED for a key the hash leaves out, learnt
 * as met: one lookup per field.
 */
const SKIPPED = 2 ** 32;
class Keys {
  readonly codes = new Map<string, number>();
  /**
   * The keys in the order last met, with their codes: objects of one kind have their keys in one order (made by one
   * factory, copied by spread), so the i-th key is most often the same string as last time, compared by identity.
   */
  readonly order: string[] = [];
  readonly orderCodes: number[] = [];
  constructor(readonly skip: ReadonlySet<string>) {}
}

const NONE = new Keys(new Set());

/** An object's fields in their order, those in `keys.skip` left out (as JSON.stringify of the rest would). */
function obj(o: Record<string, unknown>, keys: Keys): void {
  mix(T_OBJ);
  const codes = keys.codes;
  const order = keys.order;
  let i = 0;
  for (const key in o) {
    let c: number | undefined;
    if (order[i] === key) c = keys.orderCodes[i];
    else {
      c = codes.get(key);
      if (c === undefined) codes.set(key, (c = keys.skip.has(key) ? SKIPPED : strCode(key)));
      order[i] = key;
      keys.orderCodes[i] = c;
    }
    i++;
    if (c === SKIPPED) continue;
    const v = o[key];
    if (v === undefined) continue;
    mix(c);
    val(v);
  }
  mix(T_END);
}

/** The hash of a sub-value into a fresh pair of lanes, returned as a pair; the outer lanes are kept. */
function apart(f: () => void): [number, number] {
  const a = lane[0];
  const b = lane[1];
  lane[0] = 0x2545f491;
  lane[1] = 0x68e31da4;
  f();
  const out: [number, number] = [lane[0], lane[1]];
  lane[0] = a;
  lane[1] = b;
  return out;
}

/**
 * Values replaced and never written in place (model/clone.ts), hashed once: a TLB's entries (without fill numbers,
 * summed: no lookup depends on their order), a radix map's entries, a page's reverse map (pairs summed: its order
 * tells history), a may_walk or unhooked list (in order, as the key has it).
 */
const cache = new WeakMap<object, [number, number]>();
function cached(o: object, f: () => void): void {
  let c = cache.get(o);
  if (!c) cache.set(o, (c = apart(f)));
  mix(c[0]);
  mix(c[1]);
}
/** Mixes o's cached hash in and returns true, or returns false if it has none yet (the caller computes it: no closure). */
function fromCache(o: object): boolean {
  const c = cache.get(o);
  if (!c) return false;
  mix(c[0]);
  mix(c[1]);
  return true;
}

function tlbHash(t: Tlb): void {
  if (fromCache(t)) return;
  cached(t, () => {
    let s1 = 0;
    let s2 = 0;
    let n = 0;
    tlbEach(t, (e) => {
      const [a, b] = apart(() => {
        mix(e.tag);
        mix(e.mm);
        num(e.va);
        mix(e.page);
        mix((e.walk ? 1 : 0) | (e.write ? 2 : 0) | (e.speculative ? 4 : 0));
        mix(e.gen);
      });
      s1 = (s1 + a) | 0;
      s2 = (s2 + b) | 0;
      n++;
    });
    mix(n);
    mix(s1);
    mix(s2);
  });
}

function radixHash(m: RadixMap<unknown>): void {
  if (fromCache(m as object)) return;
  cached(m as object, () => {
    mix(T_ARR);
    rforEach(m, (key, v) => {
      num(key);
      val(v);
    });
    mix(T_END);
  });
}

function rmapHash(rmap: number[]): void {
  if (fromCache(rmap)) return;
  cached(rmap, () => {
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i + 1 < rmap.length; i += 2) {
      const [a, b] = apart(() => {
        mix(rmap[i]);
        num(rmap[i + 1]);
      });
      s1 = (s1 + a) | 0;
      s2 = (s2 + b) | 0;
    }
    mix(rmap.length >> 1);
    mix(s1);
    mix(s2);
  });
}

const listHash = (l: unknown[]): void => {
  if (!fromCache(l)) cached(l, () => val(l));
};

/** Frame names the kernel generates (see GENERATED in state.ts): hashed as the empty name. */
const GENERATED = /^(pfn\d+|pt:.*|pgd:.*)$/;
const pageNames = new Map<string, number>();
function pageName(name: string): void {
  let c = pageNames.get(name);
  if (c === undefined) {
    c = GENERATED.test(name) ? strCode('') : strCode(name);
    if (pageNames.size > 100_000) pageNames.clear();
    pageNames.set(name, c);
  }
  mix(c);
}

// full_mb is a count of barriers and asid_gen is for display: the key leaves both out (explore/state.ts)
const ID_SKIP = new Keys(new Set(['id']));
const MM_SKIP = new Keys(new Set(['id', 'pte', 'pt', 'unflushed', 'sec_unflushed', 'unhooked']));
const PAGE_SKIP = new Keys(new Set(['id', 'name', 'owner', 'freed_by', 'rmap', 'may_walk']));
const DEVICE_SKIP = new Keys(new Set(['id', 'tlb']));

/** IPI ids renumbered in the order met (CPUs in order, each stack bottom up, then each queue). */
const ipiIds: number[] = [];
function ipiOf(id: number): number {
  let n = ipiIds.indexOf(id);
  if (n < 0) {
    n = ipiIds.length;
    ipiIds.push(id);
  }
  return n;
}

/**
 * Frame locals or IPI arguments, the IPI id renumbered: each (key, value) pair hashed apart and the pairs summed, which
 * is the key's sorted order without sorting (a frame's locals may have been set in any order).
 */
function locals(l: Record<string, unknown>): void {
  const a0 = lane[0];
  const b0 = lane[1];
  let s1 = 0;
  let s2 = 0;
  let n = 0;
  for (const key in l) {
    const v = l[key];
    lane[0] = 0x2545f491;
    lane[1] = 0x68e31da4;
    str(key);
    if (key === 'ipi') mix(ipiOf(v as number));
    else if (v === undefined) mix(T_UNDEFINED);
    else val(v);
    s1 = (s1 + lane[0]) | 0;
    s2 = (s2 + lane[1]) | 0;
    n++;
  }
  lane[0] = a0;
  lane[1] = b0;
  mix(T_OBJ);
  mix(n);
  mix(s1);
  mix(s2);
}

/** A set of small ids given as the first n of `ids` (order-free: summed mixes; its count is mixed apart). */
function idSum(ids: number[], n: number): void {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s + Math.imul(ids[i] + 0x3c6ef372, 0x9e3779b1)) | 0;
  mix(s);
}

/**
 * Each object's own hash (two lanes per object, by id), kept with a state so that a child rehashes what it wrote; per
 * kind, the objects' hashes combined (`sums`, kept up to date as objects change: no pass over every object per state);
 * the CPU objects hashed, and per CPU its frames' hashes, so that a child compares what its kernel copied with what it
 * copied from (a micro-step copies its CPU, and often changes only its top frame).
 */
export interface ObjectHashes {
  cpus: number[];
  tasks: number[];
  mms: number[];
  pages: number[];
  devices: number[];
  /** Per kind (cpus, tasks, mms, pages, devices), the two lanes of the combination of its objects' hashes. */
  sums: number[];
  cpuObjs: Cpu[];
  /** Per CPU, two lanes per frame of its stack (bottom first); NaN for a frame whose hash depends on IPI renumbering. */
  frames: number[][];
  /**
   * Per CPU, the two lanes its stack and IPI queue mixed in (cpuFrames), when no IPI id was met before or in them (NaN
   * otherwise: the pair depends on the renumbering); 0, 0 for an empty stack and queue (nothing mixed).
   */
  stacks: number[];
}

/**
 * A CPU without its stack and IPI queue (hashed with the whole state: their IPI ids are renumbered state-wide): per
 * lane, the sum of one term per field (cpuField), so that a CPU copied by a move is rehashed by the fields it changed
 * (cpuDelta), not by all 30. A sum is order-free where the key's text is in key order: the same for CPUs, whose keys
 * are always in one order (the factory's, model/make.ts makeCpu, kept by every copy, model/clone.ts cpuWithStack; a
 * test checks it), so the same fields with the same values are the same text. The lanes become the CPU's hash.
 */
function cpuHash(c: Cpu): void {
  const o = c as unknown as Record<string, unknown>;
  let s1 = 0;
  let s2 = 0;
  for (const key in o) {
    const v = o[key];
    if (v === undefined) continue;
    const code = cpuCode(key);
    if (code === SKIPPED) continue;
    cpuField(code, key, v);
    s1 = (s1 + fieldTerm[0]) | 0;
    s2 = (s2 + fieldTerm[1]) | 0;
  }
  lane[0] = s1;
  lane[1] = s2;
}

/** A CPU field's key code, or SKIPPED (the key leaves it out, or hashes it with the whole state: CPU_FIELDS). */
const cpuCodes = new Map<string, number>();
function cpuCode(key: string): number {
  let c = cpuCodes.get(key);
  if (c === undefined) cpuCodes.set(key, (c = (CPU_FIELDS as Record<string, boolean>)[key] === false ? SKIPPED : strCode(key)));
  return c;
}
/**
 * Every field of a CPU (a field missing here is a compile error), in makeCpu's order, and whether a CPU's hash holds it:
 * not the id, the stack and IPI queue (hashed with the whole state), `full_mb` (a count of barriers) and `asid_gen`
 * (display only). cpuDelta compares each field by name: a field added here must be added there.
 */
const CPU_FIELDS: { readonly [K in keyof Cpu]-?: boolean } = {
  id: false, now: true, curr: true, mode: true, irqs_off: true, prev_mm: true, membarrier_state: true, loaded_mm: true,
  tag: true, is_lazy: true, ctxs: true, next_asid: true, asid_of: true, asid_next: true, asid_gen: false, active_asids: true,
  reserved_asids: true, user_asce: true, tlb: true, ipi_queue: false, stack: false, op: true, until: true,
  needs_core_sync: true, serialized_since_curr_store: true, curr_stores: true, mid_switch: true, rcu_cbs: true,
  full_mb: false, mb_stores: true, unordered_entry: true,
};

/** The term of a CPU's field (key code, value) into fieldTerm: hashed apart, each lane avalanched; the lanes kept. */
const fieldTerm = new Int32Array(2);
function cpuField(code: number, key: string, v: unknown): void {
  const a0 = lane[0];
  const b0 = lane[1];
  lane[0] = 0x2545f491;
  lane[1] = 0x68e31da4;
  mix(code);
  // an operation marked blocked is one marked running (the default chooser's mark of having tried it)
  if (key === 'op') str(v === 'blocked' ? 'running' : (v as string));
  else if (key === 'tlb') tlbHash(v as Tlb);
  else val(v);
  let x = lane[0] ^ (lane[0] >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  fieldTerm[0] = x ^ (x >>> 16);
  let y = lane[1] ^ (lane[1] >>> 15);
  y = Math.imul(y, 0x2c1b3c6d);
  y ^= y >>> 12;
  y = Math.imul(y, 0x297a2d39);
  fieldTerm[1] = y ^ (y >>> 15);
  lane[0] = a0;
  lane[1] = b0;
}

/**
 * How the hash of a CPU copied by a move (Kernel.own) differs from that of the CPU it was copied from, into fieldDelta
 * (zero when it holds the same): the terms of the fields whose values differ, by identity. Every value of a CPU is a
 * primitive or is replaced, never written in place (model/clone.ts), except `ctxs`, whose slots are (compared one by
 * one). Field by field by name (a walk over the keys, with a lookup of the other object's value by key, took 6 % of
 * the explorer's time); every field CPU_FIELDS hashes, an absent field as undefined (no term, as in the key's text).
 */
const fieldDelta = new Int32Array(2);
function cpuDelta(a: Cpu, b: Cpu): void {
  fieldDelta[0] = 0;
  fieldDelta[1] = 0;
  if (a.now !== b.now) changed('now', a.now, b.now);
  if (a.curr !== b.curr) changed('curr', a.curr, b.curr);
  if (a.mode !== b.mode) changed('mode', a.mode, b.mode);
  if (a.irqs_off !== b.irqs_off) changed('irqs_off', a.irqs_off, b.irqs_off);
  if (a.prev_mm !== b.prev_mm) changed('prev_mm', a.prev_mm, b.prev_mm);
  if (a.membarrier_state !== b.membarrier_state) changed('membarrier_state', a.membarrier_state, b.membarrier_state);
  if (a.loaded_mm !== b.loaded_mm) changed('loaded_mm', a.loaded_mm, b.loaded_mm);
  if (a.tag !== b.tag) changed('tag', a.tag, b.tag);
  if (a.is_lazy !== b.is_lazy) changed('is_lazy', a.is_lazy, b.is_lazy);
  if (a.ctxs !== b.ctxs && !sameSlots(a.ctxs, b.ctxs)) changed('ctxs', a.ctxs, b.ctxs);
  if (a.next_asid !== b.next_asid) changed('next_asid', a.next_asid, b.next_asid);
  if (a.asid_of !== b.asid_of) changed('asid_of', a.asid_of, b.asid_of);
  if (a.asid_next !== b.asid_next) changed('asid_next', a.asid_next, b.asid_next);
  if (a.active_asids !== b.active_asids) changed('active_asids', a.active_asids, b.active_asids);
  if (a.reserved_asids !== b.reserved_asids) changed('reserved_asids', a.reserved_asids, b.reserved_asids);
  if (a.user_asce !== b.user_asce) changed('user_asce', a.user_asce, b.user_asce);
  if (a.tlb !== b.tlb) changed('tlb', a.tlb, b.tlb);
  if (a.op !== b.op) changed('op', a.op, b.op);
  if (a.until !== b.until) changed('until', a.until, b.until);
  if (a.needs_core_sync !== b.needs_core_sync) changed('needs_core_sync', a.needs_core_sync, b.needs_core_sync);
  if (a.serialized_since_curr_store !== b.serialized_since_curr_store) {
    changed('serialized_since_curr_store', a.serialized_since_curr_store, b.serialized_since_curr_store);
  }
  if (a.curr_stores !== b.curr_stores) changed('curr_stores', a.curr_stores, b.curr_stores);
  if (a.mid_switch !== b.mid_switch) changed('mid_switch', a.mid_switch, b.mid_switch);
  if (a.rcu_cbs !== b.rcu_cbs) changed('rcu_cbs', a.rcu_cbs, b.rcu_cbs);
  if (a.mb_stores !== b.mb_stores) changed('mb_stores', a.mb_stores, b.mb_stores);
  if (a.unordered_entry !== b.unordered_entry) changed('unordered_entry', a.unordered_entry, b.unordered_entry);
}

/** Field `key` was `w` and is `v` (either undefined: absent): its old term out of fieldDelta, its new one in. */
function changed(key: string, w: unknown, v: unknown): void {
  const code = cpuCode(key);
  if (w !== undefined) {
    cpuField(code, key, w);
    fieldDelta[0] = (fieldDelta[0] - fieldTerm[0]) | 0;
    fieldDelta[1] = (fieldDelta[1] - fieldTerm[1]) | 0;
  }
  if (v !== undefined) {
    cpuField(code, key, v);
    fieldDelta[0] = (fieldDelta[0] + fieldTerm[0]) | 0;
    fieldDelta[1] = (fieldDelta[1] + fieldTerm[1]) | 0;
  }
}

function sameSlots(x: unknown[], y: unknown[]): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

const taskHash = (t: Task): void => obj(t as unknown as Record<string, unknown>, ID_SKIP);
function mmHash(m: Mm): void {
  obj(m as unknown as Record<string, unknown>, MM_SKIP);
  radixHash(m.pte);
  radixHash(m.pt);
  radixHash(m.unflushed);
  radixHash(m.sec_unflushed);
  listHash(m.unhooked);
}
function pageHash(p: Page): void {
  pageName(p.name);
  obj(p as unknown as Record<string, unknown>, PAGE_SKIP);
  listHash(p.may_walk);
  rmapHash(p.rmap);
}
function deviceHash(d: Device): void {
  obj(d as unknown as Record<string, unknown>, DEVICE_SKIP);
  tlbHash(d.tlb);
}

/**
 * Combining an object's two lanes into its kind's sums: each lane avalanched with the object's kind and index mixed in
 * (`kindSalt` + index, set by `part`), then added (an order-free combination made order-aware by the index), so one
 * object changing changes the sums by the difference of its terms. Salted by kind too, so that the state's hash may
 * take every kind's sums added (hashState).
 */
var kindSalt = 0;
function term1(i: number, a: number): number {
  let x = Math.imul(a ^ Math.imul(i + 1 + kindSalt, 0x9e3779b1), 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}
function term2(i: number, b: number): number {
  let x = Math.imul(b + Math.imul(i + 1 + kindSalt, 0x7feb352d), 0x846ca68b);
  x ^= x >>> 15;
  x = Math.imul(x, 0x2c1b3c6d);
  return x ^ (x >>> 12);
}

/**
 * The objects' hashes of a state: all of them, or (given its parent's and the objects written since, `Kernel.kfDirty`
 * of the state's own kernel, which starts empty at a fork) only those written or created.
 */
function objectHashes(x: ExploreState, parent?: ObjectHashes): ObjectHashes {
  const s = x.k.s;
  const dirty = x.k.kfDirty;
  const sums = parent ? parent.sums.slice() : [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  return {
    cpus: part(0, s.cpus, parent?.cpus, dirty.cpus, cpuHash as Hasher, sums, parent?.cpuObjs),
    tasks: part(1, s.tasks, parent?.tasks, dirty.tasks, taskHash as Hasher, sums),
    mms: part(2, s.mms, parent?.mms, dirty.mms, mmHash as Hasher, sums),
    pages: part(3, s.pages, parent?.pages, dirty.pages, pageHash as Hasher, sums),
    devices: part(4, s.devices, parent?.devices, dirty.devices, deviceHash as Hasher, sums),
    sums,
    cpuObjs: s.cpus.slice(),
    frames: [],
    stacks: [],
  };
}

type Hasher = (o: unknown) => void;

/** The sums of the kind `part` is updating (a typed array, as the lanes: no closure per call, no heap number per store). */
const kindSum = new Int32Array(2);

/** Object i's hash into out[2i, 2i+1], added to the kind's sums; the outer lanes are kept. */
function hashAt(out: number[], i: number, o: unknown, f: Hasher): void {
  const a0 = lane[0];
  const b0 = lane[1];
  lane[0] = 0x2545f491;
  lane[1] = 0x68e31da4;
  f(o);
  out[i * 2] = lane[0];
  out[i * 2 + 1] = lane[1];
  kindSum[0] = (kindSum[0] + term1(i, lane[0])) | 0;
  kindSum[1] = (kindSum[1] + term2(i, lane[1])) | 0;
  lane[0] = a0;
  lane[1] = b0;
}

/**
 * One kind's objects' hashes (`kind` indexes `sums`): all of them, or those written since the fork (`written`) and
 * those created, given the parent's (`before`). For CPUs, `was` is the parent's CPU objects: a CPU copied whose fields
 * are its original's keeps its hash, one that changed some is adjusted by them (cpuDelta).
 */
function part(kind: number, list: unknown[], before: number[] | undefined, written: Set<number>, f: Hasher, sums: number[], was?: Cpu[]): number[] {
  let out: number[];
  let from = 0;
  kindSalt = kind << 22;
  kindSum[0] = sums[kind * 2];
  kindSum[1] = sums[kind * 2 + 1];
  if (before) {
    from = Math.min(before.length >> 1, list.length);
    // objects beyond the list (none: objects are never removed, but a parent is only a hint) leave the sums
    for (let i = from; i < before.length >> 1; i++) {
      kindSum[0] = (kindSum[0] - term1(i, before[i * 2])) | 0;
      kindSum[1] = (kindSum[1] - term2(i, before[i * 2 + 1])) | 0;
    }
    // the parent's array while nothing changes (a state's arrays are never written once made)
    out = before.length === list.length * 2 ? before : before.slice(0, from * 2);
    for (const i of written) {
      if (i >= from) continue;
      if (was !== undefined && i < was.length) {
        // a CPU copied: its hash adjusted by the fields it changed
        cpuDelta(was[i], list[i] as Cpu);
        if (fieldDelta[0] === 0 && fieldDelta[1] === 0) continue;
        if (out === before) out = before.slice();
        const o1 = out[i * 2];
        const o2 = out[i * 2 + 1];
        const n1 = (o1 + fieldDelta[0]) | 0;
        const n2 = (o2 + fieldDelta[1]) | 0;
        out[i * 2] = n1;
        out[i * 2 + 1] = n2;
        kindSum[0] = (kindSum[0] - term1(i, o1) + term1(i, n1)) | 0;
        kindSum[1] = (kindSum[1] - term2(i, o2) + term2(i, n2)) | 0;
        continue;
      }
      if (out === before) out = before.slice();
      kindSum[0] = (kindSum[0] - term1(i, out[i * 2])) | 0;
      kindSum[1] = (kindSum[1] - term2(i, out[i * 2 + 1])) | 0;
      hashAt(out, i, list[i], f);
    }
  } else out = [];
  for (let i = from; i < list.length; i++) hashAt(out, i, list[i], f);
  sums[kind * 2] = kindSum[0];
  sums[kind * 2 + 1] = kindSum[1];
  return out;
}

/**
 * Whether frame `now` (of a CPU copied by a move) holds what frame `was` held: the same function, labels and locals (by
 * identity: a copied frame's object locals are copies, so a frame holding one is hashed again).
 */
function frameSame(was: Frame, now: Frame): boolean {
  if (was === now) return true; // shared below a copied top frame (model/clone.ts cloneCpuTop)
  if (was.fn !== now.fn || was.pc !== now.pc || was.ret !== now.ret || !was.irq !== !now.irq) return false;
  const a = was.l;
  const b = now.l;
  let n = 0;
  for (const key in b) {
    if (b[key] !== a[key] || !(key in a)) return false;
    n++;
  }
  for (const _key in a) n--;
  return n === 0;
}

/** A frame's hash into the current lanes. */
function frameHash(f: Frame): void {
  str(f.fn);
  str(f.pc);
  str(f.ret);
  mix(f.irq ? 1 : 0);
  locals(f.l);
}

/**
 * A CPU's stack and IPI queue, as one pair of lanes mixed in (a mark if both are empty). Their IPI ids are renumbered
 * state-wide, so the pair depends on the ids met before this CPU too. A CPU object shared between states is never
 * written in place again (Kernel.isShared): its pair is cached by identity, with the ids met before it and the ids it
 * met, and reused while the ids met before it are the same (most moves change one CPU; the others are shared). A CPU
 * this state copied is compared frame by frame with the one it was copied from (`was`, whose frames' hashes are
 * `wasFrames`): a frame that holds the same and has no IPI id among its locals keeps its hash. Returns the frames'
 * hashes of this CPU (for a child's comparison), and puts the pair in `pair` (ObjectHashes.stacks) at CPU i: a child
 * sharing this CPU reuses it from there while no IPI id is met before or in it (most states have none in flight).
 */
const framesCache = new WeakMap<Cpu, { before: number[]; met: number[]; a: number; b: number }>();
const NO_FRAMES: number[] = [];
function cpuFrames(c: Cpu, shared: boolean, was: Cpu | undefined, wasFrames: number[] | undefined, wasPair: number[] | undefined, i: number, pair: number[]): number[] {
  pair[i * 2] = 0;
  pair[i * 2 + 1] = 0;
  if (!c.stack.length && !c.ipi_queue.length) {
    mix(0xc0); // (a pair otherwise)
    return NO_FRAMES;
  }
  if (shared && was === c && ipiIds.length === 0 && wasFrames && wasPair && !Number.isNaN(wasPair[i * 2])) {
    // the parent's CPU, whose pair met no IPI id: the parent's pair (no lookup in framesCache)
    pair[i * 2] = wasPair[i * 2];
    pair[i * 2 + 1] = wasPair[i * 2 + 1];
    mix(pair[i * 2]);
    mix(pair[i * 2 + 1]);
    return wasFrames;
  }
  pair[i * 2] = NaN;
  pair[i * 2 + 1] = NaN;
  if (shared) {
    const e = framesCache.get(c);
    if (e && sameIds(e.before)) {
      for (let j = 0; j < e.met.length; j++) ipiIds.push(e.met[j]);
      mix(e.a);
      mix(e.b);
      // the same object as the parent's: the same frames' hashes; else none known (NaN: not reusable)
      return wasFrames && was === c ? wasFrames : new Array<number>(c.stack.length * 2).fill(NaN);
    }
  }
  const n0 = ipiIds.length;
  const stack = c.stack;
  const fh: number[] = new Array(stack.length * 2);
  const a0 = lane[0];
  const b0 = lane[1];
  lane[0] = 0x2545f491;
  lane[1] = 0x68e31da4;
  for (let j = 0; j < stack.length; j++) {
    const f = stack[j];
    mix(0xf0);
    if (was && wasFrames && j < was.stack.length && !Number.isNaN(wasFrames[j * 2]) && frameSame(was.stack[j], f)) {
      fh[j * 2] = wasFrames[j * 2];
      fh[j * 2 + 1] = wasFrames[j * 2 + 1];
      mix(wasFrames[j * 2]);
      mix(wasFrames[j * 2 + 1]);
      continue;
    }
    const n = ipiIds.length;
    const c1 = lane[0];
    const c2 = lane[1];
    lane[0] = 0x2545f491;
    lane[1] = 0x68e31da4;
    frameHash(f);
    const fa = lane[0];
    const fb = lane[1];
    lane[0] = c1;
    lane[1] = c2;
    // a frame with an IPI id among its locals hashes its renumbered id: not reusable as it is
    const reusable = !('ipi' in f.l) && ipiIds.length === n;
    fh[j * 2] = reusable ? fa : NaN;
    fh[j * 2 + 1] = reusable ? fb : NaN;
    mix(fa);
    mix(fb);
  }
  const queue = c.ipi_queue;
  for (let j = 0; j < queue.length; j++) {
    const q = queue[j];
    mix(0xa0);
    mix(ipiOf(q.id));
    str(q.kind);
    mix(q.from);
    locals(q.args);
  }
  const a = lane[0];
  const b = lane[1];
  lane[0] = a0;
  lane[1] = b0;
  mix(a);
  mix(b);
  if (n0 === 0 && ipiIds.length === 0) {
    pair[i * 2] = a;
    pair[i * 2 + 1] = b;
  } else if (shared) framesCache.set(c, { before: ipiIds.slice(0, n0), met: ipiIds.slice(n0), a, b });
  return fh;
}

/** Whether the IPI ids met so far are `ids`. */
function sameIds(ids: number[]): boolean {
  if (ids.length !== ipiIds.length) return false;
  for (let i = 0; i < ids.length; i++) if (ids[i] !== ipiIds[i]) return false;
  return true;
}

/** In-flight IPIs' targets by renumbered id (hashState; one array for every state). */
const byNo: Array<number[] | undefined> = [];

/**
 * The 64-bit hash of an exploration state, as two 32-bit numbers, with `extra` (the explorer's program counters and
 * hardware budget) mixed in. Same hash iff same `canonicalKey` (up to hash collisions). Given the parent's object
 * hashes, only the objects this state's kernel wrote since its fork are hashed again; `objects` is what a child needs.
 */
export function hashState(x: ExploreState, extra: readonly number[] = [], parent?: ObjectHashes): { h: [number, number]; objects: ObjectHashes } {
  const objects = objectHashes(x, parent);
  const s = x.k.s;
  lane[0] = 0x3a8f05c5;
  lane[1] = 0x1b56c4e9;
  if (ipiIds.length) ipiIds.length = 0;
  // Every part below is of a fixed shape or says where it ends (a count first, or an end mark): no marks between them.
  // The objects: the counts of the kinds that grow, and every kind's combination of its objects' hashes, added (the
  // terms are salted by kind, see term1).
  mix(s.tasks.length);
  mix(s.mms.length);
  mix(s.pages.length);
  const sm = objects.sums;
  mix((sm[0] + sm[2] + sm[4] + sm[6] + sm[8]) | 0);
  mix((sm[1] + sm[3] + sm[5] + sm[7] + sm[9]) | 0);
  for (let i = 0; i < s.cpus.length; i++) {
    objects.frames[i] = cpuFrames(s.cpus[i], x.k.isShared(0, i), parent?.cpuObjs[i], parent?.frames[i], parent?.stacks, i, objects.stacks);
  }
  // In-flight IPIs in the order of their renumbered ids (every such IPI is met above: its sender waits on it, or a
  // target holds it in its queue or its stack).
  const inflight = s.ipis_inflight;
  if (byNo.length) byNo.length = 0;
  let extraIpis = 0;
  for (const id in inflight) {
    const n = ipiOf(Number(id));
    byNo[n] = inflight[id];
    extraIpis++;
  }
  mix(extraIpis);
  for (let n = 0; n < byNo.length; n++) {
    const targets = byNo[n];
    if (!targets) continue;
    mix(n);
    val(targets);
  }
  val(s.free_list);
  num(s.next_ctx_id);
  // arm64's ASID allocator, with a bounded ASID space (null otherwise: nothing, the next part begins with another mark)
  if (s.asid_alloc) val(s.asid_alloc);
  const { standing, i2Due } = x.checker.futureKey(x.k);
  if (standing.length === 0 && i2Due.length === 0) mix(T_NO_FUTURE);
  else {
    val(standing);
    val(i2Due);
  }
  // the objects carried to the next check: their counts in one number (each below 256 in any scenario; beyond, the
  // sums still tell), then their sums if any
  const k = x.k;
  const dc = k.dirtyCpus;
  const dt = k.dirtyTasks;
  const dm = k.dirtyMms;
  mix(dc.n | (dt.n << 8) | (dm.n << 16) | (k.deviceTouched ? 1 << 24 : 0));
  if (dc.n || dt.n || dm.n) {
    idSum(dc.ids, dc.n);
    idSum(dt.ids, dt.n);
    idSum(dm.ids, dm.n);
  }
  for (let i = 0; i < extra.length; i++) num(extra[i]);
  // final avalanche of each lane
  let a = lane[0] ^ (lane[0] >>> 16);
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  a = Math.imul(a, 0xc2b2ae35);
  a ^= a >>> 16;
  let b = lane[1] ^ (lane[1] >>> 15);
  b = Math.imul(b, 0x2c1b3c6d);
  b ^= b >>> 12;
  b = Math.imul(b, 0x297a2d39);
  b ^= b >>> 15;
  return { h: [a | 0, b | 0], objects };
}
