/**
 * mm_struct reference counting: include/linux/sched/mm.h and kernel/fork.c.
 *
 *   mmgrab / mmdrop            mm_count: pins the struct; 0 -> __mmdrop frees pgd, context and struct
 *   mmget / mmput              mm_users: real address-space users; 0 -> __mmput tears the address space down
 *   mmgrab_lazy_tlb / mmdrop_lazy_tlb
 *                              the same as grab/drop with CONFIG_MMU_LAZY_TLB_REFCOUNT=y; without it grab does
 *                              nothing and drop is only the smp_mb() membarrier needs (T1 <-> T3 link)
 *   cleanup_lazy_tlbs          with CONFIG_MMU_LAZY_TLB_SHOOTDOWN: IPI mm_cpumask so nobody keeps M as active_mm
 *
 * Plain helpers (no label of their own) are PlusCal macros: they happen inside the calling micro-step. Anything that
 * can reach a free (mmdrop hitting zero) is a kernel function so the free is its own, visible, micro-step.
 */
import { RET, call, defineFn, ipisDone, when } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import { INIT_MM, NONE, type MmId } from '../model/types.ts';
import { freePage } from './pages.ts';
import { smp_mb } from './barrier.ts';

/** mmgrab(M): mm_count++ (an atomic op). */
export function mmgrab(k: Kernel, mm: MmId): void {
  const m = k.mm(mm);
  k.inv.mmTouched(k, mm, 'mmgrab');
  m.mm_count++;
  k.s.counters.mmCountAtomics++;
}

/** mmgrab_lazy_tlb(M): a grab only when lazy users are refcounted. */
export function mmgrab_lazy_tlb(k: Kernel, mm: MmId): void {
  if (k.s.config.lazy_tlb_refcount) mmgrab(k, mm);
}


defineFn('mmdrop', 'include/linux/sched/mm.h', {
  atomic_dec_and_test(k, c, f) {
    const mm = f.l.mm as MmId;
    const m = k.mm(mm);
    k.inv.mmTouched(k, mm, 'mmdrop');
    m.mm_count--;
    k.s.counters.mmCountAtomics++;
    smp_mb(k, c.id); // a value-returning atomic: a full barrier (membarrier relies on it in finish_task_switch)
    k.inv.mmCountDropped(k, c.id, mm);
    if (m.mm_count === 0) {
      if (mm === INIT_MM) return RET; // never freed (I15)
      return call('__mmdrop', { mm }, 'ret');
    }
    return RET;
  },
  ret: () => RET,
});

defineFn('mmdrop_lazy_tlb', 'include/linux/sched/mm.h', {
  mmdrop_lazy_tlb(k, c, f) {
    // Without refcounting only the smp_mb() remains: finish_task_switch relies on it for membarrier when a CPU goes
    // kernel -> user with no barrier from switch_mm (lazy_tlb_drop_mb: false removes it).
    if (!k.s.config.lazy_tlb_refcount) {
      if (k.s.config.lazy_tlb_drop_mb) smp_mb(k, c.id);
      return RET;
    }
    return call('mmdrop', { mm: f.l.mm }, 'ret');
  },
  ret: () => RET,
});

defineFn('mmput', 'kernel/fork.c', {
  atomic_dec_and_test(k, c, f) {
    const mm = f.l.mm as MmId;
    const m = k.mm(mm);
    k.inv.mmTouched(k, mm, 'mmput');
    m.mm_users--;
    smp_mb(k, c.id);
    k.inv.mmUsersDropped(k, c.id, mm);
    if (m.mm_users === 0) return call('__mmput', { mm }, 'ret');
    return RET;
  },
  ret: () => RET,
});

defineFn('__mmput', 'kernel/fork.c', {
  exit_aio(k, _c, f) {
    // exit_aio waits for in-flight AIO: the serialisation some use_mm() callers without mmget relied on (T2).
    k.mm(f.l.mm as MmId).state = 'teardown';
    return 'exit_mmap';
  },
  exit_mmap: (_k, _c, f) => call('exit_mmap', { mm: f.l.mm }, 'mmdrop'),
  mmdrop(k, _c, f) {
    const m = k.mm(f.l.mm as MmId);
    m.state = 'dead';
    m.users_ref = false; // the collective "users" mm_count reference goes now
    return call('mmdrop', { mm: f.l.mm }, 'ret');
  },
  ret: () => RET,
});

