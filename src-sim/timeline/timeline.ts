/**
 * Running a scenario variant to a timeline, and seeking in it.
 *
 * The run executes every step once, with every invariant checked, and records per micro-step only its step, actor
 * and label (8 bytes, in typed arrays); violations, warnings and per-step counters are kept as they happen. The
 * state itself is kept as keyframes taken at step boundaries every KEYFRAME_EVERY micro-steps or so, sharing every
 * object that did not change since the previous keyframe.
 *
 * Log invariant: the state after micro-step n is what replaying the steps from the last keyframe at or before n
 * produces, stopping after micro-step n. Replays do not re-check invariants (their findings are already recorded).
 * A test replays whole runs to check this.
 */
import { ARCHES } from '../arch/index.ts';
import { labelNames, shownName } from '../engine/fn.ts';
import { Kernel, type Finding, type InvariantHooks, type Recorder } from '../engine/kernel.ts';
import { Checker } from '../invariants/index.ts';
import { INVARIANTS, idMatches } from '../invariants/catalog.ts';
import { deviceAccess, deviceAccessFn } from '../kernel/mmu_notifier.ts';
import { speculativeFill, speculativeWalkFn } from '../kernel/memory.ts';
import { freeze, keyframeOf, snapshotOf, workingCopy, type KeyState } from '../model/clone.ts';
import { makeState } from '../model/make.ts';
import type { CounterState, SimState, Snapshot } from '../model/types.ts';
import { refuse, startOf, type Op } from '../ops/index.ts';
import { ScenarioError, expectOf, resolveVariant, variantInfos, vpnOf, type ResolvedVariant } from '../scenario/load.ts';
import type { ScenarioFile, StepFile } from '../scenario/schema.ts';
import type { Counters, ExpectResult, MicrostepRow, StepInfo, TimelineSummary, ViolationInfo } from '../protocol/summary.ts';
import type { Actor, MachineInfo, Provenance } from '../protocol/tracks.ts';
import { TracksRecorder, trimmed } from './tracks.ts';
import '../kernel/all.ts';

/** Micro-steps between keyframes: seek replays at most this many (plus one step); see `npm run bench`. */
export const KEYFRAME_EVERY = 2048;
/** Steps between progress reports of a long run. */
export const PROGRESS_EVERY = 4096;

interface Keyframe {
  /** Micro-steps recorded before this state. */
  microstep: number;
  /** Index of the next step to run (into the combined setup + steps list). */
  step: number;
  state: KeyState;
}

const NO_HOOKS = { afterMicrostep() {}, afterOperation() {}, returnToUser() {}, ipiDelivered() {} };

class GrowArray {
  a: Uint32Array;
  n = 0;
  constructor(cap = 1024) {
    this.a = new Uint32Array(cap);
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Uint32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  trim(): void {
    this.a = trimmed(this.a, this.n);
  }
}

const OUTCOMES: StepInfo['outcome'][] = ['done', 'paused', 'blocked', 'refused', 'skipped'];
const COUNTER_KEYS = ['ipis', 'flushes', 'cr3Writes', 'coreSyncs', 'redundantCoreSyncs', 'mmCountAtomics'] as const;

export class Timeline implements Recorder {
  readonly variant: ResolvedVariant;
  readonly violations: ViolationInfo[] = [];
  readonly warnings: ViolationInfo[] = [];
  /** Per step, compactly: first micro-step, micro-step count, outcome, and cumulative counters at its end. */
  private stepFirst = new GrowArray();
  private stepCount = new GrowArray();
  private stepOutcome = new GrowArray();
  private stepCounters = new GrowArray();
  private stepErrors = new Map<number, string>();
  private stepsCache: StepInfo[] | null = null;
  private freezeKeyframes: boolean;
  /** Per micro-step: (step << 0) and (actor << 16 | label). */
  private msStep = new GrowArray();
  private msWhat = new GrowArray();
  private keyframes: Keyframe[] = [];
  /** Number of setup steps; step i < setupLen is setup[i], else steps[i - setupLen]. */
  private setupLen: number;
  private k: Kernel;
  private curStep = 0;
  private recording = true;
  private haltAt = -1;
  readonly ncpus: number;
  /** Set when the model itself failed (a bug in the model, never a scenario's fault). */
  internalError: string | null = null;
  /** What the UI draws over time, recorded by the run (timeline/tracks.ts; queries in tracks_query.ts). */
  readonly tracks: TracksRecorder;

