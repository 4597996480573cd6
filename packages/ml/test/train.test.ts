import { beforeAll, describe, expect, it } from 'vitest';
import {
  createViT,
  evaluateClassifier,
  initBackend,
  learningRateAt,
  loadMnist,
  subsetDataset,
  tf,
  trainClassifier,
  type Dataset,
  type TrainStepInfo,
  type ViTConfig,
} from '../src/index.js';

const small: ViTConfig = { imageSize: 28, channels: 1, patchSize: 7, dim: 16, depth: 1, heads: 2, mlpRatio: 2, numClasses: 10 };

describe('trainClassifier / evaluateClassifier', () => {
  let train: Dataset;
  let test: Dataset;

  beforeAll(async () => {
    await initBackend();
    const split = loadMnist({ seed: 0 });
    train = subsetDataset(split.train, 512, 1);
    test = subsetDataset(split.test, 300, 2);
  });

  it('lowers the loss over a few dozen steps, reports progress and leaks no tensors', async () => {
    const model = createViT(small, { seed: 0, init: 'fan-in' });
    const baseline = tf.memory().numTensors;
    const before = await evaluateClassifier(model, test, { batchSize: 128 });
    const reports: TrainStepInfo[] = [];
    const result = await trainClassifier({
      model,
      data: train,
      batchSize: 32,
      steps: 40,
      learningRate: 3e-3,
      warmupSteps: 4,
      weightDecay: 0.05,
      seed: 0,
      logEvery: 10,
      onStep: (s) => {
        reports.push(s);
      },
    });
    expect(tf.memory().numTensors).toBe(baseline);
    expect(reports.map((r) => r.step)).toEqual([10, 20, 30, 40]);
    expect(reports.every((r) => r.totalSteps === 40 && Number.isFinite(r.loss) && r.accuracy >= 0 && r.accuracy <= 1)).toBe(true);
    expect(reports[3]!.loss).toBeLessThan(reports[0]!.loss);
    expect(result.steps).toBe(40);
    expect(result.loss).toBe(reports[3]!.loss);
    expect(result.epochs).toBeCloseTo((40 * 32) / 512, 6);
    const after = await evaluateClassifier(model, test, { batchSize: 128 });
    expect(tf.memory().numTensors).toBe(baseline);
    expect(after.loss).toBeLessThan(before.loss);
    expect(after.accuracy).toBeGreaterThan(before.accuracy + 0.1);
    expect(after.count).toBe(300);
    expect(after.top5).toBeGreaterThanOrEqual(after.accuracy);
    model.dispose();
  });

  it('is reproducible for a fixed seed', async () => {
    const run = async () => {
      const model = createViT(small, { seed: 4, init: 'fan-in' });
      const r = await trainClassifier({ model, data: train, batchSize: 16, steps: 5, learningRate: 1e-3, seed: 9, logEvery: 5 });
      const w = await model.getWeights();
      model.dispose();
      return { r, w };
    };
    const a = await run();
    const b = await run();
    expect(a.r.loss).toBe(b.r.loss);
    for (const [n, v] of a.w) expect(b.w.get(n)).toEqual(v);
  });

  it('keeps the event loop running and stops on abort with AbortError, leaking nothing', async () => {
    const model = createViT(small, { seed: 0 });
    const baseline = tf.memory().numTensors;
    const ac = new AbortController();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    setTimeout(() => ac.abort(), 150);
    const started = Date.now();
    let lastStep = 0;
    const err = await trainClassifier({
      model,
      data: train,
      batchSize: 32,
      steps: 100_000,
      learningRate: 1e-3,
      seed: 0,
      signal: ac.signal,
      logEvery: 1,
      onStep: (s) => {
        lastStep = s.step;
      },
    }).catch((e: unknown) => e);
    clearInterval(timer);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(lastStep).toBeGreaterThan(0);
    expect(ticks).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(baseline);

    // Aborting from inside onStep, and an already-aborted signal.
    const ac2 = new AbortController();
    await expect(
      trainClassifier({ model, data: train, batchSize: 8, steps: 50, learningRate: 1e-3, seed: 0, signal: ac2.signal, logEvery: 1, onStep: (s) => (s.step === 3 ? ac2.abort() : undefined) }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    await expect(trainClassifier({ model, data: train, batchSize: 8, steps: 5, learningRate: 1e-3, seed: 0, signal: ac2.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(tf.memory().numTensors).toBe(baseline);

    // evaluate also honours the signal.
    await expect(evaluateClassifier(model, test, { batchSize: 50, signal: ac2.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(tf.memory().numTensors).toBe(baseline);
    model.dispose();
  });

  it('trains only the selected parameters', async () => {
    const model = createViT(small, { seed: 0 });
    const before = await model.getWeights();
    await trainClassifier({ model, data: train, batchSize: 16, steps: 3, learningRate: 1e-2, seed: 0, trainable: (n) => n.startsWith('head.') });
    const after = await model.getWeights();
    for (const [n, v] of before) {
      if (n.startsWith('head.')) expect(after.get(n)).not.toEqual(v);
      else expect(after.get(n)).toEqual(v);
    }
    model.dispose();
  });

  it('returns logits on request and validates options', async () => {
    const model = createViT(small, { seed: 0 });
    const r = await evaluateClassifier(model, test, { batchSize: 64, returnLogits: true });
    expect(r.logits!.length).toBe(300 * 10);
    const direct = tf.tidy(() => model.forward(tf.tensor4d(test.images.subarray(0, 784 * 2), [2, 28, 28, 1])).dataSync());
    for (let i = 0; i < 20; i++) expect(r.logits![i]).toBeCloseTo(direct[i]!, 5);
    await expect(trainClassifier({ model, data: train, batchSize: 0, steps: 1, learningRate: 1e-3, seed: 0 })).rejects.toThrow(/batchSize/);
    await expect(trainClassifier({ model, data: train, batchSize: 4, steps: 1, learningRate: 0, seed: 0 })).rejects.toThrow(/learningRate/);
    model.dispose();
  });

  it('warms up linearly, then follows a cosine to the floor', () => {
    const o = { learningRate: 1, totalSteps: 110, warmupSteps: 10 };
    expect(learningRateAt(0, o)).toBeCloseTo(0.1);
    expect(learningRateAt(9, o)).toBeCloseTo(1);
    expect(learningRateAt(10, o)).toBeCloseTo(1);
    expect(learningRateAt(60, o)).toBeCloseTo(0.5);
    expect(learningRateAt(109, o)).toBeLessThan(0.001);
    expect(learningRateAt(60, { ...o, minLearningRate: 0.2 })).toBeCloseTo(0.6);
    expect(learningRateAt(100, { ...o, schedule: 'constant' })).toBe(1);
  });
});
