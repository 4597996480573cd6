// Checkpoints as a contract for the long jobs: the train and stitch handlers checkpoint every N
// steps and when the worker stops mid-run (shutdown/drain, not cancel), and a new attempt of the
// run resumes from the newest complete checkpoint without re-reporting earlier steps.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stitchSpecSchema, trainSpecSchema, type StitchSpec, type TrainSpec } from '@anchorage/contracts';
import { createViT, initBackend, saveModel, tf, type ViTConfig } from '@anchorage/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortKindOf, AttemptAbortedError, checkpointsOnAbort, type AbortKind } from '../src/errors.js';
import { checkpointsDir, latestCheckpoint, listCheckpoints } from '../src/handlers/checkpoints.js';
import { stitchHandler } from '../src/handlers/stitch.js';
import { trainHandler } from '../src/handlers/train.js';
import type { HandlerContext } from '../src/handlers/types.js';
import type { ProgressReport } from '../src/reporter.js';

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), 'anchorage-ckpt-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * One attempt's context: records metrics, logs and registered checkpoints; aborts with `abort.kind`
 * once the metric `abort.metric` reaches `abort.step`.
 */
function attempt<Spec>(spec: Spec, runId: string, attemptNumber: number, abort?: { metric: string; step: number; kind: AbortKind }, inputs: Record<string, unknown> = {}) {
  const controller = new AbortController();
  const metrics: { name: string; step: number; value: number }[] = [];
  const logs: string[] = [];
  const checkpoints: { step: number; uri: string }[] = [];
  const report: ProgressReport = {
    metric: (name, step, value) => {
      metrics.push({ name, step, value });
      if (abort && name === abort.metric && step >= abort.step && !controller.signal.aborted) {
        controller.abort(new AttemptAbortedError(abort.kind, `aborted (${abort.kind})`));
      }
    },
    log: (_level, msg) => logs.push(msg),
    progress: () => undefined,
  };
  const ctx: HandlerContext<Spec> = {
    spec,
    inputs,
    signal: controller.signal,
    report,
    artifactsDir: dir,
    runId,
    attemptNumber,
    checkpoint: async (step, uri) => {
      checkpoints.push({ step, uri });
    },
  };
  const steps = (name: string) => metrics.filter((m) => m.name === name).map((m) => m.step);
  return { ctx, metrics, logs, checkpoints, steps };
}

const trainSpec = (over: Record<string, unknown> = {}) =>
  trainSpecSchema.parse({
    model: { preset: 'vit-ti', dim: 16, depth: 1, heads: 2, patchSize: 14 },
    data: { testFraction: 0.05, seed: 3 },
    steps: 24,
    batchSize: 16,
    warmupSteps: 2,
    metricsEvery: 2,
    checkpointEvery: 5,
    seed: 1,
    ...over,
  }) as TrainSpec;

describe('abort kinds', () => {
  it('tells a shutdown from a cancel', () => {
    const of = (reason?: unknown) => {
      const c = new AbortController();
      if (reason !== undefined) c.abort(reason);
      return c.signal;
    };
    expect(abortKindOf(of())).toBeUndefined();
    expect(abortKindOf(of(new AttemptAbortedError('shutdown', 'x')))).toBe('shutdown');
    expect(abortKindOf(of(new AttemptAbortedError('stale', 'x')))).toBe('stale');
    expect(abortKindOf(of('plain reason'))).toBe('cancelled');
    expect(checkpointsOnAbort(of(new AttemptAbortedError('shutdown', 'x')))).toBe(true);
    for (const kind of ['cancelled', 'stale', 'coordinator-lost'] as const) expect(checkpointsOnAbort(of(new AttemptAbortedError(kind, 'x')))).toBe(false);
    expect(checkpointsOnAbort(of())).toBe(false);
  });
});

