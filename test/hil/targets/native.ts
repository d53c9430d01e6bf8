// The host-built virtual device: the same core and poll state machine as the ESP32, with libcurl as its
// HTTP client, printing state lines on stdout.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LineSplitter } from '../lib/stateLine.js';
import { LineTarget, type StartContext, TargetUnavailable } from './target.js';

export class NativeTarget extends LineTarget {
  readonly name = 'native' as const;
  private child: ChildProcess | null = null;
  private readonly binary: string;
  private stderrTail: string[] = [];

  constructor(private readonly repoRoot: string) {
    super();
    this.binary = join(repoRoot, 'firmware', 'build', 'native', 'virtual-device');
  }

  async prepare(): Promise<void> {
    if (!existsSync(join(this.repoRoot, 'firmware', 'Makefile')))
      throw new TargetUnavailable('firmware/Makefile is missing: the virtual device cannot be built');
    // make is incremental: a no-op when the binary is current.
    const r = spawnSync('make', ['-s', '-C', 'firmware', 'virtual-device'], {
      cwd: this.repoRoot,
      encoding: 'utf8',
    });
    if (r.status !== 0 || !existsSync(this.binary))
      throw new Error(
        `make -C firmware virtual-device failed:\n${(r.stderr || r.stdout || '').slice(-2000)}`,
      );
  }

  async start(ctx: StartContext): Promise<void> {
    await this.stop();
    this.resetObservations();
    this.stderrTail = [];
    const args = ['--url', ctx.usageUrl];
    if (ctx.token) args.push('--token', ctx.token);
    const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const out = new LineSplitter();
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      for (const line of out.push(d)) this.feedLine(line);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      for (const line of d.split('\n')) {
        if (!line.trim()) continue;
        this.stderrTail.push(line.slice(0, 300));
        if (this.stderrTail.length > 20) this.stderrTail.shift();
      }
    });
    child.once('exit', (code, signal) => {
      if (this.child === child) this.problem(`virtual device exited (code ${code}, signal ${signal})`);
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const escalate = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(escalate);
  }

  async dispose(): Promise<void> {
    await this.stop();
  }

  override describe(): string {
    const base = super.describe();
    return this.stderrTail.length ? `${base}; stderr: ${this.stderrTail.slice(-3).join(' | ')}` : base;
  }
}
