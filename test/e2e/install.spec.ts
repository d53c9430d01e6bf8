// The install page (/install/) in Chromium, served by the daemon's own server (buildServer, with the demo
// source) over a throwaway checkout: local builds for two envs, the release (a loopback server) for the
// third. Checked: every env of platformio.ini has a manifest ESP Web Tools can use and an image behind it,
// and the button; a browser without Web Serial is told so; and the whole provisioning flow, driven through
// ESP Web Tools' own dialog and then this page's "send to the gauge", against the virtual device's serial
// console (virtual-device --serial) behind a fake navigator.serial. The gauge then polls the daemon with the
// token it was given and goes LIVE. Flashing itself (ESP Web Tools talking to the ESP32's ROM loader) cannot
// be tried without a board.
//
// GAUGE_SCREENSHOT_DIR=docs/img npm run e2e -- install.spec.ts  refreshes docs/img/install-page.png and
// docs/img/install-improv-wifi.png.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import type { FastifyInstance } from 'fastify';
import { factoryImageName, readBoards, readFirmwareIdentity } from '../../host/src/install/boards.js';
import { buildServer } from '../../host/src/server.js';
import { UsageService } from '../../host/src/service.js';
import { DemoSource } from '../../host/src/sources/demo.js';
import { buildVirtualDevice } from '../firmware/builds.js';
import { configFiles } from '../lib/platformioIni.mjs';
import { distDir, repoRoot } from './fixtures.js';

const TOKEN = 'install-e2e-token-1234';
const LISTEN_HOST = '198.51.100.7'; // what the page pre-fills: the gauge's view of the daemon

const imageFor = (env: string) =>
  Buffer.from(Array.from({ length: 40_000 + env.length }, (_, i) => (i * 13 + env.length) & 0xff));

let project = '';
let app: FastifyInstance;
let service: UsageService;
let release: Server;
let base = '';

