// The browser simulator in Debian's Chromium (playwright-core, never a downloaded browser). The page runs
// the same wasm core and polls /usage itself; it is served same-origin by a small relay that serves
// simulator/dist and forwards /usage to the scenario's fault proxy (the daemon serves the page the same
// way in production, so no CORS path is involved). States come from the page's `window.gauge.state()`
// test hook, read in the page after every animation frame (so every frame the page drew is on the
// timeline, with the core's own t=), and handed over in batches.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumLaunchOptions, staticHandler } from '../../lib/simulatorPage.mjs';
import { type FaultProxy, startFaultProxy } from '../lib/faultProxy.js';
import { LineTarget, type StartContext } from './target.js';

function newestMtime(paths: string[]): number {
  let t = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const s = statSync(p);
    if (s.isFile()) t = Math.max(t, s.mtimeMs);
    else
      for (const e of readdirSync(p, { withFileTypes: true, recursive: true }))
        if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

// Runs in the page from its first script on: reads the state line after every animation frame (and every
// 100 ms, for a hidden page whose frames stop) and hands the changed ones over every 100 ms, or the current
// one when nothing changed, so the runner knows how far the page's clock got.
const samplerScript = `(() => {
  let last = '';
  let current = '';
  let batch = [];
  const sample = () => {
    const g = window.gauge;
    if (!g || typeof g.state !== 'function') return;
    let s;
    try { s = g.state(); } catch (e) { return; }
    const line = typeof s === 'string' ? s : s && (s.line || s.stateLine);
    if (typeof line !== 'string' || !line) return;
    current = line;
    const key = line.replace(/^GAUGE t=\\d+ /, '');
    if (key === last) return;
    last = key;
    batch.push(line);
  };
  const raf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (cb) => raf((ts) => {
    try { cb(ts); } finally { sample(); }
  });
  setInterval(() => {
    sample();
    const lines = batch.length ? batch : current ? [current] : [];
    batch = [];
    if (lines.length) window.__hilStateLines(lines);
  }, 100);
})();`;

export class BrowserTarget extends LineTarget {
  readonly name = 'browser' as const;
  private browser: Browser | null = null;
  private context: BrowserContext | null = null;
  private page: Page | null = null;
  private relay: FaultProxy | null = null;
  private upstream = 'http://127.0.0.1:9';
  private readonly distDir: string;
  private consoleTail: string[] = [];

  constructor(private readonly repoRoot: string) {
    super();
    this.distDir = join(repoRoot, 'simulator', 'dist');
  }

  async prepare(): Promise<void> {
    const make = spawnSync('make', ['-s', '-C', 'firmware', 'wasm'], {
      cwd: this.repoRoot,
      encoding: 'utf8',
    });
    if (make.status !== 0)
      throw new Error(`make -C firmware wasm failed:\n${(make.stderr || make.stdout || '').slice(-2000)}`);
    const sources = [
      'simulator/src',
      'simulator/index.html',
      'simulator/public',
      'simulator/vite.config.ts',
      'firmware/platform/wasm',
      'test/vectors',
    ].map((p) => join(this.repoRoot, p));
    const index = join(this.distDir, 'index.html');
    if (!existsSync(index) || statSync(index).mtimeMs < newestMtime(sources)) {
      const r = spawnSync(
        'npx',
        ['vite', 'build', '--config', 'simulator/vite.config.ts', '--logLevel', 'warn'],
        {
          cwd: this.repoRoot,
          encoding: 'utf8',
        },
      );
      if (r.status !== 0 || !existsSync(index))
        throw new Error(`building the simulator failed:\n${(r.stderr || r.stdout || '').slice(-2000)}`);
    }
    this.relay = await startFaultProxy({ upstream: () => this.upstream, other: staticHandler(this.distDir) });
    const { chromium } = await import('playwright-core');
    this.browser = await chromium.launch({
      ...chromiumLaunchOptions(),
      headless: true,
    });
  }

  async start(ctx: StartContext): Promise<void> {
    await this.stop();
    this.resetObservations();
    this.consoleTail = [];
    if (!this.browser || !this.relay) throw new Error('browser target not prepared');
    this.upstream = new URL(ctx.usageUrl).origin;
    const context = await this.browser.newContext({
      viewport: { width: 1100, height: 900 },
      deviceScaleFactor: 1,
    });
    this.context = context;
    const page = await context.newPage();
    this.page = page;
    await page.exposeFunction('__hilStateLines', (lines: unknown) => {
      if (this.page !== page || !Array.isArray(lines)) return;
      for (const line of lines) this.feedLine(String(line));
    });
    await page.addInitScript(samplerScript);
    page.on('pageerror', (err) => this.problem(`page error: ${err.message}`));
    page.on('console', (m) => {
      if (m.type() !== 'error' && m.type() !== 'warning') return;
      this.consoleTail.push(`${m.type()}: ${m.text().slice(0, 200)}`);
      if (this.consoleTail.length > 10) this.consoleTail.shift();
    });
    const token = ctx.token ? `&token=${encodeURIComponent(ctx.token)}` : '';
    await page.goto(`${this.relay.url}/index.html?daemon=${encodeURIComponent(this.relay.url)}${token}`, {
      waitUntil: 'load',
      timeout: 15_000,
    });
  }

  async stop(): Promise<void> {
    const context = this.context;
    this.context = null;
    this.page = null;
    await context?.close().catch(() => {});
  }

  async dispose(): Promise<void> {
    await this.stop();
    await this.browser?.close().catch(() => {});
    this.browser = null;
    await this.relay?.close();
    this.relay = null;
  }

  override describe(): string {
    const base = super.describe();
    return this.consoleTail.length ? `${base}; console: ${this.consoleTail.slice(-3).join(' | ')}` : base;
  }

  /** The device (screen and lamps) as the page shows it now. */
  async capture(): Promise<Buffer | null> {
    const page = this.page;
    if (!page) return null;
    // Blinking lamps: wait (briefly) for a moment when every active lamp is lit, so the strip shows them.
    await page
      .waitForFunction(
        () => {
          const g = (window as unknown as { gauge?: { state?: () => unknown } }).gauge;
          const s = g?.state?.() as { lamps?: Record<string, { active: boolean; lit: boolean }> } | undefined;
          return !s?.lamps || Object.values(s.lamps).every((l) => !l.active || l.lit);
        },
        null,
        { timeout: 1200, polling: 20 },
      )
      .catch(() => {});
    const device = page.locator('.device');
    if ((await device.count()) > 0)
      return await device.first().screenshot({ animations: 'disabled', timeout: 5000 });
    return await page.screenshot({ timeout: 5000 });
  }

  /** Draws the captures side by side with their labels in a canvas in a blank page; returns the PNG. */
  async composeStrip(title: string, captures: readonly { label: string; png: Buffer }[]): Promise<Buffer> {
    if (!this.browser) throw new Error('browser target not prepared');
    const context = await this.browser.newContext({ deviceScaleFactor: 1 });
    try {
      const page = await context.newPage();
      const items = captures.map((c) => ({
        label: c.label,
        src: `data:image/png;base64,${c.png.toString('base64')}`,
      }));
      const dataUrl = await page.evaluate(
        async ({ title, items }) => {
          const imgs = await Promise.all(
            items.map(
              (it) =>
                new Promise<HTMLImageElement>((resolve, reject) => {
                  const img = new Image();
                  img.onload = () => resolve(img);
                  img.onerror = () => reject(new Error(`capture "${it.label}" is not an image`));
                  img.src = it.src;
                }),
            ),
          );
          const pad = 12;
          const titleH = 28;
          const labelH = 40;
          const cellW = Math.max(...imgs.map((i) => i.width), 200);
          const cellH = Math.max(...imgs.map((i) => i.height), 100);
          const canvas = document.createElement('canvas');
          canvas.width = pad + imgs.length * (cellW + pad);
          canvas.height = titleH + cellH + labelH + pad;
          const g = canvas.getContext('2d');
          if (!g) throw new Error('no 2d context');
          g.fillStyle = '#111';
          g.fillRect(0, 0, canvas.width, canvas.height);
          g.fillStyle = '#eee';
          g.font = 'bold 16px sans-serif';
          g.fillText(title, pad, 20);
          g.font = '12px sans-serif';
          imgs.forEach((img, i) => {
            const x = pad + i * (cellW + pad);
            g.drawImage(img, x, titleH);
            const words = `${i + 1}. ${items[i]?.label ?? ''}`.split(' ');
            let line = '';
            let y = titleH + cellH + 16;
            for (const w of words) {
              if (g.measureText(`${line}${w} `).width > cellW && line) {
                g.fillText(line.trim(), x, y);
                line = '';
                y += 14;
              }
              line += `${w} `;
            }
            g.fillText(line.trim(), x, y);
          });
          return canvas.toDataURL('image/png');
        },
        { title, items },
      );
      return Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
    } finally {
      await context.close();
    }
  }
}
