/**
 * The kernel release a run's functions are read at, and the names they have there (ArchPolicy.era): a variant of an
 * older era shows that era's function and label names, and its source links point at that release.
 */
import type { Config } from '../model/types.ts';
import { fnDef, labelNames, shownName } from './fn.ts';
import { genericNames, releaseBefore } from './generic_names.ts';
import type { ArchPolicy, KernelEra } from './policy.ts';

/** What the model reads when an arch states no era: the release the docs describe (kernel-semantics.md, v6.12). */
export const TODAY: KernelEra = { version: 'v6.12' };

/**
 * Knobs that model code a later release removed: a variant with one is read at the newest release that still had that
 * code and whose names the project verified (tests/era_names.test.ts), when its arch's own era is newer.
 */
const KNOB_RELEASES: ReadonlyArray<{ pins: (cfg: Readonly<Config>) => boolean; release: string }> = [
  // use_mm / unuse_mm became kthread_use_mm / kthread_unuse_mm in 5.8 (Christoph Hellwig, f5678e7f2ac3): 5.4, the
  // release the powerpc pre-2020 era is read at (POWERPC_ERAS), is the newest verified one with them.
  { pins: (cfg) => cfg.use_mm === 'use_mm', release: 'v5.4' },
];

/** The oldest release a knob of the configuration pins (KNOB_RELEASES); none when no knob does. */
export function pinnedRelease(cfg: Readonly<Config>): string | undefined {
  let pin: string | undefined;
  for (const k of KNOB_RELEASES) if (k.pins(cfg) && (!pin || releaseBefore(k.release, pin))) pin = k.release;
  return pin;
}

/**
 * The era a variant is read at: its arch's (ArchPolicy.era, else TODAY), or, when a knob pins an older release, the
 * arch's era at that release (an arch without an era function has today's names there, with that release's generic
 * ones). An arch whose modelled design is itself newer than the pin keeps its own era (ArchPolicy.era).
 */
export function eraOf(era: ArchPolicy['era'], cfg: Readonly<Config>): KernelEra {
  const own = era?.(cfg) ?? TODAY;
  const pin = pinnedRelease(cfg);
  if (!pin || !releaseBefore(pin, own.version)) return own;
  return era ? era(cfg, pin) : { version: pin };
}

/** A public source browser, pinned to a release: a file, and the identifier search of a function. */
const BROWSER = 'https://elixir.bootlin.com/linux';

export class EraNames {
  /** The era's names: the arch's own (KernelEra.rename), else the generic ones of its release (generic_names.ts). */
  private readonly names: Readonly<Record<string, string>>;
  /** The era's files, likewise. */
  private readonly files: Readonly<Record<string, string>>;

  constructor(readonly era: KernelEra) {
    const generic = genericNames(era.version);
    this.names = { ...generic.rename, ...era.rename };
    this.files = { ...generic.src, ...era.src };
  }

  /** Does this era show any name other than the registered one (arch or generic)? */
  get renames(): boolean {
    return Object.keys(this.names).length > 0;
  }

  static of(arch: ArchPolicy, cfg: Readonly<Config>): EraNames {
    return new EraNames(eraOf(arch.era, cfg));
  }

  /** A registered function (`name@arch`) as this era calls it. */
  fn(registered: string): string {
    const n = shownName(registered);
    return this.names[n] ?? n;
  }

  /** A label of a registered function as this era calls it. */
  label(registered: string, label: string): string {
    return this.names[`${shownName(registered)}.${label}`] ?? label;
  }

  /**
   * Is `name` how this era shows label `label` of the registered function, bare or as `fn.label` with the era's names
   * (`flush_tlb_others`, `switch_mm.load_cr3` in the 3.x x86 era)? What `until` and `at` accept besides the
   * registered names (Kernel.atLabel), so a label read on screen can be pasted.
   */
  shows(registered: string, label: string, name: string): boolean {
    const l = this.label(registered, label);
    if (name === l) return true;
    const dot = name.indexOf('.');
    return dot >= 0 && name.slice(dot + 1) === l && name.slice(0, dot) === this.fn(registered);
  }

  /** Every label as this era shows it, bare and as `fn.label`; only the names that differ from the registered ones. */
  shownLabels(): ReadonlySet<string> {
    if (!this.renames) return NONE;
    const key = `${this.era.version}|${JSON.stringify(this.names)}`;
    const hit = shownCache.get(key);
    if (hit && hit.size === labelNames.length) return hit.names;
    const registered = new Set<string>();
    const names = new Set<string>();
    for (const { fn, label } of labelNames) {
      registered.add(label).add(`${shownName(fn)}.${label}`);
      const l = this.label(fn, label);
      names.add(l).add(`${this.fn(fn)}.${l}`);
    }
    for (const n of registered) names.delete(n);
    shownCache.set(key, { size: labelNames.length, names });
    return names;
  }

  /** The file a registered function is defined in at this era's release. */
  src(registered: string): string {
    return this.files[shownName(registered)] ?? fnDef(registered).src;
  }

  /** The base of this era's links (protocol KernelSourceInfo.browser). */
  get browser(): string {
    return `${BROWSER}/${this.era.version}`;
  }

  /** The file at this era's release; none for what is not a kernel source file (the MMU, a device). */
  fileLink(src: string): string | undefined {
    return isKernelSource(src) ? `${BROWSER}/${this.era.version}/source/${src}` : undefined;
  }

  /**
   * Where this era's function of that name is defined and used (the browser's identifier search); none for the
   * hardware's own steps (a speculative walk, a device access), which are no kernel function, nor for what this era
   * shows as inline code or a model hook (`atomic_inc(&mm->mm_count)`, `<do_shoot_lazy_tlb>`: generic_names.ts).
   */
  identLink(registered: string): string | undefined {
    const fn = this.fn(registered);
    return isKernelSource(this.src(registered)) && IDENT.test(fn) ? `${BROWSER}/${this.era.version}/A/ident/${fn}` : undefined;
  }
}

const NONE: ReadonlySet<string> = new Set();
/** A C identifier: what the browser's identifier search can find. */
const IDENT = /^[A-Za-z_]\w*$/;
/** EraNames.shownLabels by era (version and renames), with the registry size it was built at. */
const shownCache = new Map<string, { size: number; names: Set<string> }>();

/** A path in the kernel tree (`arch/x86/mm/tlb.c`), not a description of hardware (`hardware MMU`). */
function isKernelSource(src: string): boolean {
  return /^[\w.+-]+(\/[\w.+-]+)*\.[chS]$/.test(src);
}
