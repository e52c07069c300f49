/**
 * What one scenario operation is, in one place (one module per operation, ops/<op>.ts; the registry is ops/index.ts):
 *   schema     the step's shape (zod; scenario/schema.ts assembles the union from these);
 *   creates    the names the step brings into being (clone a task, exec an mm, map a page), for static checks;
 *   check      static checks beyond the shape (its names are defined, ...), with the field they are about;
 *   resolve    its names to ids in the current state, or why it cannot be;
 *   refuse     its guard: why the current state cannot honour it, or null;
 *   start      the kernel function it starts, with its arguments;
 *   describe   a one-line rendering.
 * A hardware step (speculate, device_access) is one micro-step of a CPU's MMU or of a device instead (`hardware`).
 * A move of an explicit schedule (step, irq; format lazytlb/2) is one of the engine's choices instead (`choice`).
 */
import { z } from 'zod';
import type { Kernel } from '../engine/kernel.ts';
import { PAGE_SHIFT } from '../model/geometry.ts';
import { NONE, type CpuId, type MmId, type Task } from '../model/types.ts';

export const name = z.string().min(1).max(64).regex(/^[A-Za-z0-9_./:+-]+$/, 'letters, digits and _ . / : + - only');
/** An address: "0x7f0000001000" or a number. */
export const address = z.union([
  z.string().regex(/^0x[0-9a-fA-F]{1,13}$/, 'a hex address such as "0x400000"'),
  z.number().int().nonnegative().max(2 ** 52),
]);

/** The fields every step may have. */
export const common = {
  cpu: z.number().int().nonnegative().optional(),
  device: name.optional(),
  note: z.string().max(2000).optional(),
  /** The narration for some variants instead of `note` (a story told on several architectures). */
  notes: z.record(name, z.string().max(2000)).optional(),
  until: z.string().max(128).optional(),
  /** When the step happened in a kernel trace, in seconds as the trace prints them (a trace import writes it). */
  time: z.number().nonnegative().finite().optional(),
  /** Run this step only in these variants (skipped, keeping its index, in the others). */
  only: z.array(name).min(1).max(32).optional(),
};

/** The virtual page number of an address. */
export function vpnOf(va: string | number): number {
  const n = typeof va === 'number' ? va : parseInt(va.slice(2), 16);
  return Math.floor(n / 2 ** PAGE_SHIFT);
}

export function hexVa(vpn: number): string {
  return '0x' + (vpn * 4096).toString(16);
}

/** The kernel function an operation starts, with its arguments. */
export interface Start {
  fn: string;
  args: Record<string, unknown>;
}

/** The names a scenario defines, and creates with its steps; the number of CPUs. */
export interface Names {
  tasks: Set<string>;
  mms: Set<string>;
  pages: Set<string>;
  devices: Set<string>;
  cpus: number;
}

/** A static error: the field (under the step's path) and the message. */
export type FieldError = [field: string, message: string];

/** S: the step's zod schema (its shape is what scenario/schema.ts assembles); O: the step resolved to ids. */
export interface OpDef<S extends z.ZodType, O, F = z.infer<S>> {
  schema: S;
  hardware?: {
    /** Who runs it: a CPU's MMU or a device. */
    actor: 'cpu' | 'device';
    /** Perform it: one micro-step. */
    run(k: Kernel, f: F): void;
  };
  /**
   * An engine choice written as a step (ops/schedule.ts; only in an explicit schedule): `resolve` gives the choice,
   * `refuse` is its guard, and the engine performs it (engine/choice.ts `step`); `start` is never called.
   */
  choice?: true;
  creates?(f: F, names: Names): void;
  check?(f: F, names: Names): FieldError | null;
  resolve(k: Kernel, f: F): O | string;
  /** `cur`: the task running on CPU c. */
  refuse(k: Kernel, c: CpuId, op: O, cur: Task): string | null;
  start(k: Kernel, c: CpuId, op: O): Start;
  describe(f: F): string;
}

/** Why the current task of CPU c cannot run an operation on its mm: it has none (a kernel thread outside use_mm). */
export function noMm(cur: Task, c: CpuId): string | null {
  return cur.mm === NONE ? `${cur.name} on CPU${c} has no mm (a kernel thread not in use_mm)` : null;
}

/** The current task of CPU c. */
export const curOf = (k: Kernel, c: CpuId) => k.s.tasks[k.s.cpus[c].curr];

/** ` until X` when the step pauses, for descriptions. */
export const untilText = (f: { until?: string }): string => (f.until ? ` until ${f.until}` : '');

export type { MmId };
