/**
 * The interpreter: runs kernel functions (engine/fn.ts) on the CPUs of a SimState, one micro-step at a time.
 *
 * What may happen next at any point is explicit (engine/choice.ts, docs/engine.md): a CPU with interrupts on takes a
 * pending IPI (`canTakeIpi` / `deliverIpi`), a CPU runs its next label if the label's guard holds (`canStep` /
 * `runLabel`), or the hardware walks (`hwMicrostep`). A guard only reads the state; an effect runs only once its guard
 * holds.
 *
 * `pump` is the default chooser, deterministic, lowest CPU first at every choice:
 *   1. a CPU with a pending IPI and interrupts on takes it: the handler's frame is pushed on top of whatever it was
 *      doing (interrupts are asynchronous: they run even on a CPU whose own operation is paused or blocked);
 *   2. interrupt handlers run to completion before anything else moves;
 *   3. the step's own CPU advances its operation, until it finishes, reaches its `until` label, or blocks;
 *   4. an operation elsewhere that was blocked (a synchronous sender waiting for its IPIs) resumes once its guard holds.
 * The step ends when nothing can move. A sender whose target keeps interrupts off (paused inside an irqs-off region)
 * stays blocked until a later `continue` on the target lets the IPI in.
 */
import type { ArchPolicy, Decision } from './policy.ts';
import type { Cpu, CpuId, Frame, Ipi, IpiKind, MmId, PageId, SimState, TaskId } from '../model/types.ts';
import { RET, fnDef, shownName, type Call, type Next } from './fn.ts';
import { NameIndex } from '../model/names.ts';
import { cloneCpuTop, cloneDevice, cloneFrame, cloneMm, clonePage, cloneTask, deepClone, type DirtySets } from '../model/clone.ts';
import { EraNames } from './era.ts';
import type { KernelEvents } from './events.ts';

export interface Finding {
  id: string;
  cpus: CpuId[];
  objects: string[];
  message: string;
}

/** Receives what the kernel does; the timeline implements it. */
export interface Recorder {
  microstep(cpu: CpuId, labelId: number): void;
  violation(f: Finding, labelId: number): void;
  warning(f: Finding, labelId: number): void;
  /**
   * Optional event hooks for the timeline's tracks (a replaying recorder leaves them out or ignores them). Each is
   * called where the kernel does the thing: `ipiSent` per target inside the sender's label, `ipiDelivered` when the
   * handler frame is pushed (between micro-steps, before the handler's first one), `ipiCompleted` when the handler
   * returned, `pageFreed` / `pageReused` from the page allocator (kernel/pages.ts).
   */
  ipiSent?(id: number, kind: IpiKind, from: CpuId, to: CpuId): void;
  ipiDelivered?(c: CpuId, id: number): void;
  ipiCompleted?(c: CpuId, id: number): void;
  pageFreed?(p: PageId): void;
  pageReused?(p: PageId): void;
  /** The arch decided something (Kernel.decided), about CPU `cpu` (null: the flush as a whole). */
  decided?(d: Decision, cpu: CpuId | null): void;
}

/** The checker's hooks: after every micro-step and operation, and the kernel's events (engine/events.ts). */
export interface InvariantHooks extends KernelEvents {
  /** After every micro-step, with the dirty sets of that micro-step. */
  afterMicrostep(k: Kernel): void;
  /** After an operation finished (quiescent-point invariants such as I2). */
  afterOperation(k: Kernel): void;
  /** CPU c is about to execute user code of its current task (membarrier I12a). */
  returnToUser(k: Kernel, c: CpuId): void;
  /** An IPI handler is about to start on CPU c (I14). */
  ipiDelivered(k: Kernel, c: CpuId, kind: string): void;
}

/**
 * The kernel floor's RCU grace-period machine (kernel/rcu.ts), registered when it is loaded (as the hardware is,
 * engine/choice.ts): run after every micro-step while callbacks are pending, to see which CPUs have interrupts on.
 */
let rcuTick: ((k: Kernel) => void) | null = null;
export function registerRcu(tick: (k: Kernel) => void): void {
  rcuTick = tick;
}

/**
 * The ids of one kind of object noted (written in the current micro-step, or mms touched by the operation): ids[0, n),
 * each once. Below FLAGGED ids a scan finds one; a flag per id is made only when more were noted at once.
 */
