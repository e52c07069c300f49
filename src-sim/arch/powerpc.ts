/**
 * powerpc 64s radix: arch/powerpc/mm/mmu_context.c (switch_mm_irqs_off) and arch/powerpc/mm/book3s64/radix_tlb.c.
 *
 * The PID stays loaded while lazy (enter_lazy_tlb is a no-op); a CPU stays in mm_cpumask and active_cpus until it
 * is explicitly trimmed. Flushes are LOCAL (tlbiel on this CPU), GLOBAL (broadcast tlbie: every CPU's entries for the
 * PID) or NONE, chosen by flush_type_needed.
 *
 * Two eras (config.ppc_lazy_flush):
 * - 'pre2020' (5.4-5.8): a single-threaded mm (mm_users <= 1, current->mm == M) IPIs the other CPUs of the mask with
 *   do_exit_flush_lazy_tlb, whose handler returns without flushing when current->mm == M ("must be the local CPU"),
 *   then mm_reset_thread_local trims the whole mask to this CPU, then flushes locally: the T2 bug surface.
 * - 'v6' (the 2020 fixes, 6.12): the handler flushes even when current->mm == M and each CPU trims only itself.
 *
 * Shortcuts, stated: the periodic trim (every ~1073 flushes) and the H_RPT hypercall path are not modelled; a
 * broadcast tlbie reaches every CPU at once.
 */
import { RET, call, defineFn, ipisDone, when } from '../engine/fn.ts';
import { completeFlush, coveredChanges, invalidateSecondaryTlbs } from '../kernel/tlbflush.ts';
import { hwLoad, tlbInvalidate } from '../kernel/tlb_hw.ts';
import { mmgrab, mmgrab_lazy_tlb } from '../kernel/sched_mm.ts';
import { smp_mb } from '../kernel/barrier.ts';
import { PRIVATE_EXPEDITED, PRIVATE_EXPEDITED_SYNC_CORE } from '../kernel/membarrier.ts';
import { INIT_MM, type Config, type CpuId, type Mm, type MmId, type TaskId } from '../model/types.ts';
import { defineArch, type ArchPolicy } from './policy.ts';
import type { Decision, KernelEra } from '../engine/policy.ts';

const RADIX = 'arch/powerpc/mm/book3s64/radix_tlb.c';

defineFn('switch_mm_irqs_off@powerpc', 'arch/powerpc/mm/mmu_context.c', {
  /** Mark this context as used on this CPU, then a full barrier before the PID is loaded. */
  switch_mm_irqs_off(k, c, f) {
    const prev = f.l.prev as MmId;
    const next = f.l.next as MmId;
    k.inv.prevCpumaskRead(k, c.id, prev);
    f.l.new_on_cpu = false;
    if (next !== INIT_MM && !k.s.mms[next].cpumask[c.id]) {
      const m = k.mm(next);
      m.cpumask[c.id] = true;
      m.active_cpus++;
      // Orders the cpumask store before loading translations; also membarrier's barrier after the rq->curr store.
      smp_mb(k, c.id);
      f.l.new_on_cpu = true;
    }
    if (prev === next) return RET;
    return 'switch_mmu_context';
  },
  /**
   * membarrier_arch_switch_mm (arch/powerpc/include/asm/membarrier.h; when the CPU was already in the mask): smp_mb()
   * if the next mm is registered for expedited membarrier. Kernel -> user needs none here: mmdrop provides it. Then the
   * PID is loaded.
   */
  switch_mmu_context(k, c, f) {
    const next = f.l.next as MmId;
    const registered = k.s.mms[next].membarrier_state & (PRIVATE_EXPEDITED | PRIVATE_EXPEDITED_SYNC_CORE);
    if (!f.l.new_on_cpu && registered && (f.l.prev as MmId) >= 0) smp_mb(k, c.id);
    k.s.counters.cr3Writes++;
    hwLoad(k, c.id, next, k.s.mms[next].ctx_id);
    return RET;
  },
});

defineFn('enter_lazy_tlb@powerpc', 'arch/powerpc/include/asm/mmu_context.h', {
  enter_lazy_tlb: () => RET, // the PID stays loaded
});

type FlushType = 'none' | 'local' | 'global' | 'exit_lazy_then_local';

