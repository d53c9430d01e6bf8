// The HIL serial adapter speaking Improv to the virtual device's serial console (virtual-device --serial):
// the device starts off the network, the adapter finds it with Improv current state and device info, gives
// it Wi-Fi credentials, then this run's daemon URL and token by the vendor RPC, and the HIL scenarios run on
// what it shows, with the real daemon. Everything on loopback.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildVirtualDevice, wasmBytes } from '../firmware/builds.js';
import { ensureDaemonBuilt } from './lib/daemon.js';
import { readFirmwareTiming } from './lib/firmwareConfig.js';
import { runScenario } from './lib/runScenario.js';
import coldBoot from './scenarios/cold-boot.js';
import redlineHot from './scenarios/redline-hot.js';
import { SerialTarget } from './targets/serial.js';
import { TargetUnavailable } from './targets/target.js';
import { openVirtualDevicePort } from './targets/virtualPort.js';

const repoRoot = join(import.meta.dirname, '..', '..');

// Everything the targets build (the daemon, the virtual device, the wasm modules) is built here, where the
// wait may be long, so the tests' own make calls find it fresh.
beforeAll(() => {
  ensureDaemonBuilt(repoRoot);
  buildVirtualDevice();
  wasmBytes();
}, 300_000);

describe('serial target over Improv, on the virtual device', () => {
  it('joins Wi-Fi and stores the daemon settings through Improv, then passes the HIL scenarios', async () => {
    const target = new SerialTarget({
      path: 'virtual',
      provision: 'improv',
      wifi: { ssid: 'hil-lab', password: 'correct horse' },
      repoRoot,
    });
    expect(target.virtual).toBe(true);
    await target.prepare();
    try {
      const timing = readFirmwareTiming(repoRoot);
      const first = await runScenario(coldBoot, [target], { repoRoot, timing });
      expect(first.results.map((r) => [r.target, r.status, r.error ?? ''])).toEqual([
        ['serial', 'passed', ''],
      ]);
      // The device started unjoined: the adapter gave it Wi-Fi, and it answered with the daemon's page.
      expect(target.improvSetup).toMatchObject({
        stateBefore: 'ready',
        firmware: 'claude-gauge',
        joinedWifi: true,
      });
      expect(target.improvSetup?.nextUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const second = await runScenario(redlineHot, [target], { repoRoot, timing });
      expect(second.results.map((r) => [r.target, r.status, r.error ?? ''])).toEqual([
        ['serial', 'passed', ''],
      ]);
      // It kept its network across the restart: no second join.
      expect(target.improvSetup).toMatchObject({ stateBefore: 'provisioned', joinedWifi: false });
      // Improv packets never reached the line parser.
      expect(target.problems()).toEqual([]);
    } finally {
      await target.dispose();
    }
  }, 120_000);

  it('says plainly when the board is off the network and no Wi-Fi was given', async () => {
    // The device knows a network (so it starts off it), the adapter has no credentials for it.
    const unjoined = new SerialTarget({
      path: 'virtual',
      provision: 'improv',
      wifi: null,
      repoRoot,
      openPort: () => openVirtualDevicePort(repoRoot, ['--wifi', 'elsewhere:pw']),
    });
    await unjoined.prepare();
    try {
      await expect(unjoined.start({ usageUrl: 'http://127.0.0.1:9/usage', scenario: 'x' })).rejects.toThrow(
        TargetUnavailable,
      );
      await expect(unjoined.start({ usageUrl: 'http://127.0.0.1:9/usage', scenario: 'x' })).rejects.toThrow(
        /not on Wi-Fi \(Improv state ready\): set HIL_WIFI_SSID/,
      );
    } finally {
      await unjoined.dispose();
    }
  }, 60_000);
});

describe('virtual-device --serial flags', () => {
  // Built before the test: the make lock may be held by another file's firmware build for minutes.
  let device: string;
  beforeAll(() => {
    device = buildVirtualDevice();
  });
  const run = (args: string[]) =>
    new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(device, args, {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
      });
      child.on('exit', (code) => resolve({ code, err }));
    });

  it('refuses --wifi without --serial, a bad --wifi, and --once with --serial', async () => {
    expect(await run(['--url', 'http://127.0.0.1:9/usage', '--wifi', 'a:b'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--wifi needs --serial/),
    });
    expect(await run(['--serial', '--wifi', ':pw'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--wifi needs SSID:PASSWORD/),
    });
    expect(await run(['--serial', '--once'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/drop --once/),
    });
  });
});
