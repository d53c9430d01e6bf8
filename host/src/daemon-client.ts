// What the small commands Claude Code runs (`claude-gauge statusline`, `claude-gauge hook`) share: how they
// find the daemon (--url, or --host/--port and CLAUDE_GAUGE_HOST/PORT; --token or CLAUDE_GAUGE_TOKEN), how
// they read Claude Code's JSON on stdin, and one bounded POST. They run on every status refresh or hook
// event, so this file imports Node built-ins only and nothing here may take longer than its deadline.

import { request } from 'node:http';
import { parseArgs } from 'node:util';

/**
 * Where the daemon listens unless told otherwise, defined here because this file imports nothing of the
 * daemon's; config.ts's DEFAULTS take them from here.
 */
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8787;

/** How long a command waits for the daemon by default (connect, send, answer). */
export const FORWARD_TIMEOUT_MS = 300;
const STDIN_TIMEOUT_MS = 1000;
/** The longest --timeout-ms accepted. */
const MAX_TIMEOUT_MS = 5000;

export interface CommandIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  now?: () => number;
}

export type ForwardResult = 'sent' | 'down' | 'unauthorized' | 'refused' | 'skipped';

/** The flags every such command takes (node:util parseArgs options). */
export const DAEMON_FLAGS = {
  url: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  token: { type: 'string' },
  'timeout-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Their --help lines. */
export const DAEMON_FLAGS_HELP = `Flags (env):
  --url <url>      daemon base URL [http://<host>:<port>]
  --host <h>       daemon host (CLAUDE_GAUGE_HOST) [${DEFAULT_HOST}]
  --port <n>       daemon port (CLAUDE_GAUGE_PORT) [${DEFAULT_PORT}]
  --token <t>      bearer token (CLAUDE_GAUGE_TOKEN) [none]
  --timeout-ms <n> how long to wait for the daemon [${FORWARD_TIMEOUT_MS}]
`;

/**
 * A command's DAEMON_FLAGS from `argv`, or its exit code when that is all it has to do: 0 after printing
 * `help` for --help, `badFlagExit` after naming a bad flag on stderr (`claude-gauge <command>: …`).
 */
export function parseDaemonFlags(
  argv: string[],
  io: CommandIo,
  command: { name: string; help: string; badFlagExit: number },
): Record<string, unknown> | number {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: argv, options: DAEMON_FLAGS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    io.stderr(`claude-gauge ${command.name}: ${(err as Error).message.split('\n')[0]} (see --help)\n`);
    return command.badFlagExit;
  }
  if (values.help) {
    io.stdout(command.help);
    return 0;
  }
  return values;
}

/** Where a command reports: the daemon's base URL, its token, and how long to wait. */
export interface DaemonEndpoint {
  baseUrl: string;
  token: string | null;
  timeoutMs: number;
}

/** The base URL that reaches a daemon bound to `host`:`port` (one bound to every interface, on loopback). */
export function daemonBaseUrl(host: string, port: number | string): string {
  const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reach.includes(':') ? `[${reach}]` : reach}:${port}`;
}

/** The daemon to talk to, from the parsed DAEMON_FLAGS and the environment. */
export function daemonEndpoint(values: Record<string, unknown>, env: NodeJS.ProcessEnv): DaemonEndpoint {
  let baseUrl: string;
  if (typeof values.url === 'string') baseUrl = values.url;
  else {
    const host = (typeof values.host === 'string' ? values.host : env.CLAUDE_GAUGE_HOST) || DEFAULT_HOST;
    const port = (typeof values.port === 'string' ? values.port : env.CLAUDE_GAUGE_PORT) || DEFAULT_PORT;
    baseUrl = daemonBaseUrl(host, port);
  }
  const raw = Number(values['timeout-ms'] ?? FORWARD_TIMEOUT_MS);
  const timeoutMs = Number.isFinite(raw) && raw > 0 ? Math.min(raw, MAX_TIMEOUT_MS) : FORWARD_TIMEOUT_MS;
  const token = (typeof values.token === 'string' ? values.token : env.CLAUDE_GAUGE_TOKEN) || null;
  return { baseUrl, token, timeoutMs };
}

/**
 * Reads stdin up to `maxBytes` and a time bound, whichever comes first (the text read so far is returned);
 * a TTY (run by hand) is not waited for.
 */
export function readInput(
  stdin: CommandIo['stdin'],
  maxBytes: number,
  timeoutMs = STDIN_TIMEOUT_MS,
): Promise<string> {
  if (stdin.isTTY) return Promise.resolve('');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stdin.removeListener('data', onData);
      stdin.removeListener('end', finish);
      stdin.removeListener('error', finish);
      stdin.pause?.();
      resolve(Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8'));
    };
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(b);
      size += b.length;
      if (size >= maxBytes) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    stdin.on('data', onData);
    stdin.once('end', finish);
    stdin.once('error', finish);
  });
}

/** POSTs a JSON body to the daemon; never takes longer than the endpoint's timeout, never throws. */
export function postJson(endpoint: DaemonEndpoint, path: string, body: unknown): Promise<ForwardResult> {
  const text = JSON.stringify(body);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (r: ForwardResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    let url: URL;
    try {
      url = new URL(path, endpoint.baseUrl);
    } catch {
      settle('refused');
      return;
    }
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(text),
          ...(endpoint.token ? { Authorization: `Bearer ${endpoint.token}` } : {}),
        },
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        settle(code >= 200 && code < 300 ? 'sent' : code === 401 ? 'unauthorized' : 'refused');
      },
    );
    // A hard deadline over the whole exchange (connect, send, answer): a hung daemon costs the timeout at most.
    const timer = setTimeout(() => {
      settle('down');
      req.destroy();
    }, endpoint.timeoutMs);
    req.on('error', () => settle('down'));
    req.end(text);
  });
}
