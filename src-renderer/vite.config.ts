// Builds the dashboard into dist/renderer (served by the merchant listener at `/`): hashed assets
// under /assets/, one module script and one stylesheet, nothing inline (the listener's CSP forbids it).
import react from '@vitejs/plugin-react';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const devApi = process.env.KASSA_DEV_API ?? 'http://127.0.0.1:8420';

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: {
    outDir: resolve(here, '..', 'dist', 'renderer'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Inline data: URLs for small assets would need img-src/font-src data: everywhere; keep files.
    assetsInlineLimit: 0,
    // The polyfill is not needed by the Chromium the window and modern browsers run.
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
  // `npx vite src-renderer` during development: the admin API of a running node behind the dev server.
  server: { proxy: { '/api/admin': { target: devApi, changeOrigin: false } } },
});
