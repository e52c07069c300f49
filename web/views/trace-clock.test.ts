import { describe, expect, it } from 'vitest';
import type { StepInfo, TimelineSummary } from '../../src-sim/protocol/index.ts';
import { axisMapOf } from '../axis-map.ts';
import { formatTraceTime, traceTicks, unitFor } from './trace-clock.ts';

/** A summary whose steps run 10 micro-steps each, at these trace times (seconds). */
function summary(times: Array<number | undefined>): TimelineSummary {
  const steps: StepInfo[] = times.map((time, i) => ({ index: i, number: i, setup: false, actor: 'cpu0', op: 'switch', text: '', firstMicrostep: 10 * i, microstepCount: 10, outcome: 'done', ...(time === undefined ? {} : { time }) }));
  const timed = times.filter((t) => t !== undefined).length >= 2;
  return { steps, microstepCount: 10 * times.length, axis: timed ? { kind: 'time', unit: 'us' } : { kind: 'microstep' } } as TimelineSummary;
}

describe('trace-time ticks', () => {
  it('are absent without trace times', () => {
    const s = summary([undefined, undefined]);
    expect(axisMapOf(s, true).kind).toBe('microstep');
    expect(traceTicks(axisMapOf(s, true), 0, 20, 4)).toEqual([]);
  });

  it('labels in µs, or ms from 10 ms', () => {
    expect(formatTraceTime(500)).toBe('500 µs');
    expect(formatTraceTime(20_000)).toBe('20 ms');
    expect(formatTraceTime(1234.5, 'ms')).toBe('1.235 ms');
    expect(unitFor(9_999)).toBe('µs');
  });

  it('on the time axis: evenly spaced round times, each at its exact position', () => {
    const s = summary([0, 0.00001, 0.0005, 0.02]);
    const map = axisMapOf(s, true);
    expect(map.kind).toBe('time');
    const t = traceTicks(map, 0, 40, 4);
    expect(t.map((x) => x.t)).toEqual([0, 5000, 10000, 15000, 20000]);
    // 5, 10 and 15 ms fall in the idle gap before the last step (positions 30 to 31).
    for (const { p, t: u } of t.slice(1, 4)) {
      expect(p).toBeGreaterThan(30);
      expect(p).toBeLessThan(31);
      expect(map.of(p)).toBeCloseTo(u, 6);
    }
  });

  it('on the micro-step axis: round times where the run reaches them, one per position', () => {
    const s = summary([0, 0.00001, 0.0005, 0.02]);
    const map = axisMapOf(s, false);
    expect(map.kind).toBe('microstep');
    const t = traceTicks(map, 0, 40, 4);
    // 5, 10, 15 and 20 ms are all reached at position 31, the last step's first micro-step: 20 ms is kept.
    expect(t.map((x) => x.p)).toEqual([0, 31]);
    expect(t[1].t).toBe(20000);
    for (const { p, t: u } of t) expect(map.clock!.toTime(p)).toBeGreaterThanOrEqual(u - 1e-9);
  });
});
