/**
 * A counterexample as a scenario file: the schedule the explorer found for a violation (its moves), written in the
 * explicit-schedule extension of the format (`lazytlb/2`, `"schedule": "explicit"`; docs/scenario-format.md §19), so
 * that `npm run sim -- run file.json` and the app replay it move for move to the violation. The file carries the
 * original scenario's machine (the variant's arch and knobs), mms, tasks, devices and setup; it is named after the
 * scenario, the variant and the invariant.
 *
 * The race (`findRace`): which order of which two actors made the difference. Going back from the end of the schedule,
 * the first pair (i, j), i < j, of moves of different actors X = actor(i), Y = actor(j) such that, when Y's moves up
 * to j run before X's move i (the state: the schedule's first i moves, then Y's moves among i+1..j), no continuation
 * reaches the invariant any more: the replay of that reordered prefix does not raise it, and a breadth-first search
 * from there (explore's `prefix`, `target`) exhausts without meeting it. Independent pairs never qualify (the state
 * is the same whichever order). A search that hits its bound does not count; no pair found is reported as null.
 */
import { shownName } from '../engine/fn.ts';
import { idMatches } from '../invariants/catalog.ts';
import { hexVa } from '../ops/def.ts';
import { nextLabel } from '../ops/schedule.ts';
import { noteOf, resolveVariant, variantOf } from '../scenario/load.ts';
import type { ScenarioFile, StepFile } from '../scenario/schema.ts';
import { actorsOf, applyMove, explore, rootOf, type Actor, type ExploreViolation, type Move, type Node } from './explore.ts';

/** One of the two racing moves: its index in the schedule (= its index in the counterexample's `steps`). */
export interface RaceMove {
  move: number;
  actor: string;
  text: string;
}

export interface Race {
  /** Ran first in the counterexample. */
  first: RaceMove;
  /** Ran after; run (with its actor's moves before it) ahead of `first`, the invariant is no longer reachable. */
  second: RaceMove;
  /** How that was checked: the states the search from the reordered prefix exhausted. */
  checkedStates: number;
  /** One line for people. */
  note: string;
}

/** Who makes a move: `cpu1` (its operation, handlers and IPIs), `cpu1 MMU`, `device D`, or an actor's name. */
function moveActor(actors: Actor[], n: Node, m: Move): string {
  switch (m.kind) {
    case 'begin':
      return actors[m.actor].name;
    case 'step':
    case 'irq':
      return `cpu${m.cpu}`;
    case 'speculate':
      return `cpu${m.cpu} MMU`;
    case 'device':
      return `device ${n.x.s.devices[m.device].name}`;
  }
}

/** The nodes along a schedule (nodes[i]: before move i; nodes[moves.length]: at the end) and each move's actor. */
function walk(file: ScenarioFile, variant: string, moves: Move[]): { actors: Actor[]; nodes: Node[]; who: string[] } {
  const actors = actorsOf(file, variant);
  let n: Node = { x: rootOf(file, variant), pc: actors.map(() => 0), hw: moves.length };
  const nodes = [n];
  const who: string[] = [];
  for (const m of moves) {
    who.push(moveActor(actors, n, m));
    const c = applyMove(actors, n, m);
    if (!c) throw new Error('the schedule does not replay: a step was refused');
    c.x.rec.violations.length = 0;
    c.x.rec.warnings.length = 0;
    nodes.push((n = c));
  }
  return { actors, nodes, who };
}

/** A move as a step of an explicit schedule, in the state `n` it is made from. */
function stepOf(actors: Actor[], n: Node, m: Move): StepFile {
  switch (m.kind) {
    case 'begin': {
      // The actor's own step as written, without what belongs to the preset's schedule or variants.
      const { only: _only, notes: _notes, note: _note, until: _until, ...st } = actors[m.actor].steps[n.pc[m.actor]];
      return st as StepFile;
    }
    case 'step':
      return { cpu: m.cpu, do: 'step', at: nextLabel(n.x.k, m.cpu)! };
    case 'irq':
      return { cpu: m.cpu, do: 'irq', ipi: shownName(n.x.s.cpus[m.cpu].ipi_queue[0].kind) };
    case 'speculate':
      return { cpu: m.cpu, do: 'speculate', va: hexVa(m.va) };
    case 'device':
      return { device: n.x.s.devices[m.device].name, do: 'device_access', va: hexVa(m.va), ...(m.write ? { write: true } : {}) };
  }
}

/** The invariant ids a run of moves from node n raises, or null if a move is refused. */
function raised(actors: Actor[], n: Node, moves: Move[]): string[] | null {
  const ids: string[] = [];
  for (const m of moves) {
    let c: Node | null;
    try {
      c = applyMove(actors, n, m);
    } catch {
      return null; // an engine choice that is not enabled here
    }
    if (!c) return null;
    for (const f of c.x.rec.violations) ids.push(f.id);
    c.x.rec.violations.length = 0;
    n = c;
  }
  return ids;
}

export interface RaceOptions {
  /** The exploration's `hardware` (speculative walks and device accesses allowed per run): the searches get the same. */
  hardware?: number;
  /** Bound of each search from a reordered prefix (default 20 000 states). */
  maxStates?: number;
  /** Bound of all those searches together (default 200 000 states). */
  totalStates?: number;
  /**
   * Filled in: how many searches ran and how many a bound stopped (or the total ran out). No race with nothing stopped
   * means every reordering tried still reaches the invariant: the order of the actors does not decide it.
   */
  stats?: { searches: number; bounded: number };
}

