// The client side of Improv Wi-Fi over serial, on the gauge core's own codec (improvCodec.ts): the install
// page's "send the daemon settings" step and the HIL serial adapter use it. It sends one RPC at a time and
// waits for its answer the way ESP Web Tools' SDK does: an error-state packet with a non-zero error fails
// the request; RPC results answer it (a scan's list ends with an empty result); a provisioned device's
// current state comes with the next URL. No Node-only or browser-only imports: the transport is a write
// function, and the caller feeds received bytes to receive().
import type { ImprovCodec } from './improvCodec.js';

export class ImprovError extends Error {
  override name = 'ImprovError';
  /** The device's error name (e.g. unable_to_connect), 'timeout', or 'closed'. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export type ImprovStateName = 'stopped' | 'ready' | 'provisioning' | 'provisioned';

export interface DeviceInfo {
  firmware: string;
  version: string;
  chip: string;
  name: string;
}

export interface ScannedNetwork {
  ssid: string;
  rssi: number;
  secured: boolean;
}

export interface ImprovClientOptions {
  /** Milliseconds for the demux's frame timeout (injected; default performance.now()). */
  now?: () => number;
  /** Console text that arrived between packets (state lines, "# " lines), in order. */
  onText?: (bytes: Uint8Array) => void;
  /** How long to wait for an answer (default 5 s; a Wi-Fi join gets 45 s, like ESP Web Tools). */
  timeoutMs?: number;
}

interface Pending {
  command: number;
  mode: 'single' | 'list' | 'state';
  list: string[][];
  state: number | null;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export class ImprovClient {
  /** The last current state the device reported, by name. */
  state: ImprovStateName | null = null;
  readonly #codec: ImprovCodec;
  readonly #write: (bytes: Uint8Array) => Promise<void>;
  readonly #now: () => number;
  readonly #onText: ((bytes: Uint8Array) => void) | undefined;
  readonly #timeoutMs: number;
  #pending: Pending | null = null;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    codec: ImprovCodec,
    write: (bytes: Uint8Array) => Promise<void>,
    opts: ImprovClientOptions = {},
  ) {
    this.#codec = codec;
    this.#write = write;
    this.#now = opts.now ?? (() => performance.now());
    this.#onText = opts.onText;
    this.#timeoutMs = opts.timeoutMs ?? 5000;
  }

  /** Feed everything the port receives. */
  receive(bytes: Uint8Array): void {
    const c = this.#codec;
    for (const e of c.push(bytes, this.#now())) {
      if (e.kind === 'text') this.#onText?.(e.bytes);
      if (e.kind !== 'packet') continue;
      const p = this.#pending;
      if (e.type === c.type.current_state) {
        const value = e.data[0] ?? -1;
        this.state = c.nameOf(c.state, value) as ImprovStateName;
        if (p?.mode === 'state') {
          p.state = value;
          if (value !== c.state.provisioned) p.resolve({ state: this.state, nextUrl: null });
        }
      } else if (e.type === c.type.error_state) {
        const code = e.data[0] ?? c.error.unknown;
        if (code !== c.error.none && p) {
          const name = c.nameOf(c.error, code);
          p.reject(new ImprovError(name, `the gauge answered Improv error ${name}`));
        }
      } else if (e.type === c.type.rpc_result && p && e.command === p.command && e.strings) {
        if (p.mode === 'list') {
          if (e.strings.length > 0) p.list.push(e.strings);
          else p.resolve(p.list);
        } else if (p.mode === 'state') {
          if (p.state === c.state.provisioned)
            p.resolve({ state: this.state, nextUrl: e.strings[0] ?? null });
        } else {
          p.resolve(e.strings);
        }
      }
    }
  }

  /** Fails the request in flight (the port closed). */
  close(reason = 'the serial port closed'): void {
    this.#pending?.reject(new ImprovError('closed', reason));
  }

  currentState(): Promise<{ state: ImprovStateName; nextUrl: string | null }> {
    return this.#request(this.#codec.command.current_state, [], 'state') as Promise<{
      state: ImprovStateName;
      nextUrl: string | null;
    }>;
  }

