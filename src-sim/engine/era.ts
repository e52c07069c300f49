/**
 * The kernel release a run's functions are read at, and the names they have there (ArchPolicy.era): a variant of an
 * older era shows that era's function and label names, and its source links point at that release.
 */
import type { Config } from '../model/types.ts';
import { fnDef, shownName } from './fn.ts';
import type { ArchPolicy, KernelEra } from './policy.ts';

/** What the model reads when an arch states no era: the release the docs describe (kernel-semantics.md, v6.12). */
export const TODAY: KernelEra = { version: 'v6.12' };

/** A public source browser, pinned to a release: a file, and the identifier search of a function. */
const BROWSER = 'https://elixir.bootlin.com/linux';

export class EraNames {
  constructor(readonly era: KernelEra) {}

  static of(arch: ArchPolicy, cfg: Readonly<Config>): EraNames {
    return new EraNames(arch.era?.(cfg) ?? TODAY);
  }

  /** A registered function (`name@arch`) as this era calls it. */
  fn(registered: string): string {
    const n = shownName(registered);
    return this.era.rename?.[n] ?? n;
  }

  /** A label of a registered function as this era calls it. */
  label(registered: string, label: string): string {
    return this.era.rename?.[`${shownName(registered)}.${label}`] ?? label;
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
   * hardware's own steps (a speculative walk, a device access), which are no kernel function.
   */
  identLink(registered: string): string | undefined {
    return isKernelSource(fnDef(registered).src) ? `${BROWSER}/${this.era.version}/A/ident/${this.fn(registered)}` : undefined;
  }
}

/** A path in the kernel tree (`arch/x86/mm/tlb.c`), not a description of hardware (`hardware MMU`). */
function isKernelSource(src: string): boolean {
  return /^[\w.+-]+(\/[\w.+-]+)*\.[chS]$/.test(src);
}
