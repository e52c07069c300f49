/**
 * The generic (non-arch) kernel names of older releases: what a function, a label or a source file of the registered
 * (today's) code was called before the release that gave it today's name. EraNames applies them for every arch after
 * the arch's own renames (KernelEra.rename / .src win), so a variant read at release V shows V's names. GENERIC_LATER
 * goes the other way: a model step of older code, shown as today's release calls it, or as a hook where it has none.
 *
 * Three kinds of shown name:
 * - an identifier of that release (`mmdrop`, `mm_release`): linked like today's names;
 * - inline code that was no function yet (`atomic_inc(&mm->mm_count)` before mmgrab): shown as the expression, and a
 *   function shown so gets no identifier link (EraNames.identLink);
 * - a model hook standing for no code at all in that release (`<membarrier_mm_sync_core_before_usermode>` before
 *   4.16): the hook's name in angle brackets, never linked.
 *
 * Evidence (checked December 2026; paraphrased): 3.x from the v3.6 tree New-B/Linux3.6 (kernel/fork.c mmput,
 * kernel/exit.c exit_mm, mm/memory.c tlb_gather_mmu / tlb_flush_mmu / tlb_finish_mmu); 4.4-6.8 from DepSurf/function
 * (per-release presence of each function in Ubuntu builds); the first release named after each entry is from the
 * commit that introduced today's name where known. docs/scenario-format.md §10.0 lists the table.
 */

/** `name` (a registered function without @arch, or `fn.label`) showed as `shown` in every release before `before`. */
export interface EraRename {
  name: string;
  before: string;
  shown: string;
}

/** A function's file before a release (files that moved, with their functions). */
export interface EraFile {
  fns: readonly string[];
  before: string;
  src: string;
}

const SCHED_MM_H = ['mmdrop', 'mmdrop_lazy_tlb', 'mmgrab', 'mmget', 'mmget_not_zero'];
const MMU_GATHER_C = ['tlb_gather_mmu', 'tlb_finish_mmu', 'tlb_flush_mmu', 'tlb_remove_table', 'tlb_remove_table_smp_sync'];

