/**
 * What an x86 trace proves about each CPU's loaded mm, drawn beside the model's lanes (issue 11): a row per CPU whose
 * value changes only where a traced event says so, so a reader can hold the model's `loaded mm` and `lazy` rows
 * against the kernel's own account.
 *
 * The evidence (ftrace-formats.md §2.2, §3), each placed at the end of the scenario step that stands for its event:
 *   - a switch followed by `tlb_flush` reason 0: CR3 was written, the new task's mm is loaded;
 *   - a switch to a user task without it: that mm was already loaded (switch_mm_irqs_off writes CR3 otherwise);
 *   - a switch from a user task to a kernel thread without it: the user task's mm stays loaded, lazily
 *     (enter_lazy_tlb; arch/x86/mm/tlb.c);
 *   - reason 0 inside flush_tlb_func, in a flush IPI or the initiator's own call: the lazy CPU switched to init_mm;
 *   - reason 0 while a user task runs, before its exec: exec's activate_mm loaded the new mm.
 * Before a CPU's first such event, and after an exec whose CR3 write was not traced, the trace proves nothing: unknown.
 * Which mm a task has is the scenario's (the reconstruction's identity), read from the run's state; what is loaded when
 * is only ever taken from the trace.
 */
import { INIT_MM, NONE, type Snapshot } from '../model/types.ts';
import type { StepInfo } from '../protocol/summary.ts';
import type { Timeline } from '../timeline/timeline.ts';
import type { Reconstruction } from './reconstruct.ts';

export interface ProofSegment {
  /** Position (micro-steps done) from which it holds: the end of the step standing for the event. */
  from: number;
  /** The run's mm id proven loaded (0: init_mm), or null when the trace has not shown it yet. */
  mm: number | null;
  /** A kernel thread runs with a user mm still loaded (lazy TLB), as the trace shows. */
  lazy: boolean;
  /** The trace line of the event, and what it shows. */
  line: number | null;
  why: string;
}

export interface TraceProof {
  /** Per scenario CPU, segments in order; the first starts at 0. */
  cpus: ProofSegment[][];
  /** Segments left out past the cap (a very long window). */
  truncated: number;
}

/** Most segments kept over all CPUs. */
export const MAX_PROOF_SEGMENTS = 50_000;

interface Evidence {
  at: number;
  cpu: number;
  line: number;
  /** What the event proves, from the state after its step (and, when needed, before it). */
  decide: (after: Snapshot, before: () => Snapshot, prev: ProofSegment) => Omit<ProofSegment, 'from' | 'line'> | null;
}

export function traceProof(rec: Reconstruction, tl: Timeline, setup: number, scenarioCpuOf: (c: number) => number | null): TraceProof {
  const steps = tl.steps;
  const evidence: Evidence[] = [];
  const add = (traceCpu: number, step: number | null, line: number, decide: Evidence['decide']) => {
    const sc = scenarioCpuOf(traceCpu);
    const info: StepInfo | undefined = step === null ? undefined : steps[setup + step];
    if (sc === null || !info || info.microstepCount === 0) return;
    evidence.push({ at: info.firstMicrostep + info.microstepCount, cpu: sc, line, decide });
  };
  const curr = (s: Snapshot, cpu: number) => s.tasks[s.cpus[cpu].curr];

  for (const f of rec.facts) {
    add(f.cpu, f.step, f.line, (after, before, prev) => {
      const sc = scenarioCpuOf(f.cpu)!;
      const next = curr(after, sc);
      if (next.mm !== NONE) {
        return f.cr3 !== null
          ? { mm: next.mm, lazy: false, why: `CR3 written at the switch to ${next.name} (tlb_flush reason 0)` }
          : { mm: next.mm, lazy: false, why: `no CR3 write at the switch to ${next.name}: its mm was loaded already` };
      }
      if (f.cr3 !== null) return { mm: null, lazy: false, why: `CR3 written at the switch to kernel thread ${next.name}` };
      const from = curr(before(), sc);
      if (from.mm !== NONE) return { mm: from.mm, lazy: true, why: `no CR3 write at the switch from ${from.name} to kernel thread ${next.name}: lazy on ${from.name}'s mm` };
      return { mm: prev.mm, lazy: prev.lazy, why: `kernel thread ${next.name} after ${from.name}, no CR3 write: unchanged` };
    });
  }
  const toInitMm = (where: string) => () => ({ mm: INIT_MM, lazy: false, why: `switched to init_mm ${where} (tlb_flush reason 0 in flush_tlb_func)` });
  for (const f of rec.flushes) {
    for (const [cpu, h] of f.handlers) if (h.outcome === 'init_mm') add(cpu, f.step, h.line, toInitMm('in the flush IPI'));
    if (f.local === 'init_mm') add(f.cpu, f.step, f.line, toInitMm('in its own flush'));
  }
  for (const e of rec.execs) {
    add(e.cpu, e.step, e.line, (after) => {
      const t = curr(after, scenarioCpuOf(e.cpu)!);
      return e.cr3
        ? { mm: t.mm, lazy: false, why: `exec of ${t.name}: activate_mm wrote CR3 (tlb_flush reason 0)` }
        : { mm: null, lazy: false, why: `exec of ${t.name} with no CR3 write traced` };
    });
  }
  evidence.sort((a, b) => a.at - b.at);

  const cpus: ProofSegment[][] = Array.from({ length: tl.file.machine.cpus }, () => [{ from: 0, mm: null, lazy: false, line: null, why: 'nothing traced yet' }]);
  let kept = 0;
  let truncated = 0;
  for (const e of evidence) {
    const list = cpus[e.cpu];
    const prev = list[list.length - 1];
    // The state before the step is rebuilt only for the one kind of event that asks (a switch to a kernel thread).
    const got = e.decide(tl.stateAt(e.at - 1), () => tl.stateAt(e.at - 1 - stepLength(steps, e.at)), prev);
    if (!got || (got.mm === prev.mm && got.lazy === prev.lazy)) continue;
    if (kept >= MAX_PROOF_SEGMENTS) {
      truncated++;
      continue;
    }
    const seg = { from: e.at, ...got, line: e.line };
    // Two events at the end of one step: the later one holds.
    if (prev.from === e.at) list[list.length - 1] = seg;
    else (list.push(seg), kept++);
  }
  return { cpus, truncated };
}

/** Micro-steps of the step ending at position `end` (its state before is at end - 1 - this). */
function stepLength(steps: StepInfo[], end: number): number {
  let lo = 0;
  let hi = steps.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (steps[mid].firstMicrostep < end) lo = mid;
    else hi = mid - 1;
  }
  return end - steps[lo].firstMicrostep;
}
