// Helpers to run the oracle, ccusage 20.0.24 (its native binary from node_modules), on a claude dir.

import { execFile } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { nativePackageName } from '../../../../host/src/sources/ccusage/run.js';

const run = promisify(execFile);

/** This platform's ccusage binary, found the way the ccusage source finds it; null when not installed. */
function nativeBinaryPath(): string | null {
  const pkg = nativePackageName();
  if (pkg === null) return null;
  try {
    const dir = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
    return join(dir, 'bin', process.platform === 'win32' ? 'ccusage.exe' : 'ccusage');
  } catch {
    return null;
  }
}

export const CCUSAGE_BIN = nativeBinaryPath();
if (CCUSAGE_BIN === null || !existsSync(CCUSAGE_BIN))
  console.warn(
    `SKIPPED: the live ccusage oracle checks: no ccusage binary for ${process.platform}-${process.arch} (npm install)`,
  );

/** The binary, made executable when npm left its run bit off; null when this platform has none. */
export function ccusageBinary(): string | null {
  if (CCUSAGE_BIN === null || !existsSync(CCUSAGE_BIN)) return null;
  if ((statSync(CCUSAGE_BIN).mode & 0o111) === 0) chmodSync(CCUSAGE_BIN, 0o755);
  return CCUSAGE_BIN;
}

export interface CcusageBlock {
  startTime: string;
  endTime: string;
  actualEndTime: string | null;
  isActive: boolean;
  isGap: boolean;
  entries: number;
  tokenCounts: {
    inputTokens: number;
    outputTokens: number;
    cacheCreationInputTokens: number;
    cacheReadInputTokens: number;
  };
  totalTokens: number;
}

export async function ccusageBlocks(claudeDir: string, extra: string[] = []): Promise<CcusageBlock[]> {
  const bin = ccusageBinary();
  if (!bin) throw new Error('ccusage binary missing');
  const { stdout } = await run(bin, ['blocks', '--json', '--offline', ...extra], {
    env: { ...process.env, CLAUDE_CONFIG_DIR: claudeDir, TZ: 'UTC' },
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  // With no data ccusage prints a message instead of JSON.
  const text = stdout.trim();
  if (!text.startsWith('{')) return [];
  return (JSON.parse(text) as { blocks: CcusageBlock[] }).blocks;
}

/** The fields both sides report, gap blocks dropped. */
export function comparable(blocks: CcusageBlock[]) {
  return blocks
    .filter((b) => !b.isGap)
    .map((b) => ({
      startTime: b.startTime,
      endTime: b.endTime,
      actualEndTime: b.actualEndTime,
      entries: b.entries,
      tokenCounts: b.tokenCounts,
      totalTokens: b.totalTokens,
    }));
}

/**
 * A copy of a claude dir on which ccusage counts what the API billed. ccusage 20.0.24 counts a usage's
 * 5m/1h cache-creation split where there is one, and the daemon the flat `cache_creation_input_tokens`
 * (the billed figure: from Claude Code 2.1.227 an advisor response's split holds only its first
 * iteration's write). On every usage (top level and `iterations[]`) where the two disagree, the copy's
 * split is made to agree: the 1h part is kept up to the flat figure and 5m takes the rest (only their sum
 * is compared). Every other line, and the files' last newline or its absence, are copied byte for byte.
 * `rewritten` counts the lines changed; with none, `dir` is the original and nothing is copied.
 */
export function billedCopy(claudeDir: string): { dir: string; rewritten: number; cleanup: () => void } {
  const changes = new Map<string, string>();
  let rewritten = 0;
  for (const file of transcriptFiles(claudeDir)) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('"cache_creation":{')) continue;
    let changed = false;
    const lines = text.split('\n').map((line) => {
      const fixed = billedLine(line);
      if (fixed === null) return line;
      changed = true;
      rewritten++;
      return fixed;
    });
    if (changed) changes.set(relative(claudeDir, file), lines.join('\n'));
  }
  if (changes.size === 0) return { dir: claudeDir, rewritten: 0, cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'gauge-billed-'));
  cpSync(claudeDir, dir, { recursive: true });
  for (const [rel, text] of changes) writeFileSync(join(dir, rel), text);
  return { dir, rewritten, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The line with its disagreeing splits made to agree, or null when it has none (or is not JSON). */
function billedLine(line: string): string | null {
  if (!line.includes('"cache_creation":{')) return null;
  let o: { message?: { usage?: Usage & { iterations?: unknown } } };
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  const usage = o?.message?.usage;
  if (typeof usage !== 'object' || usage === null) return null;
  let changed = agree(usage);
  if (Array.isArray(usage.iterations))
    for (const it of usage.iterations)
      if (typeof it === 'object' && it !== null) changed = agree(it) || changed;
  return changed ? JSON.stringify(o) : null;
}

interface Usage {
  cache_creation_input_tokens?: unknown;
  cache_creation?: { ephemeral_5m_input_tokens?: unknown; ephemeral_1h_input_tokens?: unknown } | null;
}

function agree(u: Usage): boolean {
  const flat = u.cache_creation_input_tokens;
  const split = u.cache_creation;
  if (typeof flat !== 'number' || typeof split !== 'object' || split === null) return false;
  const m5 = split.ephemeral_5m_input_tokens ?? 0;
  const h1 = split.ephemeral_1h_input_tokens ?? 0;
  if (typeof m5 !== 'number' || typeof h1 !== 'number' || m5 + h1 === flat) return false;
  const keep1h = Math.min(h1, flat);
  split.ephemeral_1h_input_tokens = keep1h;
  split.ephemeral_5m_input_tokens = flat - keep1h;
  return true;
}

/** Every `*.jsonl` under `<claudeDir>/projects`, at any depth. */
export function transcriptFiles(claudeDir: string): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.jsonl') ? [join(d, e.name)] : [],
    );
  return walk(join(claudeDir, 'projects'));
}