/** What flushTypeNeeded reads: a working state or a snapshot. */
export interface PpcFlushState {
  readonly config: Readonly<Config>;
  readonly cpus: ReadonlyArray<{ readonly curr: TaskId }>;
  readonly tasks: ReadonlyArray<{ readonly mm: MmId; readonly active_mm: MmId }>;
  readonly mms: ReadonlyArray<Readonly<Mm>>;
}

const TLBIE = 'tlbie broadcast';
const EXIT_LAZY = 'IPI lazy users, then local';

/**
 * Which flush CPU c needs for mm, and the kernel condition (shown in the UI): flush_type_needed (v6), or the
 * mm_is_thread_local / mm_is_singlethreaded tests of radix__flush_tlb_mm (pre2020). Pure: reads the state only.
 */
export function flushTypeNeeded(s: PpcFlushState, c: CpuId, mm: MmId, fullmm: boolean): Decision & { type: FlushType } {
  const m = s.mms[mm];
  const cur = s.tasks[s.cpus[c].curr];
  if (m.active_cpus === 0) return { type: 'none', decision: 'no flush', reason: 'context.active_cpus == 0: no CPU has the mm in its TLB' };
  const local = m.active_cpus <= 1 && m.cpumask[c];
  if (s.config.ppc_lazy_flush === 'pre2020') {
    if (local) return { type: 'local', decision: 'local only', reason: 'active_cpus <= 1 and this CPU is in mm_cpumask (mm_is_thread_local)' };
    if (m.copros === 0 && m.mm_users <= 1 && cur.mm === mm) {
      return { type: 'exit_lazy_then_local', decision: EXIT_LAZY, reason: 'no copros, mm_users <= 1 and current->mm == mm (mm_is_singlethreaded)' };
    }
    return { type: 'global', decision: TLBIE, reason: 'neither mm_is_thread_local nor mm_is_singlethreaded: other CPUs may hold entries' };
  }
  if (local) return { type: 'local', decision: 'local only', reason: 'active_cpus == 1 and this CPU is in mm_cpumask (flush_type_needed)' };
  if (m.copros > 0) return { type: 'global', decision: TLBIE, reason: 'copros > 0: the nest MMU needs tlbie (flush_type_needed)' };
  if (fullmm) return { type: 'global', decision: TLBIE, reason: 'fullmm: the mm is torn down, one tlbie beats IPIs (flush_type_needed)' };
  if (m.mm_users <= 1 && cur.mm === mm) {
    return { type: 'exit_lazy_then_local', decision: EXIT_LAZY, reason: 'mm_users <= 1 and current->mm == mm: trim the mask (flush_type_needed, exit_flush_lazy_tlbs)' };
  }
  return { type: 'global', decision: TLBIE, reason: 'other CPUs in mm_cpumask may hold entries (flush_type_needed)' };
}

/**
 * What an exit_flush_lazy_tlbs IPI does on CPU c (do_exit_flush_lazy_tlb pre2020, exit_lazy_flush_tlb v6), and why.
 * `next` is the handler's next label. Pure.
 */
export function exitLazyDecision(s: PpcFlushState, c: CpuId, mm: MmId): Decision & { next: '_tlbiel_pid' | 'switch_to_init_mm' | 'trim' | 'return' } {
  const t = s.tasks[s.cpus[c].curr];
  const pre = s.config.ppc_lazy_flush === 'pre2020';
  if (t.mm === mm) {
    return pre
      ? { next: 'return', decision: 'no flush', reason: 'current->mm == mm: taken for the flushing CPU itself (do_exit_flush_lazy_tlb)' }
      : { next: '_tlbiel_pid', decision: 'flush only', reason: 'current->mm == mm: a kthread_use_mm user, stays (exit_lazy_flush_tlb)' };
  }
  if (t.active_mm === mm) {
    return { next: 'switch_to_init_mm', decision: 'switch to init_mm', reason: `lazy user: current->active_mm == mm (${pre ? 'do_exit_flush_lazy_tlb' : 'exit_lazy_flush_tlb'})` };
  }
  return pre
    ? { next: '_tlbiel_pid', decision: 'flush only', reason: 'not using the mm: flush its PID here (do_exit_flush_lazy_tlb)' }
    : { next: 'trim', decision: 'leave mm_cpumask', reason: 'not using the mm: clear own bit, then flush (exit_lazy_flush_tlb)' };
}

/**
 * The releases the powerpc eras are read at. 5.4-5.8 radix__flush_tlb_mm / radix__flush_tlb_range decided inline with
 * mm_is_thread_local() and mm_is_singlethreaded() (flush_type_needed() came with the 2020 fixes).
 */
