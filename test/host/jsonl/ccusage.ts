// Helpers to run the oracle, ccusage 20.0.24 (its native binary from node_modules), on a claude dir.

import { execFile } from 'node:child_process';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { nativePackageName } from '../../../host/src/sources/ccusage/run.js';

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
