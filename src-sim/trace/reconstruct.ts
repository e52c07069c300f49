/**
 * Pass 2 of the reconstruction: takes the collected records in order as the trace streams (collect.ts) and rebuilds
 * tasks, threads and mms, each CPU's current task, and the lazy state the trace implies (ftrace-formats.md §3): a CPU
 * that switches from a user task to a kernel thread or idle keeps that task's mm loaded (x86 ≥ 4.20, and every arch
 * that keeps the user mm attached); it stays lazy until it switches to a user task, or until a flush IPI's handler moves it to init_mm
 * (`tlb_flush` reason 0 in hardirq context on a kernel thread). At the same time it writes the schedule of a
 * `lazytlb/1` scenario: switches, clones, forks, execs, exits and flushes, each where the model can run it.
 *
 * What the trace proves is kept apart from what is inferred: each switch comes with the `tlb_flush` reason-0 event
 * the trace shows after it (a CR3 write), each flush with the CPUs it IPI'd and what their handlers did (FlushFact),
 * and each with the step that stands for it, which the conformance check (conformance.ts) compares with the model.
 */
import { CLONE_VM } from './events.ts';
import type { Collector, Rec } from './collect.ts';
import { find, kthreadByName, taskName, union, type MmNode } from './identity.ts';

export interface TaskRec {
  pid: number;
  name: string;
  comm: string;
  kthread: boolean;
  /** The mm it had when it first appeared (what the scenario declares), and the one it has now. */
  initialMm: MmNode | null;
  mm: MmNode | null;
  origin: 'start' | 'clone' | 'fork';
  /** Declared in the scenario's `tasks` (it exists from the start), rather than made by a `clone` step. */
  declared: boolean;
  exited: boolean;
  byName: boolean;
}

export type SwitchKind =
  | 'user→kernel'
  | 'kernel→kernel'
  | 'lazy→user same mm'
  | 'lazy→user other mm'
  | 'init_mm→user'
  | 'unknown→user'
  | 'user→user same mm'
  | 'user→user other mm';

export interface SwitchFact {
  line: number;
  cpu: number;
  /** Index in `steps` of the switch written for it, or null (not written, or no context switch in the scenario). */
  step: number | null;
  prevUser: boolean;
  /** For a lazy or user prev: the mm it had (null: unknown or init_mm, see `from`). */
  from: MmNode | 'init_mm' | 'unknown' | null;
  to: MmNode | null;
  /** pages of the `tlb_flush` reason 0 that is this CPU's next event after the switch (a CR3 write), or null. */
  cr3: number | null;
}

/** What flush_tlb_func did on a CPU, as its `tlb_flush` event says (ftrace-formats.md §2.2), or nothing traced. */
export type HandlerOutcome = 'init_mm' | 'shootdown' | 'wrong-cpu' | 'none' | 'reload';

/** One flush as its initiator ran it: flush_tlb_mm_range's reason-4 event or its local-only flush, and what followed. */
export interface FlushFact {
  line: number;
  ts: number;
  cpu: number;
  pid: number;
  pages: number;
  /** `tlb_flush` reason 4 (remote IPI send): the initiator found another CPU in mm_cpumask. */
  remote: boolean;
  /** Trace CPUs a flush IPI was queued for (csd_queue_cpu func=flush_tlb_func, or ipi_send_* after reason 4), with the line. */
  targets: Map<number, number>;
  /** What flush_tlb_func did on each target (paired by csd), with its line. */
  handlers: Map<number, { outcome: HandlerOutcome; line: number }>;
  /** The initiator's own part. */
  local: HandlerOutcome | null;
  /** Followed by exit_mmap of the same task: the teardown of its mm (the model's exec or exit step flushes it). */
  teardown: boolean;
  /** Inside an exec window: the task execs later without switching away first. */
  inExec: boolean;
  /** After that exec's CR3 write (activate_mm): a flush of the new mm. */
  afterExecCr3: boolean;
  /** Set for fork's flush_tlb_mm of the parent (x86 passes freed_tables for flush_tlb_mm). */
  freedTables: boolean;
  /** Other trace CPUs the trace shows running a user task of the flushed mm when the flush started (not lazy). */
  running: number[];
  /** The scenario step that runs this flush (a `flush` step, or the exec or exit step whose mm teardown it is). */
  step: number | null;
  /** Why no step runs it (then it is not compared). */
  why: string | null;
}

/** An exec written as a step: `cr3` when the trace showed its activate_mm writing CR3 (a reason-0 event) before it. */
export interface ExecFact {
  line: number;
  cpu: number;
  step: number;
  cr3: boolean;
}

