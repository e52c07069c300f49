/**
 * Issue 10: a function a variant shows with a source link must exist, under that name, in the kernel of the variant's
 * release. VERIFIED lists, per release, the names checked against that release's source (the comment above each says
 * where); every preset variant and example file is run, old eras and today's, and every linked function it shows must
 * be in its release's list. A name the model gains, or an era it moves to, fails here
 * until someone checks it and adds it. The generic renames themselves: src-sim/engine/generic_names.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Run } from './harness.ts';
import { EraNames, TODAY, pinnedRelease } from '../src-sim/engine/era.ts';
import { genericNames } from '../src-sim/engine/generic_names.ts';
import { parseScenarioText, variantNames } from '../src-sim/scenario/load.ts';
import { presets } from '../src-sim/scenario/presets.ts';
import type { ScenarioFile } from '../src-sim/scenario/schema.ts';
import { Timeline } from '../src-sim/timeline/timeline.ts';
import type { Config } from '../src-sim/model/types.ts';

/** The generic functions 3.x had under these names (kernel/fork.c mmput and __mmdrop, kernel/exit.c do_exit,
 * kernel/sched/core.c __schedule, context_switch and finish_task_switch, mm/mmap.c exit_mmap, mm/memory.c
 * handle_mm_fault, tlb_gather_mmu, tlb_flush_mmu, tlb_finish_mmu; include/linux/sched.h mmdrop), read in the v3.6 tree
 * New-B/Linux3.6 (its x86 is modified; these files are not) and, for context_switch, a 3.x copy in GA1122/Download. */
const GENERIC_3X = ['__schedule', 'context_switch', 'finish_task_switch', 'do_exit', 'mmput', 'mmdrop', 'exit_mmap', 'handle_mm_fault', 'tlb_gather_mmu', 'tlb_flush_mmu', 'tlb_finish_mmu', 'enter_lazy_tlb', 'switch_mm'];

