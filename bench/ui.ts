/**
 * `npm run bench -- --ui [--profile]`: the UI's performance budgets, measured in Chromium against the production
 * build with the core benchmark's stress scenario (64 CPUs, BENCH_MICROSTEPS micro-steps, default 1,000,000), opened
 * as a user's own file. Measured, never asserted. Human-readable lines go to stderr; the last line of stdout is one
 * JSON object:
 *   loadMs            from the file input's `change` until the lanes section is on screen (the timeline is loaded:
 *                     file read, worker run, summary rendered), at the end of the first frame that shows it
 *   lanesDrawnMs      from then until the lanes are drawn: tracks arrived and the labels show the playhead's state
 *                     (data-tracks set, data-view-t = data-t), at the end of that frame (budget < 1000 ms)
 *   scrubFrameMs*     main-thread work per frame while dragging the scrubber over the whole timeline, one position
 *                     per frame (budget p95 < 16 ms); scrubLongFrames: frame intervals over 20 ms (dropped frames)
 *   zoomFrameMs*      the same for ctrl+wheel zoom on the lane plot, in runs of zoom-in and zoom-out (null, with
 *                     zoomError, if the app broke: the lanes left the page); keyZoomFrameMs* the same for the keys
 *                     W, D, A, S (zoom in, pan, zoom out), run first
 *   domElements       elements in the page once loaded (stderr names the largest parts)
 *   pageHeapBytes     the page's JS heap after a forced GC (CDP Runtime.getHeapUsage); workerHeapBytes the worker's
 *   startJsGzipBytes  gzip -9 of the JS a visit loads at start: the entry chunk(s) of index.html, their static
 *                     imports, and the simulation worker (budget < 300 kB); lazyJsGzipBytes every other JS chunk
 *
 * The frame measurement (scrub and zoom alike), inside the page:
 *   - each frame, in a requestAnimationFrame callback, the input is applied (the scrubber's value through the native
 *     setter plus an `input` event, which React's onChange listens to; or a WheelEvent with ctrlKey on the plot, which
 *     d3-zoom handles), then a MessageChannel message is posted. The message task runs only once the main thread is
 *     free again: after the input's handlers, React's synchronous re-render, the layout effects (canvas drawing) and
 *     the browser's style/layout/paint of that frame. `input work` = message time - rAF callback start.
 *   - the answers of the simulation worker (the state at the new playhead, tracks for the new window) arrive as
 *     separate tasks between frames and re-render more of the page. An init script wraps `Worker` so that a listener
 *     of ours runs first on every worker message: it notes the time and posts a MessageChannel message, whose task
 *     again runs once the app's handler and React's re-render (flushed in microtasks) are done: `reply work`.
 *   - a frame's main-thread work = its input work + the reply work that started after it and before the next rAF
 *     (those replies' style/layout is paid in the next frame, inside that frame's input work). Disjoint intervals:
 *     nothing is counted twice.
 *   - long frames: intervals between consecutive rAF timestamps over 20 ms (at 60 Hz a frame is 16.7 ms).
 *   - a phase stops taking new frames after BENCH_UI_PHASE_MS (default 90 s), so a very slow UI is measured on
 *     fewer frames (scrubFrames, zoomFrames say how many) instead of never finishing; every wait has a timeout.
 *
 * `--profile` builds without minifying (names readable) and takes CPU profiles through CDP (Profiler) of the page
 * during load, scrub and zoom and of the worker during load, printing the functions that dominate (self time and
 * total time; positions mapped to the sources through the build's source maps), and a Chromium trace of the renderer's
 * main thread per phase (style, layout, pre-paint, paint: what the profile calls "(program)"). Its timings include
 * the profilers' overhead.
 *
 * The production build goes to a temporary directory (not dist/, which the e2e setup builds into at the same time).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { chooseBrowser, launchChromium } from '../e2e/chromium.ts';
import { preview, stopServer, viteBuild } from '../e2e/serve.ts';
import { randomScenario, randomSteps } from '../src-sim/scenario/random.ts';
import { parseScenarioText } from '../src-sim/scenario/load.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import type { ScenarioFile } from '../src-sim/scenario/schema.ts';

const TARGET = Number(process.env.BENCH_MICROSTEPS ?? 1_000_000);
const PROFILE = process.argv.includes('--profile');
/** --mutations: count the DOM mutations of each phase by the page part they fall in (what a frame re-renders). */
const MUTATIONS = process.argv.includes('--mutations');
const SCRUB_FRAMES = 200;
const ZOOM_FRAMES = 150;
const ZOOM_RUN = 15;
const LONG_FRAME_MS = 20;

const TOTAL_TIMEOUT_MS = Number(process.env.BENCH_UI_TIMEOUT_MS ?? 20 * 60_000);
const LOAD_TIMEOUT_MS = 300_000;
const DRAWN_TIMEOUT_MS = 120_000;
/** A phase (scrub, zoom) stops taking new frames after this long; PHASE_TIMEOUT_MS bounds it all. */
const PHASE_BUDGET_MS = Number(process.env.BENCH_UI_PHASE_MS ?? 90_000);
const PHASE_TIMEOUT_MS = PHASE_BUDGET_MS + 120_000;

const say = (line: string) => process.stderr.write(line + '\n');

// ---------------------------------------------------------------------------------------------------------------
// 1. The stress scenario: the same generation as bench/bench.ts (keep the two in step), with one difference. The
// random proposer sometimes reclaims a page the simulation named itself (a freed page-table page reused for data,
// e.g. `pgd:X21`, `pt:M31/4`); the core runs that, but the loader (src-sim/scenario/load.ts) refuses such a file:
// "steps[i].page: page pgd:X21 is not defined". A user's file must load, so here such a proposal is replaced by the
// proposer's next one (from the same state); how many were replaced is said on stderr.