/** The two racing moves of a violation's schedule (see the header comment), or null if none was proven within the bounds. */
export function findRace(file: ScenarioFile, variantName: string | null, v: ExploreViolation, opts: RaceOptions = {}): Race | null {
  const variant = resolveVariant(file, variantName).name;
  const { actors, nodes, who } = walk(file, variant, v.moves);
  const moves = v.moves;
  const n = moves.length;
  let budget = opts.totalStates ?? 200_000;
  const hits = (ids: string[] | null) => ids !== null && ids.some((id) => idMatches(v.id, id));
  const stats = opts.stats ?? { searches: 0, bounded: 0 };
  for (let i = n - 2; i >= 0; i--) {
    for (let j = i + 1; j < n; j++) {
      if (budget <= 0) {
        stats.bounded++;
        return null;
      }
      if (who[j] === who[i]) continue;
      const ahead: Move[] = [];
      const rest: Move[] = [];
      for (let k = i + 1; k <= j; k++) (who[k] === who[j] ? ahead : rest).push(moves[k]);
      // Y's moves up to j, before X's move i.
      const ran = raised(actors, nodes[i], ahead);
      if (ran === null || hits(ran)) continue;
      // Cheap first: the rest of the schedule, in its order, may still reach it.
      if (hits(raised(actors, nodes[i], [...ahead, moves[i], ...rest, ...moves.slice(j + 1)]))) continue;
      const prefix = [...moves.slice(0, i), ...ahead];
      const r = explore(file, variant, { prefix, target: v.id, order: 'bfs', maxStates: Math.min(opts.maxStates ?? 20_000, budget), hardware: opts.hardware ?? 0 });
      budget -= r.states;
      stats.searches++;
      if (r.violations.length) continue;
      if (!r.exhaustive) {
        stats.bounded++;
        continue;
      }
      const first = { move: i, actor: who[i], text: v.schedule[i] };
      const second = { move: j, actor: who[j], text: v.schedule[j] };
      return {
        first,
        second,
        checkedStates: r.states,
        note: `"${first.text}" (move ${i + 1}) ran before "${second.text}" (move ${j + 1}); with ${second.actor}'s moves up to that one first, no schedule reaches ${v.id} (${r.states} states searched)`,
      };
    }
  }
  return null;
}

/** The one actor that makes every move of a schedule, if only one does: its violation needs no interleaving, so no race. */
export function soloActor(file: ScenarioFile, variantName: string | null, moves: Move[]): string | null {
  const { who } = walk(file, resolveVariant(file, variantName).name, moves);
  return who.length && who.every((a) => a === who[0]) ? who[0] : null;
}

/** A name for files and ids: lower case, digits and dashes. */
export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/**
 * The counterexample of a violation as a scenario file (lazytlb/2, explicit schedule): one step per move, the race (if
 * given) marked on its two steps and in `race`, and `expect` saying what the replay violates, the invariant at the
 * last step.
 */
export function counterexample(file: ScenarioFile, variantName: string | null, v: ExploreViolation, race: Race | null = null): ScenarioFile {
  const rv = resolveVariant(file, variantName);
  const variant = rv.name;
  const { actors, nodes } = walk(file, variant, v.moves);
  const steps = v.moves.map((m, i) => stepOf(actors, nodes[i], m));
  if (race) {
    steps[race.first.move] = { ...steps[race.first.move], note: `Race, first: ${race.note}.` };
    steps[race.second.move] = { ...steps[race.second.move], note: `Race, second: ${race.note}.` };
  }
  const setup = (file.setup ?? [])
    .filter((s) => !s.only || s.only.includes(variant))
    .map((s) => {
      const { only: _only, notes: _notes, note: _note, ...rest } = s;
      const note = noteOf(s, variant);
      return (note ? { ...rest, note } : rest) as StepFile;
    });
  const others = [...new Set(raised(actors, nodes[0], v.moves) ?? [])].filter((id) => id !== v.id);
  const config = { ...file.machine.config, ...variantOf(file, variant)?.config };
  const id = slug(`${file.id}-${variant}-${v.id}`).slice(0, 80).replace(/-+$/, '');
  return {
    format: 'lazytlb/2',
    id,
    title: `Counterexample: ${v.id} in ${file.id} --variant ${variant}`.slice(0, 200),
    summary:
      `A schedule found by exploring every interleaving of ${file.id} --variant ${variant} (npm run sim -- explore): ` +
      `${v.moves.length} moves, each a step of an explicit schedule, that end in ${v.id} at ${v.at}: ${v.message}`.slice(0, 3000) +
      (race ? ` The race: ${race.note}.` : ''),
    ...(file.source ? { source: file.source } : {}),
    machine: {
      arch: rv.arch,
      cpus: file.machine.cpus,
      ...(file.machine.kernel ? { kernel: file.machine.kernel } : {}),
      ...(Object.keys(config).length ? { config } : {}),
    },
    mms: file.mms,
    tasks: file.tasks,
    ...(file.devices ? { devices: file.devices } : {}),
    ...(setup.length ? { setup } : {}),
    schedule: 'explicit',
    steps,
    expect: { default: [...others, { id: v.id, step: steps.length - 1 }] },
    ...(race ? { race: { first: race.first.move, second: race.second.move, note: race.note.slice(0, 2000) } } : {}),
  };
}
