import { defineConfig } from 'vite';
import { resolve } from 'node:path';

// One self-contained IIFE: the host page adds a single <script> tag and needs nothing else.
const here = import.meta.dirname;

export default defineConfig({
  root: here,
  publicDir: false,
  logLevel: 'warn',
  build: {
    lib: { entry: resolve(here, 'src/main.ts'), name: 'InboxWidgetBundle', formats: ['iife'], fileName: () => 'widget.js' },
    outDir: process.env.WIDGET_OUT_DIR ?? resolve(here, '../../dist/widget'),
    emptyOutDir: true,
    target: 'es2019',
    minify: true,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