const VERIFIED: Record<string, readonly string[]> = {
  // x86 3.x read at v3.10 (arch/x86/include/asm/mmu_context.h switch_mm and enter_lazy_tlb, arch/x86/mm/tlb.c
  // flush_tlb_mm_range, flush_tlb_func, leave_mm: checked with the era10b work; flush_tlb_func also in a 3.x copy in
  // kpatsakis/linevul); the generic code as in 3.6 (GENERIC_3X; nothing of it was renamed between 3.6 and 3.10:
  // tlb_gather_mmu's signature changed in 3.11, tlb_flush_mmu was split in 3.15).
  'v3.10': [...GENERIC_3X, 'flush_tlb_mm_range', 'flush_tlb_func', 'leave_mm'],
  // s390 2012 read at v3.6 (New-B/Linux3.6 arch/s390/include/asm/tlbflush.h __tlb_flush_mm, kernel/sched/sched.h's
  // empty finish_arch_post_lock_switch; asm/tlb.h for s390's own mmu_gather inlines).
  'v3.6': [...GENERIC_3X, '__tlb_flush_mm', 'finish_arch_post_lock_switch'],
  // x86 4.14. DepSurf/function (per-release presence, 4.13 and 4.15 builds): flush_tlb_func_common (4.13-5.x),
  // switch_mm_irqs_off, mmdrop (sched/mm.h since 4.11), wp_page_copy (since 4.1), try_to_unmap; membarrier_switch_mm
  // and membarrier_mm_sync_core_before_usermode absent (so shown as the call and a hook: generic_names.ts).
  'v4.14': ['__schedule', 'context_switch', 'finish_task_switch', 'enter_lazy_tlb', 'switch_mm_irqs_off', 'flush_tlb_mm_range', 'flush_tlb_func_common', 'mmdrop', 'handle_mm_fault', 'try_to_unmap', 'wp_page_copy'],
  // powerpc pre-2020 read at v5.4 (arch/powerpc/mm/book3s64/radix_tlb.c exit_flush_lazy_tlbs, do_exit_flush_lazy_tlb,
  // radix__tlb_flush: checked with the era10b work); generic: use_mm / unuse_mm in mm/mmu_context.c (kthread_use_mm
  // only from 5.8; v3.4 copy in garghub/TROVON), mmdrop / mmput, mmu_gather in mm/mmu_gather.c (since 4.20), munmap.
  // Every other variant with config.use_mm "use_mm" is read here too (engine/era.ts KNOB_RELEASES): x86 4.19-6.13
  // design at 5.4 (a 5.4.y arch/x86/mm/tlb.c, CodeLinaro-mirror/femto5g_oss_kernel_linux-ipq-5.4-rt:
  // switch_mm_irqs_off, switch_mm, enter_lazy_tlb, flush_tlb_mm_range, the static flush_tlb_func_common under
  // flush_tlb_func_local / _remote, native_flush_tlb_others with tlb_is_not_lazy; DepSurf: flush_tlb_func_common
  // present 4.13 to 5.11); mmget_not_zero (include/linux/sched/mm.h since 4.11) and wp_page_copy (mm/memory.c since
  // 4.1), both also in the 4.14 and 6.12 lists; alpha arch/alpha/kernel/smp.c ipi_flush_tlb_page and mips
  // arch/mips/kernel/smp.c flush_tlb_range_ipi, static there from 2.6 trees to 6.x trees (patches and copies found
  // with the code search, among them James Hogan's flush_tlb_range !exec fix and the 5.x MMID variant).
  'v5.4': ['__schedule', 'context_switch', 'finish_task_switch', 'enter_lazy_tlb', 'switch_mm', 'switch_mm_irqs_off', 'flush_tlb_mm_range', 'flush_tlb_func_common', 'do_exit_flush_lazy_tlb', 'exit_flush_lazy_tlbs', 'flush_tlb_range_ipi', 'ipi_flush_tlb_page', 'tlb_flush', 'tlb_gather_mmu', 'tlb_flush_mmu', 'tlb_finish_mmu', 'mmdrop', 'mmput', 'mmget_not_zero', 'munmap', 'handle_mm_fault', 'wp_page_copy', 'use_mm', 'unuse_mm'],
  // powerpc 6.4: the lazy-TLB refcount helpers and shootdown (mmdrop_lazy_tlb, __mmdrop's cleanup_lazy_tlbs,
  // do_shoot_lazy_tlb) came in 6.3 (DepSurf: mmgrab_lazy_tlb absent in 6.2, present in 6.5); the rest as today.
  'v6.4': ['__schedule', 'context_switch', 'finish_task_switch', 'enter_lazy_tlb', 'switch_mm', 'switch_mm_irqs_off', 'flush_tlb_mm_range', 'tlb_flush', 'tlb_gather_mmu', 'tlb_flush_mmu', 'tlb_finish_mmu', 'do_exit', 'exit_mmap', 'mmput', '__mmput', 'mmdrop', '__mmdrop', 'mmdrop_lazy_tlb', 'do_shoot_lazy_tlb'],
  // Today (v6.12), checked December 2026 against the torvalds/linux tree (newer than 6.12; none of these was added
  // after 6.12): kernel/sched/core.c, kernel/fork.c (__mmdrop, mmput, __mmput, do_shoot_lazy_tlb), kernel/exit.c,
  // include/linux/sched/mm.h (mmdrop, mmdrop_lazy_tlb, mmget_not_zero), mm/mmap.c (exit_mmap; munmap is its
  // SYSCALL_DEFINE2), mm/memory.c (handle_mm_fault, wp_page_copy), mm/rmap.c try_to_unmap, mm/gup.c gup_fast (named
  // so since 6.10), mm/mmu_gather.c (tlb_* and tlb_remove_table_smp_sync), kernel/kthread.c kthread_use_mm,
  // kernel/sched/membarrier.c (the membarrier syscall, ipi_sync_core, membarrier_register_private_expedited);
  // arch: x86 mm/tlb.c (switch_mm_irqs_off, flush_tlb_func, flush_tlb_mm_range) and asm/tlb.h tlb_flush; powerpc
  // radix_tlb.c (exit_lazy_flush_tlb, exit_flush_lazy_tlbs); s390 asm/mmu_context.h finish_arch_post_lock_switch;
  // alpha kernel/smp.c ipi_flush_tlb_page. Not in 6.12, so shown otherwise
  // (generic_names.ts GENERIC_LATER): use_mm / unuse_mm (gone in 5.8), membarrier_register (never a kernel function).
  'v6.12': ['__schedule', 'context_switch', 'finish_task_switch', 'enter_lazy_tlb', 'switch_mm', 'switch_mm_irqs_off', 'flush_tlb_mm_range', 'flush_tlb_func', 'ipi_flush_tlb_page', 'tlb_flush', 'tlb_gather_mmu', 'tlb_flush_mmu', 'tlb_finish_mmu', 'tlb_remove_table', 'tlb_remove_table_smp_sync', 'do_exit', 'exit_mmap', 'mmput', '__mmput', 'mmdrop', '__mmdrop', 'mmdrop_lazy_tlb', 'mmget_not_zero', 'do_shoot_lazy_tlb', 'exit_lazy_flush_tlb', 'exit_flush_lazy_tlbs', 'finish_arch_post_lock_switch', 'kthread_use_mm', 'munmap', 'handle_mm_fault', 'wp_page_copy', 'try_to_unmap', 'gup_fast', 'membarrier', 'membarrier_register_private_expedited', 'ipi_sync_core'],
};

