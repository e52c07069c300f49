/**
 * What the app asks of the explorer and what it hears back (src-sim/explore/). Plain data: the worker builds it from
 * an `ExploreResult`, the UI only shows it.
 */
import type { ExploreResult, ExploreViolation } from '../explore/explore.ts';

/** The search's bounds and shape, as the user sets them in the Explore dialog (the CLI's flags, same meaning). */
export interface ExploreSettings {
  /** Stop after this many distinct states (the report then says the search was not exhaustive). */
  maxStates: number;
  /** Speculative walks and device accesses allowed at any point, besides the steps' own (0: off). */
  hardware: number;
  /** Breadth-first gives every violation with a shortest schedule; depth-first holds less. */
  order: 'bfs' | 'dfs';
}

/** How far a search got (sent every few thousand states, and as a sign of life). */
export interface ExploreProgress {
  states: number;
  transitions: number;
  depth: number;
  /** Milliseconds since the search began. */
  ms: number;
  maxStates: number;
}

/** A violated invariant as the app shows it: the explorer's violation (explore/explore.ts) without its moves. */
export interface ExploreFinding extends Pick<ExploreViolation, 'id' | 'message' | 'at' | 'schedule'> {
  /** The schedule written as a scenario file that replays to the violation (JSON text), when the format can say it. */
  counterexample: string | null;
  /**
   * The two moves whose order made the difference, as indexes into `schedule` (and into the counterexample's `steps`),
   * or null (one actor alone, or no pair proven within the bounds). The counterexample carries it as `race` too.
   */
  race?: { first: number; second: number; note: string } | null;
}

/** The explorer's result (explore/explore.ts), its violations as findings. */
export type ExploreReport = Omit<ExploreResult, 'violations'> & { violations: ExploreFinding[] };
