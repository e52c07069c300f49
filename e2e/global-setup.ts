/**
 * e2e global setup: build the production bundle, serve it with `vite preview` on a free port of 127.0.0.1 (serve.ts),
 * and hand the URL to the tests (`inject('baseUrl')`). Teardown stops the server.
 */
import type { TestProject } from 'vitest/node';
import { preview, stopServer, viteBuild } from './serve.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where `vite preview` serves the production build, ending with '/'. */
    baseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await viteBuild();
  const { child, url } = await preview();
  // If vitest dies without running teardown, do not leave the server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  project.provide('baseUrl', url);
  return async () => {
    process.off('exit', killOnExit);
    await stopServer(child);
  };
}
