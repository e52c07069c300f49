/**
 * The arches' flush decisions (arch/*.ts): recorded on the micro-step that took them (MicrostepRow.decisions, the
 * playhead view's microstep.decisions) with the kernel condition as the reason; and the decision functions are pure.
 */
import { describe, expect, it } from 'vitest';
import { Run, mm } from './harness.ts';
import { decisionText } from '../src-sim/protocol/summary.ts';
import { playheadView } from '../src-sim/timeline/view.ts';
import { asidTransitionDecision, flushDecision, flushFuncDecision, flushPath, localDecision, remoteDecision } from '../src-sim/arch/x86.ts';
import { exitLazyDecision, flushTypeNeeded } from '../src-sim/arch/powerpc.ts';
import { mipsAsidCycleDecision, mipsFlushDecision } from '../src-sim/arch/mips.ts';
import { alphaIpiDecision, alphaLocalDecision, alphaUsersDecision } from '../src-sim/arch/alpha.ts';
import { lazyFlushDecision, postSwitchFlushDecision, pteClearDecision } from '../src-sim/arch/s390.ts';
import { asidFlushPendingDecision, asidNewContextDecision, asidPathDecision } from '../src-sim/arch/arm64_context.ts';
import type { Config, Snapshot } from '../src-sim/model/types.ts';
import type { StepFile } from '../src-sim/scenario/schema.ts';

/** Every decision of step i (of `steps`), as `label: CPUn decision: reason`. */
function decided(r: Run, i: number): string[] {
  const setup = r.t.file.setup?.length ?? 0;
  const s = r.t.steps[setup + i];
  const out: string[] = [];
  for (let m = s.firstMicrostep; m < s.firstMicrostep + s.microstepCount; m++) {
    const row = r.t.microstepRow(m);
    for (const d of row.decisions ?? []) out.push(`${row.label}: ${decisionText(d)}`);
  }
  return out;
}

const x86Tasks = [{ name: 'A', mm: 'M' }, { name: 'B', mm: 'M' }, { name: 'C', mm: 'N' }, { name: 'K', kthread: true }];
const x86Mms: Array<{ name: string; map: Record<string, string> }> = [{ name: 'M', map: { '0x400000': 'X', '0x401000': 'Y', '0x600000': 'Z' } }, { name: 'N', map: { '0x400000': 'W' } }];
/** CPU1 lazy on M (B ran there, then the kthread K), CPU0 runs A. */
const lazySetup: StepFile[] = [
  { cpu: 1, do: 'switch', to: 'B' },
  { cpu: 1, do: 'access', va: '0x401000' },
  { cpu: 1, do: 'switch', to: 'K' },
  { cpu: 0, do: 'switch', to: 'A' },
];

