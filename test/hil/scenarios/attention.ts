import { defineScenario } from '../lib/scenario.js';

/** What the issue asks of ATTN: lit within 2 s of the hook event on every target, and cleared as fast. */
export const attentionDeadlineMs = 2000;

// `claude-gauge hook` forwards Claude Code's hook events: a permission prompt (Notification) lights ATTN on
// every target, the user's next prompt (UserPromptSubmit) clears it; the end of Claude's turn (Stop) lights
// it again, and the session's end (SessionEnd) clears it.
export default defineScenario({
  name: 'attention',
  description:
    'claude-gauge hook: Notification lights ATTN within 2 s, UserPromptSubmit clears it; Stop, SessionEnd',
  daemon: { redline: 1_000_000, ceiling: 1_000_000, stallMinutes: 60 },
  async run(s) {
    /** A hook's stdin as Claude Code writes it (common members first, then the event's own). */
    const hook = (event: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        session_id: s.sessionId,
        transcript_path: s.claude.transcriptPath(s.sessionId),
        cwd: '/home/u/p',
        permission_mode: 'default',
        hook_event_name: event,
        ...extra,
      });
    s.claude.startSession(s.sessionId);
    s.claude.appendTurn(s.sessionId, { input: 500, output: 500 });
    await s.expect('a live session, nobody waiting: no ATTN', { phase: 'LIVE', lamps: [] });
    await s.daemon.hook(
      hook('Notification', {
        message: 'Claude needs your permission to use Bash',
        notification_type: 'permission_prompt',
      }),
    );
    await s.expect(
      'Notification (permission_prompt): ATTN within 2 s',
      { phase: 'LIVE', lamps: ['ATTN'] },
      { timeoutMs: attentionDeadlineMs },
    );
    await s.daemon.hook(hook('UserPromptSubmit', { prompt: 'yes, go on' }));
    await s.expect(
      'UserPromptSubmit: ATTN cleared within 2 s',
      { phase: 'LIVE', lamps: [] },
      { timeoutMs: attentionDeadlineMs },
    );
    await s.daemon.hook(hook('Stop', { stop_hook_active: false }));
    await s.expect(
      'Stop (Claude waits for input): ATTN',
      { phase: 'LIVE', lamps: ['ATTN'] },
      { timeoutMs: attentionDeadlineMs },
    );
    await s.daemon.hook(hook('SessionEnd', { reason: 'clear' }));
    await s.expect(
      'SessionEnd: ATTN cleared',
      { phase: 'LIVE', lampsExclude: ['ATTN'] },
      { timeoutMs: attentionDeadlineMs },
    );
  },
});