export interface LazyInterval {
  cpu: number;
  from: number;
  to: number;
  fromLine: number;
  mm: MmNode;
  end: 'switch to a user task' | 'init_mm in a flush IPI' | 'init_mm in a local flush' | 'end of window';
}

export interface KindCount {
  n: number;
  /** Switches followed by a `tlb_flush` reason 0 (CR3 written), split by pages: -1 flushed, 0 kept (PCID). */
  reason0: number;
  flushed: number;
  pcidKept: number;
}

export interface ReconstructOptions {
  /** Trace CPU -> scenario CPU (null: the CPU is not in the scenario). */
  cpuIndex: (cpu: number) => number | null;
  maxSteps?: number;
  maxTasks?: number;
  maxMms?: number;
}

export interface ScenarioStep {
  cpu: number;
  do: 'switch' | 'clone' | 'fork' | 'exec' | 'exit' | 'flush' | 'map';
  to?: string;
  name?: string;
  mm?: string;
  va?: string;
  pages?: number;
  freed_tables?: boolean;
  /** The trace time, in seconds. */
  time?: number;
  note: string;
}

/** The scenario format's limits (docs/scenario-format.md §2); the schema is not imported so as to stay independent. */
export const LIMITS = { steps: 2_000_000, tasks: 1024, mms: 256 };

const IDLE_PID = 0;
/** A flush step of the current mm over the trace's page count (-1: the whole mm). */
const flushArgs = (pages: number): Omit<ScenarioStep, 'cpu' | 'note'> => (pages < 0 ? { do: 'flush' } : { do: 'flush', va: '0x0', pages: Math.max(1, pages) });

/** Where the scenario maps each mm's one page (a program image): every real mm has page tables, which exit_mmap frees. */
export const IMAGE_VA = '0x400000';

export class Reconstruction {
  readonly tasks: TaskRec[] = [];
  readonly steps: ScenarioStep[] = [];
  readonly setup: ScenarioStep[] = [];
  readonly lazy: LazyInterval[] = [];
  /** Execs written as steps, and whether the trace showed their CR3 write (activate_mm's reason 0) before them. */
  readonly execs: ExecFact[] = [];
  readonly notWritten: Record<string, number> = {};
  readonly switchKinds: Record<SwitchKind, KindCount>;
  readonly flushByReason: Record<string, number> = {};
  /** Flush-IPI handlers that moved a lazy CPU to init_mm; all hardirq reason-0 events. */
  handlerInitMm = 0;
  hardirqReason0 = 0;
  /** Reason-0 events neither in hardirq nor right after a switch: on a lazy CPU (to init_mm), or on a running task (exec). */
  localReason0 = 0;
  runningReason0 = 0;
  /** `tlb_flush` reason 4 (remote IPI send) events, and those the trace shows no IPI for before the CPU's next flush or switch. */
  remoteSend = 0;
  remoteSendWithoutIpi = 0;
  /**
   * INVLPGB evidence (era.ts): trace lines of flushes by a user task that sent no flush IPI to another CPU the trace
   * shows running a user task of the same mm; and of flush IPI handlers that wrote CR3 (reason 0) on a CPU running a
   * user task of the flushed mm, which only flush_tlb_func's move to a global ASID does (6.15+).
   */
  readonly silentFlushLines: number[] = [];
  readonly globalAsidReloadLines: number[] = [];
  /** Flushes by a user task while the trace shows another CPU running its mm (what silentFlushLines is out of). */
  flushesWithMmRunning = 0;
  exits = 0;
  mmIdMerges = 0;
  mmIdConflicts = 0;
  mmIdReleased = 0;
  mmCount = { start: 0, fork: 0, exec: 0 };
  stoppedAt: { line: number; ts: number; reason: string } | null = null;
  firstTs: number | null = null;
  lastTs: number | null = null;

  private readonly byPid = new Map<number, TaskRec>();
  private readonly names = new Set<string>();
  private readonly startMms = new Map<number, MmNode>();
  private readonly mmIdOwner = new Map<number, MmNode>();
  private readonly pendingMmId = new Map<TaskRec, number>();
  readonly facts: SwitchFact[] = [];
  readonly flushes: FlushFact[] = [];
  /** Flush facts not run by any step, by reason. */
  readonly flushesNotWritten: Record<string, number> = {};
  private readonly csdFacts = new Map<string, FlushFact>();
  private readonly exitStep = new Map<TaskRec, number>();
  /** CPUs the trace shows lazily on a user mm when the window starts (a flush IPI found them there before any switch). */
  private readonly initialLazy = new Map<number, { mm: MmNode; line: number }>();
  private readonly cpus = new Map<number, CpuState>();
  private readonly scenarioCpuOf = new Map<TaskRec, number>();
  private nodeId = 0;
  private declaredTasks = 0;
  private declaredMms = 0;
  private execCount = 0;
  private readonly idle: TaskRec;

