/** Registers every kernel function and architecture policy (side-effect imports, in one place). */
import './sched_core.ts';
import './sched_mm.ts';
import './exit.ts';
import './exec.ts';
import './fork.ts';
import './kthread.ts';
import './mmap.ts';
import './mmu_gather.ts';
import './memory.ts';
import './rmap.ts';
import './membarrier.ts';
import './mmu_notifier.ts';
import './tlbflush.ts';
import './hardware.ts';
import '../arch/index.ts';
