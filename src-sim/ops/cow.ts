/** `cow`: break copy-on-write at an address (wp_page_copy: a new page replaces the shared one). */
import { z } from 'zod';
import { rhas } from '../model/radix.ts';
import { address, common, hexVa, noMm, untilText, vpnOf, type OpDef } from './def.ts';

const schema = z.strictObject({ ...common, do: z.literal('cow'), va: address });
export type CowOp = { do: 'cow'; va: number };

export const cowOp: OpDef<typeof schema, CowOp> = {
  schema,
  resolve: (_k, f) => ({ do: 'cow', va: vpnOf(f.va) }),
  refuse(k, c, op, cur) {
    const e = noMm(cur, c);
    if (e) return e;
    const m = k.s.mms[cur.mm];
    if (!rhas(m.pte, op.va)) return `nothing is mapped at ${hexVa(op.va)} in ${m.name}`;
    return null;
  },
  start: (_k, _c, op) => ({ fn: 'wp_page_copy', args: { va: op.va } }),
  describe: (f) => `COW break at ${f.va}${untilText(f)}`,
};
