/**
 * The flush paths of each architecture (kernel-semantics.md §2.3, §2.7, §2.10): who gets an IPI, who gets flushed,
 * what a lazy CPU does, and the tlb_gen catch-up on x86.
 */
import { describe, expect, it } from 'vitest';
import { Run, mm, name, task } from './harness.ts';
import type { StepFile } from '../src-sim/scenario/schema.ts';

const tasks = [{ name: 'A', mm: 'M' }, { name: 'B', mm: 'M' }, { name: 'K', kthread: true }];
const mms = [{ name: 'M', map: { '0x400000': 'X', '0x401000': 'Y', '0x600000': 'Z' } }];
/** A on CPU0, B on CPU1 then K (CPU1 lazy on M). */
const lazySetup: StepFile[] = [
  { cpu: 1, do: 'switch', to: 'B' },
  { cpu: 1, do: 'access', va: '0x401000' },
  { cpu: 1, do: 'switch', to: 'K' },
  { cpu: 0, do: 'switch', to: 'A' },
];

describe('x86: lazy CPUs are skipped unless page tables are freed', () => {
  it('a plain munmap does not IPI the lazy CPU; it catches up through tlb_gen when it switches back', () => {
    const r = new Run({ arch: 'x86', tasks, mms, setup: lazySetup, steps: [
      { cpu: 0, do: 'munmap', va: '0x401000' },
      { cpu: 1, do: 'switch', to: 'B' },
      { cpu: 1, do: 'access', va: '0x401000' },
    ] });
    const s0 = r.after(-1);
    const s1 = r.after(0);
    expect(s1.counters.ipis - s0.counters.ipis).toBe(0);
    expect(s1.cpus[1].is_lazy).toBe(true);
    // CPU1 still holds the entry while lazy: tolerated (x86-lazy-relaxed), it cannot be used before the catch-up
    expect(s1.cpus[1].tlb.some((e) => !e.walk && e.va === 0x401)).toBe(true);
    const s2 = r.after(1);
    expect(s2.cpus[1].tlb.some((e) => !e.walk && e.va === 0x401)).toBe(false);
    expect(s2.cpus[1].ctxs[s2.cpus[1].tag].tlb_gen).toBe(mm(s2, 'M').tlb_gen);
    expect(r.labels(1)).toContain('switch_mm_irqs_off.load_new_mm_cr3');
    expect(r.ids()).toEqual([]);
  });

  it('freeing page tables IPIs the lazy CPU, which switches to init_mm while active_mm still says M', () => {
    const r = new Run({ arch: 'x86', tasks, mms, setup: lazySetup, steps: [{ cpu: 0, do: 'munmap', va: '0x600000', free_tables: true }] });
    const s = r.after(0);
    expect(s.counters.ipis - r.after(-1).counters.ipis).toBe(1);
    expect(name(s, s.cpus[1].loaded_mm)).toBe('init_mm');
    expect(s.cpus[1].is_lazy).toBe(false);
    expect(mm(s, 'M').cpumask[1]).toBe(false);
    expect(name(s, task(s, 'K').active_mm)).toBe('M');
    expect(r.ids()).toEqual([]);
  });

  it('without the freed_tables exception the table is freed under the lazy CPU: I9', () => {
    const r = new Run({ arch: 'x86', tasks, mms, config: { x86_freed_tables_ipi: false }, setup: lazySetup, steps: [
      { cpu: 1, do: 'speculate', va: '0x600000' },
      { cpu: 0, do: 'munmap', va: '0x600000', free_tables: true },
    ] });
    expect(r.ids()).toEqual(['I9']);
  });
});

