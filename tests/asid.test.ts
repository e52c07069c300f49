/**
 * Bounded ASID spaces (config.asid_bits): arm64's allocator with generations, reserved ASIDs and tlb_flush_pending
 * (arch/arm64/mm/context.c), and mips' per-CPU version rollover (arch/mips/mm/context.c).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Run, file, mm, type Spec } from './harness.ts';
import type { StepFile } from '../src-sim/scenario/schema.ts';
import { allFixesConfig, randomScenario, randomSteps } from '../src-sim/scenario/random.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { playheadView } from '../src-sim/timeline/view.ts';
import { ExploreState, canonicalKey } from '../src-sim/explore/state.ts';
import { resolveVariant } from '../src-sim/scenario/load.ts';

const V = '0x400000';
const mms = ['M', 'N', 'P', 'Q'].map((name, i) => ({ name, map: { [V]: `pg${i}` } }));
const tasks = [
  { name: 'A1', mm: 'M' }, { name: 'A2', mm: 'M' }, { name: 'B', mm: 'N' }, { name: 'C', mm: 'P' }, { name: 'D', mm: 'Q' },
  { name: 'K', kthread: true },
];
const sw = (cpu: number, to: string): StepFile => ({ cpu, do: 'switch', to });

/** 4 ASIDs (1..3 usable), 2 CPUs: CPU1 runs M (ASID 1), then goes lazy on it; CPU0 uses N, P, then Q rolls over. */
const lazyAcrossRollover: StepFile[] = [
  sw(1, 'A1'), { cpu: 1, do: 'access', va: V }, sw(1, 'K'),
  sw(0, 'B'), sw(0, 'C'), sw(0, 'D'),
];
/** Then a second thread of M on CPU0 (M needs a context of the new generation), M unmaps the page, A1 comes back on CPU1. */
const thenUnmapAndReturn: StepFile[] = [sw(0, 'A2'), { cpu: 0, do: 'munmap', va: V }, sw(1, 'A1'), { cpu: 1, do: 'access', va: V }];

const arm64 = (reserved: boolean, steps: StepFile[]): Spec => ({
  arch: 'arm64', config: { asid_bits: 2, arm64_reserved_asids: reserved }, mms, tasks, steps,
});
const asid = (ctx: number) => ctx % 4;
const gen = (ctx: number) => Math.floor(ctx / 4);

