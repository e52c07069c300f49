/** Small helpers for model tests: build a scenario in a few lines, run it, look at the state after any step. */
import { validateScenario } from '../src-sim/scenario/load.ts';
import type { ScenarioFile, StepFile } from '../src-sim/scenario/schema.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import type { Arch, Config, Snapshot } from '../src-sim/model/types.ts';

export interface Spec {
  arch: Arch;
  cpus?: number;
  config?: Partial<Config>;
  mms?: Array<{ name: string; map?: Record<string, string> }>;
  tasks?: Array<{ name: string; mm?: string; kthread?: boolean }>;
  devices?: Array<{ name: string; kind: 'shared' | 'shadow'; mm: string }>;
  setup?: StepFile[];
  steps: StepFile[];
}

export function file(spec: Spec): ScenarioFile {
  return validateScenario({
    format: 'lazytlb/1',
    id: 'test',
    title: 'test',
    machine: { arch: spec.arch, cpus: spec.cpus ?? 2, config: spec.config ?? {} },
    mms: (spec.mms ?? [{ name: 'M', map: { '0x400000': 'A' } }]).map((m) => ({ name: m.name, mappings: Object.entries(m.map ?? {}).map(([va, page]) => ({ va, page, write: true })) })),
    tasks: spec.tasks ?? [{ name: 'P', mm: 'M' }, { name: 'K', kthread: true }],
    devices: spec.devices ?? [],
    setup: spec.setup ?? [],
    steps: spec.steps,
  });
}

export class Run {
  readonly t: Timeline;
  constructor(spec: Spec) {
    this.t = new Timeline(file(spec), null);
    if (this.t.internalError) throw new Error(this.t.internalError);
  }
  /** State after the i-th step of `steps` (setup excluded); -1: after setup. */
  after(i: number): Snapshot {
    const setup = this.t.file.setup?.length ?? 0;
    const idx = setup + i;
    let last = -1;
    for (const s of this.t.steps) if (s.index <= idx && s.microstepCount) last = s.firstMicrostep + s.microstepCount - 1;
    return this.t.stateAt(last);
  }
  get final(): Snapshot {
    return this.t.finalState();
  }
  ids(): string[] {
    return [...new Set(this.t.violations.map((v) => v.id))].sort();
  }
  refused(): string[] {
    return this.t.steps.filter((s) => s.error).map((s) => s.error!);
  }
  /** The micro-steps of step i as `fn.label`. */
  labels(i: number): string[] {
    const setup = this.t.file.setup?.length ?? 0;
    const s = this.t.steps[setup + i];
    const out = [];
    for (let m = s.firstMicrostep; m < s.firstMicrostep + s.microstepCount; m++) {
      const r = this.t.microstepRow(m);
      out.push(`${r.fn}.${r.label}`);
    }
    return out;
  }
}

export const mm = (s: Snapshot, name: string) => s.mms.find((m) => m.name === name)!;
export const task = (s: Snapshot, name: string) => s.tasks.find((t) => t.name === name)!;
export const name = (s: Snapshot, id: number) => (id < 0 ? null : s.mms[id].name);
