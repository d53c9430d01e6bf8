// Deterministic generator of large, realistic Claude Code histories for the benchmarks.
//
// Layout written: <dir>/claude/projects/<project>/<session>.jsonl and
// <session>/subagents/agent-<id>.jsonl, like Claude Code 2.1.x. What is in it, and why:
// - workdays over N days (days off, lunch breaks, nights: gaps > 5 h), so blocks chain as in real use;
// - today a continuous 6.5 h run ending at "now" (generation time), so the active block is real and the
//   cold start has to look back past its first 10 h horizon;
// - one giant session resumed day after day (the `--biggest` file), many small ones in several projects;
// - responses streamed as 1-3 lines with the same message.id + requestId and growing output_tokens;
// - user prompts and tool results (KBs, with the toolUseResult copy) between assistant lines;
// - subagent files, several models, a torn last line in some crashed sessions.
// Output is cached under .bench/history/<key>/ (key = parameters + generator version). A cached history
// is only reused while its active block lasts long enough for a bench run; then it is written again.
// Run alone: node bench/lib/history.mjs [--size 1g] [--days 60] [--biggest 700m] [--seed 1]

import { createHash } from 'node:crypto';
import { once } from 'node:events';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const GENERATOR_VERSION = 6;
const HOUR = 3_600_000;
const MIN = 60_000;

/** "1g", "700m", "64k", "12345" → bytes. */
export function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)b?$/i.exec(String(text).trim());
  if (!m) throw new Error(`bad size "${text}" (examples: 1g, 700m, 100m)`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase()];
  return Math.round(Number(m[1]) * mult);
}

/** Options shared by every bench script: --size 1g, --days 60, --biggest 700m, --seed 1, --quick. */
export function benchParams(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string' },
      days: { type: 'string' },
      biggest: { type: 'string' },
      seed: { type: 'string' },
      quick: { type: 'boolean' },
    },
    strict: true,
  });
  const size = parseSize(values.size ?? (values.quick ? '100m' : '1g'));
  const biggest = values.biggest ? parseSize(values.biggest) : Math.round(size * 0.7);
  if (biggest >= size) throw new Error('--biggest must be below --size');
  const days = Number(values.days ?? 60);
  if (!Number.isInteger(days) || days < 2 || days > 400) throw new Error('--days must be an integer 2..400');
  const seed = Number(values.seed ?? 1);
  return { size, days, biggest, seed, quick: values.quick === true };
}

/** History parameters only (the cache key must not depend on --quick itself). */
export function historyParams(p) {
  return { size: p.size, days: p.days, biggest: p.biggest, seed: p.seed };
}

