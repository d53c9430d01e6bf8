// What every browser run needs: Debian's Chromium launched the one way this machine allows (never a
// downloaded browser), and the built simulator (simulator/dist) served on 127.0.0.1. Used by the e2e
// tests, the HIL browser target and bench/frame-cost.mjs; plain JS so the bench can import it without a
// TypeScript loader (types in simulatorPage.d.mts).
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

/** Launch options for Debian's Chromium: a fresh object each call, so a caller may add to it. */
export function chromiumLaunchOptions() {
  return {
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  };
}

const contentTypes = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * A request handler serving files under `root` for GET/HEAD: returns false for other methods (the caller
 * may handle them), answers 400 for an undecodable path and 404 for anything missing or outside the root.
 */
export function staticHandler(root) {
  const base = normalize(root + sep);
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return true;
    }
    const file = normalize(join(base, pathname.endsWith('/') ? `${pathname}index.html` : pathname));
    let isFile = false;
    try {
      isFile = file.startsWith(base) && statSync(file).isFile();
    } catch {
      // missing: 404 below
    }
    if (!isFile) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return true;
    }
    res.writeHead(200, {
      'Content-Type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
    return true;
  };
}

/** Serves `root` on 127.0.0.1 and a free port; close() drops open connections too. */
export async function serveStatic(root) {
  const handle = staticHandler(root);
  const server = createServer((req, res) => {
    if (!handle(req, res)) res.writeHead(405).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
