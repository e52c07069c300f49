/**
 * The run as one JSON object: what `npm run sim -- run --json` prints and what the app's "export JSON" saves. One
 * home for both, so they never drift apart.
 */
import { summarizeState } from './final.ts';
import type { Timeline } from './timeline.ts';

/** The shapes of what the CLI prints with --json (docs/cli-json.md). */
export const RUN_SCHEMA = 'lazytlb-run/1';
export const CHECK_SCHEMA = 'lazytlb-check/1';
export const EXPLORE_SCHEMA = 'lazytlb-explore/1';
export const TRACE_SCHEMA = 'lazytlb-trace/2';

/**
 * `decisions` (run --decisions): also list every arch decision with the micro-step that took it (off by default: the
 * golden timelines hash the default report).
 */
export function runReport(t: Timeline, opts: { decisions?: boolean } = {}) {
  const file = t.file;
  const setupCount = file.setup?.length ?? 0;
  const where = (i: number) => (i < setupCount ? { setup: true, step: i } : { step: i - setupCount });
  return {
    /** The version of this object's shape (docs/cli-json.md); a change that removes or renames a field bumps it. */
    schema: RUN_SCHEMA,
    scenario: file.id,
    variant: t.variant.name,
    arch: t.variant.arch,
    // The release the names below are read at, and the base of version-pinned source links (docs/cli-json.md).
    kernelSource: t.kernelSource(),
    steps: t.steps.length,
    setupSteps: setupCount,
    microsteps: t.microstepCount,
    // `step` counts within `steps` (as `expect` does); findings during setup say so and count within `setup`.
    violations: t.violations.map((v) => ({ id: v.id, ...where(v.step), microstep: v.microstep, cpu: v.cpus[0] ?? null, cpus: v.cpus, fn: v.fn, label: v.label, ...(v.link ? { link: v.link } : {}), objects: v.objects, message: v.message })),
    warnings: t.warnings.map((w) => ({ id: w.id, ...where(w.step), cpu: w.cpus[0] ?? null, message: w.message })),
    refused: t.steps.filter((s) => s.error).map((s) => ({ ...where(s.index), error: s.error })),
    counters: t.totals(),
    countersPerStep: t.counters(),
    expect: t.expectResult(),
    final: summarizeState(t.finalState()),
    ...(opts.decisions ? { decisions: decisionsReport(t, where) } : {}),
  };
}

export type RunReport = ReturnType<typeof runReport>;

/** Every arch decision: the micro-step, its step, function and label, the CPU it is about (if one), what and why. */
function decisionsReport(t: Timeline, where: (i: number) => { setup?: boolean; step: number }) {
  return t.decisionList().map((d) => {
    const row = t.microstepRow(d.microstep);
    return { microstep: d.microstep, ...where(row.step), fn: row.fn, label: row.label, cpu: d.cpu ?? null, decision: d.decision, reason: d.reason };
  });
}

/** Containers with at most this many values inside are serialised in one piece. */
const PIECE_NODES = 256;

/** Whether v holds at most `budget` values (counting nested ones), so that one JSON.stringify of it stays small. */
function small(v: unknown, budget: { n: number }): boolean {
  if (typeof v !== 'object' || v === null) return --budget.n >= 0;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (!small(x, budget)) return false;
  return --budget.n >= 0;
}

/**
 * `JSON.stringify(v, null, 2)`, the same text, as a sequence of pieces: a report of a long run (countersPerStep of
 * 2,000,000 steps) does not fit in one string, but its pieces can be written out one by one. Plain data only (what
 * runReport returns): no toJSON, no cycles.
 */
export function* jsonPieces(v: unknown, indent = ''): Generator<string> {
  if (typeof v !== 'object' || v === null || small(v, { n: PIECE_NODES })) {
    const s = JSON.stringify(v, null, 2) ?? 'null';
    yield indent ? s.replace(/\n/g, `\n${indent}`) : s;
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    yield '[';
    for (let i = 0; i < v.length; i++) {
      yield `${i ? ',' : ''}\n${inner}`;
      yield* jsonPieces(v[i] === undefined || typeof v[i] === 'function' ? null : v[i], inner);
    }
    yield `\n${indent}]`;
    return;
  }
  yield '{';
  let first = true;
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined || typeof x === 'function') continue;
    yield `${first ? '' : ','}\n${inner}${JSON.stringify(k)}: `;
    first = false;
    yield* jsonPieces(x, inner);
  }
  yield first ? '}' : `\n${indent}}`;
}