describe('arm64 ASID generations', () => {
  it('allocates ASIDs from 1, rolls over when none is free, and reserves every CPU\'s active ASID', () => {
    const r = new Run(arm64(true, lazyAcrossRollover));
    const before = r.after(4);
    expect([mm(before, 'M').context_id, mm(before, 'N').context_id, mm(before, 'P').context_id]).toEqual([4 + 1, 4 + 2, 4 + 3]);
    expect(before.asid_alloc!.asid_generation).toBe(4);
    const s = r.after(5);
    const a = s.asid_alloc!;
    expect(gen(a.asid_generation)).toBe(2);
    // CPU0 was running P (ASID 3), CPU1 still has M (ASID 1) loaded, lazily: both reserved, Q gets 2
    expect(s.cpus.map((c) => c.reserved_asids)).toEqual([4 + 3, 4 + 1]);
    expect(mm(s, 'Q').context_id).toBe(8 + 2);
    expect(a.asid_map).toEqual([1, 2, 3]);
    // the rolling CPU took its pending flush in the same slow path; CPU1's is still pending
    expect(a.tlb_flush_pending).toEqual([false, true]);
    expect(s.cpus[1].active_asids).toBe(0);
    expect(s.cpus[0].active_asids).toBe(8 + 2);
    expect([s.cpus[0].tag, s.cpus[0].asid_gen]).toEqual([2, 2]);
    // the lazy CPU keeps TTBR0 (ASID 1 of generation 1) and its entries
    expect([s.cpus[1].tag, s.cpus[1].asid_gen]).toEqual([1, 1]);
    expect(s.cpus[1].tlb.filter((e) => !e.walk).map((e) => e.tag)).toEqual([1]);
    expect(r.ids()).toEqual([]);
  });

  it('with the reservation, the lazy CPU\'s mm keeps its ASID in the new generation: no stale hit', () => {
    const r = new Run(arm64(true, [...lazyAcrossRollover, ...thenUnmapAndReturn]));
    const s = r.after(6);
    expect(mm(s, 'M').context_id).toBe(8 + 1); // check_update_reserved_asid: same number, new generation
    expect(s.cpus[1].reserved_asids).toBe(8 + 1);
    expect(asid(mm(s, 'M').context_id)).toBe(s.cpus[1].tag);
    // the unmap's TLBI by ASID 1 reached the lazy CPU
    expect(r.after(7).cpus[1].tlb.filter((e) => !e.walk)).toEqual([]);
    expect(r.ids()).toEqual([]);
  });

  it('without the reservation, the mm gets another ASID, the TLBI misses the lazy CPU and the checker reports the stale translation', () => {
    const r = new Run(arm64(false, [...lazyAcrossRollover, ...thenUnmapAndReturn]));
    const rolled = r.after(5);
    expect(rolled.cpus.map((c) => c.reserved_asids)).toEqual([0, 0]);
    expect(mm(rolled, 'Q').context_id).toBe(8 + 1); // the lazy CPU's ASID went to Q
    const s = r.after(6);
    expect(mm(s, 'M').context_id).toBe(8 + 2);
    expect(s.cpus[1].tag).toBe(1); // still running M under the old number
    const at = (id: string) => r.t.violations.filter((v) => v.id === id).map((v) => v.step - (r.t.file.setup?.length ?? 0));
    // freed while CPU1 still maps it (at the unmap), used through the stale entry when A1 returns to M
    expect(at('I8')).toContain(7);
    expect(at('I7')).toEqual([9]);
    expect(r.ids()).toEqual(['I7', 'I8']);
  });

  it('tlb_flush_pending: a CPU that was lazy across a rollover flushes its whole TLB at its next slow-path switch', () => {
    // P's ASID was reserved (CPU0 ran it at the rollover): the same number in the new generation, no new rollover
    const r = new Run(arm64(true, [...lazyAcrossRollover, sw(1, 'C')]));
    const s0 = r.after(5);
    expect(s0.cpus[1].tlb.length).toBeGreaterThan(0);
    const s = r.after(6);
    expect(s.asid_alloc!.tlb_flush_pending).toEqual([false, false]);
    expect(gen(s.asid_alloc!.asid_generation)).toBe(2);
    expect(mm(s, 'P').context_id).toBe(8 + 3);
    expect(s.cpus[1].tlb).toEqual([]);
    expect(r.labels(6)).toContain('switch_mm_irqs_off.cpu_asid_lock');
    expect(r.ids()).toEqual([]);
  });

  it('without tlb_flush_pending, an ASID handed to a new mm still translates the old mm\'s addresses on the CPU that used it', () => {
    const steps: StepFile[] = [
      sw(1, 'A1'), sw(1, 'K'), sw(0, 'B'), { cpu: 0, do: 'access', va: V }, sw(0, 'C'), sw(0, 'D'), { cpu: 0, do: 'access', va: V },
    ];
    const off = new Run({ ...arm64(true, steps), config: { asid_bits: 2, arm64_tlb_flush_pending: false } });
    const s = off.after(5);
    expect(mm(s, 'Q').context_id).toBe(8 + 2); // N's ASID 2 of generation 1, now Q's
    expect(s.asid_alloc!.tlb_flush_pending).toEqual([false, false]);
    expect(s.cpus[0].tlb.filter((e) => !e.walk).map((e) => [e.tag, s.mms[e.mm].name])).toEqual([[2, 'N']]);
    const i7 = off.t.violations.filter((v) => v.id === 'I7');
    expect(i7.map((v) => v.message)).toEqual(['D on CPU0 reads 0x400000 of Q through a TLB entry filled from N\'s page tables under the same tag 2 (-> pg1)']);
    expect(off.ids()).toEqual(['I7']);
    // the kernel: the rolling CPU flushed in the same slow path, and D reads its own page
    const on = new Run(arm64(true, steps));
    expect(on.after(5).cpus[0].tlb).toEqual([]);
    expect(on.ids()).toEqual([]);
  });

  it('the fast path: the same generation and no rollover since the last switch take no lock and flush nothing', () => {
    const r = new Run(arm64(true, [sw(1, 'A1'), { cpu: 1, do: 'access', va: V }, sw(1, 'B'), sw(1, 'A1')]));
    expect(r.labels(3)).toContain('switch_mm_irqs_off.check_and_switch_context');
    expect(r.labels(3)).not.toContain('switch_mm_irqs_off.cpu_asid_lock');
    expect(r.after(3).cpus[1].tlb.filter((e) => !e.walk && e.tag === 1)).toHaveLength(1);
  });

  it('a CPU that has not switched since the last rollover keeps its reserved ASID through the next one', () => {
    // CPU1 stays lazy on M while CPU0 rolls over three times (N and P find no free ASID either); M keeps ASID 1
    const r = new Run(arm64(true, [...lazyAcrossRollover, sw(0, 'B'), sw(0, 'C'), sw(0, 'A2')]));
    const s = r.after(8);
    expect(gen(s.asid_alloc!.asid_generation)).toBe(4);
    expect(s.cpus[1].active_asids).toBe(0);
    expect(s.cpus[1].reserved_asids).toBe(16 + 1);
    expect(mm(s, 'M').context_id).toBe(16 + 1);
    expect(s.cpus[0].tag).toBe(s.cpus[1].tag);
    expect(r.ids()).toEqual([]);
  });

  it('the playhead view shows each CPU\'s generation, active and reserved ASIDs, and the mm\'s context.id', () => {
    const r = new Run(arm64(true, lazyAcrossRollover));
    const v = playheadView(r.t, r.t.microstepCount);
    expect(v.cpus.map((c) => c.asid)).toEqual([
      { gen: 2, active: [2, 2], reserved: [1, 3], flushPending: false },
      { gen: 1, active: null, reserved: [1, 1], flushPending: true },
    ]);
    expect(v.mms.find((m) => v.mmNames[m.mm] === 'Q')!.detail).toEqual([['context.id', 'generation 2, ASID 2']]);
    const plain = new Run({ arch: 'arm64', mms, tasks, steps: lazyAcrossRollover });
    expect(playheadView(plain.t, plain.t.microstepCount).cpus[0].asid).toBeUndefined();
  });

  it('the explorer\'s canonical key sees the allocator (it decides the future: which ASID the next mm gets, who flushes)', () => {
    const f = file(arm64(true, []));
    const a = ExploreState.initial(f, resolveVariant(f, null));
    const b = a.clone();
    expect(canonicalKey(b)).toBe(canonicalKey(a));
    b.s.asid_alloc = { ...b.s.asid_alloc!, tlb_flush_pending: [true, false] };
    expect(canonicalKey(b)).not.toBe(canonicalKey(a));
    const c = a.clone();
    c.s.asid_alloc = { ...c.s.asid_alloc!, cur_idx: 2 };
    expect(canonicalKey(c)).not.toBe(canonicalKey(a));
  });

  it('refuses an ASID space too small for the CPUs', () => {
    expect(() => new Run({ arch: 'arm64', cpus: 3, config: { asid_bits: 2 }, steps: [] })).toThrow(/asid_bits 2 gives 4 ASIDs, too few for 3 CPUs/);
  });

  it('the default (unbounded) keeps one ASID per mm and no allocator', () => {
    const r = new Run({ arch: 'arm64', mms, tasks, steps: lazyAcrossRollover });
    const s = r.final;
    expect(s.asid_alloc).toBeNull();
    expect(s.mms.every((m) => m.context_id === 0)).toBe(true);
    expect(s.cpus[0].tag).toBe(mm(s, 'Q').ctx_id);
  });
});

