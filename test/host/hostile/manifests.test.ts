// Failure 2 of issue 16: thousands of stale manifests must not hide a live session, and whatever the scan
// leaves unread is counted, logged and shown (doctor, /healthz). And the degraded item: a manifest whose
// PID is alive but not Claude Code (pid 1) is not a live session, with or without procStart.

import type { ChildProcess } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UsagePayload } from '../../../contract/usage.js';
import { main } from '../../../host/src/cli.js';
import { resolveSettings } from '../../../host/src/config.js';
import { type Daemon, startDaemon } from '../../../host/src/daemon.js';
import { Faults } from '../../../host/src/faults.js';
import { MAX_MANIFESTS, SessionTracker } from '../../../host/src/sessions.js';
import { tempDir } from '../helpers/fixtures.js';
import { claudeStandIn, raw, within, writeLiveManifest } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let claude: string;
const children: ChildProcess[] = [];
const daemons: Daemon[] = [];

beforeEach(() => {
  tmp = tempDir('cg-hostile-manifests-');
  claude = join(tmp.path, 'claude');
  mkdirSync(join(claude, 'sessions'), { recursive: true });
});

afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  tmp.cleanup();
});

/** PIDs above the kernel's pid_max can never be alive: these manifests are stale for sure. */
function staleManifests(n: number, mtime: Date): void {
  for (let i = 0; i < n; i++) {
    const pid = 4_000_000 + i;
    const file = join(claude, 'sessions', `${pid}.json`);
    writeFileSync(file, JSON.stringify({ pid, sessionId: `crashed-${i}`, cwd: '/x', startedAt: 1 }));
    utimesSync(file, mtime, mtime);
  }
}

async function payload(port: number): Promise<UsagePayload> {
  return JSON.parse((await raw(port, { path: '/usage' })).body) as UsagePayload;
}

describe('failure 2: many manifests hide live sessions, silently', () => {
  it('failure 2: a live session is counted behind 2,500 stale manifests, newer ones included', async () => {
    const cc = await claudeStandIn();
    children.push(cc);
    const { manifest } = writeLiveManifest(claude, cc.pid);
    // The live manifest is the OLDEST file: reading newest first alone would not find it.
    const old = new Date(Date.now() - 86_400_000);
    utimesSync(manifest, old, old);
    staleManifests(MAX_MANIFESTS + 500, new Date());
    const daemon = await within(
      20_000,
      'startDaemon',
      startDaemon(
        resolveSettings({
          flags: { port: 0, ui: 'none', mdns: false, claudeDirs: [claude] },
          env: {},
          home: tmp.path,
          cwd: tmp.path,
        }),
      ),
    );
    daemons.push(daemon);
    const port = Number(new URL(daemon.url).port);
    expect(await payload(port)).toMatchObject({ sessions_active: 1, idle: false });
    const counts = daemon.service.sessionCounts();
    // 2,501 manifests, at most 2,000 read (fewer when the 250 ms budget runs out first on a busy machine).
    expect(counts.skipped).toBeGreaterThanOrEqual(501);
    const health = JSON.parse((await raw(port, { path: '/healthz' })).body);
    expect(health.faults['manifests-skipped']).toMatchObject({ kind: 'limit' });
    expect(health.manifests.skipped).toBe(counts.skipped);
  });

  it('failure 2: IDLE stays dark and doctor warns when the budget leaves manifests unread', async () => {
    const cc = await claudeStandIn();
    children.push(cc);
    writeLiveManifest(claude, cc.pid);
    staleManifests(MAX_MANIFESTS + 10, new Date());
    const out: string[] = [];
    const io = {
      stdout: (s: string) => out.push(s),
      stderr: () => {},
      env: {},
      cwd: tmp.path,
      home: tmp.path,
    };
    expect(await main(['usage', '--json', '--claude-dir', claude, '--ui', 'none'], io)).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ sessions_active: 1, idle: false });
    out.length = 0;
    await main(['doctor', '--claude-dir', claude, '--ui', 'none', '--port', '0'], io);
    const report = out.join('');
    expect(report).toMatch(/1 live session, .*\d+ manifests? not read \(scan budget\)/);
    expect(report).toMatch(/WARN {2}claude dirs: session manifests were left unread by the scan budget/);
    expect(report).not.toContain('all good');
  });

  it('failure 2: the name, count, bytes and time budgets each stop the scan, never before a live session, and say so', async () => {
    const cc = await claudeStandIn();
    children.push(cc);
    writeLiveManifest(claude, cc.pid);
    staleManifests(50, new Date(Date.now() - 60_000));
    const logged: string[] = [];
    for (const budget of [{ manifests: 5 }, { bytes: 400 }, { ms: 0 }, { names: 20 }]) {
      const faults = new Faults({ log: { warn: (_o, msg) => logged.push(msg ?? '') } });
      const t = new SessionTracker({ claudeDirs: [claude], watch: false, faults, budget });
      await t.rescan();
      await t.rescan();
      const c = t.counts();
      expect(c.active, JSON.stringify(budget)).toBe(1);
      expect(c.skipped, JSON.stringify(budget)).toBeGreaterThan(0);
      expect(faults.count('manifests-skipped'), JSON.stringify(budget)).toBe(2);
      await t.stop();
    }
    // Logged once per registry (then rate-limited), not once per scan.
    expect(logged.filter((m) => m.includes('left unread'))).toHaveLength(4);
  });
});

describe('degraded: a live PID that is not Claude Code', () => {
  it('a manifest for pid 1 without procStart is stale (not-claude-code): STALL and the session count stay dark', async () => {
    writeFileSync(
      join(claude, 'sessions', '1.json'),
      JSON.stringify({ pid: 1, sessionId: 'init', cwd: '/', startedAt: Date.now() }),
    );
    const t = new SessionTracker({ claudeDirs: [claude], watch: false });
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 0, stale: 1 });
    expect(t.list()[0]?.reason).toBe('not-claude-code');
    await t.stop();
  });

  it('a claude process younger than the session it is named in is a reused PID', async () => {
    const cc = await claudeStandIn();
    children.push(cc);
    // Written as if the session had started an hour before this process did.
    writeLiveManifest(claude, cc.pid, { procStart: false, startedAt: Date.now() - 3_600_000 });
    const t = new SessionTracker({ claudeDirs: [claude], watch: false });
    await t.rescan();
    expect(t.list()[0]).toMatchObject({ state: 'stale', reason: 'pid-reused' });
    await t.stop();
  });

  it('a Claude Code process without procStart is live', async () => {
    const cc = await claudeStandIn();
    children.push(cc);
    writeLiveManifest(claude, cc.pid, { procStart: false });
    const t = new SessionTracker({ claudeDirs: [claude], watch: false });
    await t.rescan();
    expect(t.counts()).toMatchObject({ active: 1, stale: 0 });
    await t.stop();
  });
});
