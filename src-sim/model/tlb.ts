/**
 * A CPU's TLB (leaf entries and walk-cache entries), or a device's IOTLB (leaf entries under tag 0), as an indexed,
 * persistent value.
 *
 * The model gives TLBs no capacity (kernel/tlb_hw.ts), so a CPU can cache as many translations as its mms have
 * mappings. A flat list made every fill, invalidation and at-free check visit, and every change copy, the whole TLB.
 * Here a TLB of at most TLB_SMALL entries is still one list in fill order (scanning and copying it is a bounded cost,
 * and it is the cheapest form to keep in keyframes: most TLBs hold a few dozen entries). A bigger one is indexed: by
 * hardware tag (a short list sorted by tag: a CPU holds entries under few tags at once), then by virtual page (leaf)
 * or page-table region (walk cache), as a sorted array of at most TLB_SMALL entries or, beyond, a persistent radix map
 * (model/radix.ts): a lookup costs the path to one key, a fill copies one path (at most 5 tables of 512 slots, whatever
 * the size), a ranged invalidation visits only the entries it removes (a whole table inside the range is dropped
 * without being read). Versions share everything they did not change, so a keyframe keeps only what changed
 * (model/clone.ts). Switching forms costs at most TLB_SMALL entries, paid for by the fills or removals since the last
 * switch (the thresholds are TLB_SMALL up and TLB_SMALL / 2 down).
 *
 * Order: every entry carries its fill number (`seq`, per CPU). What a snapshot shows (Snapshot's `tlb` array, built by
 * `tlbList`) is the entries in fill order, the order the flat list had: fills appended, invalidations kept the rest in
 * place. Code that reports one finding per entry (I8, I9, I11) also goes in fill order, so findings come out as before.
 *
 * Entries are never written after they were filed; a Tlb value handed out is never written again.
 */
import { RadixEdit, radixEmpty, rdiff, rforEach, rget, rset, type RadixMap } from './radix.ts';
import { REGION_PAGES } from './geometry.ts';
import type { TlbEntry } from './types.ts';

/** An entry as filed: what a snapshot shows, plus its fill number. */
export type TlbCached = TlbEntry & { readonly seq: number };

/** Entries by address: a sorted array while small, a radix map beyond (one of the two is set). */
export interface TlbIdx {
  n: number;
  list: readonly TlbCached[] | null;
  map: RadixMap<TlbCached> | null;
}

/** One hardware tag's entries: leaf entries by virtual page number, walk-cache entries by region. */
export interface TlbTag {
  tag: number;
  n: number;
  leaf: TlbIdx;
  walk: TlbIdx;
}

export interface Tlb {
  /** Entries held. */
  n: number;
  /** The next fill number. */
  seq: number;
  /** A small TLB (at most TLB_SMALL entries): every entry in fill order, scanned; null once the TLB is indexed. */
  flat: readonly TlbCached[] | null;
  /** An indexed TLB: the tags with entries, sorted by tag (empty while `flat` is set). */
  tags: readonly TlbTag[];
}

/**
 * Up to TLB_SMALL entries a TLB is one list in fill order, scanned (a bounded cost, and the cheapest form to copy and to
 * keep in keyframes: most TLBs hold a few dozen entries); above, it is indexed, and back to a list at TLB_SMALL / 2.
 * Likewise inside an indexed TLB, a tag's entries of one kind are a sorted array up to TLB_SMALL, a radix map above.
 */
export const TLB_SMALL = 64;

/**
 * Instrumentation for tests: while `counting` is set, `visited` counts the entries the operations below looked at
 * (found, filed, removed or listed). A test asserts it stays bounded per fill, invalidation and at-free check whatever
 * the size of the TLB.
 */
export const tlbStats = { counting: false, visited: 0 };
const count = (n: number) => {
  if (tlbStats.counting) tlbStats.visited += n;
};

const EMPTY_IDX: TlbIdx = { n: 0, list: [], map: null };
const NO_TAGS: readonly TlbTag[] = [];
export const tlbEmpty = (): Tlb => ({ n: 0, seq: 0, flat: [], tags: NO_TAGS });

// ---- one index (entries of one kind under one tag, by address) ----

/** Position of the first entry with va >= key in a sorted list. */
function lowerBound(list: readonly TlbCached[], key: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].va < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function idxGet(x: TlbIdx, va: number): TlbCached | undefined {
  if (x.map) return rget(x.map, va);
  const l = x.list!;
  const i = lowerBound(l, va);
  return i < l.length && l[i].va === va ? l[i] : undefined;
}

