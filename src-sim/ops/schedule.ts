/**
 * `step` and `irq`: the moves of an explicit schedule (format `lazytlb/2`, `"schedule": "explicit"`; docs/scenario-
 * format.md §19). They are not kernel operations but the engine's own choices (engine/choice.ts) written as steps, so
 * that a schedule the explorer found replays exactly: one micro-step of a CPU, or a CPU taking its oldest pending IPI
 * now rather than at once. Their refusal is the choice's guard: a move that is not enabled is refused, nothing runs.
 */
import { z } from 'zod';
import type { Choice } from '../engine/choice.ts';
import { shownName } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import type { CpuId } from '../model/types.ts';
import { common, name, type OpDef } from './def.ts';

const label = z.string().min(1).max(128);

const stepSchema = z.strictObject({ ...common, do: z.literal('step'), at: label.optional() });
export type StepChoice = Extract<Choice, { kind: 'step' }> & { at?: string };

/** CPU c's next micro-step as `fn.label` (registered names, valid in every era), or null if nothing is on its stack. */
export function nextLabel(k: Kernel, c: CpuId): string | null {
  const f = k.s.cpus[c].stack.at(-1);
  return f ? `${shownName(f.fn)}.${f.pc}` : null;
}

/** CPU c's next micro-step as the variant's era shows it (engine/era.ts: `switch_mm.load_cr3` in x86 3.x), or null. */
function shownNextLabel(k: Kernel, c: CpuId): string | null {
  const f = k.s.cpus[c].stack.at(-1);
  return f ? `${k.era.fn(f.fn)}.${k.era.label(f.fn, f.pc)}` : null;
}

export const stepOp: OpDef<typeof stepSchema, StepChoice> = {
  schema: stepSchema,
  choice: true,
  resolve: (_k, f) => ({ kind: 'step', cpu: f.cpu!, ...(f.at !== undefined ? { at: f.at } : {}) }),
  refuse(k, c, ch) {
    const next = shownNextLabel(k, c);
    if (next === null) return `CPU${c} has nothing to run (no operation in flight, no handler)`;
    if (ch.at !== undefined && !k.atLabel(k.s.cpus[c], ch.at)) return `CPU${c}'s next micro-step is ${next}, not ${ch.at}`;
    if (!k.canStep(c)) return `CPU${c} cannot run ${next} now (its guard does not hold: it waits for another CPU)`;
    return null;
  },
  start: () => {
    throw new Error('step starts no kernel function');
  },
  describe: (f) => `micro-step${f.at ? ` ${f.at}` : ''}`,
};

const irqSchema = z.strictObject({ ...common, do: z.literal('irq'), ipi: name.optional() });
export type IrqChoice = Extract<Choice, { kind: 'irq' }> & { ipi?: string };

export const irqOp: OpDef<typeof irqSchema, IrqChoice> = {
  schema: irqSchema,
  choice: true,
  resolve: (_k, f) => ({ kind: 'irq', cpu: f.cpu!, ...(f.ipi !== undefined ? { ipi: f.ipi } : {}) }),
  refuse(k, c, ch) {
    const cpu = k.s.cpus[c];
    const q = cpu.ipi_queue[0];
    if (!q) return `CPU${c} has no pending IPI`;
    if (ch.ipi !== undefined && shownName(q.kind) !== ch.ipi) return `CPU${c}'s oldest pending IPI is ${shownName(q.kind)}, not ${ch.ipi}`;
    if (!k.canTakeIpi(c)) return `CPU${c} has interrupts off; it cannot take ${shownName(q.kind)} now`;
    return null;
  },
  start: () => {
    throw new Error('irq starts no kernel function');
  },
  describe: (f) => `take IPI${f.ipi ? ` ${f.ipi}` : ''}`,
};
