/**
 * The import report, as `npm run sim -- trace --json` prints it: what was read (format, CPUs, events by name, lines
 * that match no shape, events skipped by kind, problems with their line numbers), and what was reconstructed (tasks,
 * mms, switches by kind with the CR3 writes the trace shows after them, lazy intervals per CPU, flushes by reason),
 * and what the written scenario holds and leaves out.
 */
import type { Arch } from '../model/types.ts';
import type { ScenarioFile } from '../scenario/schema.ts';
import { find } from './identity.ts';
import type { Conformance } from './conformance.ts';
import type { EraChoice } from './era.ts';
import type { IssueKind, LineIssue, ParseStats } from './parser.ts';
import type { KindCount, Reconstruction, SwitchKind } from './reconstruct.ts';

/** tlb_flush reason codes (include/linux/mm_types.h enum tlb_flush_reason; ftrace-formats.md §2.2). */
export const TLB_FLUSH_REASONS: Record<number, string> = {
  0: 'TLB_FLUSH_ON_TASK_SWITCH',
  1: 'TLB_REMOTE_SHOOTDOWN',
  2: 'TLB_LOCAL_SHOOTDOWN',
  3: 'TLB_LOCAL_MM_SHOOTDOWN',
  4: 'TLB_REMOTE_SEND_IPI',
  5: 'TLB_REMOTE_WRONG_CPU',
};

/** Lazy intervals listed per CPU (all are counted). */
const LIST_INTERVALS = 20;

export interface TraceReport {
  file: string;
  format: string;
  cpus: { header: number | null; seen: number[]; scenario: number; map: Record<string, number> | null };
  arch: { chosen: Arch; source: 'given' | 'trace' | 'default'; evidence: { x86Only: number; notX86: number }; warning: string | null };
  /** The x86_lazy era the scenario runs with, and why. */
  era: EraChoice;
  lines: number;
  events: Record<string, number>;
  unparsedLines: number;
  skippedByKind: Record<string, number>;
  issues: { counts: Partial<Record<IssueKind, number>>; list: LineIssue[] };
  lostEvents: number;
  fatal: string | null;
  window: {
    from: number | null;
    to: number | null;
    firstTs: number | null;
    lastTs: number | null;
    eventsInWindow: number;
    eventsOutside: number;
    stoppedAt: { line: number; ts: number; reason: string } | null;
    next: string | null;
  };
  reconstructed: {
    tasks: { total: number; user: number; kernelThreads: number; kernelThreadsByName: number; clones: number; forks: number; execs: number; exits: number };
    mms: { total: number; fromThreadGroup: number; fromFork: number; fromExec: number; identity: string; mmIdMerges: number; mmIdConflicts: number; mmapLockPointers: number };
    switches: { total: number; byKind: Record<SwitchKind, KindCount> };
    lazy: Array<{ cpu: number; intervals: number; lazyUs: number; endedBy: Record<string, number>; first: Array<{ from: number; to: number; line: number; mm: string; end: string }> }>;
    flushes: {
      byReason: Record<string, number>;
      handlerSwitchToInitMm: number;
      hardirqReason0: number;
      localSwitchToInitMm: number;
      execCr3Write: number;
      remoteSend: number;
      remoteSendWithoutIpi: number;
    };
  };
  scenario: {
    written: boolean;
    error: string | null;
    steps: number;
    setup: number;
    tasks: number;
    mms: number;
    notWritten: Record<string, number>;
    /** Flushes the trace shows an initiator start: run by a step (a flush step, or an exec or exit teardown), and not. */
    flushesWritten: number;
    flushesNotWritten: number;
    flushesNotWrittenBy: Record<string, number>;
    note: string;
  };
  conformance: Conformance;
}

export interface ReportInput {
  name: string;
  stats: ParseStats;
  rec: Reconstruction;
  arch: Arch;
  archSource: 'given' | 'trace' | 'default';
  archWarning: string | null;
  scenarioCpus: number;
  cpuMap: number[] | null;
  scenario: ScenarioFile | null;
  scenarioError: string | null;
  from: number | null;
  to: number | null;
  era: EraChoice;
  conformance: Conformance;
}

const plain = <T>(r: Record<string, T>): Record<string, T> => ({ ...r });