test.beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'cg-install-e2e-'));
  for (const f of [
    // A clean checkout's configuration: a developer's own platformio_override.ini (gitignored) stays out.
    ...configFiles(repoRoot).filter((f) => f !== 'platformio_override.ini'),
    'firmware/core/improv.h',
    'firmware/platform/esp32/host_tested/board_config.h',
  ]) {
    mkdirSync(join(project, f, '..'), { recursive: true });
    copyFileSync(join(repoRoot, f), join(project, f));
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'claude-gauge' }));
  const envs = (await readBoards(project)).map((b) => b.env);
  // Local builds for all but the last env; the last comes from the release.
  for (const env of envs.slice(0, -1)) {
    mkdirSync(join(project, '.pio', 'build', env), { recursive: true });
    writeFileSync(join(project, '.pio', 'build', env, factoryImageName(env)), imageFor(env));
  }
  const released = envs.at(-1) ?? '';
  release = createServer((req, res) => {
    if (req.url === `/dl/${factoryImageName(released)}`) res.writeHead(200).end(imageFor(released));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => release.listen(0, '127.0.0.1', resolve));
  service = new UsageService({
    source: new DemoSource(),
    settings: { redline: 20_000, ceiling: 5_000_000, warnFraction: 0.8, stallMinutes: 5 },
  });
  await service.start();
  app = await buildServer({
    service,
    ui: distDir,
    token: TOKEN,
    bindHost: LISTEN_HOST,
    projectDir: project,
    releaseBase: `http://127.0.0.1:${(release.address() as AddressInfo).port}/dl`,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await app?.close();
  await service?.stop();
  await new Promise<void>((resolve) => (release ? release.close(() => resolve()) : resolve()));
  if (project) rmSync(project, { recursive: true, force: true });
});

test('every env of platformio.ini: a manifest ESP Web Tools can use, its image, and the button', async ({
  page,
}) => {
  await page.goto(`${base}/install/`);
  const envs = (await readBoards(project)).map((b) => b.env);
  await expect(page.locator('#board option')).toHaveCount(envs.length);
  expect(
    await page.locator('#board option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)),
  ).toEqual(envs);
  for (const env of envs) {
    await page.selectOption('#board', env);
    const button = page.locator('esp-web-install-button');
    await expect(button).toHaveAttribute('manifest', `${env}/manifest.json`);
    await expect(button).toHaveAttribute('install-supported', '');
    await expect(page.locator('#install-activate')).toBeVisible();
    await expect(page.locator('#image-note')).toHaveText(
      env === envs.at(-1) ? /latest release/ : /local PlatformIO build/,
    );
    // Resolved the way ESP Web Tools resolves them: the manifest against the page, each part against it.
    const seen = await page.evaluate(async (path) => {
      const manifestUrl = new URL(path, location.href);
      const manifest = await (await fetch(manifestUrl)).json();
      const parts = [];
      for (const build of manifest.builds)
        for (const part of build.parts) {
          const res = await fetch(new URL(part.path, manifestUrl));
          const bytes = new Uint8Array(await res.arrayBuffer());
          parts.push({ status: res.status, length: bytes.length, head: Array.from(bytes.slice(0, 8)) });
        }
      return { manifest, parts };
    }, `${env}/manifest.json`);
    expect(seen.manifest).toMatchObject({
      name: readFirmwareIdentity(repoRoot).name,
      version: expect.stringContaining(readFirmwareIdentity(repoRoot).version),
      builds: [{ chipFamily: 'ESP32', parts: [{ path: 'firmware.bin', offset: 0 }] }],
    });
    expect(seen.manifest.builds).toHaveLength(1);
    expect(seen.parts).toEqual([
      { status: 200, length: imageFor(env).length, head: Array.from(imageFor(env).subarray(0, 8)) },
    ]);
  }
  // The daemon's address as the gauge sees it, and the token only after consent.
  await expect(page.locator('#daemon-url')).toHaveValue(
    new RegExp(`^http://${LISTEN_HOST.replace(/\./g, '\\.')}:\\d+/usage$`),
  );
  await expect(page.locator('#token')).toHaveValue('');
  await page.locator('#token-consent').check();
  await expect(page.locator('#token')).toHaveValue(TOKEN);
  if (process.env.GAUGE_SCREENSHOT_DIR) {
    await page.locator('#token-consent').uncheck();
    await page.selectOption('#board', envs[0] ?? '');
    await page.screenshot({
      path: join(repoRoot, process.env.GAUGE_SCREENSHOT_DIR, 'install-page.png'),
      fullPage: true,
    });
  }
});

test('a browser without Web Serial is told so and what to use instead', async ({ page }) => {
  await page.addInitScript(() => {
    // The property must be gone, as in Firefox or Safari.
    delete (Navigator.prototype as { serial?: unknown }).serial;
  });
  await page.goto(`${base}/install/`);
  const note = page.locator('#no-serial');
  await expect(note).toBeVisible();
  await expect(note).toContainText('no Web Serial');
  await expect(note).toContainText('Chrome, Edge or Opera on a desktop computer');
  await expect(note).toContainText('pio run -e');
  await expect(note).toContainText('claude-gauge-setup');
  await expect(page.locator('esp-web-install-button')).toHaveAttribute('install-unsupported', '');
  await expect(page.locator('#install-activate')).toBeHidden();
  await expect(page.locator('#send')).toBeDisabled();
});

/** A fake navigator.serial whose one port is the virtual device's serial console. */
async function serialPortOnVirtualDevice(page: Page, device: ChildProcess): Promise<{ opens: () => number }> {
  let open = false;
  let opens = 0;
  await page.exposeBinding('__serialWrite', (_src, b64: string) => {
    device.stdin?.write(Buffer.from(b64, 'base64'));
  });
  await page.exposeBinding('__serialOpen', () => {
    open = true;
    opens++;
  });
  await page.exposeBinding('__serialClose', () => {
    open = false;
  });
  device.stdout?.on('data', (chunk: Buffer) => {
    // Like a UART: what the board sends while no one has the port open is lost.
    if (open)
      void page
        .evaluate(
          (b64) => (window as unknown as { __serialFeed(b: string): void }).__serialFeed(b64),
          chunk.toString('base64'),
        )
        .catch(() => {});
  });
  await page.addInitScript(() => {
    type W = Window & {
      __serialWrite(b64: string): Promise<void>;
      __serialOpen(): Promise<void>;
      __serialClose(): Promise<void>;
      __serialFeed(b64: string): void;
    };
    const w = window as unknown as W;
    let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
    const port = {
      readable: null as ReadableStream<Uint8Array> | null,
      writable: null as WritableStream<Uint8Array> | null,
      async open() {
        if (this.readable) throw new DOMException('The port is already open.', 'InvalidStateError');
        this.readable = new ReadableStream<Uint8Array>({
          start: (c) => {
            controller = c;
          },
          cancel: () => {
            controller = null;
          },
        });
        this.writable = new WritableStream<Uint8Array>({
          write: (chunk) => w.__serialWrite(btoa(String.fromCharCode(...chunk))),
        });
        await w.__serialOpen();
      },
      async close() {
        try {
          controller?.close();
        } catch {
          // already cancelled by its reader
        }
        controller = null;
        this.readable = null;
        this.writable = null;
        await w.__serialClose();
      },
      getInfo: () => ({ usbVendorId: 0x1a86, usbProductId: 0x7523 }),
      async setSignals() {},
      async getSignals() {
        return {};
      },
      addEventListener() {},
      removeEventListener() {},
    };
    w.__serialFeed = (b64) => {
      const s = atob(b64);
      const bytes = Uint8Array.from(s, (c) => c.charCodeAt(0));
      try {
        controller?.enqueue(bytes);
      } catch {
        // the reader went away
      }
    };
    const serial = {
      requestPort: async () => port,
      getPorts: async () => [port],
      addEventListener() {},
      removeEventListener() {},
    };
    Object.defineProperty(Navigator.prototype, 'serial', { get: () => serial, configurable: true });
  });
  return { opens: () => opens };
}

test('provisioning: Wi-Fi through ESP Web Tools, then the daemon URL and token, on the virtual device', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const device = spawn(
    buildVirtualDevice(),
    ['--serial', '--wifi', 'home-net:hunter22:-48', '--wifi', 'cafe::-71'],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let output = '';
  device.stdout.on('data', (d: Buffer) => {
    output = (output + d.toString('latin1')).slice(-200_000);
  });
  try {
    const port = await serialPortOnVirtualDevice(page, device);
    await page.goto(`${base}/install/`);
    await page.selectOption('#board', (await readBoards(repoRoot))[0]?.env ?? '');

    // ESP Web Tools: connect, find Improv, Wi-Fi.
    await page.locator('#install-activate').click();
    const dialog = page.locator('ewt-install-dialog');
    await expect(dialog.getByText('Connected to claude-gauge')).toBeVisible({ timeout: 20_000 });
    await dialog.getByText('Connect to Wi-Fi').click();
    const password = dialog.locator('ew-filled-text-field[name=password]');
    await expect(password).toBeVisible({ timeout: 20_000 });
    // The strongest network is chosen; it needs a password.
    await expect(dialog.locator('ew-filled-select')).toHaveJSProperty('value', 'home-net');
    // Set as the field's value: typed keys race the dialog, which moves the focus to the network list
    // 100 ms after it renders (its keys then pick another network).
    await password.evaluate((el) => {
      (el as HTMLInputElement).value = 'hunter22';
    });
    await expect(password).toHaveJSProperty('value', 'hunter22');
    await expect(password.locator('input')).toHaveValue('hunter22');
    if (process.env.GAUGE_SCREENSHOT_DIR)
      await page.screenshot({
        path: join(repoRoot, process.env.GAUGE_SCREENSHOT_DIR, 'install-improv-wifi.png'),
      });
    await dialog.locator('ew-text-button', { hasText: 'Connect' }).click();
    await expect(dialog.locator('ewt-page-message[label="Device connected to the network!"]')).toBeVisible({
      timeout: 30_000,
    });
    await dialog.locator('ew-text-button', { hasText: 'Continue' }).click();
    await dialog.locator('ew-icon-button').click();
    await expect(dialog).toHaveCount(0);

    // This page: the daemon's URL (here the loopback one the virtual device can reach) and, with consent,
    // the token, by the gauge's vendor Improv command.
    await page.locator('#daemon-url').fill(`${base}/usage`);
    await page.locator('#token-consent').check();
    await expect(page.locator('#token')).toHaveValue(TOKEN);
    await page.locator('#send').click();
    await expect(page.locator('#send-status')).toHaveText(
      new RegExp(
        `Stored on claude-gauge \\(virtual/native\\)\\. The gauge restarts and polls ${base.replace(/[.]/g, '\\.')}/usage with the token\\. Its picture: ${base.replace(/[.]/g, '\\.')}/`,
      ),
      { timeout: 20_000 },
    );
    expect(port.opens()).toBe(2);

    // The gauge restarts on its new settings and shows the daemon's numbers: URL and token arrived.
    const restart = '# improv: daemon settings stored; restarting to apply them';
    await expect.poll(() => output.includes(restart), { timeout: 20_000 }).toBe(true);
    await expect
      .poll(() => output.slice(output.lastIndexOf(restart)), { timeout: 20_000 })
      .toMatch(/GAUGE t=\d+ phase=LIVE /);
  } catch (err) {
    // What the gauge said explains most failures here: its "# " lines, not the state lines.
    const said = output
      .split('\n')
      .filter((l) => l.startsWith('# '))
      .slice(-30);
    throw new Error(`${(err as Error).message}\n--- the virtual device said:\n${said.join('\n')}`);
  } finally {
    device.stdin.end();
    if (device.exitCode === null) await new Promise((resolve) => device.once('exit', resolve));
  }
});
