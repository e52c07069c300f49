/**
 * A generic software-refilled ASID architecture, modelled on mips without MMID (arch/mips/kernel/smp.c) and sh
 * (arch/sh/kernel/smp.c).
 *
 * Each CPU keeps an ASID per mm (cpu_context(cpu, mm), 0 = none). switch_mm allocates one if needed and maintains
 * mm_cpumask. flush_tlb_mm / flush_tlb_range: if mm_users == 1 and current->mm == mm, flush locally and zero every
 * other CPU's context for the mm (they get a new ASID the next time they switch to it); otherwise IPI every other CPU.
 * A CPU that has the mm loaded right now keeps its old ASID and its entries: the T2 variant on these arches.
 *
 * ASIDs: by default a per-CPU counter that never wraps. With a bounded ASID space (`config.asid_bits`) the kernel's
 * version scheme (arch/mips/mm/context.c get_new_mmu_context, check_mmu_context): `asid_cache(cpu)` counts on, the bits
 * above the ASID being a software version; a context whose version is not the CPU's current one is stale and gets a
 * new ASID at the next switch to the mm; when the counter wraps into a new version the CPU flushes its whole TLB
 * (local_flush_tlb_all: "start new asid cycle"). Everything is per CPU: a rollover on one CPU changes nothing on
 * another.
 *
 * Shortcuts, stated: no speculative fills (software refill; UNSURE per core, see kernel-semantics.md 1.6); no MMID;
 * exec's activate_mm takes the ordinary switch (the kernel's always takes a new ASID); the entries of a context
 * zeroed by the mm_users shortcut are dropped at once on a CPU that does not have the mm loaded (unreachable anyway).
 */
import { RET, defineFn, ipisDone, when } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import { completeFlush, coveredChanges } from '../kernel/tlbflush.ts';
import { hwLoad, tlbDropTag, tlbFlushAll, tlbInvalidate } from '../kernel/tlb_hw.ts';
import { INIT_MM, type Config, type CpuId, type Mm, type MmId, type SimState, type TaskId } from '../model/types.ts';
import type { Decision } from '../engine/policy.ts';
import { defineArch, defineTlbFlush, type ArchPolicy } from './policy.ts';

const SMP = 'arch/mips/kernel/smp.c';

/** ASIDs per version: 2^asid_bits, or unbounded (the version is then always 0). */
const span = (k: Kernel): number => (k.s.config.asid_bits ? 2 ** k.s.config.asid_bits : Infinity);
/** cpu_asid: the hardware ASID of a context (what EntryHi holds and TLB entries are tagged with). */
const hwAsid = (k: Kernel, ctx: number): number => (k.s.config.asid_bits ? ctx % span(k) : ctx);
/** The version part of a context (0 when unbounded). */
const versionOf = (k: Kernel, ctx: number): number => (k.s.config.asid_bits ? Math.floor(ctx / span(k)) : 0);
/** check_mmu_context's test: the context is of this CPU's current version (asid_cache is asid_next - 1). */
function contextValid(k: Kernel, c: CpuId, ctx: number): boolean {
  if (!ctx) return false;
  return !k.s.config.asid_bits || versionOf(k, ctx) === versionOf(k, k.s.cpus[c].asid_next - 1);
}

/**
 * get_new_mmu_context (arch/mips/mm/context.c): does taking ASID number `asid` (asid_cache after the increment) start a
 * new ASID cycle, which flushes this CPU's whole TLB? Only with a bounded ASID space, when the ASID bits wrap to 0.
 * Pure. Null: an ordinary new ASID (not recorded).
 */
export function mipsAsidCycleDecision(cfg: Readonly<Config>, asid: number): Decision | null {
  if (!cfg.asid_bits || asid % 2 ** cfg.asid_bits !== 0) return null;
  return { decision: 'local TLB flush, new ASID version', reason: 'the ASID bits of asid_cache wrapped to 0: start new asid cycle, every older context is stale (get_new_mmu_context: local_flush_tlb_all)' };
}

/** get_new_mmu_context: the next ASID of this CPU for mm; wrapping into a new version flushes the local TLB. */
function newContext(k: Kernel, c: CpuId, mm: MmId): number {
  const cpu = k.cpu(c);
  const asid = cpu.asid_next++;
  const cycle = mipsAsidCycleDecision(k.s.config, asid);
  if (cycle) {
    k.decided(cycle, c);
    tlbFlushAll(k, c); // start new asid cycle
  }
  cpu.asid_of = { ...cpu.asid_of, [mm]: asid };
  return asid;
}

/** With a bounded ASID space, asid_cache starts at the first version (ASID_FIRST_VERSION): the first ASID is 1 of version 1. */
function initState(s: SimState): void {
  if (!s.config.asid_bits) return;
  for (const cpu of s.cpus) cpu.asid_next = 2 ** s.config.asid_bits + 1;
}

defineFn('switch_mm_irqs_off@mips', 'arch/mips/include/asm/mmu_context.h', {
  switch_mm_irqs_off(k, c, f) {
    const prev = f.l.prev as MmId;
    const next = f.l.next as MmId;
    let ctx = 0;
    if (next !== INIT_MM) {
      ctx = k.s.cpus[c.id].asid_of[next] ?? 0;
      if (!contextValid(k, c.id, ctx)) ctx = newContext(k, c.id, next);
    }
    k.s.counters.cr3Writes++;
    hwLoad(k, c.id, next, hwAsid(k, ctx));
    if (k.s.config.asid_bits) k.cpu(c.id).asid_gen = versionOf(k, ctx);
    if (prev > INIT_MM && prev !== next && k.s.mms[prev].state !== 'freed') k.mm(prev).cpumask[c.id] = false;
    if (next !== INIT_MM) k.mm(next).cpumask[c.id] = true;
    return RET;
  },
});

