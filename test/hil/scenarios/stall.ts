import { defineScenario } from '../lib/scenario.js';
import { updateDeadlineMs } from './timing.js';

// 7.2 s: longer than a payload update may take to show (updateDeadlineMs: 5 s with the firmware's timing),
// so the working state before STALL lasts long enough to be seen on a loaded machine. At 3 s, a target whose
// first LIVE frame came late could see STALL at once and miss the "no lamps" state.
const stallMinutes = 0.12;

// A live session that stops answering: after the stall minutes STALL lights; a new response clears it.
export default defineScenario({
  name: 'stall',
  description: 'a live session silent for the stall minutes lights STALL; the next response clears it',
  daemon: { stallMinutes, redline: 1_000_000, ceiling: 1_000_000 },
  async run(s) {
    s.claude.startSession(s.sessionId);
    s.claude.appendTurn(s.sessionId, { input: 100, output: 100, model: 'claude-sonnet-4-5-20250929' });
    await s.expect(
      'working: no lamps',
      { phase: 'LIVE', lamps: [], model: 'sonnet-4.5' },
      { timeoutMs: updateDeadlineMs(s.timing) },
    );
    await s.expect(
      `silent for ${stallMinutes * 60} s: STALL`,
      { phase: 'LIVE', lamps: ['STALL'], model: 'sonnet-4.5' },
      { timeoutMs: stallMinutes * 60_000 + updateDeadlineMs(s.timing) },
    );
    s.claude.appendTurn(s.sessionId, { input: 100, output: 100, model: 'claude-sonnet-4-5-20250929' });
    await s.expect(
      'a response arrives: STALL clears',
      { phase: 'LIVE', lamps: [], model: 'sonnet-4.5' },
      { timeoutMs: updateDeadlineMs(s.timing) },
    );
  },
});
