/**
 * Kernel functions as PlusCal-style label tables (STYLE.md P2).
 *
 * A kernel function is a named table of labels. Each label is one atomic micro-step: it reads and writes the state,
 * then says what happens next: another label of the same function, a call to another function (a new frame), a
 * return, or WAIT (its guard does not hold yet: the CPU is blocked and nothing changes). Other CPUs, and interrupt
 * handlers, interleave only between labels.
 */
import type { Cpu, Frame } from '../model/types.ts';
import type { Kernel } from './kernel.ts';

export interface Call {
  call: string;
  args: Record<string, unknown>;
  /** Label of the caller to continue at once the callee returns. */
  then: string;
}

/** Return from the current function. */
export const RET = 0 as const;
/** The guard does not hold: nothing happened, try again later. */
export const WAIT = 1 as const;

export type Next = string | Call | typeof RET | typeof WAIT;

export type Label = (k: Kernel, c: Cpu, f: Frame) => Next;

export interface FnDef {
  name: string;
  /** Kernel source file, e.g. `arch/x86/mm/tlb.c`. */
  src: string;
  entry: string;
  labels: Record<string, Label>;
  /** Numeric ids of `fn.label`, assigned at registration, for the compact timeline. */
  ids: Record<string, number>;
}

const registry = new Map<string, FnDef>();
/** `fn.label` by numeric id. */
export const labelNames: Array<{ fn: string; label: string; src: string }> = [];

/** Registers a kernel function. The first label is its entry point. */
export function defineFn(name: string, src: string, labels: Record<string, Label>): FnDef {
  if (registry.has(name)) throw new Error(`kernel function ${name} defined twice`);
  const entry = Object.keys(labels)[0];
  const ids: Record<string, number> = {};
  for (const label of Object.keys(labels)) {
    ids[label] = labelNames.length;
    labelNames.push({ fn: name, label, src });
  }
  const def: FnDef = { name, src, entry, labels, ids };
  registry.set(name, def);
  return def;
}

export function fnDef(name: string): FnDef {
  const def = registry.get(name);
  if (!def) throw new Error(`unknown kernel function ${name}`);
  return def;
}

/** A function's name as shown: arch-specific versions (`flush_tlb_func@x86`) are shown as the kernel names them. */
export const shownName = (fn: string): string => {
  const at = fn.indexOf('@');
  return at < 0 ? fn : fn.slice(0, at);
};

export function call(fn: string, args: Record<string, unknown>, then: string): Call {
  return { call: fn, args, then };
}
