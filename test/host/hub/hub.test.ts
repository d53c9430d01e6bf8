// One dash for every machine (docs/hub.md): a hub and two satellites on loopback, each with its own
// generated history and one holding a copy of another's transcripts (a synced ~/.claude). The hub's
// numbers are checked against ccusage 20.0.24 run on the union of the transcripts, and against this
// daemon's own jsonl engine reading all three claude dirs at once (the truth for rate_1m, cache, model).
// Faults: the hub away while satellites append, a satellite restarted while the hub is away (its spool),
// a satellite gone silent, the same delivery three times, a forged delivery without the token.

import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../../host/src/config.js';
import { type Daemon, startDaemon } from '../../../host/src/daemon.js';
import { formatChecks, runDoctor } from '../../../host/src/doctor.js';
import { encodeDelivery, type ForwardRecord } from '../../../host/src/hub/record.js';
import { countHistory } from '../../../host/src/sources/jsonl/source.js';
import { tempDir } from '../helpers/fixtures.js';
import { ccusageBinary, ccusageBlocks } from '../sources/jsonl/ccusage.js';
import { appendResponse, HOUR, http, postLogs, until, usage, writeMachine } from './helpers.js';

const TOKEN = 'hub-test-token-1';
let tmp: ReturnType<typeof tempDir>;
const running: Daemon[] = [];

beforeAll(() => {
  tmp = tempDir('cg-hub-');
});
afterEach(async () => {
  await Promise.allSettled(running.splice(0).map((d) => d.stop()));
});
afterAll(() => tmp.cleanup());

function settingsFor(name: string, flags: Record<string, unknown>) {
  return resolveSettings({
    flags: {
      port: 0,
      ui: 'none',
      mdns: false,
      logLevel: 'silent',
      stateDir: join(tmp.path, name, 'state'),
      ...flags,
    },
    env: {},
    home: join(tmp.path, name, 'home'),
    cwd: tmp.path,
  });
}

async function start(name: string, flags: Record<string, unknown>): Promise<Daemon> {
  const d = await startDaemon(settingsFor(name, flags));
  running.push(d);
  return d;
}

async function stop(d: Daemon): Promise<void> {
  running.splice(running.indexOf(d), 1);
  await d.stop();
}

const portOf = (d: Daemon) => Number(new URL(d.url).port);

/** Three machines' claude dirs under `root`: a (the hub's), b, and c (its own history and a copy of a's). */
function machines(root: string, nowMs: number, recent = 0) {
  const a = join(root, 'a');
  const b = join(root, 'b');
  const c = join(root, 'c');
  // a works in the morning, b later: the union's blocks are neither machine's own.
  const fa = writeMachine(a, { seed: 11, fromMs: nowMs - 7 * HOUR, toMs: nowMs - 2 * HOUR, recent });
  const fb = writeMachine(b, { seed: 22, fromMs: nowMs - 4 * HOUR, toMs: nowMs, recent });
  const fc = writeMachine(c, { seed: 33, fromMs: nowMs - 3 * HOUR, toMs: nowMs, recent }, a);
  return { a, b, c, fa, fb, fc };
}

async function ccusageActive(dirs: string[]): Promise<number> {
  const blocks = await ccusageBlocks(dirs.join(','), ['--active']);
  const active = blocks.filter((x) => x.isActive && !x.isGap);
  expect(active.length, 'ccusage finds one active block on the union').toBe(1);
  return active[0]?.totalTokens ?? 0;
}