describe('powerpc radix', () => {
  it('a multi-threaded mm gets a global tlbie that reaches every CPU, lazy or not, without IPIs', () => {
    const r = new Run({ arch: 'powerpc', tasks, mms, setup: lazySetup, steps: [{ cpu: 0, do: 'munmap', va: '0x401000' }] });
    const s = r.after(0);
    expect(r.labels(0)).toContain('flush_tlb_mm_range._tlbie_pid');
    expect(s.counters.ipis - r.after(-1).counters.ipis).toBe(0);
    expect(s.cpus[1].tlb.some((e) => e.va === 0x401 && !e.walk)).toBe(false);
    expect(r.ids()).toEqual([]);
  });

  it('single-threaded (6.x): the lazy CPU is shot down by exit_flush_lazy_tlbs and trims only itself', () => {
    const r = new Run({ arch: 'powerpc', tasks: [{ name: 'A', mm: 'M' }, { name: 'K', kthread: true }], mms, setup: [
      { cpu: 1, do: 'switch', to: 'A' }, { cpu: 1, do: 'switch', to: 'K' }, { cpu: 0, do: 'switch', to: 'A' },
    ], steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }] });
    const s = r.after(0);
    expect(name(s, task(s, 'K').active_mm)).toBe('init_mm');
    expect(mm(s, 'M').cpumask).toEqual([true, false]);
    expect(mm(s, 'M').active_cpus).toBe(1);
    expect(r.labels(0)).toContain('exit_lazy_flush_tlb.switch_to_init_mm');
    expect(r.ids()).toEqual([]);
  });
});

describe('arm64: broadcast TLBI by ASID', () => {
  it('reaches the lazy CPU with no IPI and no cpumask', () => {
    const r = new Run({ arch: 'arm64', tasks, mms, setup: lazySetup, steps: [{ cpu: 0, do: 'munmap', va: '0x401000' }] });
    const s = r.after(0);
    expect(s.counters.ipis).toBe(0);
    expect(s.cpus[1].tlb.some((e) => e.va === 0x401 && !e.walk)).toBe(false);
    expect(mm(s, 'M').cpumask.every((b) => !b)).toBe(true);
    expect(name(s, s.cpus[1].loaded_mm)).toBe('M'); // TTBR0 stays while lazy
    expect(r.ids()).toEqual([]);
  });
});

describe('s390', () => {
  it('2016 rule: a lazy kthread has the invalid ASCE loaded, not the user mm', () => {
    const r = new Run({ arch: 's390', tasks, mms, setup: lazySetup, steps: [{ cpu: 1, do: 'speculate', va: '0x400000' }] });
    const s = r.after(0);
    expect(name(s, s.cpus[1].loaded_mm)).toBe('init_mm');
    expect(s.cpus[1].tlb).toEqual(r.after(-1).cpus[1].tlb); // nothing attached: the speculative walk fills nothing
    expect(name(s, s.cpus[0].loaded_mm)).toBe('M');
  });
  it('a PTE of an mm attached to two CPUs is invalidated with IPTE on both at once', () => {
    const r = new Run({ arch: 's390', tasks, mms, setup: [
      { cpu: 1, do: 'switch', to: 'B' }, { cpu: 1, do: 'access', va: '0x401000' }, { cpu: 0, do: 'switch', to: 'A' },
    ], steps: [{ cpu: 0, do: 'munmap', va: '0x401000' }] });
    const s = r.after(0);
    expect(s.cpus[1].tlb.some((e) => e.va === 0x401 && !e.walk)).toBe(false);
    expect(r.ids()).toEqual([]);
  });
});

describe('mips-like ASID arch', () => {
  it('mm_users == 1: local flush, the other CPU only loses its ASID context and gets a new ASID when it switches back', () => {
    const r = new Run({ arch: 'mips', tasks: [{ name: 'A', mm: 'M' }, { name: 'K', kthread: true }], mms, setup: [
      { cpu: 1, do: 'switch', to: 'A' }, { cpu: 1, do: 'access', va: '0x400000' }, { cpu: 1, do: 'switch', to: 'K' }, { cpu: 0, do: 'switch', to: 'A' },
    ], steps: [{ cpu: 0, do: 'munmap', va: '0x400000' }, { cpu: 0, do: 'switch', to: 'idle' }, { cpu: 1, do: 'switch', to: 'A' }] });
    const s = r.after(0);
    const mid = mm(s, 'M').id;
    expect(s.cpus[1].asid_of[mid]).toBe(0);
    expect(s.counters.ipis).toBe(0);
    const s2 = r.after(2);
    expect(s2.cpus[1].asid_of[mid]).toBeGreaterThan(0);
    expect(s2.cpus[1].tag).not.toBe(s.cpus[1].tag);
    expect(r.ids()).toEqual([]);
  });
});