defineFn('enter_lazy_tlb@mips', 'arch/mips/include/asm/mmu_context.h', {
  enter_lazy_tlb: () => RET,
});

/** local_flush_tlb_range / local_flush_tlb_mm on one CPU: drop the entries under this CPU's ASID for mm. */
function localFlush(k: Kernel, c: CpuId, mm: MmId, start: number, end: number): void {
  const ctx = k.s.cpus[c].asid_of[mm] ?? 0;
  if (ctx) tlbInvalidate(k, c, hwAsid(k, ctx), mm, start, end);
  else k.s.counters.flushes++;
}

/**
 * flush_tlb_range / flush_tlb_mm (arch/mips/kernel/smp.c): with mm_users == 1 and current->mm == mm only the local TLB
 * is flushed and the other CPUs' ASID contexts for the mm are zeroed; otherwise every other CPU gets the IPI. Pure.
 */
export function mipsFlushDecision(s: { readonly cpus: ReadonlyArray<{ readonly curr: TaskId }>; readonly tasks: ReadonlyArray<{ readonly mm: MmId }> }, c: CpuId, m: Readonly<Mm>): Decision & { single: boolean } {
  return m.mm_users === 1 && s.tasks[s.cpus[c].curr].mm === m.id
    ? { single: true, decision: 'local only, zero other contexts', reason: 'mm_users == 1 and current->mm == mm: no IPI, the other CPUs only lose their ASID context (flush_tlb_range)' }
    : { single: false, decision: 'IPI every other CPU', reason: 'mm_users != 1 or current->mm != mm (flush_tlb_range, smp_on_other_tlbs)' };
}

defineFn('flush_tlb_mm_range@mips', SMP, {
  flush_tlb_range(k, c, f) {
    const mm = f.l.mm as MmId;
    const m = k.s.mms[mm];
    f.l.covered = coveredChanges(k, mm, f.l.start as number, f.l.end as number);
    const d = mipsFlushDecision(k.s, c.id, m);
    k.decided(d);
    const single = d.single;
    f.l.single = single;
    if (single) return 'zero_other_contexts';
    const targets: CpuId[] = [];
    for (let i = 0; i < k.s.cpus.length; i++) if (i !== c.id) targets.push(i);
    f.l.ipi = k.sendIpi(c.id, targets, 'flush_tlb_range_ipi@mips', { mm, start: f.l.start, end: f.l.end });
    return 'wait';
  },
  /** mm_users == 1 and current->mm == mm: the other CPUs only lose their ASID context for the mm. */
  zero_other_contexts(k, c, f) {
    const mm = f.l.mm as MmId;
    for (const cpu of k.s.cpus) {
      const old = cpu.asid_of[mm] ?? 0;
      if (cpu.id === c.id || !old) continue;
      const w = k.cpu(cpu.id);
      w.asid_of = { ...w.asid_of, [mm]: 0 };
      // Unreachable once the context is gone (until ASID rollover flushes them): dropped, unless the CPU still runs
      // with that ASID loaded, which is exactly the hole this shortcut leaves. A context of an older version has no
      // entries left (its rollover flushed them), and its number may be another mm's now.
      if (w.loaded_mm !== mm && contextValid(k, cpu.id, old)) tlbDropTag(k, cpu.id, hwAsid(k, old));
    }
    return 'local_flush_tlb_range';
  },
  wait: when(ipisDone, () => 'local_flush_tlb_range'),
  local_flush_tlb_range(k, c, f) {
    const mm = f.l.mm as MmId;
    localFlush(k, c.id, mm, f.l.start as number, f.l.end as number);
    const shortcut = f.l.single ? 'mm_users == 1 && current->mm == mm: other CPUs only had their ASID context zeroed' : null;
    completeFlush(k, c.id, mm, f.l.covered as number[], shortcut);
    return RET;
  },
});

defineFn('flush_tlb_range_ipi@mips', SMP, {
  local_flush_tlb_range(k, c, f) {
    localFlush(k, c.id, f.l.mm as MmId, f.l.start as number, f.l.end as number);
    return RET;
  },
});

defineTlbFlush('mips', 'include/asm-generic/tlb.h', false);

export const mips: ArchPolicy = defineArch({
  name: 'mips',
  // spin_unlock is the generic qspinlock's smp_store_release, which on mips (no __smp_store_release of its own in
  // asm/barrier.h) is asm-generic's __smp_mb() then the store: a full barrier after the rq->curr store (checked).
  switchBarrier: 'finish_lock_switch',
  fns: {
    switch_mm_irqs_off: 'switch_mm_irqs_off@mips',
    enter_lazy_tlb: 'enter_lazy_tlb@mips',
    flush_tlb_mm_range: 'flush_tlb_mm_range@mips',
    tlb_flush: 'tlb_flush@mips',
  },
  /**
   * No speculative fills here, so an entry is only ever used by the mm's own code: now (its ASID is loaded and the
   * running task uses the mm) or after a later switch (its ASID is still this CPU's context for the mm).
   */
  unusableTag: (k, c, e) => {
    const cpu = k.s.cpus[c];
    const now = cpu.tag === e.tag && k.s.tasks[cpu.curr].mm === e.mm;
    const ctx = cpu.asid_of[e.mm] ?? 0;
    return !now && !(contextValid(k, c, ctx) && hwAsid(k, ctx) === e.tag);
  },
  walkCache: false,
  canSpeculate: () => false,
  initState,
});
