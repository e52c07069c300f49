/**
 * The headless CLI (DESIGN.md): list presets, run one scenario (a preset id or a file), check every preset variant
 * against its `expect`. Same core as the worker. Bad input: exit code 2 and a one-line error on stderr.
 */
import { readFileSync } from 'node:fs';
import { INVARIANTS } from './invariants/catalog.ts';
import { ScenarioError, parseScenarioText, variantNames } from './scenario/load.ts';
import { presetById, presets } from './scenario/presets.ts';
import type { ScenarioFile } from './scenario/schema.ts';
import { runReport } from './timeline/report.ts';
import { Timeline } from './timeline/timeline.ts';

class UsageError extends Error {}

const USAGE = `usage:
  npm run sim -- list
  npm run sim -- run <preset-id|file.json> [--variant NAME] [--json]
  npm run sim -- check`;

function load(arg: string): ScenarioFile {
  const preset = presetById(arg);
  if (preset) return preset;
  if (!arg.endsWith('.json')) throw new UsageError(`"${arg}" is neither a preset id nor a .json file (try: npm run sim -- list)`);
  let text: string;
  try {
    text = readFileSync(arg, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${arg}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return parseScenarioText(text);
  } catch (e) {
    if (e instanceof ScenarioError) throw new UsageError(`${arg}: ${e.message}`);
    throw e;
  }
}

function list(): void {
  for (const p of presets()) {
    console.log(`${p.id}  [${p.machine.arch}, ${p.machine.cpus} CPUs]  ${p.title}`);
    for (const v of variantNames(p)) {
      const exp = (p.expect?.[v] ?? []).map((e) => (typeof e === 'string' ? e : e.id));
      console.log(`    --variant ${v.padEnd(14)} ${p.variants?.[v]?.label ?? ''}  expect: ${exp.length ? exp.join(', ') : 'no violation'}`);
    }
  }
}

function run(file: ScenarioFile, variant: string | null, json: boolean): number {
  let t: Timeline;
  try {
    t = new Timeline(file, variant);
  } catch (e) {
    if (e instanceof ScenarioError) throw new UsageError(e.message);
    throw e;
  }
  const setupCount = file.setup?.length ?? 0;
  const stepNo = (i: number) => (i < setupCount ? `setup ${i}` : `step ${i - setupCount}`);
  if (json) {
    const out = runReport(t);
    console.log(JSON.stringify(out, null, 2));
    return t.internalError ? 1 : 0;
  }
  console.log(`${file.id} --variant ${t.variant.name} (${t.variant.arch}, ${file.machine.cpus} CPUs): ${t.steps.length} steps, ${t.microstepCount} micro-steps`);
  for (const s of t.steps) {
    const mark = s.error ? 'REFUSED' : s.outcome;
    console.log(`  ${stepNo(s.index).padEnd(8)} ${s.actor.padEnd(5)} ${s.text.padEnd(48)} ${mark}${s.error ? `: ${s.error}` : ''}`);
    for (const v of t.violations.filter((x) => x.step === s.index)) console.log(`      ! ${v.id} at ${v.fn}.${v.label} [${v.cpus.join(',')}]: ${v.message}`);
    for (const w of t.warnings.filter((x) => x.step === s.index)) console.log(`      ~ ${w.id}: ${w.message}`);
  }
  const c = t.totals();
  console.log(`counters: ${c.ipis} IPIs, ${c.flushes} TLB flushes, ${c.cr3Writes} MMU context loads, ${c.coreSyncs} core syncs (${c.redundantCoreSyncs} redundant), ${c.mmCountAtomics} mm_count atomics`);
  const ids = [...new Set(t.violations.map((v) => v.id))];
  console.log(ids.length ? `violated: ${ids.map((i) => `${i} (${INVARIANTS[i] ?? ''})`).join('; ')}` : 'no invariant violated');
  const ex = t.expectResult();
  console.log(`expect: ${ex.ok ? 'OK' : 'MISMATCH'} (expected ${ex.expected.join(', ') || 'none'}; got ${ex.got.join(', ') || 'none'})`);
  for (const m of ex.mismatches) console.log(`  - ${m}`);
  return t.internalError ? 1 : 0;
}

function check(): number {
  let failures = 0;
  let total = 0;
  for (const p of presets()) {
    for (const v of variantNames(p)) {
      total++;
      const t = new Timeline(p, v);
      const ex = t.expectResult();
      console.log(`${ex.ok ? 'PASS' : 'FAIL'}  ${p.id} --variant ${v}: expected ${ex.expected.join(', ') || 'none'}; got ${ex.got.join(', ') || 'none'}`);
      for (const m of ex.mismatches) console.log(`      ${m}`);
      if (!ex.ok) failures++;
    }
  }
  console.log(`${total - failures} passed, ${failures} failed`);
  return failures ? 1 : 0;
}

function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  const json = rest.includes('--json');
  const vi = rest.indexOf('--variant');
  const variant = vi >= 0 ? rest[vi + 1] : null;
  if (vi >= 0 && !variant) throw new UsageError('--variant needs a name');
  const positional = rest.filter((a, i) => !a.startsWith('--') && (vi < 0 || i !== vi + 1));
  switch (cmd) {
    case 'list':
      list();
      return 0;
    case 'run':
      if (positional.length !== 1) throw new UsageError(USAGE);
      return run(load(positional[0]), variant, json);
    case 'check':
      return check();
    default:
      throw new UsageError(USAGE);
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) {
    console.error(`lazytlb: ${e.message}`);
    process.exitCode = 2;
  } else throw e;
}