  /**
   * `extend`, if given, proposes more steps once the file's own steps have run: it sees the current state (read only)
   * and returns the next step, or null to stop. The proposed steps are appended to `file.steps` (a copy), so the
   * resulting file replays the run. Random schedules for tests and the benchmark are built this way.
   */
  constructor(
    public file: ScenarioFile,
    variant: string | null,
    opts: {
      keyframeEvery?: number;
      extend?: (s: Readonly<SimState>, index: number) => StepFile | null;
      freezeKeyframes?: boolean;
      /** Told every PROGRESS_EVERY steps how many of the file's steps have run (a long load's sign of life). */
      onProgress?: (done: number, total: number) => void;
    } = {},
  ) {
    this.variant = resolveVariant(file, variant);
    this.freezeKeyframes = !!opts.freezeKeyframes;
    const arch = ARCHES[this.variant.arch];
    const s = makeState(
      this.variant.arch,
      this.variant.config,
      file.machine.cpus,
      file.tasks.map((t) => ({ name: t.name, kthread: !!t.kthread, mm: t.mm })),
      file.mms.map((m) => ({ name: m.name, mappings: (m.mappings ?? []).map((mp) => ({ vpn: vpnOf(mp.va), page: mp.page, write: mp.write ?? true })) })),
      file.devices ?? [],
    );
    this.ncpus = file.machine.cpus;
    this.setupLen = file.setup?.length ?? 0;
    this.tracks = new TracksRecorder(s);
    this.k = new Kernel(s, arch, this, this.recordingHooks(new Checker()));
    if (opts.extend) this.file = { ...file, steps: file.steps.slice() };
    this.onProgress = opts.onProgress;
    this.run(opts.keyframeEvery ?? KEYFRAME_EVERY, opts.extend);
  }

  /** The checker, then the tracks recorder: the hooks of the recording run only (replays use NO_HOOKS). */
  private recordingHooks(checker: Checker): InvariantHooks {
    const tracks = this.tracks;
    return {
      afterMicrostep: (k) => {
        checker.afterMicrostep(k);
        tracks.afterMicrostep(k, this.msStep.n);
      },
      afterOperation: (k) => checker.afterOperation(k),
      returnToUser: (k, c) => checker.returnToUser(k, c),
      ipiDelivered: (k, c, kind) => checker.ipiDelivered(k, c, kind),
    };
  }

  get microstepCount(): number {
    return this.msStep.n;
  }

  // ---- Recorder ----

  microstep(actor: number, labelId: number): void {
    if (!this.recording) {
      if (++this.replayCount === this.haltAt) this.k.halted = true;
      return;
    }
    this.msStep.push(this.curStep);
    this.msWhat.push((actor << 16) | labelId);
  }
  private replayCount = 0;

  violation(f: Finding, labelId: number): void {
    if (this.recording) this.violations.push(this.info(f, labelId));
  }
  warning(f: Finding, labelId: number): void {
    if (this.recording) this.warnings.push(this.info(f, labelId));
  }

  /**
   * Position (t) of an event happening now: inside a label it belongs to the micro-step about to be recorded
   * (index msStep.n, t = msStep.n + 1); after the recorder was told (speculate/device_access, returns, checks) to the
   * last one recorded.
   */
  private get eventT(): number {
    return this.msStep.n + (this.k.inLabel ? 1 : 0);
  }

  ipiSent(id: number, kind: string, from: number, to: number): void {
    if (this.recording) this.tracks.ipiSent(id, kind, from, to, this.eventT);
  }
  ipiDelivered(c: number, id: number): void {
    // Between micro-steps: first visible in the state after the next one (the handler's entry).
    if (this.recording) this.tracks.ipiDelivered(c, id, this.msStep.n + 1);
  }
  ipiCompleted(c: number, id: number): void {
    if (this.recording) this.tracks.ipiCompleted(c, id, this.eventT);
  }
  pageFreed(p: number): void {
    if (this.recording) this.tracks.pageFreed(this.k.s, p, this.eventT);
  }
  pageReused(p: number): void {
    if (this.recording) this.tracks.pageReused(this.k.s, p, this.eventT);
  }

