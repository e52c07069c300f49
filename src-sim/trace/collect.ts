/**
 * Pass 1 of the reconstruction, fed by the parser while it streams: turns the few events that matter for tasks, mms,
 * CPUs and flushes into compact records, keeps the identity facts (thread group of each pid, first known comm,
 * evidence that a pid is a user task), and hands the records on to the reconstruction in trace order as soon as each
 * can be judged. Only a flush has to wait: whether it belongs to an exec (the task execs before it next switches away
 * on that CPU) is known at that CPU's next exec or switch, and the records behind it wait with it. So the records held
 * are those since the oldest such flush, not the file; past MAX_HELD the oldest is judged "not in an exec". Once the
 * reconstruction has stopped (its window is full) nothing more is kept: memory does not grow with the trace.
 */
import type { ParsedEvent } from './parser.ts';

interface At {
  line: number;
  ts: number;
  cpu: number;
}

export type Rec =
  | (At & { k: 'switch'; prev: number; prevComm: string; next: number; nextComm: string })
  | (At & { k: 'fork'; parent: number; child: number; childComm: string; flags: number | null })
  | (At & { k: 'exec'; pid: number })
  | (At & { k: 'exit'; pid: number })
  | (At & { k: 'flush'; pid: number; code: number; pages: number; hardirq: boolean; afterSwitch: boolean; csd: string | null; inExec?: boolean })
  /** A cross-call queued or sent: `flush` true for csd_queue_cpu func=flush_tlb_func, null when the event does not say (ipi_send_*). */
  | (At & { k: 'ipi'; pid: number; targets: number[]; flush: boolean | null; csd: string | null })
  /** flush_tlb_func runs on this CPU (csd_function_entry/exit): a remote handler (its csd), or the initiator's own part (csd 0). */
  | (At & { k: 'csd'; entry: boolean; csd: string; local: boolean })
  | (At & { k: 'mmid'; pid: number; mmId: number })
  | (At & { k: 'exit_mmap'; pid: number });

/** The x86 flush IPI's function (arch/x86/mm/tlb.c), as csd_* events print it. */
export const FLUSH_FUNC = 'flush_tlb_func';

/** Most records held while a flush waits to be judged (a task that runs a long time without switching). */
export const MAX_HELD = 1_000_000;

type FlushRec = Extract<Rec, { k: 'flush' }>;

export class Collector {
  /** Records waiting for the oldest unjudged flush, in trace order (from `head`). */
  private held: Rec[] = [];
  private head = 0;
  /** Per CPU, its flushes not yet judged. */
  private readonly pending = new Map<number, FlushRec[]>();
  /** Most records held at once (reported by the benchmark). */
  maxHeld = 0;
  readonly tgidOf = new Map<number, number>();
  readonly commOf = new Map<number, string>();
  /** The comm the line prefix printed first for a pid (read-time, so perhaps a later comm): a last resort. */
  readonly prefixCommOf = new Map<number, string>();
  /** Pids the trace shows to be user tasks: an rss_stat of their own mm, or a thread group not their own. */
  readonly userEvidence = new Set<number>();
  /** Distinct mmap_lock mm pointers (reported; not used to merge, see reconstruct.ts). */
  readonly mmapLockPointers = new Set<string>();
  /** Whether the trace has csd_queue_cpu events (then they, not ipi_send_*, say which CPUs a flush IPI'd). */
  sawCsdQueue = false;
  private readonly pendingNewtask = new Set<number>();
  private readonly lastWasSwitch = new Set<number>();
  /** Per CPU, the csd of the flush_tlb_func it is running (between csd_function_entry and _exit). */
  private readonly inFlushFunc = new Map<number, string>();
  private readonly mmIdSeen = new Set<string>();
  private lastLine = 0;
  private lastTs: number | null = null;

  /** `sink` takes each record in trace order; `stopped` says the reconstruction wants no more. */
  constructor(
    private readonly sink: (r: Rec) => void,
    private readonly stopped: () => boolean,
  ) {}

