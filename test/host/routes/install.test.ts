// The daemon's /install routes over a throwaway checkout (the real platformio.ini and firmware headers, a
// fake local build, a release server on loopback): boards from platformio.ini, ESP Web Tools manifests that
// type-check against esp-web-tools' own Manifest type, images served or relayed with bounds, the device-facing
// daemon URL, and the token handed out only with consent to a page on this machine. Nothing answered
// carries a path.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Manifest as EwtManifest } from 'esp-web-tools/dist/const.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  factoryImageName,
  findImage,
  manifestFor,
  readBoards,
  readFirmwareIdentity,
  releaseBaseUrl,
} from '../../../host/src/install/boards.js';
import { deviceDaemonUrl } from '../../../host/src/lan.js';
import { buildServer } from '../../../host/src/server.js';
import { UsageService } from '../../../host/src/service.js';
import { configFiles, loadIni, option } from '../../lib/platformioIni.mjs';
import { FakeSource, tempDir } from '../helpers/fixtures.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');

/** A checkout with what the routes read, and a local build of the cyd env. */
function project(pkg: Record<string, unknown> = { name: 'claude-gauge' }) {
  const dir = tempDir('cg-install-');
  for (const f of [
    // A clean checkout's configuration: a developer's own platformio_override.ini (gitignored) stays out.
    ...configFiles(repoRoot).filter((f) => f !== 'platformio_override.ini'),
    'firmware/core/improv.h',
    'firmware/platform/esp32/host_tested/board_config.h',
  ]) {
    mkdirSync(join(dir.path, f, '..'), { recursive: true });
    copyFileSync(join(repoRoot, f), join(dir.path, f));
  }
  writeFileSync(join(dir.path, 'package.json'), JSON.stringify(pkg));
  return dir;
}

const image = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff));

function localBuild(projectDir: string, env: string, bytes = image) {
  const out = join(projectDir, '.pio', 'build', env);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, factoryImageName(env)), bytes);
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(opts: {
  projectDir: string;
  token?: string;
  bindHost?: string;
  releaseBase?: string | null;
  ui?: string;
}) {
  const service = new UsageService({
    source: new FakeSource(),
    settings: { redline: 1000, ceiling: 10_000, warnFraction: 0.8, stallMinutes: 5 },
    clock: () => 1_700_000_000_000,
    tickMs: 20,
  });
  await service.start();
  const app = await buildServer({ service, ...opts });
  cleanups.push(() => service.stop());
  cleanups.push(() => app.close());
  return app;
}

/** Every answer of a run, to check that none carries a path of this machine. */
const answers: string[] = [];
async function get(app: FastifyInstance, url: string, extra: Record<string, unknown> = {}) {
  const res = await app.inject({ method: 'GET', url, ...extra });
  if (!res.headers['content-type']?.toString().startsWith('application/octet-stream')) answers.push(res.body);
  return res;
}

// A release server: GitHub answers release downloads with a redirect to the asset.
let release: Server;
let releaseBase = '';
const releaseHits: string[] = [];
beforeAll(async () => {
  release = createServer((req, res) => {
    releaseHits.push(req.url ?? '');
    if (req.url === '/download/claude-gauge-cyd2usb-factory.bin') {
      res.writeHead(302, { Location: '/assets/cyd2usb.bin' }).end();
    } else if (req.url === '/assets/cyd2usb.bin') {
      res
        .writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': image.length })
        .end(image);
    } else if (req.url === '/download/claude-gauge-esp32dev_ili9341-factory.bin') {
      res.writeHead(200, { 'Content-Length': String(17 * 1024 * 1024) }).end();
    } else {
      res.writeHead(404).end('Not Found');
    }
  });
  await new Promise<void>((resolve) => release.listen(0, '127.0.0.1', resolve));
  releaseBase = `http://127.0.0.1:${(release.address() as AddressInfo).port}/download`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => release.close(() => resolve()));
  const paths = [repoRoot, tmpdir()];
  for (const body of answers)
    for (const p of paths) expect(body, 'an answer carries a path').not.toContain(p);
});

