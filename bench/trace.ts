/**
 * `npm run bench -- --trace`: trace import throughput (issue 11). Streams a synthesized trace of TRACE_BENCH_MB
 * (default 1024) MB through the streaming parser: the x86 capture repeated, each copy's timestamps shifted past the
 * previous one, generated copy by copy on the fly (never stored). Only the parser's own time is counted (the copy
 * being generated is not). Prints one JSON line: MB/s and events/s of parsing alone, and the heap after each quarter
 * (flat when memory does not grow with the size of the trace) and the peak RSS.
 *
 * Then the whole import (parser, collector, reconstruction, scenario; no conformance run) of TRACE_IMPORT_MB (default
 * 100) MB of the same synthesized trace, in a fresh measurement of RSS: one JSON line with the peak RSS, the window
 * (where the scenario format's limits stopped it) and the most records the collector held at once. Memory should not
 * grow with the size of the trace once the window is full.
 */
import { readFileSync } from 'node:fs';
import { TraceImport } from '../src-sim/trace/import.ts';
import { TraceParser } from '../src-sim/trace/parser.ts';

const MB = Number(process.env.TRACE_BENCH_MB ?? 1024);
const src = readFileSync('tests/fixtures/traces/x86-6.18-lazytlb-demo.tracefs.txt', 'utf8');
const lines = src.split('\n').filter((l) => l !== '');
const header = lines.filter((l) => l.startsWith('#')).join('\n') + '\n';
// Each event line as [text before the timestamp, timestamp in µs, text after it].
const TS = /^(.*?\]\s+\S+\s+)(\d+)\.(\d{6})(:.*)$/;
const body = lines.filter((l) => !l.startsWith('#')).map((l) => {
  const m = TS.exec(l);
  if (!m) throw new Error(`bench: no timestamp in ${l.slice(0, 60)}`);
  return { pre: m[1], us: Number(m[2]) * 1e6 + Number(m[3]), post: m[4] };
});
const span = body[body.length - 1].us - body[0].us + 1000;

function copy(k: number): string {
  const shift = k * span;
  let s = '';
  for (const b of body) {
    const us = b.us + shift;
    s += `${b.pre}${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}${b.post}\n`;
  }
  return s;
}

let events = 0;
const parser = new TraceParser(() => {
  events++;
});
const target = MB * 2 ** 20;
let chars = 0;
let parseMs = 0;
const heapAt: number[] = [];
let peakRss = 0;
const feed = (s: string) => {
  const t0 = performance.now();
  parser.push(s);
  parseMs += performance.now() - t0;
  chars += s.length;
};
feed(header);
for (let k = 0; chars < target; k++) {
  feed(copy(k));
  if (heapAt.length < 4 && chars >= (target * (heapAt.length + 1)) / 4) {
    (globalThis as { gc?: () => void }).gc?.();
    heapAt.push(Math.round(process.memoryUsage().heapUsed / 2 ** 20));
  }
  if (k % 64 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
const t0 = performance.now();
const s = parser.end();
parseMs += performance.now() - t0;
peakRss = Math.max(peakRss, process.memoryUsage().rss);
if (s.unparsedLines || s.issues.length) throw new Error(`bench: the synthesized trace had problems: ${JSON.stringify(s.issues.slice(0, 3))}`);

// The trace is ASCII: characters are bytes.
console.log(
  JSON.stringify({
    bench: 'trace-parse',
    mb: Math.round(chars / 2 ** 20),
    lines: s.lines,
    eventLines: s.eventLines,
    eventsRead: events,
    parseSeconds: +(parseMs / 1000).toFixed(2),
    mbPerSecond: Math.round(chars / 2 ** 20 / (parseMs / 1000)),
    eventsPerSecond: Math.round(s.eventLines / (parseMs / 1000)),
    heapMbAfterEachQuarter: heapAt,
    peakRssMb: Math.round(peakRss / 2 ** 20),
    node: process.version,
  }),
);

// The whole import, streamed the same way.
const IMPORT_MB = Number(process.env.TRACE_IMPORT_MB ?? 100);
(globalThis as { gc?: () => void }).gc?.();
const imp = new TraceImport({ name: 'synthesized.txt', conformance: false });
let ichars = 0;
let ipeak = 0;
const i0 = performance.now();
imp.push(header);
for (let k = 0; ichars < IMPORT_MB * 2 ** 20; k++) {
  const c = copy(k);
  imp.push(c);
  ichars += c.length;
  if (k % 32 === 0) ipeak = Math.max(ipeak, process.memoryUsage().rss);
}
const r = imp.finish();
ipeak = Math.max(ipeak, process.memoryUsage().rss);
console.log(
  JSON.stringify({
    bench: 'trace-import',
    mb: Math.round(ichars / 2 ** 20),
    seconds: +((performance.now() - i0) / 1000).toFixed(2),
    scenarioSteps: r.scenario?.steps.length ?? 0,
    window: r.report.window.stoppedAt,
    mostRecordsHeld: r.reconstruction.heldMost,
    peakRssMb: Math.round(ipeak / 2 ** 20),
  }),
);