describe('x86: what native_flush_tlb_multi decided per CPU, and why', () => {
  it('4.20-6.13: the lazy CPU is skipped by tlb_is_not_lazy', () => {
    const r = new Run({ arch: 'x86', tasks: x86Tasks, mms: x86Mms, setup: lazySetup, steps: [{ cpu: 0, do: 'munmap', va: '0x401000' }] });
    expect(decided(r, 0)).toEqual([
      'flush_tlb_multi: CPU1 skip: is_lazy: catches up through tlb_gen when it switches back (tlb_is_not_lazy)',
      'flush_tlb_func: CPU0 flush the range: new_tlb_gen == local_tlb_gen + 1 == mm_tlb_gen: only this flush is missing, flush its range (flush_tlb_func)',
    ]);
  });

  it('6.14: the same question is should_flush_tlb', () => {
    const r = new Run({ arch: 'x86', tasks: x86Tasks, mms: x86Mms, config: { x86_lazy: 'v6.14', x86_trim_cpumask_every: 0 }, setup: lazySetup, steps: [{ cpu: 0, do: 'munmap', va: '0x401000' }] });
    expect(decided(r, 0)).toEqual([
      'flush_tlb_multi: CPU1 skip: is_lazy: catches up through tlb_gen when it switches back (should_flush_tlb)',
      'flush_tlb_multi: CPU0 flush locally: loaded_mm == mm and not lazy (should_flush_tlb)',
      'flush_tlb_func: CPU0 flush the range: new_tlb_gen == local_tlb_gen + 1 == mm_tlb_gen: only this flush is missing, flush its range (flush_tlb_func)',
    ]);
  });

  it('freed_tables reaches the lazy CPU', () => {
    const r = new Run({ arch: 'x86', tasks: x86Tasks, mms: x86Mms, setup: lazySetup, steps: [{ cpu: 0, do: 'munmap', va: '0x600000', free_tables: true }] });
    expect(decided(r, 0)).toContain('flush_tlb_multi: CPU1 IPI: freed_tables: page-table pages are freed, so lazy CPUs too (native_flush_tlb_multi)');
    expect(r.t.totals().ipis).toBeGreaterThan(0);
  });

  it('read at 5.4 (use_mm pins it: engine/era.ts): native_flush_tlb_others and flush_tlb_func_common name the same conditions', () => {
    const at54 = { use_mm: 'use_mm' } as const;
    const r = new Run({ arch: 'x86', tasks: x86Tasks, mms: x86Mms, config: at54, setup: lazySetup, steps: [{ cpu: 0, do: 'munmap', va: '0x401000' }] });
    expect(r.t.era.era.version).toBe('v5.4');
    expect(decided(r, 0)).toEqual([
      'flush_tlb_others: CPU1 skip: is_lazy: catches up through tlb_gen when it switches back (tlb_is_not_lazy)',
      'flush_tlb_func_common: CPU0 flush the range: new_tlb_gen == local_tlb_gen + 1 == mm_tlb_gen: only this flush is missing, flush its range (flush_tlb_func_common)',
    ]);
    const freed = new Run({ arch: 'x86', tasks: x86Tasks, mms: x86Mms, config: at54, setup: lazySetup, steps: [{ cpu: 0, do: 'munmap', va: '0x600000', free_tables: true }] });
    expect(decided(freed, 0)).toContain('flush_tlb_others: CPU1 IPI: freed_tables: page-table pages are freed, so lazy CPUs too (native_flush_tlb_others)');
  });

  it('6.14: a CPU on another mm is skipped, or IPI\'d when the flush trims the mask', () => {
    const away: StepFile[] = [{ cpu: 1, do: 'switch', to: 'B' }, { cpu: 1, do: 'access', va: '0x401000' }, { cpu: 1, do: 'switch', to: 'C' }, { cpu: 0, do: 'switch', to: 'A' }];
    const run = (every: number) => new Run({ arch: 'x86', tasks: x86Tasks, mms: x86Mms, config: { x86_lazy: 'v6.14', x86_trim_cpumask_every: every }, setup: away, steps: [{ cpu: 0, do: 'munmap', va: '0x401000' }] });
    expect(decided(run(0), 0)[0]).toBe('flush_tlb_multi: CPU1 skip: another mm loaded: its ASID slot is behind tlb_gen, choose_new_asid flushes it (should_flush_tlb)');
    expect(decided(run(1), 0)[0]).toBe('flush_tlb_multi: CPU1 IPI: another mm loaded and this flush trims mm_cpumask: it clears its bit (should_trim_cpumask)');
  });

  it('the only CPU in the mask flushes locally', () => {
    const r = new Run({ arch: 'x86', tasks: x86Tasks, mms: x86Mms, setup: [{ cpu: 0, do: 'switch', to: 'A' }], steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }] });
    expect(decided(r, 0)).toEqual([
      'flush_tlb_multi: CPU0 local only: no other CPU in mm_cpumask and loaded_mm == mm (flush_tlb_mm_range, cpumask_any_but)',
      'flush_tlb_func: CPU0 flush the range: new_tlb_gen == local_tlb_gen + 1 == mm_tlb_gen: only this flush is missing, flush its range (flush_tlb_func)',
    ]);
  });

  it('INVLPGB: IPI until the mm has a global ASID, then broadcast; the transition ends when every CPU uses it', () => {
    const two: StepFile[] = [{ cpu: 1, do: 'switch', to: 'B' }, { cpu: 1, do: 'access', va: '0x401000' }, { cpu: 0, do: 'switch', to: 'A' }, { cpu: 0, do: 'access', va: '0x401000' }];
    const r = new Run({ arch: 'x86', tasks: x86Tasks, mms: x86Mms, config: { x86_lazy: 'v6.14', x86_invlpgb: true, x86_global_asid_cpus: 1 }, setup: two, steps: [
      { cpu: 0, do: 'munmap', va: '0x400000' },
      { cpu: 0, do: 'munmap', va: '0x401000' },
      { cpu: 0, do: 'munmap', va: '0x600000' },
    ] });
    const d0 = decided(r, 0);
    expect(d0[0]).toBe('inc_mm_tlb_gen: IPI: no global ASID yet (mm_global_asid == 0): flush_tlb_multi');
    expect(d0).toContain('consider_global_asid: global ASID: active on more than x86_global_asid_cpus CPUs (consider_global_asid, mm_active_cpus_exceeds)');
    const d1 = decided(r, 1);
    expect(d1[0]).toBe('inc_mm_tlb_gen: INVLPGB broadcast: the mm has a global ASID: no IPI, flush_tlb_func does not run (mm_global_asid, broadcast_tlb_flush)');
    expect(d1[1]).toBe('finish_asid_transition: IPI the mask: a CPU of mm_cpumask still runs the mm on a dynamic ASID (finish_asid_transition)');
    expect(d1).toContain('flush_tlb_multi: CPU1 IPI: mm_in_asid_transition: every CPU of mm_cpumask moves to the global ASID (native_flush_tlb_multi)');
    expect(decided(r, 2)).toEqual([
      'inc_mm_tlb_gen: INVLPGB broadcast: the mm has a global ASID: no IPI, flush_tlb_func does not run (mm_global_asid, broadcast_tlb_flush)',
      'finish_asid_transition: transition over: every CPU running the mm uses the global ASID (finish_asid_transition)',
    ]);
  });

  it('the playhead view carries the decisions of the micro-step at t; other micro-steps have none', () => {
    const r = new Run({ arch: 'x86', tasks: x86Tasks, mms: x86Mms, setup: lazySetup, steps: [{ cpu: 0, do: 'munmap', va: '0x401000' }] });
    const labels: string[] = [];
    for (let i = 0; i < r.t.microstepCount; i++) {
      const v = playheadView(r.t, i + 1);
      const row = r.t.microstepRow(i);
      expect(v.microstep!.decisions).toEqual(row.decisions);
      if (row.decisions) labels.push(row.label);
    }
    // the sender's choice per CPU of the mask, then the local flush_tlb_func's
    expect(labels).toEqual(['flush_tlb_multi', 'flush_tlb_func']);
    expect(r.t.decisionCount).toBe(2);
  });
});

