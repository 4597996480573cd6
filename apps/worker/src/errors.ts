// Error classes that decide retries (DESIGN decision 6) and the abort reasons of an attempt.

/** Bad input or a deterministic failure: another attempt would fail the same way. */
export class NonRetryableError extends Error {
  readonly retryable = false;
  constructor(message: string, type = 'NonRetryableError', options?: { cause?: unknown }) {
    super(message, options);
    this.name = type;
  }
}

/** The spec or inputs do not validate. */
export class ValidationError extends NonRetryableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ValidationError', options);
  }
}

/** Infrastructure trouble (coordinator, disk, worker shutdown): worth another attempt. */
export class RetryableError extends Error {
  readonly retryable = true;
  constructor(message: string, type = 'InfrastructureError', options?: { cause?: unknown }) {
    super(message, options);
    this.name = type;
  }
}

/** The coordinator cannot be reached (UNAVAILABLE, DEADLINE_EXCEEDED, ...). */
export class CoordinatorUnavailableError extends RetryableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'CoordinatorUnavailableError', options);
  }
}

/**
 * Why an attempt's AbortController fired. The runner maps it to the reported outcome:
 * - `cancelled`: the user cancelled (gRPC command or cancel flag on ReportMetrics) → outcome cancelled;
 * - `stale`: the coordinator refused our fencing token → nothing more is reported for the attempt;
 * - `shutdown`: the worker is stopping (SIGTERM/SIGINT) → failed, retryable;
 * - `coordinator-lost`: reports kept failing → failed, retryable.
 */
export type AbortKind = 'cancelled' | 'stale' | 'shutdown' | 'coordinator-lost';

export class AttemptAbortedError extends Error {
  constructor(
    readonly kind: AbortKind,
    message: string,
  ) {
    super(message);
    // DOM-style name so handlers and libraries that test `name === 'AbortError'` treat it as an abort.
    this.name = 'AbortError';
  }
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err instanceof AttemptAbortedError);
}

/**
 * The kind of abort that fired `signal` (undefined while it has not fired). A reason that is not an
 * {@link AttemptAbortedError} counts as `cancelled`, as the executor reports it.
 */
export function abortKindOf(signal: AbortSignal): AbortKind | undefined {
  if (!signal.aborted) return undefined;
  const reason: unknown = signal.reason;
  return reason instanceof AttemptAbortedError ? reason.kind : 'cancelled';
}

/**
 * Whether an aborted attempt should save a checkpoint before it stops: only when the worker is
 * shutting down (SIGTERM/SIGINT or drain), since the run then continues in a new attempt. Not on
 * `cancelled` (the run is over) nor `stale` (another attempt owns the run now), nor on
 * `coordinator-lost` (the run may already be handed to another worker).
 */
export function checkpointsOnAbort(signal: AbortSignal): boolean {
  return abortKindOf(signal) === 'shutdown';
}

/** Throws the signal's reason (an {@link AttemptAbortedError} when the runner aborted) if aborted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (!signal.aborted) return;
  const reason: unknown = signal.reason;
  if (reason instanceof Error) throw reason;
  throw new AttemptAbortedError('cancelled', typeof reason === 'string' ? reason : 'aborted');
}

/** Messages of allocation failures: tfjs-node/CUDA, wasm memory growth, V8 buffers, the OS. */
const OUT_OF_MEMORY = /out of memory|\bOOM\b|ResourceExhausted|CUDA_ERROR_OUT_OF_MEMORY|Array buffer allocation failed|WebAssembly\.Memory|Cannot enlarge memory|ENOMEM/i;

/** Type of a classified out-of-memory error: the attempt is retried and the process recycled. */
export const OUT_OF_MEMORY_TYPE = 'OutOfMemoryError';

export function isOutOfMemory(err: unknown): boolean {
  return err instanceof Error && ((err as NodeJS.ErrnoException).code === 'ENOMEM' || OUT_OF_MEMORY.test(err.message));
}

export interface ClassifiedError {
  type: string;
  message: string;
  retryable: boolean;
}

/**
 * Decides whether a handler's error is worth another attempt. Explicit classes win; otherwise errors
 * that look like I/O or resource trouble are retryable and everything else (programming errors,
 * bad values) is not, because repeating a deterministic computation gives the same error.
 */
export function classifyError(err: unknown): ClassifiedError {
  if (err instanceof NonRetryableError || err instanceof RetryableError) {
    return { type: err.name, message: err.message, retryable: err.retryable };
  }
  if (isOutOfMemory(err)) {
    // Retry elsewhere (or in a fresh process): allocator state after an OOM cannot be trusted.
    return { type: OUT_OF_MEMORY_TYPE, message: (err as Error).message, retryable: true };
  }
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const infraCodes = ['ENOSPC', 'EIO', 'EMFILE', 'ENFILE', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAGAIN', 'ENOMEM'];
    const retryable = typeof code === 'string' && infraCodes.includes(code);
    return { type: err.name || 'Error', message: err.message || String(err), retryable };
  }
  return { type: 'Error', message: String(err), retryable: false };
}
