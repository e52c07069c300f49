/**
 * Property tests over random, valid schedules (src-sim/scenario/random.ts) on every architecture:
 * - the model never crashes and never refuses a step for an internal reason;
 * - with every fix of the five threads applied, no invariant is ever violated;
 * - the exact mm_count accounting of I2 holds after every step, recomputed here independently of the checker;
 * - seeking is exact: states replayed from sparse keyframes equal states replayed from a keyframe at every step,
 *   which also proves the keyframes' structural sharing missed no write.
 * Failing seeds are printed by fast-check; pin them below as regression tests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomScenario, randomSteps } from '../src-sim/scenario/random.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { INIT_MM, NONE, type Arch, type Snapshot } from '../src-sim/model/types.ts';
import { rforEach } from '../src-sim/model/radix.ts';

const ARCHES: Arch[] = ['x86', 'powerpc', 'arm64', 's390', 'mips'];

function randomRun(arch: Arch, seed: number, steps: number, keyframeEvery?: number): Timeline {
  const f = randomScenario({ arch, cpus: 3, mms: 2, tasksPerMm: 2, kthreads: 2, devices: 2, pagesPerMm: 5 });
  // Keyframes are frozen: a micro-step that writes into shared history (breaking the copy contract) throws.
  return new Timeline(f, null, { extend: randomSteps(seed, steps, { pagesPerMm: 5 }), freezeKeyframes: true, ...(keyframeEvery ? { keyframeEvery } : {}) });
}

/** I2 recomputed from a snapshot, without the checker's code. */
function mmCountMismatches(s: Snapshot): string[] {
  const out: string[] = [];
  const counted = s.config.lazy_tlb_refcount;
  for (const m of s.mms) {
    if (m.id === INIT_MM || m.state === 'freed') continue;
    let n = m.users_ref ? 1 : 0;
    for (const t of s.tasks) {
      if (t.mm === NONE && t.active_mm === m.id && counted) n++;
      if (t.kthread && t.mm === m.id) n++;
    }
    for (const c of s.cpus) if (c.prev_mm === m.id && counted) n++;
    n += m.extra_pins;
    if (n !== m.mm_count) out.push(`${m.name}: mm_count ${m.mm_count}, references ${n}`);
  }
  return out;
}

describe('random schedules with every fix applied', () => {
  for (const arch of ARCHES) {
    it(`${arch}: never crash, never violate an invariant`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
          const t = randomRun(arch, seed, 250);
          expect(t.internalError).toBeNull();
          expect(t.violations.map((v) => `${v.id} at step ${v.step}: ${v.message}`)).toEqual([]);
          expect(t.steps.filter((s) => s.outcome === 'blocked' || s.outcome === 'paused')).toEqual([]);
        }),
        { numRuns: 25 },
      );
    });
  }
});

describe('I2: exact mm_count accounting after every step', () => {
  for (const arch of ARCHES) {
    it(`${arch}`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
          const t = randomRun(arch, seed, 120);
          for (const s of t.steps) {
            if (!s.microstepCount) continue;
            const state = t.stateAt(s.firstMicrostep + s.microstepCount - 1);
            expect(mmCountMismatches(state), `after step ${s.index} (${s.text})`).toEqual([]);
          }
        }),
        { numRuns: 4 },
      );
    });
  }
});

describe('seeking', () => {
  it('replaying from sparse keyframes gives exactly the states recorded at every step', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(...ARCHES), (seed, arch) => {
        const dense = randomRun(arch, seed, 150, 1);
        const sparse = randomRun(arch, seed, 150, 64);
        expect(sparse.microstepCount).toBe(dense.microstepCount);
        const n = dense.microstepCount;
        for (let i = 0; i < 12; i++) {
          const ms = Math.floor(((i * 7919 + seed) % n + n) % n);
          expect(sparse.stateAt(ms)).toEqual(dense.stateAt(ms));
        }
        expect(sparse.finalState()).toEqual(dense.finalState());
      }),
      { numRuns: 15 },
    );
  });

  it('the same scenario and variant give the same timeline (determinism)', () => {
    const a = randomRun('x86', 42, 200);
    const b = randomRun('x86', 42, 200);
    expect(b.summary()).toEqual(a.summary());
    expect(b.finalState()).toEqual(a.finalState());
  });
});

