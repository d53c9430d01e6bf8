// Wires settings → source + session tracker → service → HTTP server (+ mDNS), and tears it all down on
// SIGINT/SIGTERM. `usage` reuses openService() without the server, so the server (Fastify, prom-client,
// pino: ~130 ms of module loading) is imported only by startDaemon().

import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { isLoopbackHost, type Settings } from './config.js';
import { Faults } from './faults.js';
import { AttentionStore } from './hooks/attention.js';
import { HUB_HISTORY_MS, machineIdOf } from './hub/record.js';
import type { Satellite } from './hub/satellite.js';
import { lanAddress } from './lan.js';
import { DeferredLog, flushDeferred, type LineStream, type Log, silentLog } from './log.js';
import { type Advertisement, advertise, bonjourPublisher, type Publisher } from './mdns.js';
import { UsageService } from './service.js';
import { SessionTracker } from './sessions.js';
import { createSource, hasTranscripts, type SourceContext } from './sources/factory.js';
import { DemoUntilData } from './sources/fallback.js';
import type { MachineName } from './sources/otlp/decode.js';
import type { SourceName } from './sources/source.js';
import { QuotaStore } from './statusline/quota.js';
import { VERSION } from './version.js';

export interface OpenedService {
  service: UsageService;
  sessions: SessionTracker;
  sourceName: SourceName;
  /** Why the demo runs instead of jsonl, or null. */
  fallbackReason: string | null;
  faults: Faults;
}

/** This daemon as a machine of a hub: its name, and an id telling two daemons of one host apart. */
export function machineOf(settings: Pick<Settings, 'machine' | 'claudeDirs'>): MachineName {
  return { name: settings.machine, id: machineIdOf(hostname(), settings.machine, settings.claudeDirs) };
}

export function clockOf(settings: Pick<Settings, 'now'>): () => number {
  const fixed = settings.now;
  return fixed === null ? Date.now : () => fixed;
}

/** Creates and starts the source, the session tracker and the service. */
export async function openService(
  settings: Settings,
  log: Log = silentLog,
  opts: { oneShot?: boolean; startWaitMs?: number } = {},
): Promise<OpenedService> {
  const clock = clockOf(settings);
  let sourceName: SourceName = settings.source;
  let fallbackReason: string | null = null;
  // A hub or a satellite serving (not `usage`) counts more history: docs/hub.md.
  const linked = !opts.oneShot && (settings.acceptForward || settings.forwardTo !== null);
  if (
    sourceName === 'jsonl' &&
    settings.fallbackDemo &&
    !linked &&
    !(await hasTranscripts(settings.claudeDirs))
  ) {
    sourceName = 'demo';
    fallbackReason =
      settings.claudeDirs.length === 0
        ? 'no Claude Code data dir found'
        : `no Claude Code transcripts under ${settings.claudeDirs.length} claude dir(s)`;
  }
  // One registry for the whole daemon: every limit hit, read error and refusal is counted here (/healthz).
  const faults = new Faults({ log });
  const context: SourceContext = {
    claudeDirs: settings.claudeDirs,
    clock,
    redline: settings.redline,
    ceiling: settings.ceiling,
    stallMinutes: settings.stallMinutes,
    prometheusUrl: settings.prometheusUrl,
    prometheusLabels: settings.prometheusLabels,
    oneShot: opts.oneShot ?? false,
    log,
    faults,
    ...(linked ? { historyMs: HUB_HISTORY_MS } : {}),
  };
  let chosen = await createSource(sourceName, context);
  if (linked && settings.acceptForward) {
    // The hub: its own transcripts and everything forwarded to it, counted as one union.
    const { HubSource } = await import('./hub/source.js');
    const { JsonlSource } = await import('./sources/jsonl/source.js');
    if (!(chosen instanceof JsonlSource)) throw new Error('--accept-forward needs the jsonl source');
    chosen = new HubSource({
      local: chosen,
      machine: machineOf(settings),
      machineTimeoutMs: settings.machineTimeoutSeconds * 1000,
      clock,
      faults,
    });
  }
  // Serving with no transcripts yet: the demo plays until the first one appears, then gives way to it.
  const source =
    fallbackReason !== null && !opts.oneShot && settings.claudeDirs.length > 0
      ? new DemoUntilData({
          demo: chosen,
          hasData: () => hasTranscripts(settings.claudeDirs),
          makeReal: () => createSource(settings.source, context),
          log,
        })
      : chosen;
  const sessions = new SessionTracker({
    claudeDirs: settings.claudeDirs,
    log,
    watch: !opts.oneShot,
    asOfMs: settings.now,
    faults,
  });
  const service = new UsageService({
    source,
    sessions,
    // Official quota from `claude-gauge statusline` (POST /v1/statusline); nothing until one arrives.
    quota: new QuotaStore(clock),
    // Sessions waiting for the user, from `claude-gauge hook` (POST /v1/hook); none until one reports.
    attention: new AttentionStore(clock, faults),
    settings,
    clock,
    deadlineMs: settings.deadlineMs,
    ...(opts.startWaitMs !== undefined ? { startWaitMs: opts.startWaitMs } : {}),
    log,
    faults,
  });
  await service.start();
  return { service, sessions, sourceName, fallbackReason, faults };
}

