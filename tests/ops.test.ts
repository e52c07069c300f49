/**
 * One test per family of operations: the references and state each moves (kernel-semantics.md §2.4-§2.9), and the
 * micro-steps it is made of.
 */
import { describe, expect, it } from 'vitest';
import { Run, mm, name, task } from './harness.ts';
import { rget } from '../src-sim/model/radix.ts';

describe('exit (do_exit -> exit_mm -> mmput)', () => {
  const r = new Run({ arch: 'x86', steps: [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 0, do: 'exit' }, { cpu: 0, do: 'switch', to: 'idle' }] });
  it('leaves the task a lazy user of its dead mm until its final switch', () => {
    const s = r.after(1);
    expect(task(s, 'P').mm).toBe(-1);
    expect(name(s, task(s, 'P').active_mm)).toBe('M');
    expect(task(s, 'P').state).toBe('dead');
    expect(mm(s, 'M').state).toBe('dead');
    expect(mm(s, 'M').mm_users).toBe(0);
    expect(mm(s, 'M').mm_count).toBe(1); // only P's lazy reference
    expect(r.labels(1)).toEqual(expect.arrayContaining(['__mmput.exit_mmap', 'exit_mmap.free_pgtables', 'tlb_flush_mmu.tlb_flush_mmu_free', '__mmput.mmdrop']));
  });
  it('the final switch hands the reference to the idle task; M is freed when the idle task leaves it', () => {
    const s = r.after(2);
    expect(name(s, task(s, 'swapper/0').active_mm)).toBe('M');
    expect(mm(s, 'M').mm_count).toBe(1);
    expect(r.ids()).toEqual([]);
  });
});

describe('clone and exec', () => {
  it('clone adds a user of the mm; exec moves the task to a new mm and drops the old user', () => {
    const r = new Run({ arch: 'arm64', steps: [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 0, do: 'clone', name: 'P2' }, { cpu: 0, do: 'exec', mm: 'E' }] });
    expect(mm(r.after(1), 'M').mm_users).toBe(2);
    const s = r.after(2);
    expect(name(s, task(s, 'P').mm)).toBe('E');
    expect(mm(s, 'M').mm_users).toBe(1);
    expect(mm(s, 'E').mm_users).toBe(1);
    expect(name(s, s.cpus[0].loaded_mm)).toBe('E');
    expect(r.ids()).toEqual([]);
  });
});

describe('kthread_use_mm / kthread_unuse_mm (6.x)', () => {
  const r = new Run({ arch: 'x86', steps: [
    { cpu: 0, do: 'switch', to: 'P' }, { cpu: 1, do: 'switch', to: 'K' }, { cpu: 1, do: 'mmget_not_zero', mm: 'M' },
    { cpu: 1, do: 'use_mm', mm: 'M' }, { cpu: 1, do: 'access', va: '0x400000' }, { cpu: 1, do: 'unuse_mm' }, { cpu: 1, do: 'mmput', mm: 'M' },
  ] });
  it('takes a use reference and switches with interrupts off', () => {
    const s = r.after(3);
    expect(name(s, task(s, 'K').mm)).toBe('M');
    expect(mm(s, 'M').mm_count).toBe(2);
    expect(mm(s, 'M').mm_users).toBe(2);
    expect(s.cpus[1].is_lazy).toBe(false);
    expect(r.labels(3)).toEqual(['kthread_use_mm.mmgrab', 'kthread_use_mm.local_irq_disable', 'kthread_use_mm.set_active_mm',
      'switch_mm_irqs_off.switch_mm_irqs_off', 'switch_mm_irqs_off.loaded_mm_switching', 'switch_mm_irqs_off.cpumask_switch',
      'switch_mm_irqs_off.choose_new_asid', 'switch_mm_irqs_off.load_new_mm_cr3', 'kthread_use_mm.local_irq_enable',
      'kthread_use_mm.mmdrop_lazy_tlb', 'mmdrop_lazy_tlb.mmdrop_lazy_tlb', 'mmdrop.atomic_dec_and_test', 'mmdrop_lazy_tlb.ret', 'kthread_use_mm.ret']);
  });
  it('unuse leaves M as the lazy active_mm: the use reference becomes the lazy one', () => {
    const s = r.after(5);
    expect(task(s, 'K').mm).toBe(-1);
    expect(name(s, task(s, 'K').active_mm)).toBe('M');
    expect(s.cpus[1].is_lazy).toBe(true);
    expect(mm(s, 'M').mm_count).toBe(2);
    expect(mm(r.after(6), 'M').mm_users).toBe(1);
    expect(r.ids()).toEqual([]);
  });
});

