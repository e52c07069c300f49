/**
 * The run as one JSON object: what `npm run sim -- run --json` prints and what the app's "export JSON" saves. One
 * home for both, so they never drift apart.
 */
import { summarizeState } from './final.ts';
import type { Timeline } from './timeline.ts';

export function runReport(t: Timeline) {
  const file = t.file;
  const setupCount = file.setup?.length ?? 0;
  const where = (i: number) => (i < setupCount ? { setup: true, step: i } : { step: i - setupCount });
  return {
    scenario: file.id,
    variant: t.variant.name,
    arch: t.variant.arch,
    steps: t.steps.length,
    setupSteps: setupCount,
    microsteps: t.microstepCount,
    // `step` counts within `steps` (as `expect` does); findings during setup say so and count within `setup`.
    violations: t.violations.map((v) => ({ id: v.id, ...where(v.step), microstep: v.microstep, cpu: v.cpus[0] ?? null, cpus: v.cpus, fn: v.fn, label: v.label, objects: v.objects, message: v.message })),
    warnings: t.warnings.map((w) => ({ id: w.id, ...where(w.step), cpu: w.cpus[0] ?? null, message: w.message })),
    refused: t.steps.filter((s) => s.error).map((s) => ({ ...where(s.index), error: s.error })),
    counters: t.totals(),
    countersPerStep: t.counters(),
    expect: t.expectResult(),
    final: summarizeState(t.finalState()),
  };
}

export type RunReport = ReturnType<typeof runReport>;
