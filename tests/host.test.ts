/** The worker's protocol, driven in node: the same host the Web Worker binds to its port. */
import { describe, expect, it } from 'vitest';
import { createHost } from '../src-sim/host.ts';

describe('simulation host (worker protocol)', () => {
  it('lists presets, loads one, pages micro-steps and serves snapshots', () => {
    const h = createHost();
    const listed = h.handle({ type: 'sim/presetsRequested', seq: 1 });
    expect(listed.type === 'sim/presetsListed' && listed.presets.map((p) => p.id)).toContain('t5-fullmm-upfront-flush');
    const loaded = h.handle({ type: 'sim/loadRequested', seq: 2, source: { kind: 'preset', id: 't5-fullmm-upfront-flush' }, variant: 'buggy' });
    expect(loaded.seq).toBe(2);
    if (loaded.type !== 'sim/loaded') throw new Error(loaded.type);
    expect(loaded.summary.violations.map((v) => v.id)).toContain('I9');
    const rows = h.handle({ type: 'sim/microstepsRequested', seq: 3, from: 0, to: 5 });
    expect(rows.type === 'sim/microstepsListed' && rows.rows.map((r) => r.fn)).toEqual(['__schedule', '__schedule', 'context_switch', 'context_switch', 'switch_mm_irqs_off']);
    const snap = h.handle({ type: 'sim/snapshotRequested', seq: 4, microstep: loaded.summary.microstepCount - 1 });
    if (snap.type !== 'sim/snapshotReady') throw new Error(snap.type);
    expect(snap.snapshot.mms.find((m) => m.name === 'M')!.state).toBe('dead'); // K on CPU1 still borrows it
    expect(() => structuredClone(snap.snapshot)).not.toThrow();
  });

  it('a bad file fails with its JSON path and keeps the loaded timeline', () => {
    const h = createHost();
    h.handle({ type: 'sim/loadRequested', seq: 1, source: { kind: 'preset', id: 't2-use-mm-mm-users' } });
    const bad = h.handle({ type: 'sim/loadRequested', seq: 2, source: { kind: 'json', text: JSON.stringify({ format: 'lazytlb/1', id: 'x', title: 'x', machine: { arch: 'x86', cpus: 2 }, mms: [], tasks: [], steps: [{ cpu: 9, do: 'exit' }] }) } });
    expect(bad).toEqual({ type: 'sim/failed', seq: 2, error: { message: 'steps[0].cpu: CPU 9 does not exist (machine has 2)', path: 'steps[0].cpu' } });
    const still = h.handle({ type: 'sim/microstepsRequested', seq: 3, from: 0, to: 1 });
    expect(still.type).toBe('sim/microstepsListed');
    const far = h.handle({ type: 'sim/snapshotRequested', seq: 4, microstep: 10 ** 9 });
    expect(far.type === 'sim/failed' && far.error.message).toMatch(/out of range/);
    expect(h.handle({ type: 'nope', seq: 5 } as never).type).toBe('sim/failed');
  });

  it('answers tracks and view requests, and refuses bad numbers with a clear message', () => {
    const h = createHost();
    expect(h.handle({ type: 'sim/viewRequested', seq: 1, t: 0 })).toEqual({ type: 'sim/failed', seq: 1, error: { message: 'no scenario is loaded' } });
    const loaded = h.handle({ type: 'sim/loadRequested', seq: 2, source: { kind: 'preset', id: 't2-use-mm-mm-users' } });
    if (loaded.type !== 'sim/loaded') throw new Error(loaded.type);
    const n = loaded.summary.microstepCount;
    const w = h.handle({ type: 'sim/tracksRequested', seq: 3, from: 0, to: n, buckets: 100 });
    if (w.type !== 'sim/tracksReady') throw new Error(JSON.stringify(w));
    expect(w.seq).toBe(3);
    expect(w.window.cpus).toHaveLength(loaded.summary.machine.cpus);
    expect(w.window.mms).toHaveLength(loaded.summary.machine.mms.length);
    expect(() => structuredClone(w.window)).not.toThrow();
    const v = h.handle({ type: 'sim/viewRequested', seq: 4, t: n });
    if (v.type !== 'sim/viewReady') throw new Error(JSON.stringify(v));
    expect(v.view.t).toBe(n);
    expect(v.view.microstep?.index).toBe(n - 1);
    expect(() => structuredClone(v.view)).not.toThrow();
    const fail = (req: object) => {
      const e = h.handle({ seq: 9, ...req } as never);
      if (e.type !== 'sim/failed') throw new Error(`accepted ${JSON.stringify(req)}`);
      return e.error.message;
    };
    const tracks = (from: unknown, to: unknown, buckets: unknown) => fail({ type: 'sim/tracksRequested', from, to, buckets });
    expect(tracks(1.5, n, 10)).toBe('from must be an integer, got 1.5');
    expect(tracks('0', n, 10)).toBe('from must be an integer, got "0"');
    expect(tracks(-1, n, 10)).toBe(`from -1 is out of range (0..${n})`);
    expect(tracks(5, 4, 10)).toBe(`to 4 is out of range (5..${n})`);
    expect(tracks(0, n + 1, 10)).toBe(`to ${n + 1} is out of range (0..${n})`);
    expect(tracks(0, n, 0)).toBe('buckets 0 is out of range (1..10000)');
    expect(tracks(0, n, 10001)).toBe('buckets 10001 is out of range (1..10000)');
    expect(tracks(0, n, Number.NaN)).toBe('buckets must be an integer, got NaN');
    expect(tracks(0, n, undefined)).toBe('buckets must be an integer, got undefined');
    expect(fail({ type: 'sim/viewRequested', t: n + 1 })).toBe(`t ${n + 1} is out of range (0..${n})`);
    expect(fail({ type: 'sim/viewRequested', t: -1 })).toBe(`t -1 is out of range (0..${n})`);
    expect(fail({ type: 'sim/viewRequested', t: 0.5 })).toBe('t must be an integer, got 0.5');
    // The timeline stays usable.
    expect(h.handle({ type: 'sim/tracksRequested', seq: 10, from: n, to: n, buckets: 1 }).type).toBe('sim/tracksReady');
  });
});