  /** Records are given with `add` as the trace streams, then `end()` once. */
  constructor(private readonly c: Collector, private readonly o: ReconstructOptions) {
    const k = (): KindCount => ({ n: 0, reason0: 0, flushed: 0, pcidKept: 0 });
    this.switchKinds = {
      'user→kernel': k(),
      'kernel→kernel': k(),
      'lazy→user same mm': k(),
      'lazy→user other mm': k(),
      'init_mm→user': k(),
      'unknown→user': k(),
      'user→user same mm': k(),
      'user→user other mm': k(),
    };
    this.idle = { pid: IDLE_PID, name: 'idle', comm: 'swapper', kthread: true, initialMm: null, mm: null, origin: 'start', declared: false, exited: false, byName: false };
  }

  /** Whether the trace gave thread groups (record-tgid column, or perf's pid/tid). */
  get threadGroupsKnown(): boolean {
    return this.c.tgidOf.size > 0;
  }

  /** Most records the collector held at once (waiting for a flush to be judged). */
  get heldMost(): number {
    return this.c.maxHeld;
  }

  /** Distinct mmap_lock mm pointers seen (reported only: during a fork, dup_mmap locks the child's mm too). */
  get mmapLockPointers(): number {
    return this.c.mmapLockPointers.size;
  }

  /** The reconstructed mms (distinct after rss_stat merges) that some task used. */
  mmsUsed(): MmNode[] {
    const seen = new Set<MmNode>();
    for (const t of this.tasks) {
      if (t.initialMm) seen.add(find(t.initialMm));
      if (t.mm) seen.add(find(t.mm));
    }
    return [...seen];
  }

  private get limits() {
    return { steps: this.o.maxSteps ?? LIMITS.steps, tasks: this.o.maxTasks ?? LIMITS.tasks, mms: this.o.maxMms ?? LIMITS.mms };
  }

  /** The next record, in trace order (the collector's sink); nothing once the window is full. */
  add(r: Rec): void {
    if (this.stoppedAt) return;
    if (this.steps.length >= this.limits.steps) return this.stop(r, `the scenario format allows at most ${this.limits.steps.toLocaleString('en-US')} steps`);
    if (this.declaredTasks > this.limits.tasks - 2 || this.declaredMms > this.limits.mms - 2) {
      return this.stop(r, this.declaredTasks > this.limits.tasks - 2 ? `the scenario format allows at most ${this.limits.tasks} tasks` : `the scenario format allows at most ${this.limits.mms} mms`);
    }
    this.firstTs ??= r.ts;
    this.lastTs = r.ts;
    this.record(r);
  }

  /** The input ended: close what is open, and judge the switches once every mm merge is known. */
  end(): void {
    for (const [cpu, s] of this.cpus) {
      this.closeIpi(s);
      if (s.interval) this.closeLazy(cpu, s, this.lastTs ?? s.interval.from, 'end of window');
    }
    this.lazyPrelude();
    for (const f of this.flushes) {
      if (f.inExec || !f.running.length) continue;
      this.flushesWithMmRunning++;
      if (f.running.some((c) => !f.targets.has(c))) this.silentFlushLines.push(f.line);
    }
    // An mm_id that no exec explained: the task's mm changed without a traced exec.
    this.mmIdConflicts += this.pendingMmId.size;
    this.classify();
  }

  /**
   * Setup for the CPUs the trace shows lazily on a user mm when the window starts: switch a task of that mm in and
   * out again (first, while every CPU is idle), so the CPU starts lazy on it, as the kernel's did.
   */
  private lazyPrelude(): void {
    const pre: ScenarioStep[] = [];
    for (const [c, { mm, line }] of this.initialLazy) {
      const sc = this.o.cpuIndex(c);
      const t = this.tasks.find((x) => x.declared && !x.kthread && x.initialMm && find(x.initialMm) === find(mm));
      if (sc === null || !t) continue;
      const note = `trace line ${line}: a flush IPI found CPU${c} lazily on ${t.name}'s mm before its first switch`;
      pre.push({ cpu: sc, do: 'switch', to: t.name, note }, { cpu: sc, do: 'switch', to: 'idle', note });
    }
    this.setup.unshift(...pre);
  }

  private stop(r: Rec, reason: string): void {
    this.stoppedAt = { line: r.line, ts: r.ts, reason };
  }

  private node(origin: MmNode['origin'], pid: number, name: string): MmNode {
    this.mmCount[origin]++;
    if (origin !== 'exec') this.declaredMms++;
    return { id: this.nodeId++, parent: null, origin, pid, mmId: null, name: this.uniqueName(name) };
  }

