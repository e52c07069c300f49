/**
 * A first explorer (issue 9, phase 1): depth-first search over every interleaving of a scenario's actors, on the
 * engine's explicit choices (engine/choice.ts), deduplicating states by their canonical key (explore/state.ts).
 *
 * The scenario "without its schedule": its setup runs as written (the default chooser), then each actor's steps are
 * its own program, kept in their order: a CPU's kernel steps (`until` dropped, `continue` dropped), a CPU's MMU's
 * `speculate` steps, a device's `device_access` steps. At any point the choices are the engine's (a CPU takes a
 * pending IPI, a CPU runs its next micro-step) plus, for each actor whose previous step has finished, beginning its
 * next step; a step whose guard (its refusal, ops/) does not hold yet is not enabled. Steps skipped in the variant
 * (`only`) are left out. Speculative walks and device accesses at any point, besides the steps' own, are off unless
 * asked for (`hardware`: how many per run; `hardwareOffers` says which).
 *
 * The search is bounded by a number of distinct states and a depth; the result says whether it was exhaustive. Each
 * violated invariant is reported once, with the shortest schedule among those the search met: depth-first search (the
 * default) does not guarantee the shortest overall, breadth-first search (`order: 'bfs'`) does.
 */
import type { Choice, HardwareOffers } from '../engine/choice.ts';
import { labelNames } from '../engine/fn.ts';
import { opDef } from '../ops/index.ts';
import { hexVa, vpnOf } from '../ops/def.ts';
import { beginStep } from '../ops/resolve.ts';
import { idMatches } from '../invariants/catalog.ts';
import { resolveVariant } from '../scenario/load.ts';
import type { ScenarioFile, StepFile } from '../scenario/schema.ts';
import { ExploreState } from './state.ts';
import { hashState, type ObjectHashes } from './hash.ts';
import { StateSet } from './seen.ts';
import { Footprint, track } from './footprint.ts';
import { carries, maskOf, noteMove, sleepBit, type Asleep } from './por.ts';

/** A transition: an engine choice, or an actor beginning its next step. */
export type Move = Choice | { kind: 'begin'; actor: number };

export interface Actor {
  name: string;
  steps: StepFile[];
}

export interface ExploreOptions {
  /** Depth-first (default) or breadth-first (every violation with a shortest schedule; holds a whole level of states). */
  order?: 'dfs' | 'bfs';
  maxStates?: number;
  maxDepth?: number;
  /**
   * Partial-order reduction (sleep sets, explore/por.ts; depth-first only): fewer transitions, the same states and the
   * same violated invariants (`--por`). Off by default: on the presets it skips about 1 % of the transitions and its
   * footprints cost more than that (docs/engine.md).
   */
  por?: boolean;
  /** How many speculative walks and device accesses may happen at any point in a run, besides the steps' (default 0). */
  hardware?: number;
  /** Only this invariant id (or the ids it covers, `I13` → `I13a`..): breadth-first search stops at its first hit. */
  target?: string;
  /** Start from the state this schedule reaches (replayed from the root) instead of the root; reported schedules include it. */
  prefix?: Move[];
  /**
   * Time the moves themselves (labels, guards, the invariant checks), apart from the explorer's own work (copying the
   * state, hashing, the search): `movesMs` in the result. Each move then runs on a full copy of its state made before
   * the clock starts (ExploreState.copy: the kernel writes in place, no copy-on-write), which makes the whole search
   * slower and its results the same. The bench uses it to say how fast a search over this model could be if all but
   * the moves cost nothing. Two clock reads per transition. Depth-first and breadth-first; not with `por`.
   */
  timeMoves?: boolean;
  /** Told every `progressEvery` new states. */
  onProgress?: (p: { states: number; transitions: number; depth: number }) => void;
  progressEvery?: number;
  /**
   * Told every new state met (tests): the state, what the explorer adds to it (program counters, hardware budget) and
   * its hash. The state must not be changed.
   */
  onState?: (x: ExploreState, extra: number[], hash: [number, number]) => void;
}

export interface ExploreViolation {
  id: string;
  message: string;
  /** `fn.label` that raised it. */
  at: string;
  /** The schedule that reaches it, move by move, as text. */
  schedule: string[];
  moves: Move[];
}

