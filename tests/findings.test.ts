/**
 * A finding's micro-step is the one whose label raised it (or, for checks after a micro-step, the one just done): the
 * micro-step row at ViolationInfo.microstep names the same function and label as the finding.
 */
import { describe, expect, it } from 'vitest';
import { presetById, presetInfos } from '../src-sim/scenario/presets.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { randomScenario, randomSteps } from '../src-sim/scenario/random.ts';

describe('findings point at their micro-step', () => {
  for (const p of presetInfos()) {
    it(p.id, () => {
      const file = presetById(p.id)!;
      let seen = 0;
      for (const v of p.variants) {
        const tl = new Timeline(file, v.name);
        for (const f of [...tl.violations, ...tl.warnings]) {
          const row = tl.microstepRow(f.microstep);
          expect({ variant: v.name, id: f.id, fn: row.fn, label: row.label, step: row.step }).toEqual({ variant: v.name, id: f.id, fn: f.fn, label: f.label, step: f.step });
          seen++;
        }
      }
      if (p.variants.some((v) => v.expect.length)) expect(seen).toBeGreaterThan(0);
    });
  }
});

describe('findings of random schedules point at their micro-step', () => {
  it('every arch', () => {
    let seen = 0;
    for (const arch of ['x86', 'powerpc', 'arm64', 's390', 'mips'] as const) {
      const f = randomScenario({ arch, cpus: 3, mms: 2, tasksPerMm: 2, kthreads: 2, devices: 2, pagesPerMm: 5, config: { fullmm_upfront_flush: true, cow_notify: 'set_then_notify', reclaim_caller_pins_page: false } });
      const tl = new Timeline(f, null, { extend: randomSteps(11, 300, { pagesPerMm: 5 }) });
      for (const v of [...tl.violations, ...tl.warnings]) {
        const row = tl.microstepRow(v.microstep);
        expect([v.id, row.fn, row.label]).toEqual([v.id, v.fn, v.label]);
        seen++;
      }
    }
    expect(seen).toBeGreaterThan(0);
  });
});
