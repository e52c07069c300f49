/**
 * The state model of docs/kernel-semantics.md §1, as plain data.
 *
 * Everything is arrays and plain objects indexed by small integer ids (a CPU's id is its number, a task's id its
 * index in `tasks`, ...), so that a state can be cloned, posted to the UI and printed as JSON unchanged. Names a user
 * wrote in the scenario (task "K", mm "M", page "A") are kept beside the ids for display.
 *
 * Field names follow the kernel (`active_mm`, `mm_users`, `loaded_mm`, `is_lazy`, `tlb_gen`, ...) so that a reader can
 * grep the kernel for anything shown on screen.
 *
 * The working state of a run is mutated in place by the micro-steps (the hot path must stay allocation-light);
 * snapshots handed out of the core are copies that share unchanged objects with earlier snapshots (see
 * model/clone.ts). No snapshot is ever mutated after it was handed out.
 */
import type { RadixMap } from './radix.ts';
import type { Tlb } from './tlb.ts';


export type CpuId = number;
export type TaskId = number;
export type MmId = number;
export type PageId = number;
export type DeviceId = number;

/** `init_mm`, the kernel-only mm: never freed, no user mappings. Always mm 0. */
export const INIT_MM: MmId = 0;
/** x86 `LOADED_MM_SWITCHING`: the sentinel `loaded_mm` holds inside the irqs-off window of switch_mm_irqs_off. */
export const LOADED_MM_SWITCHING: MmId = -1;
/** No page / no mm. */
export const NONE = -1;

export type Arch = 'x86' | 'powerpc' | 'arm64' | 's390' | 'mips' | 'alpha';

export type TaskState = 'running' | 'runnable' | 'dead';
export type MmState = 'live' | 'teardown' | 'dead' | 'freed';
export type PageKind = 'data' | 'pt';

/** A call frame of a kernel function in flight on a CPU (PlusCal's `stack[self]`). */
export interface Frame {
  fn: string;
  /** The label of the next micro-step to run in `fn`. */
  pc: string;
  /** Function-local variables: plain data only. */
  l: Record<string, unknown>;
  /** Label to continue at in the caller when this frame returns. */
  ret: string;
  /** True for the bottom frame of an interrupt (IPI) handler. */
  irq?: boolean;
}

/** The registered kernel function the IPI runs on its target (e.g. `flush_tlb_func@x86`). */
export type IpiKind = string;

export interface Ipi {
  /** Unique within a run; the sender waits on it. */
  id: number;
  kind: IpiKind;
  from: CpuId;
  /** Arguments for the handler (plain data). */
  args: Record<string, unknown>;
}

/** x86 `cpu_tlbstate.ctxs[]` slot. */
export interface AsidCtx {
  ctx_id: number;
  tlb_gen: number;
}

export interface TlbEntry {
  /** The hardware tag: x86 PCID slot, powerpc PID, arm64 ASID, s390 ASCE, mips ASID. */
  tag: number;
  /** Ghost: the mm whose page tables the entry was filled from. */
  mm: MmId;
  /** Virtual page number (leaf) or region number (walk-cache). */
  va: number;
  /** Leaf: the data page mapped. Walk-cache: the page-table page cached. */
  page: PageId;
  walk: boolean;
  write: boolean;
  /** Ghost: filled by a speculative walk rather than a real access. */
  speculative: boolean;
  /** Ghost: the page's reuse count when the entry was filled (a different count now: the frame was freed and reused). */
  gen: number;
}