  private uniqueName(base: string): string {
    let n = base;
    for (let i = 2; this.names.has(n); i++) n = `${base}.${i}`;
    this.names.add(n);
    return n;
  }

  private newTask(pid: number, comm: string, t: Omit<TaskRec, 'pid' | 'name' | 'comm' | 'exited'>): TaskRec {
    const task: TaskRec = { pid, name: this.uniqueName(taskName(comm, pid)), comm, exited: false, ...t };
    this.byPid.set(pid, task);
    this.tasks.push(task);
    if (task.declared) this.declaredTasks++;
    return task;
  }

  /** The task a pid names now; one first seen here existed before the window (or its creation was not traced). */
  private task(pid: number, comm?: string): TaskRec {
    // pid -1: no task context (perf's `:-1 -1` for a task already gone, or a trace without the task columns); the
    // CPU's task is then learnt from its next sched_switch.
    if (pid <= IDLE_PID) return this.idle;
    const t = this.byPid.get(pid);
    // A pid seen again after its exit is the same task until a fork record reuses the pid (newTask replaces it).
    if (t) return t;
    // The records stream: a comm a later sched_switch gives is not known yet; the line prefix's is the fallback.
    const name = this.c.commOf.get(pid) ?? comm ?? this.c.prefixCommOf.get(pid) ?? '<...>';
    const tgid = this.c.tgidOf.get(pid);
    const user = this.c.userEvidence.has(pid);
    const byName = !user && kthreadByName(name);
    if (byName) return this.newTask(pid, name, { kthread: true, initialMm: null, mm: null, origin: 'start', declared: true, byName: true });
    const g = tgid ?? pid;
    let mm = this.startMms.get(g);
    if (!mm) this.startMms.set(g, (mm = this.node('start', g, `mm-${g}`)));
    return this.newTask(pid, name, { kthread: false, initialMm: mm, mm, origin: 'start', declared: true, byName: false });
  }

  private cpu(c: number, current: () => TaskRec): CpuState {
    let s = this.cpus.get(c);
    if (!s) {
      const t = current();
      s = { curr: t, lazy: t.mm && !t.exited ? null : 'unknown', interval: null, pendingSwitch: null, pendingIpi: null, scenarioCurr: this.idle, flush: null, execWindow: [], execCr3: false, unswitched: true };
      this.cpus.set(c, s);
      // The scenario starts with every CPU idle on init_mm: put the CPU's first task there in setup.
      const sc = this.o.cpuIndex(c);
      if (sc !== null && t !== this.idle) {
        if (t.declared && !this.runningElsewhere(t, c)) {
          this.setup.push({ cpu: sc, do: 'switch', to: t.name, note: 'running when the window starts' });
          this.setScenarioCurr(s, c, t);
        } else this.skip('a CPU\'s first task does not exist at the start of the window');
      }
    }
    return s;
  }

  private runningElsewhere(t: TaskRec, c: number): boolean {
    const at = this.scenarioCpuOf.get(t);
    return at !== undefined && at !== c;
  }

  /** The scenario's current task on a CPU changes (the idle task is per CPU, never "elsewhere"). */
  private setScenarioCurr(s: CpuState, c: number, t: TaskRec): void {
    if (this.scenarioCpuOf.get(s.scenarioCurr) === c) this.scenarioCpuOf.delete(s.scenarioCurr);
    s.scenarioCurr = t;
    if (t !== this.idle) this.scenarioCpuOf.set(t, c);
  }

  private skip(reason: string): void {
    this.notWritten[reason] = (this.notWritten[reason] ?? 0) + 1;
  }

  /** Write a step for the event at `r` (its CPU, trace line and time). */
  private step(r: { cpu: number; line: number; ts: number }, s: Omit<ScenarioStep, 'cpu' | 'note' | 'time'>): boolean {
    const sc = this.o.cpuIndex(r.cpu);
    if (sc === null) return false;
    this.steps.push({ cpu: sc, ...s, time: r.ts, note: `trace line ${r.line}, t=${r.ts}` });
    return true;
  }

