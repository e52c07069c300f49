/**
 * Two variants of one scenario, step by step: the first step after which their state (as the final-state summary
 * words it: every CPU's current task, active_mm, loaded mm, lazy flag and TLB size, every mm's counts, mask and state,
 * every task and page) or their findings differ. Both timelines run the same list of steps (a step a variant skips
 * with `only` runs no micro-step there), so step i of one is step i of the other.
 */
import type { CompareInfo } from '../protocol/summary.ts';
import { summarizeState } from './final.ts';
import type { Timeline } from './timeline.ts';

/** Past this many steps the comparison is not computed (it rebuilds each side's state at every step end). */
export const MAX_COMPARED_STEPS = 2_000;

function stateAfter(t: Timeline, stepIndex: number): string {
  const s = t.steps[stepIndex];
  return JSON.stringify(summarizeState(t.stateAt(s.firstMicrostep + s.microstepCount - 1)));
}

function findings(t: Timeline, stepIndex: number): string {
  return [...new Set(t.violations.filter((v) => v.step === stepIndex).map((v) => v.id))].sort().join(' ');
}

/** Lines that say what differs, at most `max`. */
function differences(a: unknown, b: unknown, path: string, out: string[], max: number): void {
  if (out.length >= max) return;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    if (a !== b) out.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    return;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const label = (a as Record<string, unknown>)[k] as { cpu?: string; mm?: string; task?: string; page?: string } | undefined;
    const name = label && typeof label === 'object' ? (label.cpu ?? label.mm ?? label.task ?? label.page ?? k) : k;
    differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${name}` : name, out, max);
  }
}

export function compareTimelines(a: Timeline, b: Timeline): CompareInfo {
  const steps = Math.min(a.steps.length, b.steps.length);
  if (steps > MAX_COMPARED_STEPS) return { firstDifferentStep: null, differences: [], computed: false };
  for (let i = 0; i < steps; i++) {
    const fa = findings(a, i);
    const fb = findings(b, i);
    const sa = stateAfter(a, i);
    const sb = stateAfter(b, i);
    if (fa === fb && sa === sb) continue;
    const out: string[] = [];
    if (fa !== fb) out.push(`violations: ${fa || 'none'} vs ${fb || 'none'}`);
    differences(JSON.parse(sa), JSON.parse(sb), '', out, 8);
    return { firstDifferentStep: i, differences: out, computed: true };
  }
  return { firstDifferentStep: null, differences: [], computed: true };
}
