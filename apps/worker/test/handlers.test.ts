// The train and evaluate handlers on the real packages/ml (tfjs wasm): a tiny ViT trains for a few
// steps, is saved as a model, and evaluating the saved model reproduces the test accuracy.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateSpecSchema, trainSpecSchema, type EvaluateSpec, type TrainSpec } from '@anchorage/contracts';
import { initBackend, loadMnist, tf } from '@anchorage/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptAbortedError } from '../src/errors.js';
import { evaluateHandler, evaluationSplit } from '../src/handlers/evaluate.js';
import { trainHandler, vitConfigOf } from '../src/handlers/train.js';
import type { ProgressReport } from '../src/reporter.js';

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), 'anchorage-worker-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function recorder() {
  const metrics: { name: string; step: number; value: number }[] = [];
  const progress: number[] = [];
  const logs: string[] = [];
  const report: ProgressReport = {
    metric: (name, step, value) => metrics.push({ name, step, value }),
    log: (_level, msg) => logs.push(msg),
    progress: (f) => progress.push(f),
  };
  return { metrics, progress, logs, report };
}

const tinySpec = {
  model: { preset: 'vit-ti', depth: 1 },
  data: { testFraction: 0.05, seed: 3 },
  steps: 6,
  batchSize: 16,
  warmupSteps: 2,
  metricsEvery: 2,
  seed: 1,
};

describe('train and evaluate handlers', () => {
  it('builds the ViT from the preset with overrides', () => {
    const spec = trainSpecSchema.parse({ model: { preset: 'vit-s', depth: 2, patchSize: 4 } }) as TrainSpec;
    expect(vitConfigOf(spec.model)).toMatchObject({ dim: 64, heads: 4, depth: 2, patchSize: 4, imageSize: 28, numClasses: 10 });
  });

  it('trains, reports metrics, saves the model, and evaluate reproduces its test accuracy', async () => {
    const spec = trainSpecSchema.parse(tinySpec) as TrainSpec;
    const rec = recorder();
    const before = tf.memory().numTensors;
    const out = await trainHandler({
      spec,
      inputs: {},
      signal: new AbortController().signal,
      report: rec.report,
      artifactsDir: dir,
      runId: 'run-0123456789abcdef',
      attemptNumber: 2,
    });
    expect(tf.memory().numTensors).toBe(before);

    expect(rec.metrics.filter((m) => m.name === 'train/loss').map((m) => m.step)).toEqual([2, 4, 6]);
    expect(rec.metrics.filter((m) => m.name === 'lr').map((m) => m.step)).toEqual([2, 4, 6]);
    expect(rec.metrics.filter((m) => m.name === 'train/accuracy')).toHaveLength(3);
    const testAcc = rec.metrics.find((m) => m.name === 'test/accuracy')!;
    expect(testAcc.step).toBe(6);
    expect(rec.progress.at(-1)).toBe(1);
    expect(rec.logs[0]).toMatch(/backend/);

    const r = out.result as Record<string, number>;
    expect(r.steps).toBe(6);
    expect(r.testAccuracy).toBe(testAcc.value);
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(r.testAccuracy).toBeLessThanOrEqual(1);
    expect(Number.isFinite(r.trainLoss) && Number.isFinite(r.testLoss)).toBe(true);
    expect(r.params).toBeGreaterThan(1000);
    expect(r.flops).toBeGreaterThan(0);
    expect(r.durationMs).toBeGreaterThan(0);

    expect(out.models).toHaveLength(1);
    const m = out.models![0]!;
    const modelFolder = join(dir, 'models', 'run-0123456789abcdef', 'attempt-2');
    expect(m).toMatchObject({
      resultField: 'modelId',
      name: 'vit-ti-89abcdef',
      kind: 'anchor',
      params: r.params,
      architecture: { family: 'vit', preset: 'vit-ti', dim: 32, depth: 1 },
      lineage: { runId: 'run-0123456789abcdef', data: { dataset: 'mnist', testFraction: 0.05, seed: 3 }, steps: 6 },
    });
    expect(fileURLToPath(m.artifactUri)).toBe(modelFolder + '/');
    expect((await readdir(modelFolder)).sort()).toEqual(['model.json', 'weights.bin']);

    // Evaluate the saved model; the split comes from its lineage.
    const evalSpec = evaluateSpecSchema.parse({ modelId: 'm-1' }) as EvaluateSpec;
    const inputs = { models: { 'm-1': { id: 'm-1', artifactUri: m.artifactUri, architecture: m.architecture, lineage: m.lineage } } };
    expect(evaluationSplit(evalSpec, inputs.models['m-1'])).toEqual({ dataset: 'mnist', testFraction: 0.05, seed: 3 });
    const evRec = recorder();
    const ev = await evaluateHandler({
      spec: evalSpec,
      inputs,
      signal: new AbortController().signal,
      report: evRec.report,
      artifactsDir: dir,
      runId: 'run-eval',
      attemptNumber: 1,
    });
    expect(ev.result).toMatchObject({ modelId: 'm-1', count: loadMnist({ seed: 3, testFraction: 0.05 }).test.count });
    expect(ev.result.accuracy).toBeCloseTo(r.testAccuracy, 6);
    expect(ev.result.loss).toBeCloseTo(r.testLoss, 4);
    expect(evRec.metrics.map((x) => x.name).sort()).toEqual(['eval/flops', 'eval/params', 'eval/top5', 'test/accuracy', 'test/loss']);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('train stops when aborted, leaving no tensors behind', async () => {
    const spec = trainSpecSchema.parse({ ...tinySpec, steps: 10_000 }) as TrainSpec;
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const rec = recorder();
    const running = trainHandler({
      spec,
      inputs: {},
      signal: controller.signal,
      report: { ...rec.report, metric: (n, s, v) => (rec.report.metric(n, s, v), s >= 4 && controller.abort(new AttemptAbortedError('cancelled', 'stop'))) },
      artifactsDir: dir,
      runId: 'run-abort',
      attemptNumber: 1,
    });
    const err = await running.catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(tf.memory().numTensors).toBe(before);
    await expect(readdir(join(dir, 'models', 'run-abort'))).rejects.toThrow();
  });

  it('evaluate refuses a model the coordinator did not resolve', async () => {
    const spec = evaluateSpecSchema.parse({ modelId: 'missing' }) as EvaluateSpec;
    const err = await evaluateHandler({
      spec,
      inputs: { models: {} },
      signal: new AbortController().signal,
      report: recorder().report,
      artifactsDir: dir,
      runId: 'r',
      attemptNumber: 1,
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ValidationError');
  });
});
