/**
 * A trace import from start to end, pure: feed it text chunks (the CLI reads a file stream, the app's worker a Blob's
 * chunks), then `finish()` returns the report and, when the window fits the format, the scenario. Architecture: the
 * one given, else what the trace shows (x86-only events such as `tlb_flush`, or events x86 never emits such as
 * `ipi_raise`), else x86, said so in the report.
 */
import type { Arch } from '../model/types.ts';
import { ARCHES } from '../arch/index.ts';
import type { TraceEvidence } from '../engine/policy.ts';
import type { ScenarioFile } from '../scenario/schema.ts';
import { Collector } from './collect.ts';
import { printsTlbFlush } from './arch.ts';
import { checkConformance, emptyConformance, type Conformance } from './conformance.ts';
import { chooseEra } from './era.ts';
import { TraceParser, type ParseStats } from './parser.ts';
import { Reconstruction } from './reconstruct.ts';
import { traceReport, type TraceReport } from './report.ts';
import { scenarioId, writeScenario } from './scenario.ts';

export interface ImportOptions {
  /** A file name, for the scenario's id and title. */
  name: string;
  arch?: Arch | null;
  cpus?: readonly number[] | null;
  from?: number | null;
  to?: number | null;
  /** The x86_lazy era to run the scenario with (else what the trace shows). */
  era?: string | null;
  /** More config knobs for the scenario (docs/scenario-format.md §5.2), on top of the era: what the trace cannot show. */
  config?: ScenarioFile['machine']['config'];
  /** Run the scenario on the model and compare (default true). */
  conformance?: boolean;
  /** Scenario limits, lowered by tests. */
  maxSteps?: number;
}

export interface ImportResult {
  report: TraceReport;
  scenario: ScenarioFile | null;
  stats: ParseStats;
  reconstruction: Reconstruction;
  conformance: Conformance;
}

/** The arch a trace without arch-only events is read as (the scenario format's default). */
const DEFAULT_ARCH: Arch = 'x86';

/** The scenario format's CPU limit (docs/scenario-format.md §5). */
export const MAX_SCENARIO_CPUS = 64;

export class TraceImport {
  private readonly parser: TraceParser;
  private readonly collector: Collector;
  private readonly rec: Reconstruction;
  /** Trace CPU -> scenario CPU: the chosen ones numbered from 0 in order, else the trace's own numbering. */
  private readonly chosen: number[] | null;
  private readonly index = new Map<number, number>();

  constructor(private readonly o: ImportOptions) {
    this.chosen = o.cpus ? [...new Set(o.cpus)].sort((a, b) => a - b) : null;
    this.chosen?.forEach((c, i) => this.index.set(c, i));
    const cpuIndex = this.chosen ? (c: number) => this.index.get(c) ?? null : (c: number) => c;
    // The reconstruction takes the records as the trace streams; the collector holds only those it cannot judge yet.
    this.collector = new Collector((r) => this.rec.add(r), () => this.rec.stoppedAt !== null);
    this.rec = new Reconstruction(this.collector, { cpuIndex, maxSteps: o.maxSteps });
    this.parser = new TraceParser(this.collector.add, { cpus: o.cpus ? new Set(o.cpus) : null, from: o.from, to: o.to, onOther: this.collector.other });
  }

  push(chunk: string): void {
    this.parser.push(chunk);
  }

