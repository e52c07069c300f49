/** The presets: the basics first, then the five mailing-list threads, as scenario files validated like any user file. */
import t0 from './t0-lazy-tlb-basics.json' with { type: 'json' };
import t1 from './t1-lazy-refcount-optout.json' with { type: 'json' };
import t2 from './t2-use-mm-mm-users.json' with { type: 'json' };
import t3 from './t3-membarrier-unlazy.json' with { type: 'json' };
import t4 from './t4-mmu-notifier-secondary-tlb.json' with { type: 'json' };
import t5 from './t5-fullmm-upfront-flush.json' with { type: 'json' };

export const PRESET_FILES: unknown[] = [t0, t1, t2, t3, t4, t5];
