import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { SimEvent, SimRequest } from '../src-sim/protocol/index.ts';
import type { TimelineSummary } from '../src-sim/protocol/index.ts';
import { SimClient, type WorkerLike } from './sim-client.ts';
import { initialState, loadPresets, loadScenario, selectPickedScenario, setSimClient, store } from './store.ts';

/** A worker double that answers through a function of the request. */
function fakeWorker(answer: (request: SimRequest) => SimEvent | Promise<SimEvent>): WorkerLike {
  const listeners: ((event: Event) => void)[] = [];
  return {
    postMessage(request) {
      void Promise.resolve(answer(request)).then((data) => {
        for (const l of listeners) l(Object.assign(new Event('message'), { data }));
      });
    },
    addEventListener(type, listener) {
      if (type === 'message') listeners.push(listener);
    },
    terminate() {},
  };
}

function summary(scenarioId: string, variant: string): TimelineSummary {
  const zero = { ipis: 0, flushes: 0, cr3Writes: 0, coreSyncs: 0, redundantCoreSyncs: 0, mmCountAtomics: 0 };
  return {
    scenarioId,
    machine: { cpus: 2, devices: [], tasks: [], mms: [{ name: 'init_mm' }], pages: [] },
    axis: { kind: 'microstep' },
    invariants: {},
    title: scenarioId,
    summary: '',
    arch: 'x86',
    variant,
    variants: [],
    steps: [],
    microstepCount: 0,
    violations: [],
    warnings: [],
    counters: [],
    totals: zero,
    expect: { expected: [], got: [], ok: true, mismatches: [] },
  };
}

function useWorker(answer: (request: SimRequest) => SimEvent | Promise<SimEvent>): void {
  setSimClient(new SimClient({ spawn: () => fakeWorker(answer) }));
}

function answerLoads(request: SimRequest): SimEvent {
  if (request.type === 'sim/presetsRequested') return { type: 'sim/presetsListed', seq: request.seq, presets: [] };
  if (request.type !== 'sim/loadRequested' || request.source.kind !== 'preset') throw new Error('unexpected');
  if (request.source.id === 'missing') {
    return { type: 'sim/failed', seq: request.seq, error: { message: 'no preset "missing"' } };
  }
  return { type: 'sim/loaded', seq: request.seq, summary: summary(request.source.id, request.variant ?? 'buggy') };
}

beforeEach(() => store.setState({ ...initialState }, true));
afterEach(() => setSimClient(null));

describe('store actions', () => {
  test('loadPresets fills the list', async () => {
    useWorker(answerLoads);
    await loadPresets();
    expect(store.getState().presetsStatus).toBe('ready');
  });

  test('loadScenario shows the timeline, with the default variant when none is asked for', async () => {
    useWorker(answerLoads);
    const loading = loadScenario('a');
    expect(store.getState().pending).toEqual({ scenario: 'a', variant: null });
    expect(selectPickedScenario(store.getState())).toBe('a');
    expect(await loading).toBe(true);
    expect(store.getState().summary).toMatchObject({ scenarioId: 'a', variant: 'buggy' });
    expect(store.getState().pending).toBeNull();
  });

  test('a failed load keeps the previous timeline and shows the error; the next success clears it', async () => {
    useWorker(answerLoads);
    await loadScenario('a', 'fixed');
    expect(await loadScenario('missing')).toBe(false);
    const state = store.getState();
    expect(state.summary?.scenarioId).toBe('a');
    expect(state.error).toContain('no preset "missing"');
    expect(selectPickedScenario(state)).toBe('a');

    await loadScenario('b');
    expect(store.getState().error).toBeNull();
  });

  test('only the latest load lands on screen', async () => {
    const gates: (() => void)[] = [];
    useWorker((request) => new Promise((done) => gates.push(() => done(answerLoads(request)))));
    const first = loadScenario('a');
    const second = loadScenario('b');
    gates[1]();
    gates[0]();
    expect(await second).toBe(true);
    expect(await first).toBe(false);
    expect(store.getState().summary?.scenarioId).toBe('b');
  });
});
