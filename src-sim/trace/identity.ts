/**
 * Who is who in a trace: kernel threads versus user tasks, and which tasks share an mm. No event carries an mm in
 * `sched_switch` (ftrace-formats.md §3), so mm identity is built from proxies: the thread group (record-tgid column),
 * `task_newtask`'s CLONE_VM, `sched_process_exec` (a new mm, same tgid), and `rss_stat` with curr=1 (the kernel's
 * hashed mm id of current's own mm), which merges mms the proxies kept apart.
 */

/** An mm as reconstructed: a union-find node (rss_stat may show two nodes to be one mm). */
export interface MmNode {
  id: number;
  parent: MmNode | null;
  /** How the trace shows it was made: there at the start of the window, by a fork, by an exec. */
  origin: 'start' | 'fork' | 'exec';
  /** The pid whose tgid (start), fork or exec made it; names it in the scenario. */
  pid: number;
  /** rss_stat mm_id values seen for it (current's own mm). */
  mmId: number | null;
  name: string;
  /** A scenario step makes it (a `fork` step; exec'd mms always are): it cannot be declared up front. */
  byStep?: boolean;
}

export function find(n: MmNode): MmNode {
  let r = n;
  while (r.parent) r = r.parent;
  while (n.parent && n.parent !== r) {
    const next: MmNode = n.parent;
    n.parent = r;
    n = next;
  }
  return r;
}

/**
 * Make a and b one mm, unless the evidence disagrees (two different mm_ids, or two mms the trace shows being made):
 * returns false then. A node made by fork or exec stays the representative (the scenario creates it at that point).
 */
export function union(a: MmNode, b: MmNode): boolean {
  const ra = find(a);
  const rb = find(b);
  if (ra === rb) return true;
  if (ra.mmId !== null && rb.mmId !== null && ra.mmId !== rb.mmId) return false;
  if (ra.origin !== 'start' && rb.origin !== 'start') return false;
  const [keep, gone] = ra.origin !== 'start' ? [ra, rb] : [rb, ra];
  gone.parent = keep;
  keep.mmId ??= gone.mmId;
  return true;
}

// Kernel threads by name: the per-CPU and well-known kthreads of mainline (kernel/kthread.c users). A heuristic,
// overruled by evidence (a thread group, an exec, a fork from a user task, rss_stat of its own mm).
const KTHREAD_NAME =
  /^(?:swapper\/|kworker\/|ksoftirqd\/|migration\/|rcu_|rcuo[gps]?\/|rcub\/|kthreadd$|kcompactd\d|kswapd\d|khugepaged$|watchdog\/|watchdogd$|cpuhp\/|idle_inject\/|irq\/|kauditd$|khungtaskd$|oom_reaper$|kblockd$|writeback$|jbd2\/|ext4-|xfsaild|xfs-|scsi_|kdevtmpfs$|kintegrityd$|ksmd$|napi\/|kpsmoused$|ipv6_addrconf$|mm_percpu_wq$|netns$|kstrp$|kthrotld$|blkcg_punt_bio$|md$|edac-poller$|devfreq_wq$|zswap|cryptd$|ecryptfs|nfsiod$|kcryptd|dmcrypt|kverityd|kmpath|kaluad|ata_sff$|card\d|hwrng$|khvcd$|kvm-|pr\/|psimon$|kintegrity|ttm$|btrfs-|ksgxd$|erofs)/;

export const kthreadByName = (comm: string): boolean => KTHREAD_NAME.test(comm);

/** A scenario name (docs/scenario-format.md §3) for a task: its comm cleaned, then its pid; never a reserved name. */
export function taskName(comm: string, pid: number): string {
  // `<...>`: the saved-cmdlines cache did not know the pid (ftrace-formats.md §1a).
  let c = comm === '<...>' ? '' : comm.replace(/[^A-Za-z0-9_./:+-]/g, '_').slice(0, 40);
  if (/^_*$/.test(c)) c = 'task';
  const n = `${c}-${pid}`;
  return n.startsWith('swapper/') || n === 'idle' ? `task-${n}` : n;
}
