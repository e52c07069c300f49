/**
 * Positions on the time axis (src-sim/protocol/tracks.ts): t counts micro-steps done, 0 is the initial state and
 * N = microstepCount the final one. Pure functions over the summary: where each step ends, which step a position
 * belongs to, the next violation, the text that says where the playhead is.
 */
import type { StepInfo, TimelineSummary, ViolationInfo } from '../src-sim/protocol/index.ts';

/** The position where a step's last micro-step is done. */
export function stepEnd(step: StepInfo): number {
  return step.firstMicrostep + step.microstepCount;
}

/** Every position where an operation ends, ascending, without repeats, always starting at 0. */
export function stepBoundaries(steps: StepInfo[]): number[] {
  const out = [0];
  for (const s of steps) {
    const end = stepEnd(s);
    if (s.microstepCount > 0 && end > out[out.length - 1]) out.push(end);
  }
  return out;
}

/** The step whose micro-step ran at t (t >= 1); at t = 0, or when no step ran micro-steps, null. */
export function stepAt(steps: StepInfo[], t: number): StepInfo | null {
  if (t <= 0) return null;
  const ms = t - 1;
  let lo = 0;
  let hi = steps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = steps[mid];
    if (ms < s.firstMicrostep) hi = mid - 1;
    else if (ms >= s.firstMicrostep + s.microstepCount) lo = mid + 1;
    else return s;
  }
  return null;
}

/** Where the playhead lands after a scenario is opened: once the setup steps are done. */
export function startPosition(summary: Pick<TimelineSummary, 'steps'>): number {
  let t = 0;
  for (const s of summary.steps) if (s.setup) t = Math.max(t, stepEnd(s));
  return t;
}

/** The next (dir = 1) or previous (dir = -1) operation boundary from t. */
export function stepBy(steps: StepInfo[], t: number, dir: 1 | -1): number {
  const b = stepBoundaries(steps);
  if (dir > 0) return b.find((x) => x > t) ?? b[b.length - 1];
  for (let i = b.length - 1; i >= 0; i--) if (b[i] < t) return b[i];
  return 0;
}

/** Position of a finding: just after the micro-step that raised it. */
export function findingPosition(f: Pick<ViolationInfo, 'microstep'>): number {
  return f.microstep + 1;
}

/**
 * Per list of violations, built once (these run on every playhead move; a long run has many thousands): the
 * positions with a violation, ascending, and the violations at each position.
 */
const byPosition = new WeakMap<ViolationInfo[], { ts: number[]; at: Map<number, ViolationInfo[]> }>();

function indexOf(violations: ViolationInfo[]): { ts: number[]; at: Map<number, ViolationInfo[]> } {
  let index = byPosition.get(violations);
  if (!index) {
    const at = new Map<number, ViolationInfo[]>();
    for (const v of violations) {
      const t = findingPosition(v);
      const list = at.get(t);
      if (list) list.push(v);
      else at.set(t, [v]);
    }
    index = { ts: [...at.keys()].sort((a, b) => a - b), at };
    byPosition.set(violations, index);
  }
  return index;
}

/** The next (dir = 1) or previous (dir = -1) position with a violation, or null. */
export function violationBy(violations: ViolationInfo[], t: number, dir: 1 | -1): number | null {
  const { ts } = indexOf(violations);
  // First index whose position is > t.
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  if (dir > 0) return lo < ts.length ? ts[lo] : null;
  let i = lo - 1;
  if (i >= 0 && ts[i] === t) i--;
  return i >= 0 ? ts[i] : null;
}

const NONE: ViolationInfo[] = [];

/** Violations raised exactly at position t. */
export function violationsAt(violations: ViolationInfo[], t: number): ViolationInfo[] {
  return indexOf(violations).at.get(t) ?? NONE;
}

/** How many setup steps and how many scheduled steps (counted once per list). */
const counts = new WeakMap<StepInfo[], { setup: number; schedule: number }>();

export function stepCounts(steps: StepInfo[]): { setup: number; schedule: number } {
  let c = counts.get(steps);
  if (!c) {
    const setup = steps.filter((s) => s.setup).length;
    c = { setup, schedule: steps.length - setup };
    counts.set(steps, c);
  }
  return c;
}

/** Clamp to [0, n], as an integer. */
export function clampPosition(t: number, n: number): number {
  if (!Number.isFinite(t)) return 0;
  return Math.max(0, Math.min(n, Math.round(t)));
}

/** "step 4 of 6, micro-step 53 of 71" (setup steps say "setup 1 of 3"); the live line for assistive technology. */
export function positionText(summary: Pick<TimelineSummary, 'steps' | 'microstepCount'>, t: number): string {
  const n = summary.microstepCount;
  const step = stepAt(summary.steps, t);
  const ms = `micro-step ${t} of ${n}`;
  if (!step) return `initial state, before any step; ${ms}`;
  const c = stepCounts(summary.steps);
  const total = step.setup ? c.setup : c.schedule;
  return `${step.setup ? 'setup' : 'step'} ${step.number} of ${total}${t === stepEnd(step) ? ' (done)' : ''}, ${ms}`;
}

/**
 * Lockstep by step: the position in another run of the same steps (another variant) that matches t in this one. At a
 * step's end, that step's end there; inside a step, as far into the same step, but never past its end.
 */
export function lockstep(these: StepInfo[], those: StepInfo[], t: number): number {
  const step = stepAt(these, t);
  if (!step) return 0;
  const other = those[step.index];
  if (!other) return those.length ? stepEnd(those[those.length - 1]) : 0;
  if (t === stepEnd(step)) return stepEnd(other);
  return Math.min(other.firstMicrostep + (t - step.firstMicrostep), stepEnd(other));
}