const ppcTasks = [{ name: 'A', mm: 'M' }, { name: 'B', mm: 'M' }, { name: 'K', kthread: true }];
const ppcMms = [{ name: 'M', map: { '0x400000': 'X', '0x401000': 'Y' } }];

describe('powerpc: flush_type_needed and the lazy-user IPI', () => {
  it('local: the only CPU in mm_cpumask', () => {
    const r = new Run({ arch: 'powerpc', tasks: ppcTasks, mms: ppcMms, setup: [{ cpu: 0, do: 'switch', to: 'A' }], steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }] });
    expect(decided(r, 0)).toEqual(['flush_type_needed: local only: active_cpus == 1 and this CPU is in mm_cpumask (flush_type_needed)']);
  });

  it('global: threads of the mm on two CPUs', () => {
    const r = new Run({ arch: 'powerpc', tasks: ppcTasks, mms: ppcMms, setup: [{ cpu: 1, do: 'switch', to: 'B' }, { cpu: 0, do: 'switch', to: 'A' }], steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }] });
    expect(decided(r, 0)).toEqual(['flush_type_needed: tlbie broadcast: other CPUs in mm_cpumask may hold entries (flush_type_needed)']);
  });

  it('single-threaded with a lazy user elsewhere: IPI it off the mm, then flush locally', () => {
    const setup: StepFile[] = [{ cpu: 1, do: 'switch', to: 'A' }, { cpu: 1, do: 'switch', to: 'K' }, { cpu: 0, do: 'switch', to: 'A' }];
    const r = new Run({ arch: 'powerpc', tasks: [ppcTasks[0], ppcTasks[2]], mms: ppcMms, setup, steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }] });
    expect(decided(r, 0)).toEqual([
      'flush_type_needed: IPI lazy users, then local: mm_users <= 1 and current->mm == mm: trim the mask (flush_type_needed, exit_flush_lazy_tlbs)',
      'exit_lazy_flush_tlb: CPU1 switch to init_mm: lazy user: current->active_mm == mm (exit_lazy_flush_tlb)',
    ]);
    const pre = new Run({ arch: 'powerpc', tasks: [ppcTasks[0], ppcTasks[2]], mms: ppcMms, config: { ppc_lazy_flush: 'pre2020' }, setup, steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }] });
    expect(decided(pre, 0)).toEqual([
      'mm_is_singlethreaded: IPI lazy users, then local: no copros, mm_users <= 1 and current->mm == mm (mm_is_singlethreaded)',
      'do_exit_flush_lazy_tlb: CPU1 switch to init_mm: lazy user: current->active_mm == mm (do_exit_flush_lazy_tlb)',
    ]);
  });
});

