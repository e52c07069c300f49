/**
 * What the kernel tells the invariant checker as it happens: facts ("this page is being freed", "mm_count of M was
 * just decremented"), never judgements. The checker (invariants/index.ts) judges each one in its own module of
 * invariants/ (invariants/catalog.ts says which invariant is judged when). Kernel code calls these through `k.inv`;
 * a replay (timeline seek) passes `NO_CHECKS`, as its findings were recorded by the run.
 */
import type { CpuId, DeviceId, DeviceTlbEntry, MmId, PageId, TlbEntry } from '../model/types.ts';
import type { InvariantHooks, Kernel } from './kernel.ts';

export interface KernelEvents {
  /** CPU c uses TLB entry e for a real (non-speculative) load or store. */
  tlbUse(k: Kernel, c: CpuId, e: TlbEntry, write: boolean): void;
  /**
   * A page walk on CPU c went through page-table page `table`, which had been freed (its walk stopped there);
   * `software` names a software walker (GUP-fast) rather than the MMU.
   */
  walkThroughFreed(k: Kernel, c: CpuId, table: PageId, speculative: boolean, software?: string): void;
  /** Device d uses its IOTLB entry e for an access to va. */
  deviceTlbUse(k: Kernel, d: DeviceId, e: DeviceTlbEntry, va: number, write: boolean): void;
  /** put_page(p) on CPU c just dropped the page's count. */
  pagePut(k: Kernel, c: CpuId, p: PageId): void;
  /** The allocator is asked to free page p (before anything changes). */
  pageFreeing(k: Kernel, c: CpuId, p: PageId): void;
  /** Page p was just freed (marked free, not yet on the free list). */
  pageFreed(k: Kernel, c: CpuId, p: PageId): void;
  /** A reference operation (`what`: mmgrab, mmdrop, mmput, mmget) is about to touch mm. */
  mmTouched(k: Kernel, mm: MmId, what: string): void;
  /** switch_mm_irqs_off on CPU c reads mm_cpumask(prev) (powerpc). */
  prevCpumaskRead(k: Kernel, c: CpuId, prev: MmId): void;
  /** mm_count of mm was just decremented on CPU c. */
  mmCountDropped(k: Kernel, c: CpuId, mm: MmId): void;
  /** mm_users of mm was just decremented on CPU c. */
  mmUsersDropped(k: Kernel, c: CpuId, mm: MmId): void;
  /** mmget(mm) on CPU c is about to take an mm_users reference. */
  mmGet(k: Kernel, c: CpuId, mm: MmId): void;
  /** __mmdrop's free_mm on CPU c is about to free mm. */
  mmFreeing(k: Kernel, c: CpuId, mm: MmId): void;
  /** cleanup_lazy_tlbs starts shooting down the lazy users of mm. */
  lazyShootdown(k: Kernel, mm: MmId): void;
  /** exit_mm on CPU c takes the task lock, with mm the exiting task's mm. */
  exitMm(k: Kernel, c: CpuId, mm: MmId): void;
  /** A flush of mm completed on its initiator c (`shortcut`: why remote CPUs were not flushed; gen: x86 tlb_gen). */
  flushCompleted(k: Kernel, c: CpuId, mm: MmId, shortcut: string | null, gen: number): void;
  /** A fullmm teardown of mm on CPU c flushes once up front (the 2012 patch). */
  fullmmUpfrontFlush(k: Kernel, c: CpuId, mm: MmId): void;
  /** membarrier on CPU c returns: it IPI'd `targets`, and `stores` were the CPUs' rq->curr store counts at its snapshot. */
  membarrierReturns(k: Kernel, c: CpuId, mm: MmId, targets: CpuId[], stores: number[]): void;
}

const nothing = (): void => {};

/** Hooks that check nothing (a replay). */
export const NO_CHECKS: InvariantHooks = {
  afterMicrostep: nothing,
  afterOperation: nothing,
  returnToUser: nothing,
  ipiDelivered: nothing,
  tlbUse: nothing,
  walkThroughFreed: nothing,
  deviceTlbUse: nothing,
  pagePut: nothing,
  pageFreeing: nothing,
  pageFreed: nothing,
  mmTouched: nothing,
  prevCpumaskRead: nothing,
  mmCountDropped: nothing,
  mmUsersDropped: nothing,
  mmGet: nothing,
  mmFreeing: nothing,
  lazyShootdown: nothing,
  exitMm: nothing,
  flushCompleted: nothing,
  fullmmUpfrontFlush: nothing,
  membarrierReturns: nothing,
};
