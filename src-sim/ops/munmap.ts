/** `munmap`: unmap a range of pages, perhaps freeing the page tables left empty (an mmu_gather teardown). */
import { z } from 'zod';
import { address, common, noMm, untilText, vpnOf, type OpDef } from './def.ts';

const schema = z.strictObject({ ...common, do: z.literal('munmap'), va: address, pages: z.number().int().positive().max(1 << 20).optional(), free_tables: z.boolean().optional() });
export type MunmapOp = { do: 'munmap'; va: number; pages: number; free_tables: boolean };

export const munmapOp: OpDef<typeof schema, MunmapOp> = {
  schema,
  resolve: (_k, f) => ({ do: 'munmap', va: vpnOf(f.va), pages: f.pages ?? 1, free_tables: !!f.free_tables }),
  refuse: (_k, c, _op, cur) => noMm(cur, c),
  start: (_k, _c, op) => ({ fn: 'munmap', args: { start: op.va, pages: op.pages, free_tables: op.free_tables } }),
  describe: (f) => `munmap ${f.va}${f.pages && f.pages > 1 ? ` +${f.pages} pages` : ''}${f.free_tables ? ', freeing page tables' : ''}${untilText(f)}`,
};
