import { defineScenario } from '../lib/scenario.js';
import { noSignalDeadlineMs, recoveryDeadlineMs, updateDeadlineMs } from './timing.js';

// The daemon dies: within the firmware's NO SIGNAL bound the needles fall to rest and only NOSIG is lit.
// It comes back on the same port: the cluster recovers with the same data.
export default defineScenario({
  name: 'daemon-restart',
  description: 'daemon killed: NO SIGNAL within the bound; restarted: back to the same live state',
  daemon: { redline: 400, ceiling: 10_000 },
  async run(s) {
    s.claude.startSession(s.sessionId);
    s.claude.appendTurn(s.sessionId, {
      input: 100,
      cacheRead: 300,
      output: 100,
      model: 'claude-opus-4-5-20251101',
    });
    const live = {
      phase: 'LIVE',
      lamps: ['HOT'],
      model: 'opus-4.5',
      needles: { fuel: { fraction: 0.95 } },
    } as const;
    await s.expect('live and hot', live, { timeoutMs: updateDeadlineMs(s.timing) });
    await s.daemon.kill();
    await s.expect(
      'daemon killed: NO SIGNAL, needles at rest',
      {
        phase: 'NOSIGNAL',
        lamps: ['NOSIG'],
        needles: {
          tach: { fraction: 0 },
          fuel: { fraction: 0 },
          temp: { fraction: 0 },
          boost: { fraction: 0 },
        },
      },
      { timeoutMs: noSignalDeadlineMs(s.timing) + 2000 },
    );
    await s.daemon.start();
    await s.expect('daemon back: same live state', live, {
      timeoutMs: recoveryDeadlineMs(s.timing) + 2000,
    });
  },
});
