// `npm run bench`: bundles the benchmark and the core with esbuild, as the app ships the core (Vite bundles the
// worker), and runs it in node with --expose-gc so retained memory can be measured after a full collection.
// Running it through tsx's per-module transform instead is slower (see the closing note of the benchmark issue).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'lazytlb-bench-'));
const out = join(dir, 'bench.mjs');
try {
  await build({ entryPoints: ['bench/bench.ts'], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out, logLevel: 'warning' });
  const r = spawnSync(process.execPath, ['--expose-gc', out, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