export class Written {
  readonly ids: number[] = [];
  n = 0;
  private flag: Uint8Array | null = null;

  /** Note id: true if it was not noted yet. */
  add(id: number): boolean {
    const ids = this.ids;
    const flag = this.flag;
    if (flag === null) {
      for (let i = 0; i < this.n; i++) if (ids[i] === id) return false;
      ids[this.n++] = id;
      if (this.n >= FLAGGED) this.flagAll();
      return true;
    }
    if (id >= flag.length) this.reserve(id + 1);
    if (this.flag![id]) return false;
    this.flag![id] = 1;
    ids[this.n++] = id;
    return true;
  }

  private flagAll(): void {
    let max = 0;
    for (let i = 0; i < this.n; i++) max = Math.max(max, this.ids[i]);
    this.flag = new Uint8Array(max * 2 + 2);
    for (let i = 0; i < this.n; i++) this.flag[this.ids[i]] = 1;
  }

  /** Ids up to n are coming (objects created): make room for their flags, if flags are kept. */
  reserve(n: number): void {
    const flag = this.flag;
    if (flag === null || n <= flag.length) return;
    const f = new Uint8Array(n * 2);
    f.set(flag);
    this.flag = f;
  }

  clear(): void {
    const flag = this.flag;
    if (flag !== null) for (let i = 0; i < this.n; i++) flag[this.ids[i]] = 0;
    this.n = 0;
  }
}
const FLAGGED = 16;

type Counts = readonly [number, number, number, number, number];
/** The object counts of the last copy-on-write table made, and where each kind's flags start (Kernel.shareObjects). */
let lastCounts: { n: Counts; at: Counts } = { n: [-1, -1, -1, -1, -1], at: [0, 0, 0, 0, 0] };

/** An empty set standing for "nothing written" in Kernel.kfDirty until the first write (never added to). */
const NO_WRITES: Set<number> = new Set();

export class Kernel {
  /** Label id of the micro-step being executed (for findings). */
  curLabel = -1;
  /**
   * True while a label runs (advance), before the recorder was told about its micro-step: a finding or event raised
   * now belongs to the micro-step about to be recorded, not to the last one recorded.
   */
  inLabel = false;
  /** Dirty sets of the current micro-step (for incremental invariant checks): ids in [0, n). */
  readonly dirtyCpus = new Written();
  readonly dirtyTasks = new Written();
  readonly dirtyMms = new Written();
  /**
   * Objects written since the last keyframe (for structural sharing). Each set is made at its first write (NO_WRITES
   * until then): the explorer makes a kernel per move, and a move writes one or two kinds of object.
   */
  readonly kfDirty: DirtySets = { cpus: NO_WRITES, tasks: NO_WRITES, mms: NO_WRITES, pages: NO_WRITES, devices: NO_WRITES };
  /** IPIs queued and not yet delivered, and CPUs inside an interrupt handler: the scheduler's fast paths. */
  private queued = 0;
  private inIrqCount = 0;
  /** CPUs with a kernel operation or handler in flight (a non-empty stack). */
  busyCpus = 0;
  /** RCU callbacks queued and not yet invoked (Cpu.rcu_cbs), derived from the state like the counters above. */
  rcuPending = 0;
  /**
   * Copy-on-write (explore/state.ts): the state's object lists as they are (not a view), the objects they held when
   * sharing began (each kind's count and where its flags start in `own`), which of those were copied since, and
   * whether none was. Objects created after are this state's own. Null: every object is this state's own.
   */
  private cow: {
    lists: [Cpu[], SimState['tasks'], SimState['mms'], SimState['pages'], SimState['devices']];
    /** Never written once made: shared by every table made for the same counts (lastCounts). */
    n: Counts;
    at: Counts;
    own: Uint8Array;
    none: boolean;
    /**
     * Per CPU copied here (cloneCpuTop), the index of its lowest frame that is this state's own: those below are
     * shared with the state it was copied from (frames pushed later are this state's own).
     */
    frameFrom: number[];
  } | null = null;
  /** Mms touched during the current operation (for afterOperation checks). */
  readonly opMms = new Written();

