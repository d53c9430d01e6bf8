// The ledger feed: what a satellite forwards of each response its jsonl ledger keeps.

import { describe, expect, it } from 'vitest';
import { LedgerFeed } from '../../../host/src/hub/feed.js';
import { type ForwardRecord, responseIdOf } from '../../../host/src/hub/record.js';
import { type Entry, Ledger } from '../../../host/src/sources/jsonl/ledger.js';
import type { UsageRecord } from '../../../host/src/sources/jsonl/parse.js';

function usage(o: Partial<UsageRecord> & { ts: number }): UsageRecord {
  return {
    messageId: 'msg_1',
    requestId: 'req_1',
    sidechain: false,
    hasSpeed: false,
    model: 'claude-opus-4-6',
    input: 1,
    output: 10,
    cacheCreation: 0,
    cacheRead: 0,
    thinkingTokens: null,
    hasThinkingBlock: false,
    visibleChars: 0,
    ...o,
  };
}

describe('LedgerFeed', () => {
  function follow() {
    const ledger = new Ledger();
    const feed = new LedgerFeed('abcd0123');
    const out: ForwardRecord[] = [];
    ledger.onChange = (e: Entry) => out.push(...feed.records(e));
    return { ledger, out };
  }

  it('passes a response on when it is new and each time what it forwards changes, under one id', () => {
    const { ledger, out } = follow();
    const t = 1_800_000_000_000;
    // A streamed response: a thinking block first, then its text with the full output.
    ledger.add(usage({ ts: t, output: 5, hasThinkingBlock: true }), 1, 0);
    ledger.add(usage({ ts: t + 300, output: 400, visibleChars: 400 }), 1, 100);
    // The same line read again (a rescan): nothing new to say.
    ledger.add(usage({ ts: t + 300, output: 400 }), 1, 100);
    expect(out.map((r) => [r.ts, r.output, r.thinking])).toEqual([
      [t, 5, 5],
      [t + 300, 400, 300],
    ]);
    expect(new Set(out.map((r) => r.id))).toEqual(new Set([responseIdOf('msg_1', 'req_1')]));
  });

  it("retracts the old id when the kept copy becomes another request's (a sidechain replay)", () => {
    const { ledger, out } = follow();
    const t = 1_800_000_000_000;
    ledger.add(usage({ ts: t, requestId: 'req_side', sidechain: true }), 1, 0);
    ledger.add(usage({ ts: t, requestId: 'req_main' }), 2, 0);
    expect(out.map((r) => [r.id, r.retracted ?? false, r.input])).toEqual([
      [responseIdOf('msg_1', 'req_side'), false, 1],
      [responseIdOf('msg_1', 'req_side'), true, 0],
      [responseIdOf('msg_1', 'req_main'), false, 1],
    ]);
  });

  it('gives responses without a message id distinct ids, the same on every run', () => {
    const run = () => {
      const { ledger, out } = follow();
      for (let i = 0; i < 3; i++) ledger.add(usage({ ts: 1_800_000_000_000, messageId: null }), 1, i * 10);
      return out.map((r) => r.id);
    };
    const ids = run();
    expect(new Set(ids).size).toBe(3);
    expect(run()).toEqual(ids);
  });
});
