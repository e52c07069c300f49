/**
 * kernel/fork.c copy_process. With CLONE_VM (`clone`): a new thread of the current mm (mmget). Without it (`fork`):
 * copy_mm → dup_mm makes a new mm (mm_init: mm_users 1, mm_count 1, a pgd of its own), dup_mmap copies the parent's
 * PTEs into it (copy_page_range: both sides map the same page, write-protected for COW), then flushes the parent's
 * whole mm (dup_mmap ends with flush_tlb_mm(oldmm), which x86 runs with freed_tables), and the child becomes runnable
 * (kernel_clone's wake_up_new_task). The child's first context switch loads its mm, as for any task.
 */
import { RET, call, defineFn } from '../engine/fn.ts';
import { newTask } from '../model/make.ts';
import { allocMm } from './exec.ts';
import { rforEach } from '../model/radix.ts';
import type { MmId, Pte } from '../model/types.ts';
import { getPage } from './pages.ts';
import { pteAlloc, setPte } from './memory.ts';

defineFn('copy_process', 'kernel/fork.c', {
  copy_mm(k, c, f) {
    const parent = k.s.tasks[c.curr];
    // fork: dup_mm (the new mm's name is given).
    if (f.l.mm_name !== undefined) {
      f.l.parent_mm = parent.mm;
      return 'mm_init';
    }
    const m = k.mm(parent.mm);
    m.mm_users++;
    const id = newTask(k.s, f.l.name as string, false, parent.mm);
    k.growTo(k.s.tasks.length, k.s.mms.length);
    k.task(id);
    return RET;
  },
  /** dup_mm → mm_init: mm_users 1, mm_count 1 (the users' collective reference), a new context (x86 ctx_id). */
  mm_init(k, c, f) {
    f.l.child_mm = allocMm(k, c, f.l.mm_name as string);
    return 'dup_mmap';
  },
  /**
   * dup_mmap → copy_page_range: every PTE of the parent is copied; the child maps the same page (a reference more),
   * and a writable one is write-protected on both sides (copy_present_pte, COW). The write-protect changes no page,
   * so the model's TLB checks (which compare pages) have nothing to note for it; the flush below is what the kernel
   * does for it.
   */
  dup_mmap(k, _c, f) {
    const from = f.l.parent_mm as MmId;
    const to = f.l.child_mm as MmId;
    const ptes: Array<[number, Pte]> = [];
    rforEach(k.s.mms[from].pte, (va, pte) => void ptes.push([va, pte]));
    for (const [va, pte] of ptes) {
      pteAlloc(k, to, va);
      getPage(k, pte.page);
      setPte(k, to, va, pte.page, false);
      if (pte.write) setPte(k, from, va, pte.page, false);
    }
    return 'flush_tlb_mm';
  },
  /** dup_mmap's last act: flush_tlb_mm(oldmm), the whole parent mm (x86: flush_tlb_mm_range with freed_tables). */
  flush_tlb_mm(k, _c, f) {
    const mm = f.l.parent_mm as MmId;
    return call(k.arch.fns.flush_tlb_mm_range, { mm, start: 0, end: -1, freed_tables: k.arch.flushTlbMmFreesTables }, 'wake_up_new_task');
  },
  /** kernel_clone → wake_up_new_task: the child, on its own mm, is runnable. */
  wake_up_new_task(k, _c, f) {
    const id = newTask(k.s, f.l.name as string, false, f.l.child_mm as MmId);
    k.growTo(k.s.tasks.length, k.s.mms.length);
    k.task(id);
    return RET;
  },
});
