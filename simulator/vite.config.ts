import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import {
  boardEntry,
  findImage,
  manifestFor,
  readBoards,
  readFirmwareIdentity,
} from '../host/src/install/boards.js';

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

// The install page's data in a static build (no daemon behind it): the boards of platformio.ini, and for each
// one with an image (a local PlatformIO build, or release assets downloaded into GAUGE_FIRMWARE_DIR, as a
// Pages deploy would) its manifest and a copy of the image beside the page. Served by a daemon, the same URLs
// come from its /install routes (host/src/routes/install.ts), built by the same module.
function installData(): Plugin {
  const firmwareDirs = process.env.GAUGE_FIRMWARE_DIR ? [resolve(process.env.GAUGE_FIRMWARE_DIR)] : [];
  return {
    name: 'claude-gauge-install-data',
    apply: 'build',
    async generateBundle() {
      const identity = readFirmwareIdentity(repoRoot);
      const boards = (await readBoards(repoRoot)).map((board) => {
        const image = findImage(repoRoot, board.env, { dirs: firmwareDirs, releaseBase: null });
        if (image.kind === 'local') {
          const manifest = manifestFor(identity, image, 'firmware.bin');
          this.emitFile({
            type: 'asset',
            fileName: `install/${board.env}/manifest.json`,
            source: JSON.stringify(manifest),
          });
          this.emitFile({
            type: 'asset',
            fileName: `install/${board.env}/firmware.bin`,
            source: readFileSync(image.file),
          });
        }
        return boardEntry(board, image);
      });
      const json = (fileName: string, value: unknown) =>
        this.emitFile({ type: 'asset', fileName, source: `${JSON.stringify(value, null, 2)}\n` });
      json('install/boards.json', { firmware: identity, boards });
      json('install/device.json', {
        daemonUrl: null,
        reason: 'this copy of the page is not served by a claude-gauge daemon, so type the daemon’s URL',
        tokenRequired: false,
        tokenOffered: false,
      });
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
  plugins: [mswWorker(), installData()],
  build: {
    outDir: resolve(simulatorDir, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    // The wasm core stays a separate file (public/gauge-core.wasm) so a missing or corrupt one is reported
    // on the page rather than breaking the bundle.
    assetsInlineLimit: 0,
    // Two pages: the simulator, and the browser install page at install/.
    rollupOptions: {
      input: {
        main: resolve(simulatorDir, 'index.html'),
        install: resolve(simulatorDir, 'install', 'index.html'),
      },
    },
  },
  server: {
    host: '127.0.0.1',
    // The page imports the core's TS wrapper from firmware/ and the vectors from test/vectors/.
    fs: { allow: [repoRoot] },
    proxy: {
      '/usage': { target: devDaemon, changeOrigin: true },
      // The install page's data comes from the daemon too.
      '^/install/(boards\\.json|device\\.json|token|[^/]+/(manifest\\.json|firmware\\.bin))$': {
        target: devDaemon,
        changeOrigin: true,
      },
    },
  },
  preview: { host: '127.0.0.1' },
});