  private info(f: Finding, labelId: number): ViolationInfo {
    const l = labelNames[labelId] ?? { fn: '', label: '' };
    return {
      id: f.id,
      step: this.curStep,
      // Raised inside a label: the micro-step being run, which the kernel records only after its label returned.
      microstep: this.k.inLabel ? this.msStep.n : Math.max(0, this.msStep.n - 1),
      fn: l.fn.split('@')[0],
      label: l.label,
      cpus: [...new Set(f.cpus)].map((c) => `cpu${c}`),
      objects: f.objects.filter((o) => o),
      message: f.message,
    };
  }

  // ---- running ----

  private onProgress: ((done: number, total: number) => void) | undefined;

  private run(every: number, extend?: (s: Readonly<SimState>, index: number) => StepFile | null): void {
    const k = this.k;
    this.pushKeyframe(0, 0, null);
    let lastKf = 0;
    for (let i = 0; ; i++) {
      if (this.onProgress && i % PROGRESS_EVERY === 0 && i > 0) this.onProgress(i, this.stepTotal);
      if (i >= this.stepTotal) {
        const next = extend?.(k.s, this.file.steps.length);
        if (!next) break;
        this.file.steps.push(next);
      }
      this.curStep = i;
      const first = this.msStep.n;
      let outcome: StepInfo['outcome'];
      let error: string | null = null;
      try {
        [outcome, error] = this.runStep(i);
      } catch (e) {
        if (e instanceof ScenarioError) throw e;
        this.internalError = `step ${i}: internal model error: ${(e as Error).message}`;
        [outcome, error] = ['refused', this.internalError];
      }
      this.stepFirst.push(first);
      this.stepCount.push(this.msStep.n - first);
      this.stepOutcome.push(OUTCOMES.indexOf(outcome));
      for (const key of COUNTER_KEYS) this.stepCounters.push(k.s.counters[key]);
      if (error) this.stepErrors.set(i, `${this.pathOf(i)}: ${error}`);
      if (this.internalError) break;
      if (this.msStep.n - lastKf >= every) {
        this.pushKeyframe(this.msStep.n, i + 1, this.keyframes[this.keyframes.length - 1].state);
        lastKf = this.msStep.n;
      }
    }
    for (const a of [this.msStep, this.msWhat, this.stepFirst, this.stepCount, this.stepOutcome, this.stepCounters]) a.trim();
    this.tracks.finish();
  }

  private get stepTotal(): number {
    return this.setupLen + this.file.steps.length;
  }
  private stepFile(i: number): StepFile {
    return i < this.setupLen ? this.file.setup![i] : this.file.steps[i - this.setupLen];
  }
  private pathOf(i: number): string {
    return i < this.setupLen ? `setup[${i}]` : `steps[${i - this.setupLen}]`;
  }

  private pushKeyframe(microstep: number, step: number, prev: KeyState | null): void {
    const state = keyframeOf(this.k.s, prev, this.k.kfDirty);
    this.keyframes.push({ microstep, step, state: this.freezeKeyframes ? freeze(state) : state });
    this.clearKf();
  }

  /** Every step that ran, as StepInfo (built on demand from the compact records). */
  get steps(): StepInfo[] {
    if (this.stepsCache && this.stepsCache.length === this.stepFirst.n) return this.stepsCache;
    const out: StepInfo[] = [];
    for (let i = 0; i < this.stepFirst.n; i++) {
      const file = this.stepFile(i);
      const setup = i < this.setupLen;
      const error = this.stepErrors.get(i);
      out.push({
        index: i, number: setup ? i : i - this.setupLen, setup, actor: file.do === 'device_access' ? file.device! : `cpu${file.cpu}`, op: file.do, text: describeStep(file),
        ...(file.note ? { note: file.note } : {}),
        firstMicrostep: this.stepFirst.a[i], microstepCount: this.stepCount.a[i], outcome: OUTCOMES[this.stepOutcome.a[i]],
        ...(error ? { error } : {}),
      });
    }
    this.stepsCache = out;
    return out;
  }