describe('old use_mm: no interrupts-off bracket', () => {
  it('a CPU not yet in mm_cpumask is not a flush target, so nothing lands mid-switch there', () => {
    const r = new Run({ arch: 'x86', config: { use_mm: 'use_mm' }, tasks: [{ name: 'P', mm: 'M' }, { name: 'K', kthread: true }],
      steps: [
        { cpu: 0, do: 'switch', to: 'P' }, { cpu: 1, do: 'switch', to: 'K' },
        { cpu: 1, do: 'use_mm', mm: 'M', until: 'use_mm.set_mm' },
        { cpu: 0, do: 'munmap', va: '0x400000', free_tables: true },
        { cpu: 1, do: 'continue' },
      ] });
    expect(r.refused()).toEqual([]);
    expect(r.after(3).counters.ipis).toBe(0);
    expect(r.ids()).toEqual([]);
  });
  it('powerpc pre-2020: the single-thread shortcut IPI lands between the active_mm update and switch_mm (I14)', () => {
    // CPU1 ran a thread of M earlier, so it is still in mm_cpumask(M) (powerpc never trims on switch).
    const r = new Run({ arch: 'powerpc', config: { use_mm: 'use_mm', ppc_lazy_flush: 'pre2020' },
      mms: [{ name: 'M', map: { '0x400000': 'A' } }, { name: 'N', map: { '0x400000': 'B' } }],
      tasks: [{ name: 'P', mm: 'M' }, { name: 'R', mm: 'N' }, { name: 'K', kthread: true }],
      steps: [
        { cpu: 1, do: 'switch', to: 'P' }, { cpu: 1, do: 'switch', to: 'R' }, { cpu: 1, do: 'switch', to: 'K' }, { cpu: 0, do: 'switch', to: 'P' },
        { cpu: 1, do: 'use_mm', mm: 'M', until: 'use_mm.set_mm' },
        { cpu: 0, do: 'munmap', va: '0x400000' },
        { cpu: 1, do: 'continue' },
      ] });
    expect(r.ids()).toContain('I14');
    const v = r.t.violations.find((x) => x.id === 'I14')!;
    expect(v.message).toContain('do_exit_flush_lazy_tlb');
  });
  it('when the hardware already has the mm (a lazy x86 CPU), nothing is half-switched: no I14', () => {
    const r = new Run({ arch: 'x86', config: { use_mm: 'use_mm' }, tasks: [{ name: 'P', mm: 'M' }, { name: 'Q', mm: 'M' }, { name: 'K', kthread: true }],
      steps: [
        { cpu: 1, do: 'switch', to: 'Q' }, { cpu: 1, do: 'switch', to: 'K' }, { cpu: 0, do: 'switch', to: 'P' },
        { cpu: 1, do: 'use_mm', mm: 'M', until: 'use_mm.set_mm' },
        { cpu: 0, do: 'munmap', va: '0x400000', free_tables: true },
        { cpu: 1, do: 'continue' },
      ] });
    expect(r.ids()).toEqual([]);
    expect(r.refused()).toEqual([]);
  });
  it('kthread_use_mm holds the IPI until the switch is complete: no I14', () => {
    const r = new Run({ arch: 'x86', tasks: [{ name: 'P', mm: 'M' }, { name: 'Q', mm: 'M' }, { name: 'K', kthread: true }],
      steps: [
        { cpu: 1, do: 'switch', to: 'Q' }, { cpu: 1, do: 'switch', to: 'K' }, { cpu: 0, do: 'switch', to: 'P' },
        { cpu: 1, do: 'mmget_not_zero', mm: 'M' },
        { cpu: 1, do: 'use_mm', mm: 'M', until: 'switch_mm_irqs_off.lazy_reentry_check_tlb_gen' },
        { cpu: 0, do: 'munmap', va: '0x400000', free_tables: true },
        { cpu: 1, do: 'continue' },
      ] });
    expect(r.t.steps.map((s) => s.outcome).slice(-3)).toEqual(['paused', 'blocked', 'done']);
    expect(r.ids()).toEqual([]);
  });
});