const POWERPC_ERAS: Record<'pre2020' | '6.4' | 'today', KernelEra> = {
  pre2020: { version: 'v5.4', rename: { 'flush_tlb_mm_range.flush_type_needed': 'mm_is_singlethreaded' } },
  '6.4': { version: 'v6.4' },
  today: { version: 'v6.12' },
};

defineFn('flush_tlb_mm_range@powerpc', RADIX, {
  flush_type_needed(k, c, f) {
    const mm = f.l.mm as MmId;
    f.l.covered = coveredChanges(k, mm, f.l.start as number, f.l.end as number);
    const d = flushTypeNeeded(k.s, c.id, mm, !!f.l.fullmm);
    k.decided(d);
    const type = d.type;
    f.l.type = type;
    if (type === 'none') return 'done';
    if (type === 'local') return '_tlbiel_pid';
    if (type === 'global') return '_tlbie_pid';
    return call('exit_flush_lazy_tlbs@powerpc', { mm }, '_tlbiel_pid');
  },
  _tlbiel_pid(k, c, f) {
    const mm = f.l.mm as MmId;
    tlbInvalidate(k, c.id, k.s.mms[mm].ctx_id, mm, f.l.start as number, f.l.end as number);
    return 'done';
  },
  /** Broadcast tlbie: every CPU's entries for the PID, in hardware, no IPI. */
  _tlbie_pid(k, _c, f) {
    const mm = f.l.mm as MmId;
    for (const cpu of k.s.cpus) tlbInvalidate(k, cpu.id, k.s.mms[mm].ctx_id, mm, f.l.start as number, f.l.end as number);
    return 'done';
  },
  done(k, c, f) {
    const mm = f.l.mm as MmId;
    if (k.s.config.mmu_notifier === 'v6.6') invalidateSecondaryTlbs(k, mm, f.l.start as number, f.l.end as number);
    const shortcut = f.l.type === 'exit_lazy_then_local' ? 'mm_users <= 1 && current->mm == mm: remote CPUs only get exit_flush_lazy_tlbs, the flush itself is local' : null;
    completeFlush(k, c.id, mm, f.l.covered as number[], shortcut);
    return RET;
  },
});

defineFn('exit_flush_lazy_tlbs@powerpc', RADIX, {
  /** Synchronous IPI to every other CPU of mm_cpumask (smp_call_function_many excludes the caller). */
  smp_call_function_many(k, c, f) {
    const mm = f.l.mm as MmId;
    const m = k.s.mms[mm];
    const targets: CpuId[] = [];
    for (let i = 0; i < m.cpumask.length; i++) if (m.cpumask[i] && i !== c.id) targets.push(i);
    const handler = k.s.config.ppc_lazy_flush === 'pre2020' ? 'do_exit_flush_lazy_tlb@powerpc' : 'exit_lazy_flush_tlb@powerpc';
    f.l.ipi = k.sendIpi(c.id, targets, handler, { mm });
    return 'wait';
  },
  wait: when(ipisDone, (k) => (k.s.config.ppc_lazy_flush === 'pre2020' ? 'mm_reset_thread_local' : RET)),
  /** pre2020 (5.4 exit_flush_lazy_tlbs ends with it): the whole mask is cleared down to this CPU. */
  mm_reset_thread_local(k, c, f) {
    const m = k.mm(f.l.mm as MmId);
    m.cpumask = m.cpumask.map((_, i) => i === c.id);
    m.active_cpus = 1;
    return RET;
  },
});

/** pre2020 IPI handler. */
defineFn('do_exit_flush_lazy_tlb@powerpc', RADIX, {
  do_exit_flush_lazy_tlb(k, c, f) {
    // "Local CPU": assumed to be the sender, since the sender is single-threaded. A kthread in use_mm also has mm == M.
    const d = exitLazyDecision(k.s, c.id, f.l.mm as MmId);
    k.decided(d, c.id);
    return d.next === 'return' ? RET : d.next;
  },
  switch_to_init_mm(k, c, f) {
    mmgrab(k, INIT_MM);
    k.task(c.curr).active_mm = INIT_MM;
    return call('switch_mm', { prev: f.l.mm, next: INIT_MM }, 'mmdrop');
  },
  mmdrop: (_k, _c, f) => call('mmdrop', { mm: f.l.mm }, '_tlbiel_pid'),
  _tlbiel_pid(k, c, f) {
    const mm = f.l.mm as MmId;
    tlbInvalidate(k, c.id, k.s.mms[mm].ctx_id, mm, 0, -1);
    return RET;
  },
});

