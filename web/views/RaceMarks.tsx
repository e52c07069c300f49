import type { AxisScale } from '../axis-map.ts';
import { useStore } from 'zustand';
import { store } from '../store.ts';
import { pick, type Slot } from './Playhead.tsx';

/**
 * A counterexample's race (summary.race, format lazytlb/2): the two steps whose order made the difference, marked as
 * columns over the lanes at the micro-steps they ran, labelled 1 and 2 in the order they ran.
 */
export function RaceMarks({ x, slot }: { x: AxisScale; slot: Slot }) {
  const summary = useStore(store, (s) => pick(s, slot).summary);
  const race = summary?.race;
  if (!summary || !race) return null;
  const [, right] = x.range();
  return (
    <>
      {([race.first, race.second] as const).map((index, i) => {
        const step = summary.steps[index];
        if (!step || step.microstepCount === 0) return null;
        // micro-step m happens at position m + 1
        const x0 = Math.max(0, x(step.firstMicrostep));
        const x1 = Math.min(right, x(step.firstMicrostep + step.microstepCount));
        if (x1 < 0 || x0 > right) return null;
        const what = `${i === 0 ? 'first' : 'second'} of the race: ${step.actor} ${step.text}`;
        return (
          <div key={i} className="race-mark" style={{ transform: `translateX(${x0}px)`, width: Math.max(3, x1 - x0) }} title={race.note ? `${what}. ${race.note}` : what} data-testid="race-mark" data-race={i === 0 ? 'first' : 'second'}>
            {/* stacked, so two adjacent steps keep both labels readable */}
            <span className="race-label" style={{ bottom: 1 + (1 - i) * 20 }}>
              race {i + 1}
            </span>
          </div>
        );
      })}
    </>
  );
}
