// Exponential backoff with full jitter, and an abortable sleep.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Multiplier per attempt (default 2). */
  factor?: number;
  /** Source of randomness in [0, 1) (tests pass a fixed one). */
  random?: () => number;
}

/** Delay before retry number `attempt` (0-based): uniform in [base/2, base], base = initial·factor^attempt capped at max. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const factor = options.factor ?? 2;
  const base = Math.min(options.maxMs, options.initialMs * factor ** Math.max(0, attempt));
  const r = (options.random ?? Math.random)();
  return Math.round(base / 2 + (base / 2) * r);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
