// A live session's model, read by the JSONL source from its transcript's tail for the session tracker.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Faults } from '../../../../host/src/faults.js';
import {
  MODEL_TAIL_BYTES,
  newestModelIn,
  projectDirName,
  SessionModels,
} from '../../../../host/src/sources/jsonl/session-models.js';
import { tempDir } from '../../helpers/fixtures.js';

const assistant = (model: unknown) => JSON.stringify({ type: 'assistant', message: { model, usage: {} } });
const SID = '11111111-2222-3333-4444-555555555555';
const CWD = '/home/someone/my.project';

let tmp: ReturnType<typeof tempDir>;
let claudeDir: string;
let transcript: string;
beforeEach(() => {
  tmp = tempDir('cg-session-models-');
  claudeDir = join(tmp.path, 'claude');
  const dir = join(claudeDir, 'projects', projectDirName(CWD));
  mkdirSync(dir, { recursive: true });
  transcript = join(dir, `${SID}.jsonl`);
});
afterEach(() => tmp.cleanup());

describe('newestModelIn', () => {
  it('takes the newest assistant line with a model the gauge shows, skipping torn lines and <synthetic>', () => {
    const text = [
      assistant('claude-sonnet-4-5'),
      JSON.stringify({ type: 'user', message: { model: 'claude-haiku-4-5' } }),
      assistant('claude-opus-4-5'),
      assistant('<synthetic>'),
      assistant(''),
      '{"type":"assistant","message":{"model":"torn',
    ].join('\n');
    expect(newestModelIn(text)).toBe('claude-opus-4-5');
    expect(newestModelIn('{"model"')).toBe('');
    expect(newestModelIn(assistant('x'.repeat(300)))).toHaveLength(128);
  });
});

describe('SessionModels', () => {
  it("reads a session's model from its transcript and reads it again once the file changes", () => {
    const models = new SessionModels(new Faults());
    expect(models.modelOf(claudeDir, SID, CWD)).toBe('');
    writeFileSync(transcript, `${assistant('claude-sonnet-4-5')}\n`);
    expect(models.modelOf(claudeDir, SID, CWD)).toBe('claude-sonnet-4-5');
    writeFileSync(transcript, `${assistant('claude-sonnet-4-5')}\n${assistant('claude-opus-4-5')}\n`);
    expect(models.modelOf(claudeDir, SID, CWD)).toBe('claude-opus-4-5');
  });

  it('finds the model within the tail even after a long transcript', () => {
    writeFileSync(
      transcript,
      `${assistant('claude-haiku-4-5')}\n${'x'.repeat(2 * MODEL_TAIL_BYTES)}\n${assistant('claude-opus-4-5')}\n`,
    );
    expect(new SessionModels(new Faults()).modelOf(claudeDir, SID, CWD)).toBe('claude-opus-4-5');
  });

  it('knows no model for a session id that is not a file name, or a session without a cwd', () => {
    writeFileSync(transcript, `${assistant('claude-opus-4-5')}\n`);
    const models = new SessionModels(new Faults());
    expect(models.modelOf(claudeDir, '../x', CWD)).toBe('');
    expect(models.modelOf(claudeDir, '', CWD)).toBe('');
    expect(models.modelOf(claudeDir, SID, null)).toBe('');
  });

  it('counts a transcript it cannot read as a fault and knows no model', () => {
    mkdirSync(transcript);
    const faults = new Faults();
    expect(new SessionModels(faults).modelOf(claudeDir, SID, CWD)).toBe('');
    expect(faults.count('session-transcript-unreadable')).toBe(1);
  });
});
