// mDNS is tested without touching the network: the publisher is a fake, and nothing binds a LAN address.

import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../host/src/config.js';
import { startDaemon } from '../../host/src/daemon.js';
import {
  advertise,
  describeService,
  type Publisher,
  type ServiceDescription,
  shouldAdvertise,
} from '../../host/src/mdns.js';

function fakePublisher() {
  const published: ServiceDescription[] = [];
  let destroyed = 0;
  let made = 0;
  const make = async (): Promise<Publisher> => {
    made++;
    return {
      publish: (d) => {
        published.push(d);
      },
      destroy: async () => {
        destroyed++;
      },
    };
  };
  return {
    make,
    published,
    get destroyed() {
      return destroyed;
    },
    get made() {
      return made;
    },
  };
}

describe('mDNS advertisement', () => {
  it('is never started on loopback, or when disabled', async () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) {
      expect(shouldAdvertise(host, true), host).toBe(false);
      const fake = fakePublisher();
      expect(
        await advertise({ host, port: 8787, tokenRequired: false, enabled: true }, fake.make),
      ).toBeNull();
      expect(fake.made).toBe(0);
    }
    const fake = fakePublisher();
    expect(
      await advertise({ host: '0.0.0.0', port: 8787, tokenRequired: false, enabled: false }, fake.make),
    ).toBeNull();
    expect(fake.made).toBe(0);
  });

  it('describes _claude-gauge._tcp with the path and whether a token is needed', () => {
    expect(describeService({ port: 8787, tokenRequired: true, machine: 'desk.local' })).toEqual({
      name: 'claude-gauge on desk',
      type: 'claude-gauge',
      protocol: 'tcp',
      port: 8787,
      txt: { path: '/usage', stream: '/usage/stream', v: '1', auth: 'bearer' },
    });
    expect(describeService({ port: 1, tokenRequired: false }).txt.auth).toBe('none');
  });

  it('publishes on a LAN address and unpublishes once on stop', async () => {
    const fake = fakePublisher();
    const ad = await advertise(
      { host: '0.0.0.0', port: 9999, tokenRequired: true, enabled: true },
      fake.make,
    );
    expect(ad).not.toBeNull();
    expect(fake.published).toHaveLength(1);
    expect(fake.published[0]).toMatchObject({
      type: 'claude-gauge',
      port: 9999,
      txt: { path: '/usage', auth: 'bearer' },
    });
    await ad?.stop();
    await ad?.stop();
    expect(fake.destroyed).toBe(1);
  });

  it('is not started by a daemon on loopback', async () => {
    const fake = fakePublisher();
    const settings = resolveSettings({
      flags: { source: 'demo', port: 0, claudeDirs: ['/nonexistent-claude-dir'], ui: 'none' },
      env: {},
      home: '/nonexistent-home',
      cwd: '/',
    });
    const daemon = await startDaemon(settings, { makePublisher: fake.make });
    try {
      expect(daemon.advertisement).toBeNull();
      expect(fake.made).toBe(0);
    } finally {
      await daemon.stop();
    }
  });
});
