/**
 * Copies of states, with structural sharing.
 *
 * Immutability contract of the working state (what the micro-steps may and may not do), which lets copies share:
 *   - replaced, never written in place: a CPU's TLB and a device's IOTLB (persistent indexed values, model/tlb.ts)
 *     and their entries, ctxs[] slots, IPI records, an mm's pte / pt / unflushed / sec_unflushed maps (persistent
 *     radix maps, model/radix.ts: a change replaces only the tables on its path, so versions share the rest) and
 *     unhooked list, a CPU's asid_of record and rcu_cbs list, the arm64 ASID allocator (asid_alloc), a page's may_walk
 *     and rmap lists, device inflight ranges;
 *   - written in place: the fields of Cpu, Task, Mm, Page, Device objects themselves, an mm's cpumask, the arrays
 *     that hold device inflight ranges / ctxs / IPIs, and call frames (a CPU's stack).
 * A copy therefore duplicates the objects and the written-in-place arrays and shares everything else; a keyframe also
 * shares whole chunks of the task, mm and page lists (KEYFRAME_CHUNK), so its cost is that of what changed. Tests freeze
 * keyframes (`freeze`), so any write that breaks the contract throws instead of silently corrupting history.
 */
import type { Cpu, Device, Frame, Mm, Page, SimState, Snapshot, Task } from './types.ts';
import { tlbInOrder, tlbList } from './tlb.ts';

export function deepClone<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = deepClone(v[i]);
    return out as T;
  }
  // a spread (V8 copies the object's layout at once), then its object values replaced by copies: adding the keys one
  // by one was several times slower
  const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  for (const key in out) {
    const x = out[key];
    if (x !== null && typeof x === 'object') out[key] = deepClone(x);
  }
  return out as T;
}

/**
 * One object's copy: itself and what is written in place inside it (see the contract above). A CPU is copied field by
 * field, in makeCpu's order (model/make.ts: key order shows in JSON and in the explorer's hash), rather than by a
 * spread: the explorer copies a CPU per move, and the literal builds one object layout for every copy. The type makes
 * a missing field a compile error (a test checks the order).
 */
export function cloneCpu(c: Cpu): Cpu {
  return cpuWithStack(c, c.stack.map(cloneFrame));
}

/**
 * A CPU's copy for a kernel in copy-on-write mode (Kernel.own): only its top frame is copied, the frames below are
 * shared with the original, and the kernel copies one of them before writing it (Kernel.ownFrame): a micro-step
 * writes its top frame, and the frames below only when it returns to one (then it is the top at the next step) or
 * through an mmu_gather declared below (kernel/mmu_gather.ts gatherOf).
 */
export function cloneCpuTop(c: Cpu): Cpu {
  const stack = c.stack.slice();
  if (stack.length) stack[stack.length - 1] = cloneFrame(stack[stack.length - 1]);
  return cpuWithStack(c, stack);
}

function cpuWithStack(c: Cpu, stack: Frame[]): Cpu {
  const out: Cpu = {
    id: c.id, curr: c.curr, mode: c.mode, irqs_off: c.irqs_off, prev_mm: c.prev_mm, membarrier_state: c.membarrier_state,
    loaded_mm: c.loaded_mm, tag: c.tag, is_lazy: c.is_lazy, ctxs: c.ctxs.slice(), next_asid: c.next_asid,
    asid_of: c.asid_of, asid_next: c.asid_next, asid_gen: c.asid_gen, active_asids: c.active_asids, reserved_asids: c.reserved_asids,
    user_asce: c.user_asce, tlb: c.tlb, ipi_queue: c.ipi_queue.slice(), stack, op: c.op, until: c.until,
    needs_core_sync: c.needs_core_sync, serialized_since_curr_store: c.serialized_since_curr_store, curr_stores: c.curr_stores,
    mid_switch: c.mid_switch, rcu_cbs: c.rcu_cbs, full_mb: c.full_mb, mb_stores: c.mb_stores, unordered_entry: c.unordered_entry,
  };
  CPU_OPTIONAL.now(c, out);
  return out;
}

type OptionalKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];

/**
 * How cpuWithStack copies each optional field of a CPU, set only in some runs, after the others (as in the original,
 * where it is added later: a copy keeps the original's key order). Its type lists every optional field of Cpu, so a
 * new one is a compile error here until it is copied too (Cpu.now was once left out: a seek then lost the clock).
 */
const CPU_OPTIONAL: { readonly [K in OptionalKeys<Cpu>]: (from: Cpu, to: Cpu) => void } = {
  // the trace clock, in runs with step times (set by the first timed step on the CPU: ops/resolve.ts tick)
  now: (from, to) => {
    if (from.now !== undefined) to.now = from.now;
  },
};

