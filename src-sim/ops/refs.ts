/**
 * `mmget`, `mmget_not_zero`, `mmput`, `mmgrab`, `mmdrop`: the reference operations on an mm a scenario can ask for
 * directly (include/linux/sched/mm.h, kernel/fork.c). One family: same shape, same guard, one kernel function each.
 */
import { z } from 'zod';
import { INIT_MM, type MmId } from '../model/types.ts';
import { common, name, untilText, type OpDef } from './def.ts';

type RefDo = 'mmget' | 'mmget_not_zero' | 'mmput' | 'mmgrab' | 'mmdrop';
export type RefOp = { do: RefDo; mm: MmId };

function refOp<D extends RefDo>(op: D) {
  const schema = z.strictObject({ ...common, do: z.literal(op), mm: name });
  const def: OpDef<typeof schema, RefOp> = {
    schema,
    check: (f, n) => (!n.mms.has(f.mm) ? ['mm', `mm ${f.mm} is not defined`] : null),
    resolve(k, f) {
      const m = k.names.mm(k.s.mms, f.mm);
      return m < 0 ? `mm ${f.mm} does not exist (yet)` : { do: op, mm: m };
    },
    refuse(k, _c, o) {
      const m = k.s.mms[o.mm];
      if (o.mm === INIT_MM) return 'init_mm is not refcounted by scenarios';
      if (m.state === 'freed') return `${m.name} has been freed`;
      if (op === 'mmdrop' && m.extra_pins === 0) return `no mmgrab pin of the scenario is held on ${m.name}`;
      return null;
    },
    start(k, _c, o) {
      if (op === 'mmdrop') k.mm(o.mm).extra_pins--; // ghost: the scenario's own pin goes
      return { fn: op, args: { mm: o.mm } };
    },
    describe: (f) => `${f.do}(${f.mm})${untilText(f)}`,
  };
  return def;
}

export const mmgetOp = refOp('mmget');
export const mmgetNotZeroOp = refOp('mmget_not_zero');
export const mmputOp = refOp('mmput');
export const mmgrabOp = refOp('mmgrab');
export const mmdropOp = refOp('mmdrop');
