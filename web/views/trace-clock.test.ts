import { describe, expect, it } from 'vitest';
import type { StepInfo } from '../../src-sim/protocol/index.ts';
import { traceClock } from './trace-clock.ts';

/** Steps of 10 micro-steps each, at these trace times (seconds). */
function steps(times: Array<number | undefined>): StepInfo[] {
  return times.map((time, i) => ({ index: i, number: i, setup: false, actor: 'cpu0', op: 'switch', text: '', firstMicrostep: 10 * i, microstepCount: 10, outcome: 'done', ...(time === undefined ? {} : { time }) }));
}

describe('the trace clock of the time axis', () => {
  it('is absent without trace times', () => {
    expect(traceClock(steps([undefined, undefined]))).toBeNull();
  });

  it('reads a position as the time of its step, after the first timed step', () => {
    const c = traceClock(steps([100.0, 100.000010, 100.000500, 100.02]))!;
    expect(c.at(0)).toBe(0);
    expect(c.at(9)).toBe(0);
    expect(c.at(15)).toBeCloseTo(10e-6, 12);
    expect(c.label(25)).toBe('500 µs');
    expect(c.label(35)).toBe('20 ms');
  });

  it('puts round-time ticks where the run reaches those times, in order, one per position', () => {
    const c = traceClock(steps([0, 0.00001, 0.0005, 0.02]))!;
    expect(c.positionOf(0)).toBe(0);
    expect(c.positionOf(5e-6)).toBe(10);
    expect(c.positionOf(0.0003)).toBe(20);
    expect(c.positionOf(1)).toBe(30);
    const t = c.ticks(0, 40, 4);
    // 5, 10, 15 and 20 ms are all reached at position 30, where the time jumps from 0.5 to 20 ms: 20 ms is shown
    expect(t).toEqual([{ p: 0, s: 0 }, { p: 30, s: 0.02 }]);
    for (let i = 1; i < t.length; i++) expect(t[i].p).toBeGreaterThan(t[i - 1].p);
    for (const { p, s } of t) expect(c.at(p)).toBeGreaterThanOrEqual(s - 1e-12);
  });
});