const ctxTasks = [{ name: 'A', mm: 'M' }, { name: 'B', mm: 'M' }, { name: 'K', kthread: true }];

describe('mips and alpha: the mm_users shortcut', () => {
  it('mips: mm_users == 1 and current->mm == mm zeroes the other contexts; two users IPI', () => {
    const one = new Run({ arch: 'mips', tasks: [ctxTasks[0], ctxTasks[2]], mms: ppcMms, setup: [{ cpu: 1, do: 'switch', to: 'A' }, { cpu: 1, do: 'switch', to: 'K' }, { cpu: 0, do: 'switch', to: 'A' }], steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }] });
    expect(decided(one, 0)).toEqual(['flush_tlb_range: local only, zero other contexts: mm_users == 1 and current->mm == mm: no IPI, the other CPUs only lose their ASID context (flush_tlb_range)']);
    const two = new Run({ arch: 'mips', tasks: ctxTasks, mms: ppcMms, setup: [{ cpu: 1, do: 'switch', to: 'B' }, { cpu: 0, do: 'switch', to: 'A' }], steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }] });
    expect(decided(two, 0)).toEqual(['flush_tlb_range: IPI every other CPU: mm_users != 1 or current->mm != mm (flush_tlb_range, smp_on_other_tlbs)']);
  });

  it('alpha: flush here when mm is current->active_mm; mm_users <= 1 drops the others\' contexts, else IPIs tested against active_mm', () => {
    const one = new Run({ arch: 'alpha', tasks: [ctxTasks[0], ctxTasks[2]], mms: ppcMms, setup: [{ cpu: 1, do: 'switch', to: 'A' }, { cpu: 1, do: 'switch', to: 'K' }, { cpu: 0, do: 'switch', to: 'A' }], steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }] });
    expect(decided(one, 0)).toEqual([
      'flush_tlb_mm_range: flush current TLB set: mm == current->active_mm (flush_tlb_mm: flush_tlb_current)',
      'flush_tlb_current: zero other contexts, no IPI: mm_users <= 1: the other CPUs only lose mm->context[cpu] (flush_tlb_mm)',
    ]);
    const two = new Run({ arch: 'alpha', tasks: ctxTasks, mms: ppcMms, setup: [{ cpu: 1, do: 'switch', to: 'B' }, { cpu: 0, do: 'switch', to: 'A' }], steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }] });
    expect(decided(two, 0)).toEqual([
      'flush_tlb_mm_range: flush current TLB set: mm == current->active_mm (flush_tlb_mm: flush_tlb_current)',
      'flush_tlb_current: IPI every other CPU: mm_users > 1 (flush_tlb_mm: smp_call_function)',
      'ipi_flush_tlb_mm: CPU1 flush current TLB set: mm == current->active_mm (ipi_flush_tlb_mm)',
    ]);
  });
});

