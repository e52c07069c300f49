/** The Web Worker entry: binds the message protocol to the simulation host (host.ts). All logic lives in the core. */
import type { SimEvent, SimRequest } from './protocol/messages.ts';
import { createHost } from './host.ts';

/** The part of the worker global scope used here (typed locally to avoid the webworker lib). */
interface WorkerScope {
  addEventListener(type: 'message', fn: (e: { data: SimRequest }) => void): void;
  postMessage(msg: SimEvent): void;
}
const scope = self as unknown as WorkerScope;
const host = createHost();

// Requests are answered one after another, in the order they came, even those answered asynchronously (a trace
// import reads its file as a stream).
let queue: Promise<unknown> = Promise.resolve();
scope.addEventListener('message', (e) => {
  queue = queue.then(async () => scope.postMessage(await host.handleAsync(e.data, (event) => scope.postMessage(event))));
});