  private record(r: Rec): void {
    switch (r.k) {
      case 'switch':
        return this.onSwitch(r);
      case 'fork':
        return this.onFork(r);
      case 'exec':
        return this.onExec(r);
      case 'exit':
        return this.onExit(r);
      case 'flush':
        return this.onFlush(r);
      case 'ipi': {
        const s = this.cpu(r.cpu, () => this.task(r.pid));
        if (s.pendingIpi) s.pendingIpi.sent = true;
        // Which CPUs the open flush IPI'd: csd_queue_cpu names the function; without csd events, ipi_send_* after reason 4.
        const f = s.flush;
        if (f && (r.flush === true || (r.flush === null && !this.c.sawCsdQueue && f.remote))) {
          for (const t of r.targets) if (!f.targets.has(t)) f.targets.set(t, r.line);
          if (r.csd) this.csdFacts.set(r.csd, f);
        }
        return;
      }
      case 'csd': {
        if (!r.entry || r.local) return;
        const f = this.csdFacts.get(r.csd);
        if (f && f.targets.has(r.cpu) && !f.handlers.has(r.cpu)) f.handlers.set(r.cpu, { outcome: 'none', line: r.line });
        return;
      }
      case 'mmid':
        return this.onMmId(r);
      case 'exit_mmap':
        return this.onExitMmap(r);
    }
  }

  private onSwitch(r: Extract<Rec, { k: 'switch' }>): void {
    const prev = this.task(r.prev, r.prevComm);
    const s = this.cpu(r.cpu, () => prev);
    this.closeIpi(s);
    const next = this.task(r.next, r.nextComm);
    const prevUser = prev.mm !== null && !prev.exited;
    const nextUser = next.mm !== null && !next.exited;
    const from: SwitchFact['from'] = prevUser ? prev.mm : s.lazy;
    const fact: SwitchFact = { line: r.line, cpu: r.cpu, step: null, prevUser, from, to: nextUser ? next.mm : null, cr3: null };
    this.facts.push(fact);
    s.pendingSwitch = fact;
    s.flush = null;
    s.execWindow = [];
    s.execCr3 = false;
    s.unswitched = false;
    if (prevUser && !nextUser) {
      s.lazy = prev.mm;
      s.interval = { from: r.ts, fromLine: r.line, mm: prev.mm as MmNode };
    } else if (nextUser) {
      if (s.interval) this.closeLazy(r.cpu, s, r.ts, 'switch to a user task');
      s.lazy = null;
    }
    s.curr = next;
    // The scenario: switch to next, where the model can.
    if (this.o.cpuIndex(r.cpu) === null || s.scenarioCurr === next) return;
    if (next !== this.idle && next.exited) return this.skip('switch to a task that has exited');
    if (next !== this.idle && this.runningElsewhere(next, r.cpu)) return this.skip('switch to a task still current on another CPU (an event is missing)');
    if (this.step(r, { do: 'switch', to: next === this.idle ? 'idle' : next.name })) fact.step = this.steps.length - 1;
    this.setScenarioCurr(s, r.cpu, next);
  }

  private onFork(r: Extract<Rec, { k: 'fork' }>): void {
    const parent = this.task(r.parent);
    const s = this.cpu(r.cpu, () => parent);
    const kthread = parent.kthread || parent.pid === 2;
    const tgP = this.c.tgidOf.get(parent.pid);
    const tgC = this.c.tgidOf.get(r.child);
    // Shares the mm: CLONE_VM when task_newtask says so; else a thread of the same group (record-tgid).
    const sharesMm = r.flags !== null ? (r.flags & CLONE_VM) !== 0 : tgP !== undefined && tgP === tgC;
    if (kthread) {
      this.newTask(r.child, r.childComm, { kthread: true, initialMm: null, mm: null, origin: 'fork', declared: true, byName: false });
      return this.skip('kernel thread created (declared in tasks: the format has no kthread creation)');
    }
    if (sharesMm && parent.mm) {
      const canClone = s.scenarioCurr === parent && !parent.exited && this.o.cpuIndex(r.cpu) !== null;
      const t = this.newTask(r.child, r.childComm, { kthread: false, initialMm: parent.mm, mm: parent.mm, origin: 'clone', declared: !canClone, byName: false });
      if (canClone) this.step(r, { do: 'clone', name: t.name });
      else this.skip('thread created while its parent is not current in the scenario (declared in tasks)');
      return;
    }
    // dup_mmap ends with flush_tlb_mm(oldmm), which x86 runs with freed_tables (arch/x86/include/asm/tlbflush.h):
    // the parent's last whole-mm flush on this CPU is the fork's own.
    const f = s.flush && s.flush.pid === parent.pid && s.flush.pages === -1 ? s.flush : null;
    if (f) f.freedTables = true;
    const mm = this.node('fork', r.child, `mm-${r.child}`);
    const canFork = s.scenarioCurr === parent && !parent.exited && parent.mm !== null && this.o.cpuIndex(r.cpu) !== null;
    const t = this.newTask(r.child, r.childComm, { kthread: false, initialMm: mm, mm, origin: 'fork', declared: !canFork, byName: false });
    if (!canFork) {
      if (f?.step != null) this.steps[f.step].freed_tables = true;
      return this.skip('process forked while its parent is not current in the scenario (declared in tasks with its own mm)');
    }
    mm.byStep = true;
    const fork = { do: 'fork', name: t.name, mm: mm.name } as const;
    if (f?.step == null) return void this.step(r, fork);
    // The fork step runs dup_mmap's flush itself: it takes the place of the flush step written for it, at the flush's
    // trace position (copy_process: dup_mmap, then task_newtask), and the flush fact is compared with its flush.
    const at = this.steps[f.step];
    this.steps[f.step] = { cpu: at.cpu, ...fork, time: at.time, note: `trace lines ${f.line} (dup_mmap's flush_tlb_mm) to ${r.line} (task_newtask), t=${f.ts}` };
  }

