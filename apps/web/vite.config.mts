import { defineConfig } from 'vitest/config';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname);
const repo = resolve(import.meta.dirname, '../..');

// No @vitejs/plugin-react: Vite 8 (oxc) compiles TSX itself with the automatic runtime.
export default defineConfig({
  root,
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  resolve: { alias: { '@inbox/realtime-contract': resolve(repo, 'libs/realtime-contract/src/index.ts') } },
  build: {
    // WEB_OUT_DIR lets the browser e2e build into a temp folder of its own.
    outDir: process.env.WEB_OUT_DIR ?? resolve(repo, 'dist/web'),
    emptyOutDir: true,
    minify: process.env.WEB_DEBUG ? false : 'oxc',
    chunkSizeWarningLimit: 900,
    rollupOptions: {
      // React Query's "use client" markers mean nothing outside server components.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: process.env.API_URL ?? 'http://localhost:3000', changeOrigin: true },
      '/socket.io': { target: process.env.API_URL ?? 'http://localhost:3000', ws: true, changeOrigin: true },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    root,
  },
});
