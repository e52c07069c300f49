import { describe, expect, test } from 'vitest';
import type { SimEvent, SimRequest } from '../src-sim/protocol/index.ts';
import type { PresetInfo } from '../src-sim/protocol/index.ts';
import { SimClient, SimFailedError, SimProtocolError, type WorkerLike } from './sim-client.ts';

/** A worker double: records requests; the test answers them. */
class FakeWorker implements WorkerLike {
  readonly sent: SimRequest[] = [];
  terminated = false;
  readonly #listeners = new Map<string, ((event: Event) => void)[]>();

  postMessage(message: SimRequest): void {
    this.sent.push(message);
  }
  addEventListener(type: string, listener: (event: Event) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  terminate(): void {
    this.terminated = true;
  }
  emit(type: 'message' | 'messageerror' | 'error', data?: unknown): void {
    const event = Object.assign(new Event(type), { data, message: type === 'error' ? String(data) : undefined });
    for (const listener of this.#listeners.get(type) ?? []) listener(event);
  }
  answer(event: SimEvent): void {
    this.emit('message', event);
  }
}

const PRESET: PresetInfo = { id: 'p', title: 'P', summary: 's', arch: 'x86', variants: [] };

/** A clock the test moves by hand; `every` timers fire when it moves past them. */
class FakeClock {
  time = 0;
  timers: Array<{ ms: number; next: number; fn: () => void; live: boolean }> = [];
  now = () => this.time;
  every = (ms: number, fn: () => void) => {
    const timer = { ms, next: this.time + ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  };
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.next <= end).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      this.time = due.next;
      due.next += due.ms;
      due.fn();
    }
    this.time = end;
  }
}

function setup() {
  const workers: FakeWorker[] = [];
  const fatal: Error[] = [];
  const progress: Array<[number, number]> = [];
  const clock = new FakeClock();
  const client = new SimClient({
    spawn: () => {
      const w = new FakeWorker();
      workers.push(w);
      return w;
    },
    onFatal: (e) => fatal.push(e),
    onProgress: (done, total) => progress.push([done, total]),
    livenessMs: 8_000,
    clock,
  });
  return { client, workers, fatal, clock, progress };
}