/** Structural consistency of a state at a quiescent point (between steps), independent of the invariant checker. */
function inconsistencies(s: Snapshot): string[] {
  const out: string[] = [];
  const mapped = new Map<number, number>();
  for (const m of s.mms) {
    if (m.state === 'freed' || m.id === INIT_MM) continue;
    rforEach(m.pte, (_va, pte) => mapped.set(pte.page, (mapped.get(pte.page) ?? 0) + 1));
    rforEach(m.pt, (region, p) => {
      if (s.pages[p].freed) out.push(`${m.name}: page table of region ${region} is freed`);
    });
  }
  for (const p of s.pages) {
    if (p.kind !== 'data') continue;
    const n = mapped.get(p.id) ?? 0;
    // A page is freed exactly when its last mapping went (no leaks, no page freed under a mapping).
    if (p.freed ? n > 0 : p.refcount !== n) out.push(`page ${p.name}: refcount ${p.refcount}, mapped ${n} times, freed ${p.freed}`);
  }
  const running = new Map<number, number>();
  for (const c of s.cpus) {
    const t = s.tasks[c.curr];
    if (t.state !== 'running' && t.state !== 'dead') out.push(`CPU${c.id} runs ${t.name} in state ${t.state}`);
    if (running.has(c.curr)) out.push(`${t.name} runs on two CPUs`);
    running.set(c.curr, c.id);
    if (c.stack.length || c.ipi_queue.length || c.irqs_off) out.push(`CPU${c.id} not quiescent`);
  }
  for (const t of s.tasks) if (t.state === 'running' && !running.has(t.id)) out.push(`${t.name} is running on no CPU`);
  if (Object.keys(s.ipis_inflight).length) out.push('IPIs in flight at a quiescent point');
  return out;
}

describe('random schedules on buggy and mixed configurations', () => {
  const configs = fc.record({
    lazy_tlb_refcount: fc.boolean(),
    context_switch_era: fc.constantFrom('v4' as const, 'v6' as const),
    use_mm: fc.constantFrom('kthread_use_mm' as const, 'use_mm' as const),
    use_mm_takes_mmget: fc.boolean(),
    x86_lazy: fc.constantFrom('v4.20' as const, 'v4.14' as const, 'v6.14' as const),
    x86_freed_tables_ipi: fc.boolean(),
    x86_trim_cpumask_every: fc.constantFrom(0, 1, 4),
    x86_invlpgb: fc.boolean(),
    x86_global_asid_cpus: fc.constantFrom(0, 1, 3),
    pcid: fc.boolean(),
    ppc_lazy_flush: fc.constantFrom('v6' as const, 'pre2020' as const),
    fullmm_upfront_flush: fc.boolean(),
    membarrier_sync_core: fc.constantFrom('scheduler' as const, 'arch' as const, 'none' as const),
    mmu_notifier: fc.constantFrom('v4.13' as const, 'v6.6' as const),
    reclaim_caller_pins_page: fc.boolean(),
    cow_notify: fc.constantFrom('clear_flush_notify' as const, 'set_then_notify' as const),
    speculative_fill: fc.constantFrom('any-time' as const, 's390-2012' as const),
    s390_rule: fc.constantFrom('2012' as const, '2016' as const),
  });
  it('never crash, never block for good, and every state between steps is structurally consistent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(...ARCHES), configs, (seed, arch, cfg) => {
        // Combinations the loader refuses (they never existed in any kernel) are mapped to the nearest valid one.
        const refcount = cfg.context_switch_era === 'v4' || cfg.use_mm === 'use_mm' ? true : cfg.lazy_tlb_refcount;
        const config = { ...cfg, lazy_tlb_refcount: refcount, lazy_tlb_shootdown: !refcount && arch === 'powerpc' };
        const f = randomScenario({ arch, cpus: 3, mms: 2, tasksPerMm: 2, kthreads: 2, devices: 2, pagesPerMm: 5, config });
        const t = new Timeline(f, null, { extend: randomSteps(seed, 150, { pagesPerMm: 5 }) });
        expect(t.internalError).toBeNull();
        for (const s of t.steps) {
          if (!s.microstepCount) continue;
          expect(inconsistencies(t.stateAt(s.firstMicrostep + s.microstepCount - 1)), `after step ${s.index} (${s.text})`).toEqual([]);
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 30) },
    );
  });
});