  constructor(
    public s: SimState,
    public readonly arch: ArchPolicy,
    public rec: Recorder,
    public inv: InvariantHooks,
    /** Name lookups (model/names.ts); a replay may share the recording run's. Made at the first lookup otherwise. */
    names?: NameIndex,
    /** A kernel whose state `s` is a copy of (a fork): its fast-path counters are taken rather than counted again. */
    like?: Kernel,
  ) {
    this.nameIndex = names ?? null;
    if (like) {
      this.queued = like.queued;
      this.inIrqCount = like.inIrqCount;
      this.busyCpus = like.busyCpus;
      this.rcuPending = like.rcuPending;
      this.eraOf = like.eraOf;
    } else this.countIrqState();
  }

  private nameIndex: NameIndex | null;
  /** Name lookups (model/names.ts): most moves of the explorer, each on a kernel of its own, look up none. */
  get names(): NameIndex {
    return (this.nameIndex ??= new NameIndex());
  }

  /**
   * A kernel on `s`, a copy of this one's state (a branch of an exploration). What the engine keeps beside the state
   * and that decides what is checked next is copied: the mms touched by the operations in flight (I2 at the next
   * quiescent point) and the objects written since the last check (an IPI delivery writes its CPU between
   * micro-steps). The fast-path counters are derived from the state again; name lookups start afresh (another
   * branch may have created other objects under the same ids).
   */
  fork(s: SimState, rec: Recorder, inv: InvariantHooks): Kernel {
    const k = new Kernel(s, this.arch, rec, inv, undefined, this);
    const o = this.opMms;
    for (let i = 0; i < o.n; i++) k.noteOpMm(o.ids[i]);
    for (let i = 0; i < this.dirtyCpus.n; i++) k.cpu(this.dirtyCpus.ids[i]);
    for (let i = 0; i < this.dirtyTasks.n; i++) k.task(this.dirtyTasks.ids[i]);
    for (let i = 0; i < this.dirtyMms.n; i++) k.markMmDirty(this.dirtyMms.ids[i]);
    k.deviceTouched = this.deviceTouched;
    k.curLabel = this.curLabel;
    return k;
  }

  /** Derive the fast-path counters from a state (a state restored from a keyframe may have IPIs in flight). */
  private countIrqState(): void {
    this.queued = 0;
    this.inIrqCount = 0;
    this.busyCpus = 0;
    this.rcuPending = 0;
    for (const c of this.s.cpus) {
      this.queued += c.ipi_queue.length;
      this.rcuPending += c.rcu_cbs.length;
      if (this.inIrq(c)) this.inIrqCount++;
      if (c.stack.length) this.busyCpus++;
    }
  }

  /**
   * From now on this state's objects may be shared with another state's (a branch of an exploration, see
   * model/clone.ts shareState): each is copied here before its first write, through the write accessors below.
   */
  shareObjects(): void {
    const s = this.s;
    this.inflightShared = true;
    const c = this.cow;
    if (c && c.lists[0] === s.cpus && c.n[1] === s.tasks.length && c.n[2] === s.mms.length && c.n[3] === s.pages.length) {
      // the same objects as when sharing began: those copied since are shared from now on too
      if (!c.none) {
        c.own.fill(0);
        c.none = true;
      }
      return;
    }
    let n = lastCounts.n;
    let at = lastCounts.at;
    if (n[0] !== s.cpus.length || n[1] !== s.tasks.length || n[2] !== s.mms.length || n[3] !== s.pages.length || n[4] !== s.devices.length) {
      n = [s.cpus.length, s.tasks.length, s.mms.length, s.pages.length, s.devices.length];
      at = [0, n[0], n[0] + n[1], n[0] + n[1] + n[2], n[0] + n[1] + n[2] + n[3]];
      lastCounts = { n, at };
    }
    this.cow = { lists: [s.cpus, s.tasks, s.mms, s.pages, s.devices], n, at, own: new Uint8Array(at[4] + n[4]), none: true, frameFrom: [] };
  }

  /**
   * Whether the state's table of IPIs in flight is shared with another state (model/clone.ts shareState): copied here
   * before its first write (most moves send and complete none).
   */
  private inflightShared = false;
  private ownInflight(): Record<number, CpuId[]> {
    if (this.inflightShared) {
      this.s.ipis_inflight = deepClone(this.s.ipis_inflight);
      this.inflightShared = false;
    }
    return this.s.ipis_inflight;
  }

