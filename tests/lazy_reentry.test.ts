/**
 * x86's lazy re-entry window, found by the explorer in t0-lazy-tlb-basics --variant x86: CPU1's flush reads CPU0's
 * is_lazy (set: skipped), then CPU0's switch_mm_irqs_off clears it and, before its tlb_gen check, CPU1's flush completes
 * and frees the page. The kernel has this window (arch/x86/mm/tlb.c switch_mm_irqs_off: is_lazy cleared, smp_mb(),
 * tlb_gen compared, all with interrupts off) and it is harmless: CPU0 flushes before any use. I6 and I8 must not fire;
 * CPU0 must end with no entry for the page.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parseScenarioText } from '../src-sim/scenario/load.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';

it('a flush that completes while a lazy CPU is inside its switch back: no violation, and the CPU flushes before use', () => {
  const t = new Timeline(parseScenarioText(readFileSync(new URL('./fixtures/lazy-reentry-window.json', import.meta.url), 'utf8')), null);
  expect(t.steps.map((s) => s.outcome)).toEqual(['done', 'done', 'done', 'done', 'paused', 'paused', 'paused', 'done', 'done']);
  expect(t.violations.map((v) => v.id)).toEqual([]);
  // the window was really reached: when CPU1's flush completed, CPU0 had cleared is_lazy and still held the entry
  const setup = 4;
  const beforeFlushDone = t.steps[setup + 2];
  const s = t.stateAt(beforeFlushDone.firstMicrostep + beforeFlushDone.microstepCount - 1);
  expect(s.cpus[0].is_lazy).toBe(false);
  expect(s.cpus[0].tlb.some((e) => !e.walk && e.va === 0x400)).toBe(true);
  const end = t.finalState();
  expect(end.cpus[0].tlb.some((e) => !e.walk && e.va === 0x400)).toBe(false);
});
