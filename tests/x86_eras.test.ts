/**
 * x86 eras beyond 4.20 (arch/x86/mm/tlb.c): the lazy mm_cpumask of 6.14+ ("x86/mm/tlb: Update mm_cpumask lazily",
 * 209954cbc7d0, and "Only trim the mm_cpumask once a second", 6db2526c1d69): what runs, what each CPU of the mask is
 * told by flushDecision (should_flush_tlb), and why.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Run, file, mm, name, task } from './harness.ts';
import { flushDecision } from '../src-sim/arch/x86.ts';
import { presets } from '../src-sim/scenario/presets.ts';
import { randomScenario, randomSteps } from '../src-sim/scenario/random.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { runReport } from '../src-sim/timeline/report.ts';
import { LOADED_MM_SWITCHING, type Config, type Snapshot } from '../src-sim/model/types.ts';
import type { StepFile } from '../src-sim/scenario/schema.ts';

const tasks = [{ name: 'A', mm: 'M' }, { name: 'B', mm: 'M' }, { name: 'C', mm: 'N' }, { name: 'K', kthread: true }];
const mms: Array<{ name: string; map: Record<string, string> }> = [{ name: 'M', map: { '0x400000': 'X', '0x401000': 'Y', '0x600000': 'Z' } }, { name: 'N', map: { '0x400000': 'W' } }];
/** B on CPU1 touches Y, then CPU1 switches to C (mm N); A runs on CPU0. */
const awaySetup: StepFile[] = [
  { cpu: 1, do: 'switch', to: 'B' },
  { cpu: 1, do: 'access', va: '0x401000' },
  { cpu: 1, do: 'switch', to: 'C' },
  { cpu: 0, do: 'switch', to: 'A' },
];
const lazyCpumask = (extra: Partial<Config> = {}): Partial<Config> => ({ x86_lazy: 'v6.14', ...extra });
const ipis = (r: Run, i: number) => r.after(i).counters.ipis - r.after(i - 1).counters.ipis;

