// A real board on a USB serial port (HIL_PORT, 115200 baud). The ESP32 app prints state lines ("GAUGE ...",
// grammar in firmware/core/state_line.h) and "# ..." chatter, and takes commands (serial_commands.h):
// `reboot` for a cold boot, then `url <daemon>` and `token <t>` so it polls this run's fault proxy, then
// `selftest` (Device::boot again). Every command answers "# ok <command line>" or "# error <reason>". The board
// reaches the proxy over WiFi: the runner binds the daemon and proxy to the LAN for this target only and
// tells the board HIL_HOST_IP (docs/hil.md).
//
// The port also carries Improv Wi-Fi (firmware/core/improv.h): every byte goes through the core's own Improv
// demux (improv.wasm), so packets never reach the line parser. With provision 'improv' (HIL_PROVISION=improv)
// start() sets the board up the way the install page does: Improv current state and device info, Wi-Fi
// credentials when the board is not on a network (HIL_WIFI_SSID, HIL_WIFI_PASSWORD), then the vendor RPC
// with this run's URL and token, which the board stores and restarts on. HIL_PORT=virtual drives the virtual
// device's serial console (virtual-device --serial) instead of a board, on loopback.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImprovClient } from '../../../firmware/platform/wasm/improvClient.js';
import { ImprovCodec } from '../../../firmware/platform/wasm/improvCodec.js';
import { make } from '../../firmware/builds.js';
import { LineSplitter } from '../lib/stateLine.js';
import { waitFor } from '../lib/waitFor.js';
import { LineTarget, type StartContext, TargetUnavailable } from './target.js';
import { openVirtualDevicePort, virtualPortName } from './virtualPort.js';

/** The part of serialport's SerialPort the adapter uses (a fake board implements it in the tests). */
export interface PortLike {
  write(data: string | Uint8Array, cb?: (err?: Error | null) => void): boolean;
  drain(cb: (err?: Error | null) => void): void;
  close(cb?: (err?: Error | null) => void): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'error' | 'close', listener: (err?: Error) => void): this;
  readonly isOpen: boolean;
}

export type OpenPort = (path: string, baudRate: number) => Promise<PortLike>;

/** Opens a real port with the optional npm package `serialport`. */
export const openSerialPort: OpenPort = async (path, baudRate) => {
  let mod: typeof import('serialport');
  try {
    mod = await import('serialport');
  } catch (err) {
    throw new TargetUnavailable(`the optional npm package "serialport" is not installed (${String(err)})`);
  }
  const port = new mod.SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port as unknown as PortLike;
};

export interface SerialOptions {
  /** The board's serial port, e.g. /dev/ttyUSB0 (env HIL_PORT). */
  path?: string;
  /** This machine's LAN address the board can reach (env HIL_HOST_IP); the runner uses it in the URL. */
  hostIp?: string;
  /** Reboot + WiFi join + mDNS can take a while (env HIL_BOOT_TIMEOUT_MS, default 30 s). */
  bootTimeoutMs?: number;
  openPort?: OpenPort;
  /**
   * How start() points the board at this run's daemon (env HIL_PROVISION): console commands, not persisted
   * (default), or Improv, as the install page does (stored on the board, which restarts).
   */
  provision?: 'commands' | 'improv';
  /** Wi-Fi the board joins through Improv when it is not on a network (env HIL_WIFI_SSID, HIL_WIFI_PASSWORD). */
  wifi?: { ssid: string; password: string } | null;
  /** The checkout: improv.wasm and, for HIL_PORT=virtual, the virtual device. */
  repoRoot?: string;
}

export const serialBaud = 115200;

const defaultRepoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** What the last Improv set-up saw (for tests and reports). */
export interface ImprovSetup {
  stateBefore: string;
  firmware: string;
  joinedWifi: boolean;
  nextUrl: string | null;
}

