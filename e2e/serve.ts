/**
 * Building the production bundle and serving it with `vite preview` on a free port of 127.0.0.1: shared by the e2e
 * global setup and the UI benchmark. The build runs in a child process with NODE_ENV=production (inside vitest
 * NODE_ENV is `test`, which would bundle React's development build). Children are `node <vite's bin>`, never an npx
 * wrapper, so the pid we kill is vite's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** The project: both users run from it (vitest, and `npm run bench`, whose bundle lives elsewhere). */
export const ROOT = process.cwd();
const BUILD_TIMEOUT_MS = 240_000;
const READY_TIMEOUT_MS = 30_000;

/** `vite/bin/vite.js` is not an exported path: find it from vite's package.json. */
export function viteBin(): string {
  const pkgPath = createRequire(join(ROOT, 'package.json')).resolve('vite/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.vite;
  if (!bin) throw new Error(`no "vite" bin in ${pkgPath}`);
  return join(dirname(pkgPath), bin);
}

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' };
  // Variables vitest sets for its own workers; the children are not tests.
  delete env.VITEST;
  delete env.VITEST_MODE;
  delete env.VITEST_POOL_ID;
  delete env.VITEST_WORKER_ID;
  delete env.TEST;
  return env;
}

/** Collects a child's output, keeping the tail for error messages. */
function capture(child: ChildProcess): () => string {
  let out = '';
  const add = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => out.trim();
}

/** `vite build` into `outDir` (default: dist/); `extra` arguments are passed on (e.g. `--sourcemap`). */
export async function viteBuild(outDir?: string, extra: string[] = []): Promise<void> {
  const args = [viteBin(), 'build', '--logLevel', 'warn', ...(outDir ? ['--outDir', outDir, '--emptyOutDir'] : []), ...extra];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const output = capture(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('exit', (c, signal) => done(signal ? -1 : c));
  }).finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`\`vite build\` failed (exit ${code}):\n${output()}`);
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Starts `vite preview` on a free port and waits until it answers; retries on another port if one was taken. */
export async function preview(outDir?: string): Promise<{ child: ChildProcess; url: string }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await previewOn(await freePort(), outDir);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function previewOn(port: number, outDir?: string): Promise<{ child: ChildProcess; url: string }> {
  const url = `http://127.0.0.1:${port}/`;
  const args = [viteBin(), 'preview', ...(outDir ? ['--outDir', outDir] : []), '--host', '127.0.0.1', '--port', String(port), '--strictPort'];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const output = capture(child);
  let exitCode: number | null | undefined;
  child.on('exit', (code) => {
    exitCode = code;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`\`vite preview\` exited (${exitCode}):\n${output()}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return { child, url };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopServer(child);
  throw new Error(`\`vite preview\` did not answer on ${url} within ${READY_TIMEOUT_MS} ms:\n${output()}`);
}