describe('COW and reclaim with a secondary MMU', () => {
  it('COW replaces the page and frees the old one after the flush', () => {
    const r = new Run({ arch: 'powerpc', steps: [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 0, do: 'access', va: '0x400000' }, { cpu: 0, do: 'cow', va: '0x400000' }] });
    const s = r.after(2);
    const A = s.pages.find((p) => p.name === 'A')!;
    expect(A.freed).toBe(true);
    expect(rget(mm(s, 'M').pte, 0x400)!.page).not.toBe(A.id);
    expect(s.cpus[0].tlb.some((e) => !e.walk && e.page === A.id)).toBe(false);
    expect(r.ids()).toEqual([]);
  });
  it('reclaim unmaps the page from every mm that maps it', () => {
    const r = new Run({ arch: 'arm64', mms: [{ name: 'M', map: { '0x400000': 'A' } }, { name: 'N', map: { '0x800000': 'A' } }],
      tasks: [{ name: 'P', mm: 'M' }, { name: 'Q', mm: 'N' }], steps: [{ cpu: 0, do: 'reclaim', page: 'A' }] });
    const s = r.after(0);
    expect(rget(mm(s, 'M').pte, 0x400)).toBeUndefined();
    expect(rget(mm(s, 'N').pte, 0x800)).toBeUndefined();
    expect(s.pages.find((p) => p.name === 'A')!.freed).toBe(true);
  });
});

describe('refcount operations', () => {
  it('mmgrab pins are counted by I2; dropping a pin the scenario does not hold is refused', () => {
    const r = new Run({ arch: 'x86', steps: [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 0, do: 'mmgrab', mm: 'M' }, { cpu: 0, do: 'mmdrop', mm: 'M' }, { cpu: 0, do: 'mmdrop', mm: 'M' }] });
    expect(mm(r.after(1), 'M').mm_count).toBe(2);
    expect(mm(r.after(2), 'M').mm_count).toBe(1);
    expect(r.refused()[0]).toContain('no mmgrab pin');
    expect(r.ids()).toEqual([]);
  });
  it('an extra mmput is a real bug the model shows: the mm is torn down under its running task', () => {
    const r = new Run({ arch: 'x86', steps: [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 0, do: 'mmput', mm: 'M' }, { cpu: 0, do: 'access', va: '0x400000' }] });
    expect(mm(r.after(1), 'M').state).toBe('freed');
    expect(r.ids()).toEqual(expect.arrayContaining(['I3', 'I4']));
  });
});

describe('one definition per operation', () => {
  it('every step kind of the format is an operation of ops/, with its own schema', async () => {
    const { OPS } = await import('../src-sim/ops/index.ts');
    const { scenarioSchema } = await import('../src-sim/scenario/schema.ts');
    const kinds = (scenarioSchema.shape.steps.element.options as Array<{ shape: { do: { value: string } } }>).map((o) => o.shape.do.value);
    expect(kinds.sort()).toEqual(Object.keys(OPS).sort());
    for (const [d, def] of Object.entries(OPS)) {
      expect(def.schema.shape.do.value).toBe(d);
      expect(typeof def.describe).toBe('function');
    }
  });
});