export class SerialTarget extends LineTarget {
  readonly name = 'serial' as const;
  /** True when the port is the virtual device on this machine (HIL_PORT=virtual): no LAN needed. */
  readonly virtual: boolean;
  readonly provision: 'commands' | 'improv';
  improvSetup: ImprovSetup | null = null;
  private port: PortLike | null = null;
  private splitter = new LineSplitter();
  private improv: ImprovClient | null = null;
  private replies: string[] = [];
  /** How many replies were ever received (replies keeps only the newest). */
  private replyCount = 0;
  /** Set while the board restarts on new settings: its boot banner starts the scenario's observations. */
  private resetOnBanner = false;
  private bannerSeen = false;

  private readonly path: string;
  private readonly hostIp: string;
  private readonly bootTimeoutMs: number;
  private readonly openPort: OpenPort;
  private readonly wifi: { ssid: string; password: string } | null;
  private readonly repoRoot: string;

  constructor(options: SerialOptions = {}) {
    super();
    this.path = options.path ?? process.env.HIL_PORT ?? '';
    this.virtual = this.path === virtualPortName;
    this.repoRoot = options.repoRoot ?? defaultRepoRoot;
    this.hostIp = options.hostIp ?? process.env.HIL_HOST_IP ?? (this.virtual ? '127.0.0.1' : '');
    this.bootTimeoutMs = options.bootTimeoutMs ?? Number(process.env.HIL_BOOT_TIMEOUT_MS ?? 30_000);
    this.provision = options.provision ?? (process.env.HIL_PROVISION === 'improv' ? 'improv' : 'commands');
    const envWifi = process.env.HIL_WIFI_SSID
      ? { ssid: process.env.HIL_WIFI_SSID, password: process.env.HIL_WIFI_PASSWORD ?? '' }
      : null;
    this.wifi = options.wifi !== undefined ? options.wifi : envWifi;
    const wifi = this.wifi;
    this.openPort =
      options.openPort ??
      (this.virtual
        ? () => openVirtualDevicePort(this.repoRoot, wifi ? ['--wifi', `${wifi.ssid}:${wifi.password}`] : [])
        : openSerialPort);
  }

  async prepare(): Promise<void> {
    if (!this.path)
      throw new TargetUnavailable(
        'set HIL_PORT to the board’s serial port (e.g. /dev/ttyUSB0) and HIL_HOST_IP to this machine’s LAN address; see docs/hil.md',
      );
    if (!this.hostIp)
      throw new TargetUnavailable(
        'set HIL_HOST_IP to this machine’s LAN address (the board polls it over WiFi); see docs/hil.md',
      );
    const codec = await ImprovCodec.load(this.improvWasm());
    const port = await this.openPort(this.path, serialBaud);
    this.improv = new ImprovClient(codec, (bytes) => this.write(bytes), {
      now: () => Date.now(),
      onText: (bytes) => this.onText(Buffer.from(bytes).toString('latin1')),
    });
    port.on('data', (chunk: Buffer) => this.improv?.receive(chunk));
    port.on('error', (err?: Error) => this.problem(`serial port error: ${err?.message ?? 'unknown'}`));
    this.port = port;
  }

  /** improv.wasm from this checkout, built first if needed (make is incremental). */
  private improvWasm(): Uint8Array {
    make('wasm', this.repoRoot);
    return new Uint8Array(readFileSync(join(this.repoRoot, 'firmware', 'build', 'wasm', 'improv.wasm')));
  }

  /** Console text between Improv packets: state lines and "# " lines. */
  private onText(text: string): void {
    for (const line of this.splitter.push(text)) {
      const trimmed = line.replace(/\r$/, '');
      if (trimmed.startsWith('# ')) {
        this.replies.push(trimmed);
        this.replyCount++;
        if (this.replies.length > 200) this.replies.shift();
        if (this.resetOnBanner && trimmed.startsWith('# claude-gauge ')) {
          this.resetOnBanner = false;
          this.bannerSeen = true;
          this.resetObservations();
        }
      }
      this.feedLine(trimmed);
    }
  }

