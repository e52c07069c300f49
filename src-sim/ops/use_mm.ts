/**
 * `use_mm` / `unuse_mm`: a kernel thread borrows a user mm and gives it back (kthread_use_mm / kthread_unuse_mm, or
 * the old use_mm / unuse_mm, as the configuration says).
 */
import { z } from 'zod';
import { NONE, type MmId } from '../model/types.ts';
import { common, curOf, name, untilText, type OpDef } from './def.ts';

const useSchema = z.strictObject({ ...common, do: z.literal('use_mm'), mm: name });
export type UseMmOp = { do: 'use_mm'; mm: MmId };

export const useMmOp: OpDef<typeof useSchema, UseMmOp> = {
  schema: useSchema,
  check: (f, n) => (!n.mms.has(f.mm) ? ['mm', `mm ${f.mm} is not defined`] : null),
  resolve(k, f) {
    const m = k.names.mm(k.s.mms, f.mm);
    return m < 0 ? `mm ${f.mm} does not exist (yet)` : { do: 'use_mm', mm: m };
  },
  refuse(k, _c, op, cur) {
    const s = k.s;
    if (!cur.kthread || cur.idle_of >= 0) return `use_mm runs in a kernel thread; ${cur.name} is ${cur.idle_of >= 0 ? 'an idle task' : 'a user task'}`;
    if (cur.mm !== NONE) return `${cur.name} is already inside use_mm(${s.mms[cur.mm].name})`;
    if (s.mms[op.mm].state === 'freed') return `${s.mms[op.mm].name} has been freed`;
    return null;
  },
  start: (k, _c, op) => ({ fn: k.s.config.use_mm, args: { mm: op.mm } }),
  describe: (f) => `use_mm(${f.mm})${untilText(f)}`,
};

const unuseSchema = z.strictObject({ ...common, do: z.literal('unuse_mm') });
export type UnuseMmOp = { do: 'unuse_mm' };

export const unuseMmOp: OpDef<typeof unuseSchema, UnuseMmOp> = {
  schema: unuseSchema,
  resolve: () => ({ do: 'unuse_mm' }),
  refuse(_k, c, _op, cur) {
    if (!cur.kthread || cur.mm === NONE) return `${cur.name} on CPU${c} is not inside use_mm`;
    return null;
  },
  start: (k, c) => ({ fn: k.s.config.use_mm === 'use_mm' ? 'unuse_mm' : 'kthread_unuse_mm', args: { mm: curOf(k, c).mm } }),
  describe: (f) => `unuse_mm${untilText(f)}`,
};