export interface ExploreResult {
  scenario: string;
  variant: string;
  actors: string[];
  exhaustive: boolean;
  /** Why not, if not: the state or depth bound met. */
  bound: string | null;
  states: number;
  transitions: number;
  /** Complete runs met (states where nothing can move), counted once per distinct final state. */
  finals: number;
  /**
   * Complete runs: distinct schedules from the start to a state where nothing can move, counted over the graph of
   * distinct states (depth-first only; null for breadth-first, or if a cycle was met). A lower bound when not exhaustive.
   */
  interleavings: number | null;
  /** Runs where some actor's steps never began (its guard never held again). */
  stuck: number;
  maxDepth: number;
  /** The partial-order reduction used: 'sleep-sets' or 'none'. */
  reduction: 'sleep-sets' | 'none';
  ms: number;
  /** With `timeMoves`: the time spent in the moves themselves (ms, clock reads included). */
  movesMs?: number;
  statesPerSec: number;
  violations: ExploreViolation[];
}

/** The actors of a scenario variant and their programs (see the header comment). */
export function actorsOf(file: ScenarioFile, variant: string): Actor[] {
  const byName = new Map<string, Actor>();
  const out: Actor[] = [];
  for (const st of file.steps) {
    if (st.only && !st.only.includes(variant)) continue;
    if (st.do === 'continue') continue;
    const hw = opDef(st.do).hardware;
    const name = hw?.actor === 'device' ? `device ${st.device}` : hw ? `cpu${st.cpu} MMU` : `cpu${st.cpu}`;
    let a = byName.get(name);
    if (!a) {
      a = { name, steps: [] };
      byName.set(name, a);
      out.push(a);
    }
    const { until: _until, ...rest } = st;
    a.steps.push(rest as StepFile);
  }
  return out;
}

export interface Node {
  x: ExploreState;
  /** Per actor, how many of its steps have begun. */
  pc: number[];
  /** Hardware moves (speculative walks, device accesses at any point) still allowed. */
  hw: number;
  /** Its objects' hashes (explore/hash.ts), once hashed: a child rehashes only what it wrote. */
  oh?: ObjectHashes;
}

/**
 * The hardware moves a scenario may make at any point when asked for: a speculative walk of any address the scenario
 * names, on any CPU (when its MMU may speculate), and a read or write of any such address by each device.
 */
export function hardwareOffers(file: ScenarioFile): HardwareOffers {
  const vas = new Set<number>();
  for (const m of file.mms) for (const mp of m.mappings ?? []) vas.add(vpnOf(mp.va));
  for (const st of [...(file.setup ?? []), ...file.steps]) if ('va' in st && st.va !== undefined) vas.add(vpnOf(st.va));
  const speculate = [...vas].sort((a, b) => a - b);
  const device = (file.devices ?? []).flatMap((_d, device) => speculate.flatMap((va) => [false, true].map((write) => ({ device, va, write }))));
  return { speculate, device };
}

/** The state after a variant's setup (run as written, by the default chooser), findings cleared. */
export function rootOf(file: ScenarioFile, variant: string): ExploreState {
  const root = ExploreState.initial(file, resolveVariant(file, variant));
  for (const st of file.setup ?? []) {
    if (st.only && !st.only.includes(variant)) continue;
    const hw = opDef(st.do).hardware;
    if (hw) hw.run(root.k, st);
    else {
      const why = beginStep(root.k, st.cpu!, st);
      if (why) throw new Error(`setup step refused: ${why}`);
      root.k.pump(st.cpu!);
    }
  }
  root.rec.violations.length = 0;
  root.rec.warnings.length = 0;
  return root;
}

/**
 * Perform a move on a copy of n; null if the step's guard does not hold (refused). With `fp`, what the move touches is
 * recorded in it (explore/footprint.ts); with `clock`, the move runs on a full copy (ExploreState.copy) and the time it
 * takes is added to the clock.
 */
export function applyMove(actors: Actor[], n: Node, m: Move, fp?: Footprint, clock?: { ms: number }): Node | null {
  const x = clock ? n.x.copy() : n.x.clone();
  const pc = n.pc;
  const run = (): boolean => {
    if (m.kind !== 'begin') {
      x.step(m);
      return true;
    }
    const st = actors[m.actor].steps[pc[m.actor]];
    const hw = opDef(st.do).hardware;
    if (hw) hw.run(x.k, st);
    else if (beginStep(x.k, st.cpu!, st) !== null) return false;
    return true;
  };
  let ok: boolean;
  if (fp && (m.kind === 'irq' || m.kind === 'speculate' || m.kind === 'device' || carries(n.x))) {
    fp.all = true; // dependent on every move whatever it touches (explore/por.ts): no need to record
    ok = run();
  } else if (fp) {
    const raw = x.k.s;
    try {
      ok = track(raw, fp, (view) => {
        x.k.s = view;
        return run();
      });
    } finally {
      x.k.s = raw;
    }
    if (ok) {
      const cpu = m.kind === 'begin' ? (opDef(actors[m.actor].steps[pc[m.actor]].do).hardware ? null : actors[m.actor].steps[pc[m.actor]].cpu!) : m.kind === 'device' ? null : m.cpu;
      noteMove(fp, m, cpu, n.x, x);
    }
  } else if (clock) {
    const t = performance.now();
    ok = run();
    clock.ms += performance.now() - t;
  } else ok = run();
  if (!ok) return null;
  if (m.kind !== 'begin') return { x, pc, hw: m.kind === 'speculate' || m.kind === 'device' ? n.hw - 1 : n.hw };
  const next = pc.slice();
  next[m.actor]++;
  return { x, pc: next, hw: n.hw };
}

