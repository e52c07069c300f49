/**
 * `npm run bench [-- --json]`: the core's performance budgets (DESIGN.md), measured, never asserted.
 *
 * A stress scenario (64 CPUs, many tasks and mms, about 1,000,000 micro-steps) is generated once from random, valid
 * steps; then it is run again from its file, with every invariant checked, and timed. Reported:
 *   microstepsPerSec   micro-steps per second of that run (budget >= 1,000,000)
 *   seekMsP95          95th percentile of the time to rebuild the state at a random micro-step (budget < 5 ms)
 *   bytesPerMicrostep  heap retained by the timeline per micro-step, after GC, tracks included (budget < 150)
 *   tracksBytesPerMicrostep  of which the recorded tracks (timeline/tracks.ts), counted from their arrays
 *   tracksQueryMs      a full-range tracks window at 1000 buckets (median of 5), as the UI asks on load
 *   viewMsP50/P95      the playhead view at a random position (includes the seek)
 *   scale              rows of a mixed workload (scenario/random.ts mixedSteps: switch, map, munmap, clone, access,
 *                      faults; 64 CPUs; mms growing to about 2,048 mappings each, tasks growing all along) at 10k,
 *                      100k, 1M and 2M steps, each in a child process with a heap sized from the machine's memory,
 *                      after warm-up runs: msPerStep (the run with every invariant checked, step generation included:
 *                      O(1) a step), gcMsPerStep (of which garbage collection pauses) and majorGcMsPerStep (of those,
 *                      the mark-compact ones, whose cost grows with the live heap: the long rows hold 1-2 GB of timeline,
 *                      so their GC share grows; with the same model work and 1.5 GB of unrelated long-lived data in the
 *                      heap, a 200k-step window went from 1.7 to 14-26 us of GC per step), microstepsPerStep (the
 *                      mixed workload grows heavier per step as tasks accumulate), peakBytesPerStep (JS heap plus
 *                      array buffers, sampled every 4096 steps, over the child's baseline) and retainedBytesPerStep
 *                      (after the run and a full GC). A cost that grows with the size of the mm shows as a figure
 *                      growing between the short rows, one that grows with the length of the run between the long
 *                      ones. BENCH_SCALE=10000,100000 picks the rows (BENCH_SCALE=none: none).
 */
import { spawnSync } from 'node:child_process';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { mixedSteps, randomScenario, randomSteps } from '../src-sim/scenario/random.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { tracksWindow } from '../src-sim/timeline/tracks_query.ts';
import { playheadView } from '../src-sim/timeline/view.ts';
import type { ScenarioFile } from '../src-sim/scenario/schema.ts';

const TARGET = Number(process.env.BENCH_MICROSTEPS ?? 1_000_000);
const json = process.argv.includes('--json');
const gc = (globalThis as { gc?: () => void }).gc;

interface ScaleRow {
  steps: number;
  microsteps: number;
  ms: number;
  msPerStep: number;
  /** Of msPerStep, the garbage collector's pauses during the run, and of those the major (mark-compact) ones. */
  gcMsPerStep: number;
  majorGcMsPerStep: number;
  /** Micro-steps per step: the workload grows a little heavier as tasks accumulate (fuller mm_cpumasks, more IPIs). */
  microstepsPerStep: number;
  peakBytesPerStep: number;
  retainedBytesPerStep: number | null;
}

