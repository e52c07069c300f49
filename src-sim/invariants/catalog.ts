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
  I9: 'page-table pages freed only after every possible walker was flushed',
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

/** Whether `got` (a violated id such as I10b or I13a) is covered by an expected id (I10 covers I10b; I13 covers I13a). */
export function idMatches(expected: string, got: string): boolean {
  return got === expected || (got.startsWith(expected) && /^[a-z]$/.test(got.slice(expected.length)));
}
