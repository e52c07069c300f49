/**
 * Conformance: the reconstructed scenario is run on the model (its arch and era), and what the model did at each step
 * that stands for a trace event is compared with what the kernel printed (ftrace-formats.md §3):
 *
 *   switchCr3        a context switch wrote CR3 (`tlb_flush` reason 0 as the CPU's next event) or not;
 *   cr3Flush         per switch both wrote CR3 at, the write flushed the new mm's PCID (pages -1) or kept it (0);
 *   remoteSend       a flush found another CPU in mm_cpumask (reason 4, native_flush_tlb_multi) or stayed local;
 *   flushIpi         per other CPU of the scenario, a flush IPI was sent (csd_queue_cpu func=flush_tlb_func) or not;
 *   handlerInitMm    per flush IPI both sent, the handler moved a lazy CPU to init_mm (reason 0 in the handler) or not;
 *   remoteShootdown  per flush IPI both sent, the handler flushed the TLB (reason 1) or not;
 *   localFlush       per flush, what the initiator's own flush_tlb_func did: flushed (reason 3), moved its lazy CPU to
 *                    init_mm (reason 0), found another mm loaded (reason 5), or nothing traced.
 *
 * The model side is read from the run only: its micro-step rows (function and label per CPU), its IPI track, and its
 * state at the flush's decision point (mm_cpumask, is_lazy, loaded_mm) to say why; no model logic is repeated here.
 * Only x86 kernels print `tlb_flush`, so a trace without it has nothing to compare.
 */
import { shownName } from '../engine/fn.ts';
import type { Snapshot } from '../model/types.ts';
import type { ScenarioFile } from '../scenario/schema.ts';
import { Timeline } from '../timeline/timeline.ts';
import { lowerBound, upperBound } from '../timeline/tracks.ts';
import type { HandlerOutcome, Reconstruction } from './reconstruct.ts';
import { traceProof, type TraceProof } from './proof.ts';

export const CONFORMANCE_KINDS = ['switchCr3', 'cr3Flush', 'remoteSend', 'flushIpi', 'handlerInitMm', 'remoteShootdown', 'localFlush'] as const;
export type ConformanceKind = (typeof CONFORMANCE_KINDS)[number];

export interface Disagreement {
  /** Trace line of the event (the switch, the flush's reason-4 or local event, the IPI or handler event). */
  line: number;
  /** Trace CPU the prediction is about. */
  cpu: number;
  trace: string;
  model: string;
  /** Index in the scenario's `steps`. */
  step: number;
  /** The model's micro-step (index in the run, setup included) and what ran there. */
  microstep: number | null;
  at: string | null;
  /** Why the model did what it did (its path, or the state it decided on). */
  reason: string;
}

export interface KindResult {
  agree: number;
  disagree: number;
  disagreements: Disagreement[];
}

export interface Conformance {
  ran: boolean;
  /** Why nothing was compared (no tlb_flush events, no scenario, the run failed). */
  skipped: string | null;
  variant: { arch: string; config: Record<string, unknown> };
  kinds: Record<ConformanceKind, KindResult>;
  agree: number;
  disagree: number;
  /** agree / (agree + disagree), or null when nothing was compared. */
  rate: number | null;
  /** Trace events not compared, by reason (a step not written, refused by the model, ...). */
  notCompared: Record<string, number>;
  violations: number;
  /** What the trace proves about each CPU's loaded mm, on the run's positions (proof.ts); null when nothing ran. */
  proof: TraceProof | null;
}

/** Disagreements listed per kind (all are counted). */
export const LIST_DISAGREEMENTS = 200;

interface Row {
  i: number;
  cpu: number;
  fn: string;
  label: string;
}

export function emptyConformance(skipped: string, file: ScenarioFile | null): Conformance {
  const kinds = Object.fromEntries(CONFORMANCE_KINDS.map((k) => [k, { agree: 0, disagree: 0, disagreements: [] }])) as unknown as Record<ConformanceKind, KindResult>;
  return { ran: false, skipped, variant: { arch: file?.machine.arch ?? '', config: { ...(file?.machine.config ?? {}) } }, kinds, agree: 0, disagree: 0, rate: null, notCompared: {}, violations: 0, proof: null };
}

/**
 * Run `file` (written from `rec`) and compare. `traceCpuOf` maps a scenario CPU back to the trace's numbering;
 * `scenarioCpuOf` the other way (null: not in the scenario).
 */