describe('s390: IPTE or a deferred flush_mm', () => {
  const setup = (other: boolean): StepFile[] => [...(other ? [{ cpu: 1, do: 'switch', to: 'B' } as StepFile] : []), { cpu: 0, do: 'switch', to: 'A' }];
  it('another CPU attached: IPTE, and the mmu_gather flush has nothing left', () => {
    const r = new Run({ arch: 's390', tasks: ctxTasks, mms: ppcMms, setup: setup(true), steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }] });
    const d = decided(r, 0);
    expect(d[0]).toMatch(/: IPTE: another CPU is attached: invalidate on every CPU at once \(ptep_flush_lazy\)$/);
    expect(d[d.length - 1]).toBe('__tlb_flush_mm_lazy: no flush: flush_mm clear: every PTE change was an IPTE (__tlb_flush_mm_lazy)');
  });
  it('only this CPU attached: a plain store with flush_mm, flushed by the mmu_gather', () => {
    const r = new Run({ arch: 's390', tasks: ctxTasks, mms: ppcMms, setup: setup(false), steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }] });
    const d = decided(r, 0);
    expect(d[0]).toMatch(/: defer \(flush_mm\): cpu_attach_mask is this CPU only: plain store, flush_mm set \(ptep_flush_lazy\)$/);
    expect(d[d.length - 1]).toBe('__tlb_flush_mm_lazy: flush (IDTE): flush_mm set: PTEs changed with plain stores or tables freed (__tlb_flush_mm_lazy)');
  });
});

/** A deep-frozen copy: a decision function that wrote to it would throw. */
function frozen<T>(v: T): T {
  const c = structuredClone(v);
  const go = (o: unknown): void => {
    if (typeof o !== 'object' || o === null || Object.isFrozen(o)) return;
    Object.freeze(o);
    for (const x of Object.values(o)) go(x);
  };
  go(c);
  return c;
}

describe('the decision functions are pure: same state, same answer, state untouched', () => {
  const cases: Array<{ arch: 'x86' | 'powerpc' | 'mips' | 'alpha' | 's390' | 'arm64'; config?: Partial<Config>; ask: (s: Snapshot, M: number) => unknown }> = [
    { arch: 'x86', config: { x86_lazy: 'v6.14' }, ask: (s, M) => [0, 1].map((c) => { const d = flushDecision(s, c, { mm: M, freed_tables: false, trim_cpumask: true }); return [remoteDecision(s.config, d), localDecision(s.config, d)]; }) },
    { arch: 'x86', config: { x86_invlpgb: true }, ask: (s, M) => [flushPath(s.config, s.mms[M]), asidTransitionDecision(s, s.mms[M])] },
    { arch: 'powerpc', ask: (s, M) => [flushTypeNeeded(s, 0, M, false), flushTypeNeeded(s, 0, M, true), exitLazyDecision(s, 1, M)] },
    { arch: 'powerpc', config: { ppc_lazy_flush: 'pre2020' }, ask: (s, M) => [flushTypeNeeded(s, 0, M, false), exitLazyDecision(s, 1, M)] },
    { arch: 'mips', ask: (s, M) => [mipsFlushDecision(s, 0, s.mms[M]), mipsFlushDecision(s, 1, s.mms[M])] },
    { arch: 'alpha', ask: (s, M) => [alphaLocalDecision(s, 0, M), alphaUsersDecision(s.mms[M]), alphaIpiDecision(s, 1, M, 'ipi_flush_tlb_page')] },
    { arch: 'arm64', config: { asid_bits: 3 }, ask: (s, M) => [0, 1].map((c) => [asidPathDecision(s, c, s.mms[M].context_id), asidNewContextDecision(s, s.mms[M].context_id), asidFlushPendingDecision(s, c)]) },
    { arch: 's390', ask: (s, M) => [pteClearDecision(s.mms[M], 0, false), pteClearDecision(s.mms[M], 0, true), lazyFlushDecision(s.mms[M]), postSwitchFlushDecision(s.mms[M])] },
    { arch: 'x86', config: { x86_lazy: 'v6.14' }, ask: (s, M) => [0, 1].map((c) => [0, 1].map((g) => flushFuncDecision(s, c, { mm: M, local: c === 0, g, end: -1 }))) },
    { arch: 'mips', config: { asid_bits: 2 }, ask: (s) => [7, 8].map((asid) => mipsAsidCycleDecision(s.config, asid)) },
  ];
  for (const c of cases) {
    it(`${c.arch} ${JSON.stringify(c.config ?? {})}`, () => {
      const r = new Run({ arch: c.arch, tasks: ctxTasks, mms: ppcMms, config: c.config, setup: [{ cpu: 1, do: 'switch', to: 'B' }, { cpu: 1, do: 'switch', to: 'K' }, { cpu: 0, do: 'switch', to: 'A' }], steps: [] });
      const s = frozen(r.after(-1));
      const text = JSON.stringify(s);
      const M = mm(s, 'M').id;
      const first = c.ask(s, M);
      expect(c.ask(s, M)).toEqual(first);
      expect(c.ask(frozen(r.after(-1)), M)).toEqual(first);
      expect(JSON.stringify(s)).toBe(text);
    });
  }
});

