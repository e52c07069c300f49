/**
 * The engine's interface to an architecture (STYLE.md P5): what generic kernel code asks of the arch it runs on. Each
 * architecture (arch/) implements it; the engine and generic code know only this type, never an arch by name.
 *
 * Guarantees: decisions are pure (state in, answer out); hooks that change state are kernel functions made of
 * micro-steps, registered under `name@arch` (shown as `name`), so their interleavings can be watched.
 */
import type { Arch, Config, CpuId, Mm, MmId, SimState, TlbEntry } from '../model/types.ts';
import type { Kernel } from './kernel.ts';

/** The kernel release a variant's era is read at, and the names its code has there (ArchPolicy.era). */
export interface KernelEra {
  /** A release tag as the source browsers spell it, e.g. 'v6.12'. */
  version: string;
  /**
   * Names that differ in this era: a function (`fn`, registered name without @arch) or a label (`fn.label`) -> the
   * era's name. `until` and `at` match a label under its registered names and under these (Kernel.atLabel).
   */
  rename?: Readonly<Record<string, string>>;
  /**
   * Files that differ in this era: a function (registered name without @arch) -> the file it is defined in at this
   * release, where that is not the registered one (s390 2012: finish_arch_post_lock_switch is the generic empty
   * default of kernel/sched/sched.h).
   */
  src?: Readonly<Record<string, string>>;
}

/** A kind of arch-only trace event (ArchPolicy.traceEvidence). */
export type TraceEvidence = 'x86-only' | 'ipi-raise';

/**
 * A choice an arch's flush code made (which CPUs get the flush, which kind of flush), with the kernel condition that
 * made it: what the arch's pure decision functions return, and what the kernel records on the micro-step that took it
 * (Kernel.decided). Both texts are constants of the arch (a small set), never built from the state: the timeline
 * interns them.
 */
export interface Decision {
  /** What was decided, short: `skip`, `IPI`, `local only`, `tlbie broadcast`, ... */
  decision: string;
  /** The kernel condition, naming the kernel function or test, e.g. `is_lazy (should_flush_tlb)`. */
  reason: string;
}

/** A decision of the arch with the reason for it, as the kernel's comments give it. */
export interface Reasoned {
  value: boolean;
  why: string;
}

