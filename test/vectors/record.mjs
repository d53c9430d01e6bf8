#!/usr/bin/env node
// Re-records the "rec" field of every step of the shared test vectors: the exact output line each step
// produced on the native build (node test/vectors/run.mjs --target native --dump). Comments and the
// hand-checked "expect" objects are left exactly as they are: jsonc-parser edits only the "rec" values.
//
//   make -C firmware vectors-record            (builds the runner, then runs this on every vector)
//   node test/vectors/record.mjs [FILE.jsonc ...]
//
// Afterwards it runs the vectors again and exits 1 if any hand-checked expectation fails: recording never
// "fixes" a hand-checked value -- that takes a human who redoes the arithmetic in the file's comments.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const runner = join(root, 'firmware', 'build', 'native', 'vector-runner');
const checker = join(here, 'run.mjs');
if (!existsSync(runner)) {
  console.error('record: build the runner first: make -C firmware vector-runner');
  process.exit(2);
}
const args = process.argv.slice(2);
const files = (
  args.length > 0
    ? args
    : readdirSync(here)
        .filter((f) => f.endsWith('.jsonc'))
        .map((f) => join(here, f))
)
  .map((f) => relative(root, resolve(f)))
  .sort();

function runDump(list) {
  let out;
  try {
    out = execFileSync(process.execPath, [checker, '--target', 'native', '--dump', ...list], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
  } catch (e) {
    // Exit status 1 = some check failed; the dump on stdout is still complete.
    if (typeof e.stdout !== 'string' || e.status !== 1) throw e;
    out = e.stdout;
  }
  return JSON.parse(out).files;
}

/**
 * Sets steps[i].rec = outputs[i] by editing the text in place: an existing "rec" value is replaced, a missing
 * one is appended after the step's last property on a line of its own (or inline for a one-line step).
 * Nothing else is touched, so comments and hand formatting survive.
 */
function recordInto(text, outputs) {
  const tree = parseTree(text);
  const steps = tree && findNodeAtLocation(tree, ['steps']);
  if (steps?.type !== 'array' || !steps.children) throw new Error('no steps array');
  const edits = [];
  steps.children.forEach((step, i) => {
    const out = outputs[i];
    if (out === undefined || step.type !== 'object' || !step.children || step.children.length === 0) return;
    const value = JSON.stringify(out);
    const rec = step.children.find((p) => p.children?.[0]?.value === 'rec');
    const recValue = rec?.children?.[1];
    if (recValue) {
      edits.push({ offset: recValue.offset, length: recValue.length, content: value });
      return;
    }
    const last = step.children[step.children.length - 1];
    const end = last.offset + last.length;
    const stepText = text.slice(step.offset, step.offset + step.length);
    let insert = `, "rec": ${value}`;
    if (stepText.includes('\n')) {
      const lineStart = text.lastIndexOf('\n', last.offset) + 1;
      const indent = /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
      insert = `,\n${indent}"rec": ${value}`;
    }
    edits.push({ offset: end, length: 0, content: insert });
  });
  let result = text;
  for (const e of edits.sort((a, b) => b.offset - a.offset)) {
    result = result.slice(0, e.offset) + e.content + result.slice(e.offset + e.length);
  }
  return result;
}

let malformed = 0;
for (const r of runDump(files)) {
  if (r.error !== null) {
    console.error(`record: ${r.file} is malformed, not recorded: ${r.error}`);
    malformed++;
    continue;
  }
  const path = join(root, r.file);
  const before = readFileSync(path, 'utf8');
  const text = recordInto(before, r.outputs);
  if (text !== before) {
    writeFileSync(path, text);
    console.log(`recorded ${r.file} (${r.outputs.length} steps)`);
  } else {
    console.log(`unchanged ${r.file}`);
  }
}

let failed = 0;
for (const r of runDump(files)) {
  for (const f of r.failures) console.error(`HAND-CHECK FAILED ${r.file}: ${f}`);
  if (r.failures.length > 0 || r.error !== null) failed++;
}
if (malformed > 0 || failed > 0) {
  console.error(`record: ${malformed} malformed, ${failed} with failing hand-checked expectations`);
  process.exit(1);
}
