/**
 * A CPU's TLB (leaf entries and walk-cache entries) as an indexed, persistent value.
 *
 * The model gives TLBs no capacity (kernel/tlb_hw.ts), so a CPU can cache as many translations as its mms have
 * mappings. A flat list made every fill, invalidation and at-free check visit the whole TLB. Here the entries are
 * filed by hardware tag, then by virtual page (leaf) or page-table region (walk cache), in persistent radix maps
 * (model/radix.ts): a lookup costs the path to one key, a fill copies one path, a ranged invalidation visits only the
 * entries it removes (a whole table inside the range is dropped without being read), and versions share everything
 * they did not change, so a keyframe keeps only what changed (model/clone.ts).
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

/** One hardware tag's entries: leaf entries by virtual page number, walk-cache entries by region. */
export interface TlbTag {
  leaf: RadixMap<TlbCached>;
  walk: RadixMap<TlbCached>;
  n: number;
}

export interface Tlb {
  /** Entries held. */
  n: number;
  /** The next fill number. */
  seq: number;
  /** By tag + 1 (a CPU with nothing loaded has tag -1). */
  tags: RadixMap<TlbTag>;
}

/**
 * Instrumentation for tests: while `counting` is set, `visited` counts the entries the operations below looked at
 * (found, filed, removed or listed). A test asserts it stays bounded per fill, invalidation and at-free check whatever
 * the size of the TLB.
 */
export const tlbStats = { counting: false, visited: 0 };
const count = (n: number) => {
  if (tlbStats.counting) tlbStats.visited += n;
};

export const tlbEmpty = (): Tlb => ({ n: 0, seq: 0, tags: radixEmpty() });

const slotKey = (tag: number): number => {
  if (!(tag >= -1)) throw new RangeError(`TLB tag ${tag} out of range`);
  return tag + 1;
};

export function tlbLeaf(t: Tlb, tag: number, vpn: number): TlbCached | undefined {
  const x = rget(t.tags, slotKey(tag));
  const e = x && rget(x.leaf, vpn);
  if (e) count(1);
  return e;
}

export function tlbWalk(t: Tlb, tag: number, region: number): TlbCached | undefined {
  const x = rget(t.tags, slotKey(tag));
  const e = x && rget(x.walk, region);
  if (e) count(1);
  return e;
}

/** The TLB with e filed (its fill number given here); the caller checked that its slot is free. */
export function tlbAdd(t: Tlb, e: TlbEntry): { tlb: Tlb; entry: TlbCached } {
  count(1);
  const entry: TlbCached = { ...e, seq: t.seq };
  const key = slotKey(e.tag);
  const x = rget(t.tags, key) ?? { leaf: radixEmpty<TlbCached>(), walk: radixEmpty<TlbCached>(), n: 0 };
  const nx: TlbTag = e.walk ? { leaf: x.leaf, walk: rset(x.walk, e.va, entry), n: x.n + 1 } : { leaf: rset(x.leaf, e.va, entry), walk: x.walk, n: x.n + 1 };
  return { tlb: { n: t.n + 1, seq: t.seq + 1, tags: rset(t.tags, key, nx) }, entry };
}

/**
 * The TLB without tag's entries in [start, end) pages (end < 0: all of them): leaf entries whose page is in the range,
 * walk-cache entries whose region overlaps it. `gone` sees each removed entry. Visits only what it removes.
 */
export function tlbRemoveRange(t: Tlb, tag: number, start: number, end: number, gone: (e: TlbCached) => void): Tlb {
  const key = slotKey(tag);
  const x = rget(t.tags, key);
  if (!x) return t;
  let removed = 0;
  const visit = (_k: number, e: TlbCached) => {
    removed++;
    gone(e);
  };
  const leaf = new RadixEdit(x.leaf);
  leaf.delRange(start, end, visit);
  const walk = new RadixEdit(x.walk);
  // Regions overlapping [start, end): region r spans [r * REGION_PAGES, (r + 1) * REGION_PAGES).
  walk.delRange(Math.floor(start / REGION_PAGES), end < 0 ? -1 : Math.ceil(end / REGION_PAGES), visit);
  if (!removed) return t;
  count(removed);
  const n = x.n - removed;
  const tags = n ? rset(t.tags, key, { leaf: leaf.root, walk: walk.root, n }) : delKey(t.tags, key);
  return { n: t.n - removed, seq: t.seq, tags };
}

function delKey(m: RadixMap<TlbTag>, key: number): RadixMap<TlbTag> {
  const e = new RadixEdit(m);
  e.del(key);
  return e.root;
}

/** The TLB without any entry of `tag` (O(those entries): each was paid for by the fill that made it). */
export function tlbRemoveTag(t: Tlb, tag: number, gone: (e: TlbCached) => void): Tlb {
  return tlbRemoveRange(t, tag, 0, -1, gone);
}

/** Tag's entries, in fill order. */
export function tlbOfTag(t: Tlb, tag: number): TlbCached[] {
  const x = rget(t.tags, slotKey(tag));
  if (!x) return [];
  const out: TlbCached[] = [];
  rforEach(x.leaf, (_k, e) => out.push(e));
  rforEach(x.walk, (_k, e) => out.push(e));
  count(out.length);
  return out.sort(bySeq);
}

export const bySeq = (a: TlbCached, b: TlbCached): number => a.seq - b.seq;

/** Every entry in fill order, as a snapshot shows them (plain TlbEntry objects, without the fill number). */
export function tlbList(t: Tlb): TlbEntry[] {
  const all: TlbCached[] = [];
  rforEach(t.tags, (_k, x) => {
    rforEach(x.leaf, (_v, e) => all.push(e));
    rforEach(x.walk, (_v, e) => all.push(e));
  });
  all.sort(bySeq);
  return all.map(({ tag, mm, va, page, walk, write, speculative, gen }) => ({ tag, mm, va, page, walk, write, speculative, gen }));
}

/**
 * The entries of `old` that `nu` no longer holds (`gone`) and the entries of `nu` that `old` did not hold (`added`),
 * each in fill order. Tables the versions share are skipped (radix rdiff): the cost is what changed.
 */
export function tlbDiff(old: Tlb, nu: Tlb): { gone: TlbCached[]; added: TlbCached[] } {
  const gone: TlbCached[] = [];
  const added: TlbCached[] = [];
  if (old === nu) return { gone, added };
  diffTags(old.tags, nu.tags, gone);
  diffTags(nu.tags, old.tags, added);
  gone.sort(bySeq);
  added.sort(bySeq);
  return { gone, added };
}

/** Entries under a's tags that b does not hold (by identity). */
function diffTags(a: RadixMap<TlbTag>, b: RadixMap<TlbTag>, out: TlbCached[]): void {
  const empty = radixEmpty<TlbCached>();
  const push = (_k: number, e: TlbCached) => {
    out.push(e);
  };
  rdiff(a, b, (key, xa) => {
    const xb = rget(b, key);
    rdiff(xa.leaf, xb ? xb.leaf : empty, push);
    rdiff(xa.walk, xb ? xb.walk : empty, push);
  });
}
