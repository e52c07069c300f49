/**
 * What one move of the explorer touched, recorded while it runs: the footprint its partial-order reduction decides
 * independence by (explore/explore.ts, docs/engine.md "Partial-order reduction").
 *
 * Reads: while a move runs (its guard or refusal, its effect, and the checker's judging of it), the state's lists of
 * CPUs, tasks, mms, pages and devices are seen through proxies that note every object taken from them, and the state
 * itself through one that notes every other field used. Writes: the objects the kernel's write accessors marked
 * (`Kernel.kfDirty`: every write to a CPU, task, mm, page or device goes through them, model/clone.ts), a field of the
 * state assigned, and the global lists written in place (in-flight IPIs, the free list), which count as written
 * whenever they are used. Granularity is the object: two moves that use the same object, one of them writing it, are
 * dependent.
 *
 * A move is dependent on every other (`all`) when what it did is not captured by its objects: it raised a finding, it
 * changed the checker's judging state or the engine's (the mms of the operations in flight, the objects carried to the
 * next check), it started from a state whose last move left objects for the next check, or it is an IPI delivery or a
 * hardware move.
 */
import type { SimState } from '../model/types.ts';

/** An object of the state as a number: kind * 2^24 + index. */
const CPUS = 1 << 24;
const TASKS = 2 << 24;
const MMS = 3 << 24;
const PAGES = 4 << 24;
const DEVICES = 5 << 24;
/** The length of a list (objects created, names resolved). */
const LENGTH = 6 << 24;
/** Any other field of the state, by name. */
const GLOBAL = 7 << 24;

const LISTS: Record<string, number> = { cpus: CPUS, tasks: TASKS, mms: MMS, pages: PAGES, devices: DEVICES };
const globalIds = new Map<string, number>();
const globalOf = (name: string): number => {
  let id = globalIds.get(name);
  if (id === undefined) globalIds.set(name, (id = GLOBAL + globalIds.size));
  return id;
};
/**
 * Fields of the state that are not objects of a list: constant (`arch`, `config`), or left out of the canonical state
 * as they change no future (`counters`, `next_ipi_id`: IPI ids are renumbered).
 */
const IGNORED = new Set(['arch', 'config', 'counters', 'next_ipi_id']);
/** Global values written in place (not by assignment to the state's field): any use counts as a write. */
const IN_PLACE = new Set(['ipis_inflight', 'free_list']);

export class Footprint {
  reads = new Set<number>();
  writes = new Set<number>();
  /** Dependent on every other move (see the header comment). */
  all = false;

  /** Whether this move and `o`, both enabled at one state, commute there: neither writes what the other uses. */
  independent(o: Footprint): boolean {
    if (this.all || o.all) return false;
    for (const w of this.writes) if (o.reads.has(w) || o.writes.has(w)) return false;
    for (const w of o.writes) if (this.reads.has(w)) return false;
    return true;
  }
}

let current: Footprint | null = null;

/** The handlers of a list's view, one per kind of object (no allocation per move). */
function listHandler(kind: number): ProxyHandler<object[]> {
  return {
    get(target, prop, receiver) {
      if (current && typeof prop === 'string') {
        const i = prop.charCodeAt(0) - 48;
        if (i >= 0 && i <= 9) current.reads.add(kind + Number(prop));
        else if (prop === 'length') current.reads.add(LENGTH + (kind >> 24));
      }
      return Reflect.get(target, prop, receiver);
    },
    set(target, prop, value, receiver) {
      if (current) {
        current.writes.add(LENGTH + (kind >> 24));
        if (typeof prop === 'string' && prop !== 'length') current.writes.add(kind + Number(prop));
      }
      return Reflect.set(target, prop, value, receiver);
    },
  };
}
const LIST_HANDLERS: Record<string, ProxyHandler<object[]>> = Object.fromEntries(Object.entries(LISTS).map(([name, kind]) => [name, listHandler(kind)]));

/** The views of the lists of the state being tracked, made when first used. */
let views: Record<string, object[] | undefined> = {};

const STATE_HANDLER: ProxyHandler<SimState> = {
  get(target, prop, receiver) {
    if (typeof prop === 'string') {
      const h = LIST_HANDLERS[prop];
      if (h) return (views[prop] ??= new Proxy(target[prop as 'cpus'] as object[], h));
      if (current && !IGNORED.has(prop)) {
        const id = globalOf(prop);
        current.reads.add(id);
        if (IN_PLACE.has(prop)) current.writes.add(id);
      }
    }
    return Reflect.get(target, prop, receiver);
  },
  set(target, prop, value, receiver) {
    if (current && typeof prop === 'string' && !IGNORED.has(prop)) current.writes.add(globalOf(prop));
    if (typeof prop === 'string' && LIST_HANDLERS[prop]) views[prop] = undefined;
    return Reflect.set(target, prop, value, receiver);
  },
};

/**
 * A view of `s` that records into `fp` what is used through it, for as long as `run` runs; the state is changed only
 * through the view's forwarding.
 */
export function track<T>(s: SimState, fp: Footprint, run: (view: SimState) => T): T {
  const was = current;
  const wasViews = views;
  current = fp;
  views = {};
  try {
    return run(new Proxy(s, STATE_HANDLER));
  } finally {
    current = was;
    views = wasViews;
  }
}

/** Note the objects the kernel's write accessors marked (`Kernel.kfDirty`) as written, and as used. */
export function noteWrites(fp: Footprint, dirty: { cpus: Set<number>; tasks: Set<number>; mms: Set<number>; pages: Set<number>; devices: Set<number> }): void {
  const add = (ids: Set<number>, kind: number) => {
    for (const i of ids) {
      fp.writes.add(kind + i);
      fp.reads.add(kind + i);
    }
  };
  add(dirty.cpus, CPUS);
  add(dirty.tasks, TASKS);
  add(dirty.mms, MMS);
  add(dirty.pages, PAGES);
  add(dirty.devices, DEVICES);
}

/** A CPU's own object, used and written by every move of that CPU (its stack, its IPI queue). */
export function noteCpu(fp: Footprint, cpu: number): void {
  fp.reads.add(CPUS + cpu);
  fp.writes.add(CPUS + cpu);
}
