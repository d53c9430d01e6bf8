// The virtual device as a serial port: `virtual-device --serial` reads the port's input on stdin and writes
// the port's output (state lines, "# " lines, Improv packets) on stdout, so the serial adapter drives it with
// the exact bytes it would send a board. HIL_PORT=virtual selects it (docs/hil.md).
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { make } from '../../firmware/builds.js';
import type { PortLike } from './serial.js';
import { TargetUnavailable } from './target.js';

export const virtualPortName = 'virtual';

class VirtualDevicePort extends EventEmitter implements PortLike {
  constructor(private readonly child: ChildProcess) {
    super();
    child.stdout?.on('data', (chunk: Buffer) => this.emit('data', chunk));
    child.stderr?.on('data', () => {}); // startup errors only; the port's output is stdout
    child.once('exit', (code, signal) => {
      if (this.isOpen)
        this.emit('error', new Error(`virtual device exited (code ${code}, signal ${signal})`));
      this.emit('close');
    });
  }

  get isOpen(): boolean {
    return (
      this.child.exitCode === null && this.child.signalCode === null && this.child.stdin?.writable === true
    );
  }

  write(data: string | Uint8Array, cb?: (err?: Error | null) => void): boolean {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    return this.child.stdin?.write(bytes, (err) => cb?.(err ?? null)) ?? false;
  }

  drain(cb: (err?: Error | null) => void): void {
    const stdin = this.child.stdin;
    if (stdin?.writableNeedDrain) stdin.once('drain', () => cb(null));
    else cb(null);
  }

  close(cb?: (err?: Error | null) => void): void {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) {
      cb?.(null);
      return;
    }
    // End of stdin is the port closing: the device exits 0 by itself; SIGTERM if it does not.
    const kill = setTimeout(() => child.kill('SIGTERM'), 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      cb?.(null);
    });
    child.stdin?.end();
  }
}

/**
 * Builds the virtual device (make is incremental) and opens it as a port. `extraArgs` go to the device,
 * e.g. ['--wifi', 'hil-lab:secret'] so it starts off the network and joins through Improv.
 */
export async function openVirtualDevicePort(
  repoRoot: string,
  extraArgs: readonly string[],
): Promise<PortLike> {
  const binary = join(repoRoot, 'firmware', 'build', 'native', 'virtual-device');
  try {
    make('virtual-device', repoRoot);
  } catch (err) {
    throw new TargetUnavailable(`make -C firmware virtual-device failed: ${String(err).slice(-500)}`);
  }
  if (!existsSync(binary)) throw new TargetUnavailable(`make -C firmware virtual-device made no ${binary}`);
  const child = spawn(binary, ['--serial', ...extraArgs], { stdio: ['pipe', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  return new VirtualDevicePort(child);
}
