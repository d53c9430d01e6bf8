// Decodes OTLP request bodies in a worker thread, one at a time, so that decompressing, parsing and walking
// a 16 MB body never holds the event loop (GET /usage keeps answering meanwhile). Bounded: at most
// `maxQueued` requests wait or run (a further one is refused at once: 503, and the exporter retries), and
// one decode may take `timeoutMs` (then the worker is ended and replaced: 503).
// Where the worker's compiled file does not exist (the TypeScript sources under the test runner) the same
// decodeRequest() runs inline; `mode` says which.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type DecodeOutcome, type DecodeRequest, decodeRequest } from './decode-request.js';

/** Requests waiting or being decoded at once; more get 503. Each body is at most 4 MB on the wire. */
export const MAX_DECODE_QUEUE = 4;
/** Longest a single decode may take in the worker. */
export const DECODE_TIMEOUT_MS = 30_000;

export class DecodeBusyError extends Error {
  override name = 'DecodeBusyError';
}
export class DecodeTimeoutError extends Error {
  override name = 'DecodeTimeoutError';
}

interface Job {
  id: number;
  req: DecodeRequest;
  resolve: (o: DecodeOutcome) => void;
  reject: (err: Error) => void;
}

export interface DecodePoolOptions {
  maxQueued?: number;
  timeoutMs?: number;
  /** The worker's script; null decodes inline. Default: decode-worker.js beside this module, if it exists. */
  workerUrl?: URL | null;
}

function defaultWorkerUrl(): URL | null {
  const url = new URL('./decode-worker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : null;
}

export class DecodePool {
  readonly mode: 'worker' | 'inline';
  private readonly maxQueued: number;
  private readonly timeoutMs: number;
  private readonly workerUrl: URL | null;
  private worker: Worker | null = null;
  private readonly waiting: Job[] = [];
  private running: (Job & { timer: NodeJS.Timeout }) | null = null;
  private nextId = 1;
  private closed = false;

  constructor(opts: DecodePoolOptions = {}) {
    this.maxQueued = opts.maxQueued ?? MAX_DECODE_QUEUE;
    this.timeoutMs = opts.timeoutMs ?? DECODE_TIMEOUT_MS;
    this.workerUrl = opts.workerUrl === undefined ? defaultWorkerUrl() : opts.workerUrl;
    this.mode = this.workerUrl ? 'worker' : 'inline';
  }

  /** Requests waiting or running. */
  get pending(): number {
    return this.waiting.length + (this.running ? 1 : 0);
  }

  decode(req: DecodeRequest): Promise<DecodeOutcome> {
    if (this.closed) return Promise.reject(new DecodeBusyError('the decoder is shut down'));
    if (this.pending >= this.maxQueued)
      return Promise.reject(new DecodeBusyError(`${this.maxQueued} OTLP batches are already being decoded`));
    if (this.mode === 'inline') {
      try {
        return Promise.resolve(decodeRequest(req));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    return new Promise<DecodeOutcome>((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, req, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.waiting.splice(0)) j.reject(new DecodeBusyError('the decoder is shut down'));
    if (this.running) {
      clearTimeout(this.running.timer);
      this.running.reject(new DecodeBusyError('the decoder is shut down'));
      this.running = null;
    }
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const job = this.waiting.shift();
    if (!job) return;
    const worker = this.ensureWorker();
    const timer = setTimeout(
      () => this.fail(new DecodeTimeoutError(`decoding took over ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    this.running = { ...job, timer };
    // The body is copied into a buffer of its own, then moved (not copied again) to the worker: a Buffer
    // may share its memory with others (Node's pool), which must not be taken away.
    const body = new Uint8Array(job.req.body.byteLength);
    body.set(job.req.body);
    worker.postMessage({ id: job.id, req: { ...job.req, body } }, [body.buffer]);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.workerUrl as URL);
    w.unref(); // an idle decoder never keeps the process alive
    w.on('message', (msg: { id: number; outcome: DecodeOutcome }) => {
      const job = this.running;
      if (!job || job.id !== msg.id) return;
      clearTimeout(job.timer);
      this.running = null;
      job.resolve(msg.outcome);
      this.pump();
    });
    // Only the current worker's trouble concerns the running job (a replaced one may still be exiting).
    w.on('error', (err) => {
      if (this.worker === w) this.fail(err);
    });
    w.on('exit', () => {
      if (this.worker === w) this.fail(new Error('the OTLP decode worker exited'));
    });
    this.worker = w;
    return w;
  }

  /** Ends the running job with `err` and replaces the worker (it may be stuck). */
  private fail(err: Error): void {
    const job = this.running;
    this.running = null;
    if (job) {
      clearTimeout(job.timer);
      job.reject(err);
    }
    const w = this.worker;
    this.worker = null;
    void w?.terminate();
    this.pump();
  }
}
