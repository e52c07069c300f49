import { describe, expect, test } from 'vitest';
import type { SimRequest } from '../src-sim/protocol/index.ts';
import { OwnWorker } from './own-worker.ts';
import type { WorkerLike } from './sim-client.ts';

/** A worker that records its requests and is answered by the test. */
class Fake implements WorkerLike {
  sent: SimRequest[] = [];
  terminated = false;
  listeners: Array<(e: Event) => void> = [];
  postMessage(m: SimRequest): void {
    this.sent.push(m);
  }
  addEventListener(type: string, l: (e: Event) => void): void {
    if (type === 'message') this.listeners.push(l);
  }
  terminate(): void {
    this.terminated = true;
  }
  answer(data: unknown): void {
    for (const l of this.listeners) l(Object.assign(new Event('message'), { data }));
  }
}

const NO_TIMERS = { now: () => 0, every: () => () => {} };

describe('a long request on a worker of its own', () => {
  test('a newer run replaces the one in flight: its worker is terminated and it resolves null', async () => {
    const workers: Fake[] = [];
    const w = new OwnWorker();
    const spawn = () => {
      const f = new Fake();
      workers.push(f);
      return f;
    };
    const first = w.run(() => ({ spawn, clock: NO_TIMERS }), (c) => c.listPresets());
    const second = w.run(() => ({ spawn, clock: NO_TIMERS }), (c) => c.listPresets());
    expect(workers[0].terminated).toBe(true);
    expect(await first).toBeNull();
    workers[1].answer({ type: 'sim/presetsListed', seq: workers[1].sent[0].seq, presets: [] });
    expect(await second).toEqual({ ok: true, value: [] });
    // the finished run's worker is let go
    expect(workers[1].terminated).toBe(true);
    expect(w.cancel()).toBe(false);
  });

  test('cancel terminates the worker; a failure is reported, not thrown', async () => {
    const fake = new Fake();
    const w = new OwnWorker();
    const cancelled = w.run(() => ({ spawn: () => fake, clock: NO_TIMERS }), (c) => c.listPresets());
    expect(w.cancel()).toBe(true);
    expect(fake.terminated).toBe(true);
    expect(await cancelled).toBeNull();

    const other = new Fake();
    const failing = w.run(() => ({ spawn: () => other, clock: NO_TIMERS }), (c) => c.listPresets());
    other.answer({ type: 'sim/failed', seq: other.sent[0].seq, error: { message: 'no' } });
    const r = await failing;
    expect(r && !r.ok && r.error.message).toBe('no');
  });
});