function idxAdd(x: TlbIdx, e: TlbCached): TlbIdx {
  if (x.map) return { n: x.n + 1, list: null, map: rset(x.map, e.va, e) };
  const l = x.list!;
  if (l.length >= TLB_SMALL) {
    const edit = new RadixEdit(radixEmpty<TlbCached>());
    for (const y of l) edit.set(y.va, y);
    edit.set(e.va, e);
    return { n: x.n + 1, list: null, map: edit.root };
  }
  const i = lowerBound(l, e.va);
  const out = new Array<TlbCached>(l.length + 1);
  for (let j = 0; j < i; j++) out[j] = l[j];
  out[i] = e;
  for (let j = i; j < l.length; j++) out[j + 1] = l[j];
  return { n: x.n + 1, list: out, map: null };
}

/** x without its entries with start <= va < end (end < 0: no bound); gone sees each. */
function idxRemoveRange(x: TlbIdx, start: number, end: number, gone: (e: TlbCached) => void): TlbIdx {
  if (x.map) {
    const edit = new RadixEdit(x.map);
    let removed = 0;
    edit.delRange(start, end, (_k, e) => {
      removed++;
      gone(e);
    });
    if (!removed) return x;
    const n = x.n - removed;
    if (n > TLB_SMALL / 2) return { n, list: null, map: edit.root };
    // Few left: back to a list (at most SMALL / 2 entries read, each paid for by a removal since the map was made).
    const list: TlbCached[] = [];
    rforEach(edit.root, (_k, e) => list.push(e));
    return { n, list, map: null };
  }
  const l = x.list!;
  const lo = lowerBound(l, start);
  const hi = end < 0 ? l.length : lowerBound(l, end);
  if (hi <= lo) return x;
  for (let j = lo; j < hi; j++) gone(l[j]);
  return { n: x.n - (hi - lo), list: l.slice(0, lo).concat(l.slice(hi)), map: null };
}

function idxEach(x: TlbIdx, visit: (e: TlbCached) => void): void {
  if (x.map) rforEach(x.map, (_k, e) => visit(e));
  else for (const e of x.list!) visit(e);
}

/** Entries of a that b does not hold (by identity). Two maps: only the tables they do not share. */
function idxDiff(a: TlbIdx, b: TlbIdx | undefined, out: TlbCached[]): void {
  if (a === b) return;
  if (a.map && b?.map) {
    rdiff(a.map, b.map, (_k, e) => {
      out.push(e);
    });
    return;
  }
  // A list (at most SMALL entries) on one side at least, or b gone: each entry of a is looked up in b.
  idxEach(a, (e) => {
    if (!b || idxGet(b, e.va) !== e) out.push(e);
  });
}

// ---- the TLB ----

function tagAt(t: Tlb, tag: number): number {
  const tags = t.tags;
  let lo = 0;
  let hi = tags.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tags[mid].tag < tag) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function tagOf(t: Tlb, tag: number): TlbTag | undefined {
  const i = tagAt(t, tag);
  return i < t.tags.length && t.tags[i].tag === tag ? t.tags[i] : undefined;
}

/** tags with slot i replaced (x not undefined), inserted (insert), or removed (x undefined). */
function withTag(t: Tlb, i: number, x: TlbTag | undefined, insert: boolean): readonly TlbTag[] {
  const out = t.tags.slice();
  if (x === undefined) out.splice(i, 1);
  else if (insert) out.splice(i, 0, x);
  else out[i] = x;
  return out;
}

/** A small TLB's entry of that kind, tag and address (a scan of at most TLB_SMALL entries). */
function flatFind(flat: readonly TlbCached[], tag: number, walk: boolean, va: number): TlbCached | undefined {
  count(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const e = flat[i];
    if (e.va === va && e.tag === tag && e.walk === walk) return e;
  }
  return undefined;
}

export function tlbLeaf(t: Tlb, tag: number, vpn: number): TlbCached | undefined {
  if (t.flat) return flatFind(t.flat, tag, false, vpn);
  const x = tagOf(t, tag);
  const e = x && idxGet(x.leaf, vpn);
  if (e) count(1);
  return e;
}

export function tlbWalk(t: Tlb, tag: number, region: number): TlbCached | undefined {
  if (t.flat) return flatFind(t.flat, tag, true, region);
  const x = tagOf(t, tag);
  const e = x && idxGet(x.walk, region);
  if (e) count(1);
  return e;
}

