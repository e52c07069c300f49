/**
 * The choices at a point of a run, made explicit (docs/engine.md).
 *
 * At any point, several things may happen next: a CPU takes a pending IPI (its interrupts are on), a CPU runs the next
 * micro-step of what is on its stack (its label's guard holds), and, when asked for, the MMU of a CPU walks
 * speculatively or a device walks through its secondary MMU. `enabled` lists them, reading the state only (a guard is
 * asked, an effect never run); `step` performs one. `Kernel.pump` is the default chooser built on the same guards and
 * effects: it picks by a fixed priority and is what every preset, test and the benchmark run.
 */
import type { CpuId, DeviceId } from '../model/types.ts';
import type { Kernel } from './kernel.ts';

export type Choice =
  /** CPU `cpu` runs its next micro-step (the top frame's label). */
  | { kind: 'step'; cpu: CpuId }
  /** CPU `cpu` takes its oldest pending IPI: the handler's frame is pushed (no micro-step of its own). */
  | { kind: 'irq'; cpu: CpuId }
  /** The MMU of CPU `cpu` walks `va` (a virtual page number) speculatively, where the arch lets it now: one hardware micro-step. */
  | { kind: 'speculate'; cpu: CpuId; va: number }
  /** Device `device` accesses `va` through its secondary MMU: one hardware micro-step. */
  | { kind: 'device'; device: DeviceId; va: number; write: boolean };

/** The hardware micro-steps, registered by kernel/ (the engine knows their shape, not their code). */
export interface Hardware {
  speculate(k: Kernel, c: CpuId, va: number): void;
  deviceAccess(k: Kernel, d: DeviceId, va: number, write: boolean): void;
}

let hardware: Hardware | null = null;

export function registerHardware(h: Hardware): void {
  hardware = h;
}

/**
 * Hardware choices to offer besides the CPUs' own: the addresses a speculative walk may try on any CPU and the accesses
 * devices may make. The explorer bounds how many it takes; `enabled` only lists them.
 */
export interface HardwareOffers {
  speculate?: number[];
  device?: Array<{ device: DeviceId; va: number; write: boolean }>;
}

/** The choices enabled now: IPIs first, then CPU micro-steps, then hardware offers; each lowest CPU first. */
export function enabled(k: Kernel, offers?: HardwareOffers): Choice[] {
  const out: Choice[] = [];
  const n = k.s.cpus.length;
  for (let c = 0; c < n; c++) if (k.canTakeIpi(c)) out.push({ kind: 'irq', cpu: c });
  for (let c = 0; c < n; c++) if (k.canStep(c)) out.push({ kind: 'step', cpu: c });
  // A speculative walk is offered only where the arch's rule lets the MMU walk now (its guard).
  if (offers?.speculate) for (let c = 0; c < n; c++) if (k.arch.canSpeculate(k, c)) for (const va of offers.speculate) out.push({ kind: 'speculate', cpu: c, va });
  if (offers?.device) for (const d of offers.device) out.push({ kind: 'device', ...d });
  return out;
}

/** Perform one enabled choice. A choice that is not enabled is a bug of the caller: it throws, nothing changes. */
export function step(k: Kernel, ch: Choice): void {
  switch (ch.kind) {
    case 'irq':
      if (!k.canTakeIpi(ch.cpu)) throw new Error(`CPU${ch.cpu} cannot take an IPI now`);
      k.deliverIpi(ch.cpu);
      return;
    case 'step':
      if (!k.canStep(ch.cpu)) throw new Error(`CPU${ch.cpu} cannot move now`);
      k.runLabel(ch.cpu);
      return;
    case 'speculate':
      hw().speculate(k, ch.cpu, ch.va);
      return;
    case 'device':
      hw().deviceAccess(k, ch.device, ch.va, ch.write);
      return;
  }
}

function hw(): Hardware {
  if (!hardware) throw new Error('no hardware registered (import kernel/all.ts)');
  return hardware;
}

/** A choice as text, for traces and messages. */
export function choiceText(k: Kernel, ch: Choice): string {
  switch (ch.kind) {
    case 'irq':
      return `CPU${ch.cpu} takes IPI ${k.s.cpus[ch.cpu].ipi_queue[0]?.kind.split('@')[0] ?? '?'}`;
    case 'step': {
      const f = k.s.cpus[ch.cpu].stack.at(-1);
      return f ? `CPU${ch.cpu} ${f.fn.split('@')[0]}.${f.pc}` : `CPU${ch.cpu} (nothing)`;
    }
    case 'speculate':
      return `CPU${ch.cpu} speculative walk of page ${ch.va}`;
    case 'device':
      return `${k.s.devices[ch.device]?.name ?? `device ${ch.device}`} ${ch.write ? 'writes' : 'reads'} page ${ch.va}`;
  }
}
