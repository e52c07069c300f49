/** The invariants of docs/kernel-semantics.md §4, by id, with a one-line title for the UI and the CLI. */
export const INVARIANTS: Record<string, string> = {
  I1: 'reference-count sanity: no underflow, no use of an mm after its mm_count reached 0, __mmdrop once',
  I2: 'exact mm_count accounting (users + lazy users + rq->prev_mm + use_mm + pins)',
  I3: "no dangling active_mm (or rq->prev_mm) to a freed mm",
  I4: "the hardware's attached mm is alive",
  I5: 'x86 cpu_tlbstate local consistency (loaded_mm, is_lazy, ASID slots)',
  I6: 'x86 tlb_gen: slots never ahead; active CPUs caught up when a flush completes',
  I7: 'no stale translation used non-speculatively after its flush completed',
  I8: 'no translation to a freed page (any CPU or secondary MMU)',
  I9: 'page-table pages freed only after every possible walker was flushed, and never under a GUP-fast walk',
  I10a: 'x86: loaded_mm implies membership of mm_cpumask',
  I10b: 'shootdown: every CPU with the mm as active_mm is in mm_cpumask when __mmdrop starts',
  I10c: 'powerpc: a loaded PID implies membership of mm_cpumask; active_cpus counts the mask (plus one with coprocessors)',
  I11: 'the mm_users <= 1 flush shortcut leaves no other CPU using the mm with stale entries',
  I12a: 'membarrier SYNC_CORE: core serialisation before returning to user after an mm change',
  I12c: 'membarrier: every CPU running the mm was IPI\'d or switched since the snapshot',
  I13a: 'secondary MMU: no entry without a PTE unless an invalidation is in progress and the page is alive',
  I13b: 'secondary MMU: never a new PTE while the device still uses the old page',
  I13c: 'shadow secondary MMU: no SPTE inside an open invalidate_range_start',
  I13d: 'secondary MMU: nothing after ->release',
  I14: 'an IPI handler never sees a half-done mm switch',
  I15: 'init_mm is never freed',
  I16: 'exit path: the exiting CPU is still lazily on its mm; a fullmm teardown must not assume otherwise',
};

/**
 * When each invariant is judged, and where: after every micro-step on what it wrote (state.ts), at quiescent points
 * (refcount.ts), or at the instant of a kernel event (engine/events.ts; the module named judges it).
 */
export const JUDGED: Record<string, string> = {
  I1: 'after every micro-step (mm_users > 0 => mm_count >= 1: state.ts); events mmTouched, mmCountDropped, mmUsersDropped, mmGet, mmFreeing, prevCpumaskRead, pagePut, pageFreeing (references.ts)',
  I2: 'at quiescent points, for the mms the operations touched (refcount.ts)',
  I3: 'after every micro-step, and on the free of an mm for everything still pointing at it (state.ts)',
  I4: 'after every micro-step (state.ts)',
  I5: 'after every micro-step, x86 (state.ts)',
  I6: 'after every micro-step, x86 (state.ts); event flushCompleted (flush.ts)',
  I7: 'event tlbUse (access.ts)',
  I8: 'events tlbUse, deviceTlbUse (access.ts) and pageFreed (at_free.ts)',
  I9: 'events pageFreed (at_free.ts: walk caches, possible speculative walkers, GUP-fast walks holding the table) and walkThroughFreed (access.ts: the MMU or GUP-fast)',
  I10a: 'after every micro-step, x86 (state.ts)',
  I10b: 'event lazyShootdown (exit.ts)',
  I10c: 'after every micro-step, powerpc (state.ts)',
  I11: 'event flushCompleted (flush.ts)',
  I12a: 'on every return to user mode (index.ts)',
  I12c: 'event membarrierReturns (membarrier.ts)',
  I13a: 'after every micro-step that wrote an mm or a device (state.ts); event pageFreed (at_free.ts)',
  I13b: 'after every micro-step that wrote an mm or a device (state.ts)',
  I13c: 'after every micro-step that wrote an mm or a device (state.ts)',
  I13d: 'after every micro-step that wrote an mm or a device (state.ts)',
  I14: 'on the delivery of an IPI (state.ts)',
  I15: 'event mmCountDropped (references.ts)',
  I16: 'events fullmmUpfrontFlush (flush.ts) and exitMm (exit.ts)',
};

/** Whether `got` (a violated id such as I10b or I13a) is covered by an expected id (I10 covers I10b; I13 covers I13a). */
export function idMatches(expected: string, got: string): boolean {
  return got === expected || (got.startsWith(expected) && /^[a-z]$/.test(got.slice(expected.length)));
}
