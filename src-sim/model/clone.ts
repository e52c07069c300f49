/**
 * Copies of states, with structural sharing.
 *
 * Immutability contract of the working state (what the micro-steps may and may not do), which lets copies share:
 *   - replaced, never written in place: TLB entries, ctxs[] slots, IPI records, an mm's pte / pt / unflushed /
 *     sec_unflushed records and unhooked list, a CPU's asid_of record, a page's may_walk list, device TLB entries
 *     and inflight ranges;
 *   - written in place: the fields of Cpu, Task, Mm, Page, Device objects themselves, an mm's cpumask, the arrays
 *     that hold TLB entries / ctxs / IPIs, and call frames (a CPU's stack).
 * A copy therefore duplicates the objects and the written-in-place arrays and shares everything else. Tests freeze
 * keyframes (`freeze`), so any write that breaks the contract throws instead of silently corrupting history.
 */
import type { Cpu, Device, Mm, Page, SimState, Task } from './types.ts';

export function deepClone<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = deepClone(v[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const key in v as Record<string, unknown>) out[key] = deepClone((v as Record<string, unknown>)[key]);
  return out as T;
}

const cloneCpu = (c: Cpu): Cpu => ({ ...c, tlb: c.tlb.slice(), ctxs: c.ctxs.slice(), ipi_queue: c.ipi_queue.slice(), stack: deepClone(c.stack) });
const cloneTask = (t: Task): Task => ({ ...t });
const cloneMm = (m: Mm): Mm => ({ ...m, cpumask: m.cpumask.slice(), notifiers: m.notifiers.slice() });
const clonePage = (p: Page): Page => ({ ...p });
const cloneDevice = (d: Device): Device => ({ ...d, tlb: d.tlb.slice(), inflight: d.inflight.slice() });

export interface DirtySets {
  cpus: Set<number>;
  tasks: Set<number>;
  mms: Set<number>;
  pages: Set<number>;
  devices: Set<number>;
}

function share<T>(now: T[], before: T[] | undefined, dirty: Set<number> | null, clone: (x: T) => T): T[] {
  const out = new Array<T>(now.length);
  for (let i = 0; i < now.length; i++) out[i] = before && dirty && i < before.length && !dirty.has(i) ? before[i] : clone(now[i]);
  return out;
}

/**
 * A copy of `s` for a keyframe: objects not in `dirty` are taken from `prev` (the previous keyframe) as they are;
 * dirty or new ones are copied. With prev = null, everything is copied.
 */
export function keyframeOf(s: SimState, prev: SimState | null, dirty: DirtySets): SimState {
  return {
    arch: s.arch,
    config: prev ? prev.config : { ...s.config },
    cpus: share(s.cpus, prev?.cpus, dirty.cpus, cloneCpu),
    tasks: share(s.tasks, prev?.tasks, dirty.tasks, cloneTask),
    mms: share(s.mms, prev?.mms, dirty.mms, cloneMm),
    pages: share(s.pages, prev?.pages, dirty.pages, clonePage),
    free_list: s.free_list.slice(),
    devices: share(s.devices, prev?.devices, dirty.devices, cloneDevice),
    next_ctx_id: s.next_ctx_id,
    next_ipi_id: s.next_ipi_id,
    ipis_inflight: deepClone(s.ipis_inflight),
    counters: { ...s.counters },
  };
}

/** A working copy of a (frozen) keyframe: the objects written in place are copied, the rest shared. */
export function workingCopy(s: SimState): SimState {
  return keyframeOf(s, null, { cpus: new Set(), tasks: new Set(), mms: new Set(), pages: new Set(), devices: new Set() });
}

/** Deep-freeze (tests): any later write into a keyframe, or into what it shares, throws. */
export function freeze<T>(v: T): T {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return v;
  Object.freeze(v);
  for (const key in v as Record<string, unknown>) freeze((v as Record<string, unknown>)[key]);
  return v;
}
