/**
 * The operations a scenario step can ask for, one definition each (ops/def.ts says what a definition holds; each
 * lives in ops/<op>.ts). This registry is what the schema (scenario/schema.ts), the loader's static checks
 * (scenario/load.ts), the run (ops/resolve.ts beginStep, timeline/timeline.ts) and the explorer use.
 * The documentation of every operation, its arguments and micro-steps is docs/scenario-format.md.
 */
import type { z } from 'zod';
import type { Kernel } from '../engine/kernel.ts';
import type { CpuId } from '../model/types.ts';
import { accessOp, type AccessOp } from './access.ts';
import { continueOp, type ContinueOp } from './continue.ts';
import { cowOp, type CowOp } from './cow.ts';
import { cloneOp, type CloneOp } from './clone.ts';
import type { OpDef, Start } from './def.ts';
import { deviceAccessOp } from './device_access.ts';
import { execOp, type ExecOp } from './exec.ts';
import { gupFastOp, type GupFastOp } from './gup_fast.ts';
import { exitOp, type ExitOp } from './exit.ts';
import { flushOp, type FlushOp } from './flush.ts';
import { forkOp, type ForkOp } from './fork.ts';
import { mapOp, type MapOp } from './map.ts';
import { membarrierOp, membarrierRegisterOp, type MembarrierOp, type MembarrierRegisterOp } from './membarrier.ts';
import { munmapOp, type MunmapOp } from './munmap.ts';
import { reclaimOp, type ReclaimOp } from './reclaim.ts';
import { irqOp, stepOp } from './schedule.ts';
import { mmdropOp, mmgetNotZeroOp, mmgetOp, mmgrabOp, mmputOp, type RefOp } from './refs.ts';
import { speculateOp } from './speculate.ts';
import { switchOp, type SwitchOp } from './switch.ts';
import { unuseMmOp, useMmOp, type UnuseMmOp, type UseMmOp } from './use_mm.ts';

export { hexVa, type Start } from './def.ts';

/** Every operation, by its `do`, in the order the format lists them. */
export const OPS = {
  switch: switchOp,
  access: accessOp,
  speculate: speculateOp,
  map: mapOp,
  munmap: munmapOp,
  gup_fast: gupFastOp,
  cow: cowOp,
  reclaim: reclaimOp,
  clone: cloneOp,
  fork: forkOp,
  exit: exitOp,
  exec: execOp,
  mmget: mmgetOp,
  mmget_not_zero: mmgetNotZeroOp,
  mmput: mmputOp,
  mmgrab: mmgrabOp,
  mmdrop: mmdropOp,
  use_mm: useMmOp,
  unuse_mm: unuseMmOp,
  membarrier_register: membarrierRegisterOp,
  membarrier: membarrierOp,
  device_access: deviceAccessOp,
  continue: continueOp,
  flush: flushOp,
  // The moves of an explicit schedule (format lazytlb/2): engine choices, not kernel operations.
  step: stepOp,
  irq: irqOp,
};

/** A step's operation with its arguments resolved to ids. */
export type Op = SwitchOp | AccessOp | MapOp | MunmapOp | GupFastOp | CowOp | ReclaimOp | CloneOp | ForkOp | ExitOp | ExecOp | RefOp | UseMmOp | UnuseMmOp | MembarrierRegisterOp | MembarrierOp | ContinueOp | FlushOp;

/** The definition of an operation, loosely typed (callers hold a step or op whose `do` picks it). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const opDef = (d: string): OpDef<any, any> => (OPS as unknown as Record<string, OpDef<z.ZodType, unknown>>)[d];

/**
 * Why the operation cannot run on CPU c now, or null: first what every kernel operation needs (no operation in flight
 * on the CPU; a live task, unless it only switches away), then the operation's own guard.
 */
export function refuse(k: Kernel, c: CpuId, op: Op): string | null {
  const cpu = k.s.cpus[c];
  const cur = k.s.tasks[cpu.curr];
  if (op.do === 'continue') return continueOp.refuse(k, c, op, cur);
  if (cpu.stack.length) {
    const f = cpu.stack[cpu.stack.length - 1];
    const where = `${f.fn.split('@')[0]}.${f.pc}`;
    if (cpu.op === 'blocked') return `CPU${c} is blocked at ${where}, waiting for an IPI to complete; continue the CPU that holds it`;
    return `CPU${c} has an operation in flight (paused at ${where}); use "continue" first`;
  }
  if (cur.state === 'dead' && op.do !== 'switch') return `${cur.name} on CPU${c} has exited; only "switch" can run there`;
  return opDef(op.do).refuse(k, c, op, cur);
}

/** The kernel function an operation starts, with its arguments. */
export function startOf(k: Kernel, c: CpuId, op: Op): Start {
  return opDef(op.do).start(k, c, op);
}

/** A one-line rendering of a step's operation. */
export function describeStep(f: { do: string }): string {
  return opDef(f.do).describe(f);
}
