/**
 * Golden timelines: a hash of what every preset variant and a set of seeded random schedules produce, so that a
 * refactor of the engine that must not change any schedule can prove it did not.
 *
 * Per case the hashed text is exactly what `npm run sim -- run <preset> --variant V --json` prints (timeline/report.ts),
 * followed by every micro-step's actor, function and label and the state at a few replayed positions (seeking replays
 * steps without the checker: it must land on the same states). `npm run sim -- check`'s lines are one more case.
 *
 * `npx tsx tests/golden/golden.ts --write` records tests/golden/hashes.json (after a change that is meant to alter
 * timelines, say why in the commit); `--dump DIR` writes the texts themselves, for a diff.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { variantNames } from '../../src-sim/scenario/load.ts';
import { presets } from '../../src-sim/scenario/presets.ts';
import { randomScenario, randomSteps } from '../../src-sim/scenario/random.ts';
import type { Arch, Config } from '../../src-sim/model/types.ts';
import { jsonPieces, runReport } from '../../src-sim/timeline/report.ts';
import { summarizeState } from '../../src-sim/timeline/final.ts';
import { Timeline } from '../../src-sim/timeline/timeline.ts';

const ARCHES: Arch[] = ['x86', 'powerpc', 'arm64', 's390', 'mips'];
/** Configurations of the random cases: all fixes, and the buggy eras the threads are about. */
const CONFIGS: Array<Partial<Config> | undefined> = [
  undefined,
  { fullmm_upfront_flush: true, cow_notify: 'set_then_notify', reclaim_caller_pins_page: false },
  { lazy_tlb_refcount: false, lazy_tlb_shootdown: false, use_mm: 'use_mm', use_mm_takes_mmget: false },
  { x86_lazy: 'v4.14', ppc_lazy_flush: 'pre2020', membarrier_sync_core: 'none', mmu_notifier: 'v4.13' },
  { context_switch_era: 'v4', pcid: false, s390_rule: '2012', speculative_fill: 's390-2012' },
];

function text(t: Timeline): string {
  const parts = [...jsonPieces(runReport(t)), '\n'];
  const n = t.microstepCount;
  for (let i = 0; i < n; i++) {
    const r = t.microstepRow(i);
    parts.push(`${r.step} ${r.cpu} ${r.fn}.${r.label}\n`);
  }
  for (const ms of [Math.floor(n / 3), Math.floor((2 * n) / 3)]) if (ms < n) parts.push(JSON.stringify(summarizeState(t.stateAt(ms))), '\n');
  return parts.join('');
}

/** The `check` command's lines (src-sim/cli.ts). */
function checkText(): string {
  const out: string[] = [];
  let failures = 0;
  let total = 0;
  for (const p of presets()) {
    for (const v of variantNames(p)) {
      total++;
      const ex = new Timeline(p, v).expectResult();
      out.push(`${ex.ok ? 'PASS' : 'FAIL'}  ${p.id} --variant ${v}: expected ${ex.expected.join(', ') || 'none'}; got ${ex.got.join(', ') || 'none'}`);
      for (const m of ex.mismatches) out.push(`      ${m}`);
      if (!ex.ok) failures++;
    }
  }
  out.push(`${total - failures} passed, ${failures} failed`);
  return out.join('\n') + '\n';
}

/** Every case: name -> text. */
export function* goldenTexts(): Generator<[string, string]> {
  yield ['check', checkText()];
  for (const p of presets()) for (const v of variantNames(p)) yield [`${p.id} --variant ${v}`, text(new Timeline(p, v))];
  let i = 0;
  for (const arch of ARCHES) {
    for (const config of CONFIGS) {
      const seed = 100 + i++;
      const f = randomScenario({ arch, cpus: 3, mms: 2, tasksPerMm: 2, kthreads: 2, devices: 2, pagesPerMm: 5, ...(config ? { config: { ...randomScenario({ arch, cpus: 1, mms: 0, tasksPerMm: 0, kthreads: 0, pagesPerMm: 0 }).machine.config, ...config } } : {}) });
      yield [`random ${arch} seed ${seed}`, text(new Timeline(f, null, { extend: randomSteps(seed, 200, { pagesPerMm: 5 }) }))];
    }
  }
}

export const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

export function goldenHashes(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, t] of goldenTexts()) out[name] = sha(t);
  return out;
}

const HERE = new URL('.', import.meta.url).pathname;

if (process.argv[1] && process.argv[1].endsWith('golden.ts')) {
  const dump = process.argv.indexOf('--dump');
  if (dump >= 0) {
    const dir = process.argv[dump + 1];
    mkdirSync(dir, { recursive: true });
    for (const [name, t] of goldenTexts()) writeFileSync(join(dir, name.replace(/[^A-Za-z0-9.-]+/g, '_') + '.txt'), t);
  }
  if (process.argv.includes('--write')) writeFileSync(join(HERE, 'hashes.json'), JSON.stringify(goldenHashes(), null, 2) + '\n');
}