  private async write(data: string | Uint8Array): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) throw new Error(`serial port ${this.path} is not open`);
    await new Promise<void>((resolve, reject) =>
      port.write(data, (err) => (err ? reject(err) : port.drain((e) => (e ? reject(e) : resolve())))),
    );
  }

  private send(command: string): Promise<void> {
    return this.write(`${command}\n`);
  }

  /** Sends a command and waits for its "# ok <command>" (or fails on "# error ..."). */
  private async command(command: string, timeoutMs = 3000): Promise<void> {
    const verb = command.split(' ')[0] ?? command;
    const from = this.replyCount;
    await this.send(command);
    const reply = await waitFor(
      () => {
        const fresh = this.replyCount - from;
        for (const r of fresh > 0 ? this.replies.slice(-fresh) : []) {
          if (r.startsWith(`# ok ${verb}`) || r.startsWith('# error')) return r;
        }
        return null;
      },
      { timeoutMs, what: `"# ok ${verb}" from the board`, describe: () => this.describe() },
    );
    if (reply.startsWith('# error')) throw new Error(`board refused "${command}": ${reply}`);
  }

  async start(ctx: StartContext): Promise<void> {
    this.resetObservations();
    // Cold boot (proves the board restarts cleanly: the app boots the core once WiFi is up, so the first
    // state lines are the self-test), point it at this scenario's proxy, then run the self-test again so the
    // scenario starts from a fresh core that has only ever polled the proxy.
    await this.send('reboot');
    // The timeline records from the first SELFTEST line, so any entry is the board having booted.
    await waitFor(() => this.timeline().entries.length > 0 || null, {
      timeoutMs: this.bootTimeoutMs,
      what: 'the board to reboot into its self-test',
      describe: () => this.describe(),
    });
    if (this.provision === 'improv') {
      await this.improvSetup_(ctx);
      return;
    }
    await this.command(`url ${ctx.usageUrl}`);
    await this.command(`token ${ctx.token ? ctx.token : '-'}`);
    // The scenario's timeline starts at this boot (its first SELFTEST line), on the board's millis().
    this.resetObservations();
    await this.command('selftest');
  }

  /**
   * Improv, as the install page does it: state and device info, Wi-Fi if the board is off the network, then
   * the daemon URL and token by the vendor RPC. The board stores them and restarts; its boot banner starts
   * this scenario's observations, so the timeline begins with the self-test of a core that has only ever
   * polled this run's proxy.
   */
  private async improvSetup_(ctx: StartContext): Promise<void> {
    const client = this.improv;
    if (!client) throw new Error('serial target not prepared');
    const before = await client.currentState();
    const info = await client.deviceInfo();
    if (info.firmware !== 'claude-gauge')
      throw new Error(`the board on ${this.path} runs "${info.firmware}" ${info.version}, not claude-gauge`);
    let joinedWifi = false;
    if (before.state !== 'provisioned') {
      if (!this.wifi)
        throw new TargetUnavailable(
          `the board is not on Wi-Fi (Improv state ${before.state}): set HIL_WIFI_SSID and HIL_WIFI_PASSWORD, or use HIL_PROVISION=commands`,
        );
      await client.provision(this.wifi.ssid, this.wifi.password);
      joinedWifi = true;
    }
    this.bannerSeen = false;
    this.resetOnBanner = true;
    const { nextUrl } = await client.setDaemonSettings({ url: ctx.usageUrl, token: ctx.token ?? '' });
    await waitFor(() => (this.bannerSeen && this.timeline().entries.length > 0) || null, {
      timeoutMs: this.bootTimeoutMs,
      what: 'the board to restart on its new daemon settings',
      describe: () => this.describe(),
    });
    this.improvSetup = { stateBefore: before.state, firmware: info.firmware, joinedWifi, nextUrl };
  }

  async stop(): Promise<void> {
    // Leave the board running; point it away from the proxy that is about to close. (Improv stored the
    // proxy's URL: the next start() replaces it.)
    if (this.provision === 'commands' && this.port?.isOpen) await this.send('url -').catch(() => {});
  }

  async dispose(): Promise<void> {
    this.improv?.close();
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
