// A throwaway Claude config dir that a scenario writes into exactly as Claude Code does: transcript lines
// appended to projects/<project>/<session>.jsonl (streamed turns split over several lines that share
// message.id + requestId, torn writes, garbage) and session manifests in sessions/<pid>.json whose PID is a
// real child process (live) or one that has exited (dead).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Usage {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheCreation?: number;
}

export interface TurnOptions extends Usage {
  model?: string;
  /** Characters of thinking text in the turn (the daemon estimates thinking tokens from it). */
  thinkingChars?: number;
  /** Thinking tokens as the API reports them (usage.output_tokens_details.thinking_tokens). */
  thinkingTokens?: number;
  /** Epoch ms the line claims; defaults to now. */
  atMs?: number;
  messageId?: string;
  requestId?: string;
}

export type GarbageKind = 'invalid-json' | 'nan' | 'huge-string' | 'wrong-types' | 'binary' | 'empty-lines';

const projectName = '-tmp-hil-project';

export function totalTokens(u: Usage): number {
  return (u.input ?? 0) + (u.output ?? 0) + (u.cacheRead ?? 0) + (u.cacheCreation ?? 0);
}

/** One assistant transcript line in Claude Code's own serialisation (compact JSON, one object per line). */
export function assistantLine(sessionId: string, turn: TurnOptions, outputTokens?: number): string {
  const content: unknown[] = [];
  if (turn.thinkingChars && turn.thinkingChars > 0) {
    content.push({ type: 'thinking', thinking: 'h'.repeat(turn.thinkingChars), signature: 'sig' });
  }
  content.push({ type: 'text', text: 'ok' });
  return JSON.stringify({
    parentUuid: null,
    isSidechain: false,
    userType: 'external',
    cwd: '/tmp/hil-project',
    sessionId,
    version: '2.1.39',
    message: {
      model: turn.model ?? 'claude-opus-4-5-20251101',
      id: turn.messageId ?? `msg_hil_${randomUUID().replaceAll('-', '')}`,
      type: 'message',
      role: 'assistant',
      content,
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: turn.input ?? 0,
        cache_creation_input_tokens: turn.cacheCreation ?? 0,
        cache_read_input_tokens: turn.cacheRead ?? 0,
        output_tokens: outputTokens ?? turn.output ?? 0,
        ...(turn.thinkingTokens !== undefined
          ? { output_tokens_details: { thinking_tokens: turn.thinkingTokens } }
          : {}),
        service_tier: 'standard',
      },
    },
    requestId: turn.requestId ?? `req_hil_${randomUUID().replaceAll('-', '')}`,
    type: 'assistant',
    uuid: randomUUID(),
    timestamp: new Date(turn.atMs ?? Date.now()).toISOString(),
  });
}

export interface LiveSession {
  sessionId: string;
  pid: number;
  manifestPath: string;
  child: ChildProcess | null;
}

export class ClaudeDir {
  readonly root: string;
  readonly projectDir: string;
  readonly sessionsDir: string;
  private readonly sessions = new Map<string, LiveSession>();
  /** Tokens written that a correct reader counts (each streamed group once, at its final usage). */
  countedTokens = 0;

  constructor(parent = tmpdir()) {
    this.root = mkdtempSync(join(parent, 'hil-claude-'));
    this.projectDir = join(this.root, 'projects', projectName);
    this.sessionsDir = join(this.root, 'sessions');
    mkdirSync(this.projectDir, { recursive: true });
    mkdirSync(this.sessionsDir, { recursive: true });
  }

  transcriptPath(sessionId: string): string {
    return join(this.projectDir, `${sessionId}.jsonl`);
  }

  /** A complete turn on one line. */
  appendTurn(sessionId: string, turn: TurnOptions): void {
    appendFileSync(this.transcriptPath(sessionId), `${assistantLine(sessionId, turn)}\n`);
    this.countedTokens += totalTokens(turn);
  }

  /**
   * A streamed turn as Claude Code writes it: `parts` lines sharing message.id and requestId with the same
   * input/cache usage and a growing output count; only the last line's usage is the turn's. A reader that
   * sums lines counts it `parts` times.
   */
  appendStreamedTurn(sessionId: string, turn: TurnOptions, parts = 3): void {
    const fixed: TurnOptions = {
      ...turn,
      messageId: turn.messageId ?? `msg_hil_${randomUUID().replaceAll('-', '')}`,
      requestId: turn.requestId ?? `req_hil_${randomUUID().replaceAll('-', '')}`,
    };
    const finalOut = turn.output ?? 0;
    let text = '';
    for (let i = 1; i <= parts; i++) {
      const out = i === parts ? finalOut : Math.max(1, Math.floor((finalOut * i) / (parts * 4)));
      text += `${assistantLine(sessionId, fixed, out)}\n`;
    }
    appendFileSync(this.transcriptPath(sessionId), text);
    this.countedTokens += totalTokens(turn);
  }

