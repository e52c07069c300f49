/**
 * Which CPU TLB entries cache each page frame, for the at-free check (invariants/at_free.ts: I8/I9 look at the entries
 * caching the freed page, not at every CPU's whole TLB); likewise, a second instance, which device IOTLB entries (I13a,
 * I8 on the device side), the owner being the device instead of the CPU.
 *
 * Derived data, not state: it is built from a working state's TLBs the first time that state needs it (O(entries),
 * once per working state: at the start of a run, or of a seek's replay), then kept in step by kernel/tlb_hw.ts, the
 * only code that fills or removes entries. Keeping it out of the state keeps snapshots and keyframes as they were: a
 * fill does not write the page it caches.
 */
import type { CpuId, DeviceId, PageId, SimState } from './types.ts';
import { tlbEach, type TlbCached } from './tlb.ts';

/** Entries by page, each with its owner (a CPU, or for the IOTLB index a device). */
export class TlbPages {
  private byPage = new Map<PageId, Array<[CpuId, TlbCached]>>();

  add(c: CpuId, e: TlbCached): void {
    const list = this.byPage.get(e.page);
    if (list) list.push([c, e]);
    else this.byPage.set(e.page, [[c, e]]);
  }

  remove(c: CpuId, e: TlbCached): void {
    const list = this.byPage.get(e.page)!;
    const i = list.findIndex((x) => x[1] === e && x[0] === c);
    if (i < 0) throw new Error(`page ${e.page}: no TLB entry of owner ${c} to forget`);
    list[i] = list[list.length - 1];
    list.pop();
    if (!list.length) this.byPage.delete(e.page);
  }

  /** The entries caching page p, with their owner, in no particular order. */
  of(p: PageId): ReadonlyArray<readonly [CpuId, TlbCached]> {
    return this.byPage.get(p) ?? [];
  }
}

const built = new WeakMap<SimState, TlbPages>();

/** The index of working state s (built from its TLBs on first use). */
export function tlbPagesOf(s: SimState): TlbPages {
  let x = built.get(s);
  if (!x) {
    x = new TlbPages();
    for (const cpu of s.cpus) tlbEach(cpu.tlb, (e) => x!.add(cpu.id, e));
    built.set(s, x);
  }
  return x;
}

const builtIo = new WeakMap<SimState, TlbPages>();

/** The IOTLB index of working state s, by device (built from the devices' IOTLBs on first use; kept by kernel/tlb_hw.ts). */
export function iotlbPagesOf(s: SimState): TlbPages {
  let x = builtIo.get(s);
  if (!x) {
    x = new TlbPages();
    for (const dev of s.devices) tlbEach(dev.tlb, (e) => x!.add(dev.id satisfies DeviceId, e));
    builtIo.set(s, x);
  }
  return x;
}