export const GENERIC_RENAMES: readonly EraRename[] = [
  // Lazy-TLB refcount helpers (Nicholas Piggin, "lazy tlb: introduce lazy tlb mm refcount helper functions", 6.3;
  // DepSurf: mmgrab_lazy_tlb absent in 6.2, present in 6.5). Before: plain mmgrab / mmdrop.
  { name: 'mmdrop_lazy_tlb', before: 'v6.3', shown: 'mmdrop' },
  { name: 'mmdrop_lazy_tlb.mmdrop_lazy_tlb', before: 'v6.3', shown: 'mmdrop' },
  { name: 'finish_task_switch.mmdrop_lazy_tlb', before: 'v6.3', shown: 'mmdrop' },
  { name: 'kthread_use_mm.mmdrop_lazy_tlb', before: 'v6.3', shown: 'mmdrop' },
  { name: 'do_exit.mmgrab_lazy_tlb', before: 'v6.3', shown: 'mmgrab' },
  // mmgrab / mmget (Vegard Nossum, f1f1007644ff and 3fce371bfac2, 4.11): before, exit_mm and the others open-coded
  // the atomic (v3.6 kernel/exit.c exit_mm: atomic_inc(&mm->mm_count)).
  { name: 'do_exit.mmgrab_lazy_tlb', before: 'v4.11', shown: 'atomic_inc(&mm->mm_count)' },
  { name: 'mmgrab', before: 'v4.11', shown: 'atomic_inc(&mm->mm_count)' },
  { name: 'kthread_use_mm.mmgrab', before: 'v4.11', shown: 'atomic_inc(&mm->mm_count)' },
  { name: 'mmget', before: 'v4.11', shown: 'atomic_inc(&mm->mm_users)' },
  { name: 'mmget_not_zero', before: 'v4.11', shown: 'atomic_inc_not_zero(&mm->mm_users)' },
  // Lazy-mm shootdown (Nicholas Piggin, 6.3, with the helpers above): no code before it.
  { name: '__mmdrop.cleanup_lazy_tlbs', before: 'v6.3', shown: '<cleanup_lazy_tlbs>' },
  { name: 'do_shoot_lazy_tlb', before: 'v6.3', shown: '<do_shoot_lazy_tlb>' },
  // __mmput split out of mmput with mmput_async (Michal Hocko, ec8d7c14ea14, 4.7; DepSurf: absent in 4.4). v3.6
  // kernel/fork.c mmput: exit_aio, exit_mmap and mmdrop in mmput's own body.
  { name: '__mmput', before: 'v4.7', shown: 'mmput' },
  // exit_mm_release (Thomas Gleixner, "exit/exec: Seperate mm_release()", 5.5; also in 5.4.y stable, DepSurf's 5.4
  // build has it, mainline v5.4 does not). Before: mm_release(tsk, mm) (v3.6 kernel/exit.c exit_mm).
  { name: 'do_exit.exit_mm_release', before: 'v5.5', shown: 'mm_release' },
  // membarrier_switch_mm (Mathieu Desnoyers, 227a4aadc75b, 5.4; DepSurf: absent in 5.3, inlined in 5.4). The model's
  // label also makes the call to switch_mm: before 5.4 that call is all it stands for; switch_mm_irqs_off in the
  // scheduler since f98db6013c55 (Andy Lutomirski, 4.7), switch_mm before. Shown as the call, not the bare name, so
  // `until: switch_mm_irqs_off` still means the callee's entry.
  { name: 'context_switch.membarrier_switch_mm', before: 'v5.4', shown: 'switch_mm_irqs_off()' },
  { name: 'context_switch.membarrier_switch_mm', before: 'v4.7', shown: 'switch_mm()' },
  // MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE (Mathieu Desnoyers, 70216e18e519, 4.16): no code before it.
  { name: 'finish_task_switch.membarrier_mm_sync_core_before_usermode', before: 'v4.16', shown: '<membarrier_mm_sync_core_before_usermode>' },
  // tlb_gather_mmu_fullmm (Will Deacon, "mm: tlb: Provide separate gather init for full mm"; DepSurf: absent in 5.11,
  // present in 5.13). Before: tlb_gather_mmu with fullmm set (v3.6: tlb_gather_mmu(tlb, mm, fullmm)).
  { name: 'exit_mmap.tlb_gather_mmu_fullmm', before: 'v5.13', shown: 'tlb_gather_mmu' },
  // tlb_gather_mmu / tlb_finish_mmu raise and drop mm->tlb_flush_pending since Minchan Kim's 99baac21e458 (4.13,
  // DepSurf: arch_tlb_gather_mmu absent in 4.10, present in 4.13); v3.6 mm/memory.c has no such counter.
  { name: 'tlb_gather_mmu.inc_tlb_flush_pending', before: 'v4.13', shown: '<inc_tlb_flush_pending>' },
  { name: 'tlb_finish_mmu.dec_tlb_flush_pending', before: 'v4.13', shown: '<dec_tlb_flush_pending>' },
  // tlb_flush_mmu split in two (Linus Torvalds, 1cf35d47712d, 3.15); v3.6 mm/memory.c tlb_flush_mmu: tlb_flush(tlb),
  // then free_pages_and_swap_cache on each batch.
  { name: 'tlb_flush_mmu.tlb_flush_mmu_tlbonly', before: 'v3.15', shown: 'tlb_flush' },
  { name: 'tlb_flush_mmu.tlb_flush_mmu_free', before: 'v3.15', shown: 'free_pages_and_swap_cache' },
  // mmu_notifier_invalidate_range (Joerg Roedel, 1897bdc4d331 / 34ee645e83b6, 3.19): no such call before.
  { name: 'tlb_flush_mmu.mmu_notifier_invalidate_range', before: 'v3.19', shown: '<mmu_notifier_invalidate_range>' },
  // wp_page_copy extracted from do_wp_page (Shachar Raindel, 2f38ab2c3c7f, 4.1).
  { name: 'wp_page_copy', before: 'v4.1', shown: 'do_wp_page' },
  // kthread_use_mm / kthread_unuse_mm: use_mm / unuse_mm of mm/mmu_context.c before Christoph Hellwig's f5678e7f2ac3
  // (5.8).
  { name: 'kthread_use_mm', before: 'v5.8', shown: 'use_mm' },
  { name: 'kthread_unuse_mm', before: 'v5.8', shown: 'unuse_mm' },
];

/**
 * `name` (a registered function or `fn.label`) shows as `shown` in every release from `since` on: the model keeps an
 * older code path (a configuration of an earlier kernel) that today's release no longer has under that name, or the
 * registered name is the model's own. Read at v6.12 and later (tests/era_names.test.ts checks today's names too).
 */
export interface EraLaterName {
  name: string;
  since: string;
  shown: string;
}

