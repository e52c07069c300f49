/**
 * arm64's ASID allocator with generations (arch/arm64/mm/context.c), used when the scenario bounds the ASID space
 * (`config.asid_bits`); unbounded, each mm keeps one ASID for ever (arm64.ts).
 *
 * A context id is what the kernel keeps in `mm->context.id` and in the per-CPU `active_asids` / `reserved_asids`:
 * generation << asid_bits | ASID. `asid_map` holds the ASIDs taken in the current generation. When `new_context` finds
 * none free, the generation goes up and `flush_context` starts the new one: every CPU's active ASID is zeroed and kept
 * as its reserved ASID (if it was already zero, because the CPU has not switched since the last rollover, the previous
 * reserved ASID is kept: the only trace of the mm that CPU still runs, lazily or not), the reserved ASIDs are marked
 * taken, and every CPU is marked in `tlb_flush_pending` so that it flushes its TLB before it next takes the slow path
 * of `check_and_switch_context`. `check_update_reserved_asid` lets an mm whose ASID was reserved keep the same number
 * in the new generation, so broadcast invalidations by that number still reach the CPUs running it.
 *
 * Shortcuts, stated: no KPTI ASID pairs, no pinned ASIDs (arm64_mm_context_get, for SVA), no CnP; the slow path (under
 * cpu_asid_lock) is one atomic micro-step; 2^asid_bits may be any power of two (the hardware has 8 or 16 bits).
 */
import type { Kernel } from '../engine/kernel.ts';
import type { Decision } from '../engine/policy.ts';
import type { AsidAlloc, Config, CpuId, MmId, SimState } from '../model/types.ts';

/** NUM_USER_ASIDS (also ASID_FIRST_VERSION: one generation step). */
export const numAsids = (config: Readonly<Config>): number => 2 ** config.asid_bits;
/** The ASID part of a context id. */
export const asidOf = (k: Kernel, ctx: number): number => ctx % numAsids(k.s.config);
/** The generation part of a context id (0 for none). */
export const generationOf = (k: Kernel, ctx: number): number => Math.floor(ctx / numAsids(k.s.config));

/** asids_init: the first generation, nothing taken, nobody pending. */
export function asidsInit(s: SimState): void {
  if (!s.config.asid_bits) return;
  s.asid_alloc = { asid_generation: numAsids(s.config), asid_map: [], cur_idx: 1, tlb_flush_pending: s.cpus.map(() => false) };
}

/** Why an arm64 configuration cannot run (asids_init's warning: one more ASID than CPUs, besides init_mm's 0). */
export function asidConfigError(config: Readonly<Config>, cpus: number): string | null {
  const n = numAsids(config);
  if (config.asid_bits && n - 1 <= cpus) {
    return `asid_bits ${config.asid_bits} gives ${n} ASIDs, too few for ${cpus} CPUs on arm64: after a rollover each CPU may hold one reserved and ASID 0 is init_mm's (asids_init wants ASIDs - 1 > CPUs; use asid_bits ${Math.ceil(Math.log2(cpus + 2))} or more)`;
  }
  return null;
}

/** What the ASID decisions read: a working state or a snapshot. */
export interface AsidState {
  readonly config: Readonly<Config>;
  readonly asid_alloc: Readonly<AsidAlloc> | null;
  readonly cpus: ReadonlyArray<{ readonly active_asids: number }>;
}

const sameGeneration = (s: AsidState, ctx: number): boolean =>
  Math.floor(ctx / numAsids(s.config)) === Math.floor(s.asid_alloc!.asid_generation / numAsids(s.config));

/**
 * check_and_switch_context with a bounded ASID space: the lock-free fast path (the mm's ASID is of the current
 * generation and this CPU's active_asids was not zeroed by a rollover since its last switch), or the slow path under
 * cpu_asid_lock, and why. Pure.
 */
export function asidPathDecision(s: AsidState, c: CpuId, ctx: number): Decision & { fast: boolean } {
  if (s.cpus[c].active_asids === 0) return { fast: false, decision: 'slow path', reason: 'active_asids is 0: a rollover since this CPU last switched (check_and_switch_context)' };
  if (!sameGeneration(s, ctx)) return { fast: false, decision: 'slow path', reason: 'the mm\'s context is not of the current generation (asid_gen_match fails, check_and_switch_context)' };
  return { fast: true, decision: 'fast path', reason: 'the mm\'s ASID is of the current generation and active_asids is set (cmpxchg_relaxed, check_and_switch_context)' };
}

