import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { assistantLine, ClaudeDir, procStartTicks, totalTokens } from './lib/claudeDir.js';

let dir: ClaudeDir | null = null;
afterEach(() => {
  dir?.dispose();
  dir = null;
});

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('assistantLine', () => {
  it('writes Claude Code’s shape: usage, model, ids, timestamp', () => {
    const l = JSON.parse(
      assistantLine('s1', {
        input: 1,
        output: 2,
        cacheRead: 3,
        cacheCreation: 4,
        model: 'm',
        atMs: 0,
        thinkingChars: 5,
      }),
    );
    expect(l).toMatchObject({
      type: 'assistant',
      sessionId: 's1',
      timestamp: '1970-01-01T00:00:00.000Z',
      message: {
        model: 'm',
        role: 'assistant',
        usage: {
          input_tokens: 1,
          output_tokens: 2,
          cache_read_input_tokens: 3,
          cache_creation_input_tokens: 4,
        },
      },
    });
    expect(l.message.id).toMatch(/^msg_/);
    expect(l.requestId).toMatch(/^req_/);
    expect(l.message.content[0]).toMatchObject({ type: 'thinking', thinking: 'hhhhh' });
  });
});

describe('ClaudeDir', () => {
  it('lays out projects/ and sessions/ like a Claude config dir', () => {
    dir = new ClaudeDir();
    expect(existsSync(dir.projectDir)).toBe(true);
    expect(existsSync(dir.sessionsDir)).toBe(true);
    expect(dir.transcriptPath('abc')).toMatch(/projects\/[^/]+\/abc\.jsonl$/);
  });

  it('writes a streamed turn as lines sharing message id and requestId; the last holds the final usage', () => {
    dir = new ClaudeDir();
    const turn = { input: 10, output: 90, cacheRead: 100 };
    dir.appendStreamedTurn('s', turn, 4);
    const ls = lines(dir.transcriptPath('s')).map((l) => JSON.parse(l));
    expect(ls).toHaveLength(4);
    expect(new Set(ls.map((l) => `${l.message.id}/${l.requestId}`)).size).toBe(1);
    const outs = ls.map((l) => l.message.usage.output_tokens);
    expect(outs.at(-1)).toBe(90);
    expect(Math.max(...outs)).toBe(90);
    expect(outs.slice(0, -1).every((o) => o < 90)).toBe(true);
    // A naive line sum would count input and cache four times: what a correct reader must not do.
    expect(ls.reduce((a, l) => a + l.message.usage.input_tokens, 0)).toBe(40);
    expect(dir.countedTokens).toBe(totalTokens(turn));
  });

  it('tears a line in two writes with the callback in between', async () => {
    dir = new ClaudeDir();
    const path = dir.transcriptPath('s');
    let middle = '';
    await dir.appendTornTurn('s', { input: 7 }, async () => {
      middle = readFileSync(path, 'utf8');
    });
    expect(middle.endsWith('\n')).toBe(false);
    expect(() => JSON.parse(middle)).toThrow();
    const whole = readFileSync(path, 'utf8');
    expect(whole.endsWith('\n')).toBe(true);
    expect(JSON.parse(whole).message.usage.input_tokens).toBe(7);
  });

  it('appends every kind of garbage as lines that are not valid assistant turns', () => {
    dir = new ClaudeDir();
    for (const kind of [
      'invalid-json',
      'nan',
      'huge-string',
      'wrong-types',
      'binary',
      'empty-lines',
    ] as const)
      dir.appendGarbage('g', kind);
    const raw = readFileSync(dir.transcriptPath('g'), 'latin1');
    expect(raw.length).toBeGreaterThan(10_000);
    let validTurns = 0;
    for (const l of raw.split('\n')) {
      try {
        const j = JSON.parse(l);
        const u = j?.message?.usage;
        if (j.type === 'assistant' && typeof u?.input_tokens === 'number' && u.input_tokens >= 0)
          validTurns++;
      } catch {
        // not JSON: fine
      }
    }
    expect(validTurns).toBe(0);
  });

  it('starts a live session: a running process, a manifest with its pid and start ticks', () => {
    dir = new ClaudeDir();
    const s = dir.startSession('live-1');
    expect(alive(s.pid)).toBe(true);
    const m = JSON.parse(readFileSync(s.manifestPath, 'utf8'));
    expect(m).toMatchObject({ pid: s.pid, sessionId: 'live-1', kind: 'interactive' });
    expect(m.procStart).toBe(procStartTicks(s.pid));
    expect(m.pidDomain).toMatch(/^linux::pid:\[\d+\]$/);
    dir.endSession('live-1');
    expect(existsSync(s.manifestPath)).toBe(false);
  });

  it('a dead session leaves a manifest whose pid is not running', async () => {
    dir = new ClaudeDir();
    const s = await dir.deadSession('dead-1');
    expect(alive(s.pid)).toBe(false);
    expect(readdirSync(dir.sessionsDir)).toContain(`${s.pid}.json`);
  });

  it('a crash kills the process but keeps the manifest', async () => {
    dir = new ClaudeDir();
    const s = dir.startSession('c');
    const exited = new Promise<void>((r) => s.child?.once('exit', () => r()));
    dir.crashSession('c');
    await exited;
    expect(alive(s.pid)).toBe(false);
    expect(existsSync(s.manifestPath)).toBe(true);
  });

  it('dispose ends every stand-in process and removes the directory', () => {
    dir = new ClaudeDir();
    const a = dir.startSession();
    const root = dir.root;
    dir.dispose();
    dir = null;
    expect(existsSync(root)).toBe(false);
    // SIGKILL is delivered asynchronously; the process is gone or going.
    expect(a.child?.killed).toBe(true);
  });
});
