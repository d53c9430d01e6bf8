// The real daemon as a child process (`node bin/claude-gauge.mjs serve ...`), started, killed and restarted
// by scenarios. It binds loopback on a fixed port for the whole scenario so a restart comes back at the same
// address, as it would on a desk.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './waitFor.js';

export interface DaemonSettings {
  /** Tokens/min at which HOT trips. */
  redline?: number;
  /** Tokens per 5 h block (100 %). */
  ceiling?: number;
  /** STALL after this many minutes without a response (fractions allowed: 0.05 = 3 s). */
  stallMinutes?: number;
  warnFraction?: number;
  /** Extra CLI arguments, verbatim. */
  args?: string[];
}

export interface DaemonOptions extends DaemonSettings {
  repoRoot: string;
  claudeDir: string;
  /** Address to bind: loopback unless the serial target needs the LAN (see docs/hil.md). */
  host?: string;
  port?: number;
  token?: string;
}

/** A free TCP port on the host (there is a small race until the daemon binds it; fine on loopback). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export class Daemon {
  private child: ChildProcess | null = null;
  private logTail: string[] = [];
  private exitInfo = '';
  port = 0;
  starts = 0;

  constructor(readonly options: DaemonOptions) {}

  get url(): string {
    const h = this.options.host ?? '127.0.0.1';
    const host = h === '0.0.0.0' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h;
    return `http://${host}:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the daemon logged, for failure reports. */
  log(): string {
    return [...this.logTail, this.exitInfo].filter(Boolean).join('\n');
  }

  args(): string[] {
    const o = this.options;
    const a = [
      'serve',
      '--port',
      String(this.port),
      '--host',
      o.host ?? '127.0.0.1',
      '--claude-dir',
      o.claudeDir,
      '--source',
      'jsonl',
      '--no-mdns',
      '--log-level',
      'warn',
    ];
    if (o.redline !== undefined) a.push('--redline', String(o.redline));
    if (o.ceiling !== undefined) a.push('--ceiling', String(o.ceiling));
    if (o.stallMinutes !== undefined) a.push('--stall-minutes', String(o.stallMinutes));
    if (o.warnFraction !== undefined) a.push('--warn-fraction', String(o.warnFraction));
    if (o.token) a.push('--token', o.token);
    a.push(...(o.args ?? []));
    return a;
  }

  /** Starts the daemon and resolves once GET /usage answers 200. */
  async start(timeoutMs = 15_000): Promise<void> {
    if (this.running) return;
    const bin = join(this.options.repoRoot, 'bin', 'claude-gauge.mjs');
    if (!existsSync(bin)) throw new Error(`daemon entry point ${bin} is missing`);
    if (this.port === 0) this.port = this.options.port ?? (await freePort());
    this.exitInfo = '';
    const child = spawn(process.execPath, [bin, ...this.args()], {
      cwd: this.options.repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Nothing from the developer's own environment may leak in (their claude dir, port, token).
      env: { PATH: process.env.PATH ?? '', HOME: this.options.claudeDir, NODE_ENV: 'test' },
    });
    this.child = child;
    this.starts++;
    const keep = (d: Buffer) => {
      for (const line of d.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        this.logTail.push(line.length > 300 ? `${line.slice(0, 300)}…` : line);
        if (this.logTail.length > 40) this.logTail.shift();
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', (code, signal) => {
      this.exitInfo = `daemon exited (code ${code}, signal ${signal})`;
    });
    const headers: Record<string, string> = this.options.token
      ? { Authorization: `Bearer ${this.options.token}` }
      : {};
    await waitFor(
      async () => {
        if (!this.running) throw new Error(this.exitInfo || 'daemon exited');
        const res = await fetch(`${this.url}/usage`, { headers, signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        return res.status === 200;
      },
      { timeoutMs, intervalMs: 100, what: 'the daemon to answer GET /usage', describe: () => this.log() },
    );
  }

  /** Hard kill (the "daemon crashed" case): no goodbye, sockets just drop. */
  async kill(): Promise<void> {
    await this.stopWith('SIGKILL');
  }

  /** Graceful stop. */
  async stop(): Promise<void> {
    await this.stopWith('SIGTERM');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /**
   * Runs `claude-gauge statusline` as Claude Code does: the status JSON on stdin, the daemon found by
   * `--url` (and `--token`). Resolves with what it printed; rejects when it does not exit 0.
   */
  statusline(statusJson: string): Promise<string> {
    return this.cli('statusline', statusJson);
  }

  /** Runs `claude-gauge hook` as Claude Code does: one hook event's JSON on stdin. */
  hook(hookJson: string): Promise<string> {
    return this.cli('hook', hookJson);
  }

  /**
   * One of the commands Claude Code runs, against this daemon. The timeout is wider than the commands'
   * default (300 ms, made for an idle desk) because this machine may be busy: the command's own speed is
   * not what a scenario tests.
   */
  private cli(command: 'statusline' | 'hook', stdin: string): Promise<string> {
    const bin = join(this.options.repoRoot, 'bin', 'claude-gauge.mjs');
    const args = [bin, command, '--url', this.url, '--timeout-ms', '5000'];
    if (this.options.token) args.push('--token', this.options.token);
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        cwd: this.options.repoRoot,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '', HOME: this.options.claudeDir, NODE_ENV: 'test' },
      });
      let out = '';
      let err = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString('utf8');
      });
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString('utf8');
      });
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('error', (e) => {
        clearTimeout(killer);
        reject(e);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(killer);
        if (code === 0) resolve(out);
        else
          reject(
            new Error(
              `claude-gauge ${command} exited (code ${code}, signal ${signal}): ${err.slice(0, 300)}`,
            ),
          );
      });
      child.stdin?.end(stdin);
    });
  }

  /** The payload the daemon serves right now (bypassing the fault proxy), for scenario bookkeeping. */
  async payload(): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = this.options.token
      ? { Authorization: `Bearer ${this.options.token}` }
      : {};
    const res = await fetch(`${this.url}/usage`, { headers, signal: AbortSignal.timeout(2000) });
    if (res.status !== 200) throw new Error(`GET /usage answered ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  }

  private async stopWith(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const escalate = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(escalate);
  }
}

/** The daemon runs from dist/: build it when missing or older than its sources (as scripts/bootstrap.sh). */
export function ensureDaemonBuilt(repoRoot: string): void {
  if (!existsSync(join(repoRoot, 'tsconfig.build.json'))) return;
  const stamp = join(repoRoot, 'dist', '.built');
  const newest = (dir: string): number => {
    let t = 0;
    if (!existsSync(dir)) return t;
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (!e.isFile() || !/\.(ts|json)$/.test(e.name)) continue;
      t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
    }
    return t;
  };
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  if (built > Math.max(newest(join(repoRoot, 'host')), newest(join(repoRoot, 'contract')))) return;
  console.log('hil: compiling the daemon (tsc -p tsconfig.build.json)');
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('the daemon does not compile (see above)');
  mkdirSync(join(repoRoot, 'dist'), { recursive: true });
  writeFileSync(stamp, '');
}
