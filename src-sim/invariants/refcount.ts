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

/**
 * An independent recount of the references I2 expects, kept up to date from the objects each micro-step wrote (its
 * dirty tasks and CPUs), so that checking I2 costs O(1) per mm instead of a pass over every task.
 */
export class RefTracker {
  private refs: Int32Array;
  private taskRef: Int32Array;
  private cpuRef: Int32Array;
  private ready: boolean;
  /**
   * Whether the three arrays above are shared with a clone (or the original): each side copies them before its first
   * write (`own`); most moves of the explorer move no reference.
   */
  private shared: boolean;

  /** Empty, or a copy of `from` sharing its arrays (built once rather than built empty and replaced). */
  constructor(from?: RefTracker) {
    this.refs = from ? from.refs : new Int32Array(16);
    this.taskRef = from ? from.taskRef : new Int32Array(16).fill(-1);
    this.cpuRef = from ? from.cpuRef : new Int32Array(16).fill(-1);
    this.ready = from ? from.ready : false;
    this.touched = from ? from.touched.slice() : [];
    this.shared = !!from;
  }

  /** A copy for another branch of an exploration (the recount is derived from the state; copying is cheaper). */
  clone(): RefTracker {
    this.shared = true;
    return new RefTracker(this);
  }

  /** Before a write to the arrays: copy them if they are shared. */
  private own(): void {
    if (!this.shared) return;
    this.shared = false;
    this.refs = this.refs.slice();
    this.taskRef = this.taskRef.slice();
    this.cpuRef = this.cpuRef.slice();
  }

  private counted(k: Kernel): boolean {
    return k.s.config.lazy_tlb_refcount || k.s.config.context_switch_era === 'v4';
  }

  /** The mm a task's fields make it hold a reference on (lazy or use_mm), or -1. */
  private taskHolds(k: Kernel, t: number): number {
    const task = k.s.tasks[t];
    if (task.mm === NONE) return this.counted(k) ? task.active_mm : -1;
    return task.kthread ? task.mm : -1;
  }

  private grow(k: Kernel): void {
    const s = k.s;
    if (this.refs.length < s.mms.length) {
      const r = new Int32Array(s.mms.length * 2);
      r.set(this.refs);
      this.refs = r;
    }
    if (this.taskRef.length < s.tasks.length) {
      const r = new Int32Array(s.tasks.length * 2).fill(-1);
      r.set(this.taskRef);
      this.taskRef = r;
    }
    if (this.cpuRef.length < s.cpus.length) this.cpuRef = new Int32Array(s.cpus.length).fill(-1);
  }

  /** Mms whose reference recount changed since the caller last took them (`takeTouched`). */
  readonly touched: number[];

  /** Task (`cpu` false) or CPU i now holds a reference on mm (-1: none). */
  private set(cpu: boolean, i: number, mm: number): void {
    const old = cpu ? this.cpuRef[i] : this.taskRef[i];
    if (old === mm) return;
    this.own();
    const arr = cpu ? this.cpuRef : this.taskRef;
    if (old >= 0) {
      this.refs[old]--;
      this.touched.push(old);
    }
    if (mm >= 0) {
      this.refs[mm]++;
      this.touched.push(mm);
    }
    arr[i] = mm;
  }

  update(k: Kernel): void {
    this.grow(k);
    if (!this.ready) {
      for (let t = 0; t < k.s.tasks.length; t++) this.set(false, t, this.taskHolds(k, t));
      for (const c of k.s.cpus) this.set(true, c.id, this.counted(k) ? c.prev_mm : -1);
      this.ready = true;
      return;
    }
    const { dirtyTasks, dirtyCpus } = k;
    for (let i = 0; i < dirtyTasks.n; i++) this.set(false, dirtyTasks.ids[i], this.taskHolds(k, dirtyTasks.ids[i]));
    if (this.counted(k)) for (let i = 0; i < dirtyCpus.n; i++) this.set(true, dirtyCpus.ids[i], k.s.cpus[dirtyCpus.ids[i]].prev_mm);
  }

  /** I2 for these mms; the detailed recount (expectedMmCount) only runs to explain a mismatch. */
  check(k: Kernel, mms: Iterable<MmId>): void {
    for (const mm of mms) if (!this.holds(k, mm)) checkMmCount(k, mm);
  }

  /** Whether I2's count matches for mm now (`check` would find nothing). */
  holds(k: Kernel, mm: MmId): boolean {
    const m = k.s.mms[mm];
    if (mm === INIT_MM || m.state === 'freed') return true;
    return m.mm_count === this.refs[mm] + (m.users_ref ? 1 : 0) + m.extra_pins;
  }
}
