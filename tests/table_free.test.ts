/**
 * Page-table freeing paths (mm/mmu_gather.c): RCU table freeing and the GUP-fast walker it protects, the pre-4.19
 * tlb_remove_table() shortcut (mm_users < 2: free at once), and the batch-allocation fallback (invalidate, IPI every
 * CPU, free). Each hazard is shown with the protection off and shown absent with it on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomScenario, randomSteps, allFixesConfig } from '../src-sim/scenario/random.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import { Run, type Spec } from './harness.ts';
import type { Config, Snapshot } from '../src-sim/model/types.ts';
import type { StepFile } from '../src-sim/scenario/schema.ts';
import { explore } from '../src-sim/explore/explore.ts';
import { file } from './harness.ts';

const table = (s: Snapshot) => s.pages.find((p) => p.name.startsWith('pt:M/'))!;

/** Two threads of M; Q on CPU1 walks 0x400000 lockless and pauses holding the PTE-table page; P on CPU0 unmaps it. */
/** CPU1 walks the page table with interrupts off (paused in it) while CPU0 unmaps and frees the table, then CPU1 goes on. */
const WALKER_STEPS: Spec['steps'] = [
  { cpu: 1, do: 'gup_fast', va: '0x400000', until: 'gup_fast_pte_range' },
  { cpu: 0, do: 'munmap', va: '0x400000', free_tables: true },
  { cpu: 1, do: 'continue' },
];

function walkerRace(arch: Spec['arch'], config: Partial<Config>): Run {
  return new Run({
    arch,
    config,
    tasks: [{ name: 'P', mm: 'M' }, { name: 'Q', mm: 'M' }],
    setup: [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 1, do: 'switch', to: 'Q' }],
    steps: WALKER_STEPS,
  });
}

describe('RCU table freeing protects a GUP-fast walker', () => {
  it('arm64 (TLBI broadcast, no IPI): the table waits for the walker to enable interrupts', () => {
    const r = walkerRace('arm64', {});
    expect(r.ids()).toEqual([]);
    expect(table(r.after(1)).freed).toBe(false); // munmap finished; the grace period waits for CPU1
    expect(r.after(1).cpus[0].rcu_cbs.map((cb) => cb.waiting)).toEqual([[1]]);
    const end = table(r.after(2));
    expect(end.freed).toBe(true);
    expect(end.freed_by).toContain('RCU callback tlb_remove_table_rcu');
    expect(r.labels(2)).toContain('gup_fast.gup_fast_pte_range');
  });

  it('arm64 without it: the table is freed under the walker (I9 at the free and at the read)', () => {
    const r = walkerRace('arm64', { rcu_table_free: 'off' });
    const i9 = r.t.violations.filter((v) => v.id === 'I9').map((v) => v.message);
    expect(i9.some((m) => m.includes("CPU1's gup_fast walk (interrupts off) holds a pointer"))).toBe(true);
    expect(i9.some((m) => m.includes('reads a PTE in its GUP-fast walk'))).toBe(true);
    expect(table(r.after(1)).freed).toBe(true);
  });

  it('x86 bare metal before 6.15 (no RCU table freeing): the flush IPI, held off by the walker, protects it', () => {
    const r = walkerRace('x86', { rcu_table_free: 'off' });
    expect(r.ids()).toEqual([]);
    expect(r.t.steps[r.t.file.setup!.length + 1].outcome).toBe('blocked'); // munmap waits in flush_tlb_mm_range
    expect(table(r.after(1)).freed).toBe(false);
    expect(table(r.after(2)).freed).toBe(true);
  });
});