  /**
   * A turn written in two pieces, as a reader racing the writer sees it: the first half of the line with
   * no newline, then (after `between` ran, typically a wait for the daemon to have read it) the rest.
   */
  async appendTornTurn(sessionId: string, turn: TurnOptions, between: () => Promise<void>): Promise<void> {
    const line = `${assistantLine(sessionId, turn)}\n`;
    const cut = Math.floor(line.length / 2);
    appendFileSync(this.transcriptPath(sessionId), line.slice(0, cut));
    await between();
    appendFileSync(this.transcriptPath(sessionId), line.slice(cut));
    this.countedTokens += totalTokens(turn);
  }

  /** Lines a reader must skip without losing anything valid around them. */
  appendGarbage(sessionId: string, kind: GarbageKind): void {
    const path = this.transcriptPath(sessionId);
    switch (kind) {
      case 'invalid-json':
        appendFileSync(path, '{"type":"assistant","message":{"usage":{"input_tokens":5\n');
        break;
      case 'nan':
        appendFileSync(
          path,
          `${assistantLine(sessionId, { input: 1 }).replace('"input_tokens":1', '"input_tokens":NaN')}\n`,
        );
        break;
      case 'huge-string':
        appendFileSync(
          path,
          `${JSON.stringify({ type: 'user', message: { content: 'z'.repeat(10_000) } })}\n`,
        );
        break;
      case 'wrong-types':
        appendFileSync(
          path,
          `${JSON.stringify({ type: 'assistant', message: { id: 7, model: {}, usage: { input_tokens: '9e99', output_tokens: -5 } }, requestId: [] })}\n`,
        );
        break;
      case 'binary':
        appendFileSync(path, Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x0a]));
        break;
      case 'empty-lines':
        appendFileSync(path, '\n\n   \n');
        break;
    }
  }

  /** A manifest whose PID is a real, running child process: a live session. */
  startSession(sessionId: string = randomUUID()): LiveSession {
    // argv0 'claude' so a tracker that checks the command name sees what a real session looks like.
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], {
      stdio: 'ignore',
      argv0: 'claude',
    });
    if (child.pid === undefined) throw new Error('could not spawn the live-session stand-in process');
    const session = this.writeManifest(sessionId, child.pid, child);
    return session;
  }

  /** A manifest left behind by a session that crashed: its PID belongs to no process. */
  async deadSession(sessionId: string = randomUUID()): Promise<LiveSession> {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    const pid = child.pid;
    if (pid === undefined) throw new Error('could not spawn the dead-session stand-in process');
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const session = this.writeManifest(sessionId, pid, null);
    return session;
  }

  /** The session exits cleanly: Claude Code removes its manifest; the process ends. */
  endSession(sessionId: string): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    try {
      unlinkSync(s.manifestPath);
    } catch {
      // already gone
    }
    s.child?.kill('SIGTERM');
    this.sessions.delete(sessionId);
  }

  /** The session's process dies but its manifest stays (a crash). */
  crashSession(sessionId: string): void {
    this.sessions.get(sessionId)?.child?.kill('SIGKILL');
  }

  endAllSessions(): void {
    for (const id of [...this.sessions.keys()]) this.endSession(id);
  }

  /** Ends every stand-in process and deletes the directory. Idempotent. */
  dispose(): void {
    for (const s of this.sessions.values()) s.child?.kill('SIGKILL');
    this.sessions.clear();
    rmSync(this.root, { recursive: true, force: true });
  }

  private writeManifest(sessionId: string, pid: number, child: ChildProcess | null): LiveSession {
    const manifestPath = join(this.sessionsDir, `${pid}.json`);
    // Claude Code 2.1.x on Linux also records the process start time and PID namespace, which the
    // daemon uses to tell a live session from a reused PID; record them when /proc has them.
    const manifest: Record<string, unknown> = {
      pid,
      sessionId,
      cwd: '/tmp/hil-project',
      kind: 'interactive',
      version: '2.1.39',
      startedAt: Date.now(),
    };
    const procStart = child ? procStartTicks(pid) : null;
    if (procStart !== null) manifest.procStart = procStart;
    const pidDomain = pidNamespace();
    if (pidDomain !== null) manifest.pidDomain = pidDomain;
    // Write then rename would be atomic, but Claude Code writes in place; a reader must cope either way.
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const session: LiveSession = { sessionId, pid, manifestPath, child };
    this.sessions.set(sessionId, session);
    return session;
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), as Claude Code records it. */
export function procStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[22 - 3] ?? null;
  } catch {
    return null;
  }
}

function pidNamespace(): string | null {
  try {
    return `linux::${readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return null;
  }
}
