/**
 * Regression guard for changes that must not change what the model computes (issue 8's cost work: indexed TLBs, the
 * reverse map, incremental I13): for every preset variant and 25 seeded random schedules (every arch, bug configs on
 * half of them), a hash of `runReport` (what `sim run --json` prints) and of the CPUs' TLB lists in snapshots at a few
 * positions (their order included), against tests/golden.json, recorded from the model before that work.
 * A change that is meant to change results updates the file: `UPDATE_GOLDEN=1 npx vitest run tests/golden.test.ts`.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { presets } from '../src-sim/scenario/presets.ts';
import { variantNames } from '../src-sim/scenario/load.ts';
import { randomScenario, randomSteps } from '../src-sim/scenario/random.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { runReport } from '../src-sim/timeline/report.ts';
import type { Arch, Config } from '../src-sim/model/types.ts';

const FILE = new URL('./golden.json', import.meta.url);
const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

function digest(t: Timeline): { report: string; tlbs: string } {
  const n = t.microstepCount;
  const at = [0, Math.floor(n / 3), Math.floor(n / 2), n - 1].filter((x) => x >= 0 && x < n);
  return { report: hash(JSON.stringify(runReport(t))), tlbs: hash(JSON.stringify(at.map((x) => t.stateAt(x).cpus.map((c) => c.tlb)))) };
}

function runs(): Array<[string, () => Timeline]> {
  const out: Array<[string, () => Timeline]> = [];
  for (const p of presets()) for (const v of variantNames(p)) out.push([`${p.id}/${v}`, () => new Timeline(p, v)]);
  for (const arch of ['x86', 'powerpc', 'arm64', 's390', 'mips'] as Arch[]) {
    for (let seed = 1; seed <= 5; seed++) {
      const bug: Partial<Config> | undefined = seed % 2 === 0 ? { fullmm_upfront_flush: true, cow_notify: 'set_then_notify', reclaim_caller_pins_page: false } : undefined;
      out.push([`random/${arch}/${seed}`, () => {
        const f = randomScenario({ arch, cpus: 3, mms: 2 + (seed % 2), tasksPerMm: 2, kthreads: 2, devices: 2, pagesPerMm: 5 + seed, ...(bug ? { config: bug } : {}) });
        return new Timeline(f, null, { extend: randomSteps(seed * 7, 500, { pagesPerMm: 5 + seed }), keyframeEvery: 97 });
      }]);
    }
  }
  return out;
}

describe('the model computes what it computed before (tests/golden.json)', () => {
  it('every preset variant and 25 random schedules: same report, same TLB lists', () => {
    const got: Record<string, { report: string; tlbs: string }> = {};
    for (const [name, run] of runs()) got[name] = digest(run());
    if (process.env.UPDATE_GOLDEN) writeFileSync(FILE, JSON.stringify(got, null, 1) + '\n');
    const want = JSON.parse(readFileSync(FILE, 'utf8')) as typeof got;
    expect(Object.keys(got).length).toBe(26 + 25);
    expect(got).toEqual(want);
  });
});