describe('x86 6.14+ lazy mm_cpumask: switching away keeps the bit', () => {
  it('4.20 (default): switching to another mm clears the old bit', () => {
    const r = new Run({ arch: 'x86', tasks, mms, setup: awaySetup, steps: [] });
    expect(mm(r.after(-1), 'M').cpumask).toEqual([true, false]);
  });

  it('6.14: CPU1 stays in M\'s mask after switching to N', () => {
    const r = new Run({ arch: 'x86', tasks, mms, config: lazyCpumask(), setup: awaySetup, steps: [] });
    const s = r.after(-1);
    expect(mm(s, 'M').cpumask).toEqual([true, true]);
    expect(name(s, s.cpus[1].loaded_mm)).toBe('N');
    expect(r.ids()).toEqual([]);
  });

  it('a flush that does not trim skips the CPU that has another mm loaded; it catches up through choose_new_asid', () => {
    const r = new Run({ arch: 'x86', tasks, mms, config: lazyCpumask({ x86_trim_cpumask_every: 0 }), setup: awaySetup, steps: [
      { cpu: 0, do: 'munmap', va: '0x401000' },
      { cpu: 1, do: 'switch', to: 'B' },
      { cpu: 1, do: 'access', va: '0x401000' },
    ] });
    expect(ipis(r, 0)).toBe(0);
    const s0 = r.after(0);
    expect(mm(s0, 'M').cpumask).toEqual([true, true]);
    // CPU1 keeps M's entry in M's PCID slot, which is now behind tlb_gen: unusable until flushed
    expect(s0.cpus[1].tlb.some((e) => !e.walk && e.va === 0x401)).toBe(true);
    expect(r.labels(1)).toContain('switch_mm_irqs_off.load_new_mm_cr3');
    expect(r.after(1).cpus[1].tlb.some((e) => !e.walk && e.va === 0x401)).toBe(false);
    expect(r.ids()).toEqual([]);
  });

  it('a trimming flush IPIs it, and flush_tlb_func clears its bit without flushing', () => {
    const r = new Run({ arch: 'x86', tasks, mms, config: lazyCpumask({ x86_trim_cpumask_every: 1 }), setup: awaySetup, steps: [
      { cpu: 0, do: 'munmap', va: '0x401000' },
    ] });
    expect(ipis(r, 0)).toBe(1);
    expect(r.labels(0)).toContain('flush_tlb_func.cpumask_clear_cpu');
    expect(mm(r.after(0), 'M').cpumask).toEqual([true, false]);
    expect(r.ids()).toEqual([]);
  });

  it('the trim rule: every x86_trim_cpumask_every-th generation of the mm', () => {
    const r = new Run({ arch: 'x86', tasks, mms, config: lazyCpumask({ x86_trim_cpumask_every: 2 }), setup: awaySetup, steps: [
      { cpu: 0, do: 'munmap', va: '0x400000' },
      { cpu: 0, do: 'munmap', va: '0x401000' },
    ] });
    expect(mm(r.after(0), 'M').tlb_gen).toBe(1);
    expect(ipis(r, 0)).toBe(0);
    expect(mm(r.after(1), 'M').tlb_gen).toBe(2);
    expect(ipis(r, 1)).toBe(1);
    expect(mm(r.after(1), 'M').cpumask).toEqual([true, false]);
  });

  it('the trim by trace time (x86_trim_cpumask_clock): once a second per mm, the first a second after it was made', () => {
    // The mms exist before the first timed step (t=10): they count as made then; M's first trim is due after t=11.
    const r = new Run({ arch: 'x86', tasks, mms, config: lazyCpumask({ x86_trim_cpumask_clock: true, x86_trim_cpumask_every: 1 }), setup: awaySetup, steps: [
      { cpu: 0, do: 'flush', time: 10 },
      { cpu: 0, do: 'flush', time: 10.999 },
      { cpu: 0, do: 'flush', time: 11.2 },
      { cpu: 1, do: 'switch', to: 'B', time: 11.3 },
      { cpu: 1, do: 'switch', to: 'C', time: 11.4 },
      { cpu: 0, do: 'flush', time: 12.1 },
      { cpu: 0, do: 'flush', time: 12.3 },
    ] });
    expect([0, 1, 2, 5, 6].map((i) => ipis(r, i))).toEqual([0, 0, 1, 0, 1]);
    expect(r.labels(2)).toContain('flush_tlb_func.cpumask_clear_cpu');
    expect(mm(r.after(1), 'M')).toMatchObject({ created_at: 10 });
    expect(mm(r.after(1), 'M').next_trim_cpumask).toBeUndefined();
    expect(mm(r.after(2), 'M')).toMatchObject({ next_trim_cpumask: 12.2, cpumask: [true, false] });
    expect(mm(r.after(6), 'M')).toMatchObject({ next_trim_cpumask: 13.3, cpumask: [true, false] });
    expect(r.final.cpus.map((c) => c.now)).toEqual([12.3, 11.4]);
    expect(r.ids()).toEqual([]);
  });

  it('a seek keeps each CPU\'s trace clock: states replayed from any keyframe are the states of the run', () => {
    // Cpu.now is set by a timed step and read by the clock trim and by exec/fork (Mm.created_at): a keyframe or a
    // working copy that dropped it made a seek replay a different run (no trim, no creation time)
    const f = file({ arch: 'x86', tasks, mms, config: lazyCpumask({ x86_trim_cpumask_clock: true, x86_trim_cpumask_every: 1 }), setup: awaySetup, steps: [
      { cpu: 0, do: 'flush', time: 10 },
      { cpu: 1, do: 'switch', to: 'B', time: 10.5 },
      { cpu: 1, do: 'switch', to: 'C', time: 10.6 },
      { cpu: 0, do: 'flush', time: 11.2 },
      { cpu: 0, do: 'exec', mm: 'E', time: 11.5 },
      { cpu: 1, do: 'switch', to: 'B', time: 12.6 },
      { cpu: 1, do: 'switch', to: 'C', time: 12.7 },
      { cpu: 1, do: 'flush', time: 13 },
    ] });
    const dense = new Timeline(f, null, { keyframeEvery: 1 });
    const sparse = new Timeline(f, null);
    expect(dense.microstepCount).toBe(sparse.microstepCount);
    for (let n = 0; n < sparse.microstepCount; n++) expect(JSON.stringify(dense.stateAt(n)), `micro-step ${n}`).toBe(JSON.stringify(sparse.stateAt(n)));
    const end = dense.stateAt(dense.microstepCount - 1);
    expect(end.cpus.map((c) => c.now)).toEqual([11.5, 13]);
    expect(mm(end, 'E').created_at).toBe(11.5);
  });

  it('the clock trim: an mm made by exec or fork dates from its step; without step times nothing trims', () => {
    const r = new Run({ arch: 'x86', tasks, mms, config: lazyCpumask({ x86_trim_cpumask_clock: true }), setup: awaySetup, steps: [
      { cpu: 0, do: 'fork', name: 'F', mm: 'FM', time: 20 },
      { cpu: 0, do: 'exec', mm: 'E', time: 20.5 },
    ] });
    expect(mm(r.final, 'FM').created_at).toBe(20);
    expect(mm(r.final, 'E').created_at).toBe(20.5);
    expect(mm(r.final, 'M').created_at).toBe(20);
    const untimed = new Run({ arch: 'x86', tasks, mms, config: lazyCpumask({ x86_trim_cpumask_clock: true, x86_trim_cpumask_every: 1 }), setup: awaySetup, steps: [{ cpu: 0, do: 'flush' }] });
    expect(ipis(untimed, 0)).toBe(0);
    expect(mm(untimed.final, 'M').created_at).toBeUndefined();
    expect(untimed.final.cpus.map((c) => c.now)).toEqual([undefined, undefined]);
  });

  it('a CPU mid-switch (LOADED_MM_SWITCHING) is flushed: it may have read tlb_gen before the increment', () => {
    const r = new Run({ arch: 'x86', tasks, mms, config: lazyCpumask({ x86_trim_cpumask_every: 0 }), setup: awaySetup, steps: [
      { cpu: 1, do: 'switch', to: 'B', until: 'choose_new_asid' },
      { cpu: 0, do: 'munmap', va: '0x401000' },
      { cpu: 1, do: 'continue' },
    ] });
    expect(name(r.after(0), r.after(0).cpus[1].loaded_mm)).toBe(null);
    expect(ipis(r, 1)).toBe(1);
    const s = r.after(2);
    expect(s.cpus[1].tlb.some((e) => !e.walk && e.va === 0x401)).toBe(false);
    expect(s.cpus[1].ctxs[s.cpus[1].tag].tlb_gen).toBe(mm(s, 'M').tlb_gen);
    expect(r.ids()).toEqual([]);
  });

  it('freed_tables reaches every CPU of the mask: the lazy one unlazies and keeps its bit, the one elsewhere leaves', () => {
    const r = new Run({ arch: 'x86', cpus: 3, tasks, mms, config: lazyCpumask({ x86_trim_cpumask_every: 0 }), setup: [
      ...awaySetup,
      { cpu: 2, do: 'switch', to: 'B' },
      { cpu: 2, do: 'switch', to: 'K' },
    ], steps: [{ cpu: 0, do: 'munmap', va: '0x600000', free_tables: true }] });
    const before = r.after(-1);
    expect(before.cpus[2].is_lazy).toBe(true);
    expect(mm(before, 'M').cpumask).toEqual([true, true, true]);
    expect(ipis(r, 0)).toBe(2);
    const s = r.after(0);
    expect(name(s, s.cpus[2].loaded_mm)).toBe('init_mm');
    expect(name(s, task(s, 'K').active_mm)).toBe('M');
    // switch_mm_irqs_off no longer clears the old bit: the lazy CPU leaves the mask at a later flush
    expect(mm(s, 'M').cpumask).toEqual([true, false, true]);
    expect(r.ids()).toEqual([]);
  });
});

