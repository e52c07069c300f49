/** `gup_fast`: a lockless page-table walk of the current task's mm with interrupts off (mm/gup.c gup_fast). */
import { z } from 'zod';
import { address, common, noMm, untilText, vpnOf, type OpDef } from './def.ts';

const schema = z.strictObject({ ...common, do: z.literal('gup_fast'), va: address });
export type GupFastOp = { do: 'gup_fast'; va: number };

export const gupFastOp: OpDef<typeof schema, GupFastOp> = {
  schema,
  resolve: (_k, f) => ({ do: 'gup_fast', va: vpnOf(f.va) }),
  // current->mm: a user task, or a kernel thread inside use_mm (Linus Torvalds, 2018: use_mm users can do gup_fast)
  refuse: (_k, c, _op, cur) => noMm(cur, c),
  start: (_k, _c, op) => ({ fn: 'gup_fast', args: { va: op.va, mm: -1, walk_table: -1, walk_gen: 0, page: -1 } }),
  describe: (f) => `GUP-fast walk of ${f.va}${untilText(f)}`,
};