describe('arm64 with a bounded ASID space: check_and_switch_context\'s paths', () => {
  const V = '0x400000';
  const mms = ['M', 'N', 'P', 'Q'].map((name, i) => ({ name, map: { [V]: `pg${i}` } }));
  const tasks = [{ name: 'A1', mm: 'M' }, { name: 'B', mm: 'N' }, { name: 'C', mm: 'P' }, { name: 'D', mm: 'Q' }, { name: 'K', kthread: true }];
  const sw = (cpu: number, to: string): StepFile => ({ cpu, do: 'switch', to });
  it('a new context rolls the generation over; the lazy CPU takes its pending flush on its next slow path', () => {
    const r = new Run({ arch: 'arm64', config: { asid_bits: 2 }, mms, tasks, setup: [sw(1, 'A1'), sw(1, 'K'), sw(0, 'B'), sw(0, 'C')], steps: [sw(0, 'D'), sw(1, 'B')] });
    expect(decided(r, 0)).toEqual([
      'check_and_switch_context: CPU0 slow path: the mm\'s context is not of the current generation (asid_gen_match fails, check_and_switch_context)',
      'cpu_asid_lock: CPU0 new context: the mm\'s context is not of the current generation: its reserved ASID or a free one, rolling over if none (new_context)',
      'cpu_asid_lock: CPU0 local TLB flush: tlb_flush_pending set by a rollover (check_and_switch_context: local_flush_tlb_all)',
    ]);
    expect(decided(r, 1)).toEqual([
      'check_and_switch_context: CPU1 slow path: active_asids is 0: a rollover since this CPU last switched (check_and_switch_context)',
      'cpu_asid_lock: CPU1 new context: the mm\'s context is not of the current generation: its reserved ASID or a free one, rolling over if none (new_context)',
      'cpu_asid_lock: CPU1 local TLB flush: tlb_flush_pending set by a rollover (check_and_switch_context: local_flush_tlb_all)',
    ]);
    const back = new Run({ arch: 'arm64', config: { asid_bits: 2 }, mms, tasks, setup: [sw(0, 'A1'), sw(0, 'B')], steps: [sw(0, 'A1')] });
    expect(decided(back, 0)).toEqual(['check_and_switch_context: CPU0 fast path: the mm\'s ASID is of the current generation and active_asids is set (cmpxchg_relaxed, check_and_switch_context)']);
  });
});

