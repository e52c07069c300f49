/**
 * Registers every generic kernel function and the hardware's micro-steps (side-effect imports, in one place). The
 * architectures register theirs when arch/index.ts (ARCHES) is imported.
 */
import './sched_core.ts';
import './sched_mm.ts';
import './exit.ts';
import './exec.ts';
import './fork.ts';
import './kthread.ts';
import './mmap.ts';
import './mmu_gather.ts';
import './rcu.ts';
import './gup.ts';
import './memory.ts';
import './rmap.ts';
import './membarrier.ts';
import './mmu_notifier.ts';
import './tlbflush.ts';
import './hardware.ts';
