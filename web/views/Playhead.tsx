/**
 * Which timeline a view shows (the main one, or the variant compared with it), and the playhead line: a component of
 * its own that subscribes to the playhead, so that moving it re-renders nothing else.
 */
import type { AxisScale } from '../axis-map.ts';
import { useStore } from 'zustand';
import { store, type AppState } from '../store.ts';

/** Room on the right of the plot, so the final state's playhead and markers stay in view. */
export const END_MARGIN = 14;

export type Slot = 'main' | 'compare';

const FULL: Record<number, [number, number]> = {};
/** [0, n], the same array for the same n (a stable dependency). */
function full(n: number): [number, number] {
  return (FULL[n] ??= [0, Math.max(1, n)]);
}

/** What the lanes of a slot show: the main timeline, or the variant compared with it (whole run, no zoom). */
export function pick(s: AppState, slot: Slot) {
  if (slot === 'compare') {
    const c = s.compare;
    return { summary: c?.summary ?? null, tracks: c?.tracks ?? null, t: c?.t ?? 0, view: c?.view ?? null, domain: full(c?.summary.microstepCount ?? 1) };
  }
  return { summary: s.summary, tracks: s.tracks, t: s.t, view: s.view, domain: s.domain };
}

/** The playhead's line at x(t): subscribes to the playhead itself and moves by transform (no layout). */
export function Playhead({ x, slot, offset = 0 }: { x: AxisScale; slot: Slot; offset?: number }) {
  const t = useStore(store, (s) => pick(s, slot).t);
  const px = x(t);
  const [, right] = x.range();
  if (px < -1 || px > right + END_MARGIN + 1) return null;
  return <div className="playhead" style={{ transform: `translateX(${offset + px}px)` }} aria-hidden="true" />;
}

