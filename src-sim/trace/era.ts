/**
 * The kernel era a trace is run under: the x86 `x86_lazy` knob (docs/scenario-format.md §5.2), given with `--era` or
 * read from what the trace shows (ftrace-formats.md §3):
 *   - switches from a user task to a kernel thread followed by a CR3 write: the kernel left the user mm at once
 *     (4.14–4.19 with PCID): `v4.14`;
 *   - `tlb_flush` reason 5 (TLB_REMOTE_WRONG_CPU): flush_tlb_func found a CPU that had switched away still in
 *     mm_cpumask, which only kernels whose context switch leaves the old mm's bit set do (Rik van Riel's lazy
 *     mm_cpumask series, about 6.13–6.14): the model's newest x86 era, if it has one newer than `v4.20`;
 *   - switches to kernel threads with no CR3 write: lazy TLB (4.20+): `v4.20`.
 * Other arches have no era the trace can show (no `tlb_flush`), and `--era` is refused there.
 */
import type { Arch } from '../model/types.ts';
import { configSchema } from '../scenario/schema.ts';
import { DEFAULT_CONFIG } from '../model/make.ts';
import type { Reconstruction } from './reconstruct.ts';
import { printsTlbFlush } from './arch.ts';

export interface EraChoice {
  /** The x86_lazy value the scenario runs with, or null (not x86). */
  value: string | null;
  source: 'given' | 'trace' | 'default' | 'not x86';
  evidence: string;
  /** What the trace shows that the chosen era does not model. */
  warning: string | null;
  /** Knobs set with the era, and why (the lazy mm_cpumask era's trim rule). */
  config: Record<string, unknown>;
  configNote: string | null;
  /** Whether the scenario runs with x86_invlpgb (AMD INVLPGB broadcast flushes, 6.15+), and why; null: not x86. */
  invlpgb: InvlpgbChoice | null;
}

export interface InvlpgbChoice {
  value: boolean;
  source: 'trace' | 'default';
  evidence: string;
  /** Trace lines that show it: handlers' CR3 reloads on a CPU running the flushed mm, then flushes with no IPI. */
  lines: number[];
  warning: string | null;
}

/** The x86_lazy values the scenario format accepts. */
export const x86Eras = (): readonly string[] => configSchema.shape.x86_lazy.unwrap().options;

const version = (v: string): number => {
  const m = /(\d+)\.(\d+)/.exec(v);
  return m ? +m[1] * 1000 + +m[2] : 0;
};

/** The model's x86 era newer than v4.20 (the lazy mm_cpumask rule), or null while the model has none. */
export function lazyCpumaskEra(): string | null {
  const newer = x86Eras().filter((v) => version(v) > version('v4.20'));
  return newer.sort((a, b) => version(b) - version(a))[0] ?? null;
}

/**
 * With the lazy mm_cpumask era, when flushes trim the mask. The kernel trims an mm at most once a second, at its first
 * flush after context.next_trim_cpumask (a second after the mm was made, then a second after each trim:
 * should_trim_cpumask, arch/x86/mm/tlb.c). Every step the import writes carries its trace time, so the model runs the
 * same rule in trace time (x86_trim_cpumask_clock): an mm made in the window (fork, exec) dates from its step; one that
 * exists when the window starts counts as made then, since the trace does not say when it was made or last trimmed.
 */
function trimConfig(value: string | null, seconds: number): Pick<EraChoice, 'config' | 'configNote'> {
  if (value === null || value !== lazyCpumaskEra() || !('x86_trim_cpumask_clock' in configSchema.shape)) return { config: {}, configNote: null };
  const span = `${(seconds * 1000).toFixed(3)} ms`;
  return {
    config: { x86_trim_cpumask_clock: true },
    configNote:
      `x86_trim_cpumask_clock: each mm's cpumask is trimmed as the kernel does, at its first flush more than a second after it was made or last trimmed, in the trace's time (the window is ${span}); ` +
      (seconds <= 1
        ? 'no mm trims in a window this short. An mm older than the window counts as made when the window starts: the kernel may have trimmed it once in the window\'s first second, which the trace cannot place (it would show as flushIpi disagreements: an IPI to a CPU on another mm, and its reason-5 handler)'
        : 'an mm older than the window counts as made when the window starts, so its first trim is placed a second in; the kernel may have trimmed it earlier, which the trace cannot place'),
  };
}

/**
 * `cpus`: the scenario's CPU count, and `globalAsidCpus` the x86_global_asid_cpus it runs with (the model's global
 * ASID needs more than that many active CPUs).
 */
export function chooseEra(arch: Arch, given: string | null, rec: Reconstruction, cpus = 0, globalAsidCpus = DEFAULT_CONFIG.x86_global_asid_cpus): EraChoice {
  const r = chooseValue(arch, given, rec);
  const trim = trimConfig(r.value, (rec.lastTs ?? 0) - (rec.firstTs ?? 0));
  const invlpgb = r.value === null ? null : chooseInvlpgb(rec, cpus, globalAsidCpus);
  return { ...r, ...trim, config: { ...trim.config, ...(invlpgb?.value ? { x86_invlpgb: true } : {}) }, invlpgb };
}

