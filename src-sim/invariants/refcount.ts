/**
 * I2: exact mm_count accounting, at quiescent points (no operation in flight on any CPU):
 *   mm_count(M) = [the collective users reference, held from mm_init until __mmput's final mmdrop]
 *               + #{tasks T : T.mm == NULL and T.active_mm == M}   (lazy users; with REFCOUNT only)
 *               + #{CPUs c : rq[c].prev_mm == M}                    (parked lazy references; with REFCOUNT only)
 *               + #{kthreads T : T.mm == M}                         (kthread_use_mm / use_mm references)
 *               + explicit mmgrab pins taken by the scenario
 * A mismatch is a leak or an underflow. init_mm is not checked (it is never freed).
 */
import type { Kernel } from '../engine/kernel.ts';
import { INIT_MM, NONE, type MmId } from '../model/types.ts';

export function expectedMmCount(k: Kernel, mm: MmId): { expected: number; parts: string } {
  const s = k.s;
  const m = s.mms[mm];
  const counted = s.config.lazy_tlb_refcount || s.config.context_switch_era === 'v4';
  let lazy = 0;
  let use = 0;
  let parked = 0;
  for (const t of s.tasks) {
    if (t.mm === NONE && t.active_mm === mm) lazy++;
    else if (t.kthread && t.mm === mm) use++;
  }
  for (const c of s.cpus) if (c.prev_mm === mm) parked++;
  const users = m.users_ref ? 1 : 0;
  const expected = users + (counted ? lazy + parked : 0) + use + m.extra_pins;
  const parts = `users ${users} + lazy ${counted ? lazy : 0} + rq->prev_mm ${counted ? parked : 0} + use_mm ${use} + pins ${m.extra_pins}`;
  return { expected, parts };
}

export function checkMmCount(k: Kernel, mm: MmId): void {
  if (mm === INIT_MM) return;
  const m = k.s.mms[mm];
  if (m.state === 'freed') return;
  const { expected, parts } = expectedMmCount(k, mm);
  if (m.mm_count !== expected) {
    const kind = m.mm_count < expected ? 'underflow (a reference was dropped twice)' : 'leak (a reference was never dropped)';
    k.violation('I2', [], [m.name], `${m.name}: mm_count is ${m.mm_count}, expected ${expected} = ${parts}: ${kind}`);
  }
}

let scratch = new Int32Array(64);

/** I2 for several mms at once: one pass over tasks and CPUs. */
export function checkMmCounts(k: Kernel, mms: Set<MmId>): void {
  const s = k.s;
  const counted = s.config.lazy_tlb_refcount || s.config.context_switch_era === 'v4';
  if (scratch.length < s.mms.length) scratch = new Int32Array(s.mms.length * 2);
  const refs = scratch;
  refs.fill(0, 0, s.mms.length);
  for (const t of s.tasks) {
    if (t.mm === NONE) {
      if (counted && t.active_mm >= 0) refs[t.active_mm]++;
    } else if (t.kthread) refs[t.mm]++;
  }
  if (counted) for (const c of s.cpus) if (c.prev_mm >= 0) refs[c.prev_mm]++;
  for (const mm of mms) {
    const m = s.mms[mm];
    if (mm === INIT_MM || m.state === 'freed') continue;
    if (m.mm_count !== refs[mm] + (m.users_ref ? 1 : 0) + m.extra_pins) checkMmCount(k, mm);
  }
}