export function formatBytes(n) {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024).toFixed(1)} kB`;
}

/** sfc32: small, fast, seedable; the same seed gives the same history on every machine. */
function makeRng(seed) {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 20; i++) next();
  const rng = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    chance: (p) => next() < p,
    /** Log-normal around a median, clamped: sizes of real tool output are heavy-tailed. */
    logNormal: (median, sigma, lo, hi) => {
      const u = Math.max(next(), 1e-12);
      const v = next();
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      return Math.min(hi, Math.max(lo, Math.round(median * Math.exp(sigma * z))));
    },
    id: (len, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789') => {
      let s = '';
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(next() * alphabet.length)];
      return s;
    },
  };
  rng.uuid = () => {
    const h = rng.id(32, '0123456789abcdef');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  return rng;
}

/**
 * A corpus of JSON-safe text (code-like and prose-like lines; newlines already escaped as \n). Content
 * is sliced from it, so 1 GB is written without generating every character.
 */
function makeCorpus(rng) {
  const words = (
    'const let return function async await import export from if else for while new this null true false ' +
    'value result error config payload window tokens usage model session block source engine file offset ' +
    'line buffer chunk parse snapshot ledger entry cache read write stream watch poll timer gauge needle ' +
    'the a of to and in is that it for on with as was be by this are or at from but not have all can'
  ).split(' ');
  const parts = [];
  let len = 0;
  while (len < 2_000_000) {
    const indent = '  '.repeat(rng.int(0, 4));
    let line = indent;
    const n = rng.int(3, 14);
    for (let i = 0; i < n; i++) line += (i ? ' ' : '') + rng.pick(words);
    line += rng.pick([';', ' {', '', ',', ')', '.', ' }']);
    parts.push(line);
    len += line.length + 2;
  }
  return parts.join('\\n');
}

function slice(corpus, rng, length) {
  const maxStart = corpus.length - length - 2;
  let start = rng.int(0, Math.max(0, maxStart));
  if (corpus[start - 1] === '\\') start++; // never start inside a \n escape
  let end = start + length;
  if (corpus[end - 1] === '\\') end--; // never end on half of one
  return corpus.slice(start, end);
}

/** Buffered appender to one file: few large writes, honouring backpressure. */
class Appender {
  constructor(path) {
    mkdirSync(dirname(path), { recursive: true });
    this.ws = createWriteStream(path, { flags: 'a' });
    this.parts = [];
    this.pending = 0;
    this.bytes = 0;
  }
  async write(s) {
    this.parts.push(s);
    this.pending += s.length;
    if (this.pending >= 256 * 1024) await this.flush();
  }
  async flush() {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.pending = 0;
    this.bytes += Buffer.byteLength(chunk);
    if (!this.ws.write(chunk)) await once(this.ws, 'drain');
  }
  async close() {
    await this.flush();
    this.ws.end();
    await once(this.ws, 'finish');
  }
}

const MODELS_MAIN = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-sonnet-4-5-20250929'];
const MODELS_SUB = ['claude-haiku-4-5-20251001', 'claude-sonnet-4-5-20250929'];
const VERSIONS = ['2.0.76', '2.1.3', '2.1.14'];
const TOOLS = ['Read', 'Bash', 'Edit', 'Grep', 'Glob', 'Write'];

/** Writes the lines of one conversation stretch; keeps the file's own counters. */
class SessionWriter {
  constructor(g, { path, sessionId, cwd, model, sidechain, agentId }) {
    Object.assign(this, { g, path, sessionId, cwd, model, sidechain, agentId });
    this.parent = null;
    this.lastMs = 0;
  }
  open() {
    this.out = new Appender(this.path);
  }
  async close() {
    await this.out.close();
    this.g.bytes += this.out.bytes;
    this.g.fileBytes.set(this.path, (this.g.fileBytes.get(this.path) ?? 0) + this.out.bytes);
    this.g.fileMtime.set(this.path, this.lastMs);
  }
  envelope(type, ms) {
    const uuid = this.g.rng.uuid();
    const head =
      `{"parentUuid":${this.parent ? `"${this.parent}"` : 'null'},"isSidechain":${this.sidechain},` +
      `"userType":"external","cwd":"${this.cwd}","sessionId":"${this.sessionId}","version":"${this.g.version}",` +
      `"gitBranch":"main",${this.agentId ? `"agentId":"${this.agentId}",` : ''}"type":"${type}",`;
    this.parent = uuid;
    this.lastMs = Math.max(this.lastMs, ms);
    return { head, tail: `,"uuid":"${uuid}","timestamp":"${new Date(ms).toISOString()}"}\n` };
  }
  async prompt(ms) {
    const { rng, corpus } = this.g;
    const { head, tail } = this.envelope('user', ms);
    const text = slice(corpus, rng, rng.logNormal(300, 1, 20, 8000));
    await this.out.write(`${head}"message":{"role":"user","content":"${text}"}${tail}`);
  }
  async toolResult(ms, toolUseId) {
    const { rng, corpus } = this.g;
    const { head, tail } = this.envelope('user', ms);
    const size = rng.logNormal(this.g.toolMedian, 1.1, 40, 60_000);
    const text = slice(corpus, rng, size);
    // Claude Code keeps the tool output twice: in the message and in toolUseResult.
    await this.out.write(
      `${head}"message":{"role":"user","content":[{"tool_use_id":"${toolUseId}","type":"tool_result","content":"${text}"}]}` +
        `,"toolUseResult":{"type":"text","file":{"filePath":"${this.cwd}/src/f${rng.int(1, 400)}.ts","content":"${text}","numLines":${rng.int(5, 900)}}}${tail}`,
    );
  }
  /** One response: thinking/text/tool_use blocks, one line each, usage repeated with growing output. */
  async response(ms, { toolUse = true } = {}) {
    const { rng, corpus } = this.g;
    const msgId = `msg_01${rng.id(22)}`;
    const reqId = `req_011C${rng.id(20)}`;
    const input = rng.int(1, 12);
    const cacheCreate = rng.chance(0.3) ? rng.int(200, 9000) : rng.int(0, 400);
    const cacheRead = rng.int(8_000, 160_000);
    const output = rng.logNormal(350, 0.9, 8, 16_000);
    const blocks = [];
    if (rng.chance(0.35)) blocks.push('thinking');
    if (rng.chance(0.7)) blocks.push('text');
    const toolUseId = `toolu_01${rng.id(22)}`;
    if (toolUse) blocks.push('tool_use');
    if (blocks.length === 0) blocks.push('text');
    let t = ms;
    for (let i = 0; i < blocks.length; i++) {
      const kind = blocks[i];
      const out = Math.max(1, Math.round((output * (i + 1)) / blocks.length));
      let content;
      if (kind === 'thinking')
        content = `{"type":"thinking","thinking":"${slice(corpus, rng, rng.logNormal(900, 0.8, 50, 12_000))}","signature":"${rng.id(344)}"}`;
      else if (kind === 'text')
        content = `{"type":"text","text":"${slice(corpus, rng, rng.logNormal(400, 1, 10, 8000))}"}`;
      else
        content = `{"type":"tool_use","id":"${toolUseId}","name":"${rng.pick(TOOLS)}","input":{"command":"${slice(corpus, rng, rng.logNormal(200, 1, 10, 6000))}"}}`;
      const { head, tail } = this.envelope('assistant', t);
      await this.out.write(
        `${head}"message":{"id":"${msgId}","type":"message","role":"assistant","model":"${this.model}","content":[${content}],` +
          `"stop_reason":${i === blocks.length - 1 ? (toolUse ? '"tool_use"' : '"end_turn"') : 'null'},"stop_sequence":null,` +
          `"usage":{"input_tokens":${input},"cache_creation_input_tokens":${cacheCreate},"cache_read_input_tokens":${cacheRead},` +
          `"cache_creation":{"ephemeral_5m_input_tokens":${cacheCreate},"ephemeral_1h_input_tokens":0},` +
          `"output_tokens":${out},"service_tier":"standard"}},"requestId":"${reqId}"${tail}`,
      );
      this.g.assistantLines++;
      t += rng.int(50, 4000);
    }
    this.g.responses++;
    return { toolUseId, endMs: t };
  }
  /** A line cut short with no newline: what a crash mid-write leaves. */
  async torn(ms) {
    await this.out.flush(); // so the response's lines are still in the buffer below
    await this.response(ms, { toolUse: false });
    const last = this.out.parts.pop() ?? '';
    this.out.pending -= last.length;
    await this.out.write(last.slice(0, Math.floor(last.length / 2)));
  }
}

/** The plan: workday stretches [startMs, endMs), chronological, the last one ending at t0. */
function planSegments(rng, t0, days) {
  const segments = [];
  for (let k = days - 1; k >= 1; k--) {
    if (rng.chance(0.22)) continue; // a day off
    const dayStart = t0 - 6.5 * HOUR - k * 24 * HOUR + rng.int(-60, 60) * MIN;
    const dayEnd = dayStart + rng.int(5 * 60, 11 * 60) * MIN;
    let t = dayStart;
    while (t < dayEnd) {
      const len = rng.int(15, 180) * MIN;
      const end = Math.min(dayEnd, t + len);
      segments.push({ startMs: t, endMs: end });
      t = end + (rng.chance(0.15) ? rng.int(30, 90) : rng.int(2, 40)) * MIN; // lunch, or a short break
    }
  }
  // Today: one continuous 6.5 h run to now, short breaks only (≤ 20 min), so the active block starts at
  // floorHour(t0 − 6.5 h) + 5 h and stays active until 5 h after that.
  const todayStart = t0 - 6.5 * HOUR;
  let t = todayStart;
  while (t < t0) {
    const end = Math.min(t0, t + rng.int(20, 110) * MIN);
    segments.push({ startMs: t, endMs: end, today: true });
    t = end + rng.int(1, 20) * MIN;
  }
  const last = segments[segments.length - 1];
  last.endMs = t0;
  last.final = true;
  const activeStart = Math.floor(todayStart / HOUR) * HOUR + 5 * HOUR;
  return { segments, activeUntilMs: activeStart + 5 * HOUR };
}

async function generate(dir, params, t0, log) {
  const rng = makeRng(params.seed);
  const g = {
    rng,
    corpus: makeCorpus(rng),
    bytes: 0,
    fileBytes: new Map(),
    fileMtime: new Map(),
    responses: 0,
    assistantLines: 0,
    version: VERSIONS[2],
    toolMedian: 1800,
  };
  const { segments, activeUntilMs } = planSegments(rng, t0, params.days);
  let activeMs = 0;
  for (const seg of segments) {
    seg.activeBefore = activeMs;
    activeMs += seg.endMs - seg.startMs;
  }
  // A turn (response + tool result, subagents included) is ~7 kB with these distributions. The pause
  // between turns starts from that estimate and is then steered by the bytes written so far against the
  // share of active time elapsed, so the total lands near the requested size.
  const bytesPerTurn = 7_000;
  const meanGapMs = (activeMs * bytesPerTurn) / params.size;
  const projects = Array.from(
    { length: 12 },
    (_, i) => `-home-dev-work-project-${String.fromCharCode(97 + i)}${rng.id(4, 'abcdefghij')}`,
  );
  const projectsDir = join(dir, 'claude', 'projects');
  const giantShare = params.biggest / params.size;
  const giant = {
    sessionId: rng.uuid(),
    project: projects[0],
    model: MODELS_MAIN[0],
  };
  giant.path = join(projectsDir, giant.project, `${giant.sessionId}.jsonl`);
  let giantBytes = 0;
  let lastReport = Date.now();
  let finalFile = null;
  let sessions = 1; // the giant
  let subagents = 0;
  let torn = 0;
  const newSessionSpec = () => {
    const project = rng.pick(projects.slice(1));
    const sessionId = rng.uuid();
    sessions++;
    return {
      path: join(projectsDir, project, `${sessionId}.jsonl`),
      sessionId,
      cwd: `/home/dev/work/${project}`,
      model: rng.pick(MODELS_MAIN),
    };
  };
  /** Turns of one session from startMs until endMs (or its own end); returns the time reached. */
  const writeStretch = async (seg, spec, startMs, endMs, subagentChance) => {
    const w = new SessionWriter(g, { ...spec, sidechain: false });
    w.open();
    let t = startMs;
    await w.prompt(t);
    while (true) {
      const { toolUseId, endMs: responseEnd } = await w.response(t + rng.int(400, 3000));
      t = responseEnd;
      if (t >= endMs) break;
      // A Task tool call: a subagent works in its own file while the parent waits.
      if (rng.chance(subagentChance)) {
        const agentId = rng.id(8, '0123456789abcdef');
        const sw = new SessionWriter(g, {
          path: join(dirname(spec.path), spec.sessionId, 'subagents', `agent-${agentId}.jsonl`),
          sessionId: spec.sessionId,
          cwd: spec.cwd,
          model: rng.pick(MODELS_SUB),
          sidechain: true,
          agentId,
        });
        sw.open();
        await sw.prompt(t);
        const turns = rng.int(3, 25);
        for (let i = 0; i < turns && t < endMs - 60_000; i++) {
          const r = await sw.response(t + rng.int(300, 2500));
          t = r.endMs;
          await sw.toolResult(t + rng.int(20, 1500), r.toolUseId);
        }
        await sw.close();
        subagents++;
      }
      t += rng.int(20, 1500);
      await w.toolResult(t, toolUseId);
      const written = g.bytes + w.out.bytes + w.out.pending;
      const due = (params.size * (seg.activeBefore + t - seg.startMs)) / activeMs;
      const steer = Math.min(4, Math.max(0.05, (written / Math.max(1, due)) ** 8));
      t += Math.max(200, Math.round(meanGapMs * steer * (0.2 + 1.6 * rng.next())));
      if (Date.now() - lastReport > 2000) {
        lastReport = Date.now();
        log(
          `generating: ${formatBytes(written)} of ~${formatBytes(params.size)} (${Math.min(100, (100 * written) / params.size).toFixed(0)} %)`,
        );
      }
      if (t >= endMs) break;
    }
    if (!seg.today && spec.path !== giant.path && rng.chance(0.08)) {
      await w.torn(Math.min(t + 2000, endMs));
      torn++;
    }
    const before = g.fileBytes.get(giant.path) ?? 0;
    await w.close();
    if (spec.path === giant.path) giantBytes += (g.fileBytes.get(giant.path) ?? 0) - before;
    return t;
  };
  for (const seg of segments) {
    // Resume the giant session while it is below its share of the bytes written; never the final stretch
    // (the append bench appends to a copy of that one). Otherwise a row of shorter sessions.
    if (!seg.final && giantBytes < giantShare * (g.bytes + 1)) {
      const spec = {
        path: giant.path,
        sessionId: giant.sessionId,
        cwd: `/home/dev/work/${giant.project}`,
        model: giant.model,
      };
      await writeStretch(seg, spec, seg.startMs, seg.endMs, 0.004);
      continue;
    }
    let t = seg.startMs;
    while (t < seg.endMs) {
      const spec = newSessionSpec();
      const end = seg.final ? seg.endMs : Math.min(seg.endMs, t + rng.int(10, 90) * MIN);
      t = (await writeStretch(seg, spec, t, end, 0.02)) + rng.int(1, 5) * MIN;
      if (seg.final) finalFile = spec.path;
    }
  }
  // Claude Code leaves each file's mtime at its last write; the cold start relies on that.
  for (const [path, ms] of g.fileMtime) utimesSync(path, new Date(ms), new Date(ms));
  return {
    t0Ms: t0,
    activeUntilMs,
    bytes: g.bytes,
    files: g.fileBytes.size,
    sessions,
    subagents,
    tornLines: torn,
    responses: g.responses,
    assistantLines: g.assistantLines,
    biggestFile: giant.path,
    biggestBytes: g.fileBytes.get(giant.path) ?? 0,
    appendTarget: finalFile,
  };
}

export function historyKey(params) {
  return createHash('sha256')
    .update(JSON.stringify({ v: GENERATOR_VERSION, ...params }))
    .digest('hex')
    .slice(0, 12);
}

/**
 * Returns { dir, claudeDir, meta }, generating the history unless a cached one is still usable:
 * its active block must last at least `needMs` more.
 */
export async function ensureHistory(
  params,
  { needMs = 30 * MIN, log = (s) => process.stderr.write(`${s}\n`) } = {},
) {
  const key = historyKey(params);
  const dir = join(ROOT, '.bench', 'history', `${key}`);
  const metaPath = join(dir, 'meta.json');
  if (existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
    if (Date.now() + needMs < meta.activeUntilMs) {
      log(
        `history: cached ${dir} (${formatBytes(meta.bytes)}, generated ${new Date(meta.t0Ms).toISOString()})`,
      );
      return { dir, claudeDir: join(dir, 'claude'), meta };
    }
    log(
      `history: cached ${dir} is too old (its active block ends ${new Date(meta.activeUntilMs).toISOString()}); writing it again`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  log(
    `history: generating ${formatBytes(params.size)}, ${params.days} days, biggest file ~${formatBytes(params.biggest)}, seed ${params.seed} → ${dir}`,
  );
  const t0 = Date.now();
  const meta = { params, ...(await generate(dir, params, t0, log)) };
  meta.generationSeconds = (Date.now() - started) / 1000;
  writeFileSync(metaPath, `${JSON.stringify(meta, null, 2)}\n`); // last: marks the cache complete
  log(
    `history: ${formatBytes(meta.bytes)} in ${meta.files} files (${meta.sessions} sessions, ${meta.subagents} subagents, ` +
      `biggest ${formatBytes(meta.biggestBytes)}) in ${meta.generationSeconds.toFixed(1)} s`,
  );
  return { dir, claudeDir: join(dir, 'claude'), meta };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const params = historyParams(benchParams(process.argv.slice(2)));
  const h = await ensureHistory(params);
  console.log(`history: ${h.claudeDir} (append target ${h.meta.appendTarget})`);
}
