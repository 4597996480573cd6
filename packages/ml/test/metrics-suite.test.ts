import { beforeAll, describe, expect, it } from 'vitest';
import {
  METRIC_NAMES,
  createViT,
  evaluateClassifier,
  evaluateModel,
  expectedCalibrationError,
  extractFeatures,
  initBackend,
  knnAccuracy,
  linearProbe,
  loadMnist,
  measureLatency,
  mulberry32,
  scalarMetrics,
  subsetDataset,
  tf,
  trainClassifier,
  variabilityCollapseIndex,
  vitMacs,
  type Dataset,
  type EvaluableModel,
  type FeatureSet,
  type MetricName,
  type ViT,
  type ViTConfig,
} from '../src/index.js';

const config: ViTConfig = { imageSize: 28, channels: 1, patchSize: 7, dim: 32, depth: 1, heads: 2, mlpRatio: 2, numClasses: 10 };

let train: Dataset;
let test: Dataset;
let model: ViT;
let headAccuracy: number;

beforeAll(async () => {
  await initBackend();
  const split = loadMnist({ seed: 0 });
  train = subsetDataset(split.train, 2048, 1);
  test = subsetDataset(split.test, 500, 2);
  model = createViT(config, { seed: 0, init: 'fan-in' });
  await trainClassifier({ model, data: train, batchSize: 64, steps: 250, learningRate: 1e-2, warmupSteps: 10, seed: 0 });
  headAccuracy = (await evaluateClassifier(model, test)).accuracy;
}, 120_000);

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** A linearly separable set: K classes around well-separated centres in d dimensions. */
function separable(n: number, seed: number, d = 8, K = 3): FeatureSet {
  const rand = mulberry32(seed);
  const centres = Array.from({ length: K }, (_, c) => Array.from({ length: d }, (_, j) => (j % K === c ? 4 : 0)));
  const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * K));
  const features = new Float32Array(n * d);
  labels.forEach((c, i) => {
    for (let j = 0; j < d; j++) features[i * d + j] = centres[c]![j]! + 0.7 * gaussian(rand);
  });
  return { features, labels, count: n, dim: d, numClasses: K };
}

async function weightsBytes(m: ViT): Promise<Map<string, Uint8Array>> {
  const w = await m.getWeights();
  return new Map([...w].map(([k, v]) => [k, new Uint8Array(v.buffer.slice(0))]));
}

