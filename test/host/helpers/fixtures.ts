// Shared test fixtures for the daemon: temp claude dirs, fake sources, the contract validator.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { CommandIo } from '../../../host/src/daemon-client.js';
import type { SourceName, SourceSnapshot, UsageSource } from '../../../host/src/sources/source.js';

const schema = JSON.parse(
  readFileSync(new URL('../../../contract/usage.v1.schema.json', import.meta.url), 'utf8'),
);
export const validatePayload = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

/**
 * Real Claude Code transcripts from public repositories (see each set's SOURCES.md): `real-transcripts`
 * (Claude Code 1.0.24–2.1.114) and `recent-transcripts` (2.0.74–2.1.237, where ccusage 20.0.24 and the
 * billed figure part ways), in `../shared/fixtures/` beside the checkout or under
 * $CLAUDE_GAUGE_SHARED_DIR. They are not part of the repo, so a user's clone has none: `dir` is null then
 * and `where` says where they were looked for, for the skip message.
 */
export function realTranscripts(set: 'real-transcripts' | 'recent-transcripts' = 'real-transcripts'): {
  dir: string | null;
  where: string;
} {
  const repo = fileURLToPath(new URL('../../..', import.meta.url));
  const shared = process.env.CLAUDE_GAUGE_SHARED_DIR || resolve(repo, '..', 'shared');
  const dir = join(shared, 'fixtures', set);
  return { dir: existsSync(dir) ? dir : null, where: dir };
}

export function tempDir(prefix = 'cg-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export function writeManifest(claudeDir: string, name: string, body: unknown): string {
  const dir = join(claudeDir, 'sessions');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

export const SNAP: SourceSnapshot = {
  rate1m: 1000,
  window5hTokens: 5000,
  window5hResetInS: 3600,
  thinkingRatio: 0.25,
  cacheHitRate: 0.5,
  lastModel: 'claude-sonnet-4-5-20250929',
  lastResponseAtMs: null,
};

/** A source whose snapshot behaviour the test controls. */
export class FakeSource implements UsageSource {
  constructor(readonly name: SourceName = 'jsonl') {}
  snap: SourceSnapshot = { ...SNAP };
  mode: 'ok' | 'hang' | 'reject' = 'ok';
  calls = 0;
  started = false;
  stopped = false;
  private readonly listeners = new Set<() => void>();

  async start(): Promise<void> {
    this.started = true;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  snapshot(_nowMs: number): Promise<SourceSnapshot> {
    this.calls++;
    if (this.mode === 'hang') return new Promise(() => {});
    if (this.mode === 'reject') return Promise.reject(new Error('source broke'));
    return Promise.resolve({ ...this.snap });
  }
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  /** Changes the snapshot and notifies like a real source would. */
  set(patch: Partial<SourceSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    for (const l of this.listeners) l();
  }
  get listenerCount(): number {
    return this.listeners.size;
  }
}

export interface TurnSpec {
  at: number;
  model?: string;
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheCreation?: number;
}

/**
 * Writes a Claude Code style transcript (<claudeDir>/projects/<project>/<sessionId>.jsonl): one user line
 * with `prompt`, then one assistant line with usage per turn.
 */
export function writeTranscript(
  claudeDir: string,
  opts: { project: string; sessionId: string; cwd: string; prompt: string; turns: TurnSpec[] },
): string {
  const dir = join(claudeDir, 'projects', opts.project);
  mkdirSync(dir, { recursive: true });
  const common = {
    sessionId: opts.sessionId,
    cwd: opts.cwd,
    version: '2.1.39',
    isSidechain: false,
    userType: 'external',
  };
  const lines = [
    JSON.stringify({
      ...common,
      type: 'user',
      uuid: 'u-0',
      timestamp: new Date((opts.turns[0]?.at ?? 0) - 1000).toISOString(),
      message: { role: 'user', content: opts.prompt },
    }),
    ...opts.turns.map((t, i) =>
      JSON.stringify({
        ...common,
        type: 'assistant',
        uuid: `a-${i}`,
        requestId: `req_${opts.sessionId}_${i}`,
        timestamp: new Date(t.at).toISOString(),
        message: {
          id: `msg_${opts.sessionId}_${i}`,
          role: 'assistant',
          model: t.model ?? 'claude-sonnet-4-5-20250929',
          content: [{ type: 'text', text: `answer to ${opts.prompt}` }],
          usage: {
            input_tokens: t.input ?? 10,
            output_tokens: t.output ?? 20,
            cache_read_input_tokens: t.cacheRead ?? 1000,
            cache_creation_input_tokens: t.cacheCreation ?? 100,
          },
        },
      }),
    ),
  ];
  const file = join(dir, `${opts.sessionId}.jsonl`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A loopback port nothing listens on (bound, then closed): free to bind, refused when connected to. */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise((r) => server.close(r));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** Runs a command Claude Code runs (statusline, hook) in-process: `stdin` in, its exit code and output out. */
export async function runCommand(
  command: (argv: string[], io: CommandIo) => Promise<number>,
  argv: string[],
  stdin: string | Buffer,
  env: NodeJS.ProcessEnv,
  now: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await command(argv, {
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    env,
    now: () => now,
  });
  return { code, stdout, stderr };
}
