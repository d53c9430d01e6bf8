import type { Fault } from '../lib/faultProxy.js';
import { defineScenario } from '../lib/scenario.js';
import { noSignalDeadlineMs, recoveryDeadlineMs, updateDeadlineMs } from './timing.js';

// The daemon (through the proxy) answers garbage, 500s, too slowly, not at all, or drops the connection: a
// bad answer keeps the last good picture; only after the NO SIGNAL bound without a good payload does NO
// SIGNAL show. Slow but in-time answers never disturb anything.
export default defineScenario({
  name: 'bad-answers',
  description:
    'garbage, 500s, slow, hanging and dropped answers keep the last good state, then NO SIGNAL; recovery',
  daemon: { redline: 1_000_000, ceiling: 10_000 },
  async run(s) {
    s.claude.startSession(s.sessionId);
    s.claude.appendTurn(s.sessionId, {
      input: 2000,
      cacheRead: 6000,
      output: 500,
      model: 'claude-haiku-4-5-20251001',
    });
    const good = {
      phase: 'LIVE',
      lamps: ['WARN'],
      model: 'haiku-4.5',
      needles: { fuel: { fraction: 0.15 } },
    } as const;
    await s.expect('live: 85 % used', good, { timeoutMs: updateDeadlineMs(s.timing) });

    // Every target gets a good answer again before the next fault, so each fault starts from a fresh signal.
    const goodAgain = async (label: string) => {
      s.proxy.setFault({ kind: 'pass' });
      const base = s.proxy.stats.forwarded;
      await s.expectThroughout(label, good, () => s.proxy.stats.forwarded >= base + 2 * s.targetCount, {
        timeoutMs: s.timing.backoffMaxMs + 3 * s.timing.pollIntervalMs + s.timing.requestTimeoutMs,
      });
    };

    const faults: [string, Fault][] = [
      ['slow but in-time answers', { kind: 'slow', delayMs: Math.floor(s.timing.requestTimeoutMs / 3) }],
      ['garbage answers', { kind: 'garbage' }],
      ['HTTP 500 answers', { kind: 'status', status: 500 }],
      [
        'answers slower than the request timeout',
        { kind: 'slow', delayMs: s.timing.requestTimeoutMs + 1500 },
      ],
      ['requests accepted and never answered', { kind: 'hang' }],
      ['connections dropped mid-request', { kind: 'reset' }],
    ];
    for (const [label, fault] of faults) {
      s.proxy.setFault(fault);
      const base = s.proxy.stats.requests;
      await s.expectThroughout(
        `${label}: last good state kept`,
        good,
        () => s.proxy.stats.requests >= base + s.targetCount,
        {
          timeoutMs: s.timing.backoffMaxMs + s.timing.pollIntervalMs + 1000,
        },
      );
      await goodAgain(`after ${label}: good answers, unchanged`);
    }

    s.proxy.setFault({ kind: 'garbage' });
    await s.expect(
      `only garbage for ${s.timing.noSignalAfterMs} ms: NO SIGNAL`,
      { phase: 'NOSIGNAL', lamps: ['NOSIG'] },
      { timeoutMs: noSignalDeadlineMs(s.timing) + 2000 },
    );
    s.proxy.setFault({ kind: 'pass' });
    await s.expect('good answers again: recovered', good, { timeoutMs: recoveryDeadlineMs(s.timing) + 2000 });
  },
});
