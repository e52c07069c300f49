/**
 * The explorer's state hash (explore/hash.ts) against the canonical key (explore/state.ts), its reference definition:
 * over whole explorations, two states have the same hash iff they have the same key, and the hash a child computes
 * from its parent's object hashes (rehashing only what it wrote) is the hash computed from scratch.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../src-sim/explore/explore.ts';
import { hashState } from '../src-sim/explore/hash.ts';
import { canonicalKey } from '../src-sim/explore/state.ts';
import { presetById } from '../src-sim/scenario/presets.ts';
import { variantNames } from '../src-sim/scenario/load.ts';

function check(id: string, variant: string, opts: { hardware?: number; maxStates?: number } = {}): number {
  const byKey = new Map<string, string>();
  const byHash = new Map<string, string>();
  let n = 0;
  explore(presetById(id)!, variant, {
    ...opts,
    onState: (x, extra, h) => {
      const key = canonicalKey(x) + '|' + extra.join(',');
      const hash = h.join(',');
      expect(hashState(x, extra).h.join(','), `${id} ${variant}: incremental hash = full hash`).toBe(hash);
      const hadKey = byKey.get(key);
      if (hadKey !== undefined) expect(hadKey).toBe(hash);
      byKey.set(key, hash);
      const hadHash = byHash.get(hash);
      if (hadHash !== undefined) expect(hadHash, `${id} ${variant}: one hash, two keys`).toBe(key);
      byHash.set(hash, key);
      n++;
    },
  });
  // the explorer asks only for states it has not met (by hash): every state met is told once
  expect(byHash.size).toBe(n);
  return n;
}

describe('the state hash is the canonical key, computed directly', () => {
  it('on every variant of t2, t4 and t5', () => {
    for (const id of ['t2-use-mm-mm-users', 't4-mmu-notifier-secondary-tlb', 't5-fullmm-upfront-flush']) {
      for (const v of variantNames(presetById(id)!)) expect(check(id, v)).toBeGreaterThan(10);
    }
  });
  it('with speculative walks and device accesses at any point, and on the larger presets (a bounded part)', () => {
    expect(check('t4-mmu-notifier-secondary-tlb', 'buggy', { hardware: 2 })).toBeGreaterThan(100);
    expect(check('t5-fullmm-upfront-flush', 'x86-buggy', { hardware: 1 })).toBeGreaterThan(100);
    for (const v of ['x86', 'arm64', 'powerpc']) check('t0-lazy-tlb-basics', v, { maxStates: 1500 });
    for (const v of ['refcount', 'shootdown-powerpc']) check('t1-lazy-refcount-optout', v, { maxStates: 1500 });
    check('t3-membarrier-unlazy', 'old', { maxStates: 1500 });
  });
});
