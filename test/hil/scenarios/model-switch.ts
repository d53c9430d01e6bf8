import { defineScenario } from '../lib/scenario.js';
import { updateDeadlineMs } from './timing.js';

// The model readout follows the newest real response: opus, then sonnet, then haiku. A synthetic message
// (Claude Code's own, model "<synthetic>") does not change it.
export default defineScenario({
  name: 'model-switch',
  description: 'the model readout follows the newest response (opus → sonnet → haiku), ignoring <synthetic>',
  daemon: { redline: 1_000_000, ceiling: 1_000_000 },
  async run(s) {
    s.claude.startSession(s.sessionId);
    const steps = [
      ['claude-opus-4-5-20251101', 'opus-4.5'],
      ['claude-sonnet-4-5-20250929', 'sonnet-4.5'],
      ['claude-haiku-4-5-20251001', 'haiku-4.5'],
    ] as const;
    for (const [model, readout] of steps) {
      s.claude.appendTurn(s.sessionId, { input: 10, output: 10, model });
      await s.expect(
        `${model} answers`,
        { phase: 'LIVE', model: readout },
        { timeoutMs: updateDeadlineMs(s.timing) },
      );
    }
    s.claude.appendTurn(s.sessionId, { model: '<synthetic>' });
    await s.polls(2 * s.targetCount);
    await s.expectThroughout(
      'a <synthetic> message: readout unchanged',
      { phase: 'LIVE', model: 'haiku-4.5' },
      () => true,
    );
    await s.expect(
      'still haiku after the synthetic message',
      { phase: 'LIVE', model: 'haiku-4.5' },
      { timeoutMs: 2000 },
    );
  },
});
