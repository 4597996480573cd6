// Diagnostic jobs for tests and benchmarks (DESIGN: allowed only when enabled by configuration).
//   noop  → returns at once
//   sleep → durationMs split into `steps` reports of `diag/step`, abortable
//   fail  → throws an error with the message (non-retryable unless `retryable`)
//   crash → process.exit(exitCode) at once, nothing reported (a killed worker)
//   hang  → never settles and ignores abort, without blocking the event loop
//   oom   → allocates `bytes` at once; the runtime's allocation failure is an out-of-memory error
import type { DiagnosticSpec } from '@anchorage/contracts';
import { sleep } from '../backoff.js';
import { NonRetryableError, RetryableError, throwIfAborted } from '../errors.js';
import type { Handler } from './types.js';

export class DiagnosticsDisabledError extends NonRetryableError {
  constructor() {
    super('diagnostic runs are disabled on this worker (set ANCHORAGE_DIAGNOSTICS=1 to allow them)', 'DiagnosticsDisabledError');
  }
}

export interface DiagnosticOptions {
  enabled: boolean;
  /** Replaced in tests; the real one ends the process. */
  exit?: (code: number) => never;
}

export function createDiagnosticHandler(options: DiagnosticOptions): Handler<DiagnosticSpec> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  return async ({ spec, signal, report }) => {
    if (!options.enabled) throw new DiagnosticsDisabledError();
    const started = Date.now();
    throwIfAborted(signal);
    switch (spec.action) {
      case 'noop':
        break;
      case 'sleep': {
        const per = spec.durationMs / spec.steps;
        for (let step = 1; step <= spec.steps; step++) {
          // Sleep to the step's deadline (not a fixed slice) so the total stays close to durationMs.
          const wait = started + per * step - Date.now();
          if (wait > 0) await sleep(wait, signal);
          throwIfAborted(signal);
          report.metric('diag/step', step, step);
          if (spec.value !== undefined) report.metric('diag/value', step, spec.value);
          report.progress(step / spec.steps);
        }
        break;
      }
      case 'fail':
        if (spec.retryable) throw new RetryableError(spec.message, 'DiagnosticFailure');
        throw new NonRetryableError(spec.message, 'DiagnosticFailure');
      case 'crash':
        exit(spec.exitCode);
        break;
      case 'hang':
        report.log('info', 'diagnostic hang: this attempt will never finish and ignores cancellation');
        // A pending promise with no timer: the event loop (heartbeats, BullMQ locks) keeps running.
        await new Promise<never>(() => undefined);
        break;
      case 'oom': {
        const buffer = new ArrayBuffer(spec.bytes); // throws RangeError: Array buffer allocation failed
        report.log('warn', `diagnostic oom: ${buffer.byteLength} bytes were allocated after all`);
        break;
      }
    }
    return { result: { action: spec.action, durationMs: Date.now() - started } };
  };
}
