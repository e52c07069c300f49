/**
 * `until` and the `at` of a `step` accept a label as the variant's era shows it (engine/era.ts), besides its
 * registered name: the 3.x x86 era's `load_cr3` (switch_mm_irqs_off.load_new_mm_cr3), 4.14's `flush_tlb_others`,
 * powerpc pre2020's `mm_is_singlethreaded`. An unknown name's error lists the era's names.
 */
import { describe, expect, it } from 'vitest';
import { Run } from './harness.ts';
import { validateScenario } from '../src-sim/scenario/load.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import type { Config } from '../src-sim/model/types.ts';
import type { StepFile } from '../src-sim/scenario/schema.ts';

const tasks = [{ name: 'A', mm: 'M' }, { name: 'B', mm: 'M' }, { name: 'K', kthread: true }];
const v3: Partial<Config> = { x86_lazy: 'v3' };
const pausedAt = (r: Run, i: number): string => r.labels(i).length ? r.t.steps[i].outcome + ' after ' + r.labels(i).at(-1) : r.t.steps[i].outcome;
const error = (f: () => unknown): string => {
  try {
    f();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
};

describe('until: the era\'s label names', () => {
  const run = (config: Partial<Config>, until: string) => new Run({ arch: 'x86', tasks, config, steps: [{ cpu: 0, do: 'switch', to: 'A', until }] });

  it('x86 3.x: load_cr3 and switch_mm.load_cr3 pause where load_new_mm_cr3 does', () => {
    const registered = run(v3, 'switch_mm_irqs_off.load_new_mm_cr3');
    expect(registered.t.steps[0].outcome).toBe('paused');
    for (const shown of ['load_cr3', 'switch_mm.load_cr3', 'load_new_mm_cr3']) {
      const r = run(v3, shown);
      expect(pausedAt(r, 0)).toBe(pausedAt(registered, 0));
      expect(r.t.warnings).toEqual([]);
    }
  });

  it('an era name is refused in a variant of another era, with that era\'s names', () => {
    expect(error(() => run({}, 'load_cr3'))).toBe('steps[0].until: no micro-step is called "load_cr3" (see docs/scenario-format.md)');
    const msg = error(() => run(v3, 'load_cr4'));
    expect(msg).toMatch(/^steps\[0\]\.until: no micro-step is called "load_cr4" in variant default \(its era, v3\.10, also names .*load_cr3.*; see docs\/scenario-format\.md §11\)$/);
    expect(msg).toContain('flush_tlb_others');
  });

  it('a step that runs in two variants must name a label both eras know', () => {
    const f = (until: string, only?: string[]) => ({
      format: 'lazytlb/1', id: 't', title: 't', machine: { arch: 'x86', cpus: 2, config: {} },
      mms: [{ name: 'M', mappings: [{ va: '0x400000', page: 'X', write: true }] }], tasks,
      variants: { old: { label: 'old', config: v3 }, today: { label: 'today' } },
      steps: [{ cpu: 0, do: 'switch', to: 'A', until, ...(only ? { only } : {}) }],
    });
    expect(error(() => validateScenario(f('load_cr3')))).toMatch(/^steps\[0\]\.until: no micro-step is called "load_cr3" \(see docs/);
    expect(error(() => validateScenario(f('load_cr3', ['old'])))).toBe('');
    expect(error(() => validateScenario(f('load_new_mm_cr3')))).toBe('');
  });

  it('x86 4.14: flush_tlb_others pauses the flush before its IPIs', () => {
    const steps: StepFile[] = [{ cpu: 1, do: 'switch', to: 'B' }, { cpu: 0, do: 'switch', to: 'A' }, { cpu: 0, do: 'munmap', va: '0x400000', until: 'flush_tlb_others' }];
    const shown = new Run({ arch: 'x86', tasks, config: { x86_lazy: 'v4.14' }, steps });
    const registered = new Run({ arch: 'x86', tasks, config: { x86_lazy: 'v4.14' }, steps: steps.map((s) => (s.until ? { ...s, until: 'flush_tlb_mm_range.flush_tlb_multi' } : s)) });
    expect(shown.t.steps[2].outcome).toBe('paused');
    expect(pausedAt(shown, 2)).toBe(pausedAt(registered, 2));
  });

  it('powerpc pre2020: mm_is_singlethreaded is flush_tlb_mm_range.flush_type_needed', () => {
    const steps = (until: string): StepFile[] => [{ cpu: 0, do: 'switch', to: 'A' }, { cpu: 0, do: 'munmap', va: '0x400000', until }];
    const shown = new Run({ arch: 'powerpc', tasks, config: { ppc_lazy_flush: 'pre2020' }, steps: steps('mm_is_singlethreaded') });
    const registered = new Run({ arch: 'powerpc', tasks, config: { ppc_lazy_flush: 'pre2020' }, steps: steps('flush_tlb_mm_range.flush_type_needed') });
    expect(shown.t.steps[1].outcome).toBe('paused');
    expect(pausedAt(shown, 1)).toBe(pausedAt(registered, 1));
    expect(error(() => new Run({ arch: 'powerpc', tasks, steps: steps('mm_is_singlethreaded') }))).toMatch(/no micro-step is called "mm_is_singlethreaded"/);
  });
});

describe('step at: the era\'s label names (lazytlb/2)', () => {
  const explicit = (at: string, moves: number) => new Timeline(validateScenario({
    format: 'lazytlb/2', id: 't', title: 't', schedule: 'explicit', machine: { arch: 'x86', cpus: 2, config: v3 },
    mms: [{ name: 'M', mappings: [{ va: '0x400000', page: 'X', write: true }] }], tasks,
    steps: [{ cpu: 0, do: 'switch', to: 'A' }, ...Array.from({ length: moves }, () => ({ cpu: 0, do: 'step' })), { cpu: 0, do: 'step', at }],
  }), null);

  it('x86 3.x: at "load_cr3" is the CPU\'s next micro-step where load_new_mm_cr3 is', () => {
    // How many micro-steps run before load_new_mm_cr3, from the default chooser's run of the same switch.
    const before = new Run({ arch: 'x86', tasks, config: v3, steps: [{ cpu: 0, do: 'switch', to: 'A', until: 'switch_mm_irqs_off.load_new_mm_cr3' }] }).labels(0).length;
    for (const at of ['load_cr3', 'switch_mm.load_cr3', 'switch_mm_irqs_off.load_new_mm_cr3']) {
      const t = explicit(at, before);
      expect(t.steps.at(-1)!.error).toBeUndefined();
      expect(t.steps.at(-1)!.microstepCount).toBe(1);
    }
    const early = explicit('load_cr3', before - 1);
    expect(early.steps.at(-1)!.outcome).toBe('refused');
    expect(early.steps.at(-1)!.error).toMatch(/not load_cr3$/);
    // The refusal names the next micro-step as the era shows it (3.x switch_mm), not by its registered name.
    expect(early.steps.at(-1)!.error).toMatch(/: CPU0's next micro-step is switch_mm\.cpumask_set_cpu, not load_cr3$/);
  });
});

describe('s390 2012 rule: the names and links of v3.6', () => {
  const s390 = (config: Partial<Config>, steps: StepFile[]) => new Run({ arch: 's390', tasks, config, steps });
  const y2012: Partial<Config> = { s390_rule: '2012', speculative_fill: 's390-2012' };
  const steps: StepFile[] = [{ cpu: 0, do: 'switch', to: 'A' }, { cpu: 1, do: 'switch', to: 'B' }, { cpu: 1, do: 'switch', to: 'K' }, { cpu: 0, do: 'munmap', va: '0x400000' }];
  const rows = (r: Run) => Array.from({ length: r.t.microstepCount }, (_, i) => r.t.microstepRow(i));

  it('shows switch_mm, __tlb_flush_mm_cond and the generic finish_arch_post_lock_switch, linked at v3.6', () => {
    const r = s390(y2012, steps);
    expect(r.t.summary().kernelSource).toEqual({ version: 'v3.6', browser: 'https://elixir.bootlin.com/linux/v3.6' });
    const names = rows(r).map((x) => `${x.fn}.${x.label}`);
    expect(names).toEqual(expect.arrayContaining(['switch_mm.switch_mm', '__tlb_flush_mm_cond.__tlb_flush_mm_cond', 'finish_arch_post_lock_switch.finish_arch_post_lock_switch']));
    for (const later of ['switch_mm_irqs_off', '__tlb_flush_mm_lazy', 'tlb_flush', 'flush_tlb_mm_range']) expect(names.filter((n) => n.split('.').includes(later)), later).toEqual([]);
    const hook = rows(r).find((x) => x.fn === 'finish_arch_post_lock_switch')!;
    expect(hook.src).toBe('kernel/sched/sched.h');
    expect(hook.srcLink).toBe('https://elixir.bootlin.com/linux/v3.6/source/kernel/sched/sched.h');
    const flush = rows(r).find((x) => x.fn === '__tlb_flush_mm_cond')!;
    expect(flush.src).toBe('arch/s390/include/asm/tlbflush.h');
    expect(flush.link).toBe('https://elixir.bootlin.com/linux/v3.6/A/ident/__tlb_flush_mm_cond');
  });

  it('the 2016 rule keeps today\'s names and v6.12', () => {
    const r = s390({}, steps);
    expect(r.t.summary().kernelSource?.version).toBe('v6.12');
    const names = rows(r).map((x) => `${x.fn}.${x.label}`);
    expect(names).toEqual(expect.arrayContaining(['switch_mm_irqs_off.switch_mm_irqs_off', 'tlb_flush.__tlb_flush_mm_lazy']));
    expect(rows(r).find((x) => x.fn === 'finish_arch_post_lock_switch')!.src).toBe('arch/s390/include/asm/mmu_context.h');
  });

  it('until accepts the v3.6 names and pauses where the registered ones do', () => {
    const at = (config: Partial<Config>, until: string) => s390(config, steps.map((s, i) => (i === 3 ? { ...s, until } : s)));
    const registered = at(y2012, 'tlb_flush.__tlb_flush_mm_lazy');
    expect(registered.t.steps.at(-1)!.outcome).toBe('paused');
    for (const shown of ['__tlb_flush_mm_cond', '__tlb_flush_mm_cond.__tlb_flush_mm_cond']) expect(pausedAt(at(y2012, shown), 3)).toBe(pausedAt(registered, 3));
    expect(error(() => at({}, '__tlb_flush_mm_cond'))).toMatch(/no micro-step is called "__tlb_flush_mm_cond"/);
  });
});
