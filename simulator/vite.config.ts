import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const simulatorDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(simulatorDir, '..');
const require = createRequire(import.meta.url);

// msw's service worker is third-party code: rather than committing a copy, serve (dev) and emit (build) the
// one from the installed msw package, so it always matches the msw version that the page imports.
function mswWorker(): Plugin {
  const workerPath = require.resolve('msw/mockServiceWorker.js');
  return {
    name: 'claude-gauge-msw-worker',
    configureServer(server) {
      server.middlewares.use('/mockServiceWorker.js', (_req, res) => {
        res.setHeader('Content-Type', 'text/javascript');
        res.end(readFileSync(workerPath));
      });
    },
    configurePreviewServer(server) {
      server.middlewares.use('/mockServiceWorker.js', (_req, res) => {
        res.setHeader('Content-Type', 'text/javascript');
        res.end(readFileSync(workerPath));
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'mockServiceWorker.js', source: readFileSync(workerPath) });
    },
  };
}

// The daemon for `npm run sim:dev` to proxy /usage to (same origin, so no CORS in development).
const devDaemon = process.env.GAUGE_DAEMON ?? 'http://127.0.0.1:8787';

export default defineConfig({
  root: simulatorDir,
  // Relative asset URLs: the same dist/ works under the daemon at `/` and under any static server.
  base: './',
  publicDir: resolve(simulatorDir, 'public'),
  plugins: [mswWorker()],
  build: {
    outDir: resolve(simulatorDir, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    // The wasm core stays a separate file (public/gauge-core.wasm) so a missing or corrupt one is reported
    // on the page rather than breaking the bundle.
    assetsInlineLimit: 0,
  },
  server: {
    host: '127.0.0.1',
    // The page imports the core's TS wrapper from firmware/ and the vectors from test/vectors/.
    fs: { allow: [repoRoot] },
    proxy: {
      '/usage': { target: devDaemon, changeOrigin: true },
    },
  },
  preview: { host: '127.0.0.1' },
});