export function checkConformance(rec: Reconstruction, file: ScenarioFile, scenarioCpuOf: (c: number) => number | null, traceCpuOf: (c: number) => number): Conformance {
  const out = emptyConformance('', file);
  const tl = new Timeline(file, null, { keyframeEvery: 64 });
  if (tl.internalError) return { ...out, skipped: `the model failed: ${tl.internalError}` };
  out.ran = true;
  out.skipped = null;
  out.violations = tl.violations.length;
  const steps = tl.steps;
  const setup = file.setup?.length ?? 0;
  out.proof = traceProof(rec, tl, setup, scenarioCpuOf);
  const skip = (why: string) => (out.notCompared[why] = (out.notCompared[why] ?? 0) + 1);
  const note = (kind: ConformanceKind, same: boolean, d: () => Disagreement) => {
    const k = out.kinds[kind];
    if (same) k.agree++;
    else {
      k.disagree++;
      if (k.disagreements.length < LIST_DISAGREEMENTS) k.disagreements.push(d());
    }
  };
  const rowsOf = (step: number): Row[] => {
    const s = steps[setup + step];
    const rows: Row[] = [];
    for (let i = s.firstMicrostep; i < s.firstMicrostep + s.microstepCount; i++) {
      // Matched by the model's registered names: an older era shows others (flush_tlb_others, load_cr3) for the same code.
      const r = tl.canonicalLabel(i);
      const a = tl.actorOf(i);
      if (a.kind === 'cpu') rows.push({ i, cpu: a.n, fn: r.fn, label: r.label });
    }
    return rows;
  };
  const at = (r: Row | undefined) => (r ? `cpu${r.cpu} ${r.fn}.${r.label}` : null);
  /**
   * The scenario CPU of a trace event written as `step`, when the model ran that step to its end; else null (a step
   * the model refused or left paused is counted as not compared, by kind and outcome).
   */
  const comparable = (kind: 'switch' | 'flush', traceCpu: number, step: number): number | null => {
    const sc = scenarioCpuOf(traceCpu);
    const info = steps[setup + step];
    if (sc === null || !info) return null;
    if (info.outcome !== 'done') {
      skip(`${kind} step ${info.outcome} by the model`);
      return null;
    }
    return sc;
  };
  const ncpus = file.machine.cpus;

  // Context switches: a CR3 write or none.
  for (const f of rec.facts) {
    if (f.step === null) continue;
    const sc = comparable('switch', f.cpu, f.step);
    if (sc === null) continue;
    const rows = rowsOf(f.step).filter((r) => r.cpu === sc);
    const sw = rows.filter((r) => r.fn === 'switch_mm_irqs_off');
    const cr3 = sw.some((r) => r.label === 'load_new_mm_cr3');
    const trace = f.cr3 !== null;
    note('switchCr3', cr3 === trace, () => ({
      line: f.line,
      cpu: f.cpu,
      trace: trace ? `CR3 written (tlb_flush reason 0, pages ${f.cr3})` : 'no CR3 write',
      model: cr3 ? 'CR3 written' : 'no CR3 write',
      step: f.step!,
      microstep: (sw[0] ?? rows[0])?.i ?? null,
      at: at(sw[0] ?? rows[0]),
      reason: sw.length ? `switch_mm_irqs_off: ${sw.map((r) => r.label).join(' › ')}` : `no switch_mm_irqs_off (${rows.map((r) => `${r.fn}.${r.label}`).filter((x) => /lazy|context_switch/.test(x)).join(', ') || 'no mm switch'})`,
    }));
    const load = sw.find((r) => r.label === 'load_new_mm_cr3');
    if (!load || !trace || (f.cr3 !== -1 && f.cr3 !== 0)) continue;
    // The model's choice, as its frame holds it just before the CR3 write.
    const frame = tl.stateAt(load.i - 1).cpus[sc].stack.at(-1);
    const flushed = !!frame?.l.need_flush;
    note('cr3Flush', flushed === (f.cr3 === -1), () => ({
      line: f.line, cpu: f.cpu, trace: f.cr3 === -1 ? 'CR3 write with a flush (pages -1)' : 'CR3 write keeping the PCID (pages 0)',
      model: flushed ? 'CR3 write with a flush' : 'CR3 write keeping the PCID', step: f.step!, microstep: load.i, at: at(load),
      reason: `ASID slot ${frame?.l.asid ?? '?'}; ${sw.map((r) => r.label).join(' › ')}`,
    }));
  }

  // Flushes.
  const ipiRows = tl.tracks.ipi;
  // Track kinds carry the era's names (4.14: flush_tlb_func_common).
  const flushKind = tl.tracks.kindNames.indexOf(tl.era.fn('flush_tlb_func@x86'));
  for (const f of rec.flushes) {
    if (f.step === null) {
      skip(`flush ${f.why ?? 'not written'}`);
      continue;
    }
    const sc = comparable('flush', f.cpu, f.step);
    if (sc === null) continue;
    const info = steps[setup + f.step];
    const rows = rowsOf(f.step);
    const multi = rows.find((r) => r.cpu === sc && r.fn === 'flush_tlb_mm_range' && r.label === 'flush_tlb_multi');
    if (!multi) {
      note('remoteSend', false, () => ({
        line: f.line, cpu: f.cpu, trace: f.remote ? 'remote IPI send (reason 4)' : 'local flush only', model: 'no flush', step: f.step!, microstep: rows[0]?.i ?? null, at: at(rows[0]),
        reason: `the model's ${info.op} step ran no flush_tlb_mm_range on cpu${sc}`,
      }));
      continue;
    }
    const before = tl.stateAt(multi.i - 1);
    const last = info.firstMicrostep + info.microstepCount - 1;
    const after = tl.stateAt(last);
    const frame = before.cpus[sc].stack.at(-1);
    const mm = frame && shownName(frame.fn) === 'flush_tlb_mm_range' ? (frame.l.mm as number) : -1;
    const mmName = mm >= 0 ? before.mms[mm].name : '?';
    const mask = mm >= 0 ? before.mms[mm].cpumask.flatMap((b, c) => (b ? [c] : [])) : [];
    const others = mask.filter((c) => c !== sc);
    const freed = !!frame?.l.freed_tables;
    note('remoteSend', (others.length > 0) === f.remote, () => ({
      line: f.line, cpu: f.cpu,
      trace: f.remote ? 'remote IPI send (reason 4): another CPU in mm_cpumask' : 'local flush only (no reason 4)',
      model: others.length ? 'another CPU in mm_cpumask' : 'no other CPU in mm_cpumask',
      step: f.step!, microstep: multi.i, at: at(multi), reason: `mm_cpumask(${mmName}) = {${mask.join(',')}}`,
    }));
    // The model's flush IPIs of this step, by target.
    const sent = new Map<number, number>();
    // IPI rows are in send order: only those sent during this step are looked at.
    const hi = upperBound(ipiRows.sent.a, ipiRows.sent.n, last + 1);
    for (let i = lowerBound(ipiRows.sent.a, ipiRows.sent.n, info.firstMicrostep + 1); i < hi; i++) {
      if (ipiRows.kind.a[i] === flushKind && ipiRows.from.a[i] === sc) sent.set(ipiRows.to.a[i], i);
    }
    // The initiator's own part: its flush_tlb_func after the decision (not a handler: the initiator takes no IPI here);
    // in the 3.x era, the local flush flush_tlb_mm_range runs inline before it sends IPIs (local_flush_tlb).
    const own = rows.filter((r) => r.cpu === sc && (r.i > multi.i || (r.fn === 'flush_tlb_mm_range' && r.label === 'local_flush_tlb')));
    const localRow = own.find((r) => r.fn === 'flush_tlb_func' || r.label === 'local_flush_tlb');
    const lo = localRow ? modelOutcome(own.slice(own.indexOf(localRow)), before, after, sc, mm) : 'none';
    const to0 = f.local ?? 'none';
    note('localFlush', to0 === lo, () => ({
      line: f.line, cpu: f.cpu, trace: OUTCOME_TEXT[to0], model: localRow ? OUTCOME_TEXT[lo] : 'no local flush_tlb_func', step: f.step!, microstep: (localRow ?? multi).i, at: at(localRow ?? multi),
      reason: `${cpuState(before, sc, mm, freed)}; ${own.map((r) => `${r.fn}.${r.label}`).filter((x) => /flush_tlb_func|local_flush_tlb|switch_mm|leave_mm/.test(x)).join(' › ') || 'no local flush'}`,
    }));
    for (let o = 0; o < ncpus; o++) {
      if (o === sc) continue;
      const to = traceCpuOf(o);
      const traced = f.targets.has(to);
      const model = sent.has(o);
      note('flushIpi', traced === model, () => ({
        line: f.targets.get(to) ?? f.line, cpu: to,
        trace: traced ? `flush IPI to CPU${to}` : `no flush IPI to CPU${to}`,
        model: model ? `flush IPI to cpu${o}` : `cpu${o} skipped`,
        step: f.step!, microstep: multi.i, at: at(multi),
        reason: cpuState(before, o, mm, freed),
      }));
      if (!traced || !model) continue;
      const h = f.handlers.get(to);
      if (!h) {
        skip('flush IPI whose handler the trace does not show (no csd_function_entry)');
        continue;
      }
      const mo = modelOutcome(rows, before, after, o, mm);
      const hr = rows.find((r) => r.cpu === o);
      const d = (trace: string, model: string) => (): Disagreement => ({
        line: h.line, cpu: to, trace, model, step: f.step!, microstep: hr?.i ?? null, at: at(hr),
        reason: `${cpuState(before, o, mm, freed)}; handler: ${rows.filter((r) => r.cpu === o).map((r) => `${r.fn}.${r.label}`).join(' › ')}`,
      });
      note('handlerInitMm', (h.outcome === 'init_mm') === (mo === 'init_mm'), d(OUTCOME_TEXT[h.outcome], OUTCOME_TEXT[mo]));
      note('remoteShootdown', (h.outcome === 'shootdown') === (mo === 'shootdown'), d(OUTCOME_TEXT[h.outcome], OUTCOME_TEXT[mo]));
    }
  }
  for (const k of CONFORMANCE_KINDS) (out.agree += out.kinds[k].agree), (out.disagree += out.kinds[k].disagree);
  out.rate = out.agree + out.disagree ? out.agree / (out.agree + out.disagree) : null;
  return out;
}