  /** Copy-on-write: make object `id` of list `kind` (0 cpus, 1 tasks, 2 mms, 3 pages, 4 devices) this state's own. */
  private own(kind: 0 | 1 | 2 | 3 | 4, id: number): void {
    const c = this.cow!;
    if (id >= c.n[kind] || c.own[c.at[kind] + id]) return;
    c.own[c.at[kind] + id] = 1;
    c.none = false;
    switch (kind) {
      case 0: {
        const cpu = (c.lists[0][id] = cloneCpuTop(c.lists[0][id]));
        c.frameFrom[id] = Math.max(cpu.stack.length - 1, 0);
        break;
      }
      case 1:
        c.lists[1][id] = cloneTask(c.lists[1][id]);
        break;
      case 2:
        c.lists[2][id] = cloneMm(c.lists[2][id]);
        break;
      case 3:
        c.lists[3][id] = clonePage(c.lists[3][id]);
        break;
      default:
        c.lists[4][id] = cloneDevice(c.lists[4][id]);
    }
  }

  /**
   * Whether object `id` of list `kind` is shared with another state and not yet copied here: then nobody writes it in
   * place any more (whoever writes it copies it first), so what is derived from it may be cached by its identity.
   */
  isShared(kind: 0 | 1 | 2 | 3 | 4, id: number): boolean {
    const c = this.cow;
    return c !== null && id < c.n[kind] && c.own[c.at[kind] + id] === 0;
  }

  /**
   * Frame i of CPU c's stack, this state's own (copy-on-write: a frame below the top of a CPU copied here is shared
   * until it is written): for a write into a frame other than the running one (kernel/mmu_gather.ts).
   */
  ownFrame(c: CpuId, i: number): Frame {
    const w = this.cow;
    if (w !== null) {
      this.own(0, c);
      if (c < w.n[0] && i < w.frameFrom[c]) {
        const stack = w.lists[0][c].stack;
        for (let j = i; j < w.frameFrom[c]; j++) stack[j] = cloneFrame(stack[j]);
        w.frameFrom[c] = i;
      }
    }
    return this.s.cpus[c].stack[i];
  }

  // ---- write access: every mutation goes through one of these so invariants and keyframes see it ----

  cpu(id: CpuId): Cpu {
    if (this.dirtyCpus.add(id)) {
      const d = this.kfDirty;
      (d.cpus === NO_WRITES ? (d.cpus = new Set()) : d.cpus).add(id);
    }
    if (this.cow !== null) this.own(0, id);
    return this.s.cpus[id];
  }
  task(id: TaskId) {
    if (this.dirtyTasks.add(id)) {
      const d = this.kfDirty;
      (d.tasks === NO_WRITES ? (d.tasks = new Set()) : d.tasks).add(id);
    }
    if (this.cow !== null) this.own(1, id);
    return this.s.tasks[id];
  }
  mm(id: MmId) {
    this.markMmDirty(id);
    this.noteOpMm(id);
    if (this.cow !== null) this.own(2, id);
    return this.s.mms[id];
  }
  private markMmDirty(id: MmId): void {
    if (this.dirtyMms.add(id)) {
      const d = this.kfDirty;
      (d.mms === NO_WRITES ? (d.mms = new Set()) : d.mms).add(id);
    }
  }
  private noteOpMm(id: MmId): void {
    this.opMms.add(id);
  }
  page(id: PageId) {
    const d = this.kfDirty;
    (d.pages === NO_WRITES ? (d.pages = new Set()) : d.pages).add(id);
    if (this.cow !== null) this.own(3, id);
    return this.s.pages[id];
  }
  device(id: number) {
    const d = this.kfDirty;
    (d.devices === NO_WRITES ? (d.devices = new Set()) : d.devices).add(id);
    this.deviceTouched = true;
    if (this.cow !== null) this.own(4, id);
    return this.s.devices[id];
  }
  /** A device was written in the current micro-step. */
  deviceTouched = false;
  /** Set by a replaying recorder to stop right after a given micro-step. */
  halted = false;

  clearOpMms(): void {
    this.opMms.clear();
  }

