// Shared test fixtures for the daemon: temp claude dirs, fake sources, the contract validator.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { SourceSnapshot, UsageSource } from '../../../host/src/sources/source.js';

const schema = JSON.parse(
  readFileSync(new URL('../../../contract/usage.v1.schema.json', import.meta.url), 'utf8'),
);
export const validatePayload = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

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
  readonly name = 'jsonl' as const;
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