export interface Cpu {
  id: CpuId;
  /**
   * The trace time (seconds) of the latest step with a `time` this CPU ran: the model's jiffies on this CPU. Unset
   * until such a step (hand-written scenarios never set it).
   */
  now?: number;
  /** `rq->curr`. */
  curr: TaskId;
  /** Whether `curr` executes user code (only meaningful with no kernel operation in flight). */
  mode: 'user' | 'kernel';
  /** Depth of local_irq_disable nesting; IPIs are held while > 0. */
  irqs_off: number;
  /** `rq->prev_mm`. */
  prev_mm: MmId;
  /** `rq->membarrier_state`. */
  membarrier_state: number;
  /** The mm whose user page tables the hardware may walk right now (x86 `loaded_mm`, ppc PID, arm64 TTBR0, s390 CR7, mips ASID). */
  loaded_mm: MmId;
  /** The tag currently in the hardware (x86 loaded_mm_asid as slot, PID, ASID, ASCE). */
  tag: number;
  /** x86 `cpu_tlbstate_shared.is_lazy`. */
  is_lazy: boolean;
  /** x86 `cpu_tlbstate.ctxs[]` (6 dynamic ASID slots); empty on other arches. */
  ctxs: AsidCtx[];
  /** x86 `cpu_tlbstate.next_asid`. */
  next_asid: number;
  /**
   * mips/sh: this CPU's ASID per mm (`cpu_context(cpu, mm)`); alpha: its ASN (`mm->context[cpu]`); 0 = none; and the
   * per-CPU ASID allocator, the next ASID to hand out (`asid_cache(cpu) + 1`). With a bounded ASID space
   * (`config.asid_bits`, mips) both hold the kernel's value, version << asid_bits | ASID; unbounded, the version is 0
   * and never changes.
   */
  asid_of: Record<number, number>;
  asid_next: number;
  /**
   * With a bounded ASID space: the generation (arm64) or version (mips) of the ASID loaded in `tag`, i.e. the upper
   * bits of the context id it came from (0: unbounded, or init_mm's reserved ASID 0).
   */
  asid_gen: number;
  /**
   * arm64 with a bounded ASID space: this CPU's `active_asids` and `reserved_asids` (arch/arm64/mm/context.c), as the
   * kernel holds them: generation << asid_bits | ASID, 0 = none. A rollover zeroes every CPU's active_asids and keeps
   * the old value (or, if it was already 0, the previous reserved one) as reserved_asids. 0 when unbounded.
   */
  active_asids: number;
  reserved_asids: number;
  /** s390: lowcore user_asce (the mm to load into CR7 on return to user). */
  user_asce: MmId;
  /** The TLB and walk cache, indexed by tag and address (model/tlb.ts); a snapshot shows it as a list in fill order. */
  tlb: Tlb;
  /** Pending cross-calls, held while irqs are off. */
  ipi_queue: Ipi[];
  /** The kernel operation in flight (call stack), bottom first. Interrupt handlers sit on top. */
  stack: Frame[];
  /** What the operation at the bottom of the stack is doing. */
  op: 'none' | 'running' | 'paused' | 'blocked';
  /** The `until` label the operation pauses at, if any. */
  until: string;
  /** Ghost for membarrier I12: rq->curr changed to a user task of another mm since the last return to user, and no core-serialising event since. */
  needs_core_sync: boolean;
  /** Ghost for I12b: a core-serialising event happened since the last rq->curr store. */
  serialized_since_curr_store: boolean;
  /** Ghost for I12c: how many times rq->curr was stored on this CPU. */
  curr_stores: number;
  /** Ghost for I14: active_mm / mm of curr were updated but hw state not yet (or vice versa). */
  mid_switch: boolean;
  /** Full memory barriers this CPU executed (smp_mb or an instruction that implies one; kernel/barrier.ts): a count. */
  full_mb: number;
  /** Ghost for I12c: `curr_stores` when this CPU last executed a full barrier (less than `curr_stores`: none since the last rq->curr store). */
  mb_stores: number;
  /**
   * Ghost for I12c: the last return to user code with no full barrier since the rq->curr store before it: that store's
   * number, `mb_stores` then, and the mm entered; null if every return so far followed a barrier.
   */
  unordered_entry: { store: number; mb: number; mm: MmId } | null;
  /**
   * RCU callbacks queued on this CPU (call_rcu) whose grace period has not ended: batches of page-table pages
   * (kernel/rcu.ts). Replaced, never written in place.
   */
  rcu_cbs: RcuCallback[];
}