  /** Tasks or mms were created (clone, exec): grow the dirty flags. */
  growTo(tasks: number, mms: number): void {
    this.dirtyTasks.reserve(tasks);
    this.dirtyMms.reserve(mms);
  }

  clearDirty(): void {
    this.dirtyCpus.clear();
    this.dirtyTasks.clear();
    this.dirtyMms.clear();
    this.deviceTouched = false;
  }

  // ---- findings ----

  violation(id: string, cpus: CpuId[], objects: string[], message: string): void {
    this.rec.violation({ id, cpus, objects, message }, this.curLabel);
  }
  warn(id: string, cpus: CpuId[], objects: string[], message: string): void {
    this.rec.warning({ id, cpus, objects, message }, this.curLabel);
  }

  /**
   * Record an arch decision on the micro-step taking it (the recording timeline keeps it for the UI; replays and the
   * explorer ignore it). Changes nothing in the state.
   */
  decided(d: Decision, cpu: CpuId | null = null): void {
    this.rec.decided?.(d, cpu);
  }

  // ---- names for messages ----

  cpuName(c: CpuId): string {
    return `CPU${c}`;
  }
  mmName(m: MmId): string {
    return m < 0 ? 'LOADED_MM_SWITCHING' : this.s.mms[m].name;
  }
  taskName(t: TaskId): string {
    return this.s.tasks[t].name;
  }
  pageName(p: PageId): string {
    return this.s.pages[p].name;
  }

  // ---- operations ----

  /** Start a kernel operation on a CPU: its top-level function with arguments. */
  startOp(c: CpuId, fn: string, args: Record<string, unknown>, until: string): void {
    const cpu = this.cpu(c);
    if (cpu.stack.length === 0) this.busyCpus++;
    cpu.stack.push({ fn, pc: fnDef(fn).entry, l: args, ret: '' });
    cpu.op = 'running';
    cpu.until = until;
    cpu.mode = 'kernel';
    this.clearOpMms();
  }

  /** Resume a paused operation, with a new `until`. */
  continueOp(c: CpuId, until: string): void {
    const cpu = this.cpu(c);
    cpu.op = 'running';
    cpu.until = until;
    this.clearOpMms();
  }

  /**
   * The default chooser: run micro-steps until nothing can move (see the header comment), choosing at every point
   * among the enabled choices (engine/choice.ts) by a fixed priority: every pending IPI a CPU can take is taken (lowest
   * CPU first); then a CPU inside a handler moves (lowest first); then the driver; then another CPU with an operation
   * in flight (lowest first). A CPU found at its `until` label is marked paused, one whose guard does not hold blocked.
   * Returns how the driver's operation stands. `maxMicrosteps` bounds runaway scenarios (a model bug, never a legal run).
   */
  pump(driver: CpuId, maxMicrosteps = 100_000): 'done' | 'paused' | 'blocked' | 'halted' {
    const cpus = this.s.cpus;
    let budget = maxMicrosteps;
    for (;;) {
      if (this.halted) return 'halted';
      if (--budget < 0) throw new Error('micro-step budget exhausted: the model did not settle');
      if (this.queued > 0) {
        for (let i = 0; i < cpus.length; i++) if (this.canTakeIpi(i)) this.deliverIpi(i);
      }
      const c = this.pick(driver);
      if (c < 0) break;
      this.runLabel(c);
    }
    const d = cpus[driver];
    if (d.stack.length === 0) return 'done';
    return d.op === 'paused' ? 'paused' : 'blocked';
  }

  /** The default chooser's pick of the CPU to move next, or -1 (see `pump`). */
  private pick(driver: CpuId): CpuId {
    const cpus = this.s.cpus;
    if (this.inIrqCount > 0) {
      for (let i = 0; i < cpus.length; i++) if (this.inIrq(cpus[i]) && this.ready(i)) return i;
    }
    const d = cpus[driver];
    if ((d.op === 'running' || d.op === 'blocked') && d.stack.length > 0) {
      if (this.atUntil(d)) this.cpu(driver).op = 'paused';
      else if (this.ready(driver)) return driver;
    }
    for (let i = 0; i < cpus.length; i++) {
      const o = cpus[i];
      if (i === driver || (o.op !== 'blocked' && o.op !== 'running') || o.stack.length === 0) continue;
      if (this.atUntil(o)) {
        this.cpu(i).op = 'paused';
        continue;
      }
      if (this.ready(i)) return i;
    }
    return -1;
  }

