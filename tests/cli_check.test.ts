/** `sim check` on a user's own scenarios: files and folders, one line per variant, a summary, exit codes. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src-sim/cli.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
const dir = mkdtempSync(join(tmpdir(), 'lazytlb-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const t2 = JSON.parse(readFileSync('src-sim/scenario/presets/t2-use-mm-mm-users.json', 'utf8'));
mkdirSync(join(dir, 'sub'));
writeFileSync(join(dir, 'good.json'), JSON.stringify({ ...t2, id: 'good' }));
writeFileSync(join(dir, 'sub', 'wrong.json'), JSON.stringify({ ...t2, id: 'wrong', expect: Object.fromEntries(Object.keys(t2.expect).map((k) => [k, []])) }));
writeFileSync(join(dir, 'notes.txt'), 'not a scenario, not a .json file');

describe('sim check [FILE|DIR ...]', () => {
  it('every variant of every scenario in a folder, one line each, the summary last; exit 1 on a mismatch', () => {
    const r = cli('check', dir);
    const lines = r.stdout.trim().split('\n').filter((l) => /^(PASS|FAIL)/.test(l));
    const variants = Object.keys(t2.variants).length;
    expect(lines).toHaveLength(2 * variants);
    expect(lines.every((l) => l.includes('good.json') ? l.startsWith('PASS') : true)).toBe(true);
    expect(lines.some((l) => l.startsWith('FAIL') && l.includes('wrong.json --variant buggy'))).toBe(true);
    const failed = lines.filter((l) => l.startsWith('FAIL')).length;
    expect(r.stdout.trim().split('\n').at(-1)).toBe(`${2 * variants - failed} passed, ${failed} failed`);
    expect(r.status).toBe(1);
  });
  it('only passing scenarios: exit 0', () => {
    const r = cli('check', join(dir, 'good.json'), 't0-lazy-tlb-basics');
    expect(r.stdout).toContain('PASS  t0-lazy-tlb-basics --variant powerpc');
    expect(r.status).toBe(0);
  });
  it('an invalid file is a failing line with its one-line error, and the exit is 2', () => {
    writeFileSync(join(dir, 'sub', 'broken.json'), '{"format": "lazytlb/1", "id": 3}');
    const r = cli('check', dir);
    const line = r.stdout.split('\n').find((l) => l.includes('broken.json'));
    expect(line).toMatch(/^FAIL  .*broken\.json: id: /);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/failed \(1 file not valid\)$/);
    expect(r.status).toBe(2);
    rmSync(join(dir, 'sub', 'broken.json'));
  });
  it('run --json also says the verdict on stderr, and exits 0 whatever it is', () => {
    const r = cli('run', join(dir, 'sub', 'wrong.json'), '--variant', 'buggy', '--json');
    expect(JSON.parse(r.stdout).expect.ok).toBe(false);
    expect(r.stderr).toMatch(/^expect: MISMATCH \(expected none; got /);
    expect(r.status).toBe(0);
  });
});

describe('versioned --json shapes (docs/cli-json.md)', () => {
  it('run, check, explore and trace each name their schema', () => {
    expect(JSON.parse(cli('run', 't0-lazy-tlb-basics', '--variant', 'arm64', '--json').stdout).schema).toBe('lazytlb-run/1');
    const c = JSON.parse(cli('check', 't0-lazy-tlb-basics', '--json').stdout);
    expect(c).toMatchObject({ schema: 'lazytlb-check/1', passed: 3, failed: 0, invalid: 0 });
    expect(c.results.map((r: { variant: string }) => r.variant)).toEqual(['x86', 'arm64', 'powerpc']);
    expect(JSON.parse(cli('explore', 't2-use-mm-mm-users', '--variant', 'buggy', '--json').stdout).schema).toBe('lazytlb-explore/1');
    expect(JSON.parse(cli('trace', 'tests/fixtures/traces/x86-6.18-lazytlb-demo.tracefs.txt', '--json').stdout).schema).toBe('lazytlb-trace/2');
  });
  it('run --decisions lists each arch decision with its reason (--json: `decisions`, absent without the flag)', () => {
    const j = JSON.parse(cli('run', 't2-use-mm-mm-users', '--variant', 'buggy', '--json', '--decisions').stdout);
    expect(j.decisions).toContainEqual({ microstep: expect.any(Number), step: 2, fn: 'do_exit_flush_lazy_tlb', label: 'do_exit_flush_lazy_tlb', cpu: 'cpu1', decision: 'no flush', reason: 'current->mm == mm: taken for the flushing CPU itself (do_exit_flush_lazy_tlb)' });
    expect(JSON.parse(cli('run', 't2-use-mm-mm-users', '--variant', 'buggy', '--json').stdout).decisions).toBeUndefined();
    expect(cli('run', 't2-use-mm-mm-users', '--variant', 'buggy', '--decisions').stdout).toContain('      = do_exit_flush_lazy_tlb.do_exit_flush_lazy_tlb: CPU1 no flush: current->mm == mm');
    const bad = cli('check', '--decisions');
    expect(bad.stderr).toMatch(/^lazytlb: --decisions is an option of run/);
    expect(bad.status).toBe(2);
  });
  it('every schema the code names is documented', () => {
    const doc = readFileSync('docs/cli-json.md', 'utf8');
    for (const s of ['lazytlb-run/1', 'lazytlb-check/1', 'lazytlb-explore/1', 'lazytlb-trace/2']) expect(doc).toContain(`"schema": "${s}"`);
  });
});