describe('x86 flush_tlb_func: what the receiving CPU does, and why', () => {
  it('4.14 without PCID: the lazy CPU is IPI\'d and switches to init_mm; 3.x says leave_mm', () => {
    const run = (config: Partial<Config>) => new Run({ arch: 'x86', tasks: x86Tasks, mms: x86Mms, config: { pcid: false, ...config }, setup: lazySetup, steps: [{ cpu: 0, do: 'munmap', va: '0x401000' }] });
    const lazy = run({ x86_lazy: 'v4.14' });
    // 4.14's names: the conditions were in flush_tlb_func_common (one flush_tlb_func again by 5.13).
    expect(decided(lazy, 0)).toContain('flush_tlb_func_common: CPU1 switch to init_mm: is_lazy: switch_mm_irqs_off to init_mm rather than flush (flush_tlb_func_common)');
    expect(mm(lazy.after(0), 'M').cpumask).toEqual([true, false]);
    expect(decided(run({ x86_lazy: 'v3' }), 0)).toContain('flush_tlb_func: CPU1 leave the mm: cpu_tlbstate.state != TLBSTATE_OK: lazy, leave_mm rather than flush (flush_tlb_func)');
  });

  it('6.14: a trimming flush makes the CPU on another mm clear its bit, nothing flushed', () => {
    const away: StepFile[] = [{ cpu: 1, do: 'switch', to: 'B' }, { cpu: 1, do: 'access', va: '0x401000' }, { cpu: 1, do: 'switch', to: 'C' }, { cpu: 0, do: 'switch', to: 'A' }];
    const r = new Run({ arch: 'x86', tasks: x86Tasks, mms: x86Mms, config: { x86_lazy: 'v6.14', x86_trim_cpumask_every: 1 }, setup: away, steps: [{ cpu: 0, do: 'munmap', va: '0x401000' }] });
    expect(decided(r, 0)).toContain('flush_tlb_func: CPU1 clear mm_cpumask bit: loaded_mm != mm: this CPU left the mm, its bit was kept lazily; clear it, nothing to flush, local call or remote (flush_tlb_func)');
    expect(r.labels(0)).toContain('flush_tlb_func.cpumask_clear_cpu');
  });

  it('6.14: the stale bit is cleared on a local call too (953753db887f); before, only a remote call can find another mm', () => {
    const r = new Run({ arch: 'x86', tasks: x86Tasks, mms: x86Mms, setup: [{ cpu: 0, do: 'switch', to: 'A' }, { cpu: 0, do: 'switch', to: 'C' }], steps: [] });
    const s = r.after(-1);
    const M = mm(s, 'M').id;
    expect(s.cpus[0].loaded_mm).not.toBe(M);
    const ask = (x86_lazy: Config['x86_lazy'], local: boolean) => flushFuncDecision({ ...s, config: { ...s.config, x86_lazy } }, 0, { mm: M, local, g: 1, end: -1 }).next;
    expect(ask('v6.14', true)).toBe('cpumask_clear_cpu');
    expect(ask('v6.14', false)).toBe('cpumask_clear_cpu');
    expect(ask('v4.20', false)).toBe('return');
  });

  it('the generations: already up to date, only this flush missing (range), or more (full flush)', () => {
    const r = new Run({ arch: 'x86', tasks: x86Tasks, mms: x86Mms, setup: [{ cpu: 0, do: 'switch', to: 'A' }], steps: [] });
    const s = r.after(-1);
    const M = mm(s, 'M').id;
    const tag = s.cpus[0].tag;
    expect(s.cpus[0].ctxs[tag].tlb_gen).toBe(0);
    const at = (mmGen: number, g: number, end = 0x402) => {
      const st = { ...s, mms: s.mms.map((m) => (m.id === M ? { ...m, tlb_gen: mmGen } : m)) };
      const d = flushFuncDecision(st, 0, { mm: M, local: true, g, end });
      return `${d.next}: ${d.reason}`;
    };
    expect(at(0, 1)).toBe('return: already up to date: local_tlb_gen == mm_tlb_gen (flush_tlb_func)');
    expect(at(1, 0)).toBe('return: new_tlb_gen <= local_tlb_gen: already up to date for this flush (flush_tlb_func)');
    expect(at(1, 1)).toBe('flush_range: new_tlb_gen == local_tlb_gen + 1 == mm_tlb_gen: only this flush is missing, flush its range (flush_tlb_func)');
    expect(at(2, 1)).toMatch(/^flush_all: more than this flush is missing/);
    expect(at(1, 1, -1)).toMatch(/^flush_all: /);
  });
});

