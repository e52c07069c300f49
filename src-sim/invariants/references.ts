/**
 * Invariants judged as reference counts move (docs/kernel-semantics.md §4):
 * - I1  reference-count sanity: a page's refcount never goes below 0 and a page is freed once; an mm is not touched
 *       by a reference operation (nor its mm_cpumask read) after its mm_count reached 0; mm_count and mm_users never
 *       go below 0; mmget never takes mm_users from 0 (mmget_not_zero is required then); __mmdrop runs once;
 * - I15 init_mm's mm_count never reaches 0.
 * Called from kernel/pages.ts and kernel/sched_mm.ts (and arch/powerpc.ts) through the events of engine/events.ts.
 */
import type { Kernel } from '../engine/kernel.ts';
import { INIT_MM, type CpuId, type MmId, type PageId } from '../model/types.ts';

export function pagePut(k: Kernel, c: CpuId, p: PageId): void {
  const pg = k.s.pages[p];
  if (pg.refcount < 0) k.violation('I1', [c], [pg.name], `page ${pg.name}: refcount underflow`);
}

export function pageFreeing(k: Kernel, c: CpuId, p: PageId): void {
  const pg = k.s.pages[p];
  if (pg.freed) k.violation('I1', [c], [pg.name], `page ${pg.name} freed twice`);
}

/** Nothing but the final free may touch an mm whose mm_count reached zero. */
export function mmTouched(k: Kernel, mm: MmId, what: string): void {
  const m = k.s.mms[mm];
  if (m.state === 'freed' || (m.mm_count <= 0 && mm !== INIT_MM)) {
    k.violation('I1', [], [m.name], `${what}(${m.name}) on an mm whose mm_count already reached 0 (use after free)`);
  }
}

export function prevCpumaskRead(k: Kernel, c: CpuId, prev: MmId): void {
  if (prev > INIT_MM && k.s.mms[prev].state === 'freed') {
    k.violation('I1', [c], [k.mmName(prev)], `switch_mm_irqs_off reads mm_cpumask(prev) of ${k.mmName(prev)}, which has been freed`);
  }
}

export function mmCountDropped(k: Kernel, c: CpuId, mm: MmId): void {
  const m = k.s.mms[mm];
  if (m.mm_count < 0) k.violation('I1', [c], [m.name], `mm_count underflow on ${m.name}`);
  if (m.mm_count === 0 && mm === INIT_MM) k.violation('I15', [c], [m.name], 'init_mm.mm_count reached 0');
}

export function mmUsersDropped(k: Kernel, c: CpuId, mm: MmId): void {
  const m = k.s.mms[mm];
  if (m.mm_users < 0) k.violation('I1', [c], [m.name], `mm_users underflow on ${m.name}`);
}

export function mmGet(k: Kernel, c: CpuId, mm: MmId): void {
  const m = k.s.mms[mm];
  if (m.mm_users === 0) k.violation('I1', [c], [m.name], `mmget(${m.name}) with mm_users already 0: the address space is being torn down (mmget_not_zero is required here)`);
}

export function mmFreeing(k: Kernel, c: CpuId, mm: MmId): void {
  const m = k.s.mms[mm];
  if (m.mmdropped) k.violation('I1', [c], [m.name], `__mmdrop(${m.name}) ran twice`);
}
