/**
 * Bad input gets a clear error naming the JSON path and what was expected; impossible requests are refused at
 * their step with the reason; nothing crashes. Also the CLI's exit codes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError, parseScenarioText, validateScenario } from '../src-sim/scenario/load.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { Run } from './harness.ts';

const good = {
  format: 'lazytlb/1', id: 'ok', title: 'ok',
  machine: { arch: 'x86', cpus: 2 },
  mms: [{ name: 'M', mappings: [{ va: '0x400000', page: 'A' }] }],
  tasks: [{ name: 'P', mm: 'M' }, { name: 'K', kthread: true }],
  steps: [{ cpu: 0, do: 'switch', to: 'P' }],
};

function errorOf(raw: unknown): string {
  try {
    validateScenario(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as Error).message;
  }
  throw new Error('no error');
}

const with_ = (patch: Record<string, unknown>) => ({ ...good, ...patch });

describe('validation names the JSON path', () => {
  it.each([
    [with_({ steps: [{ cpu: 4, do: 'switch', to: 'P' }] }), 'steps[0].cpu: CPU 4 does not exist (machine has 2)'],
    [with_({ steps: [{ cpu: 0, do: 'switch', to: 'Z' }] }), 'steps[0].to: task Z is not defined'],
    [with_({ steps: [{ cpu: 0, do: 'use_mm', mm: 'Q' }] }), 'steps[0].mm: mm Q is not defined'],
    [with_({ steps: [{ cpu: 0, do: 'exit', until: 'no_such_label' }] }), 'steps[0].until: no micro-step is called "no_such_label"'],
    [with_({ steps: [{ cpu: 0, do: 'teleport' }] }), 'steps[0].do'],
    [with_({ steps: [{ do: 'exit' }] }), 'steps[0].cpu: which CPU runs this step?'],
    [with_({ format: 'lazytlb/3' }), 'format'],
    [with_({ machine: { arch: 'vax', cpus: 2 } }), 'machine.arch'],
    [with_({ machine: { arch: 'x86', cpus: 0 } }), 'machine.cpus'],
    [with_({ tasks: [{ name: 'P', mm: 'NOPE' }] }), 'tasks[0].mm: mm NOPE is not defined'],
    [with_({ tasks: [{ name: 'K', kthread: true, mm: 'M' }] }), 'tasks[0].mm: a kernel thread has no mm'],
    [with_({ mms: [{ name: 'M', mappings: [{ va: 'nowhere', page: 'A' }] }] }), 'mms[0].mappings[0].va'],
    [with_({ machine: { arch: 'x86', cpus: 2, config: { lazy_tlb_shootdown: true } } }), 'machine.config: lazy_tlb_shootdown requires lazy_tlb_refcount: false'],
    [with_({ expect: { buggy: ['I9'] } }), 'expect.buggy: no variant named buggy'],
    [with_({ steps: [{ cpu: 0, do: 'switch', to: 'P', only: ['nope'] }] }), 'steps[0].only[0]: no variant named nope'],
    [with_({ extra: 1 }), 'Unrecognized key'],
    [with_({ expect: { default: ['I99'] } }), 'expect.default[0]: I99 is not an invariant id'],
    [with_({ steps: [{ cpu: 0, do: 'speculate', va: '0x400000', until: 'speculative_fill' }] }), 'steps[0].until: speculate is a single hardware micro-step'],
    [with_({ steps: [{ cpu: 0, do: 'clone', name: 'idle' }] }), 'steps[0].name: idle is reserved'],
    [with_({ steps: [{ cpu: 0, do: 'access' }] }), 'steps[0].va'],
  ])('%#', (raw, message) => {
    expect(errorOf(raw)).toContain(message);
  });

  it('rejects text that is not JSON', () => {
    expect(() => parseScenarioText('{nope')).toThrow(/not valid JSON/);
  });
});

describe('impossible requests are refused at their step, the run goes on', () => {
  it.each([
    [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 1, do: 'switch', to: 'P' }, 'P is running on CPU0'],
    [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 0, do: 'use_mm', mm: 'M' }, 'use_mm runs in a kernel thread'],
    [{ cpu: 1, do: 'switch', to: 'K' }, { cpu: 1, do: 'unuse_mm' }, 'K on CPU1 is not inside use_mm'],
    [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 0, do: 'map', va: '0x400000' }, 'already mapped'],
    [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 1, do: 'continue' }, 'no operation in flight'],
    [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 0, do: 'membarrier', sync_core: true }, 'EPERM'],
    [{ cpu: 0, do: 'switch', to: 'P', until: 'finish_task_switch.finish_lock_switch' }, { cpu: 0, do: 'continue', until: 'finish_task_switch.finish_lock_switch' }, 'already paused at'],
  ])('%#', (a, b, message) => {
    const r = new Run({ arch: 'x86', steps: [a as never, b as never, { cpu: 1, do: 'speculate', va: '0x400000' }] });
    expect(r.refused()).toHaveLength(1);
    expect(r.refused()[0]).toMatch(/^steps\[1\]: /);
    expect(r.refused()[0]).toContain(message);
    expect(r.t.steps[2].outcome).toBe('done');
  });

  it('an access with nothing mapped faults (shown), it is not an error', () => {
    const r = new Run({ arch: 'x86', steps: [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 0, do: 'access', va: '0x900000' }] });
    expect(r.refused()).toEqual([]);
    expect(r.t.warnings.map((w) => w.id)).toContain('fault');
  });

  it('an operation paused in an irqs-off region holds IPIs, and the sender stays blocked until continue', () => {
    const r = new Run({
      arch: 'x86',
      tasks: [{ name: 'P', mm: 'M' }, { name: 'Q', mm: 'M' }, { name: 'K', kthread: true }],
      steps: [
        { cpu: 0, do: 'switch', to: 'P' },
        { cpu: 1, do: 'switch', to: 'Q', until: 'finish_task_switch.finish_lock_switch' },
        { cpu: 0, do: 'munmap', va: '0x400000' },
        { cpu: 1, do: 'continue' },
      ],
    });
    expect(r.t.steps.map((s) => s.outcome)).toEqual(['done', 'paused', 'blocked', 'done']);
    expect(r.final.cpus[0].stack).toEqual([]);
    expect(r.ids()).toEqual([]);
  });
});

describe('CLI', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src-sim/cli.ts', ...args], { encoding: 'utf8' });

  it('run --json prints one JSON object with the violations', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'src-sim/cli.ts', 'run', 't5-fullmm-upfront-flush', '--variant', 'buggy', '--json'], { encoding: 'utf8' });
    const j = JSON.parse(out);
    expect(j.scenario).toBe('t5-fullmm-upfront-flush');
    expect(j.variant).toBe('buggy');
    expect(j.violations.map((v: { id: string }) => v.id)).toContain('I9');
    expect(j.microsteps).toBeGreaterThan(0);
    expect(j.counters).toHaveProperty('ipis');
    expect(j.final.cpus).toHaveLength(2);
  });

  it('exits 2 with the JSON path on a bad file, and on an unknown preset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lazytlb-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(with_({ steps: [{ cpu: 4, do: 'switch', to: 'P' }] })));
    const r = cli('run', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('steps[0].cpu: CPU 4 does not exist (machine has 2)');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const u = cli('run', 'no-such-preset');
    expect(u.status).toBe(2);
    const v = cli('run', 't2-use-mm-mm-users', '--variant', 'nope');
    expect(v.status).toBe(2);
    expect(v.stderr).toContain('no variant named nope');
  });

  it('a user file behaves like a preset', () => {
    const t = new Timeline(validateScenario(good), null);
    expect(t.internalError).toBeNull();
    expect(t.violations).toEqual([]);
  });
});
