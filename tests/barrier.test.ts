/**
 * Full barriers as counted events (kernel/barrier.ts) and I12c judged by them: the scheduler's barriers are counted
 * where the kernel has them, and membarrier's guarantee fails exactly when the barrier after the rq->curr store is
 * missing (the smp_mb() of mmdrop_lazy_tlb without refcounting, removed with lazy_tlb_drop_mb: false).
 */
import { describe, expect, it } from 'vitest';
import { Run, type Spec } from './harness.ts';
import type { Config } from '../src-sim/model/types.ts';

const tasks = [{ name: 'T0', mm: 'M' }, { name: 'T1', mm: 'M' }];
const shootdown: Partial<Config> = { lazy_tlb_refcount: false, lazy_tlb_shootdown: true };

/** CPU1 goes idle (lazy on M) and comes back to T1 while T0's membarrier is paused after its snapshot. */
function lazyReturnDuringMembarrier(arch: Spec['arch'], config: Partial<Config>): Run {
  return new Run({ arch, config, tasks, setup: [
    { cpu: 0, do: 'switch', to: 'T0' }, { cpu: 1, do: 'switch', to: 'T1' }, { cpu: 0, do: 'membarrier_register' },
    { cpu: 1, do: 'switch', to: 'idle' },
  ], steps: [
    { cpu: 0, do: 'membarrier', until: 'membarrier.smp_mb' },
    { cpu: 1, do: 'switch', to: 'T1' },
    { cpu: 0, do: 'continue' },
  ] });
}

/** Barriers CPU c executed during step i. */
function barriers(r: Run, i: number, c: number): number {
  return r.after(i).cpus[c].full_mb - r.after(i - 1).cpus[c].full_mb;
}

describe('full barriers are counted where the kernel has them', () => {
  it('powerpc kernel -> user to the same mm: smp_mb__after_spinlock (before the store) and mmdrop_lazy_tlb\'s smp_mb() (after it)', () => {
    const r = lazyReturnDuringMembarrier('powerpc', shootdown);
    expect(barriers(r, 1, 1)).toBe(2);
    const c = r.after(1).cpus[1];
    expect(c.mb_stores).toBe(c.curr_stores);
  });
  it('without that smp_mb() only the one before the rq->curr store is left', () => {
    const r = lazyReturnDuringMembarrier('powerpc', { ...shootdown, lazy_tlb_drop_mb: false });
    expect(barriers(r, 1, 1)).toBe(1);
    const c = r.after(1).cpus[1];
    expect(c.mb_stores).toBeLessThan(c.curr_stores);
    expect(c.unordered_entry).toEqual({ store: c.curr_stores, mb: c.curr_stores - 1, mm: 1 });
  });
  it('x86 lazy re-entry: its switch_mm_irqs_off smp_mb() and the refcount drop (an atomic_dec_and_test)', () => {
    const r = lazyReturnDuringMembarrier('x86', {});
    expect(barriers(r, 1, 1)).toBe(3);
  });
  it('the drop is a refcount drop with refcounting on: the knob changes nothing there', () => {
    const a = lazyReturnDuringMembarrier('x86', {});
    const b = lazyReturnDuringMembarrier('x86', { lazy_tlb_drop_mb: false });
    expect(barriers(b, 1, 1)).toBe(barriers(a, 1, 1));
  });
  it('arm64: __switch_to\'s dsb(ish) on every switch', () => {
    const a = lazyReturnDuringMembarrier('arm64', shootdown);
    const b = lazyReturnDuringMembarrier('arm64', { ...shootdown, lazy_tlb_drop_mb: false });
    expect(barriers(a, 1, 1)).toBe(3);
    expect(barriers(b, 1, 1)).toBe(2);
  });
  it('membarrier: smp_mb before the snapshot and at the end on the caller, smp_mb in the IPI handler', () => {
    const r = new Run({ arch: 'x86', tasks, setup: [
      { cpu: 0, do: 'switch', to: 'T0' }, { cpu: 1, do: 'switch', to: 'T1' }, { cpu: 0, do: 'membarrier_register' },
    ], steps: [{ cpu: 1, do: 'access', va: '0x400000' }, { cpu: 0, do: 'membarrier' }] });
    expect(barriers(r, 1, 0)).toBe(2);
    expect(barriers(r, 1, 1)).toBe(1);
    expect(r.ids()).toEqual([]);
  });
});

describe('I12c judges by the barriers that happened', () => {
  it('fires when the lazy-drop barrier is removed in the case it protects (powerpc, same-mm kernel -> user)', () => {
    const r = lazyReturnDuringMembarrier('powerpc', { ...shootdown, lazy_tlb_drop_mb: false });
    expect(r.ids()).toEqual(['I12c']);
    expect(r.t.violations[0].message).toMatch(/no full barrier after its rq->curr store/);
  });
  it('does not fire with the barrier in place', () => {
    expect(lazyReturnDuringMembarrier('powerpc', shootdown).ids()).toEqual([]);
  });
  it('does not fire where another barrier covers the path: x86 switch_mm, arm64 switch_to', () => {
    expect(lazyReturnDuringMembarrier('x86', { lazy_tlb_refcount: false, lazy_tlb_drop_mb: false }).ids()).toEqual([]);
    expect(lazyReturnDuringMembarrier('arm64', { ...shootdown, lazy_tlb_drop_mb: false }).ids()).toEqual([]);
  });
  it('does not fire when the switch happened before the snapshot', () => {
    const r = new Run({ arch: 'powerpc', config: { ...shootdown, lazy_tlb_drop_mb: false }, tasks, setup: [
      { cpu: 0, do: 'switch', to: 'T0' }, { cpu: 1, do: 'switch', to: 'T1' }, { cpu: 0, do: 'membarrier_register' },
      { cpu: 1, do: 'switch', to: 'idle' }, { cpu: 1, do: 'switch', to: 'T1' },
    ], steps: [{ cpu: 0, do: 'membarrier' }] });
    expect(r.ids()).toEqual([]);
  });
  it('a later same-mm thread switch without a barrier does not undo an ordered return (the first one counts)', () => {
    const r = new Run({ arch: 'x86', config: { pcid: true }, tasks: [...tasks, { name: 'T2', mm: 'M' }], setup: [
      { cpu: 0, do: 'switch', to: 'T0' }, { cpu: 1, do: 'switch', to: 'T1' }, { cpu: 0, do: 'membarrier_register' },
      { cpu: 1, do: 'switch', to: 'idle' },
    ], steps: [
      { cpu: 0, do: 'membarrier', until: 'membarrier.smp_mb' },
      { cpu: 1, do: 'switch', to: 'T1' },
      { cpu: 1, do: 'switch', to: 'T2' },
      { cpu: 0, do: 'continue' },
    ] });
    // The thread switch T1 -> T2 has no barrier after its store (same mm, not lazy), but CPU1 already executed one
    // after its first store since the snapshot.
    const c = r.after(2).cpus[1];
    expect(c.mb_stores).toBeLessThan(c.curr_stores);
    expect(r.ids()).toEqual([]);
  });
});
