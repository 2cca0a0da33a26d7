/**
 * The Foyer console: React 19 built by Vite 8 into console/dist, which Foyer serves at /console.
 * No React plugin: Vite's own Oxc transform compiles TSX with the automatic JSX runtime.
 * `npm run console:dev` serves it with a proxy to a running Foyer (FOYER_URL, default http://localhost:8081).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const target = process.env.FOYER_URL ?? 'http://localhost:8081';

export default defineConfig({
  root,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 900 },
  server: { proxy: { '/platform': { target, changeOrigin: false } } },
  clearScreen: false,
});