describe('feature extraction', () => {
  it('returns model.features for every sample in order, batched, leaking nothing', async () => {
    const small = subsetDataset(test, 37, 5);
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const fs = await extractFeatures(model, small, { batchSize: 16, onProgress: (f) => progress.push(f) });
    expect(tf.memory().numTensors).toBe(before);
    expect(fs).toMatchObject({ count: 37, dim: 32, numClasses: 10 });
    expect(Array.from(fs.labels)).toEqual(Array.from(small.labels));
    expect(progress).toEqual([16 / 37, 32 / 37, 1]);
    const direct = tf.tidy(() => model.features(tf.tensor4d(small.images, [37, 28, 28, 1])));
    const ref = direct.dataSync();
    direct.dispose();
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i]! - fs.features[i]!));
    expect(maxDiff).toBeLessThan(1e-5);
    const ac = new AbortController();
    ac.abort();
    await expect(extractFeatures(model, small, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('linear probe', () => {
  it('reaches high accuracy on a linearly separable synthetic set, deterministically, leaking nothing', async () => {
    const tr = separable(600, 1);
    const te = separable(300, 2);
    const before = tf.memory().numTensors;
    const r = await linearProbe(tr, te, { epochs: 30, returnHead: true });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.top1).toBeGreaterThanOrEqual(0.97);
    expect(r.top5).toBe(1);
    expect(r.count).toBe(300);
    expect(r.steps).toBe(30 * 3);
    expect(r.epochs).toBeCloseTo(30, 12);
    expect(r.trainLoss).toBeLessThan(0.2);
    expect(r.head!.weight).toHaveLength(8 * 3);
    expect(r.head!.bias).toHaveLength(3);
    const again = await linearProbe(tr, te, { epochs: 30 });
    expect(again.top1).toBe(r.top1);
    expect(again.loss).toBe(r.loss);
    // Tensor inputs work and are left alone.
    const xTr = tf.tensor2d(tr.features, [tr.count, tr.dim]);
    const xTe = tf.tensor2d(te.features, [te.count, te.dim]);
    const t = await linearProbe({ features: xTr, labels: tr.labels }, { features: xTe, labels: te.labels }, { steps: 90 });
    expect(t.top1).toBe(r.top1);
    expect(xTr.isDisposed || xTe.isDisposed).toBe(false);
    xTr.dispose();
    xTe.dispose();
  });

  it('reaches high accuracy on MNIST features of a tiny trained ViT, leaving the backbone byte-identical', async () => {
    const before = await weightsBytes(model);
    const ftr = await extractFeatures(model, train);
    const fte = await extractFeatures(model, test);
    const r = await linearProbe(ftr, fte);
    expect(r.steps).toBe(40 * 8); // defaults: 40 epochs of batch 256
    expect(r.top1).toBeGreaterThanOrEqual(0.75);
    expect(r.top1).toBeGreaterThanOrEqual(headAccuracy - 0.05);
    const after = await weightsBytes(model);
    for (const [k, v] of before) expect(after.get(k)).toEqual(v);
  });

  it('stops on abort', async () => {
    const ac = new AbortController();
    const before = tf.memory().numTensors;
    const p = linearProbe(separable(600, 1), separable(50, 2), {
      epochs: 100,
      signal: ac.signal,
      onProgress: (f) => {
        if (f > 0.1) ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('latency', () => {
  it('returns sane positive numbers per batch size, records the backend and disposes everything', async () => {
    // A forward that leaves intermediates around: the protocol's tidy must clean them up.
    let calls = 0;
    const sloppy = {
      forward: (x: tf.Tensor) => {
        calls++;
        const h = tf.relu(tf.reshape(x, [x.shape[0]!, -1]));
        return tf.sum(h, 1, true);
      },
    };
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const r = await measureLatency(sloppy, { inputShape: [28, 28, 1], batchSizes: [1, 8], warmupRuns: 2, timedRuns: 5, onProgress: (f) => progress.push(f) });
    expect(tf.memory().numTensors).toBe(before);
    expect(calls).toBe(2 * 7);
    expect(progress.at(-1)).toBe(1);
    expect(r.backend).toBe(tf.getBackend());
    expect(r.inputShape).toEqual([28, 28, 1]);
    expect(r.results.map((s) => s.batchSize)).toEqual([1, 8]);
    for (const s of r.results) {
      expect(s.minMs).toBeGreaterThan(0);
      expect(s.medianMs).toBeGreaterThanOrEqual(s.minMs);
      expect(s.p90Ms).toBeGreaterThanOrEqual(s.medianMs);
      expect(s.maxMs).toBeGreaterThanOrEqual(s.p90Ms);
      expect(s.medianMs).toBeLessThan(5_000);
      expect(s.medianMsPerSample).toBeCloseTo(s.medianMs / s.batchSize, 12);
      expect(s).toMatchObject({ warmupRuns: 2, timedRuns: 5 });
    }
    const vit = await measureLatency(model, { inputShape: [28, 28, 1], warmupRuns: 1, timedRuns: 3 });
    expect(vit.results.map((s) => s.batchSize)).toEqual([1, 64]);
    expect(tf.memory().numTensors).toBe(before);
    await expect(measureLatency(sloppy, { inputShape: [28, 28, 1], timedRuns: 0 })).rejects.toThrow(/timedRuns/);
  });
});

describe('evaluateModel', () => {
  it('returns exactly the requested metrics, consistent with the individual functions, leaving the model untouched', async () => {
    const weights = await weightsBytes(model);
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const all = await evaluateModel(
      model,
      { train, test },
      {
        metrics: METRIC_NAMES,
        batchSize: 200,
        knn: { k: 10 },
        linearProbe: { epochs: 10 },
        latency: { batchSizes: [1, 4], warmupRuns: 1, timedRuns: 3 },
        onProgress: (f) => progress.push(f),
      },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(all).sort()).toEqual([...METRIC_NAMES].sort());
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);
    expect(progress.at(-1)).toBe(1);

    const ref = await evaluateClassifier(model, test, { returnLogits: true });
    expect(all.top1).toBeCloseTo(ref.accuracy, 12);
    expect(all.top1).toBeCloseTo(headAccuracy, 12);
    expect(all.top5).toBeCloseTo(ref.top5!, 12);
    expect(all.loss).toBeCloseTo(ref.loss, 5);
    const logits = tf.tensor2d(ref.logits!, [test.count, 10]);
    const ece = await expectedCalibrationError(logits, test.labels);
    logits.dispose();
    expect(all.ece.ece).toBeCloseTo(ece.ece, 6);
    expect(all.ece.bins.map((b) => b.count)).toEqual(ece.bins.map((b) => b.count));

    const ftr = await extractFeatures(model, train);
    const fte = await extractFeatures(model, test);
    const knn = await knnAccuracy(ftr, fte, { k: 10 });
    expect(all.knn).toEqual(knn);
    expect(all.knn.top1).toBeGreaterThan(0.6);
    const probe = await linearProbe(ftr, fte, { epochs: 10 });
    expect(all['linear-probe'].top1).toBe(probe.top1);
    const vci = variabilityCollapseIndex({ values: ftr.features, rows: ftr.count, cols: ftr.dim }, ftr.labels);
    expect(all.vci.vci).toBeCloseTo(vci.vci, 12);
    expect(all.vci.vci).toBeGreaterThan(0);
    expect(all.vci.vci).toBeLessThan(1);
    expect(all.vci.rankB).toBe(9);

    expect(all.flops).toBe(vitMacs(config));
    expect(all.params).toBe(model.countParams());
    expect(all.latency.backend).toBe(tf.getBackend());
    expect(all.latency.results.map((s) => s.batchSize)).toEqual([1, 4]);

    const flat = scalarMetrics(all);
    expect(flat['top1']).toBe(all.top1);
    expect(flat['knn.top1']).toBe(all.knn.top1);
    expect(flat['latency.bs4.p90_ms']).toBe(all.latency.results[1]!.p90Ms);

    const after = await weightsBytes(model);
    for (const [k, v] of weights) expect(after.get(k)).toEqual(v);
  }, 60_000);

  it('computes only what is asked for', async () => {
    const forwardOnly: EvaluableModel = {
      forward: (x) => tf.tidy(() => tf.matMul(tf.reshape(x, [x.shape[0]!, 784]), tf.ones([784, 10]))) as tf.Tensor2D,
      features: () => {
        throw new Error('features() must not be called');
      },
    };
    const subsets: MetricName[][] = [[], ['top1'], ['loss', 'ece'], ['flops', 'params']];
    for (const metrics of subsets) {
      const r = await evaluateModel(forwardOnly, { test }, { metrics });
      expect(Object.keys(r).sort()).toEqual([...metrics].sort());
    }
    const fp = await evaluateModel(forwardOnly, { test }, { metrics: ['flops', 'params'] });
    expect(fp).toEqual({ flops: null, params: null });
    // Constant logits: every class ties, so the prediction is class 0 and the confidence 1/10.
    const t1 = await evaluateModel(forwardOnly, { test }, { metrics: ['top1', 'ece', 'loss'] });
    const zeros = Array.from(test.labels).filter((y) => y === 0).length / test.count;
    expect(t1.top1).toBeCloseTo(zeros, 12);
    expect(t1.loss).toBeCloseTo(Math.log(10), 5);
    expect(t1.ece.bins[1]!.count).toBe(test.count); // 0.1 ∈ (1/15, 2/15]
    const vciTest = await evaluateModel(model, { test }, { metrics: ['vci'], vci: { split: 'test' } });
    expect(Object.keys(vciTest)).toEqual(['vci']);
    expect(vciTest.vci.count).toBe(test.count);
    await expect(evaluateModel(model, { test }, { metrics: ['knn'] })).rejects.toThrow(/train set/);
    await expect(evaluateModel(model, { test }, { metrics: ['accuracy' as MetricName] })).rejects.toThrow(/unknown metric/);
  });

  it('stops on abort with an AbortError and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const ac = new AbortController();
    const p = evaluateModel(
      model,
      { train, test },
      {
        metrics: ['top1', 'knn', 'linear-probe'],
        signal: ac.signal,
        onProgress: (f) => {
          if (f > 0.3) ac.abort();
        },
      },
    );
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(tf.memory().numTensors).toBe(before);
  });
});