/** One scale row, in this process (the child the parent spawned for it). */
async function scaleRow(steps: number): Promise<ScaleRow> {
  const base = randomScenario({ arch: 'x86', cpus: 64, mms: 16, tasksPerMm: 4, kthreads: 8, devices: 2, pagesPerMm: 4 });
  // Warm-up runs of other seeds first, so that no row pays for compiling the model; they stay alive during the row, as
  // a fresh heap just collected down to nothing makes V8 collect far more often at first (the 10k row ran twice as slow).
  const warm = [3, 5].map((seed) => new Timeline(base, null, { extend: mixedSteps(seed, 20_000) }));
  const before = heap();
  let peak = before;
  const next = mixedSteps(11, steps);
  // GC pauses are reported asynchronously: gathered here, summed once the run is over.
  const pauses: Array<{ at: number; ms: number; major: boolean }> = [];
  const obs = new PerformanceObserver((list) => {
    // detail.kind 4: NODE_PERFORMANCE_GC_MAJOR (mark-sweep-compact, whose cost grows with the live heap)
    for (const e of list.getEntries()) pauses.push({ at: e.startTime, ms: e.duration, major: (e as { detail?: { kind?: number } }).detail?.kind === 4 });
  });
  obs.observe({ entryTypes: ['gc'] });
  const t0 = performance.now();
  const t = new Timeline(base, null, {
    extend: (s, i) => {
      if ((i & 4095) === 0) {
        const m = process.memoryUsage();
        peak = Math.max(peak, m.heapUsed + m.arrayBuffers);
      }
      return next(s, i);
    },
  });
  const t1 = performance.now();
  const ms = t1 - t0;
  const m = process.memoryUsage();
  peak = Math.max(peak, m.heapUsed + m.arrayBuffers);
  const retained = gc ? heap() - before : null;
  if (t.internalError) throw new Error(t.internalError);
  if (warm.some((w) => w.internalError)) throw new Error('warm-up run failed');
  await new Promise((resolve) => setTimeout(resolve, 50));
  obs.disconnect();
  const during = pauses.filter((p) => p.at >= t0 && p.at < t1);
  const gcMs = during.reduce((a, p) => a + p.ms, 0);
  const majorMs = during.filter((p) => p.major).reduce((a, p) => a + p.ms, 0);
  return {
    steps,
    microsteps: t.microstepCount,
    ms: Math.round(ms),
    msPerStep: +(ms / steps).toFixed(4),
    gcMsPerStep: +(gcMs / steps).toFixed(4),
    majorGcMsPerStep: +(majorMs / steps).toFixed(4),
    microstepsPerStep: +(t.microstepCount / steps).toFixed(2),
    peakBytesPerStep: Math.round((peak - before) / steps),
    retainedBytesPerStep: retained === null ? null : Math.round(retained / steps),
  };
}

const rowArg = process.argv.indexOf('--scale-row');
if (rowArg >= 0) {
  console.log(JSON.stringify(await scaleRow(Number(process.argv[rowArg + 1]))));
  process.exit(0);
}

/**
 * Node flags for a row's child: this process's own (bench/run.mjs gives it --expose-gc and a heap sized from the
 * machine's memory), or, when run otherwise, a heap of three quarters of the machine's (or container's) memory if
 * that is more than node's default.
 */
function childFlags(): string[] {
  const own = process.execArgv;
  if (own.some((a) => a.startsWith('--max-old-space-size'))) return own;
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.() || Infinity;
  const mb = Math.floor((Math.min(totalmem(), constrained) * 0.75) / 2 ** 20);
  return [...own, ...(own.includes('--expose-gc') ? [] : ['--expose-gc']), ...(mb > getHeapStatistics().heap_size_limit / 2 ** 20 ? [`--max-old-space-size=${mb}`] : [])];
}

