import { totalTokens } from '../lib/claudeDir.js';
import { tachDeg } from '../lib/dials.js';
import { defineScenario } from '../lib/scenario.js';
import { updateDeadlineMs } from './timing.js';

const redline = 600; // tokens/min; the tach's full scale is then 800

// A working session speeds up: the tach climbs in steps and, past the redline, HOT lights. Turns are written
// as Claude Code streams them (several lines per response), so a reader that counts lines overshoots.
export default defineScenario({
  name: 'redline-hot',
  description:
    'tokens ramp up to the redline in streamed turns: tach, temp and boost follow, HOT past the redline',
  daemon: { redline, ceiling: 1_000_000_000 },
  async run(s) {
    s.claude.startSession(s.sessionId);
    const turns = [
      { input: 40, cacheRead: 120, output: 40, thinkingTokens: 30 }, // 200 tokens/min
      { input: 50, cacheRead: 150, output: 50, thinkingTokens: 35 }, // 450
      { input: 40, cacheRead: 120, output: 40, thinkingTokens: 30 }, // 650 > 600: HOT
    ];
    let rate = 0;
    let output = 0;
    let thinking = 0;
    for (const [i, turn] of turns.entries()) {
      s.claude.appendStreamedTurn(s.sessionId, { ...turn, model: 'claude-opus-4-5-20251101' }, 3);
      rate += totalTokens(turn);
      output += turn.output;
      thinking += turn.thinkingTokens;
      const hot = rate > redline;
      await s.expect(
        `turn ${i + 1}: ${rate} tokens/min${hot ? ' (past the redline)' : ''}`,
        {
          phase: 'LIVE',
          lamps: hot ? ['HOT'] : [],
          model: 'opus-4.5',
          // cacheRead / (input + cacheRead) = 0.75 in every turn; temp = thinking / output so far.
          needles: {
            tach: { deg: tachDeg(rate, redline) },
            boost: { fraction: 0.75 },
            temp: { fraction: thinking / output },
          },
        },
        { timeoutMs: updateDeadlineMs(s.timing) },
      );
    }
  },
});