  private onExec(r: Extract<Rec, { k: 'exec' }>): void {
    const t = this.task(r.pid);
    const s = this.cpu(r.cpu, () => t);
    const mm = this.node('exec', r.pid, `mm-${r.pid}-exec${++this.execCount}`);
    const early = this.pendingMmId.get(t);
    if (early !== undefined) {
      this.pendingMmId.delete(t);
      mm.mmId = early;
      this.mmIdOwner.set(early, mm);
    }
    t.mm = mm;
    t.kthread = false;
    if (s.curr === t) s.lazy = null;
    if (s.scenarioCurr === t && this.step(r, { do: 'exec', mm: mm.name })) {
      const exec = this.steps.length - 1;
      this.execs.push({ line: r.line, cpu: r.cpu, step: exec, cr3: s.execCr3 });
      // The new program's image: page tables the mm's teardown frees (exit_mmap flushes with freed_tables).
      this.step(r, { do: 'map', va: IMAGE_VA });
      for (const f of s.execWindow) {
        if (f.pid !== r.pid) continue;
        // The old mm's teardown is the exec step's own; a flush after exec's CR3 write is of the new mm (its setup,
        // setup_arg_pages and the like, before sched_process_exec is traced): a flush step after the exec.
        if (f.teardown) (f.step = exec), (f.why = null);
        else if (f.afterExecCr3 && this.step(f, flushArgs(f.pages))) (f.step = this.steps.length - 1), (f.why = null);
      }
    } else this.skip('exec by a task that is not current in the scenario');
    s.execWindow = [];
  }

  private onExit(r: Extract<Rec, { k: 'exit' }>): void {
    const t = this.task(r.pid);
    const s = this.cpu(r.cpu, () => t);
    this.exits++;
    if (t.mm && s.curr === t && !t.exited) {
      // exit_mm: current->mm goes, active_mm stays: the dying task is lazy on its own mm until it switches away.
      s.lazy = t.mm;
      s.interval = { from: r.ts, fromLine: r.line, mm: t.mm };
    }
    const user = t.mm !== null && !t.exited;
    t.exited = true;
    if (user && s.scenarioCurr === t && this.step(r, { do: 'exit' })) this.exitStep.set(t, this.steps.length - 1);
    else this.skip(user ? 'exit of a task that is not current in the scenario' : 'exit of a kernel thread');
  }

  private onFlush(r: Extract<Rec, { k: 'flush' }>): void {
    const s = this.cpu(r.cpu, () => this.task(r.pid));
    this.flushByReason[r.code] = (this.flushByReason[r.code] ?? 0) + 1;
    this.flushFact(r, s);
    this.closeIpi(s);
    if (r.code === 4) {
      this.remoteSend++;
      s.pendingIpi = { sent: false };
    }
    if (r.code !== 0) return;
    if (r.hardirq) {
      // switch_mm_irqs_off from a flush IPI: a lazy CPU is moved to init_mm (ftrace-formats.md §3).
      this.hardirqReason0++;
      if (!s.curr.mm || s.curr.exited) {
        if (s.interval) {
          this.handlerInitMm++;
          this.closeLazy(r.cpu, s, r.ts, 'init_mm in a flush IPI');
        }
        s.lazy = 'init_mm';
      }
      return;
    }
    const f = s.pendingSwitch;
    if (r.afterSwitch && f && f.cr3 === null) {
      f.cr3 = r.pages;
      return;
    }
    // Inside the initiator's own flush_tlb_func: a reload on a global ASID (flushFact), not an exec.
    if (r.csd !== null && s.curr.mm && !s.curr.exited) return;
    if (s.curr.mm && !s.curr.exited) {
      // A running user task's CR3 write outside a switch: exec's activate_mm (traced before sched_process_exec).
      this.runningReason0++;
      s.execCr3 = true;
      return;
    }
    // A flush on this lazy CPU (say, the exiting task's own exit_mmap) left the mm for init_mm (flush_tlb_func ->
    // switch_mm_irqs_off). A kernel thread's kthread_use_mm would look the same; the model's use_mm is not traced.
    this.localReason0++;
    if (s.interval) this.closeLazy(r.cpu, s, r.ts, 'init_mm in a local flush');
    s.lazy = 'init_mm';
  }