/**
 * The TLB with `entry` filed. The caller numbers it with the TLB's next fill number (`seq: t.seq`, built as one object
 * literal so that it keeps all its fields in the object itself) and checked that its slot is free.
 */
export function tlbAdd(t: Tlb, entry: TlbCached): Tlb {
  if (entry.seq !== t.seq) throw new Error(`TLB entry numbered ${entry.seq}, expected ${t.seq}`);
  count(1);
  if (t.flat && t.flat.length < TLB_SMALL) return { n: t.n + 1, seq: t.seq + 1, flat: t.flat.concat([entry]), tags: NO_TAGS };
  if (t.flat) {
    // The TLB outgrows a list: index it (TLB_SMALL entries filed once, paid for by the fills that made them).
    let x: Tlb = { n: 0, seq: t.seq + 1, flat: null, tags: NO_TAGS };
    for (const y of t.flat.concat([entry])) x = fileIndexed(x, y);
    return x;
  }
  return fileIndexed({ n: t.n, seq: t.seq + 1, flat: null, tags: t.tags }, entry);
}

/** An indexed TLB with e (already numbered) filed. */
function fileIndexed(t: Tlb, e: TlbCached): Tlb {
  const entry = e;
  const i = tagAt(t, e.tag);
  const had = i < t.tags.length && t.tags[i].tag === e.tag ? t.tags[i] : undefined;
  const x = had ?? { tag: e.tag, n: 0, leaf: EMPTY_IDX, walk: EMPTY_IDX };
  const nx: TlbTag = e.walk ? { tag: e.tag, n: x.n + 1, leaf: x.leaf, walk: idxAdd(x.walk, entry) } : { tag: e.tag, n: x.n + 1, leaf: idxAdd(x.leaf, entry), walk: x.walk };
  return { n: t.n + 1, seq: t.seq, flat: null, tags: withTag(t, i, nx, !had) };
}

/**
 * The TLB without tag's entries in [start, end) pages (end < 0: all of them): leaf entries whose page is in the range,
 * walk-cache entries whose region overlaps it. `gone` sees each removed entry. Visits only what it removes.
 */
export function tlbRemoveRange(t: Tlb, tag: number, start: number, end: number, gone: (e: TlbCached) => void): Tlb {
  if (end < 0) start = 0;
  if (t.flat) {
    count(t.flat.length);
    const lo = Math.floor(start / REGION_PAGES);
    const hi = end < 0 ? -1 : Math.ceil(end / REGION_PAGES);
    const flat = t.flat;
    const hit = (e: TlbCached) => e.tag === tag && (e.walk ? e.va >= lo && (hi < 0 || e.va < hi) : e.va >= start && (end < 0 || e.va < end));
    let i = 0;
    while (i < flat.length && !hit(flat[i])) i++;
    if (i === flat.length) return t;
    const kept = flat.slice(0, i);
    for (; i < flat.length; i++) {
      if (hit(flat[i])) gone(flat[i]);
      else kept.push(flat[i]);
    }
    return { n: kept.length, seq: t.seq, flat: kept, tags: NO_TAGS };
  }
  const i = tagAt(t, tag);
  const x = i < t.tags.length && t.tags[i].tag === tag ? t.tags[i] : undefined;
  if (!x) return t;
  const leaf = idxRemoveRange(x.leaf, start, end, gone);
  // Regions overlapping [start, end): region r spans [r * REGION_PAGES, (r + 1) * REGION_PAGES).
  const walk = idxRemoveRange(x.walk, Math.floor(start / REGION_PAGES), end < 0 ? -1 : Math.ceil(end / REGION_PAGES), gone);
  if (leaf === x.leaf && walk === x.walk) return t;
  const removed = x.leaf.n - leaf.n + x.walk.n - walk.n;
  count(removed);
  const n = x.n - removed;
  const out: Tlb = { n: t.n - removed, seq: t.seq, flat: null, tags: withTag(t, i, n ? { tag, n, leaf, walk } : undefined, false) };
  if (out.n > TLB_SMALL / 2) return out;
  // Few left: back to one list in fill order (at most TLB_SMALL / 2 entries, each paid for by a removal since indexing).
  const flat: TlbCached[] = [];
  tlbEach(out, (e) => flat.push(e));
  return { n: flat.length, seq: t.seq, flat: flat.sort(bySeq), tags: NO_TAGS };
}

/** The TLB without any entry of `tag` (O(those entries): each was paid for by the fill that made it). */
export function tlbRemoveTag(t: Tlb, tag: number, gone: (e: TlbCached) => void): Tlb {
  return tlbRemoveRange(t, tag, 0, -1, gone);
}

