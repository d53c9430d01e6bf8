import { describe, expect, it } from 'vitest';
import { WaitTimeoutError, waitFor } from './lib/waitFor.js';

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let n = 0;
    const v = await waitFor(() => (++n >= 3 ? { n } : null), { timeoutMs: 5000, intervalMs: 1 });
    expect(v).toEqual({ n: 3 });
  });

  it('awaits async predicates', async () => {
    let n = 0;
    await expect(waitFor(async () => ++n === 2, { timeoutMs: 5000, intervalMs: 1 })).resolves.toBe(true);
  });

  it('times out with what it waited for and what it last saw', async () => {
    const err = await waitFor(() => false, {
      timeoutMs: 30,
      intervalMs: 5,
      what: 'HOT',
      describe: () => 'lamps=-',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toMatch(/timed out after 30 ms waiting for HOT; last seen: lamps=-/);
  });

  it('treats a throwing predicate as "not yet" and reports its last error', async () => {
    let n = 0;
    await expect(
      waitFor(
        () => {
          if (++n < 3) throw new Error('half-formed');
          return 'ok';
        },
        { timeoutMs: 5000, intervalMs: 1 },
      ),
    ).resolves.toBe('ok');
    await expect(
      waitFor(
        () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 20, intervalMs: 5 },
      ),
    ).rejects.toThrow(/error: connection refused/);
  });

  it('stops early when aborted', async () => {
    const ac = new AbortController();
    const p = waitFor(() => false, { timeoutMs: 60_000, intervalMs: 5, signal: ac.signal });
    ac.abort(new Error('target died'));
    await expect(p).rejects.toThrow('target died');
  });
});