/** How long SIGINT/SIGTERM waits for an orderly shutdown before exiting anyway. */
export const SHUTDOWN_MS = 5000;

export interface Daemon {
  app: FastifyInstance;
  service: UsageService;
  /** The forwarder of a satellite (--forward-to), else null. */
  satellite: Satellite | null;
  url: string;
  startupLine: string;
  advertisement: Advertisement | null;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  /** The daemon's logger: pino's settings (loggerOptions in log.ts), made by Fastify; false keeps it quiet. */
  logger?: boolean | { level: string; stream?: LineStream };
  /** For tests: replaces the bonjour publisher. */
  makePublisher?: () => Promise<Publisher>;
  /** Install SIGINT/SIGTERM handlers that stop the daemon and exit. */
  handleSignals?: boolean;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return host === '::' ? '[::]' : host;
  return host.includes(':') ? `[${host}]` : host;
}

/** A start that failed before Fastify made its logger still says what it logged (log.ts, flushDeferred). */
function flushStartLog(log: DeferredLog, logger: DaemonOptions['logger']): Promise<void> {
  return flushDeferred(log, logger === true ? { level: 'info' } : (logger ?? false));
}

export async function startDaemon(settings: Settings, opts: DaemonOptions = {}): Promise<Daemon> {
  // Everything logs through Fastify's pino; until the server has made it (the cold start), records wait.
  const log = new DeferredLog();
  // The server's modules load while the source does its cold start: the loader reads files through the
  // thread pool, and the cold start gives the event loop a turn every few ms, so the two overlap.
  const serverModule = import('./server.js');
  serverModule.catch(() => {}); // awaited below; a failure there is reported then, not as unhandled
  let opened: OpenedService;
  try {
    opened = await openService(settings, log);
  } catch (err) {
    await flushStartLog(log, opts.logger);
    throw err;
  }
  const { service, sessions, sourceName, fallbackReason } = opened;
  // A satellite: every response counted goes to the hub too (docs/hub.md).
  let satellite: Satellite | null = null;
  if (settings.forwardTo !== null) {
    const { startSatellite } = await import('./hub/satellite.js');
    const { JsonlSource } = await import('./sources/jsonl/source.js');
    if (!(service.source instanceof JsonlSource)) {
      await service.stop();
      throw new Error('--forward-to needs the jsonl source');
    }
    satellite = await startSatellite({
      source: service.source,
      sessions,
      url: settings.forwardTo,
      token: settings.forwardToken ?? settings.token,
      machine: machineOf(settings),
      stateDir: settings.stateDir,
      faults: opened.faults,
      log,
    });
    const sat = satellite;
    service.forwardStatus = () => sat.status();
  }
  let app: FastifyInstance;
  try {
    const { buildServer } = await serverModule;
    app = await buildServer({
      service,
      token: settings.token,
      maxStreamClients: settings.maxStreamClients,
      heartbeatMs: settings.heartbeatSeconds * 1000,
      ui: settings.ui,
      bindHost: settings.host,
      allowedHosts: settings.allowedHosts,
      logger: opts.logger ?? false,
    });
    // From here on everything logs through Fastify's pino, when it has one.
    log.attach(opts.logger ? app.log : silentLog);
    await app.listen({ host: settings.host, port: settings.port });
  } catch (err) {
    await flushStartLog(log, opts.logger);
    await service.stop();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const url = `http://${urlHost(settings.host)}:${port}/usage`;

  let advertisement: Advertisement | null = null;
  try {
    advertisement = await advertise(
      { host: settings.host, port, tokenRequired: Boolean(settings.token), enabled: settings.mdns },
      opts.makePublisher ??
        (() =>
          bonjourPublisher((err) => log.warn({ err: String(err) }, 'mDNS error; advertisement may be gone'))),
    );
  } catch (err) {
    log.warn(
      { err: (err as Error).message },
      'mDNS advertisement failed; the gauge needs the address by hand',
    );
  }

  const live = sessions.counts().active;
  const dirs = settings.claudeDirs.length;
  let startupLine =
    `claude-gauge: serving ${url} (source ${sourceName}, ${dirs} claude dir${dirs === 1 ? '' : 's'}, ` +
    `${live} live session${live === 1 ? '' : 's'})`;
  if (fallbackReason)
    startupLine +=
      `\nclaude-gauge: ${fallbackReason}: showing the demo (payload source "demo"); ` +
      (service.source instanceof DemoUntilData
        ? 'your own data replaces it by itself once Claude Code writes a transcript'
        : 'restart the daemon once Claude Code has made its data dir');
  if (!isLoopbackHost(settings.host)) {
    const lan = settings.host === '0.0.0.0' ? lanAddress() : null;
    if (lan) startupLine += `\nclaude-gauge: on your LAN: http://${lan}:${port}/usage`;
    if (!settings.token)
      startupLine += '\nclaude-gauge: no --token set: anyone on this network can read your usage';
    if (advertisement)
      startupLine += `\nclaude-gauge: advertising _${advertisement.description.type}._tcp via mDNS`;
  }
  if (settings.ui) {
    startupLine += `\nclaude-gauge: web UI at ${url.replace(/usage$/, '')}`;
    // Web Serial needs a secure context: the install page works on this machine's loopback address.
    if (isLoopbackHost(settings.host) || ['0.0.0.0', '::'].includes(settings.host))
      startupLine += `\nclaude-gauge: install a gauge from Chrome or Edge: http://127.0.0.1:${port}/install`;
  }
  if (satellite)
    startupLine += `\nclaude-gauge: forwarding every response to the hub at ${new URL(satellite.url).origin} as machine ${settings.machine}`;
  if (settings.acceptForward)
    startupLine += `\nclaude-gauge: hub: counting the union of this machine (${settings.machine}) and every machine forwarding to POST /v1/logs`;

  // OTLP push of the bridge's session metrics, when asked for (the SDK is loaded only then).
  let bridgeExport: { stop(): Promise<void> } | null = null;
  if (settings.otlpExportUrl) {
    const { startBridgeExport } = await import('./export/otlp-push.js');
    try {
      const exp = startBridgeExport({
        url: settings.otlpExportUrl,
        intervalMs: settings.otlpExportIntervalSeconds * 1000,
        counts: () => sessions.counts(),
        serviceVersion: VERSION,
        log,
      });
      bridgeExport = exp;
      startupLine += `\nclaude-gauge: pushing session metrics to ${exp.url} (OTLP/HTTP JSON)`;
    } catch (err) {
      await app.close();
      await satellite?.stop();
      await service.stop();
      throw err;
    }
  }

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await satellite?.stop();
      await bridgeExport?.stop();
      await advertisement?.stop().catch(() => {});
      await app.close();
      await service.stop();
    })();
    return stopping;
  };

  if (opts.handleSignals) {
    const onSignal = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'shutting down');
      // A second signal while shutting down exits at once.
      process.once(signal, () => process.exit(130));
      // Whatever hangs (a stuck source, a stuck client), the process ends: SIGTERM always works.
      setTimeout(() => {
        log.error({ afterMs: SHUTDOWN_MS }, 'shutdown did not finish; exiting anyway');
        process.exit(1);
      }, SHUTDOWN_MS).unref();
      stop().then(
        () => process.exit(0),
        (err) => {
          log.error({ err: (err as Error).message }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  return { app, service, satellite, url, startupLine, advertisement, stop };
}
