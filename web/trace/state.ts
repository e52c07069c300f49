/**
 * A kernel trace opened in the app: read and reconstructed by a worker of its own (the same bundle; the timeline's
 * stays free), its report shown in the Trace dialog, and the scenario it gives shown on the timeline on request.
 */
import { createStore } from 'zustand/vanilla';
import type { TraceOptions, TraceReport } from '../../src-sim/protocol/index.ts';
import { OwnWorker } from '../own-worker.ts';
import { loadSource } from '../store.ts';

export type TraceStatus = 'idle' | 'reading' | 'done' | 'failed';

export interface TraceState {
  open: boolean;
  status: TraceStatus;
  file: File | null;
  options: TraceOptions;
  /** Bytes read of the file. */
  progress: { done: number; total: number } | null;
  report: TraceReport | null;
  /** The reconstructed scenario (JSON text), or null when the window does not fit the format. */
  scenario: string | null;
  /** The x86 eras the import can be asked for (`x86_lazy` values). */
  eras: readonly string[];
  error: string | null;
}

export const traceStore = createStore<TraceState>(() => ({
  open: false,
  status: 'idle',
  file: null,
  options: {},
  progress: null,
  report: null,
  scenario: null,
  eras: [],
  error: null,
}));

const worker = new OwnWorker();

export function setTraceOpen(open: boolean): void {
  traceStore.setState({ open });
}

/** Reads `file` as a kernel trace (with `options`: CPUs, window, arch), replacing any import in flight. */
export async function importTrace(file: File, options: TraceOptions = {}): Promise<void> {
  traceStore.setState({ open: true, status: 'reading', file, options, progress: { done: 0, total: file.size }, report: null, scenario: null, error: null });
  const run = await worker.run(
    (current) => ({
      onProgress: (done, total) => {
        if (current()) traceStore.setState({ progress: { done, total } });
      },
    }),
    (client) => client.importTrace(file, file.name, options),
  );
  if (!run) return;
  if (!run.ok) traceStore.setState({ status: 'failed', error: run.error.message });
  else traceStore.setState({ status: 'done', ...run.value, progress: { done: file.size, total: file.size } });
}

/**
 * Shows the reconstructed scenario on the timeline (as the user's own scenario: it can be edited and explored); with
 * `microstep`, at the position right after that micro-step (a conformance disagreement's).
 */
export async function showTraceOnTimeline(microstep?: number | null): Promise<boolean> {
  const { scenario } = traceStore.getState();
  if (!scenario) return false;
  const ok = await loadSource({ kind: 'json', text: scenario }, null, microstep == null ? null : () => microstep + 1);
  if (ok) traceStore.setState({ open: false });
  return ok;
}

/** "0,2,4-7" as CPU numbers; an error message for anything else. */
export function parseCpuList(text: string): number[] | string | null {
  const t = text.trim();
  if (t === '') return null;
  const out = new Set<number>();
  for (const part of t.split(',')) {
    const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(part);
    if (!m) return `"${part.trim()}" is not a CPU number or range (such as 0,2,4-7)`;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) return `${a}-${b} is an empty range`;
    if (b - a > 4096) return `${a}-${b} is too many CPUs`;
    for (let c = a; c <= b; c++) out.add(c);
  }
  return [...out].sort((x, y) => x - y);
}
