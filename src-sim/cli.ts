/**
 * The headless CLI (DESIGN.md): list presets, run one scenario (a preset id or a file), check every preset variant
 * against its `expect`, import a kernel trace (ftrace text) as a report and a scenario. Same core as the worker. Bad
 * input (arguments or file): exit code 2 and a one-line error on stderr, the user's text in it quoted, escaped and
 * cut. Output of any length is written piece by piece.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, readdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { INVARIANTS, idMatches } from './invariants/catalog.ts';
import { MAX_SCENARIO_CHARS, ScenarioError, expectOf, mib, parseScenarioText, variantNames, variantOf } from './scenario/load.ts';
import { presetById, presets } from './scenario/presets.ts';
import { oneLine, quote } from './scenario/quote.ts';
import type { ScenarioFile } from './scenario/schema.ts';
import { decisionText, findingsByStep } from './protocol/summary.ts';
import { explore, type ExploreResult } from './explore/explore.ts';
import { counterexample, findRace, soloActor, type Race } from './explore/counterexample.ts';
import { CHECK_SCHEMA, EXPLORE_SCHEMA, TRACE_SCHEMA, jsonPieces, runReport } from './timeline/report.ts';
import { Timeline } from './timeline/timeline.ts';
import type { Arch } from './model/types.ts';
import { archSchema } from './scenario/schema.ts';
import { x86Eras } from './trace/era.ts';
import { runAsFtrace } from './trace/ftrace_out.ts';
import { TraceImport } from './trace/import.ts';
import { scenarioPieces } from './trace/scenario.ts';
import { reportLines } from './trace/text.ts';

class UsageError extends Error {}

/** The CLI ran again in a child with a bigger heap (see `roomFor`); this is its exit code. */
class RanInChild extends Error {
  constructor(readonly code: number) {
    super('ran in a child');
  }
}

/** Scenario files from this size on are run with a heap sized from the machine's memory. */
const BIG_FILE = 8 * 2 ** 20;

/**
 * Make room for a big run: node's default heap is about 4 GB whatever the machine (a 64-CPU run of 2,000,000 steps
 * needs more). Unless it already has it, the CLI runs itself again, same arguments, with --max-old-space-size at three
 * quarters of the machine's (or the container's) memory, and exits with the child's code. Only for big files: a
 * small run does not pay for a second start.
 */
function roomFor(bytes: number): void {
  if (bytes < BIG_FILE || process.env.LAZYTLB_CLI_CHILD) return;
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.() || Infinity;
  const mb = Math.floor((Math.min(totalmem(), constrained) * 0.75) / 2 ** 20);
  if (mb <= getHeapStatistics().heap_size_limit / 2 ** 20) return;
  const r = spawnSync(process.execPath, [...process.execArgv, `--max-old-space-size=${mb}`, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, LAZYTLB_CLI_CHILD: '1' },
  });
  if (r.error) return; // could not start it: run here, with the default heap
  throw new RanInChild(r.status ?? 1);
}

const USAGE =
  'usage: npm run sim -- list | run <preset-id|file.json> [--variant NAME] [--json] [--decisions] [--ftrace FILE] | check [preset|file.json|dir ...] [--json] | explore <preset-id|file.json> [--variant NAME] [--max-states N] [--hardware N] [--bfs] [--por|--no-por] [--target ID] [--json] [--out FILE.json: writes FILE-ID.json per violated id] | trace <file> [--arch A] [--era E] [--cpus LIST] [--from T --to T] [--json] [--out FILE]';

/** An argument in a message: bare if it is plain (a preset id, an ordinary path), else quoted, escaped and cut. */
const arg = (a: string): string => (/^[A-Za-z0-9_./:+@,=~-]{1,120}$/.test(a) ? a : quote(a, 80));