export interface ArchPolicy {
  name: Arch;
  /** Registered kernel-function names of the arch hooks. */
  fns: {
    /** switch_mm_irqs_off(prev, next): args { prev, next }. */
    switch_mm_irqs_off: string;
    /** enter_lazy_tlb(mm): args { mm }. */
    enter_lazy_tlb: string;
    /** flush_tlb_mm_range(mm, start, end, freed_tables): args { mm, start, end, freed_tables }; end < 0 means the whole mm. */
    flush_tlb_mm_range: string;
    /** The mmu_gather arch flush, tlb_flush(tlb): args { mm, start, end, freed_tables, fullmm }. */
    tlb_flush: string;
    /** Called from finish_task_switch after irqs are back on (s390 finish_arch_post_lock_switch); '' if none. */
    finish_arch_post_lock_switch: string;
  };
  /** The I8 mode a scenario on this arch gets when it does not say (docs/scenario-format.md, i8_mode). */
  defaultI8Mode: Config['i8_mode'];
  /** Does today's kernel on this arch select MMU_LAZY_TLB_SHOOTDOWN (and so drop the lazy refcount)? powerpc book3s64. */
  selectsLazyTlbShootdown: boolean;
  /** Per-CPU ASID slots the initial state needs (x86 cpu_tlbstate.ctxs[]: TLB_NR_DYN_ASIDS); 0 for none. */
  asidSlots: number;
  /**
   * Does a device that walks the CPU page tables attach as a coprocessor (powerpc nest MMU, mm_context_add_copro:
   * copros, and active_cpus raised once so no flush is local-only)?
   */
  sharedDeviceIsCopro: boolean;
  /** Whether the return to user mode is itself core-serialising (x86 with PTI; IRET-type returns). */
  returnSerializes(k: Kernel): boolean;
  /** I8 relaxed mode: is this leaf entry on CPU c tolerated when its page is freed ("speculation only")? */
  i8Tolerated(k: Kernel, c: CpuId, e: TlbEntry): boolean;
  /**
   * Is this entry under a tag the hardware cannot use again before flushing it (x86: a non-current PCID slot that is
   * behind its mm's tlb_gen, or was handed to another mm)? Such entries are tolerated by I8 and I9.
   */
  unusableTag(k: Kernel, c: CpuId, e: TlbEntry): boolean;
  /**
   * 6.6+: does the arch flush itself call mmu_notifier_arch_invalidate_secondary_tlbs (x86, arm64, powerpc)? For the
   * others the model keeps the generic call after the mmu_gather flush.
   */
  secondaryInFlush: boolean;
  /** x86's flush_tlb_mm(mm) is flush_tlb_mm_range(..., freed_tables = true): it reaches lazy CPUs too. */
  flushTlbMmFreesTables: boolean;
  /** Does the hardware cache page-table pointers (paging-structure / walk caches)? Software-refilled TLBs do not. */
  walkCache: boolean;
  /**
   * Which arch-only invariants apply: x86's cpu_tlbstate (loaded_mm, is_lazy, ASID slots with tlb_gen: I4's
   * LOADED_MM_SWITCHING rule, I5, I6), powerpc's PID and context.active_cpus (I10c). Default: neither.
   */
  invariants?: { cpuTlbstate?: boolean; activeCpus?: boolean };
  /**
   * CPU c is inside the arch's mm switch with interrupts off, past the point where it stopped being lazy, and compares
   * the flush generation of the mm before the hardware uses its translations again (x86: switch_mm_irqs_off, between
   * clearing is_lazy and the tlb_gen check or the next CR3 load). A flush that skipped it as lazy is still caught up:
   * I6's completion rule and I8's lazy exemption treat it as lazy.
   */
  switchingMm?(k: Kernel, c: CpuId): boolean;
  /**
   * Which arch-only events this arch's kernel writes to a trace (src-sim/trace/events.ts), for the trace importer to
   * tell a trace's arch: `x86-only` (tlb_flush, the irq-vector events), `ipi-raise` (arm/arm64's ipi_raise/ipi_entry).
   * Unset: neither.
   */
  traceEvidence?: TraceEvidence;
  /**
   * Does the arch select CONFIG_MMU_GATHER_RCU_TABLE_FREE (mmu_gather frees page-table pages after a sched-RCU grace
   * period, which protects lockless software walkers such as GUP-fast even where TLB invalidation sends no IPI)? With
   * the reason, for the UI. Unset: not selected. The knob `rcu_table_free` overrides it.
   */
  rcuTableFree?(k: Kernel): Reasoned;
  /**
   * A full barrier the arch's context switch gives after the rq->curr store on every switch, besides those its
   * switch_mm code executes itself (the membarrier comment in __schedule, kernel/sched/core.c): 'finish_lock_switch'
   * where spin_unlock is a full barrier (alpha, mips), 'switch_to' for arm64 (__switch_to's dsb(ish)). Unset: none.
   */
  switchBarrier?: 'finish_lock_switch' | 'switch_to';
  /**
   * The era the configuration selects: its release and its names (engine/era.ts). Unset: v6.12, today's names. With
   * `at` (an older release a knob of the configuration pins: era.ts eraOf), the era at that release, or the arch's own
   * one where the design it models did not exist yet at `at`.
   */
  era?(cfg: Readonly<Config>, at?: string): KernelEra;
  /** May CPU c's hardware speculatively walk and fill from its attached mm right now? */
  canSpeculate(k: Kernel, c: CpuId): boolean;
  /** Hook on every PTE clear of `mm` (s390: IPTE or deferred flush_mm). */
  pteClear?(k: Kernel, c: CpuId, mm: MmId, va: number, fullmm: boolean): void;
  /** Hook when a page-table page of `mm` is queued for freeing (s390: flush_mm). */
  pteFreeTlb?(k: Kernel, c: CpuId, mm: MmId): void;
  /** The arch's per-mm context worth showing (x86 ctx_id / tlb_gen, powerpc active_cpus), as label: value pairs. */
  mmDetail?(m: Readonly<Mm>, config: Readonly<Config>): Array<[string, string]>;
  /** Arch state the initial state needs beyond the generic one (arm64's ASID allocator with a bounded ASID space). */
  initState?(s: SimState): void;
  /** Why a configuration cannot run on this arch with this many CPUs (one line), or null. Checked at load time. */
  configError?(config: Readonly<Config>, cpus: number): string | null;
}