describe('the pre-4.19 tlb_remove_table() shortcut (mm_users < 2: free at once, no flush)', () => {
  /** Linus Torvalds, 2018: a kthread inside use_mm is not counted in mm_users and can do GUP-fast. */
  const useMmWalker = (era: Config['tlb_remove_table']): Run =>
    new Run({
      arch: 'x86',
      config: { tlb_remove_table: era, rcu_table_free: 'on' }, // x86 4.14–4.18 freed tables through RCU
      tasks: [{ name: 'P', mm: 'M' }, { name: 'K', kthread: true }],
      setup: [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 1, do: 'switch', to: 'K' }, { cpu: 1, do: 'use_mm', mm: 'M' }],
      steps: [
        { cpu: 1, do: 'gup_fast', va: '0x400000', until: 'gup_fast_pte_range' },
        { cpu: 0, do: 'munmap', va: '0x400000', free_tables: true },
        { cpu: 1, do: 'continue' },
      ],
    });

  it('frees the table under a use_mm kthread\'s GUP-fast walk', () => {
    const r = useMmWalker('pre-4.19');
    expect(r.ids()).toContain('I9');
    expect(r.labels(1)).toContain('tlb_remove_table.__tlb_remove_table');
    expect(table(r.after(1)).freed_by).toContain('tlb_remove_table › __tlb_remove_table');
  });

  it('the 2018 fix: batched, flushed (the IPI waits for the walker), then RCU-freed', () => {
    const r = useMmWalker('v4.19');
    expect(r.ids()).toEqual([]);
    expect(r.labels(1)).not.toContain('tlb_remove_table.__tlb_remove_table');
    expect(table(r.after(2)).freed).toBe(true);
  });

  /** Will Deacon, 2018: lazy users are not counted in mm_users and may walk speculatively. */
  const lazyWalker = (era: Config['tlb_remove_table']): Run =>
    new Run({
      arch: 'x86',
      config: { tlb_remove_table: era, rcu_table_free: 'on' }, // x86 4.14–4.18 freed tables through RCU
      tasks: [{ name: 'P', mm: 'M' }, { name: 'K', kthread: true }],
      steps: [
        { cpu: 1, do: 'switch', to: 'P' },
        { cpu: 1, do: 'access', va: '0x400000' },
        { cpu: 1, do: 'switch', to: 'K' }, // CPU1 lazy on M, its walk cache pointing at M's PTE-table page
        { cpu: 0, do: 'switch', to: 'P' },
        { cpu: 0, do: 'munmap', va: '0x400000', free_tables: true },
      ],
    });

  it('frees the table while a lazy CPU\'s walk cache still points at it', () => {
    const r = lazyWalker('pre-4.19');
    const msgs = r.t.violations.filter((v) => v.id === 'I9').map((v) => v.message);
    expect(msgs.some((m) => m.includes("CPU1's walk cache still points at it"))).toBe(true);
  });

  it('the 2018 fix: the freed_tables flush reaches the lazy CPU before the free', () => {
    expect(lazyWalker('v4.19').ids()).toEqual([]);
  });

  it('needs RCU table freeing: with tlb_remove_page (rcu_table_free "off") there is no shortcut', () => {
    const r = new Run({ ...useMmWalkerSpec(), config: { tlb_remove_table: 'pre-4.19', rcu_table_free: 'off' } });
    expect(r.ids()).toEqual([]);
  });
});

function useMmWalkerSpec(): Spec {
  return {
    arch: 'x86',
    tasks: [{ name: 'P', mm: 'M' }, { name: 'K', kthread: true }],
    setup: [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 1, do: 'switch', to: 'K' }, { cpu: 1, do: 'use_mm', mm: 'M' }],
    steps: WALKER_STEPS,
  };
}

describe('the batch-allocation fallback (tlb_remove_table_one)', () => {
  it('IPIs every other CPU and frees only once the walker took it', () => {
    const r = walkerRace('arm64', { table_batch_alloc_fails: true });
    expect(r.ids()).toEqual([]);
    expect(r.labels(1)).toEqual(expect.arrayContaining(['tlb_remove_table.tlb_table_invalidate', 'tlb_remove_table.tlb_remove_table_sync_one']));
    expect(r.t.steps[r.t.file.setup!.length + 1].outcome).toBe('blocked'); // waits for CPU1's interrupts
    expect(table(r.after(1)).freed).toBe(false);
    expect(r.labels(2)).toEqual(expect.arrayContaining(['tlb_remove_table_smp_sync.tlb_remove_table_smp_sync', 'tlb_remove_table.__tlb_remove_table']));
    expect(table(r.after(2)).freed_by).toContain('tlb_remove_table › __tlb_remove_table');
  });

  /** Before 4.19 the fallback did not invalidate the TLBs first (x86 lacked it; Jann Horn's report, 2018). */
  const cachedWalk = (era: Config['tlb_remove_table']): Run =>
    new Run({
      arch: 'arm64',
      config: { table_batch_alloc_fails: true, tlb_remove_table: era },
      tasks: [{ name: 'P', mm: 'M' }, { name: 'Q', mm: 'M' }],
      setup: [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 1, do: 'switch', to: 'Q' }],
      steps: [
        { cpu: 1, do: 'access', va: '0x400000' },
        { cpu: 0, do: 'munmap', va: '0x400000', free_tables: true },
      ],
    });

  it('pre-4.19: the table is freed while another CPU\'s walk cache still points at it', () => {
    const r = cachedWalk('pre-4.19');
    expect(r.ids()).toContain('I9');
    expect(r.labels(1)).not.toContain('tlb_remove_table.tlb_table_invalidate');
  });

  it('4.19+: invalidated first', () => {
    expect(cachedWalk('v4.19').ids()).toEqual([]);
  });
});

