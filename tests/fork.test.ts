/**
 * `fork` (kernel/fork.c copy_process without CLONE_VM): a new mm made by dup_mm (mm_users 1, mm_count 1), the parent's
 * PTEs copied into it write-protected (COW), dup_mmap's flush_tlb_mm of the parent, and the child's first switch
 * loading its mm. The refusals, and the load-time checks of its names.
 */
import { describe, expect, it } from 'vitest';
import { Run, file, mm, name, task } from './harness.ts';
import { rget } from '../src-sim/model/radix.ts';

const base = [
  { cpu: 1, do: 'switch', to: 'P2' }, { cpu: 1, do: 'switch', to: 'idle' }, // CPU1 lazy on M, in its mask
  { cpu: 0, do: 'switch', to: 'P' }, { cpu: 0, do: 'fork', name: 'C', mm: 'CM' },
] as const;
const tasks = [{ name: 'P', mm: 'M' }, { name: 'P2', mm: 'M' }, { name: 'K', kthread: true }];

describe('fork', () => {
  it('makes a new mm with one user and one count, copies the PTEs write-protected, and flushes the parent', () => {
    const r = new Run({ arch: 'x86', tasks, steps: [...base] });
    const s = r.after(3);
    const cm = mm(s, 'CM');
    expect([cm.mm_users, cm.mm_count]).toEqual([1, 1]);
    // The parent's mm gains no user; its count is the users' reference and idle's lazy active_mm on CPU1.
    expect([mm(s, 'M').mm_users, mm(s, 'M').mm_count]).toEqual([2, 2]);
    const c = task(s, 'C');
    expect([name(s, c.mm), name(s, c.active_mm), c.state, c.kthread]).toEqual(['CM', 'CM', 'runnable', false]);
    const va = 0x400000 / 4096;
    const child = rget(cm.pte, va)!;
    const parent = rget(mm(s, 'M').pte, va)!;
    expect(child.page).toBe(parent.page);
    expect([child.write, parent.write]).toEqual([false, false]);
    expect(s.pages[parent.page].refcount).toBe(2);
    expect(cm.cpumask.some(Boolean)).toBe(false); // nothing loads it before the child runs
    const labels = r.labels(3);
    expect(labels.slice(0, 4)).toEqual(['copy_process.copy_mm', 'copy_process.mm_init', 'copy_process.dup_mmap', 'copy_process.flush_tlb_mm']);
    expect(labels.at(-1)).toBe('copy_process.wake_up_new_task');
    // x86 flush_tlb_mm passes freed_tables: the lazy CPU1 in M's mask is IPI'd and moved to init_mm.
    expect(labels).toContain('flush_tlb_mm_range.flush_tlb_multi');
    expect(labels).toContain('flush_tlb_func.flush_tlb_func');
    expect(name(s, s.cpus[1].loaded_mm)).toBe('init_mm');
    expect(r.ids()).toEqual([]);
  });

  it('the child\'s first switch loads its mm; its exit tears it down and the shared page survives', () => {
    const r = new Run({ arch: 'x86', tasks, steps: [...base, { cpu: 1, do: 'switch', to: 'C' }, { cpu: 1, do: 'access', va: '0x400000' }, { cpu: 1, do: 'exit' }, { cpu: 1, do: 'switch', to: 'idle' }, { cpu: 0, do: 'access', va: '0x400000' }] });
    expect(r.refused()).toEqual([]);
    expect(r.labels(4)).toContain('switch_mm_irqs_off.load_new_mm_cr3');
    const s4 = r.after(4);
    expect(name(s4, s4.cpus[1].loaded_mm)).toBe('CM');
    expect(mm(s4, 'CM').cpumask[1]).toBe(true);
    const s = r.final;
    const page = rget(mm(s, 'M').pte, 0x400000 / 4096)!.page;
    expect(s.pages[page].freed).toBe(false);
    expect(s.pages[page].refcount).toBe(1);
    expect(r.ids()).toEqual([]);
  });

  it('runs on every arch without a violation', () => {
    for (const arch of ['x86', 'powerpc', 'arm64', 's390', 'mips'] as const) {
      const r = new Run({ arch, tasks, steps: [...base, { cpu: 1, do: 'switch', to: 'C' }, { cpu: 1, do: 'exit' }, { cpu: 1, do: 'switch', to: 'idle' }, { cpu: 1, do: 'switch', to: 'P2' }] });
      expect(r.refused(), arch).toEqual([]);
      expect(r.ids(), arch).toEqual([]);
      expect(mm(r.final, 'CM').state, arch).toBe('freed');
    }
  });

  it('is refused from a kernel thread, and for a name that exists', () => {
    const r = new Run({ arch: 'x86', tasks, steps: [
      { cpu: 0, do: 'switch', to: 'K' }, { cpu: 0, do: 'fork', name: 'C', mm: 'CM' },
      { cpu: 0, do: 'switch', to: 'P' }, { cpu: 0, do: 'fork', name: 'P2', mm: 'CM' }, { cpu: 0, do: 'fork', name: 'C', mm: 'M' },
    ] });
    expect(r.refused()).toEqual(['steps[1]: K is a kernel thread; fork a user task', 'steps[3]: a task named P2 already exists', 'steps[4]: an mm named M already exists']);
  });

  it('checks its names at load time', () => {
    expect(() => file({ arch: 'x86', steps: [{ cpu: 0, do: 'fork', name: 'idle', mm: 'X' }] })).toThrow(/idle is reserved/);
    expect(() => file({ arch: 'x86', steps: [{ cpu: 0, do: 'fork', name: 'C', mm: 'init_mm' }] })).toThrow(/init_mm is built in/);
  });
});
