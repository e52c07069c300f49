/**
 * Moving the playhead: step by operation or micro-step, jump to violations, play at a speed. Every move goes through
 * `seek`, which fetches the state there from the worker; rewinding is exact because the worker seeks its timeline.
 */
import { seek, setPlaying, store } from './store.ts';
import { stepBy, violationBy } from './position.ts';

export function stepOperation(dir: 1 | -1): void {
  const { summary, t } = store.getState();
  if (summary) seek(stepBy(summary.steps, t, dir));
}

export function stepMicro(dir: 1 | -1): void {
  seek(store.getState().t + dir);
}

export function jumpViolation(dir: 1 | -1): void {
  const { summary, t } = store.getState();
  if (!summary) return;
  const next = violationBy(summary.violations, t, dir);
  if (next !== null) seek(next);
}

export function jumpEnd(end: 'start' | 'end'): void {
  const { summary } = store.getState();
  if (summary) seek(end === 'start' ? 0 : summary.microstepCount);
}

export function togglePlay(): void {
  const { playing, summary, t } = store.getState();
  if (!summary) return;
  // Playing from the end starts over.
  if (!playing && t >= summary.microstepCount) seek(0);
  setPlaying(!playing);
}

/** Advances the playhead while `playing`, `speed` micro-steps per second; stops at the end. */
export function startPlayback(): () => void {
  let raf = 0;
  let last = 0;
  let carry = 0;
  const frame = (now: number) => {
    const { playing, speed, summary, t } = store.getState();
    if (!playing || !summary) {
      raf = 0;
      return;
    }
    carry += ((now - last) / 1000) * speed;
    last = now;
    const steps = Math.floor(carry);
    if (steps > 0) {
      carry -= steps;
      const next = Math.min(summary.microstepCount, t + steps);
      seek(next);
      if (next >= summary.microstepCount) {
        setPlaying(false);
        raf = 0;
        return;
      }
    }
    raf = requestAnimationFrame(frame);
  };
  const unsubscribe = store.subscribe((s, prev) => {
    if (s.playing && !prev.playing && !raf) {
      last = performance.now();
      carry = 0;
      raf = requestAnimationFrame(frame);
    }
  });
  return () => {
    unsubscribe();
    if (raf) cancelAnimationFrame(raf);
  };
}