export const GENERIC_LATER: readonly EraLaterName[] = [
  // use_mm / unuse_mm became kthread_use_mm / kthread_unuse_mm (Christoph Hellwig, f5678e7f2ac3, 5.8), which the model
  // has too, with the interrupts-off switch: the old ones stand for no code from 5.8 on.
  { name: 'use_mm', since: 'v5.8', shown: '<use_mm>' },
  { name: 'unuse_mm', since: 'v5.8', shown: '<unuse_mm>' },
  // The registration is the membarrier syscall's MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED[_SYNC_CORE] case, done by
  // the static membarrier_register_private_expedited of kernel/sched/membarrier.c (Mathieu Desnoyers, 4.14); no
  // function was ever called membarrier_register.
  { name: 'membarrier_register', since: 'v4.14', shown: 'membarrier_register_private_expedited' },
  // try_to_unmap_one drops the mapping with folio_remove_rmap_pte, then folio_put, since David Hildenbrand's rmap
  // interface rework ("mm/rmap: page_remove_rmap() -> folio_remove_rmap_pte()", then "mm/rmap: remove
  // page_remove_rmap()"; DepSurf: page_remove_rmap present in 6.5, absent in 6.8, folio_remove_rmap_ptes present in
  // 6.8). Still the single-PTE form at 6.12 (the batched folio_remove_rmap_ptes call came later).
  { name: 'try_to_unmap.page_remove_rmap', since: 'v6.8', shown: 'folio_remove_rmap_pte' },
  // mmu_notifier_invalidate_range and the invalidate_range callback are gone since Alistair Popple's series (6.6:
  // "mmu_notifiers: don't invalidate secondary TLBs as part of mmu_notifier_invalidate_range_end()", "mmu_notifiers:
  // rename invalidate_range notifier" to arch_invalidate_secondary_tlbs): with config.mmu_notifier before 6.6 the
  // model's step stands for no code of a 6.6+ release.
  { name: 'tlb_flush_mmu.mmu_notifier_invalidate_range', since: 'v6.6', shown: '<mmu_notifier_invalidate_range>' },
  { name: 'wp_page_copy.mmu_notifier_invalidate_range', since: 'v6.6', shown: '<mmu_notifier_invalidate_range>' },
  { name: 'try_to_unmap.mmu_notifier_invalidate_range', since: 'v6.6', shown: '<mmu_notifier_invalidate_range>' },
];

export const GENERIC_FILES: readonly EraFile[] = [
  // <linux/sched/mm.h> split out of <linux/sched.h> (Ingo Molnar, 68e21be2916b, 4.11).
  { fns: SCHED_MM_H, before: 'v4.11', src: 'include/linux/sched.h' },
  // mm/mmu_gather.c split out of mm/memory.c (Peter Zijlstra, 196d9d8bb71e, 4.20; DepSurf: arch_tlb_gather_mmu in
  // mm/memory.c at 4.18).
  { fns: MMU_GATHER_C, before: 'v4.20', src: 'mm/memory.c' },
  { fns: ['kthread_use_mm', 'kthread_unuse_mm'], before: 'v5.8', src: 'mm/mmu_context.c' },
];

/** A release tag ('v3.10', 'v6.12') as [major, minor]. */
function parse(version: string): [number, number] {
  const m = /^v(\d+)\.(\d+)/.exec(version);
  if (!m) throw new Error(`not a kernel release tag: ${version}`);
  return [Number(m[1]), Number(m[2])];
}

/** Is release a older than release b? */
export function releaseBefore(a: string, b: string): boolean {
  const [x, y] = parse(a);
  const [u, v] = parse(b);
  return x < u || (x === u && y < v);
}

/**
 * The generic names and files of release `version`: per name, the entry of the earliest renaming release after it
 * (mmgrab_lazy_tlb at v3.10 is atomic_inc(&mm->mm_count), not mmgrab), or of the latest GENERIC_LATER release at or
 * before it.
 */
export function genericNames(version: string): { rename: Readonly<Record<string, string>>; src: Readonly<Record<string, string>> } {
  let hit = byRelease.get(version);
  if (!hit) byRelease.set(version, (hit = build(version)));
  return hit;
}

/** genericNames by release (EraNames is built per run and per configuration). */
const byRelease = new Map<string, { rename: Record<string, string>; src: Record<string, string> }>();

function build(version: string): { rename: Record<string, string>; src: Record<string, string> } {
  const rename: Record<string, string> = {};
  const at: Record<string, string> = {};
  for (const r of GENERIC_RENAMES) {
    if (!releaseBefore(version, r.before)) continue;
    if (at[r.name] && !releaseBefore(r.before, at[r.name])) continue;
    rename[r.name] = r.shown;
    at[r.name] = r.before;
  }
  const since: Record<string, string> = {};
  for (const r of GENERIC_LATER) {
    if (releaseBefore(version, r.since)) continue;
    if (since[r.name] && releaseBefore(r.since, since[r.name])) continue;
    rename[r.name] = r.shown;
    since[r.name] = r.since;
  }
  const src: Record<string, string> = {};
  for (const f of GENERIC_FILES) if (releaseBefore(version, f.before)) for (const fn of f.fns) src[fn] ??= f.src;
  return { rename, src };
}
