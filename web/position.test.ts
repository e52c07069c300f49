import { describe, expect, test } from 'vitest';
import type { StepInfo } from '../src-sim/protocol/index.ts';
import { clampPosition, positionText, startPosition, stepAt, stepBoundaries, stepBy, violationBy } from './position.ts';

function step(index: number, setup: boolean, number: number, first: number, count: number): StepInfo {
  return { index, number, setup, actor: 'cpu0', op: 'switch', text: '', firstMicrostep: first, microstepCount: count, outcome: count ? 'done' : 'skipped' };
}

// setup 0: micro-steps 0..2; step 0: 3..6; step 1 skipped; step 2: 7..9
const STEPS = [step(0, true, 0, 0, 3), step(1, false, 0, 3, 4), step(2, false, 1, 7, 0), step(3, false, 2, 7, 3)];
const SUMMARY = { steps: STEPS, microstepCount: 10 };

describe('positions', () => {
  test('boundaries skip steps that ran nothing', () => {
    expect(stepBoundaries(STEPS)).toEqual([0, 3, 7, 10]);
  });

  test('the step a position belongs to is the one whose micro-step ran there', () => {
    expect(stepAt(STEPS, 0)).toBeNull();
    expect(stepAt(STEPS, 1)?.index).toBe(0);
    expect(stepAt(STEPS, 3)?.index).toBe(0);
    expect(stepAt(STEPS, 4)?.index).toBe(1);
    expect(stepAt(STEPS, 8)?.index).toBe(3);
    expect(stepAt(STEPS, 10)?.index).toBe(3);
  });

  test('the playhead starts after setup; stepping moves between boundaries', () => {
    expect(startPosition(SUMMARY)).toBe(3);
    expect(stepBy(STEPS, 3, 1)).toBe(7);
    expect(stepBy(STEPS, 5, 1)).toBe(7);
    expect(stepBy(STEPS, 5, -1)).toBe(3);
    expect(stepBy(STEPS, 10, 1)).toBe(10);
    expect(stepBy(STEPS, 0, -1)).toBe(0);
  });

  test('violations are found after/before the playhead, at micro-step + 1', () => {
    const v = (microstep: number) => ({ id: 'I9', step: 0, microstep, fn: '', label: '', cpus: [], objects: [], message: '' });
    const list = [v(4), v(8), v(4)];
    expect(violationBy(list, 0, 1)).toBe(5);
    expect(violationBy(list, 5, 1)).toBe(9);
    expect(violationBy(list, 9, 1)).toBeNull();
    expect(violationBy(list, 9, -1)).toBe(5);
    expect(violationBy(list, 5, -1)).toBeNull();
  });

  test('the position line says where the playhead is', () => {
    expect(positionText(SUMMARY, 0)).toBe('initial state, before any step; micro-step 0 of 10');
    expect(positionText(SUMMARY, 3)).toBe('setup 0 of 1 (done), micro-step 3 of 10');
    expect(positionText(SUMMARY, 9)).toBe('step 2 of 3, micro-step 9 of 10');
  });

  test('clamping', () => {
    expect(clampPosition(-3, 10)).toBe(0);
    expect(clampPosition(11.6, 10)).toBe(10);
    expect(clampPosition(Number.NaN, 10)).toBe(0);
    expect(clampPosition(4.4, 10)).toBe(4);
  });
});
