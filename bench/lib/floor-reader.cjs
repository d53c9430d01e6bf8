#!/usr/bin/env node
// The floor of a cold start in Node on this machine: a deliberately naive reader that does only the work
// no exact implementation can skip, and nothing else. It lists the transcripts, reads backwards every one
// touched since --from, finds the usage lines and JSON.parses each, until it meets one stamped before
// --from. No validation, no dedupe, no blocks, no payload, one CommonJS file (no module graph to load).
// cold-start.mjs runs it beside claude-gauge and ccusage: what it takes is the least any Node program
// reading these files can take, so it bounds the speed-up that is possible at all. It is a measuring
// instrument, not a second implementation: nothing in the product uses it.
//   node bench/lib/floor-reader.cjs <claude dir> <from epoch ms> [threads: 1 | 2]
// With 2 threads a worker, started first, reads about half the bytes (the second core).
'use strict';
const { readdirSync, statSync, openSync, readSync, closeSync } = require('node:fs');
const { join } = require('node:path');

const CHUNK = 512 * 1024;
const MARKER = Buffer.from('"usage":{');
const decoder = new TextDecoder();

/** Reads each [path, size] backwards; returns how many usage lines were parsed. */
function readBack(files, fromMs) {
  const buf = Buffer.allocUnsafe(CHUNK);
  let parsed = 0;
  for (const [path, size] of files) {
    const fd = openSync(path, 'r');
    let pos = size;
    let done = false;
    while (pos > 0 && !done) {
      const from = Math.max(0, pos - CHUNK);
      const n = readSync(fd, buf, 0, pos - from, from);
      const chunk = buf.subarray(0, n);
      // Lines are whole from the first newline on; the bytes before it are read again with the next chunk
      // (a line longer than a chunk is skipped).
      const first = from === 0 ? -1 : chunk.indexOf(10);
      pos = first < 0 ? from : from + first + 1;
      if (first < 0 && from > 0) continue;
      let start = first + 1;
      while (start < chunk.length) {
        let end = chunk.indexOf(10, start);
        if (end < 0) end = chunk.length;
        const line = chunk.subarray(start, end);
        start = end + 1;
        if (line.indexOf(MARKER) < 0) continue;
        let ts;
        try {
          ts = Date.parse(JSON.parse(decoder.decode(line)).timestamp);
        } catch {
          continue; // a torn line: skipped, as any reader must
        }
        parsed++;
        if (ts < fromMs) done = true;
      }
    }
    closeSync(fd);
  }
  return parsed;
}

function list(claudeDir, fromMs) {
  const out = [];
  const walk = (dir, depth) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < 4) walk(path, depth + 1);
      } else if (e.name.endsWith('.jsonl')) {
        const st = statSync(path);
        if (st.mtimeMs >= fromMs) out.push([path, st.size]);
      }
    }
  };
  walk(join(claudeDir, 'projects'), 1);
  return out;
}

if (process.argv[2] === '--worker') {
  // worker_threads is loaded only when a worker is asked for: loading it costs the one-thread floor ~4 ms.
  const { parentPort } = require('node:worker_threads');
  parentPort.once('message', ({ files, fromMs }) => parentPort.postMessage(readBack(files, fromMs)));
} else {
  const [claudeDir, fromArg, threadsArg = '1'] = process.argv.slice(2);
  const fromMs = Number(fromArg);
  if (!claudeDir || !Number.isFinite(fromMs) || !['1', '2'].includes(threadsArg)) {
    console.error('usage: floor-reader.cjs <claude dir> <from epoch ms> [1|2]');
    process.exit(2);
  }
  const worker =
    threadsArg === '2'
      ? new (require('node:worker_threads').Worker)(__filename, { argv: ['--worker'] })
      : null;
  const files = list(claudeDir, fromMs);
  const print = (parsed) => {
    process.stdout.write(`${JSON.stringify({ files: files.length, usageLines: parsed })}\n`);
    if (worker) process.exit(0); // the worker would keep the process alive
  };
  if (!worker) print(readBack(files, fromMs));
  else {
    // Biggest first, each to the thread with fewer bytes so far: about half the work each.
    const mine = [];
    const theirs = [];
    let a = 0;
    let b = 0;
    for (const f of [...files].sort((x, y) => y[1] - x[1])) {
      const weight = Math.min(f[1], 8 * 1024 * 1024);
      if (a <= b) {
        mine.push(f);
        a += weight;
      } else {
        theirs.push(f);
        b += weight;
      }
    }
    worker.postMessage({ files: theirs, fromMs });
    const own = readBack(mine, fromMs);
    worker.once('message', (other) => print(own + other));
  }
}