  /**
   * The flush facts: inside flush_tlb_func (between csd_function_entry and _exit) an event is a handler's outcome, or
   * the initiator's own part; outside it, reason 4 starts a flush that found other CPUs in the mask, and reason 3 (or
   * reason 0 on a lazy CPU, which flush_tlb_func moves to init_mm) a local-only one.
   */
  private flushFact(r: Extract<Rec, { k: 'flush' }>, s: CpuState): void {
    const outcome: HandlerOutcome | null = r.code === 0 ? 'init_mm' : r.code === 1 || r.code === 3 ? 'shootdown' : r.code === 5 ? 'wrong-cpu' : null;
    if (r.csd !== null) {
      if (/^(?:0x)?0+$/.test(r.csd)) {
        // The initiator's own flush_tlb_func writing CR3 while its task runs: the reload on a global ASID (below).
        const reload = r.code === 0 && s.flush?.pid === s.curr.pid && !!s.curr.mm && !s.curr.exited;
        if (reload) this.globalAsidReloadLines.push(r.line);
        if (s.flush && s.flush.local === null) s.flush.local = reload ? 'reload' : outcome;
        return;
      }
      const f = this.csdFacts.get(r.csd);
      const h = f?.handlers.get(r.cpu);
      // A handler's CR3 write on a CPU running the flushed mm: flush_tlb_func reloading it on a global ASID (6.15+
      // mm_needs_global_asid); without INVLPGB it writes CR3 only on a lazy CPU (to init_mm).
      const of = f ? this.byPid.get(f.pid)?.mm : undefined;
      const reload = !!f && !!of && r.code === 0 && !!s.curr.mm && !s.curr.exited && find(s.curr.mm) === find(of!);
      if (reload) this.globalAsidReloadLines.push(r.line);
      if (h && h.outcome === 'none' && outcome) (h.outcome = reload ? 'reload' : outcome), (h.line = r.line);
      // A CPU that started the window in a kernel thread and has not switched yet: the handler found the flushed mm
      // loaded (it moved it to init_mm, or flushed it), so the CPU was lazily on that mm when the window started.
      const by = f ? this.byPid.get(f.pid) : undefined;
      if (f && by?.mm && !f.inExec && s.unswitched && s.lazy === 'unknown' && (outcome === 'init_mm' || outcome === 'shootdown') && !this.initialLazy.has(r.cpu)) {
        this.initialLazy.set(r.cpu, { mm: by.mm, line: r.line });
      }
      return;
    }
    if (r.hardirq || r.afterSwitch) return;
    if (r.code === 4) return this.openFlush(r, s, true, null);
    if (r.code === 3) return this.openFlush(r, s, false, 'shootdown');
    // Reason 0 outside a switch and a handler on a CPU with no running user task: a local flush of its lazy mm.
    if (r.code === 0 && !(s.curr.mm && !s.curr.exited)) return this.openFlush(r, s, false, 'init_mm');
  }

  private openFlush(r: Extract<Rec, { k: 'flush' }>, s: CpuState, remote: boolean, local: HandlerOutcome | null): void {
    const f: FlushFact = { line: r.line, ts: r.ts, cpu: r.cpu, pid: r.pid, pages: r.pages, remote, targets: new Map(), handlers: new Map(), local, teardown: false, inExec: r.inExec === true, afterExecCr3: s.execCr3, freedTables: false, running: [], step: null, why: null };
    this.flushes.push(f);
    s.flush = f;
    const t = r.pid > IDLE_PID ? this.byPid.get(r.pid) : undefined;
    if (t?.mm && !t.exited) f.running = this.cpusRunning(t.mm, r.cpu);
    if (this.o.cpuIndex(r.cpu) === null) f.why = 'on a CPU not in the scenario';
    else if (f.inExec) {
      f.why = f.afterExecCr3 ? 'of the new mm inside exec, but the exec step was not written' : 'inside exec, before its CR3 write (the old mm, before exec_mmap)';
      s.execWindow.push(f);
    }
    else if (!t || t.kthread || !t.mm) f.why = 'by a kernel thread or idle (the trace does not say which mm)';
    else if (t.exited) f.why = 'by a task that has exited, not its mm\'s teardown';
    else if (s.scenarioCurr !== t) f.why = 'by a task that is not current in the scenario';
    else {
      this.step(r, flushArgs(r.pages));
      f.step = this.steps.length - 1;
    }
  }

