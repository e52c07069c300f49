/**
 * bin/sim.mjs, what `npm run sim` runs: the CLI from a bundle, rebuilt whenever a file it was built from changed (a
 * stale bundle would run old code after an edit or a pull), reused otherwise.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const cache = mkdtempSync(join(tmpdir(), 'lazytlb-cli-cache-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));
const sim = (...args: string[]) => spawnSync(process.execPath, ['bin/sim.mjs', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LAZYTLB_CLI_CACHE: cache } });
const built = () => statSync(join(cache, 'cli.mjs')).mtimeMs;

it('builds once, reuses the bundle while its sources are unchanged, rebuilds when one changed', () => {
  const first = sim('run', 't2-use-mm-mm-users', '--variant', 'buggy');
  expect(first.status).toBe(0);
  expect(first.stdout).toContain('expect: OK');
  const at = built();
  const inputs = JSON.parse(readFileSync(join(cache, 'inputs.json'), 'utf8')) as Array<[string, number, number]>;
  expect(inputs.some(([p]) => p === 'src-sim/cli.ts')).toBe(true);
  expect(inputs.some(([p]) => p.startsWith('node_modules/zod/'))).toBe(true);

  expect(sim('list').status).toBe(0);
  expect(built()).toBe(at); // reused

  // A source that is no longer what the bundle was built from (as after an edit or a pull): rebuilt before running.
  const changed = inputs.map(([p, size, mtime]) => (p === 'src-sim/timeline/timeline.ts' ? [p, size, mtime - 1000] : [p, size, mtime]));
  writeFileSync(join(cache, 'inputs.json'), JSON.stringify(changed));
  const again = sim('check', 't0-lazy-tlb-basics');
  expect(again.status).toBe(0);
  expect(again.stdout.trim().split('\n').at(-1)).toBe('3 passed, 0 failed');
  expect(built()).toBeGreaterThan(at);
});
