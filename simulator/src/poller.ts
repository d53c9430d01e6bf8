// Live mode: GET /usage driven by the core's own poll state machine, exactly as the device does it. The
// core says when to start a request (pollTick), the timeout the HTTP client applies (requestTimeoutMs), the
// largest body it takes (constants.max_body_bytes, the device's cap) and what to make of the result
// (applyPayloadJson / pollResult): cadence, backoff and NO SIGNAL are the core's.
import type { GaugeCore, PayloadResult, PollOutcomeName } from '../../firmware/platform/wasm/gaugeCore.js';

export interface PollEvent {
  outcome: PollOutcomeName;
  /** Set when a body reached the core. */
  result?: PayloadResult;
  /** Human-readable detail for the page (why it failed). */
  detail: string;
}

export interface PollerOptions {
  usageUrl: string;
  token: string;
  now: () => number;
  onEvent: (event: PollEvent) => void;
}

/** The body's bytes, or null as soon as there are more than `cap` (the rest is not read). */
async function readCapped(res: Response, cap: number): Promise<Uint8Array | null> {
  if (res.body === null) {
    const all = new Uint8Array(await res.arrayBuffer());
    return all.length > cap ? null : all;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > cap) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  return body;
}

export class LivePoller {
  private corsProbed = false;
  requests = 0;

  constructor(
    private readonly core: GaugeCore,
    private readonly opts: PollerOptions,
  ) {}

  /** Call every loop iteration. */
  tick(): void {
    if (this.core.pollTick(this.opts.now())) void this.request();
  }

  private async request(): Promise<void> {
    this.requests++;
    const controller = new AbortController();
    const timeoutMs = this.core.requestTimeoutMs();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.opts.token !== '') headers.Authorization = `Bearer ${this.opts.token}`;
    const report = (event: PollEvent) => {
      if (event.result === undefined) this.core.pollResult(this.opts.now(), event.outcome);
      this.opts.onEvent(event);
    };
    try {
      const res = await fetch(this.opts.usageUrl, { signal: controller.signal, cache: 'no-store', headers });
      if (res.status === 401 || res.status === 403) {
        report({
          outcome: 'unauthorized',
          detail: `HTTP ${res.status}: the daemon wants a token (?token=…)`,
        });
        return;
      }
      if (!res.ok) {
        report({ outcome: 'http_error', detail: `HTTP ${res.status} from ${this.opts.usageUrl}` });
        return;
      }
      // The device's cap: a larger body is refused (bad_body) without being parsed, declared or not.
      const cap = this.core.constants.max_body_bytes;
      const declared = Number(res.headers.get('Content-Length') ?? '0');
      const body = declared > cap ? null : await readCapped(res, cap);
      if (body === null) {
        controller.abort();
        report({ outcome: 'bad_body', detail: `a body larger than ${cap} bytes is not a /usage payload` });
        return;
      }
      // The core decides: not JSON -> bad_body, refused by the decoder -> rejected, else new data.
      const result = this.core.applyPayloadJson(this.opts.now(), body);
      this.corsProbed = false;
      report({
        outcome: result.outcome,
        result,
        detail:
          result.outcome === 'ok'
            ? 'ok'
            : result.outcome === 'bad_body'
              ? `the daemon's answer is not a JSON object (${result.reason ?? 'unreadable'})`
              : `the core rejected the payload (${result.status ?? 'unknown'})`,
      });
    } catch (e) {
      if (controller.signal.aborted) {
        report({ outcome: 'timeout', detail: `no answer from ${this.opts.usageUrl} within ${timeoutMs} ms` });
        return;
      }
      report({ outcome: 'connect_failed', detail: await this.explainNetworkError(e) });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * fetch() reports "no daemon" and "daemon without CORS headers" with the same TypeError. An opaque
   * no-cors request tells them apart: it succeeds when something answered.
   */
  private async explainNetworkError(e: unknown): Promise<string> {
    const url = new URL(this.opts.usageUrl, location.href);
    const base = `cannot reach ${url.href} (${e instanceof Error ? e.message : String(e)})`;
    if (url.origin === location.origin || this.corsProbed) return base;
    this.corsProbed = true;
    try {
      const probe = new AbortController();
      const timer = setTimeout(() => probe.abort(), 1000);
      await fetch(url, { mode: 'no-cors', cache: 'no-store', signal: probe.signal });
      clearTimeout(timer);
      return (
        `the daemon at ${url.origin} answers, but without CORS headers, so this page (${location.origin}) ` +
        `may not read it. Open the simulator from the daemon itself (${url.origin}/) or run a daemon that ` +
        'sends Access-Control-Allow-Origin.'
      );
    } catch {
      return base;
    }
  }
}

/** Optional push channel: /usage/stream (SSE). Polling continues underneath as the device's heartbeat. */
export class UsageStream {
  private source: EventSource | null = null;
  state: 'connecting' | 'open' | 'error' = 'connecting';

  constructor(
    private readonly url: string,
    private readonly onPayload: (body: string) => void,
    private readonly onState: (state: UsageStream['state']) => void,
  ) {}

  start(): void {
    const source = new EventSource(this.url);
    this.source = source;
    source.addEventListener('open', () => this.set('open'));
    source.addEventListener('error', () => this.set('error'));
    source.addEventListener('usage', (ev) => {
      const data = (ev as MessageEvent<unknown>).data;
      if (typeof data === 'string') this.onPayload(data);
    });
  }

  stop(): void {
    this.source?.close();
    this.source = null;
  }

  private set(state: UsageStream['state']): void {
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
  }
}
