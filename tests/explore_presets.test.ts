/**
 * Every preset variant explored without its schedule (explore/explore.ts: each actor's steps in order, `until` and
 * `continue` dropped), depth-first, within a bound of distinct states chosen to keep this file near 20 s. The table
 * states the expected outcome of each: whether the bound was enough to exhaust the state space, and which invariant
 * ids the search met. A buggy variant must meet every id it expects; an id a variant does not expect (a fixed variant's
 * finding its own schedule does not show) must come with a one-line reason. Any change in the model or the search
 * shows up here: update the row and its reason.
 *
 * Figures for the whole state spaces (beyond these bounds) are in the report of issue 9's counterexample part.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../src-sim/explore/explore.ts';
import { idMatches } from '../src-sim/invariants/catalog.ts';
import { expectOf, variantNames } from '../src-sim/scenario/load.ts';
import { presetById, presets } from '../src-sim/scenario/presets.ts';

/**
 * History, kept so a change shows: before RCU table freeing was modelled (kernel/rcu.ts, mm/mmu_gather.c), exploration
 * found I9 in t0 x86 and in t1's refcount, optout-no-shootdown and shootdown-x86-style variants, all one race: x86's
 * switch_mm_irqs_off (up to ~6.12) takes the CPU out of the old mm's mm_cpumask before it loads the new CR3, with
 * interrupts off; a freed-tables flush in that window skips the CPU, and exit_mmap freed the page tables while its CR3
 * still pointed at them. RCU table freeing (x86: with PARAVIRT, and always since a37259732a7d, "x86/mm: Make
 * MMU_GATHER_RCU_TABLE_FREE unconditional", 6.15) waits for that CPU to turn interrupts back on, after its CR3 write.
 * x86 now frees page tables as its era's bare-metal kernel did (ArchPolicy.rcuTableFree): the default era (v4.20,
 * kernels up to 6.13) frees them at once, so the race is back, as real: the t0 x86 and t1 refcount texts say so, and
 * it is gone in era v6.14 (the CPU stays in the mask) and with rcu_table_free "on" (6.15+, or a paravirt guest). The I4 it found in t1's powerpc shootdown variants was a model
 * error (a task run on a second CPU while the first was still switching away from it; ops/switch.ts
 * switchingAwayFrom): gone too.
 */
type Row = [preset: string, variant: string, bound: number, exhaustive: boolean, ids: string[], why?: string];

const TABLE: Row[] = [
  ['t0-lazy-tlb-basics', 'x86', 1500, false, []],
  ['t0-lazy-tlb-basics', 'arm64', 1500, false, []],
  ['t0-lazy-tlb-basics', 'powerpc', 1500, false, []],
  ['t1-lazy-refcount-optout', 'refcount', 2500, false, ['I9'], 'bare-metal x86 4.19–6.13 (era v4.20 frees page tables at once): a CPU inside switch_mm_irqs_off, out of the mask with CR3 still on M, is skipped by the freed-tables flush; real, closed by 6.14 and 6.15'],
  ['t1-lazy-refcount-optout', 'optout-no-shootdown', 2500, false, ['I3', 'I9'], 'bare-metal x86 4.19–6.13 (era v4.20 frees page tables at once): a CPU inside switch_mm_irqs_off, out of the mask with CR3 still on M, is skipped by the freed-tables flush; real, closed by 6.14 and 6.15'],
  ['t1-lazy-refcount-optout', 'shootdown-powerpc', 2500, false, []],
  ['t1-lazy-refcount-optout', 'shootdown-powerpc-6.4', 2500, false, []],
  ['t1-lazy-refcount-optout', 'shootdown-x86-style', 2500, false, ['I3', 'I9', 'I10b'], 'bare-metal x86 4.19–6.13 (era v4.20 frees page tables at once): a CPU inside switch_mm_irqs_off, out of the mask with CR3 still on M, is skipped by the freed-tables flush; real, closed by 6.14 and 6.15'],
  ['t2-use-mm-mm-users', 'buggy', 10_000, true, ['I7', 'I8', 'I10c', 'I11']],
  ['t2-use-mm-mm-users', 'fixed', 10_000, true, []],
  ['t2-use-mm-mm-users', 'mips', 10_000, true, ['I7', 'I8', 'I11']],
  ['t2-use-mm-mm-users', 'x86', 10_000, true, []],
  ['t3-membarrier-unlazy', 'old', 2500, false, []],
  ['t3-membarrier-unlazy', 'needed', 2500, true, []],
  ['t3-membarrier-unlazy', 'rfc', 2500, false, []],
  ['t3-membarrier-unlazy', 'half-applied', 2500, false, ['I12a']],
  ['t4-mmu-notifier-secondary-tlb', 'buggy', 10_000, true, ['I8', 'I13a']],
  ['t4-mmu-notifier-secondary-tlb', 'fixed', 10_000, true, []],
  ['t4-mmu-notifier-secondary-tlb', 'v6.6-no-pin', 10_000, true, []],
  ['t4-mmu-notifier-secondary-tlb', 'cow-buggy', 10_000, true, ['I13b']],
  ['t4-mmu-notifier-secondary-tlb', 'cow-fixed', 10_000, true, []],
  ['t5-fullmm-upfront-flush', 'buggy', 10_000, true, ['I8', 'I9', 'I16']],
  ['t5-fullmm-upfront-flush', 'fixed', 10_000, true, []],
  ['t5-fullmm-upfront-flush', 'x86-buggy', 10_000, true, ['I16']],
  ['t5-fullmm-upfront-flush', 'x86-fixed', 10_000, true, []],
  ['t5-fullmm-upfront-flush', 'x86-2012', 10_000, true, ['I16']],
  ['t5-fullmm-upfront-flush', 's390-2012', 10_000, true, []],
  ['t5-fullmm-upfront-flush', 's390-2016-upfront', 10_000, true, ['I9', 'I16']],
  ['t5-fullmm-upfront-flush', 's390-2016', 10_000, true, []],
  ['t5-fullmm-upfront-flush', 'x86-4.19rc', 10_000, true, ['I9']],
];

describe('every preset variant, explored without its schedule', () => {
  it('the table covers every preset variant, once', () => {
    const all = presets().flatMap((p) => variantNames(p).map((v) => `${p.id} ${v}`));
    expect(TABLE.map(([p, v]) => `${p} ${v}`).sort()).toEqual(all.sort());
  });

  it('the table is consistent: every expected id is listed, every unexpected id has its reason', () => {
    for (const [p, v, , , ids, why] of TABLE) {
      const expected = expectOf(presetById(p)!, v).map((e) => (typeof e === 'string' ? e : e.id));
      for (const e of expected) expect(ids.some((id) => idMatches(e, id)), `${p} ${v}: expects ${e}`).toBe(true);
      const extra = ids.filter((id) => !expected.some((e) => idMatches(e, id)));
      if (extra.length) expect(why, `${p} ${v}: ${extra.join(', ')} not expected by the preset: say why`).toBeTruthy();
    }
  });

  for (const [p, v, bound, exhaustive, ids] of TABLE) {
    it(`${p} --variant ${v}`, () => {
      const r = explore(presetById(p)!, v, { maxStates: bound });
      expect({ exhaustive: r.exhaustive, ids: r.violations.map((x) => x.id) }).toEqual({ exhaustive, ids });
      if (!exhaustive) expect(r.bound).toBe(`${bound} states`);
    });
  }
});
