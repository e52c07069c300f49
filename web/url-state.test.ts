import { describe, expect, test } from 'vitest';
import type { TimelineSummary } from '../src-sim/protocol/index.ts';
import { formatViewParams, parseViewParams, positionFromParams } from './url-state.ts';

describe('URL state', () => {
  test('round trip, keeping other parameters', () => {
    const q = formatViewParams('?lang=en', { scenario: 't2', variant: 'buggy', step: 3, ms: 41 });
    expect(q).toBe('?lang=en&v=1&scenario=t2&variant=buggy&step=3&ms=41');
    expect(parseViewParams(q)).toEqual({ scenario: 't2', variant: 'buggy', step: 3, ms: 41, version: '1' });
  });

  test('old links without v, and junk positions, still load', () => {
    expect(parseViewParams('?scenario=t5&variant=fixed')).toEqual({ scenario: 't5', variant: 'fixed', step: null, ms: null, version: null });
    expect(parseViewParams('?scenario=t5&ms=-4&step=abc')).toMatchObject({ ms: null, step: null });
    expect(parseViewParams('?scenario=t5&ms=99999999999')).toMatchObject({ ms: null });
  });

  test('a link names the playhead by ms, else by the end of a step', () => {
    const summary = {
      microstepCount: 20,
      steps: [
        { index: 0, number: 0, setup: true, firstMicrostep: 0, microstepCount: 5 },
        { index: 1, number: 0, setup: false, firstMicrostep: 5, microstepCount: 6 },
      ],
    } as unknown as TimelineSummary;
    expect(positionFromParams({ ms: 7, step: 0 }, summary)).toBe(7);
    expect(positionFromParams({ ms: 70, step: null }, summary)).toBe(20);
    expect(positionFromParams({ ms: null, step: 0 }, summary)).toBe(11);
    expect(positionFromParams({ ms: null, step: 9 }, summary)).toBeNull();
  });
});
