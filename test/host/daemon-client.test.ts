// Where the statusline and hook commands look for the daemon: where it listens by default (config.ts
// takes its defaults from here), and a wildcard bind reached on loopback.
import { describe, expect, it } from 'vitest';
import { DEFAULTS, resolveSettings } from '../../host/src/config.js';
import { DAEMON_FLAGS_HELP, daemonBaseUrl, daemonEndpoint } from '../../host/src/daemon-client.js';

describe('daemonEndpoint', () => {
  it('looks where the daemon listens by default, and says so in --help', () => {
    const served = resolveSettings({ flags: {}, env: {}, home: '/nonexistent', cwd: '/' });
    expect(daemonEndpoint({}, {}).baseUrl).toBe(`http://${served.host}:${served.port}`);
    expect(DAEMON_FLAGS_HELP).toContain(`[${DEFAULTS.host}]`);
    expect(DAEMON_FLAGS_HELP).toContain(`[${DEFAULTS.port}]`);
  });

  it('takes --url, else --host/--port, else CLAUDE_GAUGE_HOST/PORT', () => {
    expect(daemonEndpoint({ url: 'http://gauge.local:9' }, {}).baseUrl).toBe('http://gauge.local:9');
    expect(daemonEndpoint({ host: '::1', port: '9000' }, {}).baseUrl).toBe('http://[::1]:9000');
    expect(daemonEndpoint({}, { CLAUDE_GAUGE_HOST: '10.0.0.2', CLAUDE_GAUGE_PORT: '1' }).baseUrl).toBe(
      'http://10.0.0.2:1',
    );
  });

  it('reaches a daemon bound to every interface on loopback', () => {
    expect(daemonBaseUrl('0.0.0.0', 8787)).toBe('http://127.0.0.1:8787');
    expect(daemonBaseUrl('::', 8787)).toBe('http://[::1]:8787');
  });
});
