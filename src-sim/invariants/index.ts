/**
 * The invariant checker: the hooks the interpreter calls after every micro-step, after every operation and on every
 * return to user mode, and the kernel's events (engine/events.ts). Event invariants (I1 and I15 as counts move, I7,
 * I8, I9, I10b, I11, I12c, I13a at free, I16) are judged inside the micro-step where the event happens, each in its
 * module (references.ts, access.ts, at_free.ts, flush.ts, exit.ts, membarrier.ts); invariants/catalog.ts lists when
 * each invariant is judged.
 */
import type { InvariantHooks, Kernel } from '../engine/kernel.ts';
import type { CpuId, DeviceId, DeviceTlbEntry, MmId, PageId, TlbEntry } from '../model/types.ts';
import { SYNC_CORE_REGISTERED } from '../kernel/membarrier.ts';
import { checkAccess, deviceTlbUse, walkThroughFreed } from './access.ts';
import { checkPageFree } from './at_free.ts';
import { exitMm, lazyShootdown } from './exit.ts';
import { checkFlushCompleted, checkFullmmExclusive } from './flush.ts';
import { membarrierReturns } from './membarrier.ts';
import { RefTracker } from './refcount.ts';
import * as refs from './references.ts';
import { StateChecker, checkIpiDelivery } from './state.ts';

/** What a checker holds that decides what it reports later (Checker.futureKey): sorted; read, never written. */
export interface FutureKey {
  readonly standing: readonly number[];
  readonly i2Due: readonly MmId[];
}
const NO_FUTURE: FutureKey = Object.freeze({ standing: Object.freeze([]), i2Due: Object.freeze([]) });

export class Checker implements InvariantHooks {
  private state: StateChecker;
  /** Mms whose I2 accounting waits for a quiescent point. */
  private pendingI2: Set<MmId>;
  /** Whether pendingI2 is shared with a clone (or the original): each side copies it before its first write. */
  private pendingShared: boolean;
  private refs: RefTracker;

  /** Empty, or a copy of `from` (see `clone`). */
  constructor(from?: Checker) {
    this.state = from ? from.state.clone() : new StateChecker();
    this.pendingI2 = from ? from.pendingI2 : new Set();
    this.pendingShared = !!from;
    this.refs = from ? from.refs.clone() : new RefTracker();
  }

  /** A copy for another branch of an exploration (explore/state.ts). */
  clone(): Checker {
    this.pendingShared = true;
    return new Checker(this);
  }

  /** Mm is due for the I2 recount at the next quiescent point. */
  private pend(mm: MmId): void {
    if (this.pendingShared) {
      if (this.pendingI2.has(mm)) return;
      this.pendingI2 = new Set(this.pendingI2);
      this.pendingShared = false;
    }
    this.pendingI2.add(mm);
  }

  /**
   * What this checker (with the engine's mms of the operations in flight) holds that the state does not and that
   * changes what it will report: the violations standing (reported again only once they stopped), and the mms whose I2
   * recount is due at the next quiescent point and whose count does not match now. Sorted. A due mm whose count
   * matches now is left out: the recount would report it only after a change to its count or to a reference to it,
   * and any such change makes it due again (a write to the mm notes it in the operation's mms, a reference moving
   * notes it here), so from here on it is reported exactly when it would be had it not been due (docs/engine.md).
   */
  futureKey(k: Kernel): FutureKey {
    // the explorer asks at every state: most have none of either (nothing is made for them)
    let due: MmId[] | null = null;
    if (this.pendingI2.size) for (const mm of this.pendingI2) if (!this.refs.holds(k, mm)) (due ??= []).push(mm);
    for (let i = 0; i < k.opMms.n; i++) {
      const mm = k.opMms.ids[i];
      if (!this.pendingI2.has(mm) && !this.refs.holds(k, mm)) (due ??= []).push(mm);
    }
    if (due === null && !this.state.anyStanding()) return NO_FUTURE;
    return { standing: this.state.standingKeys(), i2Due: due ? due.sort((a, b) => a - b) : NO_FUTURE.i2Due };
  }

