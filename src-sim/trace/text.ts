/** The import report as the CLI prints it without --json: a few lines a person reads. */
import type { TraceReport } from './report.ts';

const top = (r: Record<string, number>, n: number): string => {
  const e = Object.entries(r).sort((a, b) => b[1] - a[1]);
  const shown = e.slice(0, n).map(([k, v]) => `${k} ${v}`);
  return e.length > n ? `${shown.join(', ')}, … (${e.length - n} more)` : shown.join(', ') || 'none';
};

const ms = (us: number) => `${(us / 1000).toFixed(3)} ms`;

export function reportLines(r: TraceReport, out: string | null): string[] {
  const ev = Object.values(r.events).reduce((a, b) => a + b, 0);
  const L: string[] = [];
  L.push(`${r.file}: ${r.format}, ${r.cpus.seen.length} CPUs with events (header: ${r.cpus.header ?? 'none'}), arch ${r.arch.chosen} (${r.arch.source === 'given' ? 'given' : r.arch.source === 'trace' ? 'from the trace' : 'default: the trace does not show it'})`);
  if (r.arch.warning) L.push(`  warning: ${r.arch.warning}`);
  if (r.fatal) L.push(`  ${r.fatal}`);
  L.push(`lines ${r.lines}, events ${ev}, unparsed lines ${r.unparsedLines}${r.lostEvents ? `, lost events ${r.lostEvents} (the ring buffer overflowed)` : ''}`);
  L.push(`events: ${top(r.events, 12)}`);
  L.push(`skipped by kind: ${top(r.skippedByKind, 8)}`);
  const issues = Object.entries(r.issues.counts);
  if (issues.length) {
    L.push(`problems: ${issues.map(([k, v]) => `${k} ${v}`).join(', ')}`);
    for (const i of r.issues.list.slice(0, 10)) L.push(`  ${i.message}`);
    if (r.issues.list.length > 10) L.push(`  … (--json lists up to ${r.issues.list.length})`);
  }
  const w = r.window;
  if (w.from !== null || w.to !== null) L.push(`window: --from ${w.from ?? 'start'} --to ${w.to ?? 'end'}: ${w.eventsInWindow} events in it, ${w.eventsOutside} outside (or on other CPUs)`);
  const t = r.reconstructed.tasks;
  const m = r.reconstructed.mms;
  L.push(`tasks ${t.total} (${t.user} user, ${t.kernelThreads} kernel threads, ${t.kernelThreadsByName} of them known by name only); clones ${t.clones}, forks ${t.forks}, execs ${t.execs}, exits ${t.exits}`);
  L.push(`mms ${m.total} (${m.fromThreadGroup} from thread groups, ${m.fromFork} forked, ${m.fromExec} exec'd); identity: ${m.identity}; rss_stat merges ${m.mmIdMerges}, conflicts ${m.mmIdConflicts}`);
  const s = r.reconstructed.switches;
  L.push(`switches ${s.total} (kind: count, of which followed by a CR3 write [tlb_flush reason 0]):`);
  for (const [k, c] of Object.entries(s.byKind)) if (c.n) L.push(`  ${k.padEnd(20)} ${String(c.n).padStart(7)}  CR3 written after ${c.reason0} (${c.flushed} flushed, ${c.pcidKept} PCID kept)`);
  for (const l of r.reconstructed.lazy) L.push(`lazy CPU${l.cpu}: ${l.intervals} intervals, ${ms(l.lazyUs)}; ended by ${Object.entries(l.endedBy).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const f = r.reconstructed.flushes;
  if (Object.keys(f.byReason).length) {
    L.push(`tlb_flush by reason: ${Object.entries(f.byReason).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    L.push(`  lazy CPU moved to init_mm: ${f.handlerSwitchToInitMm} in a flush IPI (${f.hardirqReason0} reason-0 events in hardirq), ${f.localSwitchToInitMm} in a local flush; CR3 written by a running task (exec) ${f.execCr3Write}; remote IPI send ${f.remoteSend}, ${f.remoteSendWithoutIpi} of them with no IPI sent (every other CPU skipped)`);
  }
  const sc = r.scenario;
  if (sc.error) L.push(`scenario: not written: ${sc.error}`);
  else L.push(`scenario: ${sc.steps} steps, ${sc.setup} setup, ${sc.tasks} tasks, ${sc.mms} mms${out ? `, written to ${out}` : ' (write it with --out FILE)'}`);
  for (const [k, v] of Object.entries(sc.notWritten)) L.push(`  ${k}: ${v}`);
  if (sc.note) L.push(`  ${sc.note}: ${sc.flushesWritten} flushes run by steps, ${sc.flushesNotWritten} not`);
  for (const [k, v] of Object.entries(sc.flushesNotWrittenBy)) L.push(`  flush ${k}: ${v}`);
  const e = r.era;
  if (e.value !== null) L.push(`era: x86_lazy ${e.value} (${e.source === 'trace' ? 'from the trace' : e.source}): ${e.evidence}`);
  if (e.configNote) L.push(`  ${e.configNote}`);
  if (e.warning) L.push(`  warning: ${e.warning}`);
  if (e.invlpgb?.value) L.push(`  ${e.invlpgb.evidence}`);
  if (e.invlpgb?.warning) L.push(`  warning: ${e.invlpgb.warning}`);
  const c = r.conformance;
  if (!c.ran) L.push(`conformance: not checked: ${c.skipped}`);
  else {
    const pct = (a: number, d: number) => (a + d ? `${((100 * a) / (a + d)).toFixed(1)}%` : '-');
    L.push(`conformance (model ${c.variant.arch}${c.variant.config.x86_lazy ? ` x86_lazy ${c.variant.config.x86_lazy}` : ''} against the trace): ${c.agree} agree, ${c.disagree} disagree (${pct(c.agree, c.disagree)})`);
    for (const [k, v] of Object.entries(c.kinds)) if (v.agree + v.disagree) L.push(`  ${k.padEnd(16)} agree ${String(v.agree).padStart(5)}  disagree ${String(v.disagree).padStart(5)}  ${pct(v.agree, v.disagree)}`);
    for (const [k, v] of Object.entries(c.kinds)) {
      for (const d of v.disagreements.slice(0, 20)) L.push(`  ${k} line ${d.line} CPU${d.cpu}: trace ${d.trace}; model ${d.model} (step ${d.step}${d.at ? `, micro-step ${d.microstep} ${d.at}` : ''}): ${d.reason}`);
      if (v.disagreements.length > 20) L.push(`  … ${v.disagree - 20} more ${k} disagreements (--json lists up to ${v.disagreements.length})`);
    }
    for (const [k, v] of Object.entries(c.notCompared)) L.push(`  not compared: ${k}: ${v}`);
    if (c.violations) L.push(`  the model raised ${c.violations} invariant violations on this run`);
  }
  if (w.next) L.push(w.next);
  return L;
}
