/**
 * context_switch: the four rows of the kernel's case table (kernel/sched/core.c), in both eras, with the exact
 * mm_count and mm_users movements and the arch state on x86 (kernel-semantics.md §2.1, §2.2, §2.3a).
 */
import { describe, expect, it } from 'vitest';
import { Run, mm, name, task } from './harness.ts';

const tasks = [{ name: 'A', mm: 'M' }, { name: 'B', mm: 'M' }, { name: 'K', kthread: true }, { name: 'L', kthread: true }, { name: 'Q', mm: 'N' }];
const mms = [{ name: 'M', map: { '0x400000': 'A0' } }, { name: 'N', map: { '0x400000': 'N0' } }];

describe('context_switch on x86 (6.x)', () => {
  const r = new Run({ arch: 'x86', tasks, mms, steps: [
    { cpu: 0, do: 'switch', to: 'A' }, // kernel -> user: switch, drop the idle's lazy init_mm reference
    { cpu: 0, do: 'switch', to: 'K' }, // user -> kernel: lazy + mmgrab_lazy_tlb
    { cpu: 0, do: 'switch', to: 'L' }, // kernel -> kernel: lazy + transfer
    { cpu: 0, do: 'switch', to: 'B' }, // kernel -> user: same mm, lazy re-entry, mmdrop_lazy_tlb
    { cpu: 0, do: 'switch', to: 'Q' }, // user -> user: switch
  ] });

  it('kernel -> user loads the mm, drops the idle task\'s lazy reference to init_mm', () => {
    const s = r.after(0);
    expect(name(s, s.cpus[0].loaded_mm)).toBe('M');
    expect(s.cpus[0].is_lazy).toBe(false);
    expect(mm(s, 'M').cpumask[0]).toBe(true);
    expect(mm(s, 'init_mm').mm_count).toBe(1 + 2 - 1);
    expect(task(s, 'swapper/0').active_mm).toBe(-1);
  });

  it('user -> kernel: enter_lazy_tlb keeps CR3, K borrows M and mm_count goes up by one', () => {
    const s = r.after(1);
    expect(s.cpus[0].is_lazy).toBe(true);
    expect(name(s, s.cpus[0].loaded_mm)).toBe('M');
    expect(name(s, task(s, 'K').active_mm)).toBe('M');
    expect(mm(s, 'M').mm_count).toBe(2);
    expect(mm(s, 'M').cpumask[0]).toBe(true);
  });

  it('kernel -> kernel: the lazy reference moves, no refcount traffic', () => {
    const before = r.after(1).counters.mmCountAtomics;
    const s = r.after(2);
    expect(s.counters.mmCountAtomics).toBe(before);
    expect(task(s, 'K').active_mm).toBe(-1);
    expect(name(s, task(s, 'L').active_mm)).toBe('M');
    expect(mm(s, 'M').mm_count).toBe(2);
  });

  it('kernel -> user on the same mm: no CR3 write when tlb_gen did not move, the lazy reference is dropped', () => {
    const before = r.after(2).counters.cr3Writes;
    const s = r.after(3);
    expect(s.counters.cr3Writes).toBe(before);
    expect(s.cpus[0].is_lazy).toBe(false);
    expect(s.cpus[0].prev_mm).toBe(-1);
    expect(task(s, 'L').active_mm).toBe(-1);
    expect(mm(s, 'M').mm_count).toBe(1);
    expect(r.labels(3)).toContain('switch_mm_irqs_off.lazy_reentry_check_tlb_gen');
  });

  it('user -> user: CR3 switches, the CPU leaves the old mask and joins the new one', () => {
    const s = r.after(4);
    expect(name(s, s.cpus[0].loaded_mm)).toBe('N');
    expect(mm(s, 'M').cpumask[0]).toBe(false);
    expect(mm(s, 'N').cpumask[0]).toBe(true);
    expect(mm(s, 'M').mm_count).toBe(1);
    expect(r.ids()).toEqual([]);
  });
});

describe('context_switch, v4 era: kthread -> kthread costs a grab and a drop', () => {
  const r = new Run({ arch: 'x86', tasks, mms, config: { context_switch_era: 'v4' }, steps: [
    { cpu: 0, do: 'switch', to: 'A' },
    { cpu: 0, do: 'switch', to: 'K' },
    { cpu: 0, do: 'switch', to: 'L' },
  ] });
  it('counts two atomics for the kernel -> kernel switch and ends with the same mm_count', () => {
    const a = r.after(1);
    const b = r.after(2);
    expect(b.counters.mmCountAtomics - a.counters.mmCountAtomics).toBe(2);
    expect(mm(b, 'M').mm_count).toBe(2);
    expect(r.ids()).toEqual([]);
  });
});

describe('refcounting configured out (T1 v4 patch): lazy users are not counted', () => {
  const r = new Run({ arch: 'x86', tasks, mms, config: { lazy_tlb_refcount: false }, steps: [
    { cpu: 0, do: 'switch', to: 'A' },
    { cpu: 0, do: 'switch', to: 'K' },
  ] });
  it('mm_count stays 1 while K is lazily on M', () => {
    expect(mm(r.after(1), 'M').mm_count).toBe(1);
    expect(r.ids()).toEqual([]);
  });
});
