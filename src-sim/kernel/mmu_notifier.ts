/**
 * mm/mmu_notifier.c and include/linux/mmu_notifier.h: secondary MMUs (IOMMU SVM with shared page tables; KVM/HMM-like
 * shadow page tables) and the device's own accesses.
 *
 * - shared: the device walks the CPU page tables at any time and caches translations in its IOTLB; it only learns
 *   of changes through invalidate_range (<= 6.5) / arch_invalidate_secondary_tlbs (6.6+).
 * - shadow: the device has its own SPTEs, dropped at invalidate_range_start; none may be created until _end.
 *
 * Shortcut, stated: the subscription's own mmgrab (mmu_notifier_register) is not modelled; devices are bound to
 * their mm from the start of the scenario.
 */
import { defineFn, RET } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import type { DeviceId, MmId } from '../model/types.ts';
import { rget } from '../model/radix.ts';
import { hex, iotlbDropAll, iotlbFill, iotlbFind, iotlbInvalidate } from './tlb_hw.ts';
import { invalidateSecondaryTlbs } from './tlbflush.ts';

/** invalidate_range_start: shadow subscribers drop their SPTEs and block new ones until _end. */
export function rangeStart(k: Kernel, mm: MmId, start: number, end: number): void {
  for (const d of k.s.mms[mm].notifiers) {
    const dev = k.s.devices[d];
    if (dev.kind !== 'shadow' || dev.released) continue;
    iotlbInvalidate(k, d, start, end);
    const w = k.device(d);
    w.inflight = w.inflight.concat([[start, end]]);
  }
}

/** invalidate_range_end: in 4.13-6.5 it also calls ->invalidate_range for shared subscribers (redundant, harmless). */
export function rangeEnd(k: Kernel, mm: MmId, start: number, end: number): void {
  for (const d of k.s.mms[mm].notifiers) {
    const dev = k.s.devices[d];
    if (dev.kind !== 'shadow' || dev.released) continue;
    const w = k.device(d);
    const i = w.inflight.findIndex(([s, e]) => s === start && e === end);
    if (i >= 0) w.inflight = w.inflight.filter((_, j) => j !== i);
  }
  if (k.s.config.mmu_notifier !== 'v6.6') invalidateSecondaryTlbs(k, mm, start, end);
}

/** mmu_notifier_release (from exit_mmap): every subscriber tears down its mappings and stops. */
export function mmuNotifierRelease(k: Kernel, mm: MmId): void {
  for (const d of k.s.mms[mm].notifiers) {
    iotlbDropAll(k, d);
    const w = k.device(d);
    w.inflight = [];
    w.released = true;
  }
}

/** The label the timeline records for a device access. */
export const deviceAccessFn = defineFn('device_access', 'device (IOMMU / secondary MMU)', {
  iotlb_lookup_or_walk: () => RET,
});

/**
 * A device access to `va` (DMA through the secondary MMU). A fault (nothing mapped, mm released, invalidation in
 * progress) is the device's normal answer, recorded as such, not an error of the scenario.
 * Checked here: using a translation to a freed page (I8 on the device side).
 */
export function deviceAccess(k: Kernel, d: DeviceId, va: number, write: boolean): void {
  const fault = deviceWalk(k, d, va, write);
  if (fault) k.warn('fault', [], [k.s.devices[d].name], fault);
}

function deviceWalk(k: Kernel, d: DeviceId, va: number, write: boolean): string | null {
  const dev = k.s.devices[d];
  const m = k.s.mms[dev.mm];
  if (dev.released) return `device ${dev.name}: ${m.name} was released (mmu_notifier_release); the access faults`;
  const e = iotlbFind(k, d, va);
  if (e) {
    k.inv.deviceTlbUse(k, d, e, va, write);
    return null;
  }
  if (dev.kind === 'shadow' && dev.inflight.some(([s, t]) => va >= s && va < t)) {
    return `device ${dev.name}: fault retried, an invalidation of ${hex(va)} is in progress`;
  }
  const pte = rget(m.pte, va);
  if (!pte) return `device ${dev.name}: nothing mapped at ${hex(va)} in ${m.name} (IOMMU fault)`;
  iotlbFill(k, d, va, pte.page, pte.write, k.s.pages[pte.page].reused);
  return null;
}
