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
import { shownName } from '../engine/fn.ts';
import { traceClockOf, type TraceClock } from '../protocol/clock.ts';
import { ARCHES } from '../arch/index.ts';
import { labelNames } from '../engine/fn.ts';
import { EraNames } from '../engine/era.ts';
import { NO_CHECKS } from '../engine/events.ts';
import { Kernel, type Finding, type InvariantHooks, type Recorder } from '../engine/kernel.ts';
import { Checker } from '../invariants/index.ts';
import { INVARIANTS, idMatches } from '../invariants/catalog.ts';
import { freeze, keyframeOf, snapshotOf, workingCopy, type KeyState } from '../model/clone.ts';
import { initialState } from '../scenario/initial.ts';
import type { CounterState, SimState, Snapshot } from '../model/types.ts';
import { describeStep, opDef } from '../ops/index.ts';
import { beginStep, makeChoice } from '../ops/resolve.ts';
import { ScenarioError, expectOf, noteOf, resolveVariant, variantInfos, type ResolvedVariant } from '../scenario/load.ts';
import type { ScenarioFile, StepFile } from '../scenario/schema.ts';
import type { Decision } from '../engine/policy.ts';
import type { Counters, DecisionInfo, ExpectResult, KernelSourceInfo, MicrostepRow, StepInfo, TimelineSummary, ViolationInfo } from '../protocol/summary.ts';
import type { Actor, MachineInfo, Provenance } from '../protocol/tracks.ts';
import { TracksRecorder, trimmed } from './tracks.ts';
import '../kernel/all.ts';

/** Micro-steps between keyframes: seek replays at most this many (plus one step); see `npm run bench`. */
export const KEYFRAME_EVERY = 2048;
/** Steps between progress reports of a long run. */
export const PROGRESS_EVERY = 4096;
/** Distinct decision texts a run may intern (Timeline.decided packs the CPU above them). */
const DECISION_IDS = 1 << 22;

interface Keyframe {
  /** Micro-steps recorded before this state. */
  microstep: number;
  /** Index of the next step to run (into the combined setup + steps list). */
  step: number;
  state: KeyState;
}


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

