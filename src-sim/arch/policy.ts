/**
 * What the architectures share: the interface they implement is the engine's (engine/policy.ts: what generic kernel
 * code asks of an arch); the default speculation rule lives here.
 */
import type { Kernel } from '../engine/kernel.ts';
import type { CpuId } from '../model/types.ts';

/** The interface each architecture implements is the engine's (engine/policy.ts). */
export type { ArchPolicy } from '../engine/policy.ts';

/** The default speculation rule: whenever a user mm is attached, in any mode (Linus, T5; s390 since 2016). */
export function speculatesWhenAttached(k: Kernel, c: CpuId): boolean {
  const cpu = k.s.cpus[c];
  if (cpu.loaded_mm <= 0) return false;
  if (k.s.config.speculative_fill === 's390-2012') {
    // Martin Schwidefsky, 2012: only in the mode that uses the mm
    return cpu.mode === 'user' && k.s.tasks[cpu.curr].mm === cpu.loaded_mm;
  }
  return true;
}