/**
 * A call frame's copy: its fields are strings and flags, its locals plain data (deepClone of the frame, unrolled). A
 * literal in the engine's order (Kernel.callFn, deliverIpi), `irq` only when the frame has it.
 */
export function cloneFrame(f: Frame): Frame {
  const l: Record<string, unknown> = { ...f.l };
  for (const key in l) {
    const v = l[key];
    if (v !== null && typeof v === 'object') l[key] = deepClone(v);
  }
  return 'irq' in f ? { fn: f.fn, pc: f.pc, l, ret: f.ret, irq: f.irq } : { fn: f.fn, pc: f.pc, l, ret: f.ret };
}

/** The other objects' copies, likewise (spreads: they are copied far less often than CPUs). */
export const cloneTask = (t: Task): Task => ({ ...t });
export const cloneMm = (m: Mm): Mm => ({ ...m, cpumask: m.cpumask.slice(), notifiers: m.notifiers.slice() });
export const clonePage = (p: Page): Page => ({ ...p });
export const cloneDevice = (d: Device): Device => ({ ...d, inflight: d.inflight.slice() });

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
 * Tasks, mms and pages are created by the run and never removed, so a keyframe that held them in one array would copy
 * every one of them (a pointer each) however few changed, and the keyframes of a long run would grow with the square
 * of its length. A keyframe holds them in chunks of CHUNK objects, grouped in blocks of CHUNK chunks, and shares every
 * chunk, and every block, in which nothing changed with the previous keyframe: its cost is that of what changed
 * (CHUNK per changed object at most), plus one pointer per block.
 */
export const KEYFRAME_CHUNK = 32;
const CHUNK = KEYFRAME_CHUNK;
const BLOCK = CHUNK * CHUNK;

/** A list as blocks of up to CHUNK chunks of up to CHUNK items (only the last chunk and block may be shorter). */
export type Chunked<T> = T[][][];

/** A keyframe: a state whose growing lists are chunked (see KEYFRAME_CHUNK). Never mutated. */
export type KeyState = Omit<SimState, 'tasks' | 'mms' | 'pages' | 'free_list'> & {
  tasks: Chunked<Task>;
  mms: Chunked<Mm>;
  pages: Chunked<Page>;
  free_list: number[][];
};

/** Items in a block or chunk that starts at `lo` and spans up to `span` of a list of n. */
const sizeAt = (n: number, lo: number, span: number) => Math.min(n - lo, span);
/** Items a block holds. */
const blockSize = (b: readonly (readonly unknown[])[]) => (b.length ? (b.length - 1) * CHUNK + b[b.length - 1].length : 0);

function chunked<T>(now: T[], before: Chunked<T> | undefined, dirty: Set<number> | null, clone: (x: T) => T): Chunked<T> {
  const out: Chunked<T> = new Array(Math.ceil(now.length / BLOCK));
  const touched = new Set<number>();
  if (before && dirty) for (const id of dirty) touched.add(Math.floor(id / CHUNK));
  for (let b = 0; b < out.length; b++) {
    const blo = b * BLOCK;
    const bsize = sizeAt(now.length, blo, BLOCK);
    const prevBlock = before && dirty ? before[b] : undefined;
    const block: T[][] = new Array(Math.ceil(bsize / CHUNK));
    let shared = !!prevBlock && blockSize(prevBlock) === bsize;
    for (let c = 0; c < block.length; c++) {
      const lo = blo + c * CHUNK;
      const len = sizeAt(now.length, lo, CHUNK);
      const prev = prevBlock?.[c];
      if (prev && prev.length === len && !touched.has(lo / CHUNK)) {
        block[c] = prev;
        continue;
      }
      shared = false;
      const chunk = new Array<T>(len);
      for (let i = 0; i < len; i++) chunk[i] = prev && i < prev.length && !dirty!.has(lo + i) ? prev[i] : clone(now[lo + i]);
      block[c] = chunk;
    }
    out[b] = shared ? prevBlock! : block;
  }
  return out;
}

/** The free list in chunks of BLOCK: a chunk equal to the previous keyframe's is shared (the list is a stack: most are). */
function chunkedIds(now: number[], before: number[][] | undefined): number[][] {
  const n = Math.ceil(now.length / BLOCK);
  const out: number[][] = new Array(n);
  for (let c = 0; c < n; c++) {
    const lo = c * BLOCK;
    const len = sizeAt(now.length, lo, BLOCK);
    const prev = before?.[c];
    let same = !!prev && prev.length === len;
    for (let i = 0; same && i < len; i++) same = prev![i] === now[lo + i];
    out[c] = same ? prev! : now.slice(lo, lo + len);
  }
  return out;
}

