/**
 * Beginning a scenario step: its operation's names (tasks, mms, pages) resolved to ids in the current state (a `map` to
 * a page name that does not exist yet creates that page), its guard asked, and its kernel function started.
 */
import { step, type Choice } from '../engine/choice.ts';
import type { Kernel } from '../engine/kernel.ts';
import type { StepFile } from '../scenario/schema.ts';
import { INIT_MM } from '../model/types.ts';
import { opDef, refuse, startOf, type Op } from './index.ts';

/**
 * Start a kernel step's operation on CPU c (or continue the paused one), without running it: the caller runs it (the
 * default chooser, Kernel.pump, or an explorer). Returns why the step is refused, or null.
 */
export function beginStep(k: Kernel, c: number, file: StepFile): string | null {
  const op = resolveOp(k, file);
  if (typeof op === 'string') return op;
  const why = refuse(k, c, op);
  if (why) return why;
  if (file.time !== undefined) tick(k, c, file.time);
  if (op.do === 'continue') {
    if (file.until && k.atLabel(k.s.cpus[c], file.until)) return `CPU${c} is already paused at ${file.until}; continue without "until", or until a later micro-step`;
    k.continueOp(c, file.until ?? '');
  } else {
    const st = startOf(k, c, op);
    k.startOp(c, st.fn, st.args, file.until ?? '');
  }
  return null;
}

/**
 * A step with a trace time starts on CPU c: that is the CPU's clock from now on (Cpu.now, the model's jiffies there).
 * At the first timed step of the run the mms that exist count as made then (Mm.created_at): the trace does not say
 * when mms older than its window were made.
 */
function tick(k: Kernel, c: number, time: number): void {
  if (k.s.cpus.every((x) => x.now === undefined)) {
    for (let m = INIT_MM + 1; m < k.s.mms.length; m++) if (k.s.mms[m].created_at === undefined) k.mm(m).created_at = time;
  }
  if (k.s.cpus[c].now !== time) k.cpu(c).now = time;
}

/** Resolve the names in a step to ids in the current state; a string is the reason it cannot be. */
export function resolveOp(k: Kernel, f: StepFile): Op | string {
  return opDef(f.do).resolve(k, f);
}

/**
 * Perform a move of an explicit schedule (`step`, `irq`: ops/schedule.ts) on CPU c: its guard asked, then the engine's
 * choice made. Returns why the move is not enabled now (nothing changed), or null.
 */
export function makeChoice(k: Kernel, c: number, file: StepFile): string | null {
  const def = opDef(file.do);
  const ch = def.resolve(k, file) as Choice | string;
  if (typeof ch === 'string') return ch;
  const why = def.refuse(k, c, ch, k.s.tasks[k.s.cpus[c].curr]);
  if (why) return why;
  step(k, ch);
  return null;
}