describe.skipIf(ccusageBinary() === null)('hub and satellites on loopback', () => {
  it('counts the union: the 5 h block equals ccusage blocks --active on the union, rate_1m the truth', async () => {
    // One fixed instant for all three daemons (and the truth): the numbers cannot move under the test.
    const now = Math.floor(Date.now() / 1000) * 1000 - 1500;
    const m = machines(join(tmp.path, 'union'), now, 6);
    const hub = await start('union-hub', { claudeDirs: [m.a], acceptForward: true, machine: 'desk', now });
    const hubUrl = `http://127.0.0.1:${portOf(hub)}`;
    await start('union-b', { claudeDirs: [m.b], forwardTo: hubUrl, machine: 'laptop', now });
    await start('union-c', { claudeDirs: [m.c], forwardTo: hubUrl, machine: 'devbox', now });

    const truth = (await countHistory([m.a, m.b, m.c], now)).snapshot;
    const expected = await ccusageActive([m.a, m.b, m.c]);
    expect(truth.window5hTokens, 'the jsonl engine on the union agrees with ccusage').toBe(expected);
    // The union is not any machine's own block, nor their sum (c holds a copy of a).
    const own = await Promise.all([m.a, m.b, m.c].map(async (d) => (await countHistory([d], now)).snapshot));
    for (const s of own) expect(s.window5hTokens).not.toBe(expected);
    expect(own.reduce((x, s) => x + s.window5hTokens, 0)).not.toBe(expected);

    const p = await until(
      () => usage(portOf(hub)),
      (u) => u.window_5h_tokens === expected && u.machines === 3,
      30_000,
      'the hub shows the union',
    );
    expect(truth.rate1m).toBeGreaterThan(0);
    expect(p.rate_1m).toBe(truth.rate1m);
    expect(p.window_5h_reset_in_s).toBe(truth.window5hResetInS);
    expect(p.cache_hit_rate).toBeCloseTo(truth.cacheHitRate, 12);
    expect(p.last_model).toBe(truth.lastModel);
    expect(p.machines).toBe(3);
  });

  it('loses nothing and counts nothing twice when the hub is away while satellites append', async () => {
    const now = Date.now();
    const m = machines(join(tmp.path, 'restart'), now);
    const hubFlags = { claudeDirs: [m.a], acceptForward: true, machine: 'desk', token: TOKEN };
    let hub = await start('restart-hub', hubFlags);
    const port = portOf(hub);
    const hubUrl = `http://127.0.0.1:${port}`;
    const b = await start('restart-b', {
      claudeDirs: [m.b],
      forwardTo: hubUrl,
      token: TOKEN,
      machine: 'laptop',
    });
    const c = await start('restart-c', {
      claudeDirs: [m.c],
      forwardTo: hubUrl,
      token: TOKEN,
      machine: 'devbox',
    });
    const dirs = [m.a, m.b, m.c];
    const union = await ccusageActive(dirs);
    await until(
      () => usage(port, TOKEN),
      (u) => u.window_5h_tokens === union,
      30_000,
      'the union before the outage',
    );

    await stop(hub);
    // While the hub is away: satellites append, keep serving their own /usage, and keep what they could not send.
    const before = (await usage(portOf(b), TOKEN)).window_5h_tokens;
    let added = 0;
    for (let i = 0; i < 5; i++) {
      added += appendResponse(m.fb, Date.now());
      appendResponse(m.fc, Date.now());
      await new Promise((r) => setTimeout(r, 300));
    }
    await until(
      () => usage(portOf(b), TOKEN),
      (u) => u.window_5h_tokens === before + added,
      15_000,
      'satellite b serves its own usage while the hub is away',
    );
    await until(
      async () => JSON.parse((await http(portOf(c), { path: '/healthz' })).body).forward,
      (f) => f.state === 'failing' && f.queued > 0,
      15_000,
      'satellite c knows the hub is away and holds what it could not send',
    );

    hub = await start('restart-hub', { ...hubFlags, port });
    const expected = await ccusageActive(dirs);
    const p = await until(
      () => usage(port, TOKEN),
      (u) => u.window_5h_tokens === expected && u.machines === 3,
      45_000,
      'the restarted hub shows the union again, appends included',
    );
    // Nothing twice: once every resync and retry has arrived, the number stays ccusage's.
    for (const s of [b, c])
      await until(
        async () => JSON.parse((await http(portOf(s), { path: '/healthz' })).body).forward,
        (f) => f.state === 'ok' && f.queued === 0 && f.spooled === 0,
        20_000,
        'satellites delivered everything',
      );
    expect((await usage(port, TOKEN)).window_5h_tokens).toBe(expected);
    expect(p.window_5h_tokens).toBe(expected);
  });

  it('a satellite restarted while the hub is away delivers what it spooled', async () => {
    const now = Date.now();
    const m = machines(join(tmp.path, 'spool'), now);
    const hubFlags = { claudeDirs: [m.a], acceptForward: true, machine: 'desk' };
    let hub = await start('spool-hub', hubFlags);
    const port = portOf(hub);
    const bFlags = { claudeDirs: [m.b], forwardTo: `http://127.0.0.1:${port}`, machine: 'laptop' };
    let b = await start('spool-b', bFlags);
    await until(
      () => usage(port),
      (u) => u.machines === 2,
      30_000,
      'b heard',
    );
    await stop(hub);
    for (let i = 0; i < 3; i++) appendResponse(m.fb, Date.now());
    await until(
      async () => JSON.parse((await http(portOf(b), { path: '/healthz' })).body).forward,
      (f) => f.state === 'failing' && f.queued >= 3,
      15_000,
      'b holds the appends',
    );
    await stop(b);
    const spoolRoot = join(tmp.path, 'spool-b', 'state', 'forward');
    const spooled = readdirSync(spoolRoot).flatMap((d) => readdirSync(join(spoolRoot, d)));
    expect(spooled.length, 'the stopped satellite kept its unsent records on disk').toBeGreaterThan(0);
    b = await start('spool-b', bFlags);
    hub = await start('spool-hub', { ...hubFlags, port });
    const expected = await ccusageActive([m.a, m.b]);
    await until(
      () => usage(port),
      (u) => u.window_5h_tokens === expected,
      45_000,
      'the union after both restarts',
    );
    await until(
      async () => JSON.parse((await http(portOf(b), { path: '/healthz' })).body).forward,
      (f) => f.state === 'ok' && f.spooled === 0,
      20_000,
      'the spool is delivered and emptied',
    );
    expect(readdirSync(spoolRoot).flatMap((d) => readdirSync(join(spoolRoot, d)))).toEqual([]);
    expect((await usage(port)).window_5h_tokens).toBe(expected);
  });

  it('drops a silent satellite from machines after the timeout, and says so in /metrics and doctor', async () => {
    const now = Date.now();
    const m = machines(join(tmp.path, 'silent'), now);
    const hubFlags = { claudeDirs: [m.a], acceptForward: true, machine: 'desk', machineTimeoutSeconds: 3 };
    const hub = await start('silent-hub', hubFlags);
    const port = portOf(hub);
    const hubUrl = `http://127.0.0.1:${port}`;
    await start('silent-b', { claudeDirs: [m.b], forwardTo: hubUrl, machine: 'laptop' });
    const c = await start('silent-c', { claudeDirs: [m.c], forwardTo: hubUrl, machine: 'devbox' });
    await until(
      () => usage(port),
      (u) => u.machines === 3,
      30_000,
      'three machines',
    );
    await stop(c);
    await until(
      () => usage(port),
      (u) => u.machines === 2,
      30_000,
      'devbox drops out',
    );
    const metrics = (await http(port, { path: '/metrics' })).body;
    expect(metrics).toMatch(/^claude_gauge_machine_live\{machine="devbox"\} 0$/m);
    expect(metrics).toMatch(/^claude_gauge_machine_live\{machine="laptop"\} 1$/m);
    expect(metrics).toMatch(/^claude_gauge_machine_last_seen_seconds\{machine="devbox"\} \d/m);
    expect(metrics).toMatch(/^claude_gauge_machines 2$/m);
    const doctor = formatChecks(await runDoctor(settingsFor('silent-hub', { ...hubFlags, port })));
    expect(doctor).toMatch(/machine devbox: silent for \d+ s/);
    expect(doctor).toMatch(/machine laptop: heard \d+ s ago/);
  });

  it('takes a replayed delivery (three times) once, and refuses a forged one without the token', async () => {
    // A fixed instant: the payloads compared below must not move with the clock (rate_1m, reset_in_s).
    const now = Math.floor(Date.now() / 1000) * 1000 - 1500;
    const m = machines(join(tmp.path, 'replay'), now);
    const hub = await start('replay-hub', { claudeDirs: [m.a], acceptForward: true, token: TOKEN, now });
    const port = portOf(hub);
    const base = await until(
      () => usage(port, TOKEN),
      (u) => !u.stale,
      30_000,
      'hub ready',
    );
    const records: ForwardRecord[] = Array.from({ length: 40 }, (_, i) => ({
      id: (i + 1).toString(16).padStart(32, '0'),
      ts: now - 60_000 + i * 1000,
      model: 'claude-opus-4-6',
      input: 10,
      output: 90,
      cacheRead: 0,
      cacheCreation: 0,
      thinking: 0,
      sidechain: false,
    }));
    const delivery = encodeDelivery(
      records,
      { name: 'visitor', id: '0123abcd' },
      { sessionsActive: 2, sessionsWorking: 1 },
      now,
    );

    const forged = await postLogs(port, delivery);
    expect(forged.status).toBe(401);
    expect((await postLogs(port, delivery, 'wrong-token-xyz')).status).toBe(401);
    const unchanged = await usage(port, TOKEN);
    expect(unchanged.window_5h_tokens).toBe(base.window_5h_tokens);
    expect(unchanged.machines).toBe(1);

    const first = await postLogs(port, delivery, TOKEN);
    expect(first.status).toBe(200);
    expect(first.headers['x-claude-gauge-accepted']).toBe('40');
    const after = await usage(port, TOKEN);
    expect(after.window_5h_tokens).toBe(base.window_5h_tokens + 40 * 100);
    expect(after.machines).toBe(2);
    expect(base.sessions_active).toBe(0);
    expect(after.sessions_active).toBe(2);
    for (let i = 0; i < 2; i++) {
      const again = await postLogs(port, delivery, TOKEN);
      expect(again.status).toBe(200);
      expect(again.headers['x-claude-gauge-accepted']).toBe('0');
      expect(again.headers['x-claude-gauge-duplicates']).toBe('40');
    }
    const { ts: _a, ...afterContent } = after;
    const { ts: _b, ...finalContent } = await usage(port, TOKEN);
    expect(finalContent).toEqual(afterContent);
  });

  it("takes Claude Code's own api_request events (named by host.name) through the same path", async () => {
    const m = machines(join(tmp.path, 'cc'), Date.now());
    const hub = await start('cc-hub', { claudeDirs: [m.a], acceptForward: true });
    const port = portOf(hub);
    const base = await until(
      () => usage(port),
      (u) => !u.stale,
      30_000,
      'hub ready',
    );
    const at = new Date(Date.now() - 30_000).toISOString();
    const event = (seq: number, input: number) => ({
      timeUnixNano: '0',
      body: { stringValue: 'claude_code.api_request' },
      attributes: [
        { key: 'event.name', value: { stringValue: 'api_request' } },
        { key: 'event.timestamp', value: { stringValue: at } },
        { key: 'event.sequence', value: { intValue: seq } },
        { key: 'session.id', value: { stringValue: 's-1' } },
        { key: 'model', value: { stringValue: 'claude-opus-4-6' } },
        { key: 'input_tokens', value: { stringValue: String(input) } },
        { key: 'output_tokens', value: { stringValue: '100' } },
        { key: 'cache_read_tokens', value: { stringValue: '0' } },
        { key: 'cache_creation_tokens', value: { stringValue: '0' } },
      ],
    });
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'host.name', value: { stringValue: 'tablet' } }] },
          scopeLogs: [{ logRecords: [event(1, 500), event(2, 700)] }],
        },
      ],
    };
    expect((await postLogs(port, body)).status).toBe(200);
    expect((await postLogs(port, body)).headers['x-claude-gauge-duplicates']).toBe('2');
    const p = await usage(port);
    expect(p.window_5h_tokens).toBe(base.window_5h_tokens + 600 + 800);
    expect(p.machines).toBe(2);
  });
});