describe('train handler checkpoints', () => {
  it('checkpoints, saves one on shutdown, and the next attempt resumes from it with the same result', async () => {
    const spec = trainSpec();
    const before = tf.memory().numTensors;

    // Uninterrupted reference run.
    const ref = attempt(spec, 'run-ref', 1);
    const refOut = await trainHandler(ref.ctx);
    expect(ref.checkpoints.map((c) => c.step)).toEqual([5, 10, 15, 20]);

    // Attempt 1: the worker shuts down after step 12 was reported.
    const runId = 'run-resume';
    const a1 = attempt(spec, runId, 1, { metric: 'train/loss', step: 12, kind: 'shutdown' });
    const err = await trainHandler(a1.ctx).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(tf.memory().numTensors).toBe(before);
    expect(a1.steps('train/loss')).toEqual([2, 4, 6, 8, 10, 12]);
    // Regular checkpoints at 5 and 10, then one at the last completed step before stopping.
    expect(a1.checkpoints.map((c) => c.step)).toEqual([5, 10, 12]);
    const root = checkpointsDir(dir, runId);
    for (const c of a1.checkpoints) expect(fileURLToPath(c.uri)).toBe(join(root, `step-${c.step}`) + '/');
    expect(a1.logs.some((l) => /saved a checkpoint at step 12/.test(l))).toBe(true);
    expect((await readdir(join(root, 'step-12'))).sort()).toEqual(['model.json', 'optimizer.bin', 'trainer.json', 'weights.bin']);
    await expect(readdir(join(dir, 'models', runId))).rejects.toThrow();

    // A later, half-written checkpoint (no trainer.json) is not picked.
    await mkdir(join(root, 'step-99'), { recursive: true });
    await writeFile(join(root, 'step-99', 'weights.bin'), new Uint8Array(8));
    expect((await latestCheckpoint(root))?.step).toBe(12);
    expect((await listCheckpoints(root)).map((c) => c.step)).toEqual([12, 10, 5]);

    // Attempt 2 resumes from step 12: no step up to 12 is reported again.
    const a2 = attempt(spec, runId, 2);
    const out = await trainHandler(a2.ctx);
    expect(tf.memory().numTensors).toBe(before);
    expect(a2.logs).toContain('resuming from the checkpoint at step 12');
    const lossSteps = a2.steps('train/loss');
    expect(lossSteps[0]).toBeGreaterThan(12);
    expect(lossSteps).toEqual([14, 16, 18, 20, 22, 24]);
    expect(a2.checkpoints.map((c) => c.step)).toEqual([15, 20]);

    // The same metrics and result as the uninterrupted run (bit-identical training on one backend).
    const refTail = ref.metrics.filter((m) => m.step > 12);
    expect(a2.metrics).toEqual(refTail);
    const { durationMs: _d1, ...r2 } = out.result;
    const { durationMs: _d2, ...rRef } = refOut.result;
    expect(r2).toEqual(rRef);
    expect(out.models![0]!.lineage).toMatchObject({ runId, attempt: 2, steps: 24, resumedFromStep: 12 });
    expect(refOut.models![0]!.lineage).toMatchObject({ resumedFromStep: null });
  });

  it('does not checkpoint on cancel or on a stale token', async () => {
    const spec = trainSpec({ checkpointEvery: 100, steps: 200 });
    for (const kind of ['cancelled', 'stale'] as const) {
      const runId = `run-${kind}`;
      const a = attempt(spec, runId, 1, { metric: 'train/loss', step: 4, kind });
      const err = await trainHandler(a.ctx).catch((e: unknown) => e);
      expect((err as Error).name).toBe('AbortError');
      expect(a.checkpoints).toEqual([]);
      expect(await listCheckpoints(checkpointsDir(dir, runId))).toEqual([]);
    }
  });

  it('ignores a checkpoint that does not belong to the spec', async () => {
    const runId = 'run-other';
    const a1 = attempt(trainSpec(), runId, 1, { metric: 'train/loss', step: 6, kind: 'shutdown' });
    await trainHandler(a1.ctx).catch(() => undefined);
    expect(a1.checkpoints.map((c) => c.step)).toEqual([5, 6]);
    const a2 = attempt(trainSpec({ seed: 2, steps: 4 }), runId, 2);
    await trainHandler(a2.ctx);
    expect(a2.logs.some((l) => /ignoring the checkpoint at step 6/.test(l))).toBe(true);
    expect(a2.steps('train/loss')).toEqual([2, 4]);
  });
});

describe('stitch handler checkpoints', () => {
  it('saves a checkpoint on shutdown and the next attempt resumes after it', async () => {
    const cfg = (d: number): ViTConfig => ({ imageSize: 28, channels: 1, patchSize: 14, dim: d, depth: 2, heads: 2, mlpRatio: 2, numClasses: 10 });
    const models: Record<string, unknown> = {};
    for (const [i, d] of [8, 16].entries()) {
      const vit = createViT(cfg(d), { seed: 20 + i, init: 'fan-in' });
      const folder = join(dir, 'anchors', `a${i}`);
      await saveModel(vit, folder);
      vit.dispose();
      models[`a${i}`] = { id: `a${i}`, artifactUri: pathToFileURL(folder + '/').href, architecture: { preset: `a${i}`, dim: d }, lineage: { data: { testFraction: 0.05, seed: 3 } } };
    }
    const spec = stitchSpecSchema.parse({
      anchors: ['a0', 'a1'],
      steps: 16,
      batchSize: 8,
      initBatch: 16,
      checkpointEvery: 5,
      metricsEvery: 1,
      seed: 4,
      evaluation: { batchSize: 128, latency: false },
    }) as StitchSpec;
    const before = tf.memory().numTensors;
    const runId = 'run-stitch';
    const a1 = attempt(spec, runId, 1, { metric: 'train/loss', step: 7, kind: 'shutdown' }, { models });
    const err = await stitchHandler(a1.ctx).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(tf.memory().numTensors).toBe(before);
    expect(a1.checkpoints.map((c) => c.step)).toEqual([5, 7]);

    const a2 = attempt(spec, runId, 2, undefined, { models });
    const out = await stitchHandler(a2.ctx);
    expect(tf.memory().numTensors).toBe(before);
    expect(a2.logs).toContain('resuming from the checkpoint at step 7');
    expect(a2.steps('train/loss')[0]).toBe(8);
    expect(a2.checkpoints.map((c) => c.step)).toEqual([10, 15]);
    expect(out.result).toMatchObject({ trainSteps: 16 });
    expect(out.stitches!.length).toBeGreaterThan(2);
  });
});
