import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { waitFor } from './lib/waitFor.js';
import { type PortLike, SerialTarget } from './targets/serial.js';
import { TargetUnavailable } from './targets/target.js';

const line = (phase: string, lamps = '-', t = 1) =>
  `GAUGE t=${t} phase=${phase} tach=-135.0 fuel=120.0 temp=-120.0 boost=-120.0 lamps=${lamps} rgb=001000 model=- stale=0 over=0 basis=estimate week=-- eta=--`;

/** A board that answers like firmware/platform/esp32/board_only/main.cpp: "# ok <line>", CRLF, chunked output. */
class FakeBoard extends EventEmitter implements PortLike {
  isOpen = true;
  commands: string[] = [];
  url = '';
  refuseUrl = false;
  /** A board that never answers (dead, wrong port, wrong baud rate). */
  mute = false;
  private inbuf = '';

  write(data: string, cb?: (err?: Error | null) => void): boolean {
    this.inbuf += data;
    const parts = this.inbuf.split('\n');
    this.inbuf = parts.pop() ?? '';
    if (!this.mute) for (const cmd of parts) setImmediate(() => this.handle(cmd.trim()));
    cb?.(null);
    return true;
  }
  drain(cb: (err?: Error | null) => void): void {
    cb(null);
  }
  close(cb?: (err?: Error | null) => void): void {
    this.isOpen = false;
    cb?.(null);
  }
  /** Sends text in awkward pieces, as a UART does. */
  out(text: string): void {
    for (let i = 0; i < text.length; i += 7) this.emit('data', Buffer.from(text.slice(i, i + 7), 'latin1'));
  }
  private handle(cmd: string): void {
    this.commands.push(cmd);
    const [verb, arg = ''] = cmd.split(' ');
    switch (verb) {
      case 'reboot':
        this.out('# ok reboot\r\n');
        // ROM boot chatter at another baud rate, a torn state line, then the app's banner and self-test.
        this.out('\xff\x00ets Jun  8 2016\r\nGAUGE t=3 pha\r\n# claude-gauge 0.1.0 board=cyd\r\n');
        this.out(`${line('SELFTEST', 'NOSIG,HOT,WARN,STALL,IDLE')}\r\n`);
        return;
      case 'url':
        if (this.refuseUrl || !arg.startsWith('http://')) {
          this.out('# error url must be http://host[:port]/path\r\n');
          return;
        }
        this.url = arg;
        this.out(`# ok ${cmd}\r\n`);
        return;
      case 'token':
      case 'selftest':
        this.out(`# ok ${cmd}\r\n`);
        if (verb === 'selftest')
          this.out(`${line('SELFTEST', 'NOSIG,HOT,WARN,STALL,IDLE', 5)}\r\n${line('LIVE', 'IDLE', 9)}\r\n`);
        return;
      default:
        this.out(`# error unknown command "${cmd}" (try help)\r\n`);
    }
  }
}

const ctx = { usageUrl: 'http://198.51.100.20:40123/usage', scenario: 'x' };

describe('serial target', () => {
  it('is skipped with a clear message without HIL_PORT or HIL_HOST_IP', async () => {
    await expect(new SerialTarget({ path: '', hostIp: '198.51.100.2' }).prepare()).rejects.toThrow(
      TargetUnavailable,
    );
    await expect(new SerialTarget({ path: '', hostIp: '' }).prepare()).rejects.toThrow(/HIL_PORT/);
    await expect(new SerialTarget({ path: '/dev/ttyUSB0', hostIp: '' }).prepare()).rejects.toThrow(
      /HIL_HOST_IP/,
    );
  });

  it('reboots the board, points it at the proxy, restarts the self-test and reads its state lines', async () => {
    const board = new FakeBoard();
    const target = new SerialTarget({
      path: '/dev/fake',
      hostIp: '198.51.100.2',
      openPort: async () => board,
      bootTimeoutMs: 2000,
    });
    await target.prepare();
    await target.start(ctx);
    expect(board.commands).toEqual(['reboot', `url ${ctx.usageUrl}`, 'token -', 'selftest']);
    expect(board.url).toBe(ctx.usageUrl);
    await waitFor(() => target.state()?.phase === 'LIVE', { timeoutMs: 2000 });
    expect(target.timeline().entries.map((e) => e.state.phase)).toEqual(['SELFTEST', 'LIVE']);
    expect(target.state()?.lamps).toEqual(['IDLE']);
    // Boot noise (the torn line before the reboot finished) is not held against the board.
    expect(target.problems()).toEqual([]);
    await target.stop();
    await waitFor(() => board.commands.at(-1) === 'url -', { timeoutMs: 2000, what: '"url -" at the board' });
    await target.dispose();
    expect(board.isOpen).toBe(false);
  });

  it('fails start() with the board’s own error when it refuses a command', async () => {
    const board = new FakeBoard();
    board.refuseUrl = true;
    const target = new SerialTarget({
      path: '/dev/fake',
      hostIp: '198.51.100.2',
      openPort: async () => board,
      bootTimeoutMs: 2000,
    });
    await target.prepare();
    await expect(target.start(ctx)).rejects.toThrow(
      /board refused "url http:\/\/198\.51\.100\.20:40123\/usage": # error url must be/,
    );
    await target.dispose();
  });

  it('reports a board that never reboots into its self-test', async () => {
    const board = new FakeBoard();
    board.mute = true;
    const target = new SerialTarget({
      path: '/dev/fake',
      hostIp: '198.51.100.2',
      openPort: async () => board,
      bootTimeoutMs: 100,
    });
    await target.prepare();
    await expect(target.start(ctx)).rejects.toThrow(/timed out after 100 ms waiting for the board to reboot/);
    await target.dispose();
  });
});
