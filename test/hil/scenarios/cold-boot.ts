import { defineScenario } from '../lib/scenario.js';
import { lampNames } from '../lib/stateLine.js';
import { updateDeadlineMs } from './timing.js';

// Power on with an idle daemon: the dash sweeps every needle to full scale and back with every lamp lit,
// then shows live data (nothing running: IDLE, tach at rest, a full tank).
export default defineScenario({
  name: 'cold-boot',
  description: 'self-test sweep (all lamps, needles to full and back), then LIVE and IDLE with a full tank',
  daemon: { redline: 1000, ceiling: 100_000 },
  async run(s) {
    const sweep = { timeoutMs: s.timing.selfTestMs + 3000, compare: false };
    await s.expect(
      'self-test: every lamp lit',
      // Every lamp the core has (its own list), ATTN included.
      { phase: 'SELFTEST', lamps: lampNames },
      sweep,
    );
    await s.expect(
      'self-test: needles sweep to full scale',
      {
        phase: 'SELFTEST',
        needles: {
          tach: { minFraction: 0.9 },
          fuel: { minFraction: 0.9 },
          temp: { minFraction: 0.9 },
          boost: { minFraction: 0.9 },
        },
      },
      sweep,
    );
    await s.expect(
      'live: idle, tach at rest, tank full, no model',
      {
        phase: 'LIVE',
        lamps: ['IDLE'],
        model: '',
        over: false,
        needles: {
          tach: { fraction: 0 },
          fuel: { fraction: 1 },
          temp: { fraction: 0 },
          boost: { fraction: 0 },
        },
      },
      { timeoutMs: s.timing.selfTestMs + updateDeadlineMs(s.timing) },
    );
  },
});