/** The slow path under cpu_asid_lock, first: a new context if the mm's is not of the current generation, or none. Pure. */
export function asidNewContextDecision(s: AsidState, ctx: number): Decision | null {
  return sameGeneration(s, ctx) ? null : { decision: 'new context', reason: 'the mm\'s context is not of the current generation: its reserved ASID or a free one, rolling over if none (new_context)' };
}

/** Then: a local TLB flush if a rollover (this one or an earlier one) left one pending for this CPU, or none. Pure. */
export function asidFlushPendingDecision(s: AsidState, c: CpuId): Decision | null {
  return s.asid_alloc!.tlb_flush_pending[c] ? { decision: 'local TLB flush', reason: 'tlb_flush_pending set by a rollover (check_and_switch_context: local_flush_tlb_all)' } : null;
}

/** The mm's ASID is of the current generation (asid_gen_match). */
export function generationMatches(k: Kernel, ctx: number): boolean {
  return generationOf(k, ctx) === generationOf(k, k.s.asid_alloc!.asid_generation);
}

/** find_next_zero_bit over the sorted list of taken ASIDs; NUM_USER_ASIDS if none. */
function findNextFree(taken: readonly number[], n: number, from: number): number {
  const set = new Set(taken);
  for (let a = from; a < n; a++) if (!set.has(a)) return a;
  return n;
}

/** flush_context: start a new generation (the caller already raised asid_generation). */
function flushContext(k: Kernel, a: AsidAlloc): void {
  const reserve = k.s.config.arm64_reserved_asids;
  const taken = new Set<number>();
  for (const cpu of k.s.cpus) {
    const w = k.cpu(cpu.id);
    let asid = w.active_asids;
    w.active_asids = 0;
    if (!reserve) {
      // The knob: nothing survives the rollover, not even the ASID a CPU still has loaded.
      w.reserved_asids = 0;
      continue;
    }
    // Not switched since the last rollover: its reserved ASID is the only trace of the mm it still runs.
    if (asid === 0) asid = w.reserved_asids;
    taken.add(asidOf(k, asid));
    w.reserved_asids = asid;
  }
  a.asid_map = [...taken].sort((x, y) => x - y);
  // Queue a local TLB flush on every CPU (the knob off: none, so ASIDs of the old generation keep their entries).
  if (k.s.config.arm64_tlb_flush_pending) a.tlb_flush_pending = k.s.cpus.map(() => true);
}

/** check_update_reserved_asid: every CPU that reserved `asid` now reserves `newasid`; whether any did. */
function checkUpdateReservedAsid(k: Kernel, asid: number, newasid: number): boolean {
  let hit = false;
  for (const cpu of k.s.cpus) {
    if (cpu.reserved_asids !== asid) continue;
    hit = true;
    k.cpu(cpu.id).reserved_asids = newasid;
  }
  return hit;
}

/** new_context: a context id of the current generation for mm, rolling the generation over if none is free. */
export function newContext(k: Kernel, mm: MmId): number {
  const n = numAsids(k.s.config);
  const old = k.s.asid_alloc!;
  const a: AsidAlloc = { ...old, asid_map: old.asid_map.slice() };
  const ctx = k.s.mms[mm].context_id;
  let generation = a.asid_generation;
  const take = (asid: number) => {
    a.asid_map.push(asid);
    a.asid_map.sort((x, y) => x - y);
  };
  let result = -1;
  if (ctx !== 0) {
    const newasid = generation + asidOf(k, ctx);
    // Active (or reserved) during the rollover: the same ASID in the new generation.
    if (checkUpdateReservedAsid(k, ctx, newasid)) result = newasid;
    // Its old ASID is still free in this generation: take it again.
    else if (!a.asid_map.includes(asidOf(k, ctx))) {
      take(asidOf(k, ctx));
      result = newasid;
    }
  }
  if (result < 0) {
    let asid = findNextFree(a.asid_map, n, a.cur_idx);
    if (asid === n) {
      generation += n;
      a.asid_generation = generation;
      flushContext(k, a);
      asid = findNextFree(a.asid_map, n, 1);
      if (asid === n) throw new Error(`arm64: no free ASID after a rollover (${n} ASIDs, ${k.s.cpus.length} CPUs)`);
    }
    take(asid);
    a.cur_idx = asid;
    result = generation + asid;
  }
  k.s.asid_alloc = a;
  return result;
}

/** tlb_flush_pending for CPU c: test and clear. */
export function takeFlushPending(k: Kernel, c: CpuId): boolean {
  const a = k.s.asid_alloc!;
  if (!a.tlb_flush_pending[c]) return false;
  k.s.asid_alloc = { ...a, tlb_flush_pending: a.tlb_flush_pending.map((x, i) => (i === c ? false : x)) };
  return true;
}
