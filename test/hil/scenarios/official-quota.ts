import { defineScenario } from '../lib/scenario.js';
import { updateDeadlineMs } from './timing.js';

const DAY_S = 86_400;

/** Claude Code's statusLine stdin (its documented shape), with the account's official quota. */
function statusJson(fiveHourPct: number, sevenDayPct: number): string {
  const nowS = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    hook_event_name: 'Status',
    session_id: 'hil-statusline',
    model: { id: 'claude-opus-4-5-20251101', display_name: 'Opus 4.5' },
    version: '2.1.90',
    rate_limits: {
      five_hour: { used_percentage: fiveHourPct, resets_at: nowS + 2 * 3600 },
      seven_day: { used_percentage: sevenDayPct, resets_at: nowS + 2 * DAY_S + 4 * 3600 + 600 },
    },
  });
}

// `claude-gauge statusline` forwards the account's official 5 h and 7-day figures: the fuel gauge switches
// to them and says so (basis=official), the weekly readout shows the 7-day figure, and a full 5 h window
// reads FULL NOW (eta=0m) with WARN. Before any arrived, the dash shows the estimate and `WEEK --`.
export default defineScenario({
  name: 'official-quota',
  description:
    'claude-gauge statusline sends 42 % / 63 %: fuel on the official basis, WEEK 63 %; then 100 %: full',
  daemon: { redline: 1_000_000, ceiling: 1_000_000, stallMinutes: 60 },
  async run(s) {
    s.claude.startSession(s.sessionId);
    s.claude.appendTurn(s.sessionId, { input: 50_000, output: 50_000 }); // 10 % of the ceiling, estimated
    await s.expect(
      'the estimate only: basis=estimate, no weekly figure',
      { phase: 'LIVE', basis: 'estimate', week: '--', needles: { fuel: { fraction: 0.9 } } },
      { timeoutMs: updateDeadlineMs(s.timing) },
    );
    const printed = await s.daemon.statusline(statusJson(42, 63));
    s.note(`statusline printed: ${printed.trim()}`);
    await s.expect(
      'official 42 % / 63 %: basis=official week=63%, fuel 58 % left',
      {
        phase: 'LIVE',
        basis: 'official',
        week: '63%',
        needles: { fuel: { fraction: 0.58 } },
        lampsExclude: ['WARN'],
      },
      { timeoutMs: updateDeadlineMs(s.timing) },
    );
    await s.daemon.statusline(statusJson(100, 64));
    await s.expect(
      'official 100 %: full now (eta=0m), WARN, week=64%',
      { phase: 'LIVE', basis: 'official', week: '64%', eta: '0m', lampsInclude: ['WARN'] },
      { timeoutMs: updateDeadlineMs(s.timing) },
    );
  },
});
