/** A compact, readable summary of a state: what the CLI prints as the final state. */
import { LOADED_MM_SWITCHING, NONE, type Snapshot } from '../model/types.ts';
import { isLazy } from '../model/lazy.ts';

export interface StateSummary {
  cpus: Array<{ cpu: string; curr: string; mode: string; active_mm: string; loaded_mm: string; lazy: boolean; tlbEntries: number; prev_mm: string }>;
  mms: Array<{ mm: string; mm_users: number; mm_count: number; state: string; cpumask: string[] }>;
  tasks: Array<{ task: string; mm: string; active_mm: string; state: string }>;
  pages: Array<{ page: string; refcount: number; freed: boolean; reused: number; owner: string }>;
}

export function summarizeState(s: Snapshot): StateSummary {
  const mm = (id: number) => (id === NONE ? '-' : id === LOADED_MM_SWITCHING ? 'LOADED_MM_SWITCHING' : s.mms[id].name);
  return {
    cpus: s.cpus.map((c) => {
      const t = s.tasks[c.curr];
      return { cpu: `cpu${c.id}`, curr: t.name, mode: c.mode, active_mm: mm(t.active_mm), loaded_mm: mm(c.loaded_mm), lazy: isLazy(s, c.id), tlbEntries: c.tlb.length, prev_mm: mm(c.prev_mm) };
    }),
    mms: s.mms.map((m) => ({ mm: m.name, mm_users: m.mm_users, mm_count: m.mm_count, state: m.state, cpumask: m.cpumask.flatMap((b, i) => (b ? [`cpu${i}`] : [])) })),
    tasks: s.tasks.filter((t) => t.idle_of < 0).map((t) => ({ task: t.name, mm: mm(t.mm), active_mm: mm(t.active_mm), state: t.state })),
    pages: s.pages.map((p) => ({ page: p.name, refcount: p.refcount, freed: p.freed, reused: p.reused, owner: p.owner })),
  };
}
