/** `reclaim`: page reclaim unmaps a page from every mm that maps it (try_to_unmap). */
import { z } from 'zod';
import type { PageId } from '../model/types.ts';
import { common, name, untilText, type OpDef } from './def.ts';

const schema = z.strictObject({ ...common, do: z.literal('reclaim'), page: name });
export type ReclaimOp = { do: 'reclaim'; page: PageId };

export const reclaimOp: OpDef<typeof schema, ReclaimOp> = {
  schema,
  check: (f, n) => (!n.pages.has(f.page) ? ['page', `page ${f.page} is not defined`] : null),
  resolve(k, f) {
    const p = k.names.page(k.s.pages, f.page);
    return p < 0 ? `page ${f.page} does not exist (yet)` : { do: 'reclaim', page: p };
  },
  refuse(k, _c, op) {
    const pg = k.s.pages[op.page];
    if (pg.freed) return `page ${pg.name} is free`;
    if (pg.kind !== 'data') return `page ${pg.name} is a page-table page`;
    return null;
  },
  start: (_k, _c, op) => ({ fn: 'try_to_unmap', args: { page: op.page } }),
  describe: (f) => `reclaim page ${f.page}${untilText(f)}`,
};