  private clearKf(): void {
    for (const set of Object.values(this.k.kfDirty)) set.clear();
  }

  /** Run one step; returns its outcome and error. A request the current state cannot honour is refused with the reason. */
  private runStep(i: number): [StepInfo['outcome'], string | null] {
    const k = this.k;
    const file = this.stepFile(i);
    if (file.only && !file.only.includes(this.variant.name)) return ['skipped', null];
    if (file.do === 'speculate') {
      // Hardware, not a kernel operation: one micro-step on the CPU, whatever it is doing.
      k.curLabel = speculativeWalkFn.ids.speculative_fill;
      this.microstep(file.cpu!, k.curLabel);
      speculativeFill(k, file.cpu!, vpnOf(file.va));
      k.inv.afterMicrostep(k);
      k.clearDirty();
      return ['done', null];
    }
    if (file.do === 'device_access') {
      const d = k.s.devices.findIndex((x) => x.name === file.device);
      k.curLabel = deviceAccessFn.ids.iotlb_lookup_or_walk;
      this.microstep(this.ncpus + d, k.curLabel);
      deviceAccess(k, d, vpnOf(file.va), !!file.write);
      k.inv.afterMicrostep(k);
      k.clearDirty();
      return ['done', null];
    }
    const c = file.cpu!;
    const op = this.resolve(file);
    if (typeof op === 'string') return ['refused', op];
    const why = refuse(k, c, op);
    if (why) return ['refused', why];
    if (op.do === 'continue') {
      if (file.until && k.atLabel(k.s.cpus[c], file.until)) return ['refused', `CPU${c} is already paused at ${file.until}; continue without "until", or until a later micro-step`];
      k.continueOp(c, file.until ?? '');
    }
    else {
      const st = startOf(k, c, op);
      k.startOp(c, st.fn, st.args, file.until ?? '');
    }
    const outcome = k.pump(c);
    return [outcome === 'halted' ? 'done' : outcome, null];
  }

  /** Resolve names in a step to ids in the current state; a string is the reason it cannot be. */
  private resolve(f: StepFile): Op | string {
    const s = this.k.s;
    const names = this.k.names;
    const task = (n: string) => names.task(s.tasks, n);
    const mm = (n: string) => names.mm(s.mms, n);
    const page = (n: string) => names.page(s.pages, n);
    switch (f.do) {
      case 'switch': {
        if (f.to === 'idle') return { do: 'switch', to: 'idle' };
        const t = task(f.to);
        return t < 0 ? `task ${f.to} does not exist (yet)` : { do: 'switch', to: t };
      }
      case 'access':
        return { do: 'access', va: vpnOf(f.va), write: !!f.write };
      case 'map': {
        let p: number | null = null;
        if (f.page) {
          p = page(f.page);
          if (p < 0) p = this.newNamedPage(f.page);
        }
        return { do: 'map', va: vpnOf(f.va), page: p, write: f.write ?? true };
      }
      case 'munmap':
        return { do: 'munmap', va: vpnOf(f.va), pages: f.pages ?? 1, free_tables: !!f.free_tables };
      case 'cow':
        return { do: 'cow', va: vpnOf(f.va) };
      case 'reclaim': {
        const p = page(f.page);
        return p < 0 ? `page ${f.page} does not exist (yet)` : { do: 'reclaim', page: p };
      }
      case 'clone':
        return { do: 'clone', name: f.name };
      case 'exit':
        return { do: 'exit' };
      case 'exec':
        return { do: 'exec', mm: f.mm };
      case 'mmget':
      case 'mmget_not_zero':
      case 'mmput':
      case 'mmgrab':
      case 'mmdrop':
      case 'use_mm': {
        const m = mm(f.mm);
        return m < 0 ? `mm ${f.mm} does not exist (yet)` : ({ do: f.do, mm: m } as Op);
      }
      case 'unuse_mm':
        return { do: 'unuse_mm' };
      case 'membarrier_register':
      case 'membarrier':
        return { do: f.do, sync_core: !!f.sync_core };
      case 'continue':
        return { do: 'continue' };
      case 'device_access':
      case 'speculate':
        return `${f.do} is not a kernel operation`; // handled before resolution (runStep)
    }
  }