  async deviceInfo(): Promise<DeviceInfo> {
    const s = (await this.#request(this.#codec.command.device_info, [], 'single')) as string[];
    return { firmware: s[0] ?? '', version: s[1] ?? '', chip: s[2] ?? '', name: s[3] ?? '' };
  }

  async scan(timeoutMs = 20_000): Promise<ScannedNetwork[]> {
    const rows = (await this.#request(
      this.#codec.command.scan_networks,
      [],
      'list',
      timeoutMs,
    )) as string[][];
    return rows.map(([ssid = '', rssi = '', secured = '']) => ({
      ssid,
      rssi: Number.parseInt(rssi, 10),
      secured: secured !== 'NO',
    }));
  }

  /** Sends Wi-Fi credentials; resolves once the gauge joined, with its next URL (null when none). */
  async provision(ssid: string, password: string, timeoutMs = 45_000): Promise<{ nextUrl: string | null }> {
    const s = (await this.#request(
      this.#codec.command.wifi_settings,
      [ssid, password],
      'single',
      timeoutMs,
    )) as string[];
    return { nextUrl: s[0] ?? null };
  }

  /** claude-gauge's vendor RPC: what the gauge has stored (the token only as set / none). */
  async daemonSettings(): Promise<{ url: string; token: 'set' | 'none' }> {
    const s = (await this.#request(this.#codec.command.daemon_settings, [], 'single')) as string[];
    return { url: s[1] ?? '', token: s[3] === 'set' ? 'set' : 'none' };
  }

  /**
   * Stores the daemon URL and/or token on the gauge (undefined leaves one as it is, '' clears it). The gauge
   * answers with its next URL, then restarts to apply them (improv::kSettingsRestartDelayMs after the last
   * settings RPC). One RPC, or two when a long URL and a long token do not fit one packet together.
   */
  async setDaemonSettings(settings: { url?: string; token?: string }): Promise<{ nextUrl: string | null }> {
    const url = settings.url !== undefined ? ['url', settings.url] : [];
    const token = settings.token !== undefined ? ['token', settings.token] : [];
    if (url.length + token.length === 0) throw new RangeError('nothing to send: give a url, a token or both');
    const command = this.#codec.command.daemon_settings;
    let rounds = [[...url, ...token]];
    try {
      this.#codec.rpc(command, [...url, ...token]);
    } catch (e) {
      if (!(e instanceof RangeError) || url.length === 0 || token.length === 0) throw e;
      rounds = [url, token];
    }
    let answer: string[] = [];
    for (const strings of rounds) answer = (await this.#request(command, strings, 'single')) as string[];
    return { nextUrl: answer[0] ?? null };
  }

  #request(
    command: number,
    strings: string[],
    mode: Pending['mode'],
    timeoutMs = this.#timeoutMs,
  ): Promise<unknown> {
    // Encode first: a request that cannot be framed fails at once, before it waits in the queue.
    const packet = this.#codec.rpc(command, strings);
    const run = () =>
      new Promise<unknown>((resolve, reject) => {
        const name = this.#codec.nameOf(this.#codec.command, command);
        const timer = setTimeout(
          () => done(new ImprovError('timeout', `no Improv answer to ${name} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const done = (err: Error | null, value?: unknown) => {
          if (this.#pending !== pending) return;
          clearTimeout(timer);
          this.#pending = null;
          if (err) reject(err);
          else resolve(value);
        };
        const pending: Pending = {
          command,
          mode,
          list: [],
          state: null,
          resolve: (v) => done(null, v),
          reject: (e) => done(e),
        };
        this.#pending = pending;
        this.#write(packet).catch((e: unknown) => done(e instanceof Error ? e : new Error(String(e))));
      });
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => {});
    return result;
  }
}
