/**
 * `flush`: a TLB flush of an mm's range (or of the whole mm) started by this CPU, through the arch's
 * flush_tlb_mm_range (x86 arch/x86/mm/tlb.c, and each arch's equivalent), with no page-table change of its own. It
 * stands for the flushes a kernel trace shows whose cause the scenario does not model (mprotect, a COW fault, fork's
 * flush_tlb_mm of the parent, ...): whether it is local or reaches other CPUs is the arch's decision (mm_cpumask,
 * lazy CPUs), as in the kernel.
 */
import { z } from 'zod';
import { INIT_MM, NONE, type MmId } from '../model/types.ts';
import { address, common, name, untilText, vpnOf, type OpDef } from './def.ts';

const schema = z.strictObject({
  ...common,
  do: z.literal('flush'),
  mm: name.optional(),
  va: address.optional(),
  pages: z.number().int().positive().max(1 << 20).optional(),
  freed_tables: z.boolean().optional(),
});
/** mm: NONE for the current task's mm; end -1: the whole mm. */
export type FlushOp = { do: 'flush'; mm: MmId; start: number; end: number; freed_tables: boolean };

export const flushOp: OpDef<typeof schema, FlushOp> = {
  schema,
  check(f, n) {
    if (f.mm !== undefined && !n.mms.has(f.mm)) return ['mm', `mm ${f.mm} is not defined`];
    if (f.pages !== undefined && f.va === undefined) return ['pages', 'pages needs va (without va the whole mm is flushed)'];
    return null;
  },
  resolve(k, f) {
    const start = f.va === undefined ? 0 : vpnOf(f.va);
    const end = f.va === undefined ? -1 : start + (f.pages ?? 1);
    if (f.mm === undefined) return { do: 'flush', mm: NONE, start, end, freed_tables: !!f.freed_tables };
    const m = k.names.mm(k.s.mms, f.mm);
    return m < 0 ? `mm ${f.mm} does not exist (yet)` : { do: 'flush', mm: m, start, end, freed_tables: !!f.freed_tables };
  },
  refuse(k, c, op, cur) {
    if (op.mm === NONE) return cur.mm === NONE ? `${cur.name} on CPU${c} has no mm of its own; name the mm to flush` : null;
    if (op.mm === INIT_MM) return 'init_mm has no user range to flush';
    const m = k.s.mms[op.mm];
    return m.state === 'freed' ? `${m.name} has been freed` : null;
  },
  start(k, c, op) {
    const mm = op.mm === NONE ? k.s.tasks[k.s.cpus[c].curr].mm : op.mm;
    return { fn: k.arch.fns.flush_tlb_mm_range, args: { mm, start: op.start, end: op.end, freed_tables: op.freed_tables } };
  },
  describe: (f) =>
    `flush ${f.mm ?? 'current mm'}${f.va === undefined ? ' (all)' : ` ${f.va}${f.pages && f.pages > 1 ? ` +${f.pages} pages` : ''}`}${f.freed_tables ? ', page tables freed' : ''}${untilText(f)}`,
};
