// Node side of the virtual panel (panel_main.cpp): finds the ESP32 kit, builds the panel for a platformio.ini
// env, runs it, and talks its line protocol. Frames come from the wasm core (gaugeCore.ts) as raw bytes; the
// panel reports its own Frame layout and start() refuses to go on unless it is the wasm module's, field for
// field, so the bytes mean the same thing on both sides.
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
// @ts-expect-error: plain ESM script helpers without type declarations
import { esp32KitCandidates } from '../../../scripts/lib/esp32-kit.mjs';
import { envDefines, loadIni, repoRoot } from '../../../test/lib/platformioIni.mjs';
import type { FrameLayout } from '../wasm/gaugeCore.js';

export { repoRoot };

/**
 * Where the ESP32 kit is, or null: looked for where `npm run firmware:esp32` looks (scripts/lib/esp32-kit.mjs:
 * $GAUGE_ESP32_KIT when set, else esp32-kit/ in the shared directory beside the checkout), holding what the
 * panel builds (TFT_eSPI's sources).
 */
export function findKit(): { dir: string | null; looked: string[] } {
  const looked = (esp32KitCandidates as (env?: NodeJS.ProcessEnv) => string[])();
  for (const dir of looked) if (existsSync(join(dir, 'TFT_eSPI', 'TFT_eSPI.cpp'))) return { dir, looked };
  return { dir: null, looked };
}

/** The TFT_eSPI drivers the virtual panel models (ili9341.h): both ILI9341 init sequences. */
export const PANEL_DRIVERS = ['ILI9341_DRIVER', 'ILI9341_2_DRIVER'] as const;

/**
 * Why env `env` cannot be shown on the virtual panel (no such env, or a display driver it does not model),
 * or null when it can.
 */
export function panelRefusal(env: string): string | null {
  const d = envDefines(loadIni(), env);
  if (d === null) return `platformio.ini has no env ${env}`;
  if (PANEL_DRIVERS.some((k) => d.has(k))) return null;
  const driver = [...d.keys()].find((k) => k.endsWith('_DRIVER')) ?? 'no TFT_eSPI driver';
  return `env ${env} sets ${driver}; the virtual panel models the ILI9341 (${PANEL_DRIVERS.join(', ')}) only`;
}

/** The line a test or tool prints when there is no kit (the test runner counts it as a skip). */
export function noKitMessage(looked: string[]): string {
  return `SKIPPED: no ESP32 kit in ${looked.join(' or ')}`;
}

