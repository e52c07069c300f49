// `npm run bench`: bundles the benchmark and the core with esbuild, as the app ships the core (Vite bundles the
// worker), and runs it in node with --expose-gc so retained memory can be measured after a full collection.
// Running it through tsx's per-module transform instead is slower (see the closing note of the benchmark issue).
// `npm run bench -- --ui`: the UI benchmark instead (bench/ui.ts, in Chromium). Its npm packages (playwright-core,
// @sparticuz/chromium) stay outside the bundle, which goes under node_modules/.cache so that node resolves them.
// `npm run bench -- --cases`: bench/cases.ts, the cases of issue 8 whose cost grew with the size of the mm or a TLB.
// `npm run bench -- --trace`: bench/trace.ts, trace import throughput on a synthesized 1 GB trace (issue 11).
// `npm run bench -- --explore [--json] [--explore-large] [--por]`: bench/explore.ts, the explorer against SPIN (issue 9).
// The core benchmarks get a heap of three quarters of the machine's (or the container's) memory when that is more than
// node's default (about 4 GB): the scale rows of bench/bench.ts run 2,000,000 steps.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { join } from 'node:path';

const ui = process.argv.includes('--ui');
const cases = process.argv.includes('--cases');
const trace = process.argv.includes('--trace');
const exploreBench = process.argv.includes('--explore');
if (ui) mkdirSync(join('node_modules', '.cache'), { recursive: true });
const dir = mkdtempSync(ui ? join('node_modules', '.cache', 'lazytlb-bench-') : join(tmpdir(), 'lazytlb-bench-'));
const out = join(dir, 'bench.mjs');
try {
  if (ui) await build({ entryPoints: ['bench/ui.ts'], bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', outfile: out, logLevel: 'warning' });
  else await build({ entryPoints: [exploreBench ? 'bench/explore.ts' : trace ? 'bench/trace.ts' : cases ? 'bench/cases.ts' : 'bench/bench.ts'], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out, logLevel: 'warning' });
  const mb = Math.floor((Math.min(totalmem(), process.constrainedMemory?.() || Infinity) * 0.75) / 2 ** 20);
  const heap = !ui && mb > getHeapStatistics().heap_size_limit / 2 ** 20 ? [`--max-old-space-size=${mb}`] : [];
  const r = spawnSync(process.execPath, ['--expose-gc', ...heap, out, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
