/**
 * The explorer's partial-order reduction: sleep sets (Godefroid 1996), aware of state caching, with independence
 * decided at each state from the footprints of the two moves there (explore/footprint.ts). Why it is sound for our
 * invariants: docs/engine.md "Partial-order reduction".
 */
import type { Move } from './explore.ts';
import { Footprint, noteCpu, noteWrites } from './footprint.ts';
import type { ExploreState } from './state.ts';

/** A move asleep at a state: explored already from an equivalent interleaving. Its footprint is the one it had there. */
export interface Asleep {
  bit: number;
  fp: Footprint;
}

/**
 * A move's bit in a sleep set: a CPU's micro-step (bit = CPU, below 16) or an actor beginning its next step (16 +
 * actor, below 32); -1 for the moves never put to sleep (IPI deliveries, hardware moves: dependent on every move).
 */
export function sleepBit(m: Move, cpus: number, actors: number): number {
  if (cpus > 16 || actors > 16) return -1;
  if (m.kind === 'step') return m.cpu;
  if (m.kind === 'begin') return 16 + m.actor;
  return -1;
}

export const maskOf = (z: readonly Asleep[]): number => {
  let w = 0;
  for (const a of z) w |= 1 << a.bit;
  return w >>> 0;
};

/** What the checker and the engine hold that decides what is judged next (see Footprint's `all`). */
const judging = new WeakMap<ExploreState, string>();
function judgingOf(x: ExploreState): string {
  let j = judging.get(x);
  if (j === undefined) {
    const { standing, i2Due } = x.checker.futureKey(x.k);
    j = `${standing.join(',')}|${i2Due.join(',')}`;
    judging.set(x, j);
  }
  return j;
}

/** Objects left for the next check by the last move (an IPI delivery writes its CPU between micro-steps). */
export function carries(x: ExploreState): boolean {
  const k = x.k;
  return k.dirtyCpus.n > 0 || k.dirtyTasks.n > 0 || k.dirtyMms.n > 0 || k.deviceTouched;
}

/**
 * Complete a move's footprint once it ran from `parent` to `child`: the objects written, the CPU it ran on (`cpu`, or
 * null for a hardware move), and whether it is dependent on every move.
 */
export function noteMove(fp: Footprint, m: Move, cpu: number | null, parent: ExploreState, child: ExploreState): void {
  if (m.kind === 'irq' || m.kind === 'speculate' || m.kind === 'device' || cpu === null) fp.all = true;
  else if (carries(parent) || carries(child)) fp.all = true;
  else if (child.rec.violations.length || child.rec.warnings.length) fp.all = true;
  else if (judgingOf(parent) !== judgingOf(child)) fp.all = true;
  if (fp.all || cpu === null) return;
  noteWrites(fp, child.k.kfDirty);
  noteCpu(fp, cpu);
}
