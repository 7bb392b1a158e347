// Vite build of the operator dashboard: dashboard/ → dashboard/dist, served by the api at `/`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: { outDir: path.join(here, 'dist'), emptyOutDir: true, sourcemap: true, target: 'es2022' },
  // `npx vite --config dashboard/vite.config.ts` for development: the api (PORT=3100 npm start) behind a proxy.
  server: { proxy: { '/api': process.env.DASHBOARD_API ?? 'http://127.0.0.1:3000' } },
});