describe('mips ASID version rollover', () => {
  it('wrapping into a new version flushes only the local TLB; contexts of the old version get new ASIDs', () => {
    const r = new Run({
      arch: 'mips', config: { asid_bits: 1 }, mms, tasks,
      steps: [sw(1, 'C'), { cpu: 1, do: 'access', va: V }, sw(0, 'B'), { cpu: 0, do: 'access', va: V }, sw(0, 'D'), sw(0, 'B')],
    });
    const s = r.after(3);
    const n = mm(s, 'N').id;
    expect(s.cpus[0].asid_of[n]).toBe(2 + 1); // version 1, ASID 1
    expect([s.cpus[0].tag, s.cpus[0].asid_gen]).toEqual([1, 1]);
    const rolled = r.after(4);
    // Q: version 2, ASID 0; the local TLB was flushed, the other CPU's was not
    expect(rolled.cpus[0].asid_of[mm(rolled, 'Q').id]).toBe(4 + 0);
    expect([rolled.cpus[0].tag, rolled.cpus[0].asid_gen]).toEqual([0, 2]);
    expect(rolled.cpus[0].tlb).toEqual([]);
    expect(rolled.cpus[1].tlb).toHaveLength(1);
    // N's context is of version 1: a new ASID of version 2
    const back = r.after(5);
    expect(back.cpus[0].asid_of[n]).toBe(4 + 1);
    expect(back.cpus[0].tag).toBe(1);
    expect(r.ids()).toEqual([]);
  });
});

