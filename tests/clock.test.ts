/**
 * The trace clock (src-sim/protocol/clock.ts): positions placed in a kernel trace's time, and tracks bucketed by that
 * time (issue 11: the lanes on the trace's real time axis).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MICROSTEP_US, MIN_MICROSTEP_US, traceClockOf } from '../src-sim/protocol/clock.ts';
import type { StepInfo } from '../src-sim/protocol/summary.ts';
import { isBusy } from '../src-sim/protocol/tracks.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { timeAxis, tracksWindow } from '../src-sim/timeline/tracks_query.ts';
import { TraceImport } from '../src-sim/trace/import.ts';
import { presetById } from '../src-sim/scenario/presets.ts';

/** Steps of `counts` micro-steps each, back to back, with the given trace times in seconds (undefined: untimed). */
function steps(counts: number[], times: Array<number | undefined>): StepInfo[] {
  let first = 0;
  return counts.map((c, i) => {
    const s: StepInfo = { index: i, number: i, setup: false, actor: 'cpu0', op: 'switch', text: '', firstMicrostep: first, microstepCount: c, outcome: 'done', ...(times[i] !== undefined ? { time: times[i] } : {}) };
    first += c;
    return s;
  });
}

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-9);

describe('trace clock', () => {
  it('is null without two timed steps', () => {
    expect(traceClockOf(steps([3, 3], [undefined, undefined]))).toBeNull();
    expect(traceClockOf(steps([3, 3], [1, undefined]))).toBeNull();
  });

  it('places each step at its event time and its micro-steps after it, the state holding across idle gaps', () => {
    // 3 micro-steps at 0 s, 2 at 1 ms, 4 at 1 ms + 10 µs.
    const c = traceClockOf(steps([3, 2, 4], [1.0, 1.001, 1.00101]))!;
    close(c.toTime(1), MICROSTEP_US);
    close(c.toTime(3), 3 * MICROSTEP_US);
    close(c.toTime(4), 1000 + MICROSTEP_US);
    close(c.toTime(5), 1000 + 2 * MICROSTEP_US);
    close(c.toTime(6), 1010 + MICROSTEP_US);
    close(c.toTime(9), 1010 + 4 * MICROSTEP_US);
    // Between the first step's end and the second's first micro-step: the idle millisecond.
    expect(c.toPosition(500)).toBeGreaterThan(3);
    expect(c.toPosition(500)).toBeLessThan(4);
    for (let p = 0; p <= 9; p++) close(c.toPosition(c.toTime(p)), p);
  });

  it('squeezes a step into a shorter gap, and keeps events sharing a timestamp in order', () => {
    // 9 micro-steps 0.05 µs before the next event: spread over the gap, not past it.
    const squeezed = traceClockOf(steps([9, 1], [0, 0.00000005]))!;
    expect(squeezed.toTime(9)).toBeLessThanOrEqual(0.05 + 1e-12);
    close(squeezed.toTime(10), 0.05 + MICROSTEP_US);
    // Three events at the same microsecond: the clock still moves forward, by the least step.
    const same = traceClockOf(steps([2, 2, 2], [0.5, 0.5, 0.5]))!;
    for (let p = 1; p < 6; p++) expect(same.toTime(p + 1) - same.toTime(p)).toBeGreaterThanOrEqual(MIN_MICROSTEP_US - 1e-12);
  });

  it('puts untimed setup steps before time 0', () => {
    const c = traceClockOf(steps([4, 2, 2], [undefined, 0, 0.000002]))!;
    expect(c.toTime(0)).toBeLessThan(0);
    close(c.toTime(4), 0);
    close(c.toTime(5), MICROSTEP_US);
  });

  const x86 = (() => {
    const t = new TraceImport({ name: 'x86.txt' });
    t.push(readFileSync('tests/fixtures/traces/x86-6.18-lazytlb-demo.tracefs.txt', 'utf8'));
    return new Timeline(t.finish().scenario!, null);
  })();

  it('on the x86 capture: every step in time order starts at its trace time (within the micro-steps before it that shared it)', () => {
    const c = x86.clock!;
    expect(x86.summary().axis).toEqual({ kind: 'time', unit: 'us' });
    const timed = x86.steps.filter((s) => s.time !== undefined && s.microstepCount > 0);
    const t0 = timed[0].time!;
    let worst = 0;
    let latest = -Infinity;
    let behind = 0;
    for (const s of timed) {
      const late = c.toTime(s.firstMicrostep + 1) - (s.time! - t0) * 1e6;
      // A step the importer put after one with a later time (a flush run after the step it waited for) is drawn right
      // after that step: the axis follows the model's order.
      if (s.time! < latest) {
        behind++;
        expect(late).toBeGreaterThan(0);
      } else worst = Math.max(worst, late);
      latest = Math.max(latest, s.time!);
    }
    expect(behind).toBeLessThan(timed.length / 20);
    // Only events sharing a microstep's timestamp push later ones forward, by nanoseconds.
    expect(worst).toBeGreaterThanOrEqual(0);
    expect(worst).toBeLessThan(1);
    for (let i = 1; i < c.at.length; i++) {
      expect(c.at[i]).toBeGreaterThan(c.at[i - 1]);
      expect(c.us[i]).toBeGreaterThan(c.us[i - 1]);
    }
  });

  it('buckets tracks by trace time: no busy block spans an idle gap, and each value lasts a bucket of time', () => {
    const c = x86.clock!;
    const n = x86.microstepCount;
    const buckets = 400;
    const w = (c.toTime(n) - c.toTime(0)) / buckets;
    const byTime = tracksWindow(x86, 0, n, buckets, timeAxis(c));
    let busy = 0;
    for (const cpu of byTime.cpus) {
      const items = cpu.curr;
      for (let i = 0; i < items.length; i++) {
        const it = items[i];
        if (isBusy(it)) {
          busy++;
          // A busy block: changes each closer than a bucket of time to the next.
          expect(c.toTime(it.to) - c.toTime(it.from)).toBeLessThan(w * it.busy + 1e-6);
        } else if (i > 0 && i < items.length - 1) expect(c.toTime(it.to) - c.toTime(it.from)).toBeGreaterThanOrEqual(w - 1e-6);
      }
    }
    expect(busy).toBeGreaterThan(0);
    // In micro-steps the same window buckets differently (evenly in positions).
    const byStep = tracksWindow(x86, 0, n, buckets);
    expect(JSON.stringify(byStep.cpus)).not.toEqual(JSON.stringify(byTime.cpus));
  });

  it('a preset has no clock, and the micro-step axis is unchanged by it', () => {
    const tl = new Timeline(presetById('t2-use-mm-mm-users')!, null);
    expect(tl.clock).toBeNull();
    expect(tl.summary().axis).toEqual({ kind: 'microstep' });
  });
});