function files(): Array<{ id: string; file: ScenarioFile }> {
  const dir = 'public/examples';
  const examples = readdirSync(dir).filter((n) => n.endsWith('.json')).map((n) => ({ id: `${dir}/${n}`, file: parseScenarioText(readFileSync(`${dir}/${n}`, 'utf8')) }));
  return [...presets().map((p) => ({ id: p.id, file: p })), ...examples];
}

describe('every variant shows only names verified for its release', () => {
  const shown = new Map<string, Set<string>>();
  for (const { id, file } of files()) {
    for (const v of variantNames(file)) {
      const t = new Timeline(file, v);
      const version = t.kernelSource().version;
      it(`${id} --variant ${v} (${version})`, () => {
        const verified = new Set(VERIFIED[version] ?? []);
        const unverified = new Set<string>();
        for (let i = 0; i < t.microstepCount; i++) {
          const r = t.microstepRow(i);
          if (!r.link) continue;
          expect(r.link).toBe(`https://elixir.bootlin.com/linux/${version}/A/ident/${r.fn}`);
          if (!verified.has(r.fn)) unverified.add(r.fn);
          const seen = shown.get(version) ?? new Set();
          shown.set(version, seen.add(r.fn));
        }
        expect([...unverified], `not checked against ${version}`).toEqual([]);
      });
    }
  }

  it('every verified name is still shown by some variant (the table is not stale)', () => {
    for (const [version, names] of Object.entries(VERIFIED)) expect(names.filter((n) => !shown.get(version)?.has(n)), version).toEqual([]);
  });
});