describe('install catalogue', () => {
  it('lists every installable env of platformio.ini: the OTA env builds the same image and is left out', async () => {
    // The committed configuration, in a clean copy (a developer's platformio_override.ini may add envs).
    const dir = project();
    cleanups.push(dir.cleanup);
    const boards = await readBoards(dir.path);
    expect(boards.map((b) => b.env)).toEqual(['cyd', 'cyd2usb', 'cyd2usb_st7789', 'esp32dev_ili9341']);
    expect(option(loadIni(dir.path), 'env:cyd_ota', 'upload_protocol')).toBe('espota');
    for (const b of boards) {
      expect(b.chipFamily).toBe('ESP32');
      expect(b.label).not.toBe(b.env); // each has a custom_install_label...
    }
    // ...of its own: an env that extends another must not show the other's label.
    expect(new Set(boards.map((b) => b.label)).size).toBe(boards.length);
  });

  it('names the firmware as the gauge reports it, and writes a manifest ESP Web Tools accepts', () => {
    const identity = readFirmwareIdentity(repoRoot);
    expect(identity).toEqual({ name: 'claude-gauge', version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    // Type-checked against esp-web-tools' own Manifest (npm run typecheck).
    const m: EwtManifest = manifestFor(identity, { kind: 'release', url: 'x' }, 'firmware.bin');
    expect(m).toEqual({
      name: 'claude-gauge',
      version: identity.version,
      new_install_prompt_erase: true,
      new_install_improv_wait_time: 25,
      builds: [{ chipFamily: 'ESP32', parts: [{ path: 'firmware.bin', offset: 0 }] }],
    });
    const local = manifestFor(
      identity,
      { kind: 'local', file: '/x', bytes: 1, builtAt: new Date(Date.UTC(2026, 0, 2, 3, 4)) },
      'f',
    );
    expect(local.version).toBe(`${identity.version} (local build 2026-01-02 03:04 UTC)`);
  });

  it('finds the release from package.json’s GitHub repository, in the spellings npm allows', () => {
    const base = (repository: unknown) => {
      const dir = project({ name: 'claude-gauge', repository });
      cleanups.push(dir.cleanup);
      return releaseBaseUrl(dir.path);
    };
    const want = 'https://github.com/acme/claude-gauge/releases/latest/download';
    expect(base('github:acme/claude-gauge')).toBe(want);
    expect(base({ type: 'git', url: 'git+https://github.com/acme/claude-gauge.git' })).toBe(want);
    expect(base('https://gitlab.com/acme/claude-gauge')).toBeNull();
    expect(base(undefined)).toBeNull();
  });

  it('prefers the local build, then a given directory, then the release', () => {
    const dir = project();
    cleanups.push(dir.cleanup);
    const extra = tempDir('cg-assets-');
    cleanups.push(extra.cleanup);
    expect(findImage(dir.path, 'cyd', { releaseBase: null }).kind).toBe('missing');
    expect(findImage(dir.path, 'cyd', { releaseBase: 'https://r' })).toEqual({
      kind: 'release',
      url: 'https://r/claude-gauge-cyd-factory.bin',
    });
    writeFileSync(join(extra.path, factoryImageName('cyd')), 'x');
    expect(findImage(dir.path, 'cyd', { dirs: [extra.path] }).kind).toBe('local');
    localBuild(dir.path, 'cyd');
    const found = findImage(dir.path, 'cyd', { dirs: [extra.path] });
    expect(found.kind === 'local' && found.bytes).toBe(image.length);
  });

  it('gives the gauge an address it can reach, or says why there is none', () => {
    expect(deviceDaemonUrl('127.0.0.1', 8787, '127.0.0.1')).toEqual({
      url: null,
      reason: expect.stringMatching(/--lan/),
    });
    expect(deviceDaemonUrl('192.168.1.20', 8787, '127.0.0.1')).toEqual({
      url: 'http://192.168.1.20:8787/usage',
      reason: null,
    });
    // Bound to all addresses and opened over the LAN: the address the page came in on.
    expect(deviceDaemonUrl('0.0.0.0', 9000, '::ffff:10.0.0.7').url).toBe('http://10.0.0.7:9000/usage');
  });
});

describe('/install routes', () => {
  it('serves boards, manifests and the local image; no image is a 404 that says how to build one', async () => {
    const dir = project();
    cleanups.push(dir.cleanup);
    localBuild(dir.path, 'cyd');
    const app = await server({ projectDir: dir.path, releaseBase: null });
    const boards = (await get(app, '/install/boards.json')).json();
    expect(boards).toEqual({
      firmware: readFirmwareIdentity(repoRoot),
      boards: [
        expect.objectContaining({ env: 'cyd', image: 'local' }),
        expect.objectContaining({ env: 'cyd2usb', image: 'missing' }),
        expect.objectContaining({ env: 'cyd2usb_st7789', image: 'missing' }),
        expect.objectContaining({ env: 'esp32dev_ili9341', image: 'missing' }),
      ],
    });
    const manifest = await get(app, '/install/cyd/manifest.json');
    expect(manifest.statusCode).toBe(200);
    expect(manifest.headers['cache-control']).toBe('no-store');
    expect(manifest.json().builds[0].parts).toEqual([{ path: 'firmware.bin', offset: 0 }]);
    const bin = await get(app, '/install/cyd/firmware.bin');
    expect(bin.statusCode).toBe(200);
    expect(bin.rawPayload.equals(image)).toBe(true);
    const none = await get(app, '/install/cyd2usb/manifest.json');
    expect(none.statusCode).toBe(404);
    expect(none.json().message).toMatch(/pio run -e cyd2usb/);
    for (const bad of [
      '/install/nope/manifest.json',
      '/install/cyd_ota/manifest.json',
      '/install/..%2Fetc/firmware.bin',
    ])
      expect((await get(app, bad)).statusCode, bad).toBe(404);
  });

  it('relays the release image (GitHub’s downloads are not readable cross-origin), bounded', async () => {
    const dir = project();
    cleanups.push(dir.cleanup);
    const app = await server({ projectDir: dir.path, releaseBase });
    const manifest = (await get(app, '/install/cyd2usb/manifest.json')).json();
    expect(manifest.version).toBe(readFirmwareIdentity(repoRoot).version);
    const bin = await get(app, '/install/cyd2usb/firmware.bin');
    expect(bin.statusCode).toBe(200);
    expect(bin.rawPayload.equals(image)).toBe(true);
    expect(releaseHits).toContain('/assets/cyd2usb.bin');
    const missing = await get(app, '/install/cyd/firmware.bin');
    expect(missing.statusCode).toBe(502);
    expect(missing.json().message).toMatch(/the release has no claude-gauge-cyd-factory\.bin \(HTTP 404\)/);
    const huge = await get(app, '/install/esp32dev_ili9341/firmware.bin');
    expect(huge.statusCode).toBe(502);
    expect(huge.json().message).toMatch(/more than any ESP32 flash holds/);
  });

  it('says where the daemon is for the gauge, and hands the token only with consent to this machine', async () => {
    const dir = project();
    cleanups.push(dir.cleanup);
    const app = await server({ projectDir: dir.path, token: 's3cret-token', bindHost: '192.168.1.20' });
    const device = (await get(app, '/install/device.json')).json();
    expect(device).toMatchObject({
      daemonUrl: expect.stringMatching(/^http:\/\/192\.168\.1\.20:\d+\/usage$/),
      tokenRequired: true,
      tokenOffered: true,
    });
    const post = (payload: unknown, extra: Record<string, unknown> = {}) =>
      app.inject({ method: 'POST', url: '/install/token', payload: payload as object, ...extra });
    const ok = await post({ consent: true });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ token: 's3cret-token' });
    expect(ok.headers['cache-control']).toBe('no-store');
    expect((await post({})).statusCode).toBe(400);
    expect((await post({ consent: 'yes' })).statusCode).toBe(400);
    const crossSite = await post({ consent: true }, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.statusCode).toBe(403);
    const lan = await post({ consent: true }, { remoteAddress: '198.51.100.50' });
    expect(lan.statusCode).toBe(403);
    expect(lan.body).not.toContain('s3cret');
    const lanDevice = (await get(app, '/install/device.json', { remoteAddress: '198.51.100.50' })).json();
    expect(lanDevice.tokenOffered).toBe(false);
    // A form post from another site is not JSON: refused before the handler.
    const form = await app.inject({
      method: 'POST',
      url: '/install/token',
      payload: 'consent=true',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.statusCode).toBe(415);
  });

  it('leads /install to the page when the UI is built, and says how to get it when not', async () => {
    const dir = project();
    cleanups.push(dir.cleanup);
    const noUi = await server({ projectDir: dir.path });
    const text = await get(noUi, '/install');
    expect(text.statusCode).toBe(404);
    expect(text.body).toMatch(/npm start/);
    const ui = tempDir('cg-ui-');
    cleanups.push(ui.cleanup);
    mkdirSync(join(ui.path, 'install'));
    writeFileSync(join(ui.path, 'install', 'index.html'), '<!doctype html><title>install</title>');
    const withUi = await server({ projectDir: dir.path, ui: ui.path });
    const redirect = await get(withUi, '/install');
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe('/install/');
    expect((await get(withUi, '/install/')).body).toContain('<title>install</title>');
  });

  it('answers plainly outside a checkout', async () => {
    const empty = tempDir('cg-nocheckout-');
    cleanups.push(empty.cleanup);
    const app = await server({ projectDir: empty.path });
    const res = await get(app, '/install/boards.json');
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('no_checkout');
  });
});