/** Builds the panel for `env` (make is incremental; a lock keeps parallel workers apart); returns its path. */
export function buildPanel(env: string, kitDir: string, root = repoRoot): string {
  const lock = join(root, 'firmware', 'build', '.make.lock');
  mkdirSync(dirname(lock), { recursive: true });
  try {
    execFileSync(
      'flock',
      [
        lock,
        'make',
        '-s',
        '-C',
        join(root, 'firmware'),
        'panel',
        `PANEL_ENV=${env}`,
        `GAUGE_ESP32_KIT=${kitDir}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 },
    );
  } catch (e) {
    const err = e as { stdout?: Buffer; stderr?: Buffer; message: string };
    throw new Error(
      `building the virtual panel for env ${env} failed:\n${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? err.message}`,
    );
  }
  return join(root, 'firmware', 'build', 'panel', env, 'panel');
}

export interface PanelEnv {
  board: string;
  driver: string;
  spi_hz: number;
  read_hz: number;
  rotation: number;
  invert: boolean;
  cs: number;
  dc: number;
  rst: number;
  bl: number;
}

export interface Hello {
  frame_size: number;
  frame_struct: number;
  layout: FrameLayout['structs'];
  env: PanelEnv;
}

export interface Traffic {
  spi: {
    /** Bytes clocked on the bus (reads included). */
    bytes: number;
    /** Their time on the wire at the transaction's clock. */
    wire_ns: number;
    transactions: number;
    command_bytes: number;
    param_bytes: number;
    pixel_bytes: number;
    pixels: number;
    read_bytes: number;
    windows: number;
  };
  faults: Record<string, number> & { total: number };
  panel: {
    showing: boolean;
    sleeping: boolean;
    display_on: boolean;
    inverted: boolean;
    backlight: boolean;
    madctl: number;
    colmod: number;
    reset_seen: boolean;
  };
  sprite_bytes: number;
  sprite_failures: number;
  now_ns: number;
}

export interface FrameResult extends Traffic {
  render: { full: number; regions: number; tiles: number; pixels: number; direct: number };
  /** The angles the needles are drawn at, by dial (the renderer moves a needle when its needle_seq changes). */
  needles: number[];
}

/** RGB565 pixels, row-major. */
export interface Picture {
  w: number;
  h: number;
  px: Uint16Array;
}

/** Throws unless the panel's Frame is laid out exactly as the wasm core's. */
export function checkLayout(hello: Hello, wasm: FrameLayout): void {
  const ours = JSON.stringify({ structs: hello.layout, frame: hello.frame_struct });
  const theirs = JSON.stringify(wasm);
  if (ours !== theirs) {
    throw new Error(
      'the virtual panel lays out the Frame differently from the wasm core, so their bytes cannot be exchanged:\n' +
        `panel: ${ours}\nwasm:  ${theirs}`,
    );
  }
}

/** A running panel process. Requests are answered strictly in order, one at a time. */
export class PanelProcess {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private exited: string | null = null;
  private stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.wake();
    });
    child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    child.on('close', (code, signal) => {
      this.exited = `the virtual panel exited (${signal ?? `code ${code}`})${this.stderr ? `: ${this.stderr}` : ''}`;
      this.wake();
    });
  }

  /** Starts the panel at `binary` and checks its Frame layout against the wasm core's. */
  static async start(
    binary: string,
    wasmLayout: FrameLayout,
  ): Promise<{ panel: PanelProcess; hello: Hello }> {
    const panel = new PanelProcess(spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] }));
    const hello = (await panel.request('hello')) as Hello;
    checkLayout(hello, wasmLayout);
    return { panel, hello };
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async take(n: number): Promise<Buffer> {
    while (this.buffer.length < n) {
      if (this.exited) throw new Error(this.exited);
      await new Promise<void>((r) => this.waiters.push(r));
    }
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  private async line(): Promise<string> {
    for (;;) {
      const nl = this.buffer.indexOf(10);
      if (nl >= 0) return (await this.take(nl + 1)).toString('utf8').trimEnd();
      if (this.exited) throw new Error(this.exited);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  private async request(text: string, payload?: Uint8Array): Promise<unknown> {
    this.child.stdin.write(`${text}\n`);
    if (payload) this.child.stdin.write(payload);
    const answer = JSON.parse(await this.line()) as { error?: string };
    if (typeof answer.error === 'string') throw new Error(`virtual panel: ${answer.error} (after "${text}")`);
    return answer;
  }

  /** The app's display start-up on a fresh panel whose memory starts as noise from `seed`. */
  async boot(seed = 1): Promise<Traffic> {
    return (await this.request(`boot ${seed >>> 0}`)) as Traffic;
  }

  /** Renders one Frame (its raw bytes) as the app's loop does. */
  async frame(bytes: Uint8Array): Promise<FrameResult> {
    return (await this.request(`frame ${bytes.length}`, bytes)) as FrameResult;
  }

  async sprites(on: boolean): Promise<void> {
    await this.request(`sprites ${on ? 'on' : 'off'}`);
  }

  private async picture(what: 'view' | 'gram'): Promise<Picture> {
    const head = (await this.request(what)) as { w: number; h: number; bytes: number };
    const raw = await this.take(head.bytes);
    const px = new Uint16Array(head.w * head.h);
    for (let i = 0; i < px.length; i++) px[i] = raw.readUInt16LE(2 * i);
    return { w: head.w, h: head.h, px };
  }

  /** The glass as seen with the board turned to its env's rotation (320x240 for the gauge's envs). */
  view(): Promise<Picture> {
    return this.picture('view');
  }

  /** The ILI9341's frame memory, 240x320, as written. */
  gram(): Promise<Picture> {
    return this.picture('gram');
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((r) => this.child.once('close', () => r()));
    this.child.stdin.end('quit\n');
    await done;
  }
}

/** RGB565 to 8-bit channels, the top bits repeated into the bottom (as a panel's 6/5-bit DAC shows them). */
export function rgb565to888(p: number): [number, number, number] {
  const r = (p >> 11) & 0x1f;
  const g = (p >> 5) & 0x3f;
  const b = p & 0x1f;
  return [(r << 3) | (r >> 2), (g << 2) | (g >> 4), (b << 3) | (b >> 2)];
}

const crcTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (crcTable[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A picture as an 8-bit RGB PNG (zlib from Node; no filter). */
export function encodePng(pic: Picture): Buffer {
  const raw = Buffer.alloc(pic.h * (1 + pic.w * 3));
  for (let y = 0; y < pic.h; y++) {
    const row = y * (1 + pic.w * 3);
    raw[row] = 0; // filter: none
    for (let x = 0; x < pic.w; x++) {
      const [r, g, b] = rgb565to888(pic.px[y * pic.w + x] as number);
      raw[row + 1 + 3 * x] = r;
      raw[row + 2 + 3 * x] = g;
      raw[row + 3 + 3 * x] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(pic.w, 0);
  ihdr.writeUInt32BE(pic.h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