describe('generic renames by release', () => {
  const era = (version: string) => new EraNames({ version });

  it('mmgrab_lazy_tlb in exit_mm: mmgrab_lazy_tlb from 6.3, mmgrab from 4.11, the open-coded atomic before', () => {
    expect(era('v6.4').label('do_exit', 'mmgrab_lazy_tlb')).toBe('mmgrab_lazy_tlb');
    expect(era('v5.4').label('do_exit', 'mmgrab_lazy_tlb')).toBe('mmgrab');
    expect(era('v4.14').label('do_exit', 'mmgrab_lazy_tlb')).toBe('mmgrab');
    expect(era('v3.10').label('do_exit', 'mmgrab_lazy_tlb')).toBe('atomic_inc(&mm->mm_count)');
  });

  it('a function that was inline code or no code is shown without a link; a renamed one links its old name', () => {
    expect(era('v3.10').fn('mmgrab')).toBe('atomic_inc(&mm->mm_count)');
    expect(era('v3.10').identLink('mmgrab')).toBeUndefined();
    expect(era('v5.4').fn('do_shoot_lazy_tlb')).toBe('<do_shoot_lazy_tlb>');
    expect(era('v5.4').identLink('do_shoot_lazy_tlb')).toBeUndefined();
    expect(era('v5.4').identLink('mmdrop_lazy_tlb')).toBe('https://elixir.bootlin.com/linux/v5.4/A/ident/mmdrop');
    expect(era('v5.4').identLink('kthread_use_mm')).toBe('https://elixir.bootlin.com/linux/v5.4/A/ident/use_mm');
    expect(era('v5.4').src('kthread_use_mm')).toBe('mm/mmu_context.c');
    expect(era('v3.10').src('mmdrop')).toBe('include/linux/sched.h');
    expect(era('v4.14').src('tlb_flush_mmu')).toBe('mm/memory.c');
    expect(era('v6.12').fn('mmdrop_lazy_tlb')).toBe('mmdrop_lazy_tlb');
  });

  it('today and later releases rename only what they no longer have (GENERIC_LATER)', () => {
    const today = genericNames(TODAY.version);
    expect(today.src).toEqual({});
    expect(today.rename['try_to_unmap.page_remove_rmap']).toBe('folio_remove_rmap_pte');
    expect(today.rename.membarrier_register).toBe('membarrier_register_private_expedited');
    expect(era('v6.12').identLink('use_mm')).toBeUndefined();
    expect(era('v6.12').fn('use_mm')).toBe('<use_mm>');
    expect(era('v6.12').label('tlb_flush_mmu', 'mmu_notifier_invalidate_range')).toBe('<mmu_notifier_invalidate_range>');
    expect(genericNames('v6.18')).toEqual(today);
    // The releases before them keep the registered names.
    expect(era('v6.5').label('try_to_unmap', 'page_remove_rmap')).toBe('page_remove_rmap');
    expect(era('v6.5').label('tlb_flush_mmu', 'mmu_notifier_invalidate_range')).toBe('mmu_notifier_invalidate_range');
    expect(era('v5.4').fn('use_mm')).toBe('use_mm');
  });

  it('an arch\'s own era names win over the generic ones (s390 2012: its own mmu_gather in asm/tlb.h)', () => {
    const s390 = new Run({ arch: 's390', tasks: [{ name: 'A', mm: 'M' }], config: { s390_rule: '2012', speculative_fill: 's390-2012' }, steps: [] }).t.era;
    expect(s390.label('tlb_flush_mmu', 'tlb_flush_mmu_free')).toBe('tlb_table_flush');
    expect(s390.src('tlb_flush_mmu')).toBe('arch/s390/include/asm/tlb.h');
    expect(era('v3.6').label('tlb_flush_mmu', 'tlb_flush_mmu_free')).toBe('free_pages_and_swap_cache');
  });
});