describe('flushDecision: what should_flush_tlb answers and why', () => {
  const r = new Run({ arch: 'x86', cpus: 4, tasks, mms, config: lazyCpumask(), setup: [
    { cpu: 1, do: 'switch', to: 'B' }, { cpu: 1, do: 'switch', to: 'K' }, // CPU1 lazy on M
    { cpu: 2, do: 'switch', to: 'A' }, { cpu: 2, do: 'switch', to: 'C' }, // CPU2 on N, still in M's mask
    { cpu: 3, do: 'switch', to: 'A' }, // CPU3 runs M
  ], steps: [] });
  const s: Snapshot = r.after(-1);
  const M = mm(s, 'M').id;
  const ask = (st: Snapshot, c: number, o: { freed_tables?: boolean; trim_cpumask?: boolean } = {}) =>
    flushDecision(st, c, { mm: M, freed_tables: o.freed_tables ?? false, trim_cpumask: o.trim_cpumask ?? false });
  const withConfig = (cfg: Partial<Config>): Snapshot => ({ ...s, config: { ...s.config, ...cfg } });

  it('6.14', () => {
    expect(ask(s, 1)).toEqual({ flush: false, reason: 'lazy' });
    expect(ask(s, 2)).toEqual({ flush: false, reason: 'other-mm' });
    expect(ask(s, 2, { trim_cpumask: true })).toEqual({ flush: true, reason: 'trim_cpumask' });
    expect(ask(s, 3)).toEqual({ flush: true, reason: 'loaded' });
    expect(ask(s, 1, { freed_tables: true })).toEqual({ flush: true, reason: 'freed_tables' });
    const mid: Snapshot = { ...s, cpus: s.cpus.map((c) => (c.id === 2 ? { ...c, loaded_mm: LOADED_MM_SWITCHING } : c)) };
    expect(ask(mid, 2)).toEqual({ flush: true, reason: 'switching' });
  });

  it('4.20 and 4.14', () => {
    expect(ask(withConfig({ x86_lazy: 'v4.20' }), 1)).toEqual({ flush: false, reason: 'lazy' });
    expect(ask(withConfig({ x86_lazy: 'v4.20' }), 2)).toEqual({ flush: true, reason: 'not-lazy' });
    expect(ask(withConfig({ x86_lazy: 'v4.20', x86_freed_tables_ipi: false }), 1, { freed_tables: true })).toEqual({ flush: false, reason: 'lazy' });
    expect(ask(withConfig({ x86_lazy: 'v4.14' }), 1)).toEqual({ flush: true, reason: 'v4.14-all' });
  });
});