describe('mips: a new ASID cycle flushes the local TLB', () => {
  it('the fourth new context with 2 ASID bits wraps the ASID to 0: local_flush_tlb_all, recorded on the switch', () => {
    const V = '0x400000';
    const mms = ['M', 'N', 'P', 'Q'].map((name, i) => ({ name, map: { [V]: `pg${i}` } }));
    const tasks = [{ name: 'A', mm: 'M' }, { name: 'B', mm: 'N' }, { name: 'C', mm: 'P' }, { name: 'D', mm: 'Q' }];
    const sw = (to: string): StepFile => ({ cpu: 0, do: 'switch', to });
    const r = new Run({ arch: 'mips', config: { asid_bits: 2 }, mms, tasks, setup: [], steps: [sw('A'), sw('B'), sw('C'), sw('D')] });
    expect([0, 1, 2].map((i) => decided(r, i))).toEqual([[], [], []]);
    expect(decided(r, 3)).toEqual(['switch_mm_irqs_off: CPU0 local TLB flush, new ASID version: the ASID bits of asid_cache wrapped to 0: start new asid cycle, every older context is stale (get_new_mmu_context: local_flush_tlb_all)']);
    expect(mipsAsidCycleDecision({ ...r.final.config, asid_bits: 0 }, 8)).toBeNull();
  });
});

describe('s390 (2012 rule, as v3.6): IPTE unless the mm is torn down; switch_mm flushes a pending flush_mm', () => {
  const y2012: Partial<Config> = { s390_rule: '2012', speculative_fill: 's390-2012' };
  it('a CPU alone on the mm still uses IPTE (ptep_get_and_clear_full without fullmm)', () => {
    const r = new Run({ arch: 's390', config: y2012, tasks: ctxTasks, mms: ppcMms, setup: [{ cpu: 0, do: 'switch', to: 'A' }], steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }] });
    const d = decided(r, 0);
    expect(d[0]).toMatch(/: IPTE: not a fullmm teardown: IPTE invalidates on every CPU at once, whoever is attached \(ptep_get_and_clear_full, ptep_clear_flush: __ptep_ipte\)$/);
    expect(pteClearDecision(mm(r.after(-1), 'M'), 0, true, '2012').ipte).toBe(false);
  });
  it('a switch to an mm whose deferred flush is pending (a freed table) flushes it first', () => {
    // One page in its table, freed with it (pte_free_tlb sets flush_mm).
    const r = new Run({ arch: 's390', config: y2012, tasks: ctxTasks, mms: [{ name: 'M', map: { '0x400000': 'X' } }], setup: [{ cpu: 0, do: 'switch', to: 'A' }], steps: [
      { cpu: 0, do: 'munmap', va: '0x400000', free_tables: true, until: '__tlb_flush_mm_cond' },
      { cpu: 1, do: 'switch', to: 'B' },
      { cpu: 0, do: 'continue' },
    ] });
    expect(mm(r.after(0), 'M').flush_mm).toBe(true);
    expect(decided(r, 1)).toContain('switch_mm: CPU1 flush (IDTE): flush_mm set for the next mm: flush it before running it (switch_mm: __tlb_flush_mm)');
    expect(r.ids()).toEqual([]);
  });
});

describe('s390 (2016 rule): a deferred flush pending at finish_arch_post_lock_switch', () => {
  it('flush_mm set by a paused unmap is flushed when another CPU switches to the mm; otherwise none', () => {
    const r = new Run({ arch: 's390', tasks: ctxTasks, mms: ppcMms, setup: [{ cpu: 0, do: 'switch', to: 'A' }], steps: [
      { cpu: 0, do: 'munmap', va: '0x400000', until: '__tlb_flush_mm_lazy' },
      { cpu: 1, do: 'switch', to: 'B' },
      { cpu: 0, do: 'continue' },
      { cpu: 1, do: 'switch', to: 'K' },
      { cpu: 1, do: 'switch', to: 'B' },
    ] });
    expect(mm(r.after(0), 'M').flush_mm).toBe(true);
    expect(decided(r, 1)).toContain('finish_arch_post_lock_switch: CPU1 flush (IDTE): flush_mm set: the deferred flush runs before the user ASCE is loaded (finish_arch_post_lock_switch: __tlb_flush_mm)');
    expect(mm(r.after(1), 'M').flush_mm).toBe(false);
    expect(decided(r, 4)).toContain('finish_arch_post_lock_switch: CPU1 no flush: flush_mm clear: no deferred flush pending for the mm (finish_arch_post_lock_switch)');
  });
});
