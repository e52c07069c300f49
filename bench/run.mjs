// `npm run bench`: bundles the benchmark and the core with esbuild, as the app ships the core (Vite bundles the
// worker), and runs it in node with --expose-gc so retained memory can be measured after a full collection.
// Running it through tsx's per-module transform instead is slower (see the closing note of the benchmark issue).
// `npm run bench -- --ui`: the UI benchmark instead (bench/ui.ts, in Chromium). Its npm packages (playwright-core,
// @sparticuz/chromium) stay outside the bundle, which goes under node_modules/.cache so that node resolves them.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ui = process.argv.includes('--ui');
if (ui) mkdirSync(join('node_modules', '.cache'), { recursive: true });
const dir = mkdtempSync(ui ? join('node_modules', '.cache', 'lazytlb-bench-') : join(tmpdir(), 'lazytlb-bench-'));
const out = join(dir, 'bench.mjs');
try {
  if (ui) await build({ entryPoints: ['bench/ui.ts'], bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', outfile: out, logLevel: 'warning' });
  else await build({ entryPoints: ['bench/bench.ts'], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out, logLevel: 'warning' });
  const r = spawnSync(process.execPath, ['--expose-gc', out, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