export const bySeq = (a: TlbCached, b: TlbCached): number => a.seq - b.seq;

/** Tag's entries, in fill order. */
export function tlbOfTag(t: Tlb, tag: number): TlbCached[] {
  if (t.flat) {
    count(t.flat.length);
    return t.flat.filter((e) => e.tag === tag);
  }
  const x = tagOf(t, tag);
  if (!x) return [];
  const out: TlbCached[] = [];
  idxEach(x.leaf, (e) => out.push(e));
  idxEach(x.walk, (e) => out.push(e));
  count(out.length);
  return out.sort(bySeq);
}

/** Calls visit for every entry, in no particular order. */
export function tlbEach(t: Tlb, visit: (e: TlbCached) => void): void {
  if (t.flat) for (const e of t.flat) visit(e);
  for (const x of t.tags) {
    idxEach(x.leaf, visit);
    idxEach(x.walk, visit);
  }
}

/** Every entry in fill order, as filed. */
export function tlbInOrder(t: Tlb): TlbCached[] {
  const all: TlbCached[] = [];
  tlbEach(t, (e) => all.push(e));
  if (!t.flat) all.sort(bySeq);
  return all;
}

/** Every entry in fill order, as a snapshot shows them (plain TlbEntry objects, without the fill number). */
export function tlbList(t: Tlb): TlbEntry[] {
  return tlbInOrder(t).map(({ tag, mm, va, page, walk, write, speculative, gen }) => ({ tag, mm, va, page, walk, write, speculative, gen }));
}

/** Calls visit for tag's leaf entries with start <= va < end, in no particular order. Visits only those entries. */
export function tlbLeavesIn(t: Tlb, tag: number, start: number, end: number, visit: (e: TlbCached) => void): void {
  if (end <= start) return;
  if (t.flat) {
    count(t.flat.length);
    for (const e of t.flat) if (e.tag === tag && !e.walk && e.va >= start && e.va < end) visit(e);
    return;
  }
  const x = tagOf(t, tag);
  if (!x) return;
  const seen = (e: TlbCached) => {
    count(1);
    visit(e);
  };
  if (x.leaf.map) rforEach(x.leaf.map, (_k, e) => seen(e), start, end);
  else {
    const l = x.leaf.list!;
    for (let i = lowerBound(l, start); i < l.length && l[i].va < end; i++) seen(l[i]);
  }
}

/**
 * Calls `gone` for the entries of `old` that `nu` no longer holds, then `added` for the entries of `nu` that `old` did
 * not hold, each in fill order. What the versions share is skipped: the cost is what changed (at most TLB_SMALL per
 * changed list).
 */
export function tlbDiff(old: Tlb, nu: Tlb, onGone: (e: TlbCached) => void, onAdded: (e: TlbCached) => void): void {
  if (old === nu) return;
  if (old.flat && nu.flat) {
    // Both in fill order, the new one the old one less what was removed, plus what was filed after it.
    const a = old.flat;
    const b = nu.flat;
    let j = 0;
    for (let i = 0; i < a.length; i++) {
      if (j < b.length && a[i] === b[j]) j++;
      else onGone(a[i]);
    }
    for (; j < b.length; j++) onAdded(b[j]);
    return;
  }
  const gone: TlbCached[] = [];
  const added: TlbCached[] = [];
  if (old.flat || nu.flat) {
    // Indexed on one side only (at most TLB_SMALL entries on the other; the indexed side's entries were filed or
    // removed since, except for those shared, which are found by lookup).
    diffAny(old, nu, gone);
    diffAny(nu, old, added);
  } else {
    diffTags(old, nu, gone);
    diffTags(nu, old, added);
  }
  gone.sort(bySeq).forEach(onGone);
  added.sort(bySeq).forEach(onAdded);
}

/** Entries of a that b does not hold (by identity), by lookup. */
function diffAny(a: Tlb, b: Tlb, out: TlbCached[]): void {
  tlbEach(a, (e) => {
    const same = e.walk ? tlbWalk(b, e.tag, e.va) : tlbLeaf(b, e.tag, e.va);
    if (same !== e) out.push(e);
  });
}

/** Entries under a's tags that b does not hold (by identity). */
function diffTags(a: Tlb, b: Tlb, out: TlbCached[]): void {
  for (const xa of a.tags) {
    const xb = tagOf(b, xa.tag);
    if (xa === xb) continue;
    idxDiff(xa.leaf, xb?.leaf, out);
    idxDiff(xa.walk, xb?.walk, out);
  }
}
