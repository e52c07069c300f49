import { describe, expect, test } from 'vitest';
import { createHost } from '../src-sim/host.ts';
import { presetById } from '../src-sim/scenario/presets.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { compareTimelines } from '../src-sim/timeline/compare.ts';
import { summarizeState } from '../src-sim/timeline/final.ts';

describe('compare two variants step by step', () => {
  test('t2: buggy and fixed first differ where the state or the findings do, and not before', () => {
    const file = presetById('t2-use-mm-mm-users')!;
    const a = new Timeline(file, 'buggy');
    const b = new Timeline(file, 'fixed');
    const c = compareTimelines(a, b);
    expect(c.computed).toBe(true);
    const i = c.firstDifferentStep!;
    expect(i).not.toBeNull();
    expect(c.differences.length).toBeGreaterThan(0);
    const at = (t: Timeline, k: number) => JSON.stringify(summarizeState(t.stateAt(t.steps[k].firstMicrostep + t.steps[k].microstepCount - 1)));
    for (let k = 0; k < i; k++) expect(at(a, k), `step ${k}`).toBe(at(b, k));
    const ids = (t: Timeline) => t.violations.filter((v) => v.step === i).map((v) => v.id).sort().join();
    expect(at(a, i) !== at(b, i) || ids(a) !== ids(b)).toBe(true);
  });

  test('a variant compared with itself never differs', () => {
    const file = presetById('t5-fullmm-upfront-flush')!;
    expect(compareTimelines(new Timeline(file, 'buggy'), new Timeline(file, 'buggy'))).toEqual({ firstDifferentStep: null, differences: [], computed: true });
  });

  test('the host runs the compared variant beside the main one and serves both', () => {
    const h = createHost();
    expect(h.handle({ type: 'sim/compareRequested', seq: 1, variant: 'fixed' })).toMatchObject({ type: 'sim/failed' });
    h.handle({ type: 'sim/loadRequested', seq: 2, source: { kind: 'preset', id: 't2-use-mm-mm-users' }, variant: 'buggy' });
    const r = h.handle({ type: 'sim/compareRequested', seq: 3, variant: 'fixed' });
    expect(r.type).toBe('sim/compared');
    if (r.type !== 'sim/compared') return;
    expect(r.summary?.variant).toBe('fixed');
    const v = h.handle({ type: 'sim/viewRequested', seq: 4, t: 3, of: 'compare' });
    expect(v.type).toBe('sim/viewReady');
    expect(h.handle({ type: 'sim/compareRequested', seq: 5, variant: 'no-such' })).toMatchObject({ type: 'sim/failed' });
    h.handle({ type: 'sim/compareRequested', seq: 6, variant: null });
    expect(h.handle({ type: 'sim/viewRequested', seq: 7, t: 3, of: 'compare' })).toMatchObject({ type: 'sim/failed', error: { message: 'no variant is being compared' } });
  });
});