  finish(): ImportResult {
    const stats = this.parser.end();
    this.collector.end();
    const rec = this.rec;
    rec.end();
    const o = this.o;
    const ev = stats.archEvidence;
    // What the trace's arch-only events say, matched against what each arch policy says its kernel emits.
    const kind: TraceEvidence | null = ev.x86 && !ev.notX86 ? 'x86-only' : ev.notX86 && !ev.x86 ? 'ipi-raise' : null;
    const shown = kind ? ((Object.keys(ARCHES) as Arch[]).find((a) => ARCHES[a].traceEvidence === kind) ?? null) : null;
    const arch: Arch = o.arch ?? shown ?? DEFAULT_ARCH;
    const archSource = o.arch ? 'given' : shown ? 'trace' : 'default';
    let archWarning: string | null = null;
    // Given an arch: x86-only events need an arch that emits them; ipi_raise events rule out only those arches.
    const given = o.arch ? ARCHES[o.arch].traceEvidence : undefined;
    if (o.arch && kind && (kind === 'x86-only' ? given !== kind : given === 'x86-only')) {
      archWarning = `the trace looks like ${kind === 'x86-only' ? `${shown} (it has x86-only events such as tlb_flush)` : 'arm or arm64 (it has ipi_raise/ipi_entry, which x86 never emits)'}, but --arch ${o.arch} was given`;
    } else if (ev.x86 && ev.notX86) archWarning = 'the trace has both x86-only events and events x86 never emits: two traces mixed?';

    // Scenario CPUs: the chosen ones, numbered from 0 in order; else the trace's own numbering.
    const chosen = this.chosen;
    const index = this.index;
    let scenarioCpus: number;
    let cpuError: string | null = null;
    if (chosen) scenarioCpus = chosen.length;
    else {
      const top = Math.max(stats.headerCpus ?? 0, (stats.cpusSeen.at(-1) ?? 0) + 1);
      for (let c = 0; c < top; c++) index.set(c, c);
      scenarioCpus = top;
    }
    if (scenarioCpus > MAX_SCENARIO_CPUS) cpuError = `the trace has ${scenarioCpus} CPUs and a scenario at most ${MAX_SCENARIO_CPUS}: choose them with --cpus`;
    const id = scenarioId(o.name);
    const base = o.name.replace(/^.*[\\/]/, '');
    const span = rec.firstTs !== null ? `${rec.firstTs}–${rec.lastTs} s` : 'no events';
    let scenario: ScenarioFile | null = null;
    let scenarioError: string | null = cpuError ?? stats.fatal;
    if (!scenarioError && rec.tasks.length === 0) scenarioError = 'no scheduling events in the window: nothing to write';
    const era = chooseEra(arch, o.era ?? null, rec, scenarioCpus, o.config?.x86_global_asid_cpus);
    if (!scenarioError) {
      scenario = writeScenario(rec, {
        id,
        title: `Trace ${base.slice(0, 120)} (${arch}, ${scenarioCpus} CPUs, ${span})`.slice(0, 200),
        arch,
        cpus: Math.max(1, scenarioCpus),
        summary: summaryOf(base, stats, rec, chosen),
      });
      if (era.value !== null || o.config) scenario.machine.config = { ...(era.value !== null ? { x86_lazy: era.value as 'v4.20', ...era.config } : {}), ...o.config };
    }
    let conformance: Conformance;
    if (!scenario) conformance = emptyConformance(scenarioError ?? 'no scenario', null);
    else if (o.conformance === false) conformance = emptyConformance('not asked for', scenario);
    else if (!stats.events.tlb_flush) conformance = emptyConformance('the trace has no tlb_flush events (only x86 kernels print them): nothing the model predicts can be compared', scenario);
    else if (!printsTlbFlush(arch)) conformance = emptyConformance(`the scenario is ${arch}; tlb_flush events are x86's`, scenario);
    else conformance = checkConformance(rec, scenario, (c) => index.get(c) ?? null, (c) => (chosen ? chosen[c] : c));
    const report = traceReport({ name: o.name, stats, rec, arch, archSource, archWarning, scenarioCpus, cpuMap: chosen, scenario, scenarioError, from: o.from ?? null, to: o.to ?? null, era, conformance });
    return { report, scenario, stats, reconstruction: rec, conformance };
  }
}

function summaryOf(base: string, stats: ParseStats, rec: Reconstruction, cpus: number[] | null): string {
  const flushes = Object.values(rec.flushByReason).reduce((a, b) => a + b, 0);
  const parts = [
    `Imported from ${base.slice(0, 120)} (${stats.format}) by \`npm run sim -- trace\`: ${rec.steps.length} steps (switches, clones, forks, execs, exits, flushes) between t=${rec.firstTs} and t=${rec.lastTs}.`,
    cpus ? `Trace CPUs ${cpus.join(',')} are scenario CPUs 0..${cpus.length - 1}.` : '',
    'Tasks are named comm-pid. Tasks present when the window starts are declared up front; threads are clone steps, and processes forked in the window fork steps (each runs the flush of the parent that fork does, where the trace shows it).',
    'A CPU that starts the window in a kernel thread starts on init_mm here: the trace does not say which mm it had loaded.',
    flushes ? `Each flush the trace shows a user task start (tlb_flush reason 4, or a local-only reason 3) is a flush step of the current mm; flushes inside exec and by kernel threads are not (the import report counts them). The exec and exit steps flush the old mm's teardown themselves.` : '',
    rec.stoppedAt ? `The window stops at t=${rec.stoppedAt.ts} (trace line ${rec.stoppedAt.line}): ${rec.stoppedAt.reason}; import the rest with --from ${rec.stoppedAt.ts}.` : '',
  ];
  return parts.filter(Boolean).join(' ').slice(0, 4000);
}