  /** A page named by a `map` step that does not exist yet: a fresh frame with that name. */
  private newNamedPage(name: string): number {
    const s = this.k.s;
    const id = s.pages.length;
    s.pages.push({ id, name, kind: 'data', refcount: 0, freed: false, reused: 0, owner: '', region: -1, may_walk: [], rmap: [] });
    this.k.page(id);
    return id;
  }

  // ---- seeking ----

  /** The state at the end of micro-step `ms` (0-based), or the initial state for ms = -1, as a snapshot: a fresh copy. */
  stateAt(ms: number): Snapshot {
    if (ms < -1 || ms >= this.msStep.n) throw new RangeError(`micro-step ${ms} is out of range (0..${this.msStep.n - 1})`);
    const target = ms + 1; // micro-steps done
    let lo = 0;
    let hi = this.keyframes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.keyframes[mid].microstep <= target) lo = mid;
      else hi = mid - 1;
    }
    const kf = this.keyframes[lo];
    const s = workingCopy(kf.state);
    if (kf.microstep === target) return snapshotOf(s);
    const k = new Kernel(s, this.k.arch, this, NO_HOOKS, this.k.names);
    this.recording = false;
    this.replayCount = kf.microstep;
    this.haltAt = target;
    const saved = this.curStep;
    try {
      for (let i = kf.step; i < this.stepTotal && !k.halted; i++) {
        this.curStep = i;
        const prevK = this.k;
        this.k = k;
        try {
          this.runStep(i);
        } finally {
          this.k = prevK;
        }
      }
    } finally {
      this.recording = true;
      this.haltAt = -1;
      this.curStep = saved;
    }
    return snapshotOf(k.s);
  }

  /** The final state (a copy). */
  finalState(): Snapshot {
    return this.microstepCount ? this.stateAt(this.microstepCount - 1) : this.stateAt(-1);
  }

  microstepRow(i: number): MicrostepRow {
    const what = this.msWhat.a[i];
    const actor = what >>> 16;
    const l = labelNames[what & 0xffff];
    return {
      index: i,
      step: this.msStep.a[i],
      cpu: actor < this.ncpus ? `cpu${actor}` : this.file.devices![actor - this.ncpus].name,
      fn: l.fn.split('@')[0],
      label: l.label,
      src: l.src,
    };
  }

  /** Who ran micro-step i, as an Actor. */
  actorOf(i: number): Actor {
    const a = this.msWhat.a[i] >>> 16;
    return a < this.ncpus ? { kind: 'cpu', n: a } : { kind: 'device', n: a - this.ncpus };
  }

  /** Where position t came from: micro-step t - 1's actor, function, label and step. t must be in [1, N]. */
  provenance(t: number): Provenance {
    const what = this.msWhat.a[t - 1];
    const l = labelNames[what & 0xffff];
    return { t, actor: this.actorOf(t - 1), fn: shownName(l.fn), label: l.label, step: this.msStep.a[t - 1] };
  }

  /** Index of the step micro-step i belongs to. */
  stepOf(i: number): number {
    return this.msStep.a[i];
  }

  get archPolicy() {
    return this.k.arch;
  }

  get keyframeCount(): number {
    return this.keyframes.length;
  }

  /** Cumulative counters at the end of step i (-1: before any step). */
  private countersAfter(i: number): CounterState {
    const out = { ipis: 0, flushes: 0, cr3Writes: 0, coreSyncs: 0, redundantCoreSyncs: 0, mmCountAtomics: 0 };
    if (i >= 0) COUNTER_KEYS.forEach((key, j) => (out[key] = this.stepCounters.a[i * COUNTER_KEYS.length + j]));
    return out;
  }

  /** Per step: what the step itself added to each counter. */
  counters(): Counters[] {
    const out: Counters[] = [];
    let prev = this.countersAfter(-1);
    for (let i = 0; i < this.stepFirst.n; i++) {
      const c = this.countersAfter(i);
      const d = { ...c };
      for (const key of COUNTER_KEYS) d[key] = c[key] - prev[key];
      out.push(d);
      prev = c;
    }
    return out;
  }

  totals(): Counters {
    return this.countersAfter(this.stepFirst.n - 1);
  }

  expectResult(): ExpectResult {
    const exp = expectOf(this.file, this.variant.name);
    const expected = exp.map((e) => (typeof e === 'string' ? e : e.id));
    const got = [...new Set(this.violations.map((v) => v.id))];
    const mismatches: string[] = [];
    const setupCount = this.file.setup?.length ?? 0;
    for (const e of exp) {
      const id = typeof e === 'string' ? e : e.id;
      const first = this.violations.find((v) => idMatches(id, v.id));
      if (!first) mismatches.push(`expected ${id}, not violated`);
      else if (typeof e === 'object' && e.step !== undefined && first.step - setupCount !== e.step) {
        mismatches.push(`expected ${id} first at step ${e.step}, got step ${first.step - setupCount}`);
      }
    }
    for (const g of got) if (!expected.some((e) => idMatches(e, g))) mismatches.push(`unexpected ${g}: ${this.violations.find((v) => v.id === g)!.message}`);
    for (const s of this.steps) if (s.error) mismatches.push(`refused ${s.error}`);
    if (this.internalError) mismatches.push(this.internalError);
    return { expected, got, ok: mismatches.length === 0, mismatches };
  }

  /** Every task, mm, page and device the run ever had: objects are created (clone, exec, map) but never removed. */
  private machine(): MachineInfo {
    const s = this.k.s;
    return {
      cpus: s.cpus.length,
      devices: s.devices.map((d) => ({ name: d.name, kind: d.kind })),
      tasks: s.tasks.map((t) => ({ name: t.name, kthread: t.kthread, idleOf: t.idle_of })),
      mms: s.mms.map((m) => ({ name: m.name })),
      pages: s.pages.map((p) => ({ name: p.name, kind: p.kind })),
    };
  }

  summary(): TimelineSummary {
    const f = this.file;
    return {
      scenarioId: f.id,
      machine: this.machine(),
      axis: { kind: 'microstep' },
      invariants: { ...INVARIANTS },
      title: f.title,
      summary: f.summary ?? '',
      ...(f.source ? { source: { ...f.source } } : {}),
      arch: this.variant.arch,
      variant: this.variant.name,
      variants: variantInfos(f),
      steps: this.steps,
      microstepCount: this.microstepCount,
      violations: this.violations,
      warnings: this.warnings,
      counters: this.counters(),
      totals: this.totals(),
      expect: this.expectResult(),
    };
  }
}