describe('the explorer: a CPU inside switch_mm_irqs_off, out of the mask with CR3 still on the mm', () => {
  /** CPU0 switches P (M) -> R (N) while Q (M) on CPU1 unmaps a range with its page table. */
  const race = (config: Partial<Config>) =>
    file({
      arch: 'x86',
      config,
      mms: [{ name: 'M', map: { '0x400000': 'A' } }, { name: 'N', map: { '0x800000': 'B' } }],
      tasks: [{ name: 'P', mm: 'M' }, { name: 'Q', mm: 'M' }, { name: 'R', mm: 'N' }],
      setup: [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 0, do: 'access', va: '0x400000' }, { cpu: 1, do: 'switch', to: 'Q' }],
      steps: [{ cpu: 0, do: 'switch', to: 'R' }, { cpu: 1, do: 'munmap', va: '0x400000', free_tables: true }] as StepFile[],
    });

  it('x86 bare metal 4.19–6.13 (rcu_table_free "off", what the default era does): the freed_tables flush skips it and the table is freed (I9)', () => {
    for (const config of [{ rcu_table_free: 'off' as const }, {}]) {
    const r = explore(race(config), null);
    expect(r.exhaustive).toBe(true);
    expect(r.violations.map((v) => v.id)).toEqual(['I9']);
    expect(r.violations[0].message).toContain('CPU0 still had its mm attached with no flush');
    expect(r.violations[0].schedule).toContain('cpu0 switch_mm_irqs_off.cpumask_switch');
    }
  });

  it('with RCU table freeing (6.15+, or a paravirt guest) the grace period waits for its interrupts: no violation in any interleaving', () => {
    const r = explore(race({ rcu_table_free: 'on' }), null);
    expect(r.exhaustive).toBe(true);
    expect(r.violations).toEqual([]);
  });
});

describe('every interleaving of a GUP-fast walk and an unmap that frees its table, on every arch', () => {
  /** Q walks 0x400000 lockless on CPU1 while P unmaps it with its page table on CPU0: the explorer tries every order. */
  const race = (arch: Spec['arch'], config: Partial<Config>) =>
    file({
      arch,
      config,
      tasks: [{ name: 'P', mm: 'M' }, { name: 'Q', mm: 'M' }],
      setup: [{ cpu: 0, do: 'switch', to: 'P' }, { cpu: 1, do: 'switch', to: 'Q' }],
      steps: [{ cpu: 1, do: 'gup_fast', va: '0x400000' }, { cpu: 0, do: 'munmap', va: '0x400000', free_tables: true }] as StepFile[],
    });

  for (const arch of ['x86', 'powerpc', 'arm64', 's390', 'mips'] as const) {
    it(`${arch}: safe as the arch selects it; without RCU table freeing safe only where the flush is an IPI`, () => {
      const asToday = explore(race(arch, {}), null);
      expect(asToday.exhaustive).toBe(true);
      expect(asToday.violations).toEqual([]);
      const off = explore(race(arch, { rcu_table_free: 'off' }), null);
      expect(off.exhaustive).toBe(true);
      const ipiFlush = arch === 'x86' || arch === 'mips';
      expect(off.violations.map((v) => v.id)).toEqual(ipiFlush ? [] : ['I9']);
      const fallback = explore(race(arch, { table_batch_alloc_fails: true, rcu_table_free: 'on' }), null);
      expect(fallback.violations).toEqual([]);
    });
  }
});

describe('random schedules with every fix applied and the table batch allocation failing (tlb_remove_table_one)', () => {
  for (const arch of ['x86', 'powerpc', 'arm64', 's390', 'mips'] as const) {
    it(`${arch}: the fallback path never violates an invariant`, () => {
      let fallbacks = 0;
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
          const config: Partial<Config> = { ...allFixesConfig(arch), table_batch_alloc_fails: true, rcu_table_free: 'on' };
          const f = randomScenario({ arch, cpus: 3, mms: 2, tasksPerMm: 2, kthreads: 2, devices: 2, pagesPerMm: 5, config });
          const t = new Timeline(f, null, { extend: randomSteps(seed, 200, { pagesPerMm: 5 }) });
          expect(t.internalError).toBeNull();
          expect(t.violations.map((v) => `${v.id} at step ${v.step}: ${v.message}`)).toEqual([]);
          for (let i = 0; i < t.microstepCount; i++) if (t.microstepRow(i).label === 'tlb_remove_table_sync_one') fallbacks++;
        }),
        // a fixed seed: the runs, and so the count of fallbacks they took, are the same every time
        { numRuns: 6, seed: 10 },
      );
      expect(fallbacks).toBeGreaterThan(0);
    });
  }
});