export function traceReport(i: ReportInput): TraceReport {
  const { stats: s, rec: r } = i;
  const users = r.tasks.filter((t) => !t.kthread);
  const mms = r.mmsUsed();
  const lazyByCpu = new Map<number, TraceReport['reconstructed']['lazy'][number]>();
  for (const l of r.lazy) {
    let e = lazyByCpu.get(l.cpu);
    if (!e) lazyByCpu.set(l.cpu, (e = { cpu: l.cpu, intervals: 0, lazyUs: 0, endedBy: {}, first: [] }));
    e.intervals++;
    e.lazyUs += Math.round((l.to - l.from) * 1e6);
    e.endedBy[l.end] = (e.endedBy[l.end] ?? 0) + 1;
    if (e.first.length < LIST_INTERVALS) e.first.push({ from: l.from, to: l.to, line: l.fromLine, mm: find(l.mm).name, end: l.end });
  }
  const byReason: Record<string, number> = {};
  for (const [code, n] of Object.entries(r.flushByReason)) byReason[`${code} ${TLB_FLUSH_REASONS[+code] ?? 'unknown'}`] = n;
  const notBy: Record<string, number> = {};
  for (const f of r.flushes) if (f.step === null) notBy[f.why ?? 'not written'] = (notBy[f.why ?? 'not written'] ?? 0) + 1;
  const written = r.flushes.filter((f) => f.step !== null).length;
  const tgidColumn = r.threadGroupsKnown;
  return {
    file: i.name,
    format: s.format,
    cpus: { header: s.headerCpus, seen: s.cpusSeen, scenario: i.scenarioCpus, map: i.cpuMap ? Object.fromEntries(i.cpuMap.map((c, k) => [String(c), k])) : null },
    arch: { chosen: i.arch, source: i.archSource, evidence: { x86Only: s.archEvidence.x86, notX86: s.archEvidence.notX86 }, warning: i.archWarning },
    era: i.era,
    lines: s.lines,
    events: plain(s.events),
    unparsedLines: s.unparsedLines,
    skippedByKind: plain(s.skippedByKind),
    issues: { counts: s.issueCounts, list: s.issues },
    lostEvents: s.lostEvents,
    fatal: s.fatal,
    window: {
      from: i.from,
      to: i.to,
      firstTs: r.firstTs,
      lastTs: r.lastTs,
      eventsInWindow: s.delivered,
      eventsOutside: s.filtered,
      stoppedAt: r.stoppedAt,
      next: r.stoppedAt ? `the scenario stops at t=${r.stoppedAt.ts} (${r.stoppedAt.reason}): import the next window with --from ${r.stoppedAt.ts}` : null,
    },
    reconstructed: {
      tasks: {
        total: r.tasks.length,
        user: users.length,
        kernelThreads: r.tasks.length - users.length,
        kernelThreadsByName: r.tasks.filter((t) => t.byName).length,
        clones: r.tasks.filter((t) => t.origin === 'clone').length,
        forks: r.tasks.filter((t) => t.origin === 'fork').length,
        execs: r.mmCount.exec,
        exits: r.exits,
      },
      mms: {
        total: mms.length,
        fromThreadGroup: mms.filter((m) => m.origin === 'start').length,
        fromFork: mms.filter((m) => m.origin === 'fork').length,
        fromExec: mms.filter((m) => m.origin === 'exec').length,
        identity: tgidColumn ? 'thread group (record-tgid), fork and exec, refined by rss_stat mm_id' : 'fork and exec events, refined by rss_stat mm_id; tasks present at the start without a TGID column each count as their own process',
        mmIdMerges: r.mmIdMerges,
        mmIdConflicts: r.mmIdConflicts,
        mmapLockPointers: r.mmapLockPointers,
      },
      switches: { total: Object.values(r.switchKinds).reduce((a, k) => a + k.n, 0), byKind: r.switchKinds },
      lazy: [...lazyByCpu.values()].sort((a, b) => a.cpu - b.cpu),
      flushes: { byReason, handlerSwitchToInitMm: r.handlerInitMm, hardirqReason0: r.hardirqReason0, localSwitchToInitMm: r.localReason0, execCr3Write: r.runningReason0, remoteSend: r.remoteSend, remoteSendWithoutIpi: r.remoteSendWithoutIpi },
    },
    scenario: {
      written: i.scenario !== null,
      error: i.scenarioError,
      steps: i.scenario?.steps.length ?? 0,
      setup: i.scenario?.setup?.length ?? 0,
      tasks: i.scenario?.tasks.length ?? 0,
      mms: i.scenario?.mms.length ?? 0,
      notWritten: plain(r.notWritten),
      flushesWritten: written,
      flushesNotWritten: r.flushes.length - written,
      flushesNotWrittenBy: notBy,
      note: r.flushes.length ? 'a flush a user task starts is a flush step; teardown flushes of exec and exit are run by those steps' : '',
    },
    conformance: i.conformance,
  };
}
