// The diagnostic handler: sleep reports steps and honours abort, fail is not retryable, crash exits
// the process, hang never settles but leaves the event loop free, and it is refused when disabled.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { diagnosticSpecSchema, type DiagnosticSpec } from '@anchorage/contracts';
import { describe, expect, it } from 'vitest';
import { AttemptAbortedError, classifyError } from '../src/errors.js';
import { createDiagnosticHandler, DiagnosticsDisabledError } from '../src/handlers/diagnostic.js';
import type { ProgressReport } from '../src/reporter.js';

function recorder() {
  const metrics: { name: string; step: number; value: number; at: number }[] = [];
  const progress: number[] = [];
  const report: ProgressReport = {
    metric: (name, step, value) => metrics.push({ name, step, value, at: Date.now() }),
    log: () => undefined,
    progress: (f) => progress.push(f),
  };
  return { metrics, progress, report };
}

function ctx(spec: unknown, signal = new AbortController().signal) {
  const rec = recorder();
  return {
    rec,
    context: {
      spec: diagnosticSpecSchema.parse(spec) as DiagnosticSpec,
      inputs: {},
      signal,
      report: rec.report,
      artifactsDir: '/tmp',
      runId: 'run-1',
      attemptNumber: 1,
    },
  };
}

const handler = createDiagnosticHandler({ enabled: true });

describe('diagnostic handler', () => {
  it('noop returns at once', async () => {
    const { context } = ctx({ action: 'noop' });
    const out = await handler(context);
    expect(out.result).toEqual({ action: 'noop', durationMs: expect.any(Number) });
    expect(out.result.durationMs).toBeLessThan(50);
  });

  it('sleep spreads durationMs over `steps` diag/step reports', async () => {
    const { context, rec } = ctx({ action: 'sleep', durationMs: 300, steps: 6 });
    const t0 = Date.now();
    const out = await handler(context);
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(600);
    expect(rec.metrics.map((m) => [m.name, m.step, m.value])).toEqual([1, 2, 3, 4, 5, 6].map((s) => ['diag/step', s, s]));
    // evenly spaced: the first report comes after ~50 ms, not at once
    expect(rec.metrics[0]!.at - t0).toBeGreaterThanOrEqual(40);
    expect(rec.progress.at(-1)).toBe(1);
    expect(out.result).toMatchObject({ action: 'sleep' });
    expect(out.result.durationMs).toBeGreaterThanOrEqual(290);
  });

  it('sleep stops promptly when aborted, with the abort reason', async () => {
    const controller = new AbortController();
    const { context, rec } = ctx({ action: 'sleep', durationMs: 10_000, steps: 100 }, controller.signal);
    const t0 = Date.now();
    setTimeout(() => controller.abort(new AttemptAbortedError('cancelled', 'cancelled by user')), 250);
    const err = await handler(context).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(500);
    expect(err).toBeInstanceOf(AttemptAbortedError);
    expect((err as Error).name).toBe('AbortError');
    expect(rec.metrics.length).toBeGreaterThanOrEqual(1);
    expect(rec.metrics.length).toBeLessThanOrEqual(3);
  });

  it('fail throws a non-retryable error with the message', async () => {
    const { context } = ctx({ action: 'fail', message: 'boom on purpose' });
    const err = await handler(context).catch((e: unknown) => e);
    expect((err as Error).message).toBe('boom on purpose');
    expect(classifyError(err)).toEqual({ type: 'DiagnosticFailure', message: 'boom on purpose', retryable: false });
  });

  it('hang never settles, ignores abort, and does not block the event loop', async () => {
    const controller = new AbortController();
    const { context } = ctx({ action: 'hang' }, controller.signal);
    let settled = false;
    void handler(context).finally(() => (settled = true));
    controller.abort(new AttemptAbortedError('cancelled', 'x'));
    // timers keep firing while it hangs
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    await new Promise((r) => setTimeout(r, 200));
    clearInterval(timer);
    expect(ticks).toBeGreaterThanOrEqual(10);
    expect(settled).toBe(false);
  });

  it('is refused with a non-retryable error unless diagnostics are enabled', async () => {
    const { context } = ctx({ action: 'noop' });
    const err = await createDiagnosticHandler({ enabled: false })(context).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagnosticsDisabledError);
    expect(classifyError(err).retryable).toBe(false);
    expect((err as Error).message).toMatch(/ANCHORAGE_DIAGNOSTICS/);
  });

  it('crash exits the process with the exit code (nothing reported)', async () => {
    // In-process with a fake exit...
    const codes: number[] = [];
    const fake = createDiagnosticHandler({
      enabled: true,
      exit: ((code: number) => {
        codes.push(code);
        throw new Error('exited');
      }) as (code: number) => never,
    });
    const { context, rec } = ctx({ action: 'crash', exitCode: 71 });
    await expect(fake(context)).rejects.toThrow('exited');
    expect(codes).toEqual([71]);
    expect(rec.metrics).toEqual([]);
    // ...and for real, in a child process running the built handler.
    const dist = fileURLToPath(new URL('../dist/handlers/diagnostic.js', import.meta.url));
    const script = `
      const { createDiagnosticHandler } = await import(${JSON.stringify(dist)});
      const h = createDiagnosticHandler({ enabled: true });
      await h({ spec: { action: 'crash', exitCode: 71 }, inputs: {}, signal: new AbortController().signal,
        report: { metric() {}, log() {}, progress() {} }, artifactsDir: '/tmp', runId: 'r', attemptNumber: 1 });
      console.log('still alive');`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(child.status).toBe(71);
    expect(child.stdout).not.toContain('still alive');
  });
});
