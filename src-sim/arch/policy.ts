/**
 * What the architectures share: the interface they implement is the engine's (engine/policy.ts: what generic kernel
 * code asks of an arch); the defaults an arch need not repeat (ARCH_DEFAULTS, defineArch), the default speculation
 * rule, and the mmu_gather tlb_flush most arches share (defineTlbFlush).
 */
import { RET, call, defineFn } from '../engine/fn.ts';
import type { Kernel } from '../engine/kernel.ts';
import type { ArchPolicy } from '../engine/policy.ts';
import type { CpuId } from '../model/types.ts';

/** The interface each architecture implements is the engine's (engine/policy.ts). */
export type { ArchPolicy } from '../engine/policy.ts';

/** The default speculation rule: whenever a user mm is attached, in any mode (Linus, T5; s390 since 2016). */
export function speculatesWhenAttached(k: Kernel, c: CpuId): boolean {
  const cpu = k.s.cpus[c];
  if (cpu.loaded_mm <= 0) return false;
  if (k.s.config.speculative_fill === 's390-2012') {
    // Martin Schwidefsky, 2012: only in the mode that uses the mm
    return cpu.mode === 'user' && k.s.tasks[cpu.curr].mm === cpu.loaded_mm;
  }
  return true;
}

/**
 * The documented defaults of ArchPolicy: a generic arch with a hardware page walker. An arch states only where it
 * differs (defineArch).
 */
export const ARCH_DEFAULTS = {
  /** I8 judges strictly: no arch but x86 has the lazy relaxation. */
  defaultI8Mode: 'strict',
  /** MMU_LAZY_TLB_SHOOTDOWN is selected only by powerpc book3s64. */
  selectsLazyTlbShootdown: false,
  /** No per-CPU ASID slots (x86's cpu_tlbstate.ctxs[] is the exception). */
  asidSlots: 0,
  /** Devices are plain secondary MMUs, not coprocessors counted in the mm's context (powerpc's nest MMU is). */
  sharedDeviceIsCopro: false,
  /** The return to user mode is context-synchronising (every arch but x86 without PTI). */
  returnSerializes: () => true,
  /** No relaxation of I8. */
  i8Tolerated: () => false,
  /** Every tag may be used again without a flush (no per-CPU slot can go stale behind the CPU's back). */
  unusableTag: () => false,
  /** The arch flush does not invalidate secondary TLBs itself: generic code does it after the CPU flush. */
  secondaryInFlush: false,
  /** flush_tlb_mm does not pass freed_tables. */
  flushTlbMmFreesTables: false,
  /** A hardware walker with paging-structure caches. */
  walkCache: true,
  /** The hardware may speculatively fill from whatever user mm is attached. */
  canSpeculate: speculatesWhenAttached,
} satisfies Partial<ArchPolicy>;

type Defaulted = keyof typeof ARCH_DEFAULTS;
/** What an arch states: everything ArchPolicy has that ARCH_DEFAULTS does not, and any default it differs from. */
export type ArchSpec = Omit<ArchPolicy, Defaulted | 'fns'> & Partial<Pick<ArchPolicy, Defaulted>> & {
  /** Its hooks; finish_arch_post_lock_switch defaults to none (''). */
  fns: Omit<ArchPolicy['fns'], 'finish_arch_post_lock_switch'> & Partial<Pick<ArchPolicy['fns'], 'finish_arch_post_lock_switch'>>;
};

/** An arch policy from its differences (ARCH_DEFAULTS fill the rest). */
export function defineArch(spec: ArchSpec): ArchPolicy {
  return { ...ARCH_DEFAULTS, ...spec, fns: { finish_arch_post_lock_switch: '', ...spec.fns } };
}

/**
 * The mmu_gather arch flush most arches share (asm-generic tlb_flush; x86's and arm64's asm/tlb.h do the same):
 * flush_tlb_mm_range@arch over the gathered range, or the whole mm for fullmm. Registers `tlb_flush@arch` and returns
 * its name. `freedTables`: pass the gather's freed_tables on (x86, arm64); the generic one does not.
 */
export function defineTlbFlush(arch: string, src: string, freedTables: boolean): string {
  const name = `tlb_flush@${arch}`;
  defineFn(name, src, {
    tlb_flush(_k, _c, f) {
      const full = f.l.fullmm as boolean;
      const range = { mm: f.l.mm, start: full ? 0 : f.l.start, end: full ? -1 : f.l.end };
      return call(`flush_tlb_mm_range@${arch}`, freedTables ? { ...range, freed_tables: f.l.freed_tables } : range, 'ret');
    },
    ret: () => RET,
  });
  return name;
}