describe('progress of a long load', () => {
  it('a load of many steps reports progress for its seq before answering; a short one does not', async () => {
    const { createHost } = await import('../src-sim/host.ts');
    const { randomScenario, randomSteps } = await import('../src-sim/scenario/random.ts');
    const { Timeline, PROGRESS_EVERY } = await import('../src-sim/timeline/timeline.ts');
    const base = randomScenario({ arch: 'x86', cpus: 4, mms: 4, tasksPerMm: 2, kthreads: 2, devices: 0, pagesPerMm: 4 });
    const file = new Timeline(base, null, { extend: randomSteps(3, PROGRESS_EVERY * 2 + 10, { pagesPerMm: 4 }) }).file;
    const h = createHost();
    const events: Array<{ type: string; seq: number }> = [];
    const answer = h.handle({ type: 'sim/loadRequested', seq: 7, source: { kind: 'json', text: JSON.stringify(file) } }, (e) => events.push(e));
    expect(answer.type).toBe('sim/loaded');
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every((e) => e.type === 'sim/progress' && e.seq === 7)).toBe(true);
    const last = events[events.length - 1] as unknown as { done: number; total: number };
    expect(last.done).toBeLessThanOrEqual(last.total);
    const few: unknown[] = [];
    h.handle({ type: 'sim/loadRequested', seq: 8, source: { kind: 'preset', id: 't2-use-mm-mm-users' } }, (e) => few.push(e));
    expect(few).toEqual([]);
  });
});

