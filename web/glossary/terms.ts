/**
 * The glossary: what each word the app shows means, where it comes from in the kernel, and where the app shows it.
 * One home for the text: the app's popovers and panel render it, and docs/glossary.md is generated from it
 * (`npm run docs:glossary`; a test keeps the two equal).
 */
export interface Term {
  id: string;
  /** The word as the app shows it. */
  term: string;
  /** Words in running text (narration) that mean this term, matched whole and case-sensitively. */
  words: string[];
  /** One paragraph, for someone who knows what a page table and a TLB are. */
  meaning: string;
  /** The kernel identifiers and files it comes from. */
  kernel: string;
  /** Which lane, graph, grid or panel of the app shows it. */
  shown: string;
}

export const TERMS: Term[] = [
  {
    id: 'lazy',
    term: 'lazy TLB',
    words: ['lazy TLB', 'lazy'],
    meaning:
      'A CPU that switches from a user task to a kernel thread does not load other page tables: the kernel thread never touches user memory, so the CPU keeps the previous mm loaded and the thread borrows it. The CPU is then "lazy" on that mm. This saves a page-table switch and keeps the TLB warm for when the user task returns; the cost is that the borrowed mm must stay valid, and flushes must reach, or knowingly skip, the lazy CPUs.',
    kernel: 'enter_lazy_tlb() (arch hook, called from context_switch() in kernel/sched/core.c); x86 marks it in cpu_tlbstate_shared.is_lazy (arch/x86/mm/tlb.c).',
    shown: 'The "lazy" row of each CPU\'s lane (hatched while lazy); the inspector.',
  },
  {
    id: 'active_mm',
    term: 'active_mm',
    words: ['active_mm'],
    meaning:
      'The mm a task runs on. A user task\'s active_mm is its own mm. A kernel thread has no mm, so at each switch to it the scheduler hands it the previous task\'s active_mm: it borrows that address space for as long as it runs, and passes it on to the next kernel thread or returns it when a user task comes in.',
    kernel: 'task_struct.active_mm (include/linux/sched.h), set in context_switch() (kernel/sched/core.c).',
    shown: 'The "active_mm" row of each CPU\'s lane; the inspector.',
  },
  {
    id: 'loaded',
    term: 'loaded mm',
    words: ['loaded mm'],
    meaning:
      'The mm whose page tables the MMU of a CPU would walk right now, with the tag its TLB entries are filled under. It is usually the active_mm, but not always: a lazy CPU may have been moved to init_mm while its kernel thread still borrows the mm, and in the middle of a switch the two differ for a moment.',
    kernel: 'x86 cpu_tlbstate.loaded_mm and CR3 (arch/x86/mm/tlb.c); arm64 TTBR0_EL1; powerpc the PID register; s390 the user ASCE in CR7; mips the ASID in EntryHi.',
    shown: 'The "loaded mm" row of each CPU\'s lane, with its tag; the inspector.',
  },
  {
    id: 'trace_loaded',
    term: 'trace: loaded',
    words: ['trace: loaded'],
    meaning:
      'For a scenario reconstructed from a kernel trace: the mm the trace itself proves a CPU has loaded, beside the model\'s own rows. A switch followed by a CR3 write loads the new task\'s mm; a switch from a user task to a kernel thread without one leaves that mm loaded, lazily (hatched); a CR3 write inside flush_tlb_func moves a lazy CPU to init_mm; exec\'s CR3 write loads the new mm. Grey until the trace shows something. Where it differs from the model\'s "loaded mm" row, the model and the kernel disagree.',
    kernel: 'tlb_flush events with reason 0 (TLB_FLUSH_ON_TASK_SWITCH) after sched_switch, in flush_tlb_func, and in exec\'s activate_mm (arch/x86/mm/tlb.c, switch_mm_irqs_off).',
    shown: 'The "trace: loaded" row of each CPU\'s lane when a trace\'s scenario is on screen; hover its value for the trace line that proves it.',
  },
  {
    id: 'kthread',
    term: 'kernel thread',
    words: ['kernel thread', 'kernel threads'],
    meaning:
      'A task that runs only kernel code and has no address space of its own (its mm is NULL). It runs on whatever mm it borrowed as active_mm, or adopts one for real with kthread_use_mm() (use_mm() before 5.8), for example to copy data into a user process\'s memory on its behalf.',
    kernel: 'task_struct.mm == NULL, PF_KTHREAD (include/linux/sched.h); kthread_use_mm() in kernel/kthread.c.',
    shown: 'The "current" row of each CPU\'s lane (kernel threads are named as the scenario names them; swapper/N is the idle task).',
  },
  {
    id: 'init_mm',
    term: 'init_mm',
    words: ['init_mm'],
    meaning:
      'The kernel\'s own mm: kernel mappings only, no user space. Idle tasks start on it, and a lazy CPU that must stop using a user mm (because its page tables are being freed, or because the mm is about to be freed) is switched to it.',
    kernel: 'init_mm in mm/init-mm.c.',
    shown: 'The lanes (grey), the inspector.',
  },
  {
    id: 'mm_users',
    term: 'mm_users',
    words: ['mm_users'],
    meaning:
      'How many users the address space has: the threads that share it, plus anyone who took mmget() to use it for a while. When it reaches 0 the address space is torn down (mmput() calls __mmput(), which runs exit_mmap(): unmap everything, free the page tables, flush), but the mm_struct itself may live on, counted by mm_count.',
    kernel: 'mm_struct.mm_users (include/linux/mm_types.h); mmget(), mmput() in kernel/fork.c.',
    shown: 'The solid line of each mm\'s refcount graph; the inspector\'s mm table.',
  },
  {
    id: 'mm_count',
    term: 'mm_count',
    words: ['mm_count'],
    meaning:
      'References to the mm_struct itself, not to the address space: all users together hold one, and every CPU that lazily borrows the mm holds another (mmgrab_lazy_tlb), as does anyone who called mmgrab(). When it reaches 0, __mmdrop() frees the page-table root and the mm_struct. So an mm can be dead (no users, no mappings) yet not freed, because a CPU still borrows it.',
    kernel: 'mm_struct.mm_count (include/linux/mm_types.h); mmgrab(), mmdrop() in include/linux/sched/mm.h; __mmdrop() in kernel/fork.c.',
    shown: 'The dashed line of each mm\'s refcount graph (▼ teardown, ✝ freed); the inspector\'s mm table.',
  },
  {
    id: 'mmgrab_lazy_tlb',
    term: 'mmgrab_lazy_tlb',
    words: ['mmgrab_lazy_tlb', 'mmdrop_lazy_tlb'],
    meaning:
      'The reference a lazy borrow takes and gives back: mmgrab_lazy_tlb() raises mm_count when a kernel thread borrows the mm, mmdrop_lazy_tlb() drops it when the CPU switches to another mm. These are atomics on a shared cache line at every such switch. An architecture that selects MMU_LAZY_TLB_SHOOTDOWN (powerpc since 6.4) turns them into no-ops and instead shoots the lazy users down before freeing the mm.',
    kernel: 'include/linux/sched/mm.h; CONFIG_MMU_LAZY_TLB_REFCOUNT, CONFIG_MMU_LAZY_TLB_SHOOTDOWN (arch/Kconfig).',
    shown: 'Steps of the refcount graphs (hover a change to see which function made it); the lanes\' "kernel code" row.',
  },
  {
    id: 'mm_cpumask',
    term: 'mm_cpumask',
    words: ['mm_cpumask'],
    meaning:
      'A bitmap per mm of the CPUs that may have its translations cached. x86 and powerpc send their flush IPIs to the CPUs in it, and lazy-mm shootdown walks it. When a CPU leaves the mask differs by architecture and era; arm64 does not use it for flushing at all, because its invalidations are broadcast.',
    kernel: 'mm_cpumask() (include/linux/mm_types.h); set and cleared in each architecture\'s switch_mm_irqs_off().',
    shown: 'The inspector\'s mm table.',
  },
  {
    id: 'tag',
    term: 'tag (ASID, PCID, PID)',
    words: ['ASID', 'PCID', 'PID', 'tag'],
    meaning:
      'A number the hardware stores with each TLB entry to say which address space it belongs to, so that a switch need not flush the TLB: entries of other mms simply do not match. x86 calls it PCID (and the kernel keeps a few per CPU), arm64 ASID, powerpc PID. When a tag is reused for another mm, its old entries must be flushed first.',
    kernel: 'x86 cpu_tlbstate.ctxs[] and choose_new_asid() (arch/x86/mm/tlb.c); arm64 arch/arm64/mm/context.c; powerpc mm->context.id (arch/powerpc/mm/book3s64/).',
    shown: 'The "loaded mm" row (tag n); the "tag" column of the TLB grids.',
  },
  {
    id: 'tlb_gen',
    term: 'tlb_gen',
    words: ['tlb_gen'],
    meaning:
      'x86\'s flush generation: every flush request for an mm bumps the mm\'s counter, and each CPU records the generation its TLB is up to date with. A CPU that was skipped (because it was lazy) sees that it is behind when it switches back to the mm, and flushes then.',
    kernel: 'mm->context.tlb_gen (arch/x86/include/asm/mmu.h); cpu_tlbstate.ctxs[].tlb_gen; inc_mm_tlb_gen(), flush_tlb_func(), switch_mm_irqs_off() in arch/x86/mm/tlb.c.',
    shown: 'The inspector\'s mm table (x86).',
  },
  {
    id: 'tlb',
    term: 'TLB and walk cache',
    words: ['TLB', 'walk cache'],
    meaning:
      'The TLB caches translations (virtual page to physical page); the walk cache (paging-structure cache) caches where the page-table pages are, to speed up walks. Neither is kept coherent by the hardware: after a PTE changes the kernel must invalidate the translation on every CPU (and device) that may cache it, and after a page-table page is freed, the cached walks through it. An entry that outlives its PTE is stale; one that points at a freed (or reused) page is what the invariants catch.',
    kernel: 'flush_tlb_mm_range() (arch/x86/mm/tlb.c and each arch); the mmu_gather batching in mm/mmu_gather.c.',
    shown: 'The TLB grids (per CPU and device, each entry\'s state in words: current, stale, page freed, reused).',
  },
  {
    id: 'shootdown',
    term: 'shootdown',
    words: ['shootdown', 'shot down'],
    meaning:
      'Making other CPUs let go. A TLB shootdown interrupts the CPUs that may cache a translation and has each one flush it. A lazy-mm shootdown (MMU_LAZY_TLB_SHOOTDOWN) interrupts the CPUs that may still borrow an mm that is about to be freed and switches them to init_mm, so that nothing points at the mm when it goes.',
    kernel: 'x86 flush_tlb_multi() / flush_tlb_func() (arch/x86/mm/tlb.c); cleanup_lazy_tlbs() and do_shoot_lazy_tlb() in kernel/fork.c; powerpc exit_flush_lazy_tlbs() (arch/powerpc/mm/book3s64/radix_tlb.c).',
    shown: 'IPI arrows on the lanes; the narration.',
  },
  {
    id: 'ipi',
    term: 'IPI',
    words: ['IPI', 'IPIs'],
    meaning:
      'An inter-processor interrupt: one CPU asks another to run a function (here mostly a TLB flush handler). A CPU with interrupts off holds it until it turns them on again; a sender that waits for the handlers to finish waits that long too.',
    kernel: 'smp_call_function_many() and friends (kernel/smp.c).',
    shown: 'Arrows on the lanes, from sender to target at send and at delivery; pending IPIs in the inspector.',
  },
  {
    id: 'switch_mm',
    term: 'switch_mm_irqs_off',
    words: ['switch_mm_irqs_off', 'switch_mm'],
    meaning:
      'The architecture\'s hook that makes a CPU use another mm: load its page tables into the MMU with a tag, update mm_cpumask, and decide whether the TLB must be flushed. context_switch() calls it for a switch to a user task, and the lazy-TLB paths call it to move a CPU to init_mm.',
    kernel: 'switch_mm_irqs_off() in arch/x86/mm/tlb.c, arch/powerpc/mm/mmu_context.c; arm64 switch_mm() / check_and_switch_context() (arch/arm64/mm/context.c).',
    shown: 'The lanes\' "kernel code" row; the narration\'s micro-step line.',
  },
  {
    id: 'current',
    term: 'current',
    words: ['rq->curr'],
    meaning:
      'The task a CPU is running (the runqueue\'s curr). It changes in the middle of a context switch, before the mm is switched: the app shows the state between the two, as the kernel has it.',
    kernel: 'rq->curr (kernel/sched/sched.h), written in __schedule() (kernel/sched/core.c).',
    shown: 'The "current" row of each CPU\'s lane; the inspector.',
  },
  {
    id: 'kernel_code',
    term: 'kernel code',
    words: [],
    meaning:
      'The kernel function a CPU is executing at the playhead and the point in it (function › label): the model runs each kernel function as a sequence of labelled micro-steps, named after the kernel\'s own functions, so that any interleaving between two CPUs can be shown. An IPI handler runs on top of whatever the CPU was doing.',
    kernel: 'The model\'s label tables (src-sim/kernel/); each label names the kernel file it comes from (shown in the narration).',
    shown: 'The "kernel code" row of each CPU\'s lane; the call stacks in the inspector.',
  },
  {
    id: 'secondary',
    term: 'secondary TLB (device)',
    words: ['secondary TLB', 'IOTLB'],
    meaning:
      'A device (an IOMMU doing shared virtual addressing, a GPU) that walks a process\'s page tables itself and caches translations in its own TLB. The CPU\'s flushes do not reach it: it hears of changes only through mmu_notifier callbacks, which must come before the page they concern is freed.',
    kernel: 'mmu_notifier_invalidate_range_start/end(), arch_invalidate_secondary_tlbs() (mm/mmu_notifier.c, include/linux/mmu_notifier.h).',
    shown: 'Device lanes and device TLB grids.',
  },
];

const BY_ID = new Map(TERMS.map((t) => [t.id, t]));

export function termById(id: string): Term | undefined {
  return BY_ID.get(id);
}