/**
 * AMD INVLPGB (6.15+, "x86/mm: Enable broadcast TLB invalidation for multi-threaded processes", f37ff575b1fe): an mm
 * active on 4 or more CPUs gets a global ASID and its flushes become broadcasts, with no IPI. The trace shows it two
 * ways (arch/x86/mm/tlb.c):
 *   - while the mm moves to its global ASID (asid_transition), flush_tlb_func finds it loaded on an older ASID and
 *     reloads CR3 (mm_needs_global_asid → switch_mm_irqs_off): a `tlb_flush` reason 0 inside a flush IPI handler (or
 *     the initiator's own flush_tlb_func) on a CPU running a user task of that mm. Without INVLPGB flush_tlb_func
 *     writes CR3 only on a lazy CPU, to leave for init_mm;
 *   - a flush by a user task (reason 4 or 3) with no flush IPI to another CPU the trace shows running a user task of
 *     the same mm: every era without it IPIs such a CPU (loaded and not lazy). KVM's paravirtual flush, which leaves
 *     preempted vCPUs out, looks the same; the report says so. The trace's view of "running" can be a few
 *     microseconds early (sched_switch is traced before switch_mm_irqs_off), so this sign counts only when it is
 *     most such flushes, and at least two.
 * broadcast_tlb_flush itself traces nothing: once the transition is over, the mm's flushes leave no tlb_flush line.
 */
function chooseInvlpgb(rec: Reconstruction, cpus: number, threshold: number): InvlpgbChoice {
  const reloads = rec.globalAsidReloadLines;
  const all = rec.silentFlushLines;
  const silent = all.length >= 2 && all.length * 2 > rec.flushesWithMmRunning ? all : [];
  if (!reloads.length && !silent.length) {
    const few = all.length ? `; ${all.length} of ${rec.flushesWithMmRunning} flushes sent no IPI to a CPU the trace shows running their mm (lines ${all.slice(0, 5).join(', ')}), too few to be broadcasts: a switch traced just before its CR3 write, or a lost event` : '';
    return { value: false, source: 'default', evidence: `no flush handler reloaded CR3 on a CPU running the flushed mm, and the flushes reached the CPUs the trace shows running their mm: no sign of INVLPGB broadcasts${few}`, lines: [], warning: null };
  }
  const first = (l: number[]) => l.slice(0, 5).join(', ') + (l.length > 5 ? ', …' : '');
  const parts: string[] = [];
  if (reloads.length) parts.push(`${reloads.length} flush_tlb_func reloaded CR3 (tlb_flush reason 0) on a CPU running the flushed mm (lines ${first(reloads)}): the move to a global ASID (asid_transition)`);
  if (silent.length) parts.push(`${silent.length} of ${rec.flushesWithMmRunning} flushes sent no flush IPI to a CPU the trace shows running the same mm (lines ${first(silent)}): a broadcast, not an IPI${reloads.length ? '' : ' (or KVM\'s paravirtual flush skipping a preempted vCPU, which looks the same)'}`);
  const warning = cpus > 0 && cpus <= threshold
    ? `the model gives an mm a global ASID only when it is active on more than x86_global_asid_cpus (${threshold}; the kernel's rule is 4 or more CPUs) CPUs; with ${cpus} CPUs in the scenario it never does, so what the kernel broadcast shows as disagreements`
    : null;
  return { value: true, source: 'trace', evidence: `x86_invlpgb: ${parts.join('; ')}`, lines: [...reloads, ...silent].sort((a, b) => a - b), warning };
}

function chooseValue(arch: Arch, given: string | null, rec: Reconstruction): Omit<EraChoice, 'config' | 'configNote' | 'invlpgb'> {
  if (!printsTlbFlush(arch)) return { value: null, source: 'not x86', evidence: 'only x86 kernels trace tlb_flush: no era to choose', warning: given ? `--era ${given} ignored: it selects x86_lazy, and the scenario is ${arch}` : null };
  const uk = rec.switchKinds['user→kernel'];
  const wrongCpu = rec.flushByReason[5] ?? 0;
  const newest = lazyCpumaskEra();
  let value: string;
  let evidence: string;
  let warning: string | null = null;
  if (uk.n > 0 && uk.reason0 * 2 > uk.n) {
    value = 'v4.14';
    evidence = `${uk.reason0} of ${uk.n} switches from a user task to a kernel thread wrote CR3: not lazy (4.14–4.19 with PCID)`;
  } else if (wrongCpu > 0) {
    value = newest ?? 'v4.20';
    evidence = `${wrongCpu} tlb_flush reason 5 (remote wrong CPU): switching away leaves the CPU in mm_cpumask (the lazy mm_cpumask rule)`;
    if (!newest) warning = 'the trace shows the lazy mm_cpumask rule (reason 5), which the model has no era for: v4.20 clears the bit on switching away';
  } else if (uk.n > 0) {
    value = 'v4.20';
    evidence = `${uk.n} switches from a user task to a kernel thread, ${uk.reason0} with a CR3 write: lazy TLB`;
  } else {
    return { value: given ?? 'v4.20', source: given ? 'given' : 'default', evidence: 'no switch from a user task to a kernel thread: the trace does not show the era', warning: null };
  }
  if (given) return { value: given, source: 'given', evidence, warning: given !== value ? `the trace looks like x86_lazy ${value} (${evidence}), but --era ${given} was given` : null };
  return { value, source: 'trace', evidence, warning };
}