/**
 * A call_rcu(tlb_remove_table_rcu) in flight: the page-table pages of an mmu_gather batch, freed once every CPU that
 * had interrupts off when it was queued has been seen with interrupts on (sched-RCU, simplified: kernel/rcu.ts).
 */
export interface RcuCallback {
  mm: MmId;
  tables: PageId[];
  /** CPUs that have not passed a quiescent state since the callback was queued. */
  waiting: CpuId[];
  /** Where it was queued, for messages (`CPU1 in tlb_flush_mmu › tlb_flush_mmu_free`). */
  queued_by: string;
}

export interface Task {
  id: TaskId;
  name: string;
  kthread: boolean;
  /** Idle task of a CPU (swapper/N) or -1. */
  idle_of: CpuId;
  mm: MmId;
  active_mm: MmId;
  state: TaskState;
  /** CPU it runs on or last ran on, -1 if never ran. */
  cpu: CpuId;
}

export interface Pte {
  page: PageId;
  write: boolean;
}

export interface Mm {
  id: MmId;
  name: string;
  mm_users: number;
  mm_count: number;
  state: MmState;
  /** The top-level page-table page (freed by __mmdrop's free pgd). */
  pgd: PageId;
  /**
   * Leaf page table: virtual page number -> PTE, as a persistent radix map (model/radix.ts) whose leaf tables are the
   * PTE-table pages' 512 slots: read with `rget(m.pte, vpn)`, write only through kernel/memory.ts and
   * kernel/mmap.ts, which copy the one path they change.
   */
  pte: RadixMap<Pte>;
  /** Page-table pages hooked into the pgd, by region (a region is one PTE-table page's span); a radix map too. */
  pt: RadixMap<PageId>;
  /** mm_cpumask, one flag per CPU. */
  cpumask: boolean[];
  /** x86 context.ctx_id (never reused) and context.tlb_gen. */
  ctx_id: number;
  tlb_gen: number;
  /**
   * arm64 `mm->context.id` with a bounded ASID space: generation << asid_bits | ASID, 0 until the mm first gets one.
   * Unbounded (the default) it stays 0 and the mm's ASID is its ctx_id, for ever.
   */
  context_id: number;
  /**
   * x86 with x86_invlpgb: context.global_asid (a PCID beyond the dynamic slots, the same on every CPU; flushed by
   * INVLPGB broadcasts) and context.asid_transition (CPUs may still run the mm on a dynamic slot). Unset: none.
   */
  global_asid?: number;
  asid_transition?: boolean;
  /**
   * With step times (a trace import): when the mm was made, in trace seconds (the creating CPU's `now`; an mm that
   * exists before the first timed step counts as made then). Unset without step times.
   */
  created_at?: number;
  /** x86 with x86_trim_cpumask_clock: context.next_trim_cpumask (trace seconds), once the mm's first flush asked. */
  next_trim_cpumask?: number;
  /** powerpc context.active_cpus and copros. */
  active_cpus: number;
  copros: number;
  /** s390 context.flush_mm. */
  flush_mm: boolean;
  membarrier_state: number;
  /** mmu_gather-s in flight (inc/dec_tlb_flush_pending). */
  tlb_flush_pending: number;
  /** Devices subscribed through mmu_notifier. */
  notifiers: DeviceId[];
  /** Ghost for I2: the collective "users" mm_count reference, held from mm_init until __mmput's final mmdrop. */
  users_ref: boolean;
  /** Ghost for I2: explicit mmgrab pins taken by scenario operations. */
  extra_pins: number;
  /** Ghost: __mmdrop ran (I1: exactly once). */
  mmdropped: boolean;
  /** Ghost for I7/I11: PTE changes (va -> old page) whose TLB flush has not completed (a radix map). */
  unflushed: RadixMap<PageId>;
  /** Ghost for I13a: PTE changes (va -> old page) not yet invalidated in the secondary MMUs (a radix map). */
  sec_unflushed: RadixMap<PageId>;
  /** Ghost for I9: page-table pages unhooked from this mm and not yet freed. */
  unhooked: PageId[];
}