/** A one-line rendering of a step's operation. */
export function describeStep(f: StepFile): string {
  const until = f.until ? ` until ${f.until}` : '';
  switch (f.do) {
    case 'switch': return `switch to ${f.to}${until}`;
    case 'access': return `${f.write ? 'write' : 'read'} ${f.va}${until}`;
    case 'speculate': return `speculative walk of ${f.va}`;
    case 'map': return `map ${f.va}${f.page ? ` -> ${f.page}` : ''}${until}`;
    case 'munmap': return `munmap ${f.va}${f.pages && f.pages > 1 ? ` +${f.pages} pages` : ''}${f.free_tables ? ', freeing page tables' : ''}${until}`;
    case 'cow': return `COW break at ${f.va}${until}`;
    case 'reclaim': return `reclaim page ${f.page}${until}`;
    case 'clone': return `clone thread ${f.name}${until}`;
    case 'exit': return `exit${until}`;
    case 'exec': return `exec (new mm ${f.mm})${until}`;
    case 'use_mm': return `use_mm(${f.mm})${until}`;
    case 'unuse_mm': return `unuse_mm${until}`;
    case 'membarrier_register': return `membarrier register${f.sync_core ? ' SYNC_CORE' : ''}`;
    case 'membarrier': return `membarrier(PRIVATE_EXPEDITED${f.sync_core ? '_SYNC_CORE' : ''})${until}`;
    case 'device_access': return `device ${f.write ? 'write' : 'read'} ${f.va}`;
    case 'continue': return `continue${until}`;
    default: return `${f.do}(${f.mm})${until}`;
  }
}