describe('random schedules on x86 6.14 (every fix on): no violation', () => {
  it('never crash, never violate an invariant, whatever the trim period', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(0, 1, 2, 3), fc.boolean(), (seed, every, pcid) => {
        const f = randomScenario({ arch: 'x86', cpus: 3, mms: 2, tasksPerMm: 2, kthreads: 2, devices: 2, pagesPerMm: 5,
          config: { x86_lazy: 'v6.14', x86_trim_cpumask_every: every, pcid } });
        const t = new Timeline(f, null, { extend: randomSteps(seed, 250, { pagesPerMm: 5 }) });
        expect(t.internalError).toBeNull();
        expect(t.violations.map((v) => `${v.id} at step ${v.step}: ${v.message}`)).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });
});

describe('x86 6.15+ INVLPGB: broadcast flushes for an mm with a global ASID', () => {
  const two: StepFile[] = [
    { cpu: 1, do: 'switch', to: 'B' },
    { cpu: 1, do: 'access', va: '0x401000' },
    { cpu: 0, do: 'switch', to: 'A' },
    { cpu: 0, do: 'access', va: '0x401000' },
  ];
  const invlpgb = (extra: Partial<Config> = {}): Partial<Config> => ({ x86_lazy: 'v6.14', x86_invlpgb: true, x86_global_asid_cpus: 1, ...extra });

  it('an IPI flush of an mm active on more CPUs than the threshold gives it a global ASID, in transition', () => {
    const r = new Run({ arch: 'x86', tasks, mms, config: invlpgb(), setup: two, steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }] });
    expect(ipis(r, 0)).toBe(1);
    expect(r.labels(0)).toContain('flush_tlb_mm_range.consider_global_asid');
    const m = mm(r.after(0), 'M');
    expect(m.global_asid).toBe(6 + m.id);
    expect(m.asid_transition).toBe(true);
    expect(r.ids()).toEqual([]);
  });

  it('the threshold is the kernel\'s by default: more than 3 active CPUs', () => {
    const setup = (n: number): StepFile[] => [
      ...Array.from({ length: n - 1 }, (_, i): StepFile => ({ cpu: i + 1, do: 'switch', to: `T${i}` })),
      { cpu: 0, do: 'switch', to: 'A' },
    ];
    const many = [{ name: 'A', mm: 'M' }, ...Array.from({ length: 4 }, (_, i) => ({ name: `T${i}`, mm: 'M' }))];
    for (const [n, got] of [[4, true], [3, false]] as const) {
      const r = new Run({ arch: 'x86', cpus: 5, tasks: many, mms: [mms[0]], config: { x86_invlpgb: true }, setup: setup(n), steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }] });
      expect(mm(r.after(0), 'M').global_asid !== undefined, `${n} CPUs`).toBe(got);
    }
  });

  it('in transition: INVLPGB, then IPIs move every CPU of the mask to the global ASID; after that no IPI at all', () => {
    const r = new Run({ arch: 'x86', tasks, mms, config: invlpgb(), setup: two, steps: [
      { cpu: 0, do: 'munmap', va: '0x400000' },
      { cpu: 0, do: 'munmap', va: '0x401000' },
      { cpu: 0, do: 'munmap', va: '0x600000' },
    ] });
    expect(r.labels(1)).toEqual(expect.arrayContaining(['flush_tlb_mm_range.broadcast_tlb_flush', 'flush_tlb_mm_range.finish_asid_transition', 'flush_tlb_mm_range.flush_tlb_multi']));
    expect(ipis(r, 1)).toBe(1);
    const s1 = r.after(1);
    const g = mm(s1, 'M').global_asid;
    expect(s1.cpus.map((c) => c.tag)).toEqual([g, g]);
    // the entry went from the global ASID; the one under the old slot stays, unusable (the slot is behind tlb_gen)
    expect(s1.cpus[1].tlb.some((e) => !e.walk && e.va === 0x401 && e.tag === g)).toBe(false);
    expect(s1.cpus[1].tlb.some((e) => !e.walk && e.va === 0x401 && e.tag !== g)).toBe(true);
    expect(ipis(r, 2)).toBe(0);
    expect(r.labels(2)).not.toContain('flush_tlb_func.flush_tlb_func');
    expect(mm(r.after(2), 'M').asid_transition).toBe(false);
    expect(r.ids()).toEqual([]);
  });

  it('a lazy CPU is not detached: no IPI, flush_tlb_func never runs, it stays on the mm while its entries go', () => {
    const r = new Run({ arch: 'x86', tasks, mms, config: invlpgb(), setup: [
      ...two,
      { cpu: 0, do: 'munmap', va: '0x400000' }, // global ASID, transition
      { cpu: 0, do: 'access', va: '0x600000' },
      { cpu: 1, do: 'access', va: '0x600000' },
      { cpu: 0, do: 'munmap', va: '0x401000' }, // both move over
      { cpu: 1, do: 'access', va: '0x600000' },
      { cpu: 1, do: 'switch', to: 'K' },
    ], steps: [{ cpu: 0, do: 'munmap', va: '0x600000', free_tables: true }] });
    const s = r.after(0);
    expect(ipis(r, 0)).toBe(0);
    expect(s.cpus[1].is_lazy).toBe(true);
    expect(name(s, s.cpus[1].loaded_mm)).toBe('M');
    const g = mm(s, 'M').global_asid;
    expect(r.after(-1).cpus[1].tlb.some((e) => e.tag === g && !e.walk && e.va === 0x600)).toBe(true);
    expect(s.cpus[1].tlb.some((e) => e.tag === g && (e.va === 0x600 || (e.walk && e.va === 1)))).toBe(false);
    expect(r.labels(0)).not.toContain('flush_tlb_func.flush_tlb_func');
    expect(r.ids()).toEqual([]);
  });

  it('random schedules with INVLPGB (every fix on): no violation', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(0, 1, 2), fc.constantFrom('v6.14' as const, 'v4.20' as const), (seed, threshold, era) => {
        const f = randomScenario({ arch: 'x86', cpus: 3, mms: 2, tasksPerMm: 2, kthreads: 2, devices: 2, pagesPerMm: 5,
          config: { x86_lazy: era, x86_invlpgb: true, x86_global_asid_cpus: threshold } });
        const t = new Timeline(f, null, { extend: randomSteps(seed, 250, { pagesPerMm: 5 }) });
        expect(t.internalError).toBeNull();
        expect(t.violations.map((v) => `${v.id} at step ${v.step}: ${v.message}`)).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });
});

