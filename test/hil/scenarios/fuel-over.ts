import { fractionToDeg } from '../lib/dials.js';
import { defineScenario } from '../lib/scenario.js';
import { updateDeadlineMs } from './timing.js';

const ceiling = 10_000;
// gauge_config.h kFuelOverPeg: past 100 % the needle pegs this far below E.
const overPegFraction = -0.04;

// More than the whole window used: the needle pegs just below E, the readout says OVER, WARN stays lit.
export default defineScenario({
  name: 'fuel-over',
  description: 'a payload over 100 % of the 5 h window: needle pegged below E, over flag, WARN',
  daemon: { ceiling, redline: 1_000_000 },
  async run(s) {
    s.claude.startSession(s.sessionId);
    s.claude.appendTurn(s.sessionId, { input: 2000, cacheRead: 7000, output: 500 }); // 95 %
    await s.expect(
      '95 % used',
      { phase: 'LIVE', lamps: ['WARN'], over: false, needles: { fuel: { fraction: 0.05 } } },
      { timeoutMs: updateDeadlineMs(s.timing) },
    );
    s.claude.appendTurn(s.sessionId, { input: 1000, cacheRead: 2000, output: 500 }); // 130 %
    await s.expect(
      '130 % used: pegged below E',
      {
        phase: 'LIVE',
        lamps: ['WARN'],
        over: true,
        needles: { fuel: { deg: fractionToDeg('fuel', overPegFraction) } },
      },
      { timeoutMs: updateDeadlineMs(s.timing) },
    );
  },
});
