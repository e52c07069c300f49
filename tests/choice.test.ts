/**
 * The engine's explicit choices (engine/choice.ts): `enabled` reads the state only, and the default chooser (pump)
 * only ever takes a choice `enabled` lists.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { enabled, type Choice } from '../src-sim/engine/choice.ts';
import { fnDef } from '../src-sim/engine/fn.ts';
import { Kernel } from '../src-sim/engine/kernel.ts';
import { presets } from '../src-sim/scenario/presets.ts';
import { variantNames } from '../src-sim/scenario/load.ts';
import { randomScenario, randomSteps } from '../src-sim/scenario/random.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';

const same = (a: Choice, b: Choice) => JSON.stringify(a) === JSON.stringify(b);

/** Wrap the engine's two choice primitives: before each, `enabled` must list it and must leave the state as it was. */
function watchChoices(): { taken: number; waiting: number } {
  const seen = { taken: 0, waiting: 0 };
  const runLabel = Kernel.prototype.runLabel;
  const deliverIpi = Kernel.prototype.deliverIpi;
  const check = (k: Kernel, ch: Choice) => {
    const before = JSON.stringify(k.s);
    const list = enabled(k);
    expect(JSON.stringify(k.s)).toBe(before);
    expect(list.some((x) => same(x, ch)), `${JSON.stringify(ch)} not in ${JSON.stringify(list)}`).toBe(true);
    // a CPU with an operation in flight whose guard does not hold (a sender waiting for its IPIs)
    if (k.s.cpus.some((c) => {
      const f = c.stack.at(-1);
      const guard = f && fnDef(f.fn).guards[f.pc];
      return guard && !guard(k, c, f);
    })) seen.waiting++;
    seen.taken++;
  };
  vi.spyOn(Kernel.prototype, 'runLabel').mockImplementation(function (this: Kernel, c: number) {
    check(this, { kind: 'step', cpu: c });
    runLabel.call(this, c);
  });
  vi.spyOn(Kernel.prototype, 'deliverIpi').mockImplementation(function (this: Kernel, c: number) {
    check(this, { kind: 'irq', cpu: c });
    deliverIpi.call(this, c);
  });
  return seen;
}

afterEach(() => vi.restoreAllMocks());

describe('the default chooser takes only enabled choices', () => {
  it('every preset variant', () => {
    const seen = watchChoices();
    for (const p of presets()) for (const v of variantNames(p)) new Timeline(p, v);
    expect(seen.taken).toBeGreaterThan(1000);
    // Senders waiting for IPIs were met (a guard that did not hold), and the chooser still only took enabled choices.
    expect(seen.waiting).toBeGreaterThan(0);
  });
  it('random schedules on every arch', () => {
    const seen = watchChoices();
    for (const arch of ['x86', 'powerpc', 'arm64', 's390', 'mips'] as const) {
      const f = randomScenario({ arch, cpus: 3, mms: 2, tasksPerMm: 2, kthreads: 2, devices: 2, pagesPerMm: 5 });
      new Timeline(f, null, { extend: randomSteps(7, 80, { pagesPerMm: 5 }) });
    }
    expect(seen.taken).toBeGreaterThan(1000);
  });
});
