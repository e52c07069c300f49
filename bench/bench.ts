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
 */
import { randomScenario, randomSteps } from '../src-sim/scenario/random.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { tracksWindow } from '../src-sim/timeline/tracks_query.ts';
import { playheadView } from '../src-sim/timeline/view.ts';
import type { ScenarioFile } from '../src-sim/scenario/schema.ts';

const TARGET = Number(process.env.BENCH_MICROSTEPS ?? 1_000_000);
const json = process.argv.includes('--json');
const gc = (globalThis as { gc?: () => void }).gc;

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
  tracksQueryMs: +percentile(queries, 0.5).toFixed(2),
  tracksQueryCpuLaneItems: tracksItems,
  viewMsP50: +percentile(views, 0.5).toFixed(2),
  viewMsP95: +percentile(views, 0.95).toFixed(2),
  keyframes: timeline.keyframeCount,
  generateMs: Math.round(genMs),
  gcExposed: !!gc,
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
}