/** Buffered stdout: lines and pieces are gathered and written in chunks (a long run prints millions of lines). */
class Out {
  private parts: string[] = [];
  private size = 0;
  put(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 1 << 16) this.flush();
  }
  line(s: string): void {
    this.put(s);
    this.put('\n');
  }
  flush(): void {
    // A closed pipe (`| head`): stop writing, quietly.
    if (this.size && !process.stdout.destroyed) process.stdout.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

function load(a: string): ScenarioFile {
  const preset = presetById(a);
  if (preset) return preset;
  if (!a.endsWith('.json')) throw new UsageError(`${arg(a)} is neither a preset id nor a .json file (try: npm run sim -- list)`);
  let text: string;
  try {
    // Not a FIFO, a device or a directory: reading those may block forever or never end.
    const st = statSync(a);
    if (!st.isFile()) throw new UsageError(`cannot read ${arg(a)}: not a regular file`);
    if (st.size > MAX_SCENARIO_CHARS) throw new UsageError(`cannot read ${arg(a)}: too large (${mib(st.size)} MiB; at most ${mib(MAX_SCENARIO_CHARS)} MiB)`);
    roomFor(st.size);
    text = readFileSync(a, 'utf8');
  } catch (e) {
    if (e instanceof UsageError || e instanceof RanInChild) throw e;
    throw new UsageError(`cannot read ${arg(a)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).name}`);
  }
  try {
    return parseScenarioText(text);
  } catch (e) {
    if (e instanceof ScenarioError) throw new UsageError(`${arg(a)}: ${e.message}`);
    throw e;
  }
}

function list(out: Out): void {
  for (const p of presets()) {
    out.line(`${p.id}  [${p.machine.arch}, ${p.machine.cpus} CPUs]  ${p.title}`);
    for (const v of variantNames(p)) {
      const exp = expectOf(p, v).map((e) => (typeof e === 'string' ? e : e.id));
      out.line(`    --variant ${v.padEnd(14)} ${variantOf(p, v)?.label ?? ''}  expect: ${exp.length ? exp.join(', ') : 'no violation'}`);
    }
  }
}


function run(out: Out, file: ScenarioFile, variant: string | null, json: boolean, ftrace: string | null, decisions: boolean): number {
  let t: Timeline;
  try {
    t = new Timeline(file, variant);
  } catch (e) {
    if (e instanceof ScenarioError) throw new UsageError(e.message);
    throw e;
  }
  // The run as the ftrace text an x86 kernel would have printed (docs/trace-import.md §8).
  if (ftrace !== null) writePieces(ftrace, runAsFtrace(t));
  const setupCount = file.setup?.length ?? 0;
  const stepNo = (i: number) => (i < setupCount ? `setup ${i}` : `step ${i - setupCount}`);
  if (json) {
    const report = runReport(t, { decisions });
    for (const piece of jsonPieces(report)) out.put(piece);
    out.put('\n');
    // The verdict on stderr too (the JSON has it as `expect`), for scripts that keep stdout for the report.
    const ex = report.expect;
    process.stderr.write(`expect: ${ex.ok ? 'OK' : 'MISMATCH'} (expected ${ex.expected.join(', ') || 'none'}; got ${ex.got.join(', ') || 'none'})\n`);
    return t.internalError ? 1 : 0;
  }
  out.line(`${file.id} --variant ${t.variant.name} (${t.variant.arch}, ${file.machine.cpus} CPUs): ${t.steps.length} steps, ${t.microstepCount} micro-steps`);
  const violations = findingsByStep(t.violations);
  const warnings = findingsByStep(t.warnings);
  // A counterexample's race (lazytlb/2): its two steps marked `>`.
  const raced = new Set(file.race ? [setupCount + file.race.first, setupCount + file.race.second] : []);
  for (const s of t.steps) {
    const mark = s.error ? 'REFUSED' : s.outcome;
    out.line(`${raced.has(s.index) ? '>' : ' '} ${stepNo(s.index).padEnd(8)} ${s.actor.padEnd(5)} ${s.text.padEnd(48)} ${mark}${s.error ? `: ${s.error}` : ''}`);
    for (const v of violations.get(s.index) ?? []) out.line(`      ! ${v.id} at ${v.fn}.${v.label} [${v.cpus.join(',')}]: ${v.message}`);
    for (const w of warnings.get(s.index) ?? []) out.line(`      ~ ${w.id}: ${w.message}`);
    if (decisions) {
      for (let m = s.firstMicrostep; m < s.firstMicrostep + s.microstepCount; m++) {
        const row = t.microstepRow(m);
        for (const d of row.decisions ?? []) out.line(`      = ${row.fn}.${row.label}: ${decisionText(d)}`);
      }
    }
  }
  if (file.race) out.line(`race (>): ${file.race.note ?? `steps ${file.race.first} and ${file.race.second}`}`);
  const c = t.totals();
  out.line(`counters: ${c.ipis} IPIs, ${c.flushes} TLB flushes, ${c.cr3Writes} MMU context loads, ${c.coreSyncs} core syncs (${c.redundantCoreSyncs} redundant), ${c.mmCountAtomics} mm_count atomics`);
  const ids = [...new Set(t.violations.map((v) => v.id))];
  out.line(ids.length ? `violated: ${ids.map((i) => `${i} (${INVARIANTS[i] ?? ''})`).join('; ')}` : 'no invariant violated');
  const ex = t.expectResult();
  out.line(`expect: ${ex.ok ? 'OK' : 'MISMATCH'} (expected ${ex.expected.join(', ') || 'none'}; got ${ex.got.join(', ') || 'none'})`);
  for (const m of ex.mismatches) out.line(`  - ${m}`);
  return t.internalError ? 1 : 0;
}

/** Where `--out FILE.json` writes the counterexample of invariant `id`: FILE-ID.json (docs/cli-json.md). */
const outName = (file: string, id: string): string => `${file.slice(0, -'.json'.length)}-${id}.json`;

/**
 * Every interleaving of the scenario's actors (explore/explore.ts), each violated invariant with its shortest schedule
 * met, the race in it and the schedule as a counterexample scenario (explore/counterexample.ts).
 */
function exploreCmd(out: Out, file: ScenarioFile, variant: string | null, o: { maxStates: number | null; bfs: boolean; hardware: number | null; por: boolean; target: string | null; out: string | null }, json: boolean): number {
  let r: ExploreResult;
  const t0 = performance.now();
  try {
    r = explore(file, variant, {
      ...(o.maxStates !== null ? { maxStates: o.maxStates } : {}),
      ...(o.hardware !== null ? { hardware: o.hardware } : {}),
      ...(o.target !== null ? { target: o.target } : {}),
      order: o.bfs ? 'bfs' : 'dfs',
      por: o.por,
      onProgress: (p) => process.stderr.write(`explore: ${p.states} states, ${p.transitions} transitions, depth ${p.depth}, ${Math.round(p.states / Math.max((performance.now() - t0) / 1000, 1e-3))} states/s\n`),
      progressEvery: 50_000,
    });
  } catch (e) {
    if (e instanceof ScenarioError) throw new UsageError(e.message);
    throw e;
  }
  const found = r.violations.map((v) => {
    const stats = { searches: 0, bounded: 0 };
    const race: Race | null = findRace(file, r.variant, v, { stats, ...(o.hardware !== null ? { hardware: o.hardware } : {}) });
    const solo = race ? null : soloActor(file, r.variant, v.moves);
    const none = race ? null : solo ? `${solo}'s moves alone reach it` : stats.bounded ? 'no pair of moves proven within the search bounds' : 'every reordering of two actors tried still reaches it: the order does not decide';
    return { v, race, none, scenario: counterexample(file, r.variant, v, race) };
  });
  const written: string[] = [];
  if (o.out !== null) {
    for (const f of found) {
      const name = outName(o.out, f.v.id);
      try {
        writeFileSync(name, JSON.stringify(f.scenario, null, 2) + '\n');
      } catch (e) {
        throw new UsageError(`cannot write ${arg(name)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).name}`);
      }
      written.push(name);
    }
  }
  if (json) {
    const { violations: _v, ...rest } = r;
    const violations = found.map(({ v, race, none, scenario }, i) => ({
      id: v.id, message: v.message, at: v.at, scheduleLength: v.schedule.length, schedule: v.schedule,
      race, ...(none ? { noRace: none } : {}), counterexample: scenario, ...(o.out !== null ? { file: written[i] } : {}),
    }));
    out.line(JSON.stringify({ schema: EXPLORE_SCHEMA, ...rest, ...(o.target !== null ? { target: o.target } : {}), violations }, null, 2));
    return 0;
  }
  out.line(`${r.scenario} --variant ${r.variant}: actors ${r.actors.join(', ')}`);
  out.line(`${r.exhaustive ? 'exhaustive' : `stopped at the bound (${r.bound})`}: ${r.states} states, ${r.transitions} transitions, ${r.finals} final states (${r.stuck} with steps never begun), ${r.interleavings ?? 'uncounted'} interleavings, depth ${r.maxDepth}, ${r.ms} ms (${r.statesPerSec} states/s)`);
  if (!r.violations.length) out.line(o.target !== null ? `${o.target} not violated` : 'no invariant violated');
  found.forEach(({ v, race, none }, i) => {
    out.line(`! ${v.id} at ${v.at}, after ${v.schedule.length} moves: ${v.message}`);
    v.schedule.forEach((m, j) => out.line(`  ${race && (j === race.first.move || j === race.second.move) ? '>' : ' '} ${String(j + 1).padStart(3)}. ${m}`));
    out.line(race ? `  race (>): ${race.note}` : `  race: none, ${none}`);
    if (written[i]) out.line(`  counterexample written to ${written[i]} (npm run sim -- run ${written[i]})`);
  });
  return 0;
}

/**
 * `check`: every variant of every scenario against its `expect`, one line each, a summary line last; exit 1 on any
 * mismatch, 2 if a file could not be read or is not a valid scenario (its line says why). With no argument, the
 * presets; else the named presets, files, and the .json files in the named folders (recursively, in name order).
 */
function check(out: Out, targets: string[], json: boolean): number {
  let failures = 0;
  let total = 0;
  let invalid = 0;
  const results: Array<Record<string, unknown>> = [];
  const sources: Array<{ name: string; file: ScenarioFile } | { name: string; error: string }> = [];
  if (!targets.length) for (const p of presets()) sources.push({ name: p.id, file: p });
  for (const a of targets) {
    for (const path of scenarioPaths(a)) {
      try {
        sources.push({ name: path, file: load(path) });
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        sources.push({ name: path, error: e.message });
      }
    }
  }
  for (const src of sources) {
    if ('error' in src) {
      total++;
      failures++;
      invalid++;
      const error = oneLine(src.error, 300);
      if (json) results.push({ source: src.name, ok: false, error });
      else out.line(`FAIL  ${error}`);
      continue;
    }
    for (const v of variantNames(src.file)) {
      total++;
      const t = new Timeline(src.file, v);
      const ex = t.expectResult();
      if (json) results.push({ source: src.name, scenario: src.file.id, variant: v, ok: ex.ok, expected: ex.expected, got: ex.got, mismatches: ex.mismatches });
      else {
        out.line(`${ex.ok ? 'PASS' : 'FAIL'}  ${arg(src.name)} --variant ${arg(v)}: expected ${ex.expected.join(', ') || 'none'}; got ${ex.got.join(', ') || 'none'}`);
        for (const m of ex.mismatches) out.line(`      ${m}`);
      }
      if (!ex.ok) failures++;
    }
  }
  if (json) out.line(JSON.stringify({ schema: CHECK_SCHEMA, passed: total - failures, failed: failures, invalid, results }, null, 2));
  else out.line(`${total - failures} passed, ${failures} failed${invalid ? ` (${invalid} ${invalid === 1 ? 'file' : 'files'} not valid)` : ''}`);
  return invalid ? 2 : failures ? 1 : 0;
}

/** What a `check` argument names: a preset id, a file, or every .json file below a folder (sorted). */
function scenarioPaths(a: string): string[] {
  if (presetById(a)) return [a];
  let st;
  try {
    st = statSync(a);
  } catch {
    return [a]; // load() says what is wrong with it
  }
  if (!st.isDirectory()) return [a];
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 16) return;
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile() && e.name.endsWith('.json')) found.push(p);
    }
  };
  walk(a, 0);
  if (!found.length) throw new UsageError(`${arg(a)} holds no .json scenario files`);
  return found;
}

