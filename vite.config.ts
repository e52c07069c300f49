import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The production build is a static site: relative asset URLs (`base: './'`) let it run from any static host, under a
// sub-path, or from a plain directory, with no server of ours behind it.
export default defineConfig({
  base: './',
  plugins: [react()],
  // The simulation runs in a module worker (web/sim-client.ts spawns src-sim/worker.ts).
  worker: { format: 'es' },
  build: {
    target: 'es2022',
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
  },
  preview: {
    host: '127.0.0.1',
    port: 4173,
    strictPort: true,
  },
});