describe('a knob that pins older code pins the release (engine/era.ts KNOB_RELEASES)', () => {
  const version = (arch: 'x86' | 'powerpc' | 'mips' | 'arm64' | 's390', config: Partial<Config>) => new Run({ arch, tasks: [{ name: 'A', mm: 'M' }], config, steps: [] }).t.era.era.version;

  it('use_mm "use_mm" (gone in 5.8) reads a today-era variant at 5.4', () => {
    expect(pinnedRelease({ use_mm: 'use_mm' } as Config)).toBe('v5.4');
    expect(pinnedRelease({ use_mm: 'kthread_use_mm' } as Config)).toBeUndefined();
    for (const arch of ['x86', 'mips', 'arm64'] as const) {
      expect(version(arch, { use_mm: 'use_mm' }), arch).toBe('v5.4');
      expect(version(arch, { use_mm: 'kthread_use_mm' }), arch).toBe('v6.12');
    }
    expect(version('powerpc', { use_mm: 'use_mm', ppc_lazy_flush: 'pre2020' })).toBe('v5.4');
  });

  it('an older era stays; a design newer than 5.4 keeps its own release (the knob then shows as a hook)', () => {
    expect(version('x86', { use_mm: 'use_mm', x86_lazy: 'v4.14' })).toBe('v4.14');
    expect(version('x86', { use_mm: 'use_mm', x86_lazy: 'v3' })).toBe('v3.10');
    expect(version('x86', { use_mm: 'use_mm', x86_lazy: 'v6.14' })).toBe('v6.18');
    expect(version('powerpc', { use_mm: 'use_mm' })).toBe('v6.12');
    expect(version('s390', { use_mm: 'use_mm', s390_rule: '2012', speculative_fill: 's390-2012' })).toBe('v3.6');
  });

  it('x86 read at 5.4 shows 5.4\'s flush: flush_tlb_others, flush_tlb_func_common', () => {
    const t = new Timeline(presets().find((p) => p.id === 't2-use-mm-mm-users')!, 'x86');
    expect(t.kernelSource().version).toBe('v5.4');
    const rows = Array.from({ length: t.microstepCount }, (_, i) => t.microstepRow(i));
    const shown = new Set(rows.map((r) => `${r.fn}.${r.label}`));
    expect(shown).toContain('flush_tlb_mm_range.flush_tlb_others');
    expect(shown).toContain('flush_tlb_func_common.flush_tlb_func_common');
    expect(shown).toContain('use_mm.set_mm');
    expect([...shown].filter((n) => /flush_tlb_multi|flush_tlb_func\.|<use_mm>/.test(n))).toEqual([]);
    expect(rows.find((r) => r.fn === 'use_mm')?.link).toBe('https://elixir.bootlin.com/linux/v5.4/A/ident/use_mm');
  });
});

describe('until and at accept the generic names an old era shows', () => {
  const tasks = [{ name: 'A', mm: 'M' }, { name: 'K', kthread: true }];
  const v3: Partial<Config> = { x86_lazy: 'v3' };
  const run = (config: Partial<Config>, until: string) => new Run({ arch: 'x86', tasks, config, steps: [{ cpu: 0, do: 'switch', to: 'A' }, { cpu: 0, do: 'exit', until }] });
  const pausedAt = (r: Run) => `${r.t.steps[1].outcome} after ${r.labels(1).at(-1)}`;

  it('x86 3.x: mm_release and do_exit.mm_release pause where do_exit.exit_mm_release does', () => {
    const registered = run(v3, 'do_exit.exit_mm_release');
    expect(registered.t.steps[1].outcome).toBe('paused');
    for (const shown of ['mm_release', 'do_exit.mm_release']) expect(pausedAt(run(v3, shown))).toBe(pausedAt(registered));
  });

  it('x86 3.x: the open-coded atomic_inc(&mm->mm_count) of exit_mm is a name until accepts', () => {
    expect(pausedAt(run(v3, 'atomic_inc(&mm->mm_count)'))).toBe(pausedAt(run(v3, 'do_exit.mmgrab_lazy_tlb')));
  });

  it('today: folio_remove_rmap_pte (6.12\'s name in try_to_unmap_one) pauses where page_remove_rmap does', () => {
    const reclaim = (until: string) => new Run({ arch: 'x86', mms: [{ name: 'M', map: { '0x400000': 'A' } }], tasks, steps: [{ cpu: 0, do: 'switch', to: 'A' }, { cpu: 1, do: 'reclaim', page: 'A', until }] });
    const registered = reclaim('try_to_unmap.page_remove_rmap');
    expect(registered.t.steps[1].outcome).toBe('paused');
    expect(reclaim('try_to_unmap.put_caller_pin').labels(1)).toContain('try_to_unmap.folio_remove_rmap_pte');
    for (const shown of ['folio_remove_rmap_pte', 'try_to_unmap.folio_remove_rmap_pte']) expect(pausedAt(reclaim(shown))).toBe(pausedAt(registered));
  });

  it('an old name is refused where the era does not show it', () => {
    expect(() => run({}, 'mm_release')).toThrow(/no micro-step is called "mm_release"/);
  });
});
