// Finding and running the pinned ccusage (the `ccusage` devDependency and its platform binary) —
// never `npx ccusage@latest` — with a hard timeout that kills the whole process group.

import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters from stderr is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]+/g;

export class CcusageRunError extends Error {
  override name = 'CcusageRunError';
}

/** The platform package ccusage's launcher would use (ccusage 20.x layout). */
export function nativePackageName(
  platform: string = process.platform,
  arch: string = process.arch,
): string | null {
  const supported: Record<string, string[]> = {
    darwin: ['arm64', 'x64'],
    linux: ['arm64', 'x64'],
    win32: ['arm64', 'x64'],
  };
  return supported[platform]?.includes(arch) ? `@ccusage/ccusage-${platform}-${arch}` : null;
}

export interface ResolveOptions {
  /** Module resolution (tests replace it). Default: resolution from this file. */
  resolve?: (id: string) => string;
  platform?: string;
  arch?: string;
}

/**
 * The argv prefix that runs the pinned ccusage: its native binary when executable, otherwise
 * `node <ccusage>/src/cli.js` (the launcher sets the binary's run bit itself). Throws a
 * CcusageRunError naming the package to install when either is missing.
 */
export function resolveCcusageCommand(options: ResolveOptions = {}): string[] {
  const resolve = options.resolve ?? createRequire(import.meta.url).resolve;
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  let ccusageDir: string;
  try {
    ccusageDir = dirname(resolve('ccusage/package.json'));
  } catch {
    throw new CcusageRunError(
      'ccusage is not installed: run `npm install` (the project pins ccusage@20.0.24)',
    );
  }
  const native = nativePackageName(platform, arch);
  if (native === null) throw new CcusageRunError(`ccusage has no native binary for ${platform}-${arch}`);
  let binary: string;
  try {
    binary = join(
      dirname(resolve(`${native}/package.json`)),
      'bin',
      platform === 'win32' ? 'ccusage.exe' : 'ccusage',
    );
  } catch {
    throw new CcusageRunError(
      `ccusage's native binary package ${native} is not installed (an optional dependency of ccusage): ` +
        `run \`npm install ${native}\` at ccusage's version, or reinstall without --omit=optional`,
    );
  }
  if (!existsSync(binary))
    throw new CcusageRunError(`${native} is installed but has no ${binary}: reinstall it`);
  try {
    accessSync(binary, constants.X_OK);
    return [binary];
  } catch {
    return [process.execPath, join(ccusageDir, 'src', 'cli.js')];
  }
}

export interface RunOptions {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  maxOutputBytes: number;
  /** Aborting kills the process group (the source's stop()). */
  signal?: AbortSignal;
}

/** Runs argv in its own process group; resolves stdout on exit 0, rejects with a clear message otherwise. */
export function runCapture(opts: RunOptions): Promise<string> {
  const [command, ...args] = opts.argv;
  if (command === undefined) return Promise.reject(new CcusageRunError('empty ccusage command'));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a hung launcher and its native child die together.
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let failure: string | undefined;
    const killGroup = () => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    };
    const fail = (why: string) => {
      if (failure === undefined) failure = why;
      killGroup();
    };
    const timer = setTimeout(
      () => fail(`ccusage did not finish within ${opts.timeoutMs} ms and was killed`),
      opts.timeoutMs,
    );
    const onAbort = () => fail('ccusage was stopped');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();

    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.byteLength;
      if (outBytes > opts.maxOutputBytes) fail(`ccusage printed more than ${opts.maxOutputBytes} bytes`);
      else out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 4096) err += d.toString('utf8');
    });
    const finish = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (e: NodeJS.ErrnoException) => {
      finish();
      reject(new CcusageRunError(`cannot run ${command}: ${e.code ?? e.message}`));
    });
    child.once('close', (code, signal) => {
      finish();
      if (failure !== undefined) return reject(new CcusageRunError(failure));
      if (code !== 0) {
        const detail = err.replace(CONTROL_CHARS, ' ').trim().slice(0, 300);
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        return reject(new CcusageRunError(`ccusage ${how}${detail ? `: ${detail}` : ''}`));
      }
      resolve(Buffer.concat(out).toString('utf8'));
    });
  });
}
