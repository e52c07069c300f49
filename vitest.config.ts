import { defineConfig } from 'vitest/config';

// Two projects with explicit includes, so neither picks up the other's files (nor Playwright-style *.spec.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['src-sim/**/*.test.ts', 'tests/**/*.test.ts', 'web/**/*.test.ts'],
          // Property tests run hundreds of random schedules; a slow CI machine must not turn them into timeouts.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['e2e/**/*.e2e.ts'],
          // Builds the production bundle in a child process and serves it with `vite preview` (see the file).
          globalSetup: ['e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
