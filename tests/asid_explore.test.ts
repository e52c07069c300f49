/**
 * The arm64 ASID allocator under every interleaving (explore/explore.ts): a rollover on one CPU racing with a lazy
 * CPU's return to its mm, and with another CPU's fast-path switch (the "subtle" ordering check_and_switch_context
 * comments on: a rollover between the fast path's cmpxchg and the TTBR0 write must reserve the ASID being loaded).
 */
import { describe, expect, it } from 'vitest';
import { explore, replay } from '../src-sim/explore/explore.ts';
import { file } from './harness.ts';
import type { StepFile } from '../src-sim/scenario/schema.ts';

const V = '0x400000';
const sw = (cpu: number, to: string): StepFile => ({ cpu, do: 'switch', to });
const acc = (cpu: number): StepFile => ({ cpu, do: 'access', va: V });

/** CPU1 lazy on M (ASID 1) with an entry; CPU0 has taken ASIDs 2 (N) and 3 (P): the next new mm rolls over. */
const spec = (reserved: boolean, steps: StepFile[]) => file({
  arch: 'arm64', config: { asid_bits: 2, arm64_reserved_asids: reserved },
  mms: ['M', 'N', 'P', 'Q'].map((name, i) => ({ name, map: { [V]: `pg${i}` } })),
  tasks: [
    { name: 'A1', mm: 'M' }, { name: 'A2', mm: 'M' }, { name: 'B', mm: 'N' }, { name: 'B2', mm: 'N' }, { name: 'C', mm: 'P' },
    { name: 'D', mm: 'Q' }, { name: 'K', kthread: true },
  ],
  setup: [sw(1, 'A1'), acc(1), sw(1, 'K'), sw(0, 'B'), sw(0, 'C')],
  steps,
});

describe('arm64 ASID rollover, every interleaving', () => {
  const reentry = [sw(0, 'D'), sw(0, 'A2'), { cpu: 0, do: 'munmap', va: V } as StepFile, sw(1, 'A1'), acc(1)];

  it('a lazy CPU returning to its mm while another CPU rolls over, reallocates the mm and unmaps: no violation', () => {
    const r = explore(spec(true, reentry), null);
    expect(r.exhaustive).toBe(true);
    expect(r.violations).toEqual([]);
    expect(r.states).toBeGreaterThan(1000);
  });

  it('the same without reserved ASIDs: the explorer finds the stale entry, and its schedule replays to it', () => {
    const f = spec(false, reentry);
    const r = explore(f, null);
    const ids = r.violations.map((v) => v.id);
    expect(ids).toContain('I8');
    for (const v of r.violations) expect(replay(f, 'default', v.moves)).toContain(v.id);
  });

  it('a fast-path switch racing with a rollover: the reservation keeps the ASID being loaded (without it, the explorer finds the miss)', () => {
    // CPU1 (lazy on M, active_asids set) switches to N, whose ASID 2 is of generation 1: the fast path unless a
    // rollover came first, then reads. CPU0 rolls over (Q), gives a new mm R an ASID, runs N's other thread (N needs
    // a context of the new generation) and unmaps. With the reservation every order is safe, a rollover between
    // CPU1's cmpxchg and its TTBR0 write included. Without it, once CPU1 took ASID 2 before the rollover (in either
    // window), R gets 2, N gets 3, and the unmap's TLBI by 3 misses CPU1.
    const race = (reserved: boolean) => file({
      arch: 'arm64', config: { asid_bits: 2, arm64_reserved_asids: reserved },
      mms: ['M', 'N', 'P', 'Q', 'R'].map((name, i) => ({ name, map: { [V]: `pg${i}` } })),
      tasks: [
        { name: 'A1', mm: 'M' }, { name: 'B', mm: 'N' }, { name: 'B2', mm: 'N' }, { name: 'C', mm: 'P' }, { name: 'D', mm: 'Q' },
        { name: 'E', mm: 'R' }, { name: 'K', kthread: true },
      ],
      setup: [sw(1, 'A1'), sw(1, 'K'), sw(0, 'B'), sw(0, 'C')],
      steps: [sw(0, 'D'), sw(0, 'E'), sw(0, 'B'), { cpu: 0, do: 'munmap', va: V }, sw(1, 'B2'), acc(1)],
    });
    const ok = explore(race(true), null);
    expect(ok.exhaustive).toBe(true);
    expect(ok.violations).toEqual([]);
    const f = race(false);
    const bad = explore(f, null);
    expect(bad.violations.map((v) => v.id)).toContain('I8');
    for (const v of bad.violations) expect(replay(f, 'default', v.moves)).toContain(v.id);
  });
});
