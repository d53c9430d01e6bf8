// Starts Debian's real `prometheus` binary on a free loopback port over a TSDB backfilled with
// `promtool tsdb create-blocks-from openmetrics`, for tests that want exact answers without waiting
// for scrapes. Nothing here talks to anything but 127.0.0.1.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../../helpers/fixtures.js';

export function haveBinary(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface RealPrometheus {
  url: string;
  stop(): Promise<void>;
}

/** Backfills `openMetrics` (must end with `# EOF`) and starts Prometheus on it; resolves when ready. */
export async function startBackfilledPrometheus(openMetrics: string): Promise<RealPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'gauge-prom-'));
  const data = join(dir, 'data');
  writeFileSync(join(dir, 'input.om'), openMetrics);
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\nscrape_configs: []\n');
  const backfill = spawnSync(
    'promtool',
    ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'input.om'), data],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  if (backfill.status !== 0)
    throw new Error(`promtool backfill failed: ${backfill.stderr || backfill.stdout}`);

  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${data}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  proc.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  // Bounded wait for readiness (not a timing assertion: it only gives up).
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) break;
    try {
      const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(500) });
      if (r.ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`prometheus did not become ready: ${log}`);
}
