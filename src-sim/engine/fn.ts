/**
 * Kernel functions as PlusCal-style label tables (STYLE.md P2).
 *
 * A kernel function is a named table of labels. Each label is one atomic micro-step: it reads and writes the state,
 * then says what happens next: another label of the same function, a call to another function (a new frame), or a
 * return. A label that can run only once something holds (a sender waiting for its IPIs) has a guard, separate from
 * its effect (`when(guard, effect)`): the engine asks the guard, which only reads the state, to know whether the CPU
 * can move (engine/choice.ts `enabled`), and runs the effect only when it holds. Other CPUs, and interrupt handlers,
 * interleave only between labels.
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

export type Next = string | Call | typeof RET;

/** What a label does: one atomic micro-step. */
export type Effect = (k: Kernel, c: Cpu, f: Frame) => Next;
/** Whether a label can run now: reads the state, never writes it. */
export type Guard = (k: Kernel, c: Cpu, f: Frame) => boolean;
/** A label with a guard (see `when`). */
export interface Guarded {
  guard: Guard;
  run: Effect;
}
export type Label = Effect | Guarded;

/** A label that runs only once `guard` holds; until then its CPU is blocked there and nothing changes. */
export function when(guard: Guard, run: Effect): Guarded {
  return { guard, run };
}

export interface FnDef {
  name: string;
  /** Kernel source file, e.g. `arch/x86/mm/tlb.c`. */
  src: string;
  entry: string;
  /** Each label's effect. */
  labels: Record<string, Effect>;
  /** The guards of the labels that have one. */
  guards: Record<string, Guard | undefined>;
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
  const effects: Record<string, Effect> = {};
  const guards: Record<string, Guard | undefined> = {};
  for (const [label, l] of Object.entries(labels)) {
    ids[label] = labelNames.length;
    labelNames.push({ fn: name, label, src });
    effects[label] = typeof l === 'function' ? l : l.run;
    if (typeof l !== 'function') guards[label] = l.guard;
  }
  const def: FnDef = { name, src, entry, labels: effects, guards, ids };
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

/** The guard of a sender waiting for its IPI (id in local `ipi`): every target has run the handler. */
export const ipisDone: Guard = (k, _c, f) => k.ipiDone(f.l.ipi as number);