const OUTCOMES: StepInfo['outcome'][] = ['done', 'paused', 'blocked', 'refused', 'skipped', 'running'];
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
  /**
   * Arch decisions (Kernel.decided), sparse and in micro-step order: the micro-step of each, and (cpu + 1) << 22 | the
   * id of its interned (decision, reason) pair (0 for no CPU). The texts are a small set of arch constants.
   */
  private decAt = new GrowArray(64);
  private decWhat = new GrowArray(64);
  private decTexts: Array<{ decision: string; reason: string }> = [];
  private decIds = new Map<string, number>();
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
    const s = initialState(file, this.variant);
    this.ncpus = file.machine.cpus;
    this.setupLen = file.setup?.length ?? 0;
    this.tracks = new TracksRecorder(s, EraNames.of(arch, s.config));
    this.k = new Kernel(s, arch, this, this.recordingHooks());
    if (opts.extend) this.file = { ...file, steps: file.steps.slice() };
    this.onProgress = opts.onProgress;
    this.run(opts.keyframeEvery ?? KEYFRAME_EVERY, opts.extend);
  }

  /** The checker, then the tracks recorder: the hooks of the recording run only (replays use NO_CHECKS). */
  private recordingHooks(): InvariantHooks {
    const tracks = this.tracks;
    const count = () => this.msStep.n;
    return new (class extends Checker {
      override afterMicrostep(k: Kernel): void {
        super.afterMicrostep(k);
        tracks.afterMicrostep(k, count());
      }
    })();
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
  decided(d: Decision, cpu: number | null): void {
    if (!this.recording) return;
    const key = `${d.decision}\n${d.reason}`;
    let id = this.decIds.get(key);
    if (id === undefined) {
      id = this.decTexts.length;
      if (id >= DECISION_IDS) throw new Error(`more than ${DECISION_IDS} distinct decision texts: they must be constants`);
      this.decTexts.push({ decision: d.decision, reason: d.reason });
      this.decIds.set(key, id);
    }
    this.decAt.push(this.eventT - 1);
    this.decWhat.push((((cpu ?? -1) + 1) * DECISION_IDS + id) >>> 0);
  }

  /** The decisions taken at micro-step i, in the order taken (absent: none). */
  decisionsAt(i: number): DecisionInfo[] | undefined {
    const at = this.decAt.a;
    let lo = 0;
    let hi = this.decAt.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at[mid] < i) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= this.decAt.n || at[lo] !== i) return undefined;
    const out: DecisionInfo[] = [];
    for (let j = lo; j < this.decAt.n && at[j] === i; j++) out.push(this.decisionOf(j));
    return out;
  }

  private decisionOf(j: number): DecisionInfo {
    const w = this.decWhat.a[j];
    const cpu = Math.floor(w / DECISION_IDS) - 1;
    return { ...(cpu >= 0 ? { cpu: `cpu${cpu}` } : {}), ...this.decTexts[w % DECISION_IDS] };
  }

  /** Every decision of the run, in order, with the micro-step that took it. */
  decisionList(): Array<DecisionInfo & { microstep: number }> {
    const out: Array<DecisionInfo & { microstep: number }> = [];
    for (let j = 0; j < this.decAt.n; j++) out.push({ microstep: this.decAt.a[j], ...this.decisionOf(j) });
    return out;
  }

  /** How many decisions the run recorded. */
  get decisionCount(): number {
    return this.decAt.n;
  }

  private info(f: Finding, labelId: number): ViolationInfo {
    const l = labelNames[labelId] ?? { fn: '', label: '' };
    return {
      id: f.id,
      step: this.curStep,
      // Raised inside a label: the micro-step being run, which the kernel records only after its label returned.
      microstep: this.k.inLabel ? this.msStep.n : Math.max(0, this.msStep.n - 1),
      fn: this.k.era.fn(l.fn),
      label: this.k.era.label(l.fn, l.label),
      ...(l.fn && this.k.era.identLink(l.fn) ? { link: this.k.era.identLink(l.fn) } : {}),
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
    for (const a of [this.msStep, this.msWhat, this.decAt, this.decWhat, this.stepFirst, this.stepCount, this.stepOutcome, this.stepCounters]) a.trim();
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
      const note = noteOf(file, this.variant.name);
      out.push({
        index: i, number: setup ? i : i - this.setupLen, setup, actor: file.do === 'device_access' ? file.device! : `cpu${file.cpu}`, op: file.do, text: describeStep(file),
        ...(note ? { note } : {}),
        ...(file.time !== undefined ? { time: file.time } : {}),
        firstMicrostep: this.stepFirst.a[i], microstepCount: this.stepCount.a[i], outcome: OUTCOMES[this.stepOutcome.a[i]],
        ...(error ? { error } : {}),
      });
    }
    this.stepsCache = out;
    return out;
  }

  /** Where each position falls in the kernel trace the scenario was imported from (protocol/clock.ts); null without one. */
  get clock(): TraceClock | null {
    const steps = this.steps;
    if (this.clockCache?.steps !== steps) this.clockCache = { steps, clock: traceClockOf(steps) };
    return this.clockCache.clock;
  }
  private clockCache: { steps: StepInfo[]; clock: TraceClock | null } | null = null;

  private clearKf(): void {
    for (const set of Object.values(this.k.kfDirty)) set.clear();
  }

  /** Run one step; returns its outcome and error. A request the current state cannot honour is refused with the reason. */
  private runStep(i: number): [StepInfo['outcome'], string | null] {
    const k = this.k;
    const file = this.stepFile(i);
    if (file.only && !file.only.includes(this.variant.name)) return ['skipped', null];
    const hw = opDef(file.do).hardware;
    if (hw) {
      // Hardware, not a kernel operation: one micro-step of the CPU's MMU or of the device, whatever the CPU is doing.
      hw.run(k, file);
      return ['done', null];
    }
    const c = file.cpu!;
    if (i >= this.setupLen && this.file.schedule === 'explicit') return this.runExplicit(c, file);
    const why = beginStep(k, c, file);
    if (why) return ['refused', why];
    const outcome = k.pump(c);
    return [outcome === 'halted' ? 'done' : outcome, null];
  }

  /**
   * A step of an explicit schedule (lazytlb/2): an operation only begins (nothing runs ahead), a `step` runs one
   * micro-step and an `irq` delivers one IPI (ops/schedule.ts). The outcome says whether the CPU is still busy.
   */
  private runExplicit(c: number, file: StepFile): [StepInfo['outcome'], string | null] {
    const k = this.k;
    const why = opDef(file.do).choice ? makeChoice(k, c, file) : beginStep(k, c, file);
    if (why) return ['refused', why];
    return [k.s.cpus[c].stack.length ? 'running' : 'done', null];
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
    const k = new Kernel(s, this.k.arch, this, NO_CHECKS, this.k.names);
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
    const decisions = this.decisionsAt(i);
    return {
      index: i,
      step: this.msStep.a[i],
      cpu: actor < this.ncpus ? `cpu${actor}` : this.file.devices![actor - this.ncpus].name,
      fn: this.k.era.fn(l.fn),
      label: this.k.era.label(l.fn, l.label),
      src: this.k.era.src(l.fn),
      ...(this.k.era.identLink(l.fn) ? { link: this.k.era.identLink(l.fn), srcLink: this.k.era.fileLink(this.k.era.src(l.fn)) } : {}),
      ...(decisions ? { decisions } : {}),
    };
  }

  /**
   * Micro-step i's function and label in the names of the release the docs describe, whatever the variant's era shows
   * on screen (no era renames): what code that matches on labels (trace conformance) must compare.
   */
  canonicalLabel(i: number): { fn: string; label: string } {
    const l = labelNames[this.msWhat.a[i] & 0xffff];
    return { fn: shownName(l.fn), label: l.label };
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
    return { t, actor: this.actorOf(t - 1), fn: this.k.era.fn(l.fn), label: this.k.era.label(l.fn, l.label), step: this.msStep.a[t - 1] };
  }

  /** Index of the step micro-step i belongs to. */
  stepOf(i: number): number {
    return this.msStep.a[i];
  }

  /** The release the run's era is read at, and the base of its version-pinned source links. */
  kernelSource(): KernelSourceInfo {
    return { version: this.k.era.era.version, browser: this.k.era.browser };
  }

  /** The run's era: the names and release its functions are shown with (engine/era.ts). */
  get era(): EraNames {
    return this.k.era;
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
      tasks: s.tasks.map((t) => {
        const diedAt = this.tracks.diedAt.get(t.id);
        return { name: t.name, kthread: t.kthread, idleOf: t.idle_of, ...(diedAt !== undefined ? { diedAt } : {}) };
      }),
      mms: s.mms.map((m) => ({ name: m.name })),
      pages: s.pages.map((p) => ({ name: p.name, kind: p.kind })),
    };
  }

  summary(): TimelineSummary {
    const f = this.file;
    return {
      scenarioId: f.id,
      machine: this.machine(),
      axis: this.clock ? { kind: 'time', unit: 'us' } : { kind: 'microstep' },
      invariants: { ...INVARIANTS },
      title: f.title,
      summary: f.summary ?? '',
      ...(f.basics ? { basics: f.basics } : {}),
      ...(f.source ? { source: { ...f.source } } : {}),
      arch: this.variant.arch,
      variant: this.variant.name,
      kernelSource: this.kernelSource(),
      variants: variantInfos(f),
      steps: this.steps,
      microstepCount: this.microstepCount,
      violations: this.violations,
      warnings: this.warnings,
      counters: this.counters(),
      totals: this.totals(),
      expect: this.expectResult(),
      ...(f.race ? { race: { first: this.setupLen + f.race.first, second: this.setupLen + f.race.second, ...(f.race.note ? { note: f.race.note } : {}) } } : {}),
    };
  }
}

/** A one-line rendering of a step's operation (its definition's, ops/). */
export { describeStep };
