/**
 * Deep copies of plain state data (records, arrays, primitives), faster than structuredClone for our shapes, and
 * the keyframe copy that shares every object not written since the previous keyframe (structural sharing).
 */
import type { SimState } from './types.ts';

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

export interface DirtySets {
  cpus: Set<number>;
  tasks: Set<number>;
  mms: Set<number>;
  pages: Set<number>;
  devices: Set<number>;
}

/**
 * A frozen copy of `s` for a keyframe: objects not in `dirty` are taken from `prev` (the previous keyframe) as they
 * are; dirty or new ones are deep-copied. Top-level scalars and small records are always copied.
 */
export function keyframeOf(s: SimState, prev: SimState | null, dirty: DirtySets): SimState {
  const share = <T>(now: T[], before: T[] | undefined, set: Set<number>): T[] => {
    const out = new Array<T>(now.length);
    for (let i = 0; i < now.length; i++) out[i] = before && i < before.length && !set.has(i) ? before[i] : deepClone(now[i]);
    return out;
  };
  return {
    arch: s.arch,
    config: prev ? prev.config : deepClone(s.config),
    cpus: share(s.cpus, prev?.cpus, dirty.cpus),
    tasks: share(s.tasks, prev?.tasks, dirty.tasks),
    mms: share(s.mms, prev?.mms, dirty.mms),
    pages: share(s.pages, prev?.pages, dirty.pages),
    free_list: s.free_list.slice(),
    devices: share(s.devices, prev?.devices, dirty.devices),
    next_ctx_id: s.next_ctx_id,
    next_ipi_id: s.next_ipi_id,
    ipis_inflight: deepClone(s.ipis_inflight),
    counters: { ...s.counters },
  };
}