/** Replay a schedule from the root: the ids of the invariants it violates, in order (a counterexample's check). */
export function replay(file: ScenarioFile, variant: string, moves: Move[]): string[] {
  const actors = actorsOf(file, variant);
  let n: Node | null = { x: rootOf(file, variant), pc: actors.map(() => 0), hw: moves.length };
  const ids: string[] = [];
  for (const m of moves) {
    n = applyMove(actors, n, m);
    if (!n) throw new Error('the schedule does not replay: a step was refused');
    for (const f of n.x.rec.violations) ids.push(f.id);
    n.x.rec.violations.length = 0;
  }
  return ids;
}

export function explore(file: ScenarioFile, variantName: string | null, opts: ExploreOptions = {}): ExploreResult {
  const t0 = performance.now();
  const v = resolveVariant(file, variantName);
  const maxStates = opts.maxStates ?? 1_000_000;
  const maxDepth = opts.maxDepth ?? 10_000;
  const actors = actorsOf(file, v.name);
  const root = rootOf(file, v.name);
  const seen = new StateSet();
  const found = new Map<string, ExploreViolation>();
  let transitions = 0;
  let finals = 0;
  let stuck = 0;
  let deepest = 0;
  let bound: string | null = null;
  const path: Move[] = [];
  /** The node each move of `path` was taken from. */
  const from: Node[] = [];
  // Per distinct state, the complete runs from it (depth-first): `interleavings`, attached to the state in `seen`
  // (NaN while the state is being explored).
  let cyclic = false;
  let lastA = 0;
  let lastB = 0;
  /** Breadth-first with a target: stop at its first (shortest) hit. */
  let hit = false;

  /** A node's hash; `parent` gives the object hashes to start from. */
  /** The program counters and hardware budget hashed with a state (one array for every state: hashState only reads it). */
  const extra: number[] = [];
  const keyOf = (n: Node, parent?: Node): [number, number] => {
    if (extra.length !== n.pc.length + 1) extra.length = n.pc.length + 1;
    for (let i = 0; i < n.pc.length; i++) extra[i] = n.pc[i];
    extra[n.pc.length] = n.hw;
    const { h, objects } = hashState(n.x, extra, parent?.oh);
    n.oh = objects;
    return h;
  };
  const offers = hardwareOffers(file);
  const cpus = root.s.cpus.length;
  /** Partial-order reduction: depth-first search only (breadth-first explores every interleaving). */
  const reduce = opts.por === true && opts.order !== 'bfs';

  /** The moves at a node: the engine's choices, then each actor that may begin its next step. */
  const movesAt = (n: Node): Move[] => {
    const out: Move[] = n.x.enabled(n.hw > 0 ? offers : undefined);
    for (let a = 0; a < actors.length; a++) {
      const st = actors[a].steps[n.pc[a]];
      if (!st) continue;
      if (!opDef(st.do).hardware && n.x.s.cpus[st.cpu!].stack.length) continue; // its previous step is in flight
      out.push({ kind: 'begin', actor: a });
    }
    return out;
  };

  const clock = opts.timeMoves ? { ms: 0 } : undefined;
  const apply = (n: Node, m: Move): Node | null => applyMove(actors, n, m, undefined, clock);

  const describe = (n: Node, m: Move): string => {
    if (m.kind === 'begin') {
      const a = actors[m.actor];
      return `${a.name} begins ${opDef(a.steps[n.pc[m.actor]].do).describe(a.steps[n.pc[m.actor]])}`;
    }
    if (m.kind === 'irq') return `cpu${m.cpu} takes IPI ${n.x.s.cpus[m.cpu].ipi_queue[0]?.kind.split('@')[0]}`;
    if (m.kind === 'step') {
      const f = n.x.s.cpus[m.cpu].stack.at(-1)!;
      return `cpu${m.cpu} ${f.fn.split('@')[0]}.${f.pc}`;
    }
    if (m.kind === 'speculate') return `cpu${m.cpu} MMU speculatively walks ${hexVa(m.va)}`;
    return `device ${n.x.s.devices[m.device].name} ${m.write ? 'writes' : 'reads'} ${hexVa(m.va)}`;
  };

  /** A node's moves, each performed on a copy: `onChild` gets the child, the move and its text. */
  const expand = (n: Node, depth: number, onChild: (c: Node, m: Move, text: () => string) => void): boolean => {
    if (depth > deepest) deepest = depth;
    const moves = movesAt(n);
    if (!moves.length) {
      finals++;
      if (n.pc.some((p, a) => p < actors[a].steps.length)) stuck++;
      return true;
    }
    if (depth >= maxDepth) {
      bound = `depth ${maxDepth}`;
      return false;
    }
    for (const m of moves) {
      const c = apply(n, m);
      if (!c) continue;
      transitions++;
      onChild(c, m, () => describe(n, m));
    }
    return false;
  };

  /** Record the violations a transition raised, reached by `schedule` (kept if shorter than the one known). */
  const note = (c: Node, moves: () => Move[], schedule: () => string[], length: number): void => {
    for (const f of c.x.rec.violations) {
      if (opts.target !== undefined && !idMatches(opts.target, f.id)) continue;
      if (opts.target !== undefined && opts.order === 'bfs') hit = true;
      const had = found.get(f.id);
      if (!had || had.moves.length > length) {
        const l = labelNames[f.label];
        found.set(f.id, { id: f.id, message: f.message, at: l ? `${l.fn.split('@')[0]}.${l.label}` : '', schedule: schedule(), moves: moves() });
      }
    }
    c.x.rec.violations.length = 0;
    c.x.rec.warnings.length = 0;
  };

  /** Whether c is a new state within the bound (then it is counted as seen). */
  const fresh = (c: Node, parent: Node, depth: number): boolean => {
    const [a, b] = keyOf(c, parent);
    lastA = a;
    lastB = b;
    if (seen.has(a, b)) return false;
    return admit(c, a, b, depth, 0);
  };

  /** Count a state not met before (hash a, b; `word` kept with it), if within the bound. */
  const admit = (c: Node, a: number, b: number, depth: number, word: number): boolean => {
    if (seen.size >= maxStates) {
      bound = `${maxStates} states`;
      return false;
    }
    seen.add(a, b, word);
    opts.onState?.(c.x, [...c.pc, c.hw], [a, b]);
    if (opts.onProgress && seen.size % (opts.progressEvery ?? 10_000) === 0) opts.onProgress({ states: seen.size, transitions, depth });
    return true;
  };

  /** Depth-first from n (hash ka, kb). */
  const visit = (n: Node, depth: number, ka: number, kb: number): void => {
    let count = 0;
    const final = expand(n, depth, (c, m) => {
      path.push(m);
      from.push(n);
      // the moves' texts only when a violation needs its schedule (each from the state it was taken in)
      if (c.x.rec.violations.length || c.x.rec.warnings.length) note(c, () => path.slice(), () => path.map((x, j) => describe(from[j], x)), path.length);
      if (fresh(c, n, depth + 1)) {
        const ca = lastA;
        const cb = lastB;
        visit(c, depth + 1, ca, cb);
        count += seen.value(ca, cb)!;
      } else {
        // undefined: not admitted (the state bound); NaN: being explored, on the path (a cycle)
        const known = seen.value(lastA, lastB);
        if (known !== undefined) {
          if (Number.isNaN(known)) cyclic ||= bound === null;
          else count += known;
        }
      }
      path.pop();
      from.pop();
    });
    seen.setValue(ka, kb, final ? 1 : count);
  };

  /**
   * Depth-first with sleep sets (explore/por.ts): `z` the moves asleep here (each explored already from an equivalent
   * interleaving, with its footprint there); `only` on a revisit, the moves asleep at an earlier visit and awake now,
   * which are explored now (the sleep set stored with the state becomes the intersection); -1 on a first visit.
   */
  const visitReduced = (n: Node, depth: number, z: Asleep[], only: number): void => {
    if (depth > deepest) deepest = depth;
    const moves = movesAt(n);
    if (!moves.length) {
      if (only === -1) {
        finals++;
        if (n.pc.some((p, a) => p < actors[a].steps.length)) stuck++;
      }
      return;
    }
    if (depth >= maxDepth) {
      bound = `depth ${maxDepth}`;
      return;
    }
    const sleep = z.slice();
    const todo = moves.filter((m) => {
      const bit = sleepBit(m, cpus, actors.length);
      if (bit >= 0 && sleep.some((a) => a.bit === bit)) return false;
      return only === -1 || (bit >= 0 && (only & (1 << bit)) !== 0);
    });
    for (let i = 0; i < todo.length; i++) {
      const m = todo[i];
      const bit = sleepBit(m, cpus, actors.length);
      // A footprint serves to keep asleep moves asleep in the child and to put this move to sleep for its later
      // siblings: with neither, it is not recorded.
      const fp = sleep.length || (bit >= 0 && i < todo.length - 1) ? new Footprint() : undefined;
      const c = applyMove(actors, n, m, fp);
      if (!c) continue;
      transitions++;
      path.push(m);
      from.push(n);
      // the moves' texts only when a violation needs its schedule (each from the state it was taken in)
      if (c.x.rec.violations.length || c.x.rec.warnings.length) note(c, () => path.slice(), () => path.map((x, j) => describe(from[j], x)), path.length);
      const cz = fp ? sleep.filter((a) => a.fp.independent(fp)) : [];
      const [a, b] = keyOf(c, n);
      const had = seen.word(a, b);
      if (had === undefined) {
        if (admit(c, a, b, depth + 1, maskOf(cz))) visitReduced(c, depth + 1, cz, -1);
      } else {
        const again = (had & ~maskOf(cz)) >>> 0;
        if (again) {
          seen.setWord(a, b, (had & maskOf(cz)) >>> 0);
          visitReduced(c, depth + 1, cz, again);
        }
      }
      path.pop();
      from.pop();
      if (bit >= 0 && fp && !fp.all) sleep.push({ bit, fp });
    }
  };

  /** Breadth-first: states in order of distance, so the first schedule met for a violation is a shortest one. */
  const breadthFirst = (start: Node): void => {
    // How each state was first reached, to rebuild schedules: its parent's index, the move and its text.
    const trail: Array<{ parent: number; move: Move | null; text: string }> = [{ parent: -1, move: null, text: '' }];
    const back = (id: number): Array<{ move: Move; text: string }> => {
      const out: Array<{ move: Move; text: string }> = [];
      for (let i = id; trail[i].move; i = trail[i].parent) out.push({ move: trail[i].move!, text: trail[i].text });
      return out.reverse();
    };
    let level: Array<{ n: Node; id: number }> = [{ n: start, id: 0 }];
    for (let depth = 0; level.length && !hit; depth++) {
      const next: Array<{ n: Node; id: number }> = [];
      for (const { n, id } of level) {
        expand(n, depth, (c, m, text) => {
          const steps = () => [...back(id), { move: m, text: text() }];
          note(c, () => [...path, ...steps().map((x) => x.move)], () => [...path.map((x, j) => describe(from[j], x)), ...steps().map((x) => x.text)], path.length + depth + 1);
          if (!fresh(c, n, depth + 1)) return;
          trail.push({ parent: id, move: m, text: text() });
          next.push({ n: c, id: trail.length - 1 });
        });
      }
      level = next;
    }
  };

  let start: Node = { x: root, pc: actors.map(() => 0), hw: opts.hardware ?? 0 };
  for (const m of opts.prefix ?? []) {
    const c = applyMove(actors, start, m);
    if (!c) throw new Error('the prefix does not replay: a step was refused');
    c.x.rec.violations.length = 0;
    c.x.rec.warnings.length = 0;
    path.push(m);
    from.push(start);
    start = c;
  }
  const [sa, sb] = keyOf(start);
  seen.add(sa, sb);
  if (opts.order === 'bfs') breadthFirst(start);
  else if (reduce) visitReduced(start, path.length, [], -1);
  else visit(start, path.length, sa, sb);
  const ms = performance.now() - t0;
  return {
    scenario: file.id,
    variant: v.name,
    actors: actors.map((a) => a.name),
    exhaustive: bound === null,
    bound,
    states: seen.size,
    transitions,
    finals,
    interleavings: opts.order === 'bfs' || reduce || cyclic ? null : seen.value(sa, sb) ?? null,
    stuck,
    maxDepth: deepest,
    reduction: reduce ? 'sleep-sets' : 'none',
    ms: Math.round(ms),
    ...(clock ? { movesMs: Math.round(clock.ms) } : {}),
    statesPerSec: Math.round(seen.size / Math.max(ms / 1000, 1e-3)),
    violations: [...found.values()].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true })),
  };
}
