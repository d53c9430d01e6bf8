// A real board on a USB serial port (HIL_PORT, 115200 baud). The ESP32 app prints state lines ("GAUGE ...",
// grammar in firmware/core/state_line.h) and "# ..." chatter, and takes commands (serial_commands.h):
// `reboot` for a cold boot, then `url <daemon>` and `token <t>` so it polls this run's fault proxy, then
// `selftest` (Device::boot again). Every command answers "# ok <command line>" or "# error <reason>". The board
// reaches the proxy over WiFi: the runner binds the daemon and proxy to the LAN for this target only and
// tells the board HIL_HOST_IP (docs/hil.md).
import { LineSplitter } from '../lib/stateLine.js';
import { waitFor } from '../lib/waitFor.js';
import { LineTarget, type StartContext, TargetUnavailable } from './target.js';

/** The part of serialport's SerialPort the adapter uses (a fake board implements it in the tests). */
export interface PortLike {
  write(data: string, cb?: (err?: Error | null) => void): boolean;
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
}

export const serialBaud = 115200;

export class SerialTarget extends LineTarget {
  readonly name = 'serial' as const;
  private port: PortLike | null = null;
  private splitter = new LineSplitter();
  private replies: string[] = [];
  /** How many replies were ever received (replies keeps only the newest). */
  private replyCount = 0;

  private readonly path: string;
  private readonly hostIp: string;
  private readonly bootTimeoutMs: number;
  private readonly openPort: OpenPort;

  constructor(options: SerialOptions = {}) {
    super();
    this.path = options.path ?? process.env.HIL_PORT ?? '';
    this.hostIp = options.hostIp ?? process.env.HIL_HOST_IP ?? '';
    this.bootTimeoutMs = options.bootTimeoutMs ?? Number(process.env.HIL_BOOT_TIMEOUT_MS ?? 30_000);
    this.openPort = options.openPort ?? openSerialPort;
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
    const port = await this.openPort(this.path, serialBaud);
    port.on('data', (chunk: Buffer) => {
      for (const line of this.splitter.push(chunk.toString('latin1'))) {
        const trimmed = line.replace(/\r$/, '');
        if (trimmed.startsWith('# ')) {
          this.replies.push(trimmed);
          this.replyCount++;
          if (this.replies.length > 200) this.replies.shift();
        }
        this.feedLine(trimmed);
      }
    });
    port.on('error', (err?: Error) => this.problem(`serial port error: ${err?.message ?? 'unknown'}`));
    this.port = port;
  }

  private async send(command: string): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) throw new Error(`serial port ${this.path} is not open`);
    await new Promise<void>((resolve, reject) =>
      port.write(`${command}\n`, (err) =>
        err ? reject(err) : port.drain((e) => (e ? reject(e) : resolve())),
      ),
    );
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
    await this.command(`url ${ctx.usageUrl}`);
    await this.command(`token ${ctx.token ? ctx.token : '-'}`);
    // The scenario's timeline starts at this boot (its first SELFTEST line), on the board's millis().
    this.resetObservations();
    await this.command('selftest');
  }

  async stop(): Promise<void> {
    // Leave the board running; point it away from the proxy that is about to close.
    if (this.port?.isOpen) await this.send('url -').catch(() => {});
  }

  async dispose(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
