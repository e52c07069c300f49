import { afterEach, describe, expect, test } from 'vitest';
import type { StepInfo, TimelineSummary } from '../src-sim/protocol/index.ts';
import { axisMapOf, axisScale, clampTimeWindow } from './axis-map.ts';
import { initialState, panWindow, setTimeAxis, setWindow, store, zoomWindow } from './store.ts';

/** A trace's run: steps of 10 micro-steps at 0, 10 µs, 1 ms and 20 ms. */
function traced(): TimelineSummary {
  const times = [0, 0.00001, 0.001, 0.02];
  const steps: StepInfo[] = times.map((time, i) => ({ index: i, number: i, setup: false, actor: 'cpu0', op: 'switch', text: '', firstMicrostep: 10 * i, microstepCount: 10, outcome: 'done', time }));
  return { steps, microstepCount: 40, axis: { kind: 'time', unit: 'us' } } as TimelineSummary;
}

afterEach(() => store.setState({ ...initialState }));

describe('the lanes axis of a trace', () => {
  test('to scale: the scale is linear in trace time, invert gives positions back', () => {
    const map = axisMapOf(traced(), true);
    const x = axisScale(map, [0, 40], [0, 1000]);
    // 20 ms of 20.0001 ms: the first three steps crowd the left 5%, the idle gap before the last takes the rest
    expect(x(30)).toBeLessThan(1000 * (1.01 / 20));
    expect(x(31)).toBeGreaterThan(990);
    for (const p of [0, 5, 10, 15, 30.5, 40]) expect(x.invert(x(p))).toBeCloseTo(p, 6);
    expect(x.domain()).toEqual([0, 40]);
  });

  test('zoom and pan are even in time; the window never gets narrower than six micro-steps of time', () => {
    const summary = traced();
    store.setState({ summary, domain: [0, 40], t: 35 });
    const map = axisMapOf(summary, true);
    const width = () => map.of(store.getState().domain[1]) - map.of(store.getState().domain[0]);
    const before = width();
    zoomWindow(0.5, 30.5);
    expect(width()).toBeCloseTo(before / 2, 6);
    panWindow(-0.25);
    expect(width()).toBeCloseTo(before / 2, 6);
    setWindow(20, 20.0000001);
    expect(width()).toBeCloseTo(map.minSpan, 9);
    expect(clampTimeWindow(map, -5, 100, 40)).toEqual([0, 40]);
  });

  test('one micro-step per unit when asked: the window keeps the same stretch of the run', () => {
    const summary = traced();
    store.setState({ summary, domain: [10, 31] });
    setTimeAxis(false);
    expect(store.getState().timeAxis).toBe(false);
    expect(store.getState().domain).toEqual([10, 31]);
    expect(axisMapOf(summary, false).kind).toBe('microstep');
    zoomWindow(0.5, 20);
    expect(store.getState().domain).toEqual([15, 25.5]);
  });
});