  /** Trace CPUs other than `self` whose current task is a live user task of mm (as far as the trace shows). */
  private cpusRunning(mm: MmNode, self: number): number[] {
    const out: number[] = [];
    for (const [c, s] of this.cpus) if (c !== self && s.curr.mm && !s.curr.exited && find(s.curr.mm) === find(mm)) out.push(c);
    return out;
  }

  private onMmId(r: Extract<Rec, { k: 'mmid' }>): void {
    const t = this.task(r.pid);
    if (!t.mm) return;
    const mine = find(t.mm);
    const owner = this.mmIdOwner.get(r.mmId);
    if (mine.mmId !== null && mine.mmId !== r.mmId) {
      // exec_mmap installs the new mm before sched_process_exec is traced: the new id belongs to the exec to come.
      if (!this.pendingMmId.has(t)) this.pendingMmId.set(t, r.mmId);
      return;
    }
    if (!owner) {
      mine.mmId = r.mmId;
      this.mmIdOwner.set(r.mmId, mine);
      return;
    }
    if (find(owner) === mine) return;
    if (union(owner, mine)) this.mmIdMerges++;
    else this.mmIdConflicts++;
  }

  /**
   * exit_mmap run by a user task tears down the mm it held (its old mm in an exec, which is traced before
   * sched_process_exec; its own at exit). The kernel may hand the same mm_struct to the next fork, so its hashed
   * mm_id is free again (seen in the x86 capture: one mm_id for four short-lived children in turn).
   */
  private onExitMmap(r: Extract<Rec, { k: 'exit_mmap' }>): void {
    const t = this.byPid.get(r.pid);
    // The flush just before exit_mmap by the same task is the teardown's (exit_mmap traces after its tlb_finish_mmu).
    const s = this.cpus.get(r.cpu);
    const f = s?.flush;
    if (s && f && f.pid === r.pid && !f.teardown) {
      f.teardown = true;
      if (f.inExec) f.why = 'the exec\'s teardown of the old mm, but the exec step was not written';
      else if (t && t.exited && this.exitStep.has(t)) (f.step = this.exitStep.get(t)!), (f.why = null);
    }
    if (!t || !t.mm) return;
    const root = find(t.mm);
    if (root.mmId !== null && this.mmIdOwner.get(root.mmId) === root) this.mmIdOwner.delete(root.mmId);
    this.mmIdReleased++;
  }

  private closeIpi(s: CpuState): void {
    if (s.pendingIpi && !s.pendingIpi.sent) this.remoteSendWithoutIpi++;
    s.pendingIpi = null;
  }

  private closeLazy(cpu: number, s: CpuState, ts: number, end: LazyInterval['end']): void {
    const i = s.interval as OpenLazy;
    this.lazy.push({ cpu, from: i.from, to: ts, fromLine: i.fromLine, mm: i.mm, end });
    s.interval = null;
  }

  /** Switch kinds, judged once every mm merge is known. */
  private classify(): void {
    for (const f of this.facts) {
      let kind: SwitchKind;
      const same = (a: MmNode, b: MmNode) => find(a) === find(b);
      if (f.prevUser) kind = f.to ? (same(f.from as MmNode, f.to) ? 'user→user same mm' : 'user→user other mm') : 'user→kernel';
      else if (!f.to) kind = 'kernel→kernel';
      else if (f.from === 'init_mm') kind = 'init_mm→user';
      else if (f.from === 'unknown' || f.from === null) kind = 'unknown→user';
      else kind = same(f.from, f.to) ? 'lazy→user same mm' : 'lazy→user other mm';
      const k = this.switchKinds[kind];
      k.n++;
      if (f.cr3 !== null) {
        k.reason0++;
        if (f.cr3 === -1) k.flushed++;
        else if (f.cr3 === 0) k.pcidKept++;
      }
    }
  }
}

interface CpuState {
  curr: TaskRec;
  /** The flush this CPU started last, until its next switch. */
  flush: FlushFact | null;
  /** Flushes inside the exec to come: its teardown of the old mm (the exec step runs it) and the new mm's. */
  execWindow: FlushFact[];
  /** The running task wrote CR3 outside a switch (exec's activate_mm) since the last switch. */
  execCr3: boolean;
  /** No sched_switch seen on this CPU yet. */
  unswitched: boolean;
  /** The mm a lazy CPU keeps loaded; null while it runs a user task. */
  lazy: MmNode | 'init_mm' | 'unknown' | null;
  interval: OpenLazy | null;
  pendingSwitch: SwitchFact | null;
  pendingIpi: { sent: boolean } | null;
  /** The task the written scenario has current on this CPU (differs from `curr` where a step could not be written). */
  scenarioCurr: TaskRec;
}

interface OpenLazy {
  from: number;
  fromLine: number;
  mm: MmNode;
}
