/**
 * e2e global setup: build the production bundle, serve it with `vite preview` on a free port of 127.0.0.1, and hand
 * the URL to the tests (`inject('baseUrl')`). Teardown stops the server.
 *
 * The build runs in a child process with NODE_ENV=production: inside vitest NODE_ENV is `test`, which would bundle
 * React's development build. Both children are `node <vite's bin>`, never an npx wrapper, so the pid we kill is vite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where `vite preview` serves the production build, ending with '/'. */
    baseUrl: string;
  }
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUILD_TIMEOUT_MS = 180_000;
const READY_TIMEOUT_MS = 30_000;

/** `vite/bin/vite.js` is not an exported path: find it from vite's package.json. */
function viteBin(): string {
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

async function build(vite: string): Promise<void> {
  const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: ROOT,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = capture(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('exit', (c, signal) => done(signal ? -1 : c));
  }).finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`e2e: \`vite build\` failed (exit ${code}):\n${output()}`);
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

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Starts `vite preview` and waits until it answers; rejects if it exits first (e.g. the port was taken). */
async function preview(vite: string, port: number): Promise<{ child: ChildProcess; url: string }> {
  const url = `http://127.0.0.1:${port}/`;
  const child = spawn(
    process.execPath,
    [vite, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
    { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = capture(child);
  let exitCode: number | null | undefined;
  child.on('exit', (code) => {
    exitCode = code;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`e2e: \`vite preview\` exited (${exitCode}):\n${output()}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return { child, url };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop(child);
  throw new Error(`e2e: \`vite preview\` did not answer on ${url} within ${READY_TIMEOUT_MS} ms:\n${output()}`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const vite = viteBin();
  await build(vite);

  let server: { child: ChildProcess; url: string } | undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3 && !server; attempt++) {
    try {
      server = await preview(vite, await freePort());
    } catch (error) {
      lastError = error;
    }
  }
  if (!server) throw lastError;

  const { child, url } = server;
  // If vitest dies without running teardown, do not leave the server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  project.provide('baseUrl', url);
  return async () => {
    process.off('exit', killOnExit);
    await stop(child);
  };
}
