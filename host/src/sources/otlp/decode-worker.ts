// The OTLP decode worker: decompression, JSON.parse and decoding of one request at a time, off the event
// loop (a 15 MB batch costs hundreds of ms of CPU there). Started and fed by decode-pool.ts.

import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { type DecodeOutcome, type DecodeRequest, decodeRequest } from './decode-request.js';

// On Linux a priority applies to the calling thread only: this worker yields the CPU to the event loop
// when both want it (a loaded machine), so /usage answers first. Elsewhere (or without the right) it stays.
try {
  setPriority(10);
} catch {
  // Not permitted or not supported: decode at normal priority.
}

parentPort?.on('message', (msg: { id: number; req: DecodeRequest }) => {
  let outcome: DecodeOutcome;
  try {
    outcome = decodeRequest(msg.req);
  } catch (err) {
    outcome = { ok: false, status: 500, message: String(err).slice(0, 200) };
  }
  // The packed records are moved, not copied: the event loop receives one buffer.
  parentPort?.postMessage(
    { id: msg.id, outcome },
    outcome.ok ? [outcome.batch.data.buffer as ArrayBuffer] : [],
  );
});
