/**
 * alpha (arch/alpha.ts): flush IPI handlers that test current->active_mm. The old use_mm window (active_mm set,
 * switch_mm not yet run, interrupts on) lets a page flush for the new mm run under the previous mm's ASN; the fix that
 * keeps interrupts off across the two (kthread_use_mm since 38cf307c1f20) closes it. All through the general model.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Run, mm, type Spec } from './harness.ts';
import type { Config } from '../src-sim/model/types.ts';
import type { StepFile } from '../src-sim/scenario/schema.ts';
import { randomScenario, randomSteps } from '../src-sim/scenario/random.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';

const mms: Array<{ name: string; map: Record<string, string> }> = [{ name: 'M', map: { '0x400000': 'A' } }, { name: 'O', map: { '0x800000': 'B' } }];
const tasks = [{ name: 'P', mm: 'M' }, { name: 'P2', mm: 'M' }, { name: 'Q', mm: 'O' }, { name: 'W', kthread: true }];
/** CPU1 caches M's 0x400000 under M's ASN, then runs Q (mm O), then the kernel thread W (lazy on O). */
const setup: StepFile[] = [
  { cpu: 0, do: 'switch', to: 'P' }, { cpu: 1, do: 'switch', to: 'P2' }, { cpu: 1, do: 'access', va: '0x400000' },
  { cpu: 1, do: 'switch', to: 'Q' }, { cpu: 1, do: 'switch', to: 'W' }, { cpu: 1, do: 'mmget_not_zero', mm: 'M' },
];

/** W borrows M, paused inside the window; P flushes (`flush`), W finishes the switch and reads 0x400000. */
function windowRace(arch: Spec['arch'], config: Partial<Config>, flush: StepFile): Run {
  const until = config.use_mm === 'use_mm' ? 'use_mm.set_mm' : 'kthread_use_mm.set_active_mm';
  return new Run({ arch, config, mms, tasks, setup, steps: [
    { cpu: 1, do: 'use_mm', mm: 'M', until }, flush, { cpu: 1, do: 'continue' }, { cpu: 1, do: 'access', va: '0x400000' },
  ] });
}
const cow: StepFile = { cpu: 0, do: 'cow', va: '0x400000' };

describe('alpha: a page-flush IPI taken between active_mm = M and switch_mm', () => {
  it('old use_mm: the handler sees active_mm == M and invalidates under the ASN still loaded (O\'s); M\'s entry survives', () => {
    const r = windowRace('alpha', { use_mm: 'use_mm' }, cow);
    const s = r.after(1);
    const m = mm(s, 'M').id;
    const asn = s.cpus[1].asid_of[m];
    expect(asn).toBeGreaterThan(0);
    expect(s.cpus[1].tlb.some((e) => e.tag === asn && e.va === 0x400)).toBe(true);
    // and switch_mm reuses that ASN
    expect(r.after(2).cpus[1].tag).toBe(asn);
    expect(r.ids()).toEqual(['I14', 'I7', 'I8'].sort());
    expect(r.t.violations.filter((v) => v.id === 'I7').map((v) => v.step)).toEqual([setup.length + 3]);
  });
  it('kthread_use_mm (interrupts off across both): the IPI waits for the switch and removes the entry', () => {
    const r = windowRace('alpha', {}, cow);
    expect(r.t.steps[setup.length + 1].outcome).toBe('blocked');
    const s = r.after(2);
    expect(s.cpus[1].tlb.some((e) => e.va === 0x400 && e.mm === mm(s, 'M').id)).toBe(false);
    expect(r.ids()).toEqual([]);
  });
  it('a whole-mm flush in the same window is harmless on alpha: the handler loads a new ASN for M (only I14)', () => {
    const r = windowRace('alpha', { use_mm: 'use_mm' }, { cpu: 0, do: 'munmap', va: '0x400000' });
    const before = r.after(0).cpus[1];
    const after = r.after(1).cpus[1];
    expect(after.loaded_mm).not.toBe(before.loaded_mm); // __load_new_mm_context loaded M early
    expect(r.ids()).toEqual(['I14']);
  });
  it('mips in the same window: the handler flushes M\'s own ASID, so only the half-done switch is seen', () => {
    expect(windowRace('mips', { use_mm: 'use_mm' }, cow).ids()).toEqual(['I14']);
  });
});

describe('alpha: the handlers\' other branch and the initiator', () => {
  it('a CPU whose active_mm is another mm only loses its context for the mm (a new ASN next time)', () => {
    const r = new Run({ arch: 'alpha', mms, tasks, setup: setup.slice(0, 4), steps: [cow, { cpu: 1, do: 'switch', to: 'P2' }] });
    const s = r.after(0);
    const m = mm(s, 'M').id;
    expect(s.cpus[1].asid_of[m]).toBe(0);
    expect(s.cpus[1].tlb.some((e) => e.mm === m)).toBe(false);
    const s2 = r.after(1);
    expect(s2.cpus[1].asid_of[m]).toBeGreaterThan(r.after(-1).cpus[1].asid_of[m]);
    expect(r.ids()).toEqual([]);
  });
  it('mm_users <= 1 and the mm is the initiator\'s active_mm: no IPI, the other CPUs lose their context (I11 shortcut)', () => {
    const r = new Run({ arch: 'alpha', mms, tasks: [{ name: 'P', mm: 'M' }, { name: 'Q', mm: 'O' }], setup: [
      { cpu: 1, do: 'switch', to: 'P' }, { cpu: 1, do: 'access', va: '0x400000' }, { cpu: 1, do: 'switch', to: 'Q' }, { cpu: 0, do: 'switch', to: 'P' },
    ], steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }] });
    const s = r.after(0);
    expect(s.counters.ipis).toBe(0);
    expect(s.cpus[1].asid_of[mm(s, 'M').id]).toBe(0);
    expect(r.ids()).toEqual([]);
  });
  it('as the SMP code reads: an initiator whose active_mm is not the mm does not flush itself (reclaim from another mm)', () => {
    const r = new Run({ arch: 'alpha', mms, tasks: [{ name: 'P', mm: 'M' }, { name: 'Q', mm: 'O' }], setup: [
      { cpu: 1, do: 'switch', to: 'P' }, { cpu: 1, do: 'access', va: '0x400000' }, { cpu: 1, do: 'switch', to: 'Q' },
    ], steps: [{ cpu: 1, do: 'reclaim', page: 'A' }, { cpu: 1, do: 'switch', to: 'P' }, { cpu: 1, do: 'access', va: '0x400000' }] });
    expect(r.ids()).toEqual(['I7', 'I8']);
  });
});

describe('alpha: random schedules with every fix applied', () => {
  it('never crash, never block for good; the only findings are the initiator gap pinned above (I7, I8)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const f = randomScenario({ arch: 'alpha', cpus: 3, mms: 2, tasksPerMm: 2, kthreads: 2, devices: 2, pagesPerMm: 5 });
        const t = new Timeline(f, null, { extend: randomSteps(seed, 250, { pagesPerMm: 5 }) });
        expect(t.internalError).toBeNull();
        expect(t.steps.filter((s) => s.outcome === 'blocked' || s.outcome === 'paused')).toEqual([]);
        expect(t.violations.filter((v) => v.id !== 'I7' && v.id !== 'I8').map((v) => `${v.id} at step ${v.step}: ${v.message}`)).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });
});