/** Write text pieces to a file, or fail with one line. */
function writePieces(path: string, pieces: Iterable<string>): void {
  let o: number;
  try {
    o = openSync(path, 'w');
  } catch (e) {
    throw new UsageError(`cannot write ${arg(path)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).name}`);
  }
  try {
    for (const piece of pieces) writeSync(o, piece);
  } finally {
    closeSync(o);
  }
}

/** Import a trace: read the file in chunks through the streaming importer, print the report, write the scenario. */
function trace(out: Out, file: string, a: Args): number {
  const imp = new TraceImport({ name: file, arch: a.arch, era: a.era, cpus: a.cpus, from: a.from, to: a.to });
  let fd: number;
  try {
    // Not a FIFO (trace_pipe), a device or a directory: reading those may block forever or never end.
    if (!statSync(file).isFile()) throw new UsageError(`cannot read ${arg(file)}: not a regular file (save trace_pipe to a file first)`);
    fd = openSync(file, 'r');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${arg(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).name}`);
  }
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    const dec = new TextDecoder('utf-8');
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) imp.push(dec.decode(buf.subarray(0, n), { stream: true }));
    imp.push(dec.decode());
  } catch (e) {
    // A read error (EIO, EISDIR on some systems) is the file's; anything else is ours and is not hidden.
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') throw new UsageError(`cannot read ${arg(file)}: ${code}`);
    throw e;
  } finally {
    closeSync(fd);
  }
  const { report, scenario } = imp.finish();
  if (report.fatal) throw new UsageError(`${arg(file)}: ${report.fatal}`);
  if (a.out !== null) {
    if (!scenario) throw new UsageError(`${arg(file)}: no scenario to write: ${report.scenario.error}`);
    writePieces(a.out, scenarioPieces(scenario));
  }
  if (a.json) {
    out.put(JSON.stringify({ schema: TRACE_SCHEMA, ...report }));
    out.put('\n');
  } else for (const l of reportLines(report, a.out)) out.line(l);
  return 0;
}

interface Args {
  cmd: string | undefined;
  positional: string[];
  variant: string | null;
  json: boolean;
  /** run: list the arch's decisions (text: under each step; --json: `decisions`). */
  decisions: boolean;
  maxStates: number | null;
  bfs: boolean;
  /** `--por`: the sleep-set reduction (docs/engine.md); `--no-por` (the default): every interleaving. */
  por: boolean;
  hardware: number | null;
  target: string | null;
  arch: Arch | null;
  era: string | null;
  ftrace: string | null;
  cpus: number[] | null;
  from: number | null;
  to: number | null;
  out: string | null;
}

/** `0,2,4-7`: CPU numbers. */
function cpuList(v: string): number[] {
  const cpus: number[] = [];
  for (const part of v.split(',')) {
    const m = /^(\d{1,4})(?:-(\d{1,4}))?$/.exec(part);
    if (!m || (m[2] !== undefined && +m[2] < +m[1])) throw new UsageError(`--cpus takes a list such as 0,2,4-7, not ${arg(v)}`);
    for (let c = +m[1]; c <= +(m[2] ?? m[1]); c++) cpus.push(c);
  }
  return cpus;
}

/** A trace timestamp in seconds, as the trace prints it. */
function seconds(opt: string, v: string): number {
  if (!/^\d+(?:\.\d+)?$/.test(v)) throw new UsageError(`${opt} takes a time in seconds as the trace prints it (such as 3502.72), not ${arg(v)}`);
  return +v;
}

function parseArgs(argv: string[]): Args {
  const [cmd, ...rest] = argv;
  const a: Args = { cmd, positional: [], variant: null, json: false, decisions: false, maxStates: null, bfs: false, por: false, hardware: null, target: null, arch: null, era: null, ftrace: null, cpus: null, from: null, to: null, out: null };
  const seen = new Set<string>();
  const value = (i: number, opt: string, what: string): string => {
    if (seen.has(opt)) throw new UsageError(`${opt} given twice`);
    seen.add(opt);
    const v = rest[i];
    if (v === undefined || v === '' || v.startsWith('--')) throw new UsageError(`${opt} needs ${what}`);
    return v;
  };
  for (let i = 0; i < rest.length; i++) {
    const x = rest[i];
    if (x === '--json') a.json = true;
    else if (x === '--decisions') a.decisions = true;
    else if (x === '--bfs') a.bfs = true;
    else if (x === '--por') a.por = true;
    else if (x === '--no-por') a.por = false;
    else if (x === '--variant') {
      if (a.variant !== null) throw new UsageError('--variant given twice');
      const v = rest[++i];
      if (v === undefined || v === '' || v.startsWith('--')) throw new UsageError('--variant needs a name');
      a.variant = v;
    } else if (x === '--max-states') {
      if (a.maxStates !== null) throw new UsageError('--max-states given twice');
      const n = rest[++i];
      if (n === undefined || !/^[1-9][0-9]{0,9}$/.test(n)) throw new UsageError(`--max-states needs a positive whole number${n === undefined ? '' : `, not ${arg(n)}`}`);
      a.maxStates = Number(n);
    } else if (x === '--hardware') {
      if (a.hardware !== null) throw new UsageError('--hardware given twice');
      const n = rest[++i];
      if (n === undefined || !/^[0-9]{1,3}$/.test(n)) throw new UsageError(`--hardware needs a whole number from 0 to 999${n === undefined ? '' : `, not ${arg(n)}`}`);
      a.hardware = Number(n);
    } else if (x === '--target') {
      const v = value(++i, x, 'an invariant id such as I8');
      if (!/^I\d{1,3}[a-z]?$/.test(v) || !Object.keys(INVARIANTS).some((known) => idMatches(v, known))) throw new UsageError(`--target takes an invariant id such as I8 or I13 (docs/scenario-format.md §17), not ${arg(v)}`);
      a.target = v;
    } else if (x === '--arch') {
      const v = value(++i, x, `an architecture (${archSchema.options.join(', ')})`);
      const r = archSchema.safeParse(v);
      if (!r.success) throw new UsageError(`--arch takes one of ${archSchema.options.join(', ')}, not ${arg(v)}`);
      a.arch = r.data;
    } else if (x === '--era') {
      const v = value(++i, x, `an x86_lazy era (${x86Eras().join(', ')})`);
      if (!x86Eras().includes(v)) throw new UsageError(`--era takes one of ${x86Eras().join(', ')} (the x86_lazy values of docs/scenario-format.md §5.2), not ${arg(v)}`);
      a.era = v;
    } else if (x === '--cpus') a.cpus = cpuList(value(++i, x, 'a list of CPUs such as 0,2-3'));
    else if (x === '--from') a.from = seconds(x, value(++i, x, 'a time in seconds'));
    else if (x === '--to') a.to = seconds(x, value(++i, x, 'a time in seconds'));
    else if (x === '--out') a.out = value(++i, x, 'a file name');
    else if (x === '--ftrace') a.ftrace = value(++i, x, 'a file name');
    else if (x === '--') a.positional.push(...rest.slice(i + 1, (i = rest.length)));
    else if (x.startsWith('-') && x !== '-') throw new UsageError(`unknown option ${arg(x)}; ${USAGE}`);
    else a.positional.push(x);
  }
  return a;
}

function main(out: Out, argv: string[]): number {
  const a = parseArgs(argv);
  const traceOnly = a.arch !== null || a.era !== null || a.cpus !== null || a.from !== null || a.to !== null;
  const traceOpts = traceOnly || a.out !== null;
  const exploreOpts = a.maxStates !== null || a.bfs || a.hardware !== null || a.target !== null;
  const noArgs = () => {
    if (a.positional.length || a.variant !== null || a.json || exploreOpts || traceOpts || a.ftrace !== null) throw new UsageError(`${a.cmd} takes no arguments; ${USAGE}`);
  };
  if (a.decisions && a.cmd !== 'run') throw new UsageError(`--decisions is an option of run; ${USAGE}`);
  switch (a.cmd) {
    case 'list':
      noArgs();
      list(out);
      return 0;
    case 'explore':
      if (a.ftrace !== null) throw new UsageError(`--ftrace is an option of run; ${USAGE}`);
      if (traceOnly) throw new UsageError(`--arch, --era, --cpus, --from and --to are options of trace; ${USAGE}`);
      if (a.positional.length !== 1) throw new UsageError(`explore takes one preset id or file; ${USAGE}`);
      if (a.out !== null && !/\.json$/.test(a.out)) throw new UsageError(`--out of explore takes a file name ending in .json (one FILE-ID.json is written per violated invariant), not ${arg(a.out)}`);
      return exploreCmd(out, load(a.positional[0]), a.variant, { maxStates: a.maxStates, bfs: a.bfs, hardware: a.hardware, por: a.por, target: a.target, out: a.out }, a.json);
    case 'run':
      if (exploreOpts) throw new UsageError(`--max-states, --hardware, --bfs and --target are options of explore; ${USAGE}`);
      if (a.positional.length !== 1) throw new UsageError(`run takes one preset id or file; ${USAGE}`);
      if (traceOpts) throw new UsageError(`--arch, --era, --cpus, --from, --to and --out are options of trace; ${USAGE}`);
      return run(out, load(a.positional[0]), a.variant, a.json, a.ftrace, a.decisions);
    case 'check':
      if (a.ftrace !== null) throw new UsageError(`--ftrace is an option of run; ${USAGE}`);
      if (a.variant !== null || exploreOpts || traceOpts) throw new UsageError(`check takes preset ids, files, folders and --json; ${USAGE}`);
      return check(out, a.positional, a.json);
    case 'trace':
      if (a.ftrace !== null) throw new UsageError(`--ftrace is an option of run; ${USAGE}`);
      if (exploreOpts) throw new UsageError(`--max-states, --hardware, --bfs and --target are options of explore; ${USAGE}`);
      if (a.positional.length !== 1) throw new UsageError(`trace takes one trace file; ${USAGE}`);
      if (a.variant !== null) throw new UsageError(`trace takes no --variant (choose the architecture with --arch); ${USAGE}`);
      if (a.from !== null && a.to !== null && a.to < a.from) throw new UsageError(`--to ${a.to} is before --from ${a.from}`);
      return trace(out, a.positional[0], a);
    default:
      throw new UsageError(a.cmd === undefined ? USAGE : `unknown command ${arg(a.cmd)}; ${USAGE}`);
  }
}

const out = new Out();
// A reader that went away (`npm run sim -- run x | head`) is not an error of ours.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});
try {
  process.exitCode = main(out, process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(`lazytlb: ${oneLine(e.message, 500)}\n`);
    process.exitCode = 2;
  } else if (e instanceof RanInChild) process.exitCode = e.code;
  else throw e;
} finally {
  out.flush();
}