  /**
   * Whether the guard of CPU c's next label holds. When it does not, the CPU's operation is marked blocked (a handler
   * is not: it runs on top of whatever the CPU was doing).
   */
  private ready(c: CpuId): boolean {
    const cpu = this.s.cpus[c];
    const f = cpu.stack[cpu.stack.length - 1];
    const def = fnDef(f.fn);
    const guard = def.guards[f.pc];
    if (!guard) return true;
    this.curLabel = def.ids[f.pc];
    if (guard(this, cpu, f)) return true;
    if (!this.inIrq(cpu) && cpu.op === 'running') this.cpu(c).op = 'blocked';
    return false;
  }

  /** Can CPU c take its oldest pending IPI now (interrupts on)? */
  canTakeIpi(c: CpuId): boolean {
    const cpu = this.s.cpus[c];
    return cpu.ipi_queue.length > 0 && cpu.irqs_off === 0;
  }

  /**
   * Can CPU c run its next micro-step now: a handler is on top of its stack, or its operation is in flight (running or
   * blocked) and not at its `until` label, and the label's guard holds. Reads the state only.
   */
  canStep(c: CpuId): boolean {
    const cpu = this.s.cpus[c];
    const f = cpu.stack[cpu.stack.length - 1];
    if (!f) return false;
    if (!this.inIrq(cpu) && ((cpu.op !== 'running' && cpu.op !== 'blocked') || this.atUntil(cpu))) return false;
    const guard = fnDef(f.fn).guards[f.pc];
    return !guard || guard(this, cpu, f);
  }

  private atUntil(cpu: Cpu): boolean {
    return !!cpu.until && this.atLabel(cpu, cpu.until);
  }

  private eraOf: { cfg: unknown; names: EraNames } | null = null;
  /** The run's era: names and release of the functions as the configuration's kernel has them (engine/era.ts). */
  get era(): EraNames {
    if (!this.eraOf || this.eraOf.cfg !== this.s.config) this.eraOf = { cfg: this.s.config, names: EraNames.of(this.arch, this.s.config) };
    return this.eraOf.names;
  }

  /** Is the CPU's next micro-step the one named (`label` or `fn.label`, fn as shown, registered or as the era shows it)? */
  atLabel(cpu: Cpu, name: string): boolean {
    const f = cpu.stack[cpu.stack.length - 1];
    if (!f) return false;
    if (name === f.pc) return true;
    const dot = name.indexOf('.');
    if (dot >= 0 && name.slice(dot + 1) === f.pc && name.slice(0, dot) === shownName(f.fn)) return true;
    // The label as the variant's era shows it (engine/era.ts), so a name read on screen can be pasted.
    return this.era.renames && this.era.shows(f.fn, f.pc, name);
  }

  inIrq(cpu: Cpu): boolean {
    for (let i = cpu.stack.length - 1; i >= 0; i--) if (cpu.stack[i].irq) return true;
    return false;
  }

  /** Execute one micro-step on CPU c: the effect of its next label, whose guard holds (see `canStep`). */
  runLabel(c: CpuId): void {
    // the label writes its CPU (and its frame) through `cpu`: both this state's own
    const top = this.s.cpus[c].stack.length - 1;
    const f = this.cow !== null ? this.ownFrame(c, top) : this.s.cpus[c].stack[top];
    const cpu = this.s.cpus[c];
    const def = fnDef(f.fn);
    const label = def.labels[f.pc];
    if (!label) throw new Error(`${f.fn}: no label ${f.pc}`);
    this.curLabel = def.ids[f.pc];
    this.inLabel = true;
    const next: Next = label(this, cpu, f);
    this.inLabel = false;
    this.cpu(c);
    if (cpu.op === 'blocked' && !this.inIrq(cpu)) cpu.op = 'running';
    this.rec.microstep(c, this.curLabel);
    if (typeof next === 'string') {
      f.pc = next;
    } else if (next === RET) {
      this.returnFrom(c);
    } else {
      this.callFn(cpu, f, next);
    }
    if (this.rcuPending > 0) rcuTick!(this);
    this.inv.afterMicrostep(this);
    this.clearDirty();
  }