describe('each era shows its own function names (arch era tables)', () => {
  const rows = (t: Timeline) => Array.from({ length: t.microstepCount }, (_, i) => t.microstepRow(i)).map((r) => `${r.fn}.${r.label}`);

  it('T5 "x86 as in 2012" (x86_lazy v3) runs none of the later names', () => {
    const p = presets().find((x) => x.id === 't5-fullmm-upfront-flush')!;
    const t = new Timeline(p, 'x86-2012');
    const names = rows(t);
    for (const later of ['switch_mm_irqs_off', 'flush_tlb_multi', 'inc_mm_tlb_gen', 'arch_invalidate_secondary_tlbs', 'choose_new_asid', 'load_new_mm_cr3']) {
      expect(names.filter((n) => n.split('.').includes(later)), later).toEqual([]);
    }
    expect(names).toEqual(expect.arrayContaining(['switch_mm.load_cr3', 'flush_tlb_mm_range.flush_tlb_others']));
    expect(t.era.era.version).toBe('v3.10');
  });

  it('x86 3.x: the flusher flushes itself first (local_flush_tlb), a lazy CPU leaves with leave_mm; switch_mm lives in asm/mmu_context.h', () => {
    const t = new Timeline(presets().find((x) => x.id === 't5-fullmm-upfront-flush')!, 'x86-2012');
    const all = Array.from({ length: t.microstepCount }, (_, i) => t.microstepRow(i));
    const names = all.map((r) => `${r.cpu} ${r.fn}.${r.label}`);
    // The up-front flush of the exiting (lazy) CPU0: its own leave_mm first, then the IPI that makes CPU1 leave too.
    const local = names.indexOf('cpu0 flush_tlb_mm_range.local_flush_tlb');
    expect(local).toBeGreaterThan(0);
    expect(names[local + 1]).toBe('cpu0 leave_mm.leave_mm');
    expect(names.indexOf('cpu0 flush_tlb_mm_range.flush_tlb_others')).toBeGreaterThan(local);
    expect(names).toContain('cpu1 leave_mm.leave_mm');
    // No local flush_tlb_func call and no interrupt toggling around it in 3.x.
    expect(names.filter((n) => n.startsWith('cpu0 flush_tlb_func.') || n.endsWith('flush_tlb_mm_range.local_irq_enable'))).toEqual([]);
    expect(all.find((r) => r.fn === 'switch_mm')!.src).toBe('arch/x86/include/asm/mmu_context.h');
    expect(all.find((r) => r.fn === 'enter_lazy_tlb')!.srcLink).toBe('https://elixir.bootlin.com/linux/v3.10/source/arch/x86/include/asm/mmu_context.h');
    expect(all.find((r) => r.fn === 'leave_mm')!.link).toBe('https://elixir.bootlin.com/linux/v3.10/A/ident/leave_mm');
  });

  it('x86 4.14 calls it flush_tlb_others; 4.20+ flush_tlb_multi', () => {
    const steps: StepFile[] = [{ cpu: 0, do: 'munmap', va: '0x401000' }];
    const old = new Run({ arch: 'x86', tasks, mms, config: { x86_lazy: 'v4.14' }, setup: awaySetup, steps });
    expect(old.labels(0)).toContain('flush_tlb_mm_range.flush_tlb_others');
    expect(old.labels(0)).toContain('flush_tlb_mm_range.inc_mm_tlb_gen'); // 4.13+
    const now = new Run({ arch: 'x86', tasks, mms, setup: awaySetup, steps });
    expect(now.labels(0)).toContain('flush_tlb_mm_range.flush_tlb_multi');
  });

  it('powerpc before 2020 decides with mm_is_singlethreaded and resets the mask from exit_flush_lazy_tlbs', () => {
    const p = presets().find((x) => x.id === 't2-use-mm-mm-users')!;
    const names = rows(new Timeline(p, 'buggy'));
    expect(names).toContain('flush_tlb_mm_range.mm_is_singlethreaded');
    expect(names).toContain('exit_flush_lazy_tlbs.mm_reset_thread_local');
    expect(names.filter((n) => n.endsWith('.flush_type_needed') || n === 'flush_tlb_mm_range.mm_reset_thread_local')).toEqual([]);
    const today = rows(new Timeline(p, 'x86'));
    expect(today.some((n) => n.includes('mm_is_singlethreaded'))).toBe(false);
  });
});