type Proposer = ReturnType<typeof randomSteps>;

function loadable(base: ScenarioFile, inner: Proposer, replaced: { n: number }): Proposer {
  const declared = new Set(base.mms.flatMap((m) => (m.mappings ?? []).map((mp) => mp.page)));
  return (s, index) => {
    for (let attempt = 0; attempt < 50; attempt++) {
      const step = inner(s, index);
      if (!step || step.do !== 'reclaim' || declared.has(step.page)) return step;
      replaced.n++;
    }
    return null;
  };
}

function generate(replaced: { n: number }): ScenarioFile {
  const base = randomScenario({ arch: 'x86', cpus: 64, mms: 48, tasksPerMm: 3, kthreads: 24, devices: 2, pagesPerMm: 12 });
  const pilot = new Timeline(base, null, { extend: randomSteps(7, 20000, { pagesPerMm: 12 }) });
  const perStep = pilot.microstepCount / pilot.steps.length;
  const steps = Math.ceil((TARGET / perStep) * 1.5);
  const full = new Timeline(base, null, { extend: loadable(base, randomSteps(7, steps, { pagesPerMm: 12 }), replaced) });
  const keep = full.steps.findIndex((s) => s.firstMicrostep + s.microstepCount >= TARGET);
  return { ...full.file, steps: full.file.steps.slice(0, keep < 0 ? undefined : keep + 1) };
}

// ---------------------------------------------------------------------------------------------------------------
// 2. The production build (a child process with NODE_ENV=production, `node <vite's bin>`, never an npx wrapper) and
// the size of its JS.

interface JsSizes {
  start: { file: string; gzip: number }[];
  lazy: { file: string; gzip: number }[];
}

/** Start JS: index.html's module scripts and modulepreloads, their static imports, and workers they spawn (with theirs). */
function jsSizes(outDir: string): JsSizes {
  const assets = join(outDir, 'assets');
  const files = readdirSync(assets).filter((f) => f.endsWith('.js'));
  const text = new Map(files.map((f) => [f, readFileSync(join(assets, f), 'utf8')]));
  const html = readFileSync(join(outDir, 'index.html'), 'utf8');
  const start = new Set<string>();
  const queue: string[] = [];
  const add = (f: string) => {
    if (text.has(f) && !start.has(f)) {
      start.add(f);
      queue.push(f);
    }
  };
  for (const m of html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+\.js)"/g)) add(m[1].split('/').pop()!);
  while (queue.length) {
    const f = queue.shift()!;
    const js = text.get(f)!;
    // static imports / re-exports: `import ... from"./x.js"`, `import"./x.js"`, `export ... from"./x.js"`
    for (const m of js.matchAll(/\b(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["'`]\.\/([\w.$-]+\.js)["'`]/g)) add(m[1]);
    // a worker spawned by this chunk: `new Worker(new URL(`worker-x.js`, import.meta.url) ...`
    for (const m of js.matchAll(/new\s+(?:Shared)?Worker\(([^;]{0,400})/g)) {
      for (const name of files) if (m[1].includes(name)) add(name);
    }
  }
  const size = (f: string) => ({ file: f, gzip: gzipSync(text.get(f)!, { level: 9 }).length });
  return { start: [...start].map(size), lazy: files.filter((f) => !start.has(f)).map(size) };
}

// ---------------------------------------------------------------------------------------------------------------
// 3. `vite preview` on a free port of 127.0.0.1 (as e2e/global-setup.ts).

// (e2e/serve.ts)

// ---------------------------------------------------------------------------------------------------------------
// Helpers: timeouts, statistics, CDP sessions on the worker, CPU profiles.

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function percentile(xs: number[], p: number): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/**
 * A CDP session on the page's dedicated worker. Playwright gives sessions on pages and frames only, so this goes
 * through a page session: Target.setAutoAttach (not flattened) attaches to the worker, and commands travel inside
 * Target.sendMessageToTarget, answers inside Target.receivedMessageFromTarget.
 */
class WorkerSession {
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly page: CDPSession,
    private readonly sessionId: string,
  ) {
    page.on('Target.receivedMessageFromTarget', (e: { sessionId: string; message: string }) => {
      if (e.sessionId !== this.sessionId) return;
      const msg = JSON.parse(e.message) as { id?: number; result?: unknown; error?: { message: string } };
      const p = msg.id === undefined ? undefined : this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id!);
      if (msg.error) p.reject(new Error(msg.error.message));
      else p.resolve(msg.result);
    });
  }

  static async attach(page: Page): Promise<WorkerSession | null> {
    const cdp = await page.context().newCDPSession(page);
    const found = new Promise<string | null>((done) => {
      cdp.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { type: string; url: string } }) => {
        if (e.targetInfo.type === 'worker') done(e.sessionId);
      });
      setTimeout(() => done(null), 5_000);
    });
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    const sessionId = await found;
    return sessionId ? new WorkerSession(cdp, sessionId) : null;
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.#nextId++;
    const answer = new Promise<T>((resolve, reject) => this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    void this.page.send('Target.sendMessageToTarget', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) });
    return within(30_000, `worker CDP ${method}`, answer);
  }
}

interface Sender {
  send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
}

function sender(cdp: CDPSession): Sender {
  return { send: <T>(method: string, params: Record<string, unknown> = {}) => cdp.send(method as 'Runtime.evaluate', params as never) as Promise<T> };
}