  /**
   * A micro-step of the hardware rather than of kernel code (a speculative walk, a device access): recorded for the
   * actor under the label given, then checked like any other.
   */
  hwMicrostep(actor: number, labelId: number, effect: () => void): void {
    this.curLabel = labelId;
    this.rec.microstep(actor, labelId);
    effect();
    if (this.rcuPending > 0) rcuTick!(this);
    this.inv.afterMicrostep(this);
    this.clearDirty();
  }

  private callFn(cpu: Cpu, f: Frame, next: Call): void {
    f.pc = next.then;
    cpu.stack.push({ fn: next.call, pc: fnDef(next.call).entry, l: next.args, ret: next.then });
  }

  private returnFrom(c: CpuId): void {
    const cpu = this.cpu(c);
    const f = cpu.stack.pop()!;
    if (f.irq) {
      cpu.irqs_off--;
      this.inIrqCount--;
      this.completeIpi(c, f.l.ipi as number);
    }
    if (cpu.stack.length === 0) {
      this.busyCpus--;
      if (!f.irq) this.opFinished(c);
      else if (cpu.mode === 'user') cpu.serialized_since_curr_store = true; // back to user code through IRET
    }
  }

  /** The operation at the bottom of the stack returned. */
  private opFinished(c: CpuId): void {
    const cpu = this.cpu(c);
    if (cpu.until) this.warn('until', [c], [], `CPU${c}'s operation finished without reaching "${cpu.until}"`);
    cpu.op = 'none';
    cpu.until = '';
    const t = this.s.tasks[cpu.curr];
    if (!t.kthread && t.state === 'running' && t.mm >= 0) {
      cpu.mode = 'user';
      if (this.arch.returnSerializes(this)) cpu.serialized_since_curr_store = true;
      // Ghost for I12c: user code runs with no full barrier since the last rq->curr store.
      if (cpu.mb_stores < cpu.curr_stores) cpu.unordered_entry = { store: cpu.curr_stores, mb: cpu.mb_stores, mm: t.mm };
      this.inv.returnToUser(this, c);
      cpu.needs_core_sync = false; // ghost bookkeeping lives here, not in the (pure) checker: replays skip the checker
    }
    this.inv.afterOperation(this);
    this.clearOpMms();
  }

  // ---- IPIs (smp_call_function_many / on_each_cpu_mask) ----

  /** Queue an IPI to each target; returns its id, which the sender waits on with `ipiDone`. */
  sendIpi(from: CpuId, targets: CpuId[], kind: IpiKind, args: Record<string, unknown>): number {
    const id = this.s.next_ipi_id++;
    if (targets.length === 0) return id;
    this.ownInflight()[id] = targets.slice();
    for (const t of targets) {
      this.cpu(t).ipi_queue.push({ id, kind, from, args });
      this.rec.ipiSent?.(id, kind, from, t);
      this.queued++;
      this.s.counters.ipis++;
    }
    return id;
  }

  ipiDone(id: number): boolean {
    return !(id in this.s.ipis_inflight);
  }

  /** CPU c takes its oldest pending IPI: the handler's frame is pushed on top of its stack, interrupts off. */
  deliverIpi(c: CpuId): void {
    const cpu = this.cpu(c);
    const ipi: Ipi = cpu.ipi_queue.shift()!;
    this.queued--;
    this.inIrqCount++;
    cpu.irqs_off++;
    this.inv.ipiDelivered(this, c, ipi.kind);
    if (cpu.stack.length === 0) this.busyCpus++;
    cpu.stack.push({ fn: ipi.kind, pc: fnDef(ipi.kind).entry, l: { ...ipi.args, ipi: ipi.id, from: ipi.from }, ret: '', irq: true });
    this.rec.ipiDelivered?.(c, ipi.id);
  }

  private completeIpi(c: CpuId, id: number): void {
    this.rec.ipiCompleted?.(c, id);
    if (!this.s.ipis_inflight[id]) return;
    const inflight = this.ownInflight();
    const left = inflight[id];
    const i = left.indexOf(c);
    if (i >= 0) left.splice(i, 1);
    if (left.length === 0) delete inflight[id];
  }
}