export interface Page {
  id: PageId;
  name: string;
  kind: PageKind;
  refcount: number;
  freed: boolean;
  /** How many times the frame was handed out again after being freed. */
  reused: number;
  /** Ghost: who the current contents belong to (`mm M va 0x..`, `page table of M`, or another owner after reuse). */
  owner: string;
  /** For a PTE-table page: the region of the mm it maps (-1 for data pages and pgds). */
  region: number;
  /** Ghost for I9: CPUs that could still hold a walk through this page-table page since it was unhooked. */
  may_walk: number[];
  /** Ghost, for messages: who freed the frame last (`CPU1 in tlb_flush_mmu › tlb_flush_mmu_free`); '' if never. */
  freed_by: string;
  /**
   * The reverse map (the kernel's anon_vma / i_mmap, mm/rmap.c): every PTE that maps this frame, as flat pairs
   * [mm, va, mm, va, ...] in no particular order. Kept by the PTE writers (model/rmap.ts) so that reclaim visits only
   * the page's own mappings; it mirrors the PTEs exactly (a freed or reused frame keeps the PTEs still pointing at it).
   * Replaced, never written in place.
   */
  rmap: number[];
}

/** A device's IOTLB entry as a snapshot shows it (filed in the IOTLB as a leaf TlbEntry under tag 0, model/tlb.ts). */
export interface DeviceTlbEntry {
  va: number;
  page: PageId;
  write: boolean;
  /** Ghost: the page's reuse count when the entry was filled. */
  gen: number;
}

export interface Device {
  id: DeviceId;
  name: string;
  kind: 'shared' | 'shadow';
  mm: MmId;
  /** The IOTLB: leaf entries under tag 0, indexed by address (model/tlb.ts); a snapshot shows it as a list in fill order. */
  tlb: Tlb;
  /** Open invalidate_range_start ranges (shadow kind): [start, end) in pages. */
  inflight: Array<[number, number]>;
  released: boolean;
}

