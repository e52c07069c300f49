/**
 * The Web Worker entry: binds the message protocol (protocol.ts) to the simulation core. All logic lives in the core;
 * this file only routes requests. The worker keeps the loaded timeline; a failed load leaves it untouched.
 */
import type { SimEvent, SimRequest } from './protocol.ts';
import { presetById, presetInfos } from './scenario/presets.ts';
import { ScenarioError, parseScenarioText } from './scenario/load.ts';
import { Timeline } from './timeline/timeline.ts';

/** The part of the worker global scope used here (typed locally to avoid the webworker lib). */
interface WorkerScope {
  addEventListener(type: 'message', fn: (e: { data: SimRequest }) => void): void;
  postMessage(msg: SimEvent): void;
}
const scope = self as unknown as WorkerScope;

let timeline: Timeline | null = null;

function handle(req: SimRequest): SimEvent {
  switch (req.type) {
    case 'sim/presetsRequested':
      return { type: 'sim/presetsListed', seq: req.seq, presets: presetInfos() };
    case 'sim/loadRequested': {
      const file = req.source.kind === 'preset' ? presetById(req.source.id) : parseScenarioText(req.source.text);
      if (!file) throw new ScenarioError('scenario', `no preset with id "${req.source.kind === 'preset' ? req.source.id : ''}"`);
      const t = new Timeline(file, req.variant ?? null);
      timeline = t;
      return { type: 'sim/loaded', seq: req.seq, summary: t.summary() };
    }
    case 'sim/microstepsRequested': {
      const t = need();
      const from = Math.max(0, req.from);
      const to = Math.min(t.microstepCount, req.to);
      const rows = [];
      for (let i = from; i < to; i++) rows.push(t.microstepRow(i));
      return { type: 'sim/microstepsListed', seq: req.seq, from, rows };
    }
    case 'sim/snapshotRequested':
      return { type: 'sim/snapshotReady', seq: req.seq, microstep: req.microstep, snapshot: need().stateAt(req.microstep) };
  }
}

function need(): Timeline {
  if (!timeline) throw new ScenarioError('', 'no scenario is loaded');
  return timeline;
}

scope.addEventListener('message', (e) => {
  const req = e.data;
  const seq = typeof req?.seq === 'number' ? req.seq : -1;
  try {
    scope.postMessage(handle(req));
  } catch (err) {
    const path = err instanceof ScenarioError ? err.path : undefined;
    scope.postMessage({ type: 'sim/failed', seq, error: { message: (err as Error).message, ...(path ? { path } : {}) } });
  }
});
