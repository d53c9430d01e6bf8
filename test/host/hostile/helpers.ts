// The hostile-input suite's tools: claude dirs with traps in them (FIFOs, unreadable files, thousands of
// manifests), a stand-in process that looks like Claude Code, raw HTTP with any Host header, and the daemon
// as a real child process (the current sources bundled with esbuild, so no stale dist/ is ever tested).
// Loopback only, port 0, every wait bounded.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linuxProcHost } from '../../../host/src/sessions.js';
import { projectDirName } from '../../../host/src/sources/jsonl/session-models.js';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Rejects with `what` after `ms` (the test then fails with that message instead of hanging). */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

/** Makes a FIFO at `path`; `release()` opens it for writing and closes it, freeing any reader stuck on it. */
export function fifo(path: string): { path: string; release(): void } {
  execFileSync('mkfifo', [path]);
  return {
    path,
    release() {
      if (!existsSync(path)) return;
      // O_RDWR never blocks on Linux and counts as a writer: a reader blocked in open() gets through.
      closeSync(openSync(path, constants.O_RDWR | constants.O_NONBLOCK));
    },
  };
}

/** A process whose command line is `claude …` (as Claude Code's is), for live-session manifests. */
export async function claudeStandIn(): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], {
    stdio: 'ignore',
    argv0: 'claude',
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return child as ChildProcess & { pid: number };
}

/** A live session: its manifest (as Claude Code 2.1.x writes it on Linux) and its project dir. */
export function writeLiveManifest(
  claudeDir: string,
  pid: number,
  opts: { sessionId?: string; cwd?: string; procStart?: boolean; startedAt?: number } = {},
): { manifest: string; transcript: string } {
  const sessionId = opts.sessionId ?? `live-${pid}`;
  const cwd = opts.cwd ?? '/home/someone/project';
  mkdirSync(join(claudeDir, 'sessions'), { recursive: true });
  const manifest = join(claudeDir, 'sessions', `${pid}.json`);
  writeFileSync(
    manifest,
    JSON.stringify({
      pid,
      sessionId,
      cwd,
      kind: 'interactive',
      version: '2.1.39',
      startedAt: opts.startedAt ?? Date.now(),
      ...(opts.procStart === false ? {} : { procStart: linuxProcHost().startTicks(pid) }),
    }),
  );
  const projectDir = join(claudeDir, 'projects', projectDirName(cwd));
  mkdirSync(projectDir, { recursive: true });
  return { manifest, transcript: join(projectDir, `${sessionId}.jsonl`) };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request to 127.0.0.1:port with exactly these headers (Host included, which fetch cannot set). */
export function raw(
  port: number,
  opts: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    timeoutMs?: number;
  },
): Promise<RawResponse> {
  return within(
    opts.timeoutMs ?? 10_000,
    `${opts.method ?? 'GET'} ${opts.path}`,
    new Promise<RawResponse>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: opts.path,
          method: opts.method ?? 'GET',
          headers: opts.headers ?? {},
          agent: false,
          setHost: opts.headers?.Host === undefined && opts.headers?.host === undefined,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end(opts.body);
    }),
  );
}

/** Bundles the current daemon sources once per test file (esbuild), like `npm run build` but to a temp dir. */
let bundled: Promise<string> | null = null;
export function daemonBundle(): Promise<string> {
  bundled ??= (async () => {
    const { build } = await import('esbuild');
    const out = join(ROOT, 'build', 'hostile-daemon', `${process.pid}`);
    rmSync(out, { recursive: true, force: true });
    await build({
      entryPoints: {
        cli: join(ROOT, 'host', 'src', 'cli.ts'),
        // The OTLP decode worker, found beside the code that starts it, as in dist/.
        'decode-worker': join(ROOT, 'host', 'src', 'sources', 'otlp', 'decode-worker.ts'),
      },
      outdir: out,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    });
    writeFileSync(
      join(out, 'run.mjs'),
      [
        "import { main } from './cli.js';",
        'const code = await main(process.argv.slice(2), {',
        '  stdout: (s) => process.stdout.write(s),',
        '  stderr: (s) => process.stderr.write(s),',
        '  env: process.env,',
        '});',
        'if (code !== 0) process.exitCode = code;',
        '',
      ].join('\n'),
    );
    return join(out, 'run.mjs');
  })();
  return bundled;
}

export function removeBundles(): void {
  rmSync(join(ROOT, 'build', 'hostile-daemon', `${process.pid}`), { recursive: true, force: true });
}

export interface DaemonProcess {
  child: ChildProcess;
  port: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  kill(): void;
}

/** The uid/gid of `nobody` when this process is root (permissions mean nothing to root), else null. */
export function unprivileged(): { uid: number; gid: number } | null {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : null;
}

/** Runs `claude-gauge <args>` (the bundle) to completion; bounded. */
export async function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; as?: { uid: number; gid: number } | null; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const entry = await daemonBundle();
  const child = spawn(process.execPath, [entry, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
    ...(opts.as ? { uid: opts.as.uid, gid: opts.as.gid } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const code = await within(opts.timeoutMs ?? 30_000, `claude-gauge ${args[0]}`, exited);
    return { code, stdout, stderr };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Starts `claude-gauge serve` (the bundle) on a free loopback port; resolves once it prints its URL. */
export async function serveProcess(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; as?: { uid: number; gid: number } | null } = {},
): Promise<DaemonProcess> {
  const entry = await daemonBundle();
  const child = spawn(
    process.execPath,
    [entry, 'serve', '--port', '0', '--host', '127.0.0.1', '--no-mdns', '--ui', 'none', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
      ...(opts.as ? { uid: opts.as.uid, gid: opts.as.gid } : {}),
    },
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => {
    err = (err + d).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await within(
    20_000,
    'claude-gauge serve startup',
    new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /serving http:\/\/127\.0\.0\.1:(\d+)\/usage/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      void exited.then((code) => reject(new Error(`serve exited early (${code}): ${out}${err}`)));
    }),
  ).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  return {
    child,
    port,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
