/**
 * What a run of a scenario looks like from the outside: the plain, structured-clone data the worker sends to the UI
 * and the CLI prints with --json. Snapshots of the full model state are fetched separately, one micro-step at a time.
 */

export interface VariantInfo {
  name: string;
  label: string;
  explanation: string;
  /** Invariant ids this variant is expected to violate (empty: none). */
  expect: string[];
}

export interface SourceInfo {
  subject: string;
  date: string;
  authors: string[];
  messageIds: string[];
  archive?: string;
  /** What each side argued, paraphrased. */
  positions?: Array<{ who: string; said: string }>;
  /** What was merged afterwards and when, with uncertainty noted. */
  outcome?: string;
}

export interface PresetInfo {
  id: string;
  title: string;
  summary: string;
  /** Which steps of the basics preset it builds on, in a sentence (a thread preset). */
  basics?: string;
  arch: string;
  variants: VariantInfo[];
}

export interface StepInfo {
  /** Index in the run: setup steps first, then the scenario's steps. Violations refer to this index. */
  index: number;
  /** Index within its own list (`setup[number]` or `steps[number]`): what the CLI, `expect` and errors call it. */
  number: number;
  /** True for the operations of `setup`, which the UI shows collapsed. */
  setup: boolean;
  /** "cpu1" or "dev0". */
  actor: string;
  op: string;
  /** One-line rendering of the operation and its arguments, e.g. `switch to K`. */
  text: string;
  note?: string;
  /** When it happened in the kernel trace it was imported from, in seconds (the step's `time`). */
  time?: number;
  /** Index of the first micro-step this step ran, and how many it ran (0 if it was refused). */
  firstMicrostep: number;
  microstepCount: number;
  /** Set when the operation was refused at this step: what was wrong, with the JSON path. */
  error?: string;
  /**
   * Where the step left the actor's operation: finished, paused at `until`, blocked waiting for an IPI, refused
   * (see `error`), or skipped (the step belongs to other variants: `only`); in an explicit schedule (lazytlb/2), running:
   * the CPU still has an operation or handler in flight, which later `step`s move.
   */
  outcome: 'done' | 'paused' | 'blocked' | 'refused' | 'skipped' | 'running';
}

export interface MicrostepRow {
  index: number;
  step: number;
  cpu: string;
  /** Kernel function the micro-step belongs to, e.g. `flush_tlb_mm_range`. */
  fn: string;
  /** Label of the atomic step inside it, e.g. `inc_mm_tlb_gen`. */
  label: string;
  /** Kernel source file the function lives in. */
  src: string;
  /** The function at the era's release on a public source browser (identifier search); see TimelineSummary.kernelSource. */
  link?: string;
  /** The file at the era's release. */
  srcLink?: string;
  /** What the arch decided at this micro-step and why (absent when it decided nothing); see DecisionInfo. */
  decisions?: DecisionInfo[];
}

/**
 * A decision an arch's flush code took at a micro-step (arch/*.ts decision functions, e.g. x86's flushDecision, the
 * kernel's should_flush_tlb): what, about which CPU, and the kernel condition that made it.
 */
export interface DecisionInfo {
  /** The CPU the decision is about (`cpu1`), absent for a decision about the flush as a whole. */
  cpu?: string;
  /** What was decided, short: `skip`, `IPI`, `local only`, `tlbie broadcast`, `IPTE`, ... */
  decision: string;
  /** The kernel condition that made it, naming the kernel function or test: `is_lazy (should_flush_tlb)`. */
  reason: string;
}

/** One line for the narration: `CPU1 skip: is_lazy (should_flush_tlb)`, or `IPI: ...` for a whole-flush decision. */
export function decisionText(d: DecisionInfo): string {
  return `${d.cpu ? `${d.cpu.toUpperCase()} ` : ''}${d.decision}: ${d.reason}`;
}

/** The kernel release the variant's era is read at (ArchPolicy.era), and where its source can be browsed. */
export interface KernelSourceInfo {
  /** Release tag, e.g. `v6.12`, `v5.4`, `v3.10`. */
  version: string;
  /** Base of the version-pinned links: `<browser>/source/<file>`, `<browser>/A/ident/<function>`. */
  browser: string;
}

export interface ViolationInfo {
  /** Invariant id of docs/kernel-semantics.md §4, e.g. `I9`. */
  id: string;
  step: number;
  microstep: number;
  fn: string;
  label: string;
  /** The function at the era's release (identifier search on a public source browser). */
  link?: string;
  cpus: string[];
  /** Objects involved: mm, task, page names. */
  objects: string[];
  message: string;
}

/** Findings grouped by step index, in order: one pass, so listing them stays linear in the run (the CLI, the step list). */
export function findingsByStep<F extends { step: number }>(findings: readonly F[]): Map<number, F[]> {
  const m = new Map<number, F[]>();
  for (const f of findings) {
    const l = m.get(f.step);
    if (l) l.push(f);
    else m.set(f.step, [f]);
  }
  return m;
}

export type { Counters } from '../model/types.ts';
import type { MachineInfo, TrackAxis } from './tracks.ts';
import type { Counters } from '../model/types.ts';

export interface ExpectResult {
  expected: string[];
  got: string[];
  ok: boolean;
  /** What differs, one line per difference. */
  mismatches: string[];
}

/** Two variants compared step by step (the compare view). */
export interface CompareInfo {
  /** Index of the first step after which the two states or their findings differ; null when none does. */
  firstDifferentStep: number | null;
  /** What differs there, one line each (`violations: I11 vs none`, `cpus.cpu1.loaded_mm: "M" vs "init_mm"`). */
  differences: string[];
  /** False when the timelines were too long to compare step by step. */
  computed: boolean;
}

export interface TimelineSummary {
  scenarioId: string;
  /** Everything that exists at some point of the run (lanes are laid out from it before any state is fetched). */
  machine: MachineInfo;
  /** Positions are micro-steps done (tracks.ts); `time` when the run also has a trace clock (clock.ts). */
  axis: { kind: 'microstep' } | TrackAxis;
  /** One-line titles of the invariants (docs/kernel-semantics.md §4), by id, for the UI. */
  invariants: Record<string, string>;
  title: string;
  summary: string;
  /** Which steps of the basics preset it builds on, in a sentence. */
  basics?: string;
  source?: SourceInfo;
  arch: string;
  variant: string;
  /** The release the variant's era is read at, for version-pinned source links (names shown are that era's). */
  kernelSource?: KernelSourceInfo;
  variants: VariantInfo[];
  steps: StepInfo[];
  microstepCount: number;
  violations: ViolationInfo[];
  /** Kernel WARN_ON-like events the model recorded (not invariant violations). */
  warnings: ViolationInfo[];
  /** Per step (index = step index). */
  counters: Counters[];
  totals: Counters;
  expect: ExpectResult;
  /**
   * A counterexample's race (format lazytlb/2 `race`): the two steps whose order made the difference, as indexes into
   * `steps` (setup included, like StepInfo.index), the first one run first, and a sentence.
   */
  race?: { first: number; second: number; note?: string };
}