const OUTCOME_TEXT: Record<HandlerOutcome, string> = {
  init_mm: 'switched to init_mm (lazy)',
  shootdown: 'flushed (remote shootdown)',
  'wrong-cpu': 'another mm loaded: nothing flushed (wrong CPU)',
  none: 'nothing to flush (tlb_gen up to date)',
  reload: 'reloaded CR3 on the mm it runs (a global ASID, INVLPGB)',
};

/** What the model's handler did on CPU o: read from its micro-steps and its state before and after the step. */
function modelOutcome(rows: Row[], before: Snapshot, after: Snapshot, o: number, mm: number): HandlerOutcome {
  const b = before.cpus[o];
  // flush_tlb_func switches a lazy CPU to init_mm (3.x: leave_mm); on a CPU running the mm it only reloads it (a global
  // ASID, INVLPGB).
  if (rows.some((r) => r.cpu === o && r.fn === 'leave_mm')) return 'init_mm';
  if (rows.some((r) => r.cpu === o && r.fn === 'switch_mm_irqs_off')) return b.loaded_mm === mm && !b.is_lazy ? 'reload' : 'init_mm';
  // 3.x's inline local flush has no tlb_gen to read: that it ran is the flush.
  if (rows.some((r) => r.cpu === o && r.label === 'local_flush_tlb')) return 'shootdown';
  if (b.loaded_mm !== mm || rows.some((r) => r.cpu === o && r.label === 'cpumask_clear_cpu')) return 'wrong-cpu';
  const a = after.cpus[o];
  const gen = (c: Snapshot['cpus'][number]) => c.ctxs[c.tag]?.tlb_gen ?? 0;
  return gen(a) !== gen(b) ? 'shootdown' : 'none';
}

/** The state a flush decided on, for CPU o: mask, lazy, loaded mm. */
function cpuState(s: Snapshot, o: number, mm: number, freed: boolean): string {
  const c = s.cpus[o];
  const inMask = mm >= 0 && s.mms[mm].cpumask[o];
  const loaded = c.loaded_mm >= 0 ? s.mms[c.loaded_mm].name : 'switching';
  return `cpu${o} ${inMask ? 'in' : 'not in'} mm_cpumask(${mm >= 0 ? s.mms[mm].name : '?'}), ${c.is_lazy ? 'lazy' : 'not lazy'}, loaded ${loaded}${freed ? '; freed_tables' : ''}`;
}

