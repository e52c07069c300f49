// `timeMoves` (the bench's movesMs): the time of the moves themselves is reported only when asked, is part of the
// whole search's time, and asking for it changes nothing else in the result.
import { describe, expect, it } from 'vitest';
import { explore } from '../src-sim/explore/explore.ts';
import { presetById } from '../src-sim/scenario/presets.ts';

describe('explore timeMoves', () => {
  const t2 = presetById('t2-use-mm-mm-users')!;
  it('reports movesMs only when asked, within the search time, and nothing else changes', () => {
    const plain = explore(t2, 'fixed');
    const timed = explore(t2, 'fixed', { timeMoves: true });
    expect(plain.movesMs).toBeUndefined();
    expect(timed.movesMs).toBeGreaterThan(0);
    expect(timed.movesMs!).toBeLessThanOrEqual(timed.ms + 1);
    const strip = ({ ms: _ms, statesPerSec: _s, movesMs: _m, ...rest }: typeof plain) => rest;
    expect(strip(timed)).toEqual(strip(plain));
  });
});