describe('version-pinned source links per era', () => {
  it('the summary, the micro-step rows and run --json name the era\'s release and link it', () => {
    const t5 = presets().find((x) => x.id === 't5-fullmm-upfront-flush')!;
    const old = new Timeline(t5, 'x86-2012');
    expect(old.summary().kernelSource).toEqual({ version: 'v3.10', browser: 'https://elixir.bootlin.com/linux/v3.10' });
    const row = Array.from({ length: old.microstepCount }, (_, i) => old.microstepRow(i)).find((r) => r.fn === 'switch_mm')!;
    expect(row.link).toBe('https://elixir.bootlin.com/linux/v3.10/A/ident/switch_mm');
    expect(row.srcLink).toBe(`https://elixir.bootlin.com/linux/v3.10/source/${row.src}`);
    expect(new Timeline(t5, 'x86-fixed').summary().kernelSource?.version).toBe('v6.12');
    const report = runReport(old);
    expect(report.kernelSource.version).toBe('v3.10');
    expect(report.violations.length).toBeGreaterThan(0);
    for (const v of report.violations) expect(v.link).toBe(`https://elixir.bootlin.com/linux/v3.10/A/ident/${v.fn}`);
  });

  it('each era its release: x86 4.14, 6.14+ (read at 6.18), powerpc pre2020 and 6.4', () => {
    const v = (arch: 'x86' | 'powerpc', config: Partial<Config>) => new Run({ arch, tasks, mms, config, steps: [] }).t.summary().kernelSource?.version;
    expect(v('x86', { x86_lazy: 'v4.14' })).toBe('v4.14');
    expect(v('x86', { x86_lazy: 'v6.14' })).toBe('v6.18');
    expect(v('x86', {})).toBe('v6.12');
    expect(v('powerpc', { ppc_lazy_flush: 'pre2020' })).toBe('v5.4');
    expect(v('powerpc', { lazy_tlb_refcount: false, lazy_tlb_shootdown: true, ppc_exit_flush: '6.4' })).toBe('v6.4');
    expect(v('powerpc', {})).toBe('v6.12');
  });
});
