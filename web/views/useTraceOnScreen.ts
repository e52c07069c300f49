import { useStore } from 'zustand';
import type { ScenarioSource, TraceReport } from '../../src-sim/protocol/index.ts';
import { store } from '../store.ts';
import { traceStore } from '../trace/state.ts';

/**
 * The report of the kernel trace whose reconstructed scenario is the timeline on screen (its text, unedited), or null:
 * what the trace proves and where the model disagreed is shown over the lanes only then.
 */
export function traceOnScreen(source: ScenarioSource | null, scenario: string | null, report: TraceReport | null): TraceReport | null {
  return report && scenario && source?.kind === 'json' && source.text === scenario ? report : null;
}

export function useTraceOnScreen(): TraceReport | null {
  const source = useStore(store, (s) => s.source);
  const scenario = useStore(traceStore, (s) => s.scenario);
  const report = useStore(traceStore, (s) => s.report);
  return traceOnScreen(source, scenario, report);
}
