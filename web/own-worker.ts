/**
 * A long request (a search, a trace import) run on a worker of its own, started from the same bundle as the timeline's:
 * the timeline's worker stays free, and cancelling is terminating that worker. A newer run replaces the one in flight.
 */
import { SimClient, type SimClientOptions } from './sim-client.ts';

export type OwnRun<T> = { ok: true; value: T } | { ok: false; error: Error };

export class OwnWorker {
  #client: SimClient | null = null;
  #generation = 0;

  /**
   * Runs `job` on a fresh worker made with `options`. `current()` says whether this run is still the latest (use it to
   * drop progress of a replaced run). Resolves with the outcome, or null when the run was replaced or cancelled.
   */
  async run<T>(options: (current: () => boolean) => SimClientOptions, job: (client: SimClient, current: () => boolean) => Promise<T>): Promise<OwnRun<T> | null> {
    this.cancel();
    const mine = ++this.#generation;
    const current = () => mine === this.#generation;
    const client = new SimClient(options(current));
    this.#client = client;
    try {
      const value = await job(client, current);
      return current() ? { ok: true, value } : null;
    } catch (e) {
      return current() ? { ok: false, error: e as Error } : null;
    } finally {
      if (current()) {
        client.dispose();
        this.#client = null;
      }
    }
  }

  /** Stops the run in flight, if any (its worker is terminated); true if there was one. */
  cancel(): boolean {
    if (!this.#client) return false;
    this.#generation++;
    this.#client.dispose();
    this.#client = null;
    return true;
  }
}