async function heapUsed(s: Sender): Promise<number> {
  await s.send('HeapProfiler.enable');
  await s.send('HeapProfiler.collectGarbage');
  await s.send('HeapProfiler.collectGarbage');
  const { usedSize } = await s.send<{ usedSize: number }>('Runtime.getHeapUsage');
  return usedSize;
}

/**
 * Source maps of the build's JS (--profile builds with --sourcemap): a profile's positions in a bundle are shown as
 * the original file and line. Decodes the `mappings` VLQ by hand (no dependency).
 */
const sourceMaps = new Map<string, { sources: string[]; lines: number[][][] }>();

function loadSourceMaps(assets: string): void {
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (const f of readdirSync(assets).filter((x) => x.endsWith('.js.map'))) {
    const map = JSON.parse(readFileSync(join(assets, f), 'utf8')) as { sources: string[]; mappings: string };
    const lines: number[][][] = [];
    let src = 0;
    let srcLine = 0;
    let srcCol = 0;
    let name = 0;
    for (const line of map.mappings.split(';')) {
      const segs: number[][] = [];
      let col = 0;
      for (const seg of line.split(',')) {
        if (!seg) continue;
        const v: number[] = [];
        let shift = 0;
        let value = 0;
        for (const ch of seg) {
          const d = B64.indexOf(ch);
          value += (d & 31) << shift;
          if (d & 32) shift += 5;
          else {
            v.push(value & 1 ? -(value >>> 1) : value >>> 1);
            value = 0;
            shift = 0;
          }
        }
        col += v[0];
        if (v.length >= 4) {
          src += v[1];
          srcLine += v[2];
          srcCol += v[3];
          if (v.length >= 5) name += v[4];
          segs.push([col, src, srcLine]);
        }
      }
      lines.push(segs);
    }
    const sources = map.sources.map((x) => x.replace(/^(\.\.\/)+/, '').replace(/^.*node_modules\//, ''));
    sourceMaps.set(f.replace(/\.map$/, ''), { sources, lines });
  }
}

/** `file:line` in the sources for a 0-based position in a bundle, or null. */
function original(file: string, line: number, col: number): string | null {
  const map = sourceMaps.get(file);
  const segs = map?.lines[line];
  if (!map || !segs?.length) return null;
  let best = segs[0];
  for (const seg of segs) if (seg[0] <= col) best = seg;
  return `${map.sources[best[1]]}:${best[2] + 1}`;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

async function profileStart(s: Sender): Promise<void> {
  await s.send('Profiler.enable');
  await s.send('Profiler.setSamplingInterval', { interval: 200 });
  await s.send('Profiler.start');
}

/** Self and total time per function (name file:line), top `top` by self time and by total time. */
async function profileStop(s: Sender, title: string, top = 14): Promise<void> {
  const { profile } = await s.send<{ profile: CpuProfile }>('Profiler.stop');
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (id: number) => {
    const f = byId.get(id)!.callFrame;
    const file = f.url ? f.url.split('/').pop()!.split('?')[0] : '';
    const where = file ? (original(file, f.lineNumber, f.columnNumber) ?? `${file}:${f.lineNumber + 1}`) : '';
    return `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let sum = 0;
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const id = profile.samples[i];
    sum += dt;
    const k = key(id);
    self.set(k, (self.get(k) ?? 0) + dt);
    if (k !== '(idle)') busy += dt;
    const seen = new Set<string>();
    for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) {
      const pk = key(p);
      if (seen.has(pk) || pk === '(root)') continue;
      seen.add(pk);
      total.set(pk, (total.get(pk) ?? 0) + dt);
    }
  }
  const show = (m: Map<string, number>) =>
    [...m]
      .filter(([k]) => k !== '(idle)' && k !== '(program)' || m === self)
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `    ${v.toFixed(1).padStart(8)} ms  ${k}`)
      .join('\n');
  say(`  CPU profile, ${title}: ${sum.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms not idle`);
  say(`   by self time:\n${show(self)}`);
  say(`   by total time (including callees):\n${show(total)}`);
}

/** --profile: a Chromium trace of the phase, to break down what the CPU profile calls "(program)" (style, layout...). */
async function traceStart(b: Browser, page: Page): Promise<void> {
  await b.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8'] });
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: {
    name?: string;
    elementCount?: number;
    beginData?: { dirtyObjects?: number; totalObjects?: number };
    endData?: { rootNode?: number };
    data?: { nodeId?: number; clip?: number[] };
  };
}

/** What a trace's backend node id is, as `tag.class[data-testid]`, through the page's CDP session. */
async function nodeName(s: Sender, backendNodeId: number): Promise<string> {
  try {
    const { node } = await s.send<{ node: { nodeName: string; attributes?: string[] } }>('DOM.describeNode', { backendNodeId });
    const attrs = new Map<string, string>();
    for (let i = 0; i + 1 < (node.attributes?.length ?? 0); i += 2) attrs.set(node.attributes![i], node.attributes![i + 1]);
    const cls = attrs.get('class')?.split(/\s+/)[0];
    const id = attrs.get('data-testid');
    return `${node.nodeName.toLowerCase()}${cls ? `.${cls}` : ''}${id ? `[${id}]` : ''}`;
  } catch {
    return `node ${backendNodeId}`;
  }
}

async function traceStop(b: Browser, title: string, page?: Sender): Promise<void> {
  const { traceEvents } = JSON.parse((await b.stopTracing()).toString()) as { traceEvents: TraceEvent[] };
  const mains = new Set(traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const busy = new Map<string, number>();
  for (const e of traceEvents) if (e.ph === 'X' && e.name === 'RunTask' && mains.has(`${e.pid}:${e.tid}`)) busy.set(`${e.pid}:${e.tid}`, (busy.get(`${e.pid}:${e.tid}`) ?? 0) + (e.dur ?? 0));
  const main = [...busy].sort((a, b2) => b2[1] - a[1])[0]?.[0];
  if (!main) {
    say(`  trace, ${title}: no renderer main thread found`);
    return;
  }
  const NAMES = ['RunTask', 'FunctionCall', 'EventDispatch', 'FireAnimationFrame', 'RunMicrotasks', 'V8.GC_SCAVENGER', 'MajorGC', 'MinorGC', 'V8.GCFinalizeMC', 'UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint', 'Layerize', 'Commit', 'HitTest', 'ParseHTML', 'IntersectionObserverController::computeIntersections'];
  const agg = new Map<string, { ms: number; n: number; elements: number; dirty: number; total: number }>();
  const open = new Map<string, TraceEvent[]>();
  const add = (name: string, dur: number, e: TraceEvent) => {
    const a = agg.get(name) ?? { ms: 0, n: 0, elements: 0, dirty: 0, total: 0 };
    a.ms += dur / 1000;
    a.n++;
    a.elements = Math.max(a.elements, e.args?.elementCount ?? 0);
    a.dirty = Math.max(a.dirty, e.args?.beginData?.dirtyObjects ?? 0);
    a.total = Math.max(a.total, e.args?.beginData?.totalObjects ?? 0);
    agg.set(name, a);
  };
  for (const e of traceEvents) {
    if (`${e.pid}:${e.tid}` !== main || !NAMES.includes(e.name)) continue;
    if (e.ph === 'X') add(e.name, e.dur ?? 0, e);
    else if (e.ph === 'B') open.set(e.name, [...(open.get(e.name) ?? []), e]);
    else if (e.ph === 'E') {
      const b0 = open.get(e.name)?.pop();
      if (b0) add(e.name, e.ts - b0.ts, b0);
    }
  }
  say(`  trace, ${title} (renderer main thread; totals per event kind, nested kinds overlap):`);
  for (const name of NAMES) {
    const a = agg.get(name);
    if (!a) continue;
    const extra = name === 'UpdateLayoutTree' ? `, up to ${a.elements} elements restyled` : name === 'Layout' ? `, up to ${a.dirty} of ${a.total} layout objects dirty` : '';
    say(`    ${a.ms.toFixed(0).padStart(8)} ms  ${name} x${a.n}${extra}`);
  }
  // Where layout starts and what is painted: the elements that cost most, named through the page's DOM.
  if (!page) return;
  for (const [kind, nodeOf] of [
    ['Layout roots', (e: TraceEvent) => e.args?.endData?.rootNode],
    ['Paint', (e: TraceEvent) => e.args?.data?.nodeId],
  ] as const) {
    const by = new Map<number, { ms: number; n: number; clips: Map<string, number> }>();
    for (const e of traceEvents) {
      if (`${e.pid}:${e.tid}` !== main || e.ph !== 'X' || e.name !== (kind === 'Paint' ? 'Paint' : 'Layout')) continue;
      const id = nodeOf(e);
      if (id === undefined) continue;
      const a = by.get(id) ?? { ms: 0, n: 0, clips: new Map<string, number>() };
      a.ms += (e.dur ?? 0) / 1000;
      a.n++;
      // the painted rectangle (a quad: x1,y1 .. x4,y4), to tell which part of a layer repaints most often
      const q = e.args?.data?.clip;
      if (q && q.length >= 8) {
        const r = `${Math.round(Math.min(q[0], q[6]))},${Math.round(Math.min(q[1], q[3]))} ${Math.round(Math.abs(q[2] - q[0]))}x${Math.round(Math.abs(q[5] - q[1]))}`;
        a.clips.set(r, (a.clips.get(r) ?? 0) + 1);
      }
      by.set(id, a);
    }
    const top = [...by].sort((x, y) => y[1].ms - x[1].ms).slice(0, 6);
    if (!top.length) continue;
    const names = await Promise.all(top.map(([id]) => nodeName(page, id)));
    say(`    ${kind}: ${top.map(([, a], i) => `${names[i]} ${a.ms.toFixed(0)} ms x${a.n}${a.clips.size ? ` (most often ${[...a.clips].sort((x, y) => y[1] - x[1])[0][0]})` : ''}`).join(', ')}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// In-page code (serialized by playwright: self-contained functions, no imports).

/** Runs before the app: wraps Worker so that our listener sees each worker message first (see the header comment). */
function installReplyProbe(): void {
  interface Reply {
    type: string;
    start: number;
    end: number;
  }
  const replies: Reply[] = [];
  (window as unknown as { __benchReplies: Reply[] }).__benchReplies = replies;
  const channel = new MessageChannel();
  let waiting: Reply[] = [];
  channel.port1.onmessage = () => {
    const now = performance.now();
    for (const r of waiting) r.end = now;
    waiting = [];
  };
  const Native = window.Worker;
  window.Worker = class extends Native {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      this.addEventListener('message', (e: MessageEvent) => {
        const data = e.data as { type?: unknown } | null;
        const reply = { type: typeof data?.type === 'string' ? data.type : '?', start: performance.now(), end: 0 };
        replies.push(reply);
        waiting.push(reply);
        channel.port2.postMessage(0);
      });
    }
  };
}

/** Notes when the lanes appear and when they are drawn (each at the end of the first frame showing it). */
function installLoadProbe(): void {
  const marks: Record<string, number | null> = { change: null, lanes: null, drawn: null, lanesSeen: null, drawnSeen: null };
  (window as unknown as { __benchLoad: typeof marks }).__benchLoad = marks;
  document.addEventListener(
    'change',
    (e) => {
      if ((e.target as Element | null)?.matches?.('[data-testid="file-input"]')) marks.change = performance.now();
    },
    true,
  );
  /** The end of the next frame: a rAF, then a message task after that frame's rendering. */
  const afterNextFrame = (name: string) =>
    requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        marks[name] = performance.now();
      };
      ch.port2.postMessage(0);
    });
  const check = () => {
    const lanes = document.querySelector('[data-testid="lanes"]');
    if (!lanes) return;
    if (marks.lanesSeen === null) {
      marks.lanesSeen = performance.now();
      afterNextFrame('lanes');
    }
    const tracks = lanes.getAttribute('data-tracks');
    if (marks.drawnSeen === null && tracks && lanes.getAttribute('data-view-t') === lanes.getAttribute('data-t')) {
      marks.drawnSeen = performance.now();
      afterNextFrame('drawn');
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-tracks', 'data-view-t', 'data-t'] });
}

interface FrameRun {
  /** rAF timestamps (frame start), one per frame, plus the one after the last frame. */
  stamps: number[];
  /** Per frame: rAF callback start and the time the main thread was free again. */
  inputs: { start: number; end: number }[];
  replies: { type: string; start: number; end: number }[];
  settleMs: number | null;
  n: number;
}

/** Drags the scrubber over 0..N, one position per frame; then waits until the state shown is the last position's. */
async function scrubInPage({ frames, budgetMs }: { frames: number; budgetMs: number }): Promise<FrameRun> {
  const input = document.querySelector<HTMLInputElement>('[data-testid="scrubber"]')!;
  const lanes = document.querySelector('[data-testid="lanes"]')!;
  const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
  const n = Number(input.max);
  const replies = (window as unknown as { __benchReplies: FrameRun['replies'] }).__benchReplies;
  const firstReply = replies.length;
  const ch = new MessageChannel();
  let free: (t: number) => void = () => {};
  ch.port1.onmessage = () => free(performance.now());
  const stamps: number[] = [];
  const inputs: FrameRun['inputs'] = [];
  const began = performance.now();
  for (let i = 0; i <= frames; i++) {
    const stamp = await new Promise<number>((r) => requestAnimationFrame(r));
    stamps.push(stamp);
    if (i === frames) break;
    // bounded: a very slow UI gets fewer frames measured (the report says how many), and the last position is N
    if (performance.now() - began > budgetMs) i = frames - 1;
    const start = performance.now();
    setValue.call(input, String(Math.round(((i + 1) * n) / frames)));
    input.dispatchEvent(new Event('input', { bubbles: true }));
    const end = await new Promise<number>((r) => {
      free = r;
      ch.port2.postMessage(0);
    });
    inputs.push({ start, end });
  }
  const last = performance.now();
  let settleMs: number | null = null;
  while (performance.now() - last < 30_000) {
    if (lanes.getAttribute('data-view-t') === String(n) && lanes.getAttribute('data-t') === String(n)) {
      settleMs = performance.now() - last;
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return { stamps, inputs, replies: replies.slice(firstReply), settleMs, n };
}

/**
 * Zoom and pan, one input per frame, in runs of `run` frames with a 300 ms pause after each (as a user pauses: the
 * lanes fetch tracks for the new window 60 ms after the last change, and redraw with them).
 *   wheel: ctrl+wheel on the lane plot (d3-zoom), runs alternately zooming in and out, each around another point
 *   keys:  the keyboard's W (zoom in), D (pan right), A (pan left), S (zoom out), one key per run, in that order
 * Stops early if the lanes leave the page (the app broke), and says at which frame.
 */
async function zoomInPage(args: { frames: number; run: number; mode: 'wheel' | 'keys'; budgetMs: number }): Promise<{ runs: FrameRun[]; brokeAt: number | null }> {
  const plot = document.querySelector<HTMLElement>('[data-testid="lane-plot"]')!;
  const replies = (window as unknown as { __benchReplies: FrameRun['replies'] }).__benchReplies;
  const ch = new MessageChannel();
  let free: (t: number) => void = () => {};
  ch.port1.onmessage = () => free(performance.now());
  const runs: FrameRun[] = [];
  const box = plot.getBoundingClientRect();
  let brokeAt: number | null = null;
  const began = performance.now();
  for (let done = 0, r = 0; done < args.frames && brokeAt === null && performance.now() - began < args.budgetMs; r++) {
    const count = Math.min(args.run, args.frames - done);
    // wheel: in (deltaY < 0) on even runs, out on odd ones, around a point that moves from run to run
    const deltaY = r % 2 === 0 ? -20 : 20;
    const clientX = box.left + box.width * (0.2 + 0.6 * ((Math.floor(r / 2) * 0.37) % 1));
    const clientY = box.top + Math.min(40, box.height / 2);
    const key = ['w', 'd', 'a', 's'][r % 4];
    const firstReply = replies.length;
    const stamps: number[] = [];
    const inputs: FrameRun['inputs'] = [];
    for (let i = 0; i <= count; i++) {
      const stamp = await new Promise<number>((res) => requestAnimationFrame(res));
      stamps.push(stamp);
      if (i === count) break;
      const start = performance.now();
      if (args.mode === 'wheel') {
        plot.dispatchEvent(new WheelEvent('wheel', { bubbles: true, cancelable: true, ctrlKey: true, deltaY, deltaMode: 0, clientX, clientY, view: window }));
      } else {
        document.body.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
        document.body.dispatchEvent(new KeyboardEvent('keyup', { key, bubbles: true, cancelable: true }));
      }
      const end = await new Promise<number>((res) => {
        free = res;
        ch.port2.postMessage(0);
      });
      inputs.push({ start, end });
      if (!plot.isConnected) {
        brokeAt = done + i;
        break;
      }
    }
    runs.push({ stamps, inputs, replies: replies.slice(firstReply), settleMs: null, n: 0 });
    done += count;
    await new Promise((res) => setTimeout(res, 300));
  }
  return { runs, brokeAt };
}

/** --mutations: a MutationObserver that counts mutated nodes by the nearest element with a data-testid. */
function mutationsStart(): void {
  const counts = new Map<string, number>();
  const part = (n: Node | null) => {
    const el = n instanceof Element ? n : (n?.parentElement ?? null);
    const owner = el?.closest('[data-testid]');
    return owner ? `${owner.getAttribute('data-testid')}${owner.parentElement?.closest('[data-testid]') ? `<${owner.parentElement.closest('[data-testid]')!.getAttribute('data-testid')}` : ''}` : '(page)';
  };
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      const key = `${part(r.target)} ${r.type === 'attributes' ? `@${r.attributeName}` : r.type}`;
      counts.set(key, (counts.get(key) ?? 0) + 1 + r.addedNodes.length + r.removedNodes.length);
    }
  });
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  (window as unknown as { __benchMutations: unknown }).__benchMutations = { observer, counts };
}

function mutationsStop(frames: number): string {
  const m = (window as unknown as { __benchMutations: { observer: MutationObserver; counts: Map<string, number> } }).__benchMutations;
  for (const r of m.observer.takeRecords()) void r;
  m.observer.disconnect();
  const total = [...m.counts.values()].reduce((a, b) => a + b, 0);
  const top = [...m.counts].sort((a, b) => b[1] - a[1]).slice(0, 14);
  return `${(total / Math.max(1, frames)).toFixed(1)} in all; ${top.map(([k, v]) => `${k} ${(v / Math.max(1, frames)).toFixed(1)}`).join(', ')}`;
}

// ---------------------------------------------------------------------------------------------------------------

interface FrameStats {
  work: number[];
  input: number[];
  reply: number[];
  intervals: number[];
}

function frameStats(runs: FrameRun[]): FrameStats {
  const s: FrameStats = { work: [], input: [], reply: [], intervals: [] };
  for (const run of runs) {
    for (let i = 0; i < run.inputs.length; i++) {
      const { start, end } = run.inputs[i];
      const next = run.stamps[i + 1] ?? Infinity;
      // replies handled after this frame's input work and before the next frame began
      let reply = 0;
      for (const r of run.replies) if (r.start >= end && r.start < next && r.end > 0) reply += r.end - r.start;
      s.input.push(end - start);
      s.reply.push(reply);
      s.work.push(end - start + reply);
    }
    for (let i = 1; i < run.stamps.length; i++) s.intervals.push(run.stamps[i] - run.stamps[i - 1]);
  }
  return s;
}

function describeFrames(what: string, s: FrameStats, replies: FrameRun['replies']): void {
  const line = (xs: number[]) => !xs.length ? 'none' : `p50 ${r1(percentile(xs, 0.5))}, p95 ${r1(percentile(xs, 0.95))}, max ${r1(Math.max(...xs))} ms`;
  const long = s.intervals.filter((x) => x > LONG_FRAME_MS).length;
  say(`${what}: ${s.work.length} frames, main-thread work per frame ${line(s.work)} (budget p95 < 16 ms: ${percentile(s.work, 0.95) < 16 ? 'within budget' : 'OVER BUDGET'})`);
  say(`  of which the input's own (handlers, React render, layout, paint): ${line(s.input)}`);
  say(`  of which worker answers handled between frames: ${line(s.reply)}`);
  say(`  frame intervals: ${line(s.intervals)}; ${long} over ${LONG_FRAME_MS} ms of ${s.intervals.length}`);
  const byType = new Map<string, number[]>();
  for (const r of replies) if (r.end > 0) byType.set(r.type, [...(byType.get(r.type) ?? []), r.end - r.start]);
  for (const [type, xs] of byType) say(`  worker answers ${type}: ${xs.length}, handling ${line(xs)}`);
}

// ---------------------------------------------------------------------------------------------------------------

const servers = new Set<ChildProcess>();
let browser: Browser | null = null;
const temps: string[] = [];

function cleanupSync(): void {
  for (const child of servers) child.kill('SIGKILL');
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'lazytlb-ui-bench-'));
  temps.push(work);
  const outDir = join(work, 'dist');
  const scenarioPath = join(work, 'stress-scenario.json');

  // 1. the scenario
  let t0 = performance.now();
  const replaced = { n: 0 };
  const file = generate(replaced);
  const json = JSON.stringify(file);
  writeFileSync(scenarioPath, json);
  say(`stress scenario: ${file.machine.cpus} CPUs, ${file.steps.length} steps, about ${TARGET} micro-steps, ${(json.length / 1e6).toFixed(1)} MB of JSON (generated in ${Math.round(performance.now() - t0)} ms)`);
  say(`  ${replaced.n} proposed reclaims of pages the loader does not know were replaced (see generate())`);
  // The worker parses and validates the file the same way: fail here, with the loader's message, if it would refuse it.
  t0 = performance.now();
  parseScenarioText(json);
  say(`  the loader accepts it (parsed and validated in node in ${Math.round(performance.now() - t0)} ms)`);

  // 2. the build
  t0 = performance.now();
  await viteBuild(outDir, PROFILE ? ['--minify', 'false', '--sourcemap'] : []);
  const sizes = jsSizes(outDir);
  if (PROFILE) loadSourceMaps(join(outDir, 'assets'));
  const startJs = sizes.start.reduce((a, f) => a + f.gzip, 0);
  const lazyJs = sizes.lazy.reduce((a, f) => a + f.gzip, 0);
  say(`production build${PROFILE ? ' (not minified, for --profile)' : ''} in ${Math.round(performance.now() - t0)} ms`);
  say(`start JS (gzip -9): ${(startJs / 1000).toFixed(1)} kB [${sizes.start.map((f) => `${f.file} ${(f.gzip / 1000).toFixed(1)} kB`).join(', ')}] (budget < 300 kB: ${startJs < 300_000 ? 'within budget' : 'OVER BUDGET'})`);
  say(`lazy JS (gzip -9): ${(lazyJs / 1000).toFixed(1)} kB${sizes.lazy.length ? ` [${sizes.lazy.map((f) => `${f.file} ${(f.gzip / 1000).toFixed(1)} kB`).join(', ')}]` : ' (no lazy chunks)'}`);

  // 3. serve and open
  const server = await preview(outDir);
  servers.add(server.child);
  server.child.on('exit', () => servers.delete(server.child));

  const choice = await chooseBrowser();
  browser = await launchChromium();
  const browserName = `Chromium ${browser.version()}${process.env.LAZYTLB_CHROMIUM ? ` (${choice.executablePath})` : ' (@sparticuz/chromium)'}`;
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, colorScheme: 'light' });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('crash', () => problems.push('the page crashed'));
  const jsLoaded: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('.js')) jsLoaded.push(r.url().split('/').pop()!);
  });
  await page.addInitScript(installReplyProbe);
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="file-input"]', { state: 'attached' });
  await page.evaluate(installLoadProbe);
  const cdp = await context.newCDPSession(page);
  const pageCdp = sender(cdp);
  // the worker starts with the first request (the preset list)
  const worker = await WorkerSession.attach(page).catch((e: Error) => {
    say(`(no CDP session on the worker: ${e.message})`);
    return null;
  });
  if (!worker) say('(the worker was not found: workerHeapBytes is left out)');

  // load
  if (PROFILE) {
    await profileStart(pageCdp);
    if (worker) await profileStart(worker);
    await traceStart(browser, page);
  }
  const tSet = performance.now();
  await page.setInputFiles('[data-testid="file-input"]', scenarioPath);
  const setMs = performance.now() - tSet;
  type Marks = Record<'change' | 'lanes' | 'drawn' | 'lanesSeen' | 'drawnSeen', number | null>;
  const marks = () => page.evaluate(() => (window as unknown as { __benchLoad: Record<string, number | null> }).__benchLoad as Marks);
  const waitMark = async (name: keyof Marks, ms: number) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (problems.some((p) => p.includes('crashed'))) throw new Error(`the page crashed while waiting for "${name}"`);
      const error = await page.evaluate(() => document.querySelector('[role="alert"]')?.textContent ?? null).catch(() => null);
      if (error && !(await marks()).lanes) throw new Error(`the app shows an error while loading: ${error}`);
      const m = await within(60_000, 'reading the load marks', marks());
      if (m[name] !== null) return m;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`"${name}" did not happen within ${ms} ms`);
  };
  let m = await waitMark('lanes', LOAD_TIMEOUT_MS);
  m = await waitMark('drawn', DRAWN_TIMEOUT_MS);
  const loadMs = m.lanes! - m.change!;
  const lanesDrawnMs = m.drawn! - m.lanes!;
  if (PROFILE) {
    await profileStop(pageCdp, 'page, load (file read to lanes drawn)');
    if (worker) await profileStop(worker, 'worker, load');
    await traceStop(browser, 'load', pageCdp);
  }
  const n = await page.$eval('[data-testid="scrubber"]', (el) => Number((el as HTMLInputElement).max));
  const loadReplies = await page.evaluate(() => (window as unknown as { __benchReplies: FrameRun['replies'] }).__benchReplies.slice());
  say(`setInputFiles returned in ${Math.round(setMs)} ms`);
  say(`load: ${Math.round(loadMs)} ms from the file input's change to the lanes on screen (lanes element committed at ${Math.round(m.lanesSeen! - m.change!)} ms); ${n} micro-steps`);
  for (const r of loadReplies.filter((x) => x.end > 0 && x.start >= m.change!)) say(`  worker answer ${r.type} at ${Math.round(r.start - m.change!)} ms, handled in ${r1(r.end - r.start)} ms`);
  say(`lanes drawn: ${Math.round(lanesDrawnMs)} ms after that (budget < 1000 ms: ${lanesDrawnMs < 1000 ? 'within budget' : 'OVER BUDGET'})`);
  const census = await page.evaluate(() => {
    const total = document.getElementsByTagName('*').length;
    const parts = [...document.querySelectorAll('[data-testid]')]
      .map((el) => ({ id: el.getAttribute('data-testid')!, n: el.getElementsByTagName('*').length + 1 }))
      .filter((x) => x.n >= Math.max(500, total / 50))
      .sort((a, b) => b.n - a.n)
      .slice(0, 8);
    return { total, parts };
  });
  say(`DOM after load: ${census.total} elements; largest parts: ${census.parts.map((x) => `[data-testid=${x.id}] ${x.n}`).join(', ') || 'none over 500'}`);
  say(`JS requested by the page up to now: ${[...new Set(jsLoaded)].join(', ')}`);

  // scrub
  if (MUTATIONS) await page.evaluate(mutationsStart);
  if (PROFILE) {
    await profileStart(pageCdp);
    await traceStart(browser, page);
  }
  const scrub = await within(PHASE_TIMEOUT_MS, 'scrubbing', page.evaluate(scrubInPage, { frames: SCRUB_FRAMES, budgetMs: PHASE_BUDGET_MS }));
  if (PROFILE) {
    await profileStop(pageCdp, 'page, scrub');
    await traceStop(browser, 'scrub', pageCdp);
  }
  if (MUTATIONS) say(`  DOM mutations while scrubbing (per frame, by part): ${await page.evaluate(mutationsStop, scrub.inputs.length)}`);
  const scrubStats = frameStats([scrub]);
  describeFrames('scrub', scrubStats, scrub.replies);
  say(`  after the last scrub frame the state shown caught up in ${scrub.settleMs === null ? 'more than 30000' : r1(scrub.settleMs)} ms`);

  // zoom and pan with the keyboard, then with ctrl+wheel (last: it may break the app)
  const zoomPhase = async (mode: 'wheel' | 'keys') => {
    const before = problems.length;
    if (PROFILE) {
      await profileStart(pageCdp);
      await traceStart(browser!, page);
    }
    if (MUTATIONS) await page.evaluate(mutationsStart);
    const z = await within(PHASE_TIMEOUT_MS, `zooming (${mode})`, page.evaluate(zoomInPage, { frames: ZOOM_FRAMES, run: ZOOM_RUN, mode, budgetMs: PHASE_BUDGET_MS }));
    if (MUTATIONS) say(`  DOM mutations while zooming (${mode}; per frame, by part): ${await page.evaluate(mutationsStop, ZOOM_FRAMES)}`);
    if (PROFILE) {
      await profileStop(pageCdp, `page, zoom (${mode})`);
      await traceStop(browser!, `zoom (${mode})`, pageCdp);
    }
    const stats = frameStats(z.runs);
    const what = mode === 'wheel' ? `zoom (ctrl+wheel; runs of ${ZOOM_RUN} frames in, then out; 300 ms pauses)` : `zoom and pan (keys W, D, A, S; runs of ${ZOOM_RUN} frames; 300 ms pauses)`;
    describeFrames(what, stats, z.runs.flatMap((r) => r.replies));
    const error = z.brokeAt === null ? null : `the lanes left the page at ${mode} frame ${z.brokeAt}: ${problems.slice(before).join('; ') || 'no error reported'}`;
    if (error) say(`  BROKEN: ${error}`);
    return { stats, error };
  };
  const keys = await zoomPhase('keys');
  const pageHeapBytes = await within(60_000, 'page heap', heapUsed(pageCdp));
  const wheel = await zoomPhase('wheel');

  // heaps (the page's measured above, before the wheel phase that may break it)
  let workerHeapBytes: number | undefined;
  if (worker) workerHeapBytes = await within(60_000, 'worker heap', heapUsed(worker)).catch((e: Error) => (say(`(worker heap: ${e.message})`), undefined));
  say(`heap after GC: page ${(pageHeapBytes / 1e6).toFixed(1)} MB${workerHeapBytes !== undefined ? `, worker ${(workerHeapBytes / 1e6).toFixed(1)} MB` : ''}`);
  if (problems.length) say(`page problems:\n  ${problems.slice(0, 20).join('\n  ')}`);

  const stat = (s: FrameStats) => ({
    p50: r1(percentile(s.work, 0.5)),
    p95: r1(percentile(s.work, 0.95)),
    max: r1(Math.max(...s.work)),
    long: s.intervals.filter((x) => x > LONG_FRAME_MS).length,
  });
  const sc = stat(scrubStats);
  const zo = stat(wheel.stats);
  const kz = stat(keys.stats);
  const result = {
    microsteps: n,
    cpus: file.machine.cpus,
    steps: file.steps.length,
    scenarioBytes: json.length,
    loadMs: Math.round(loadMs),
    lanesDrawnMs: Math.round(lanesDrawnMs),
    domElements: census.total,
    scrubFrameMsP50: sc.p50,
    scrubFrameMsP95: sc.p95,
    scrubFrameMsMax: sc.max,
    scrubLongFrames: sc.long,
    scrubFrames: scrubStats.work.length,
    scrubSettleMs: scrub.settleMs === null ? null : Math.round(scrub.settleMs),
    // null when the app broke during the wheel phase (its frames would then measure a page without lanes)
    zoomFrameMsP50: wheel.error ? null : zo.p50,
    zoomFrameMsP95: wheel.error ? null : zo.p95,
    zoomFrameMsMax: wheel.error ? null : zo.max,
    zoomLongFrames: wheel.error ? null : zo.long,
    zoomFrames: wheel.stats.work.length,
    ...(wheel.error ? { zoomError: wheel.error } : {}),
    keyZoomFrameMsP50: kz.p50,
    keyZoomFrameMsP95: kz.p95,
    keyZoomFrameMsMax: kz.max,
    keyZoomLongFrames: kz.long,
    ...(keys.error ? { keyZoomError: keys.error } : {}),
    pageHeapBytes,
    ...(workerHeapBytes !== undefined ? { workerHeapBytes } : {}),
    startJsGzipBytes: startJs,
    lazyJsGzipBytes: lazyJs,
    browser: browserName,
    ...(PROFILE ? { profiled: true } : {}),
  };
  await context.close();
  await browser.close();
  browser = null;
  await stopServer(server.child);
  console.log(JSON.stringify(result));
}

const watchdog = setTimeout(() => {
  say(`ui bench: gave up after ${TOTAL_TIMEOUT_MS} ms`);
  cleanupSync();
  process.exit(2);
}, TOTAL_TIMEOUT_MS);
watchdog.unref();
process.once('exit', cleanupSync);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanupSync();
    process.exit(130);
  });
}

try {
  await main();
} catch (error) {
  say(`ui bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await (browser as Browser | null)?.close().catch(() => {});
  for (const child of [...servers]) await stopServer(child);
  cleanupSync();
  clearTimeout(watchdog);
}