  afterMicrostep(k: Kernel): void {
    this.refs.update(k);
    // A reference can move through task fields alone (no write to the mm): its mm is due for I2 too.
    if (this.refs.touched.length) {
      for (const mm of this.refs.touched) this.pend(mm);
      this.refs.touched.length = 0;
    }
    this.state.afterMicrostep(k);
  }

  afterOperation(k: Kernel): void {
    for (let i = 0; i < k.opMms.n; i++) this.pend(k.opMms.ids[i]);
    if (k.busyCpus > 0) return; // not quiescent: another operation is in flight
    if (this.pendingI2.size) {
      this.refs.check(k, this.pendingI2);
      if (this.pendingShared) {
        this.pendingI2 = new Set();
        this.pendingShared = false;
      } else this.pendingI2.clear();
    }
  }

  /** I12a: returning to user code of an mm registered for SYNC_CORE after rq->curr's mm changed needs a serialising event. */
  returnToUser(k: Kernel, c: CpuId): void {
    const cpu = k.s.cpus[c];
    if (!cpu.needs_core_sync) return;
    const t = k.s.tasks[cpu.curr];
    const m = k.s.mms[t.mm];
    if (m.membarrier_state & SYNC_CORE_REGISTERED && !cpu.serialized_since_curr_store) {
      k.violation('I12a', [c], [m.name, t.name],
        `${t.name} returns to user mode on CPU${c} after rq->curr changed to a thread of ${m.name} (registered for SYNC_CORE) with no core-serialising instruction since: a concurrent membarrier(SYNC_CORE) skipped this CPU`);
    }
  }

  ipiDelivered(k: Kernel, c: CpuId, kind: string): void {
    checkIpiDelivery(k, c, kind);
  }

  // ---- the kernel's events ----

  tlbUse(k: Kernel, c: CpuId, e: TlbEntry, write: boolean): void {
    checkAccess(k, c, e, write);
  }
  walkThroughFreed(k: Kernel, c: CpuId, table: PageId, speculative: boolean, software?: string): void {
    walkThroughFreed(k, c, table, speculative, software);
  }
  deviceTlbUse(k: Kernel, d: DeviceId, e: DeviceTlbEntry, va: number, write: boolean): void {
    deviceTlbUse(k, d, e, va, write);
  }
  pagePut(k: Kernel, c: CpuId, p: PageId): void {
    refs.pagePut(k, c, p);
  }
  pageFreeing(k: Kernel, c: CpuId, p: PageId): void {
    refs.pageFreeing(k, c, p);
  }
  pageFreed(k: Kernel, c: CpuId, p: PageId): void {
    checkPageFree(k, p, c);
  }
  mmTouched(k: Kernel, mm: MmId, what: string): void {
    refs.mmTouched(k, mm, what);
  }
  prevCpumaskRead(k: Kernel, c: CpuId, prev: MmId): void {
    refs.prevCpumaskRead(k, c, prev);
  }
  mmCountDropped(k: Kernel, c: CpuId, mm: MmId): void {
    refs.mmCountDropped(k, c, mm);
  }
  mmUsersDropped(k: Kernel, c: CpuId, mm: MmId): void {
    refs.mmUsersDropped(k, c, mm);
  }
  mmGet(k: Kernel, c: CpuId, mm: MmId): void {
    refs.mmGet(k, c, mm);
  }
  mmFreeing(k: Kernel, c: CpuId, mm: MmId): void {
    refs.mmFreeing(k, c, mm);
  }
  lazyShootdown(k: Kernel, mm: MmId): void {
    lazyShootdown(k, mm);
  }
  exitMm(k: Kernel, c: CpuId, mm: MmId): void {
    exitMm(k, c, mm);
  }
  flushCompleted(k: Kernel, c: CpuId, mm: MmId, shortcut: string | null, gen: number): void {
    checkFlushCompleted(k, c, mm, shortcut, gen);
  }
  fullmmUpfrontFlush(k: Kernel, c: CpuId, mm: MmId): void {
    checkFullmmExclusive(k, c, mm);
  }
  membarrierReturns(k: Kernel, c: CpuId, mm: MmId, targets: CpuId[], stores: number[]): void {
    membarrierReturns(k, c, mm, targets, stores);
  }
}
