import { defineConfig } from 'tsup';

// The browser client: one minified ES module and its CSS, with index.html copied beside them. Everything it
// imports (Preact, lightweight-charts, uPlot) is bundled, so the panel needs no network at run time.
export default defineConfig({
  entry: { app: 'client/main.tsx' },
  outDir: 'dist/client',
  format: ['esm'],
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  clean: true,
  noExternal: [/.*/],
  publicDir: 'client/public',
  esbuildOptions(options) {
    options.jsx = 'automatic';
    options.jsxImportSource = 'preact';
  },
});