/** v6 IPI handler of exit_flush_lazy_tlbs. */
defineFn('exit_lazy_flush_tlb@powerpc', RADIX, {
  exit_lazy_flush_tlb(k, c, f) {
    // kthread_use_mm in progress or active: just flush
    const d = exitLazyDecision(k.s, c.id, f.l.mm as MmId);
    k.decided(d, c.id);
    return d.next === 'return' ? RET : d.next;
  },
  switch_to_init_mm(k, c, f) {
    mmgrab_lazy_tlb(k, INIT_MM);
    k.task(c.curr).active_mm = INIT_MM;
    return call('switch_mm_irqs_off@powerpc', { prev: f.l.mm, next: INIT_MM }, 'mmdrop_lazy_tlb');
  },
  mmdrop_lazy_tlb: (_k, _c, f) => call('mmdrop_lazy_tlb', { mm: f.l.mm }, 'trim'),
  /** Each CPU clears only its own bit (a racing IPI may already have done it). */
  trim(k, c, f) {
    const mm = f.l.mm as MmId;
    if (k.s.mms[mm].cpumask[c.id]) {
      const m = k.mm(mm);
      m.cpumask[c.id] = false;
      m.active_cpus--;
    }
    return '_tlbiel_pid';
  },
  _tlbiel_pid(k, c, f) {
    const mm = f.l.mm as MmId;
    tlbInvalidate(k, c.id, k.s.mms[mm].ctx_id, mm, 0, -1);
    return RET;
  },
});

defineFn('tlb_flush@powerpc', RADIX, {
  /** radix__tlb_flush: with SHOOTDOWN the fullmm teardown flush first shoots the lazy users down. */
  radix__tlb_flush(k, _c, f) {
    if (!f.l.fullmm) return 'radix__flush_tlb_range';
    // e43c0a0c3c28 (6.6); in 6.4–6.5 the teardown flush was a plain global tlbie and only __mmdrop's shootdown
    // (cleanup_lazy_tlbs) moved the lazy users off the mm.
    if (k.s.config.lazy_tlb_shootdown && k.s.config.ppc_lazy_flush === 'v6' && k.s.config.ppc_exit_flush === '6.6') {
      return call('exit_flush_lazy_tlbs@powerpc', { mm: f.l.mm }, '__flush_all_mm');
    }
    return '__flush_all_mm';
  },
  __flush_all_mm: (_k, _c, f) => call('flush_tlb_mm_range@powerpc', { mm: f.l.mm, start: 0, end: -1, freed_tables: f.l.freed_tables, fullmm: true }, 'ret'),
  radix__flush_tlb_range: (_k, _c, f) =>
    call('flush_tlb_mm_range@powerpc', { mm: f.l.mm, start: f.l.start, end: f.l.end, freed_tables: f.l.freed_tables, fullmm: false }, 'ret'),
  ret: () => RET,
});

export const powerpc: ArchPolicy = defineArch({
  name: 'powerpc',
  mmDetail: (m) => [['active_cpus', String(m.active_cpus)], ['copros', String(m.copros)]],
  fns: {
    switch_mm_irqs_off: 'switch_mm_irqs_off@powerpc',
    enter_lazy_tlb: 'enter_lazy_tlb@powerpc',
    flush_tlb_mm_range: 'flush_tlb_mm_range@powerpc',
    tlb_flush: 'tlb_flush@powerpc',
  },
  selectsLazyTlbShootdown: true,
  sharedDeviceIsCopro: true,
  era: (cfg) => POWERPC_ERAS[cfg.ppc_lazy_flush === 'pre2020' ? 'pre2020' : cfg.lazy_tlb_shootdown && cfg.ppc_exit_flush === '6.4' ? '6.4' : 'today'],
  secondaryInFlush: true,
  invariants: { activeCpus: true },
  // Where RCU table freeing comes from (hash MMU, GUP-fast with tlbie broadcasts); generic since 267239116987 (2011).
  rcuTableFree: () => ({ value: true, why: 'powerpc selects MMU_GATHER_RCU_TABLE_FREE (its TLB invalidations send no IPI)' }),
});