export interface Config {
  /** CONFIG_MMU_LAZY_TLB_REFCOUNT. */
  lazy_tlb_refcount: boolean;
  /** CONFIG_MMU_LAZY_TLB_SHOOTDOWN. */
  lazy_tlb_shootdown: boolean;
  /** context_switch era: 'v6' (lazy reference transferred kthread to kthread) or 'v4' (always grab on switch to kernel). */
  context_switch_era: 'v4' | 'v6';
  /** Which use_mm: 'kthread_use_mm' (6.x: irqs off), or the old 'use_mm' (no irqs-off bracket). */
  use_mm: 'kthread_use_mm' | 'use_mm';
  /** Andrea's 2020 fix: use_mm/unuse_mm take and drop an mm_users reference. */
  use_mm_takes_mmget: boolean;
  /**
   * x86 era: 'v4.20' and later (lazy CPUs skipped by flushes except freed_tables; tlb_gen catch-up), 'v4.14' (lazy
   * CPUs switched to init_mm by any flush), 'v3' (the 2012 design, read at 3.10: 4.14's behaviour without PCID, with
   * 3.x names: switch_mm, flush_tlb_others, load_cr3), or 'v6.14' (4.20 plus the lazy mm_cpumask: switching away leaves the
   * CPU in the old mm's mask; should_flush_tlb decides per CPU; a flush that finds the CPU elsewhere clears its bit).
   */
  x86_lazy: 'v4.20' | 'v4.14' | 'v6.14' | 'v3';
  /**
   * x86 with x86_lazy 'v6.14': the model's stand-in for should_trim_cpumask's once a second. A flush whose generation
   * (the mm's tlb_gen after inc_mm_tlb_gen) is a multiple of this number trims the mask; 0: never.
   */
  x86_trim_cpumask_every: number;
  /**
   * x86 with x86_lazy 'v6.14': trim by the steps' trace time instead (should_trim_cpumask with jiffies): an mm trims at
   * its first flush more than a second after it was made or last trimmed (mm.context.next_trim_cpumask). Replaces
   * x86_trim_cpumask_every; without step times nothing trims.
   */
  x86_trim_cpumask_clock: boolean;
  /**
   * x86 AMD INVLPGB broadcast TLB flushes (6.15+, CONFIG_BROADCAST_TLB_FLUSH on a CPU with INVLPGB): an mm active on
   * more than x86_global_asid_cpus CPUs gets a global ASID; its flushes are broadcast in hardware, with no IPI.
   */
  x86_invlpgb: boolean;
  /** consider_global_asid's threshold: "active on more than this many CPUs" (the kernel's 3: 4 or more CPUs). */
  x86_global_asid_cpus: number;
  /** x86: whether freed_tables forces IPIs to lazy CPUs (the 4.20 exception). */
  x86_freed_tables_ipi: boolean;
  /** x86 PCID: with it 6 ASID slots, without it one and every CR3 load flushes. */
  pcid: boolean;
  /** powerpc era: 'v6' (IPI handler flushes even when current->mm == M, each CPU trims only itself) or 'pre2020' (T2 bug surface). */
  ppc_lazy_flush: 'v6' | 'pre2020';
  /** powerpc exit-time (fullmm) flush with lazy shootdown: '6.6' runs exit_flush_lazy_tlbs first (e43c0a0c3c28); '6.4' (6.4–6.5) does not. */
  ppc_exit_flush: '6.6' | '6.4';
  /** Peter Zijlstra's 2012 patch: flush once up front in tlb_gather_mmu(fullmm) and skip the later flush. */
  fullmm_upfront_flush: boolean;
  /**
   * CONFIG_MMU_LAZY_TLB_REFCOUNT=n: does mmdrop_lazy_tlb(_sched) keep its smp_mb() (include/linux/sched/mm.h; what
   * finish_task_switch relies on for membarrier when it switches kernel -> user)? false removes it, to show what it protects.
   */
  lazy_tlb_drop_mb: boolean;
  /** Where the membarrier SYNC_CORE for lazy re-entry lives: 'scheduler' (finish_task_switch), 'arch' (Andy's RFC: in switch_mm_irqs_off's no-CR3-write lazy re-entry), 'none' (half-applied RFC). */
  membarrier_sync_core: 'scheduler' | 'arch' | 'none';
  /**
   * mmu_notifier era: 'v4.13' (4.13-6.5: invalidate_range called by generic code after the CPU flush; in
   * try_to_unmap_one after put_page, relying on the caller's page reference) or 'v6.6' (arch_invalidate_secondary_tlbs
   * called from the arch TLB flush itself, on x86, arm64 and powerpc).
   */
  mmu_notifier: 'v4.13' | 'v6.6';
  /** Whether the caller of try_to_unmap holds a page reference (the assumption the 2017 thread rests on). */
  reclaim_caller_pins_page: boolean;
  /** COW: 'clear_flush_notify' (clear PTE, invalidate secondary TLB, set new PTE) or 'set_then_notify' (the broken order). */
  cow_notify: 'clear_flush_notify' | 'set_then_notify';
  /** Speculative TLB fills: 'any-time' (whenever the mm is attached, even in kernel mode) or 's390-2012' (only in the mode that uses the mm). */
  speculative_fill: 'any-time' | 's390-2012';
  /** s390 page-table freeing rule: '2016' (batched, flush before free, kernel ASCE when CR7 may be stale) or '2012'. */
  s390_rule: '2012' | '2016';
  /** x86 PTI: sync_core_before_usermode is a no-op because the return path serialises. */
  pti: boolean;
  /** I8 mode: 'strict' or 'x86-lazy-relaxed' (leaf entries on lazy CPUs are tolerated). */
  i8_mode: 'strict' | 'x86-lazy-relaxed';
  /**
   * CONFIG_MMU_GATHER_RCU_TABLE_FREE: 'arch' (what the arch selects today: ArchPolicy.rcuTableFree), 'on' (page-table
   * pages freed after a sched-RCU grace period), 'off' (freed right after the TLB flush, like data pages).
   */
  rcu_table_free: 'arch' | 'on' | 'off';
  /**
   * tlb_remove_table() era, with RCU table freeing: 'v4.19' (Peter Zijlstra's August 2018 fixes: no mm_users shortcut;
   * the batch-allocation fallback invalidates the TLBs before its IPI) or 'pre-4.19' (mm_users < 2 frees at once, no
   * flush; the fallback IPIs and frees without invalidating).
   */
  tlb_remove_table: 'v4.19' | 'pre-4.19';
  /** The mmu_table_batch page allocation (GFP_NOWAIT) fails: every table takes tlb_remove_table_one's fallback. */
  table_batch_alloc_fails: boolean;
  /**
   * Bounded ASID space, arm64 and mips: 2^asid_bits ASIDs, with generation (arm64) / version (mips) rollover. 0 (the
   * default): unbounded, as before (arm64: one ASID per mm for ever; mips: a per-CPU counter that never wraps).
   */
  asid_bits: number;
  /** arm64 with a bounded ASID space: a rollover keeps each CPU's active ASID reserved (flush_context). false: it does not. */
  arm64_reserved_asids: boolean;
  /** arm64 with a bounded ASID space: a rollover sets every CPU in tlb_flush_pending (flush_context). false: it does not. */
  arm64_tlb_flush_pending: boolean;
}

