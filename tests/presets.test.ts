/**
 * The basics preset (the mechanism working as designed, on three architectures) and the five threads
 * (kernel-semantics.md §3): every preset variant violates exactly what its `expect` says, first at
 * the step where the kernel goes wrong, and the model state at the key steps is what the reproduction describes.
 */
import { describe, expect, it } from 'vitest';
import { variantNames } from '../src-sim/scenario/load.ts';
import { presetById, presets } from '../src-sim/scenario/presets.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import type { Snapshot } from '../src-sim/model/types.ts';
import { mm, name, task } from './harness.ts';

function run(id: string, variant: string) {
  const t = new Timeline(presetById(id)!, variant);
  const setup = t.file.setup?.length ?? 0;
  const after = (i: number): Snapshot => {
    const s = t.steps[setup + i];
    return t.stateAt(s.firstMicrostep + s.microstepCount - 1);
  };
  const firstStep = (invariant: string) => {
    const v = t.violations.find((x) => x.id === invariant);
    return v ? v.step - setup : null;
  };
  return { t, after, firstStep };
}

describe('every preset variant matches its expect', () => {
  for (const p of presets()) {
    for (const v of variantNames(p)) {
      it(`${p.id} --variant ${v}`, () => {
        const r = new Timeline(p, v).expectResult();
        expect(r.mismatches).toEqual([]);
        expect(r.ok).toBe(true);
      });
    }
  }
  it('has the basics first, then the five threads', () => {
    expect(presets().map((p) => p.id)).toEqual([
      't0-lazy-tlb-basics', 't1-lazy-refcount-optout', 't2-use-mm-mm-users', 't3-membarrier-unlazy', 't4-mmu-notifier-secondary-tlb', 't5-fullmm-upfront-flush',
    ]);
  });
  it('narrates every step; each thread cites its sources', () => {
    for (const p of presets()) {
      for (const s of [...(p.setup ?? []), ...p.steps]) expect(s.note, `${p.id}: ${s.do}`).toBeTruthy();
      for (const v of Object.values(p.variants ?? {})) expect(v.explanation).toBeTruthy();
      if (p.id === 't0-lazy-tlb-basics') continue; // the mechanism itself, not a thread
      expect(p.source?.messageIds.length).toBeGreaterThan(0);
      expect(p.source?.archive).toMatch(/^https:\/\//);
    }
  });
});

describe('T1: lazy refcount opt-out', () => {
  it('powerpc eras: 6.6+ detaches the lazy CPU at the teardown flush, 6.4–6.5 only at the final mmdrop (ppc_exit_flush)', () => {
    const ran = (variant: string) => {
      const { t } = run('t1-lazy-refcount-optout', variant);
      const exit = t.steps[t.file.setup!.length + 2];
      const rows = [];
      for (let i = exit.firstMicrostep; i < exit.firstMicrostep + exit.microstepCount; i++) rows.push(t.microstepRow(i));
      return { t, rows: rows.map((r) => `${r.cpu}:${r.fn}.${r.label}`) };
    };
    const v66 = ran('shootdown-powerpc');
    const v64 = ran('shootdown-powerpc-6.4');
    expect(v66.rows).toContain('cpu1:exit_lazy_flush_tlb.exit_lazy_flush_tlb');
    expect(v64.rows).not.toContain('cpu1:exit_lazy_flush_tlb.exit_lazy_flush_tlb');
    // 6.4: K stays attached through the flush; cleanup_lazy_tlbs shoots CPU1 down before M is freed
    const shoot = v64.rows.indexOf('cpu1:do_shoot_lazy_tlb.do_shoot_lazy_tlb');
    expect(shoot).toBeGreaterThan(v64.rows.indexOf('cpu0:__mmdrop.cleanup_lazy_tlbs'));
    expect(shoot).toBeLessThan(v64.rows.indexOf('cpu0:__mmdrop.free_mm'));
    for (const { t } of [v66, v64]) expect(t.violations).toEqual([]);
  });
  it('refcount: M lives until the last lazy user drops it, and lazy switches cost atomics', () => {
    const { t, after } = run('t1-lazy-refcount-optout', 'refcount');
    expect(mm(after(2), 'M').state).toBe('dead');
    expect(mm(after(2), 'M').mm_count).toBe(2); // K and the dying P still borrow it
    expect(mm(after(5), 'M').state).toBe('freed');
    expect(t.counters()[t.file.setup!.length].mmCountAtomics).toBe(1); // the switch to K grabbed
  });
  it('opt-out without shootdown: M is freed while K (CPU1) and P (CPU0) still have it as active_mm', () => {
    const { after, firstStep } = run('t1-lazy-refcount-optout', 'optout-no-shootdown');
    const s = after(2);
    expect(mm(s, 'M').state).toBe('freed');
    expect(name(s, task(s, 'K').active_mm)).toBe('M');
    expect(name(s, s.cpus[1].loaded_mm)).toBe('init_mm'); // x86's freed_tables IPI did unload it
    expect(firstStep('I3')).toBe(2);
  });
  it('powerpc shootdown: both lazy users are moved to init_mm before the free', () => {
    const { after } = run('t1-lazy-refcount-optout', 'shootdown-powerpc');
    const s = after(2);
    expect(mm(s, 'M').state).toBe('freed');
    expect(name(s, task(s, 'K').active_mm)).toBe('init_mm');
    expect(name(s, task(s, 'P').active_mm)).toBe('init_mm');
  });
});

describe('T2: use_mm without mmget', () => {
  it('powerpc pre-2020: the mm_users == 1 shortcut trims the mask to CPU0 and W keeps its entry', () => {
    const { after, firstStep } = run('t2-use-mm-mm-users', 'buggy');
    const s = after(2);
    expect(mm(s, 'M').mm_users).toBe(1);
    expect(mm(s, 'M').cpumask).toEqual([true, false]);
    expect(s.cpus[1].tlb.some((e) => !e.walk && e.va === 0x400)).toBe(true);
    expect(firstStep('I11')).toBe(2);
    expect(firstStep('I8')).toBe(2);
  });
  it('fixed: use_mm took mmget, the flush is a global tlbie and W faults instead of corrupting memory', () => {
    const { t, after } = run('t2-use-mm-mm-users', 'fixed');
    expect(mm(after(0), 'M').mm_users).toBe(2);
    expect(after(2).cpus[1].tlb.some((e) => !e.walk && e.va === 0x400)).toBe(false);
    expect(t.warnings.some((w) => w.id === 'fault' && w.message.includes('-EFAULT'))).toBe(true);
  });
});

describe('T3: membarrier SYNC_CORE and lazy re-entry', () => {
  it('old: the sync after the unlazy is redundant; needed: it is not; rfc: none redundant', () => {
    expect(run('t3-membarrier-unlazy', 'old').t.totals().redundantCoreSyncs).toBe(1);
    expect(run('t3-membarrier-unlazy', 'needed').t.totals().redundantCoreSyncs).toBe(0);
    expect(run('t3-membarrier-unlazy', 'rfc').t.totals().redundantCoreSyncs).toBe(0);
  });
  it('membarrier skips the lazy CPU (its rq->curr is a kthread)', () => {
    const { t } = run('t3-membarrier-unlazy', 'needed');
    const setup = t.file.setup!.length;
    expect(t.counters()[setup + 5].ipis).toBe(1); // only CPU1's T1; CPU2 runs its idle task
  });
});

describe('T4: secondary TLB invalidation', () => {
  it('buggy: the device writes into the freed, reused frame', () => {
    const { t, firstStep } = run('t4-mmu-notifier-secondary-tlb', 'buggy');
    expect(firstStep('I13a')).toBe(1);
    expect(t.violations.some((v) => v.id === 'I8' && v.message.includes('reused'))).toBe(true);
  });
});

describe('T5: up-front fullmm flush', () => {
  it('arm64: the lazy CPU refills after the early flush and keeps a walk-cache pointer to the freed table', () => {
    const { after, firstStep } = run('t5-fullmm-upfront-flush', 'buggy');
    const s = after(1);
    expect(name(s, s.cpus[1].loaded_mm)).toBe('M');
    expect(s.cpus[1].tlb.some((e) => e.walk)).toBe(true);
    expect(firstStep('I16')).toBe(0);
    expect(firstStep('I9')).toBe(2);
  });
  it('x86 4.20+: the up-front flush_tlb_mm is a freed_tables flush, so lazy CPU1 is IPI\'d and leaves M first', () => {
    const { t, after } = run('t5-fullmm-upfront-flush', 'x86-buggy');
    const setup = t.file.setup!.length;
    expect(t.counters()[setup].ipis).toBe(1);
    expect(name(after(0), after(0).cpus[1].loaded_mm)).toBe('init_mm');
    expect(t.violations.map((v) => v.id)).toEqual(['I16', 'I16']);
  });
  it('x86, 2018 merge-window series (no freed_tables exception, reverted before 4.19-rc1): the teardown flush skips lazy CPU1 and the table is freed under it', () => {
    const { firstStep } = run('t5-fullmm-upfront-flush', 'x86-4.19rc');
    expect(firstStep('I9')).toBe(2);
  });
});

describe('T0: lazy TLB basics', () => {
  const cpu0Tlb = (s: Snapshot) => s.cpus[0].tlb.filter((e) => !e.walk).map((e) => e.va * 4096);
  it('x86: the lazy CPU is skipped by the unmap, catches up through tlb_gen, and is moved to init_mm when tables are freed', () => {
    const { t, after } = run('t0-lazy-tlb-basics', 'x86');
    expect(name(after(2), after(2).cpus[0].loaded_mm)).toBe('M');
    expect(after(2).cpus[0].is_lazy).toBe(true);
    expect(mm(after(2), 'M').mm_count).toBe(2); // the borrow is counted
    // step 4: no IPI reaches CPU0; its TLB keeps the now stale entry for 0x400000
    expect(t.counters()[t.file.setup!.length + 4].ipis).toBe(0);
    expect(cpu0Tlb(after(4))).toContain(0x400000);
    expect(after(4).cpus[0].ctxs.find((c) => c.ctx_id === mm(after(4), 'M').ctx_id)!.tlb_gen).toBeLessThan(mm(after(4), 'M').tlb_gen);
    // step 5: back on M, it flushes before user code runs
    expect(cpu0Tlb(after(5))).not.toContain(0x400000);
    // step 7: page tables freed: the lazy CPU gets the IPI and its hardware leaves M; active_mm stays M
    expect(t.counters()[t.file.setup!.length + 7].ipis).toBe(1);
    expect(name(after(7), after(7).cpus[0].loaded_mm)).toBe('init_mm');
    expect(name(after(7), task(after(7), 'P').active_mm)).toBe('M');
    // step 8: the last user exits; two borrowers keep the mm_struct
    expect(mm(after(8), 'M')).toMatchObject({ mm_users: 0, mm_count: 2, state: 'dead' });
    expect(mm(after(9), 'M')).toMatchObject({ mm_count: 1, state: 'dead' });
    expect(mm(after(10), 'M')).toMatchObject({ mm_count: 0, state: 'freed' });
  });
  it('arm64: the broadcast invalidate reaches the lazy CPU without an IPI; borrows are counted', () => {
    const { t, after } = run('t0-lazy-tlb-basics', 'arm64');
    expect(mm(after(2), 'M').mm_count).toBe(2);
    expect(cpu0Tlb(after(4))).not.toContain(0x400000);
    expect(cpu0Tlb(after(4))).toContain(0x600000);
    expect(t.totals().ipis).toBe(0);
    expect(name(after(7), after(7).cpus[0].loaded_mm)).toBe('M'); // TTBR0 still on M: the walks were invalidated
    expect(mm(after(8), 'M')).toMatchObject({ mm_users: 0, mm_count: 2, state: 'dead' });
    expect(mm(after(10), 'M').state).toBe('freed');
  });
  it('powerpc: borrows are not counted; lazy users are shot down before the mm is freed', () => {
    const { after } = run('t0-lazy-tlb-basics', 'powerpc');
    expect(mm(after(2), 'M').mm_count).toBe(1);
    expect(cpu0Tlb(after(4))).not.toContain(0x400000); // tlbie reached it
    // step 7: one user left: exit_flush_lazy_tlbs moves the dead P on CPU0 to init_mm and trims the mask
    expect(name(after(7), task(after(7), 'P').active_mm)).toBe('init_mm');
    expect(after(7).mms.find((m) => m.name === 'M')!.cpumask[0]).toBe(false);
    // step 8: the last mmdrop shoots down CPU1's dying T and frees M at once
    expect(mm(after(8), 'M')).toMatchObject({ mm_users: 0, mm_count: 0, state: 'freed' });
    expect(name(after(8), task(after(8), 'T').active_mm)).toBe('init_mm');
  });
  it('names in each variant\'s narration are kernel code that variant runs, or state the model has', () => {
    const p = presetById('t0-lazy-tlb-basics')!;
    // Identifiers of data, Kconfig options and architectures the narration may name without running them.
    const data = new Set(['active_mm', 'mm_count', 'mm_users', 'mm_cpumask', 'tlb_gen', 'init_mm', 'mm_struct', 'cpu_tlbstate_shared', 'is_lazy', 'freed_tables', 'MMU_LAZY_TLB_SHOOTDOWN', 'book3s64']);
    for (const v of variantNames(p)) {
      const t = new Timeline(p, v);
      const ran = new Set<string>();
      for (let i = 0; i < t.microstepCount; i++) {
        const row = t.microstepRow(i);
        ran.add(row.fn);
        ran.add(row.label);
      }
      for (const step of t.steps) {
        for (const word of (step.note ?? '').match(/\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b/g) ?? []) {
          expect(ran.has(word) || data.has(word), `${v}, step ${step.number}: "${word}" is neither run in this variant nor known state`).toBe(true);
        }
      }
    }
  });
});
