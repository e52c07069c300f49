/**
 * The hardware's own micro-steps, which no kernel code runs: a speculative walk of a CPU's MMU (kernel/memory.ts) and
 * a device access through its secondary MMU (kernel/mmu_notifier.ts). Each is one micro-step of its actor (a device's
 * actor number follows the CPUs'), registered with the engine as the `speculate` and `device` choices.
 */
import { registerHardware } from '../engine/choice.ts';
import type { Kernel } from '../engine/kernel.ts';
import type { CpuId, DeviceId } from '../model/types.ts';
import { speculativeFill, speculativeWalkFn } from './memory.ts';
import { deviceAccess, deviceAccessFn } from './mmu_notifier.ts';

export function speculate(k: Kernel, c: CpuId, va: number): void {
  k.hwMicrostep(c, speculativeWalkFn.ids.speculative_fill, () => speculativeFill(k, c, va));
}

export function deviceStep(k: Kernel, d: DeviceId, va: number, write: boolean): void {
  k.hwMicrostep(k.s.cpus.length + d, deviceAccessFn.ids.iotlb_lookup_or_walk, () => deviceAccess(k, d, va, write));
}

registerHardware({ speculate, deviceAccess: deviceStep });