  /** The parser's sink. */
  readonly add = (e: ParsedEvent): void => {
    const p = e.prefix;
    const d = e.data;
    this.lastLine = e.line;
    this.lastTs = p.ts;
    if (this.stopped()) return;
    if (p.pid > 0 && !this.prefixCommOf.has(p.pid) && p.comm !== '<...>') this.prefixCommOf.set(p.pid, p.comm);
    if (p.pid > 0 && p.tgid !== null) {
      this.tgidOf.set(p.pid, p.tgid);
      if (p.tgid !== p.pid) this.userEvidence.add(p.pid);
    }
    const at = { line: e.line, ts: p.ts, cpu: p.cpu };
    // switch_mm_irqs_off runs right after trace_sched_switch in context_switch: its reason-0 flush is the CPU's next event.
    const afterSwitch = this.lastWasSwitch.has(p.cpu);
    if (d.kind === 'sched_switch') this.lastWasSwitch.add(p.cpu);
    else this.lastWasSwitch.delete(p.cpu);
    switch (d.kind) {
      case 'sched_switch':
        this.comm(d.prevPid, d.prevComm);
        this.comm(d.nextPid, d.nextComm);
        return this.push({ ...at, k: 'switch', prev: d.prevPid, prevComm: d.prevComm, next: d.nextPid, nextComm: d.nextComm });
      case 'task_newtask':
        // task_newtask carries clone_flags; sched_process_fork (which follows it) then adds nothing.
        this.pendingNewtask.add(d.pid);
        this.comm(d.pid, d.comm);
        return this.push({ ...at, k: 'fork', parent: p.pid, child: d.pid, childComm: d.comm, flags: d.cloneFlags });
      case 'sched_process_fork':
        if (this.pendingNewtask.delete(d.childPid)) return;
        this.comm(d.childPid, d.childComm);
        return this.push({ ...at, k: 'fork', parent: d.pid, child: d.childPid, childComm: d.childComm, flags: null });
      case 'sched_process_exec':
        return this.push({ ...at, k: 'exec', pid: d.pid });
      case 'sched_process_exit':
        return this.push({ ...at, k: 'exit', pid: d.pid });
      case 'tlb_flush':
        return this.push({ ...at, k: 'flush', pid: p.pid, code: d.code, pages: d.pages, hardirq: p.flags !== null && /[hHzZ]/.test(p.flags.charAt(2)), afterSwitch, csd: this.inFlushFunc.get(p.cpu) ?? null });
      case 'ipi_send_cpu':
        return this.push({ ...at, k: 'ipi', pid: p.pid, targets: [d.cpu], flush: null, csd: null });
      case 'ipi_send_cpumask':
        return this.push({ ...at, k: 'ipi', pid: p.pid, targets: d.cpus, flush: null, csd: null });
      case 'csd_queue_cpu':
        this.sawCsdQueue = true;
        return this.push({ ...at, k: 'ipi', pid: p.pid, targets: [d.cpu], flush: d.func === FLUSH_FUNC, csd: d.csd });
      case 'csd_function_entry':
      case 'csd_function_exit': {
        if (d.func !== FLUSH_FUNC) return;
        const entry = d.kind === 'csd_function_entry';
        if (entry) this.inFlushFunc.set(p.cpu, d.csd);
        else this.inFlushFunc.delete(p.cpu);
        // smp_call_function_many_cond runs the initiator's own part with no csd (printed as a null pointer).
        return this.push({ ...at, k: 'csd', entry, csd: d.csd, local: /^(?:0x)?0+$/.test(d.csd) });
      }
      case 'rss_stat': {
        if (!d.curr || p.pid <= 0) return;
        this.userEvidence.add(p.pid);
        const key = `${p.pid}:${d.mmId}`;
        if (this.mmIdSeen.has(key)) return;
        this.mmIdSeen.add(key);
        return this.push({ ...at, k: 'mmid', pid: p.pid, mmId: d.mmId });
      }
      case 'exit_mmap':
        return this.push({ ...at, k: 'exit_mmap', pid: p.pid });
      case 'mmap_lock':
        if (this.mmapLockPointers.size < 1 << 16) this.mmapLockPointers.add(d.mm);
        return;
      default:
        return;
    }
  };

  /** The parser's `onOther`: an event the importer does not read still comes between a switch and a flush. */
  readonly other = (cpu: number): void => {
    this.lastWasSwitch.delete(cpu);
  };

  /** Where the input ended (for the window's end when nothing was cut). */
  get last(): { line: number; ts: number | null } {
    return { line: this.lastLine, ts: this.lastTs };
  }

  private comm(pid: number, comm: string): void {
    if (pid > 0 && !this.commOf.has(pid)) this.commOf.set(pid, comm);
  }

  private push(r: Rec): void {
    if (r.k === 'exec') this.judge(r.cpu, r.pid);
    else if (r.k === 'switch') this.judge(r.cpu, null);
    else if (r.k === 'flush') {
      const l = this.pending.get(r.cpu);
      if (l) l.push(r);
      else this.pending.set(r.cpu, [r]);
    }
    this.held.push(r);
    if (this.held.length - this.head > MAX_HELD) {
      const oldest = this.held[this.head];
      if (oldest.k === 'flush' && oldest.inExec === undefined) this.judge(oldest.cpu, null);
    }
    this.drain();
  }

  /** CPU c execs (as `execPid`) or switches (null): its pending flushes are in that exec, or not. */
  private judge(c: number, execPid: number | null): void {
    const l = this.pending.get(c);
    if (!l) return;
    for (const f of l) f.inExec = f.pid === execPid;
    this.pending.delete(c);
  }

  /** Hand on every record up to the oldest unjudged flush. */
  private drain(): void {
    this.maxHeld = Math.max(this.maxHeld, this.held.length - this.head);
    const h = this.held;
    while (this.head < h.length) {
      const r = h[this.head];
      if (r.k === 'flush' && r.inExec === undefined) break;
      this.head++;
      if (!this.stopped()) this.sink(r);
    }
    if (this.head === h.length) (this.held = []), (this.head = 0);
    else if (this.head > 4096 && this.head * 2 > h.length) (this.held = h.slice(this.head)), (this.head = 0);
  }

  /** The end of the input: flushes still pending were not in an exec. */
  end(): void {
    for (const c of [...this.pending.keys()]) this.judge(c, null);
    this.drain();
  }
}