describe('SimClient', () => {
  test('starts no worker until the first request', () => {
    const { workers } = setup();
    expect(workers).toHaveLength(0);
  });

  test('numbers requests and resolves each promise with the answer carrying its seq', async () => {
    const { client, workers } = setup();
    const presets = client.listPresets();
    const summary = client.load({ kind: 'preset', id: 'p' }, 'fixed');
    const [w] = workers;
    expect(w.sent.map((r) => [r.type, r.seq])).toEqual([
      ['sim/presetsRequested', 1],
      ['sim/loadRequested', 2],
    ]);
    expect(w.sent[1]).toMatchObject({ source: { kind: 'preset', id: 'p' }, variant: 'fixed' });

    w.answer({ type: 'sim/presetsListed', seq: 1, presets: [PRESET] });
    await expect(presets).resolves.toEqual([PRESET]);
    w.answer({ type: 'sim/failed', seq: 2, error: { message: 'steps[3].cpu: CPU 4 does not exist', path: 'steps[3].cpu' } });
    const error = await summary.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimFailedError);
    expect((error as SimFailedError).message).toBe('steps[3].cpu: CPU 4 does not exist');
    expect((error as SimFailedError).path).toBe('steps[3].cpu');
    expect(client.pendingCount).toBe(0);
  });

  test('an answer to an unknown seq drops the worker: waiting requests reject, the app is told', async () => {
    const { client, workers, fatal } = setup();
    const a = client.listPresets();
    workers[0].answer({ type: 'sim/presetsListed', seq: 42, presets: [] });
    await expect(a).rejects.toThrow(SimProtocolError);
    expect(fatal[0]?.message).toMatch(/seq 42/);
    expect(workers[0].terminated).toBe(true);
    expect(client.pendingCount).toBe(0);
  });

  test('a message that is not an event (garbage) drops the worker; the next request gets a new one', async () => {
    const { client, workers, fatal } = setup();
    const a = client.listPresets();
    workers[0].emit('message', 'hello');
    await expect(a).rejects.toThrow(/not a SimEvent/);
    expect(fatal).toHaveLength(1);
    void client.listPresets();
    expect(workers).toHaveLength(2);
  });

  test('a worker silent for longer than the liveness bound counts as hung', async () => {
    const { client, workers, fatal, clock } = setup();
    const a = client.load({ kind: 'preset', id: 'p' });
    clock.advance(5_000);
    expect(fatal).toHaveLength(0);
    clock.advance(5_000);
    await expect(a).rejects.toThrow(/stopped answering/);
    expect(workers[0].terminated).toBe(true);
    expect(fatal).toHaveLength(1);
  });

  test('progress keeps a long request alive and is reported', async () => {
    const { client, workers, fatal, clock, progress } = setup();
    const a = client.load({ kind: 'preset', id: 'p' });
    for (let i = 1; i <= 5; i++) {
      clock.advance(4_000);
      workers[0].answer({ type: 'sim/progress', seq: 1, done: i, total: 5 });
    }
    expect(fatal).toHaveLength(0);
    expect(progress).toEqual([[1, 5], [2, 5], [3, 5], [4, 5], [5, 5]]);
    workers[0].answer({ type: 'sim/failed', seq: 1, error: { message: 'x' } });
    await expect(a).rejects.toThrow('x');
  });

  test('no watchdog fires while nothing waits', () => {
    const { client, workers, fatal, clock } = setup();
    void client.listPresets();
    workers[0].answer({ type: 'sim/presetsListed', seq: 1, presets: [] });
    clock.advance(60_000);
    expect(fatal).toHaveLength(0);
    expect(workers[0].terminated).toBe(false);
  });

  test('rejects an answer of the wrong type', async () => {
    const { client, workers, fatal } = setup();
    const presets = client.listPresets();
    workers[0].answer({ type: 'sim/microstepsListed', seq: 1, from: 0, rows: [] });
    await expect(presets).rejects.toThrow(/expected sim\/presetsListed/);
    expect(fatal).toHaveLength(1);
    expect(workers[0].terminated).toBe(true);
  });

  test('a messageerror rejects the oldest request only', async () => {
    const { client, workers } = setup();
    const first = client.listPresets();
    const second = client.listPresets();
    workers[0].emit('messageerror');
    await expect(first).rejects.toThrow(SimProtocolError);
    workers[0].answer({ type: 'sim/presetsListed', seq: 2, presets: [] });
    await expect(second).resolves.toEqual([]);
  });

  test('a crashed worker rejects everything pending; the next request starts a new worker', async () => {
    const { client, workers, fatal } = setup();
    const a = client.listPresets();
    const b = client.snapshot(3);
    workers[0].emit('error', 'boom');
    await expect(a).rejects.toThrow(/simulation worker stopped: boom/);
    await expect(b).rejects.toThrow(SimProtocolError);
    expect(workers[0].terminated).toBe(true);
    expect(fatal).toHaveLength(1);

    const c = client.listPresets();
    expect(workers).toHaveLength(2);
    expect(workers[1].sent[0].seq).toBe(3);
    workers[1].answer({ type: 'sim/presetsListed', seq: 3, presets: [PRESET] });
    await expect(c).resolves.toEqual([PRESET]);
  });

  test('dispose terminates the worker and rejects pending and later requests', async () => {
    const { client, workers } = setup();
    const a = client.listPresets();
    client.dispose();
    expect(workers[0].terminated).toBe(true);
    await expect(a).rejects.toThrow(/disposed/);
    await expect(client.listPresets()).rejects.toThrow(/disposed/);
  });
});