describe('mips: the mm_users shortcut and versions', () => {
  it('zeroing a context of an older version drops nothing (its number may be another mm\'s now)', () => {
    const r = new Run({
      arch: 'mips', config: { asid_bits: 1 }, mms: mms.slice(0, 3), tasks: [{ name: 'A', mm: 'M' }, { name: 'B', mm: 'N' }, { name: 'C', mm: 'P' }, { name: 'K', kthread: true }],
      // CPU1: M gets ASID 1 of version 1; P wraps into version 2 (ASID 0); N gets ASID 1 of version 2 and caches V
      setup: [sw(1, 'A'), sw(1, 'C'), sw(1, 'B'), { cpu: 1, do: 'access', va: V }, sw(1, 'K'), sw(0, 'A')],
      steps: [{ cpu: 0, do: 'munmap', va: V }],
    });
    const before = r.after(-1);
    expect(before.cpus[1].asid_of[mm(before, 'M').id]).toBe(2 + 1);
    const s = r.after(0);
    expect(s.cpus[1].asid_of[mm(s, 'M').id]).toBe(0); // zeroed by the shortcut
    expect(s.cpus[1].tlb.filter((e) => !e.walk).map((e) => [e.tag, s.mms[e.mm].name])).toEqual([[1, 'N']]);
    expect(r.ids()).toEqual([]);
  });
});

describe('random schedules in a 4-ASID space, every fix applied', () => {
  const run = (arch: 'arm64' | 'mips', cpus: number, seed: number, steps: number, keyframeEvery?: number) => {
    const f = randomScenario({ arch, cpus, mms: 4, tasksPerMm: 1, kthreads: 2, pagesPerMm: 4, config: { ...allFixesConfig(arch), asid_bits: 2 } });
    return new Timeline(f, null, { extend: randomSteps(seed, steps, { pagesPerMm: 4 }), freezeKeyframes: true, ...(keyframeEvery ? { keyframeEvery } : {}) });
  };
  for (const [arch, cpus] of [['arm64', 2], ['mips', 3]] as const) {
    it(`${arch}: rollovers happen, and no invariant is ever violated`, () => {
      let rollovers = 0;
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
          const t = run(arch, cpus, seed, 250);
          expect(t.internalError).toBeNull();
          expect(t.violations.map((v) => `${v.id} at step ${v.step}: ${v.message}`)).toEqual([]);
          const s = t.finalState();
          rollovers += arch === 'arm64' ? Math.floor(s.asid_alloc!.asid_generation / 4) - 1 : Math.max(...s.cpus.map((c) => Math.floor((c.asid_next - 1) / 4) - 1));
        }),
        { numRuns: 20 },
      );
      // the schedules do reach the allocator's rollover path (else the property says nothing about it)
      expect(rollovers).toBeGreaterThan(20);
    });
  }

  it('seeking replays the allocator exactly (asid_alloc is shared between keyframes, never written)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const dense = run('arm64', 2, seed, 150, 1);
        const sparse = run('arm64', 2, seed, 150, 64);
        const n = dense.microstepCount;
        for (let i = 0; i < 10; i++) {
          const ms = Math.floor((((i * 7919 + seed) % n) + n) % n);
          expect(sparse.stateAt(ms)).toEqual(dense.stateAt(ms));
        }
      }),
      { numRuns: 5 },
    );
  });
});