defineFn('__mmdrop', 'kernel/fork.c', {
  __mmdrop(k, c, f) {
    const mm = f.l.mm as MmId;
    const cur = k.s.tasks[c.curr];
    if (cur.mm === mm) k.warn('WARN', [c.id], [k.mmName(mm)], `__mmdrop: ${k.mmName(mm)} is still current->mm of ${cur.name}`);
    return 'cleanup_lazy_tlbs';
  },
  cleanup_lazy_tlbs(k, c, f) {
    if (!k.s.config.lazy_tlb_shootdown) return 'free_pgd';
    const mm = f.l.mm as MmId;
    k.inv.lazyShootdown(k, mm);
    const m = k.s.mms[mm];
    const others = [];
    for (let i = 0; i < m.cpumask.length; i++) if (m.cpumask[i] && i !== c.id) others.push(i);
    f.l.ipi = k.sendIpi(c.id, others, 'do_shoot_lazy_tlb', { mm });
    if (!m.cpumask[c.id]) return 'wait_shootdown';
    // on_each_cpu_mask also runs the function on the local CPU when it is in the mask, with interrupts off.
    k.cpu(c.id).irqs_off++;
    return call('do_shoot_lazy_tlb', { mm, local: true }, 'local_irq_enable');
  },
  local_irq_enable(k, c) {
    k.cpu(c.id).irqs_off--;
    return 'wait_shootdown';
  },
  wait_shootdown: when(ipisDone, () => 'free_pgd'),
  free_pgd(k, c, f) {
    const mm = f.l.mm as MmId;
    const cur = k.s.tasks[c.curr];
    if (cur.active_mm === mm) {
      k.warn('WARN', [c.id], [k.mmName(mm), cur.name], `__mmdrop: ${k.mmName(mm)} is still current->active_mm of ${cur.name} (WARN_ON_ONCE in __mmdrop)`);
    }
    const m = k.mm(mm);
    if (m.pgd >= 0) freePage(k, m.pgd, c.id);
    return 'free_mm';
  },
  free_mm(k, c, f) {
    const mm = f.l.mm as MmId;
    const m = k.mm(mm);
    k.inv.mmFreeing(k, c.id, mm);
    m.mmdropped = true;
    m.state = 'freed';
    return RET;
  },
});

/** kernel/fork.c do_shoot_lazy_tlb: run on each CPU of mm_cpumask by cleanup_lazy_tlbs. */
defineFn('do_shoot_lazy_tlb', 'kernel/fork.c', {
  do_shoot_lazy_tlb(k, c, f) {
    const mm = f.l.mm as MmId;
    const t = k.s.tasks[c.curr];
    if (t.active_mm !== mm) return RET;
    if (t.mm !== NONE) k.warn('WARN', [c.id], [t.name], `do_shoot_lazy_tlb: ${t.name} has mm set while being shot down`);
    k.task(t.id).active_mm = INIT_MM;
    return call('switch_mm', { prev: mm, next: INIT_MM }, 'ret');
  },
  ret: () => RET,
});

// ---- the reference operations a scenario can ask for directly ----

defineFn('mmget', 'include/linux/sched/mm.h', {
  atomic_inc(k, c, f) {
    const mm = f.l.mm as MmId;
    const m = k.mm(mm);
    k.inv.mmTouched(k, mm, 'mmget');
    k.inv.mmGet(k, c.id, mm);
    m.mm_users++;
    return RET;
  },
});

defineFn('mmget_not_zero', 'include/linux/sched/mm.h', {
  atomic_inc_not_zero(k, c, f) {
    const mm = f.l.mm as MmId;
    const m = k.mm(mm);
    if (m.mm_users === 0) {
      k.warn('mmget_not_zero', [c.id], [m.name], `mmget_not_zero(${m.name}) failed: mm_users is 0`);
      return RET;
    }
    m.mm_users++;
    return RET;
  },
});

defineFn('mmgrab', 'include/linux/sched/mm.h', {
  atomic_inc(k, _c, f) {
    const mm = f.l.mm as MmId;
    mmgrab(k, mm);
    k.mm(mm).extra_pins++; // ghost for I2: a pin held by the scenario
    return RET;
  },
});