describe('explore requests', () => {
  it('reports progress, then the search: the explorer result, as plain data', () => {
    const h = createHost();
    const events: unknown[] = [];
    const settings = { maxStates: 100_000, hardware: 0, order: 'bfs' as const };
    const done = h.handle({ type: 'sim/exploreRequested', seq: 7, source: { kind: 'preset', id: 't2-use-mm-mm-users' }, variant: 'buggy', settings }, (e) => events.push(e));
    if (done.type !== 'sim/explored') throw new Error(JSON.stringify(done));
    expect(done.seq).toBe(7);
    expect(done.report.exhaustive).toBe(true);
    expect(done.report.variant).toBe('buggy');
    expect(done.report.violations.map((v) => v.id)).toEqual(expect.arrayContaining(['I7', 'I8', 'I10c', 'I11']));
    // a progress event per 2,000 new states, each with the bound the user set
    expect(events.length).toBe(Math.floor(done.report.states / 2000));
    for (const e of events) expect(e).toMatchObject({ type: 'sim/exploreProgress', seq: 7, progress: { maxStates: 100_000 } });
    expect(() => structuredClone(done)).not.toThrow();
    // each finding's counterexample (lazytlb/2) loads through the same host and ends in its invariant, race marked
    for (const v of done.report.violations) {
      const loaded = h.handle({ type: 'sim/loadRequested', seq: 8, source: { kind: 'json', text: v.counterexample! } });
      if (loaded.type !== 'sim/loaded') throw new Error(JSON.stringify(loaded));
      expect(loaded.summary.violations.find((x) => x.id === v.id)!.step).toBe(loaded.summary.steps.length - 1);
      expect(v.race).toMatchObject({ first: expect.any(Number), second: expect.any(Number) });
      expect(loaded.summary.race!.second - loaded.summary.race!.first).toBe(v.race!.second - v.race!.first);
    }
  });

  it('refuses bad settings with the field named, and a bad scenario with its path', () => {
    const h = createHost();
    const src = { kind: 'preset', id: 't2-use-mm-mm-users' } as const;
    const bad = (settings: unknown) => h.handle({ type: 'sim/exploreRequested', seq: 1, source: src, settings } as never);
    expect(bad({ maxStates: 0, hardware: 0, order: 'bfs' })).toMatchObject({ type: 'sim/failed', error: { message: 'settings.maxStates 0 is out of range (1..5000000)' } });
    expect(bad({ maxStates: 10, hardware: 0, order: 'sideways' })).toMatchObject({ type: 'sim/failed', error: { message: 'settings.order: expected "bfs" or "dfs", got "sideways"', path: 'settings.order' } });
    expect(bad(undefined)).toMatchObject({ type: 'sim/failed' });
    const file = h.handle({ type: 'sim/exploreRequested', seq: 2, source: { kind: 'json', text: '{"format":"lazytlb/1"' }, settings: { maxStates: 10, hardware: 0, order: 'dfs' } });
    expect(file.type).toBe('sim/failed');
  });
});

describe('trace import requests', () => {
  const FILE = 'tests/fixtures/traces/x86-6.18-lazytlb-demo.tracefs.txt';
  it('streams the file with progress, reports it and writes the scenario with trace times', async () => {
    const { readFileSync } = await import('node:fs');
    const h = createHost();
    const bytes = readFileSync(FILE);
    // a file of several MB, to see progress: the capture four times over (later copies go back in time: reported)
    const big = new Blob([bytes, bytes, bytes, bytes, bytes]);
    const events: unknown[] = [];
    const done = await h.handleAsync({ type: 'sim/traceRequested', seq: 3, file: new Blob([bytes]), name: 'x86.txt', options: {} }, (e) => events.push(e));
    if (done.type !== 'sim/traceImported') throw new Error(JSON.stringify(done));
    expect(done.report.arch.chosen).toBe('x86');
    const scenario = JSON.parse(done.scenario!);
    expect(scenario.steps.length).toBe(done.report.scenario.steps);
    expect(scenario.steps.every((s: { time?: number }) => typeof s.time === 'number')).toBe(true);
    const second = await h.handleAsync({ type: 'sim/traceRequested', seq: 4, file: big, name: 'big.txt', options: { cpus: [0] } }, (e) => events.push(e));
    expect(second.type).toBe('sim/traceImported');
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(e).toMatchObject({ type: 'sim/progress', seq: 4, total: big.size });
  });

  it('refuses bad options with the field named; the synchronous path refuses a stream', async () => {
    const h = createHost();
    const file = new Blob(['x']);
    const ask = (options: unknown) => h.handleAsync({ type: 'sim/traceRequested', seq: 1, file, name: 't', options } as never);
    const vax = await ask({ arch: 'vax' });
    expect(vax).toMatchObject({ type: 'sim/failed', error: { path: 'options.arch' } });
    // the list names every architecture the model has
    expect(vax.type === 'sim/failed' && vax.error.message).toMatch(/^options\.arch: no architecture "vax" \((?=.*x86)(?=.*arm64)(?=.*powerpc)(?=.*s390)(?=.*mips).*\)$/);
    expect(await ask({ cpus: [1, -1] })).toMatchObject({ type: 'sim/failed', error: { message: 'options.cpus[1] -1 is out of range (0..65535)' } });
    expect(await ask({ from: 5, to: 4 })).toMatchObject({ type: 'sim/failed', error: { path: 'options.to' } });
    expect(await h.handleAsync({ type: 'sim/traceRequested', seq: 2, file: 'not a file', name: 't', options: {} } as never)).toMatchObject({ type: 'sim/failed', error: { message: 'file: expected the trace as a file' } });
    expect(h.handle({ type: 'sim/traceRequested', seq: 5, file, name: 't', options: {} })).toMatchObject({ type: 'sim/failed', seq: 5 });
  });
});
