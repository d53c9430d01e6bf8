import { totalTokens } from '../lib/claudeDir.js';
import { tachDeg } from '../lib/dials.js';
import { defineScenario } from '../lib/scenario.js';
import { updateDeadlineMs } from './timing.js';

const redline = 2000; // tach full scale 2500

// Hostile transcripts: torn writes, invalid JSON, NaN, a 10 kB line, binary bytes, wrong types, and streamed
// duplicates. Every valid turn is counted exactly once; nothing else moves the needle or breaks the cluster.
export default defineScenario({
  name: 'transcript-garbage',
  description: 'garbage and torn lines in the transcript: every valid turn counted once, nothing else',
  daemon: { redline, ceiling: 1_000_000_000 },
  async run(s) {
    s.claude.startSession(s.sessionId);
    const turn = { input: 100, cacheRead: 300, output: 100 };
    s.claude.appendTurn(s.sessionId, turn);
    let rate = totalTokens(turn);
    await s.expect(
      'one clean turn',
      { phase: 'LIVE', lamps: [], needles: { tach: { deg: tachDeg(rate, redline) } } },
      {
        timeoutMs: updateDeadlineMs(s.timing),
      },
    );
    for (const kind of [
      'invalid-json',
      'nan',
      'huge-string',
      'wrong-types',
      'binary',
      'empty-lines',
    ] as const) {
      s.claude.appendGarbage(s.sessionId, kind);
    }
    // Half a line now, the rest once the device has polled at least twice (the daemon has seen the half).
    await s.claude.appendTornTurn(s.sessionId, turn, () => s.polls(2 * s.targetCount));
    s.claude.appendStreamedTurn(s.sessionId, turn, 5);
    rate += 2 * totalTokens(turn);
    await s.expect(
      'garbage skipped, torn and streamed turns counted once',
      { phase: 'LIVE', lamps: [], needles: { tach: { deg: tachDeg(rate, redline) } } },
      { timeoutMs: updateDeadlineMs(s.timing) },
    );
  },
});