function flat<T>(blocks: Chunked<T>, clone: (x: T) => T): T[] {
  const out: T[] = [];
  for (const block of blocks) for (const chunk of block) for (const x of chunk) out.push(clone(x));
  return out;
}

/**
 * A keyframe of `s`: objects not in `dirty` are taken from `prev` (the previous keyframe) as they are; dirty or new
 * ones are copied; chunks of the task, mm and page lists with nothing dirty are shared. With prev = null, everything
 * is copied.
 */
export function keyframeOf(s: SimState, prev: KeyState | null, dirty: DirtySets): KeyState {
  return {
    arch: s.arch,
    config: prev ? prev.config : { ...s.config },
    cpus: share(s.cpus, prev?.cpus, dirty.cpus, cloneCpu),
    tasks: chunked(s.tasks, prev?.tasks, prev ? dirty.tasks : null, cloneTask),
    mms: chunked(s.mms, prev?.mms, prev ? dirty.mms : null, cloneMm),
    pages: chunked(s.pages, prev?.pages, prev ? dirty.pages : null, clonePage),
    free_list: chunkedIds(s.free_list, prev?.free_list),
    devices: share(s.devices, prev?.devices, dirty.devices, cloneDevice),
    next_ctx_id: s.next_ctx_id,
    next_ipi_id: s.next_ipi_id,
    asid_alloc: s.asid_alloc,
    ipis_inflight: deepClone(s.ipis_inflight),
    counters: { ...s.counters },
  };
}

/** A working copy of a (frozen) keyframe: the objects written in place are copied, the rest shared. */
export function workingCopy(k: KeyState): SimState {
  return {
    arch: k.arch,
    config: { ...k.config },
    cpus: k.cpus.map(cloneCpu),
    tasks: flat(k.tasks, cloneTask),
    mms: flat(k.mms, cloneMm),
    pages: flat(k.pages, clonePage),
    free_list: k.free_list.flat(),
    devices: k.devices.map(cloneDevice),
    next_ctx_id: k.next_ctx_id,
    next_ipi_id: k.next_ipi_id,
    asid_alloc: k.asid_alloc,
    ipis_inflight: deepClone(k.ipis_inflight),
    counters: { ...k.counters },
  };
}

/**
 * An independent working copy of a working state (a branch of an exploration): what is written in place is copied,
 * what is replaced, never written, is shared (see the contract above).
 */
export function cloneState(s: SimState): SimState {
  return {
    arch: s.arch,
    config: s.config,
    cpus: s.cpus.map(cloneCpu),
    tasks: s.tasks.map(cloneTask),
    mms: s.mms.map(cloneMm),
    pages: s.pages.map(clonePage),
    free_list: s.free_list.slice(),
    devices: s.devices.map(cloneDevice),
    next_ctx_id: s.next_ctx_id,
    next_ipi_id: s.next_ipi_id,
    asid_alloc: s.asid_alloc,
    ipis_inflight: deepClone(s.ipis_inflight),
    counters: { ...s.counters },
  };
}

/**
 * A working copy of a working state that shares its CPU, task, mm, page and device objects with `s` (new lists holding
 * the same objects), and its table of IPIs in flight: only for a kernel in copy-on-write mode (Kernel.shareObjects),
 * whose write accessors copy an object (and the kernel the table) before its first write, and whose source state is
 * not written in place after (it shares too).
 */
export function shareState(s: SimState): SimState {
  return {
    arch: s.arch,
    config: s.config,
    cpus: s.cpus.slice(),
    tasks: s.tasks.slice(),
    mms: s.mms.slice(),
    pages: s.pages.slice(),
    free_list: s.free_list.slice(),
    devices: s.devices.slice(),
    next_ctx_id: s.next_ctx_id,
    next_ipi_id: s.next_ipi_id,
    asid_alloc: s.asid_alloc,
    ipis_inflight: s.ipis_inflight,
    counters: { ...s.counters },
  };
}

/** Deep-freeze (tests): any later write into a keyframe, or into what it shares, throws. */
export function freeze<T>(v: T): T {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return v;
  Object.freeze(v);
  for (const key in v as Record<string, unknown>) freeze((v as Record<string, unknown>)[key]);
  return v;
}

/**
 * What a snapshot shows of a state (the working state itself is not handed out): each CPU's TLB and each device's
 * IOTLB as the list of its entries in fill order (model/tlb.ts). O(entries), like the copy a seek makes anyway.
 */
export function snapshotOf(s: SimState): Snapshot {
  return {
    ...s,
    cpus: s.cpus.map((c) => ({ ...c, tlb: tlbList(c.tlb) })),
    devices: s.devices.map((d) => ({ ...d, tlb: tlbInOrder(d.tlb).map(({ va, page, write, gen }) => ({ va, page, write, gen })) })),
  };
}