/** Each row in a fresh child process: its own heap, so its peak is its own, and room for the big rows. */
function scaleRows(): ScaleRow[] {
  const spec = process.env.BENCH_SCALE ?? '10000,100000,1000000,2000000';
  if (spec === 'none' || spec === '') return [];
  const rows: ScaleRow[] = [];
  for (const n of spec.split(',').map(Number)) {
    const r = spawnSync(process.execPath, [...childFlags(), fileURLToPath(import.meta.url), '--scale-row', String(n)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`scale row ${n}: exit ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
    rows.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as ScaleRow);
  }
  return rows;
}

/** JS heap plus ArrayBuffer backing stores (typed arrays live outside the JS heap; heapUsed alone misses them). */
function heap(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function generate(): ScenarioFile {
  const base = randomScenario({ arch: 'x86', cpus: 64, mms: 48, tasksPerMm: 3, kthreads: 24, devices: 2, pagesPerMm: 12 });
  // A pilot run tells how many micro-steps a step takes on average here.
  const pilot = new Timeline(base, null, { extend: randomSteps(7, 20000, { pagesPerMm: 12 }) });
  const perStep = pilot.microstepCount / pilot.steps.length;
  const steps = Math.ceil((TARGET / perStep) * 1.5);
  // The ratio drifts as the run goes on: generate generously, then keep steps until the target is reached.
  const full = new Timeline(base, null, { extend: randomSteps(7, steps, { pagesPerMm: 12 }) });
  const keep = full.steps.findIndex((s) => s.firstMicrostep + s.microstepCount >= TARGET);
  return { ...full.file, steps: full.file.steps.slice(0, keep < 0 ? undefined : keep + 1) };
}

function percentile(xs: number[], p: number): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

const t0 = performance.now();
const file = generate();
const genMs = performance.now() - t0;

// Three timed runs (the generation above warmed the JIT up); the median is reported. The last run is kept and its
// retained heap measured.
const runs: number[] = [];
let timeline: Timeline | null = null;
let before = 0;
let after = 0;
for (let i = 0; i < 3; i++) {
  timeline = null;
  before = heap();
  const t1 = performance.now();
  timeline = new Timeline(file, null);
  runs.push(performance.now() - t1);
  after = heap();
}
timeline = timeline!;
const runMs = runs.slice().sort((a, b) => a - b)[1];
const n = timeline.microstepCount;

// Seeks to random micro-steps (a fixed seed, so runs compare), after 100 warm-up seeks elsewhere: the budget is about
// a UI that scrubs, whose replay code is hot; the first seek through a rare path pays for JIT compilation once.
let x = 12345;
const next = () => (x = (x * 1103515245 + 12345) >>> 0) % n;
for (let i = 0; i < 100; i++) timeline.stateAt(next());
const seeks: number[] = [];
for (let i = 0; i < 300; i++) {
  const ms = next();
  const s = performance.now();
  timeline.stateAt(ms);
  seeks.push(performance.now() - s);
}

// Tracks: a full-range window at 1000 buckets (what the UI asks for first), and playhead views at random positions.
const queries: number[] = [];
let tracksItems = 0;
for (let i = 0; i < 6; i++) {
  const s = performance.now();
  const w = tracksWindow(timeline, 0, n, 1000);
  if (i > 0) queries.push(performance.now() - s);
  tracksItems = w.cpus.reduce((a, c) => a + c.curr.length + c.activeMm.length + c.loadedMm.length + c.lazy.length + c.irqsOff.length + c.inFlight.length, 0);
}
const views: number[] = [];
for (let i = 0; i < 60; i++) {
  const t = next() + 1;
  const s = performance.now();
  playheadView(timeline, t);
  if (i >= 10) views.push(performance.now() - s);
}

const result = {
  microsteps: n,
  steps: timeline.steps.length,
  cpus: file.machine.cpus,
  violations: timeline.violations.length,
  microstepsPerSec: Math.round(n / (runMs / 1000)),
  runMs: Math.round(runMs),
  runMsAll: runs.map((r) => Math.round(r)),
  seekMsP50: +percentile(seeks, 0.5).toFixed(3),
  seekMsP95: +percentile(seeks, 0.95).toFixed(3),
  seekMsMax: +Math.max(...seeks).toFixed(3),
  bytesPerMicrostep: gc ? +((after - before) / n).toFixed(1) : null,
  tracksBytesPerMicrostep: +(timeline.tracks.retainedBytes() / n).toFixed(1),
  /** Arch decisions the run recorded (Kernel.decided: 8 bytes each, in bytesPerMicrostep). */
  decisions: timeline.decisionCount,
  tracksQueryMs: +percentile(queries, 0.5).toFixed(2),
  tracksQueryCpuLaneItems: tracksItems,
  viewMsP50: +percentile(views, 0.5).toFixed(2),
  viewMsP95: +percentile(views, 0.95).toFixed(2),
  keyframes: timeline.keyframeCount,
  generateMs: Math.round(genMs),
  gcExposed: !!gc,
  scale: scaleRows(),
};

if (json) console.log(JSON.stringify(result));
else {
  const ok = (v: boolean) => (v ? 'within budget' : 'OVER BUDGET');
  console.log(`stress scenario: ${result.cpus} CPUs, ${result.steps} steps, ${n} micro-steps, ${result.violations} violations (generated in ${result.generateMs} ms)`);
  console.log(`run with all invariants (median of ${runs.length}: ${result.runMsAll.join(', ')} ms): ${result.microstepsPerSec.toLocaleString('en')} micro-steps/s (budget >= 1,000,000: ${ok(result.microstepsPerSec >= 1e6)})`);
  console.log(`seek to a random micro-step: p50 ${result.seekMsP50} ms, p95 ${result.seekMsP95} ms, max ${result.seekMsMax} ms (budget < 5 ms: ${ok(result.seekMsP95 < 5)})`);
  console.log(result.bytesPerMicrostep === null
    ? 'retained bytes per micro-step: run with node --expose-gc (npm run bench does)'
    : `retained heap: ${result.bytesPerMicrostep} bytes per micro-step, ${result.keyframes} keyframes, tracks ${result.tracksBytesPerMicrostep} of them (budget < 150: ${ok(result.bytesPerMicrostep < 150)})`);
  console.log(`tracks window 0..${n} at 1000 buckets: ${result.tracksQueryMs} ms (${tracksItems} CPU lane items); playhead view: p50 ${result.viewMsP50} ms, p95 ${result.viewMsP95} ms`);
  for (const r of result.scale) {
    console.log(`scale, mixed workload: ${r.steps.toLocaleString('en')} steps (${r.microsteps.toLocaleString('en')} micro-steps, ${r.microstepsPerStep} a step) in ${r.ms} ms: ${r.msPerStep} ms per step (GC ${r.gcMsPerStep}, of which major ${r.majorGcMsPerStep}), peak ${r.peakBytesPerStep} bytes per step, retained ${r.retainedBytesPerStep ?? '?'}`);
  }
  console.log(JSON.stringify(result));
}
