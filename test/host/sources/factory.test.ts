import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSource,
  hasTranscripts,
  implementedSources,
  registerSource,
  SourceError,
} from '../../../host/src/sources/factory.js';
import { FakeSource, tempDir } from '../helpers/fixtures.js';

const ctx = { claudeDirs: [], clock: () => 0, redline: 1, ceiling: 1, stallMinutes: 1 };
let tmp: ReturnType<typeof tempDir> | null = null;
afterEach(() => tmp?.cleanup());

describe('source factory', () => {
  it('builds the implemented sources and refuses others clearly', async () => {
    expect(implementedSources()).toEqual(
      expect.arrayContaining(['jsonl', 'ccusage', 'prometheus', 'otlp', 'hybrid', 'demo']),
    );
    expect((await createSource('hybrid', { ...ctx, prometheusUrl: 'http://127.0.0.1:9' })).name).toBe(
      'hybrid',
    );
    expect((await createSource('demo', ctx)).name).toBe('demo');
    await expect(createSource('carrier-pigeon', ctx)).rejects.toThrow(/unknown source "carrier-pigeon"/);
    expect((await createSource('otlp', ctx)).name).toBe('otlp');
    await expect(createSource('carrier-pigeon', ctx)).rejects.toBeInstanceOf(SourceError);
  });

  it('wraps a source that cannot be built in a SourceError', async () => {
    await expect(createSource('prometheus', { ...ctx, prometheusUrl: 'ftp://x' })).rejects.toThrow(
      /^source "prometheus": .*http/,
    );
  });

  it('takes new adapters through registerSource', async () => {
    const fake = new FakeSource();
    registerSource('otlp', () => fake);
    expect(await createSource('otlp', ctx)).toBe(fake);
  });

  it('finds transcripts only where Claude Code puts them', async () => {
    tmp = tempDir('cg-factory-');
    const dir = join(tmp.path, 'claude');
    mkdirSync(join(dir, 'projects', 'p'), { recursive: true });
    writeFileSync(join(dir, 'projects', 'notes.jsonl'), '');
    expect(await hasTranscripts([dir, join(tmp.path, 'missing')])).toBe(false);
    writeFileSync(join(dir, 'projects', 'p', 's.jsonl'), '');
    expect(await hasTranscripts([join(tmp.path, 'missing'), dir])).toBe(true);
  });
});
