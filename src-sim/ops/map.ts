/** `map`: a page fault that maps a page at an address (handle_mm_fault), a fresh one or a named one. */
import { z } from 'zod';
import type { Kernel } from '../engine/kernel.ts';
import { rhas } from '../model/radix.ts';
import type { PageId } from '../model/types.ts';
import { address, common, hexVa, name, noMm, untilText, vpnOf, type OpDef } from './def.ts';

const schema = z.strictObject({ ...common, do: z.literal('map'), va: address, page: name.optional(), write: z.boolean().optional() });
export type MapOp = { do: 'map'; va: number; page: PageId | null; write: boolean };

export const mapOp: OpDef<typeof schema, MapOp> = {
  schema,
  creates: (f, n) => void (f.page && n.pages.add(f.page)),
  resolve(k, f) {
    let p: number | null = null;
    if (f.page) {
      p = k.names.page(k.s.pages, f.page);
      if (p < 0) p = newNamedPage(k, f.page);
    }
    return { do: 'map', va: vpnOf(f.va), page: p, write: f.write ?? true };
  },
  refuse(k, c, op, cur) {
    const s = k.s;
    if (op.page !== null && s.pages[op.page].freed) return `page ${s.pages[op.page].name} is free`;
    const e = noMm(cur, c);
    if (e) return e;
    const m = s.mms[cur.mm];
    // A fault on a present PTE does not replace it: unmap first, or break COW with "cow".
    if (rhas(m.pte, op.va)) return `${hexVa(op.va)} is already mapped in ${m.name} (munmap it first, or use "cow")`;
    return null;
  },
  start: (_k, _c, op) => ({ fn: 'handle_mm_fault', args: { va: op.va, page: op.page ?? -1, write: op.write } }),
  describe: (f) => `map ${f.va}${f.page ? ` -> ${f.page}` : ''}${untilText(f)}`,
};

/** A page named by a `map` step that does not exist yet: a fresh frame with that name. */
function newNamedPage(k: Kernel, pageName: string): number {
  const s = k.s;
  const id = s.pages.length;
  s.pages.push({ id, name: pageName, kind: 'data', refcount: 0, freed: false, reused: 0, owner: '', region: -1, may_walk: [], rmap: [], freed_by: '' });
  k.page(id);
  return id;
}