/**
 * arm64's global ASID allocator (arch/arm64/mm/context.c), present with a bounded ASID space only. Replaced, never
 * written in place.
 */
export interface AsidAlloc {
  /** `asid_generation`, as the kernel holds it: generation << asid_bits (the first generation is 1). */
  asid_generation: number;
  /** `asid_map`: the ASIDs taken in this generation, sorted (ASID 0 is init_mm's reserved TTBR0 and never handed out). */
  asid_map: number[];
  /** new_context's `cur_idx`: where the search for a free ASID starts. */
  cur_idx: number;
  /** The `tlb_flush_pending` cpumask: set for every CPU by a rollover; a CPU flushes its TLB locally at its next slow-path switch. */
  tlb_flush_pending: boolean[];
}

/** Counters (docs/kernel-semantics.md §4, metrics that are not errors); the protocol's summary shows them as they are. */
export interface Counters {
  ipis: number;
  flushes: number;
  cr3Writes: number;
  coreSyncs: number;
  redundantCoreSyncs: number;
  mmCountAtomics: number;
}
export type CounterState = Counters;

export interface SimState {
  arch: Arch;
  config: Config;
  cpus: Cpu[];
  tasks: Task[];
  mms: Mm[];
  pages: Page[];
  /** Freed page frames, most recently freed last (the allocator reuses from the end). */
  free_list: PageId[];
  devices: Device[];
  /** Next x86 ctx_id / IPI id / mips ASID generation. */
  next_ctx_id: number;
  next_ipi_id: number;
  /** arm64's ASID allocator with a bounded ASID space (`config.asid_bits`); null otherwise. */
  asid_alloc: AsidAlloc | null;
  /** IPIs sent and not yet completed, by id -> target CPUs still to run the handler. */
  ipis_inflight: Record<number, CpuId[]>;
  counters: CounterState;
}

/** A CPU as a snapshot shows it: its TLB as a plain list of entries, in the order they were filled. */
export type CpuSnapshot = Omit<Cpu, 'tlb'> & { tlb: TlbEntry[] };
export type DeviceSnapshot = Omit<Device, 'tlb'> & { tlb: DeviceTlbEntry[] };
/** A snapshot handed to the UI: the state at the end of a micro-step, CPUs' TLBs and IOTLBs as lists. Never mutated. */
export type Snapshot = Omit<SimState, 'cpus' | 'devices'> & { cpus: CpuSnapshot[]; devices: DeviceSnapshot[] };
