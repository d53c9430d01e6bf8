import { defineScenario } from '../lib/scenario.js';
import { updateDeadlineMs } from './timing.js';

// Sessions come and go: with any live session there is no IDLE; a crashed session's leftover manifest
// (its PID dead) does not count; when the last live one ends, IDLE lights.
export default defineScenario({
  name: 'idle',
  description: 'two live sessions and a crashed one; one ends cleanly, one crashes: IDLE when none is live',
  daemon: { redline: 1_000_000, ceiling: 1_000_000, stallMinutes: 60 },
  async run(s) {
    await s.claude.deadSession();
    const a = s.claude.startSession();
    const b = s.claude.startSession();
    s.claude.appendTurn(a.sessionId, { input: 50, output: 50 });
    await s.expect(
      'two live sessions: no IDLE',
      { phase: 'LIVE', lamps: [] },
      { timeoutMs: updateDeadlineMs(s.timing) },
    );
    s.claude.endSession(a.sessionId);
    await s.expectThroughout(
      'one session ended, one still live: no IDLE',
      { phase: 'LIVE', lamps: [] },
      async () => {
        const p = await s.daemon.payload();
        return p.sessions_active === 1;
      },
    );
    // Give every target a poll of the one-session payload before the next change.
    await s.polls(2 * s.targetCount);
    s.claude.crashSession(b.sessionId);
    await s.expect(
      'the last live session crashed (manifest left behind): IDLE',
      { phase: 'LIVE', lamps: ['IDLE'] },
      { timeoutMs: updateDeadlineMs(s.timing) + 2000 },
    );
  },
});