describe.skipIf(ccusageBinary() === null)('hub behind a relay (what an OpenTelemetry Collector does)', () => {
  it('counts the same when deliveries are re-encoded on the way and the hub’s answer headers never arrive', async () => {
    const now = Date.now();
    const m = machines(join(tmp.path, 'relay'), now);
    const hub = await start('relay-hub', { claudeDirs: [m.a], acceptForward: true, token: TOKEN });
    const hubPort = portOf(hub);
    // The relay: takes OTLP/HTTP JSON (gzip), re-serialises each ResourceLogs on its own (a collector
    // regroups and re-encodes: int64 as strings), posts to the hub with its own token, answers 200 with
    // none of the hub's headers.
    let relayed = 0;
    const relay = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const body = JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8')) as {
          resourceLogs: unknown[];
        };
        const re = JSON.parse(JSON.stringify(body), (k, v) => (k === 'intValue' ? String(v) : v));
        const answer = await postLogs(hubPort, re, TOKEN);
        relayed++;
        res.writeHead(answer.status === 200 ? 200 : 503, { 'Content-Type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const relayPort = (relay.address() as AddressInfo).port;
    try {
      const b = await start('relay-b', { claudeDirs: [m.b], forwardTo: `http://127.0.0.1:${relayPort}` });
      const expected = await ccusageActive([m.a, m.b]);
      await until(
        () => usage(hubPort, TOKEN),
        (u) => u.window_5h_tokens === expected && u.machines === 2,
        30_000,
        'union through the relay',
      );
      expect(relayed).toBeGreaterThan(0);
      const f = JSON.parse((await http(portOf(b), { path: '/healthz' })).body).forward;
      expect(f.state).toBe('ok');
    } finally {
      relay.closeAllConnections();
      await new Promise((r) => relay.close(r));
    }
  });
});

describe('hub settings', () => {
  it('refuses --accept-forward off loopback without a token', () => {
    expect(() => settingsFor('cfg', { acceptForward: true, host: '0.0.0.0' })).toThrow(
      /--accept-forward on 0\.0\.0\.0 needs --token/,
    );
    expect(settingsFor('cfg', { acceptForward: true, host: '0.0.0.0', token: TOKEN }).acceptForward).toBe(
      true,
    );
    expect(() => settingsFor('cfg', { acceptForward: true, forwardTo: 'http://127.0.0.1:1' })).toThrow(
      /satellite or a hub/,
    );
    expect(() => settingsFor('cfg', { forwardTo: 'ftp://x' })).toThrow(/--forward-to: expected an http/);
    expect(() => settingsFor('cfg', { forwardTo: 'http://127.0.0.1:1', source: 'demo' })).toThrow(
      /needs --source jsonl/,
    );
  });

  it('keeps state under $XDG_STATE_HOME/claude-gauge, else ~/.local/state/claude-gauge, unless told', () => {
    const home = join(tmp.path, 'h');
    const at = (env: NodeJS.ProcessEnv, flags: Record<string, unknown> = {}) =>
      resolveSettings({ flags, env, home, cwd: tmp.path }).stateDir;
    expect(at({})).toBe(join(home, '.local', 'state', 'claude-gauge'));
    expect(at({ XDG_STATE_HOME: '/var/x' })).toBe('/var/x/claude-gauge');
    expect(at({ CLAUDE_GAUGE_STATE_DIR: 'rel' })).toBe(join(tmp.path, 'rel'));
    expect(at({}, { stateDir: '~/s' })).toBe(join(home, 's'));
  });

  it('names the machine after the host unless told, and refuses names the hub could not show', () => {
    const s = resolveSettings({ flags: {}, env: {}, home: tmp.path, cwd: tmp.path });
    expect(s.machine).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
    expect(
      resolveSettings({ flags: {}, env: { CLAUDE_GAUGE_MACHINE: 'laptop-2' }, home: tmp.path, cwd: tmp.path })
        .machine,
    ).toBe('laptop-2');
    expect(() =>
      resolveSettings({
        flags: {},
        env: { CLAUDE_GAUGE_MACHINE: 'my laptop' },
        home: tmp.path,
        cwd: tmp.path,
      }),
    ).toThrow(/CLAUDE_GAUGE_MACHINE: must be 1 to 64 of/);
  });
});
