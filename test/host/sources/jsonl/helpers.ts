// Small builders for transcript lines and temporary claude dirs.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LineOpts {
  ts: number;
  msgId?: string | null;
  requestId?: string | null;
  model?: string;
  input?: number;
  output?: number;
  cacheCreation?: number;
  cacheRead?: number;
  sidechain?: boolean;
  sessionId?: string;
  content?: unknown[];
  outputDetails?: Record<string, number>;
}

let seq = 0;

/** One assistant line as Claude Code 2.1 writes it (compact JSON). */
export function assistantLine(o: LineOpts): string {
  seq++;
  const usage: Record<string, unknown> = {
    input_tokens: o.input ?? 3,
    cache_creation_input_tokens: o.cacheCreation ?? 0,
    cache_read_input_tokens: o.cacheRead ?? 0,
    output_tokens: o.output ?? 10,
    service_tier: 'standard',
  };
  if (o.outputDetails) usage.output_tokens_details = o.outputDetails;
  const line: Record<string, unknown> = {
    parentUuid: null,
    isSidechain: o.sidechain ?? false,
    userType: 'external',
    cwd: '/home/someone/secret-project',
    sessionId: o.sessionId ?? 'session-0001',
    version: '2.1.38',
    message: {
      model: o.model ?? 'claude-opus-4-6',
      id: o.msgId === undefined ? `msg_${seq}` : o.msgId,
      type: 'message',
      role: 'assistant',
      content: o.content ?? [{ type: 'text', text: 'hello' }],
      stop_reason: null,
      usage,
    },
    requestId: o.requestId === undefined ? `req_${seq}` : o.requestId,
    type: 'assistant',
    uuid: `uuid-${seq}`,
    timestamp: new Date(o.ts).toISOString(),
  };
  if (line.message && o.msgId === null) delete (line.message as Record<string, unknown>).id;
  if (o.requestId === null) delete line.requestId;
  return JSON.stringify(line);
}

export function userLine(ts: number, text = 'please do the thing'): string {
  return JSON.stringify({
    type: 'user',
    sessionId: 'session-0001',
    version: '2.1.38',
    cwd: '/home/someone/secret-project',
    message: { role: 'user', content: text },
    timestamp: new Date(ts).toISOString(),
  });
}

export function total(o: LineOpts): number {
  return (o.input ?? 3) + (o.output ?? 10) + (o.cacheCreation ?? 0) + (o.cacheRead ?? 0);
}

export function tempClaudeDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'gauge-jsonl-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const H = 3_600_000;
