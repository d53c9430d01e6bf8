// Waiting with a deadline, never a bare sleep: poll a predicate until it returns something truthy or the
// deadline passes, then fail with what was last seen so the report says *why* it timed out.

export class WaitTimeoutError extends Error {
  constructor(
    message: string,
    readonly lastSeen: string,
  ) {
    super(lastSeen ? `${message}; last seen: ${lastSeen}` : message);
    this.name = 'WaitTimeoutError';
  }
}

export interface WaitOptions {
  timeoutMs: number;
  /** How often the predicate is re-evaluated. */
  intervalMs?: number;
  /** What is being waited for, for the error message. */
  what?: string;
  /** Describes the current state when the wait times out (e.g. the target's last state line). */
  describe?: () => string;
  /** Aborts the wait early (e.g. the target process died): the wait rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Resolves with the predicate's first truthy result. A predicate that throws is treated as "not yet"
 * (its last error is reported on timeout), because states are often half-formed while a target starts.
 */
export async function waitFor<T>(
  predicate: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitOptions,
): Promise<T> {
  const interval = options.intervalMs ?? 50;
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  for (;;) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('wait aborted');
    try {
      const value = await predicate();
      if (value) return value;
      lastError = '';
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const seen = [options.describe?.() ?? '', lastError ? `error: ${lastError}` : '']
        .filter(Boolean)
        .join('; ');
      throw new WaitTimeoutError(
        `timed out after ${options.timeoutMs} ms waiting for ${options.what ?? 'condition'}`,
        seen,
      );
    }
    await delay(Math.min(interval, remaining), options.signal);
  }
}

/** A cancellable delay used only inside waits (never as a synchronisation primitive in scenarios). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('aborted'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
