import { defineScenario } from '../lib/scenario.js';
import { updateDeadlineMs } from './timing.js';

const ceiling = 10_000;

// The 5 h window fills: the fuel needle falls toward E and WARN lights once more than 80 % is used.
export default defineScenario({
  name: 'fuel-warn',
  description: 'the 5 h window fills past 80 % of the ceiling: fuel falls toward E, WARN lights',
  daemon: { ceiling, redline: 1_000_000 },
  async run(s) {
    s.claude.startSession(s.sessionId);
    s.claude.appendTurn(s.sessionId, { input: 1000, cacheRead: 3000, output: 1000 }); // 50 %
    await s.expect(
      'half the window used',
      { phase: 'LIVE', lamps: [], needles: { fuel: { fraction: 0.5 } }, over: false },
      { timeoutMs: updateDeadlineMs(s.timing) },
    );
    s.claude.appendStreamedTurn(s.sessionId, { input: 500, cacheRead: 2500, output: 500 }, 4); // 85 %
    await s.expect(
      '85 % used: WARN',
      { phase: 'LIVE', lamps: ['WARN'], needles: { fuel: { fraction: 0.15 } }, over: false },
      { timeoutMs: updateDeadlineMs(s.timing) },
    );
  },
});
