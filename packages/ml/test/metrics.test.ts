import { beforeAll, describe, expect, it } from 'vitest';
import {
  calibrationBinIndex,
  eceFromConfidences,
  expectedCalibrationError,
  initBackend,
  knnAccuracy,
  mulberry32,
  quantileSorted,
  symmetricEigen,
  tf,
  topAccuracies,
  topKAccuracy,
  trueClassRanksOf,
  variabilityCollapseIndex,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend();
});

/** Counts tensors around an async body and fails if any leaked. */
async function noLeak<T>(body: () => Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await body();
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

describe('top-k accuracy', () => {
  it('matches hand-ranked logits, breaking ties by lower class index', async () => {
    const row = [0.1, 0.5, 0.2, 0.9, 0.3, 0.4];
    const ties = [1, 1, 1, 1, 1, 1];
    // label 3 → rank 0; label 1 → rank 1; label 0 → rank 5; ties: label 0 → rank 0, label 5 → rank 5.
    const logits = tf.tensor2d([row, row, row, ties, ties]);
    const labels = [3, 1, 0, 0, 5];
    await noLeak(async () => {
      expect(Array.from(await trueClassRanksOf(logits, labels))).toEqual([0, 1, 5, 0, 5]);
      const r = await topAccuracies(logits, labels);
      expect(r).toEqual({ top1: 2 / 5, top5: 3 / 5, count: 5 });
      expect(await topKAccuracy(logits, labels, 2)).toBeCloseTo(3 / 5, 12);
      expect(await topKAccuracy(logits, labels, 6)).toBe(1);
      // Tensor labels work too and are not disposed.
      const y = tf.tensor1d(labels, 'int32');
      expect(await topKAccuracy(logits, y, 1)).toBeCloseTo(2 / 5, 12);
      y.dispose();
    });
    // Top-1 equals arg-max accuracy.
    const argmax = Array.from(tf.tidy(() => tf.argMax(logits, 1)).dataSync());
    expect(argmax.filter((p, i) => p === labels[i]).length / 5).toBeCloseTo(2 / 5, 12);
    logits.dispose();
  });

  it('rejects out-of-range labels and mismatched lengths', async () => {
    const logits = tf.tensor2d([[1, 2]]);
    await expect(topKAccuracy(logits, [2], 1)).rejects.toThrow(/out of range/);
    await expect(topKAccuracy(logits, [0, 1], 1)).rejects.toThrow(/labels/);
    logits.dispose();
  });
});

describe('expected calibration error', () => {
  it('puts confidences in ((m−1)/M, m/M] bins, edges included on the right', () => {
    expect(calibrationBinIndex(0.2, 15)).toBe(2); // 3/15 exactly: bin 3 = (2/15, 3/15]
    expect(calibrationBinIndex(0.2000001, 15)).toBe(3);
    expect(calibrationBinIndex(1, 15)).toBe(14);
    expect(calibrationBinIndex(1 / 15, 15)).toBe(0);
    expect(calibrationBinIndex(14 / 15, 15)).toBe(13);
    expect(calibrationBinIndex(0, 15)).toBe(0);
    for (let m = 1; m <= 15; m++) expect(calibrationBinIndex(m / 15, 15)).toBe(m - 1);
    expect(() => calibrationBinIndex(1.01, 15)).toThrow();
  });

  it('hand-computed five-sample case with a sample on a bin edge', () => {
    // Bins (M = 15): 0.9, 0.9 → bin 14; 0.55 → bin 9; 0.2 → bin 3 (edge); 0.21 → bin 4.
    // ECE = 2/5·|0.5 − 0.9| + 1/5·|1 − 0.55| + 1/5·|0 − 0.2| + 1/5·|1 − 0.21| = 0.16 + 0.09 + 0.04 + 0.158 = 0.448
    const r = eceFromConfidences([0.9, 0.9, 0.55, 0.2, 0.21], [1, 0, 1, 0, 1]);
    expect(r.ece).toBeCloseTo(0.448, 12);
    expect(r.mce).toBeCloseTo(0.79, 12);
    expect(r.numBins).toBe(15);
    expect(r.count).toBe(5);
    expect(r.bins).toHaveLength(15);
    expect(r.bins.map((b) => b.count)).toEqual([0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0]);
    expect(r.bins[2]).toMatchObject({ count: 1, accuracy: 0, confidence: 0.2 });
    expect(r.bins[2]!.lower).toBeCloseTo(2 / 15, 15);
    expect(r.bins[2]!.upper).toBeCloseTo(3 / 15, 15);
    expect(r.bins[13]).toMatchObject({ count: 2, accuracy: 0.5 });
    expect(r.bins[13]!.confidence).toBeCloseTo(0.9, 12);
    expect(Number.isNaN(r.bins[0]!.accuracy)).toBe(true);
  });

  it('four samples away from edges (doc 6.11) and a perfectly calibrated set', () => {
    // 0.95 (bin 15), 0.85 (bin 13), 0.45 (bin 7), 0.45 (bin 7): |1−0.95|+|0−0.85| + 2·|0.5−0.45| over 4
    const r = eceFromConfidences([0.95, 0.85, 0.45, 0.45], [true, false, true, false]);
    expect(r.ece).toBeCloseTo((0.05 + 0.85 + 2 * 0.05) / 4, 12);
    expect(eceFromConfidences([0.75, 0.75, 0.75, 0.75, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3], [1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]).ece).toBeCloseTo(0, 12);
  });

  it('computes confidences from logits (softmax max, arg-max correctness); confidence 1 lands in the last bin', async () => {
    const probs = [
      [0.7, 0.2, 0.1],
      [0.3, 0.6, 0.1],
      [0.5, 0.25, 0.25],
    ];
    const logits = tf.tensor2d([...probs.map((p) => p.map(Math.log)), [100, 0, 0]]);
    const labels = [0, 0, 2, 0];
    const r = await noLeak(() => expectedCalibrationError(logits, labels));
    const ref = eceFromConfidences([0.7, 0.6, 0.5, 1], [1, 0, 0, 1]);
    expect(r.ece).toBeCloseTo(ref.ece, 6);
    expect(r.bins[14]!.count).toBe(1);
    expect(r.bins[14]!.confidence).toBe(1);
    expect(r.bins.map((b) => b.count)).toEqual(ref.bins.map((b) => b.count));
    logits.dispose();
  });
});

describe('weighted kNN (DINO)', () => {
  const feats = (rows: number[][]) => tf.tensor2d(rows);

  it('k = 1 with test = train (no duplicates) is 100% (doc 6.12); scale does not matter', async () => {
    const rand = mulberry32(3);
    const rows = Array.from({ length: 30 }, () => Array.from({ length: 4 }, () => gaussian(rand)));
    const labels = rows.map((_, i) => i % 5);
    const x = feats(rows);
    const r = await noLeak(() => knnAccuracy({ features: x, labels }, { features: x, labels }, { k: 1 }));
    expect(r.top1).toBe(1);
    expect(r.k).toBe(1);
    x.dispose();
  });

  it('tiny 2-D sets: nearest direction wins, and exp(s/T) can outvote a majority', async () => {
    // Class 0: one point at 0°; class 1: two points at ±60°. Test point at 0° (scaled by 5).
    const train = feats([
      [1, 0],
      [0.5, Math.sqrt(3) / 2],
      [0.5, -Math.sqrt(3) / 2],
    ]);
    const test = feats([[5, 0]]);
    const labels = [0, 1, 1];
    // T = 0.07: class 0 scores e^(1/0.07) ≈ 1.6e6, class 1 2·e^(0.5/0.07) ≈ 2.5e3 → 0 wins.
    const sharp = await noLeak(() =>
      knnAccuracy({ features: train, labels }, { features: test, labels: [0] }, { k: 3, returnPredictions: true }),
    );
    expect(Array.from(sharp.predictions!)).toEqual([0]);
    expect(sharp.top1).toBe(1);
    expect(sharp.temperature).toBe(0.07);
    // T = 100: weights ≈ 1.01 vs 2·1.005 → the majority (class 1) wins.
    const flat = await knnAccuracy({ features: train, labels }, { features: test, labels: [0] }, { k: 3, temperature: 100, returnPredictions: true });
    expect(Array.from(flat.predictions!)).toEqual([1]);
    expect(flat.top1).toBe(0);
    expect(flat.top5).toBe(1);
    // k = 2 keeps the two best: 0° (class 0) and one of ±60° → 0 wins at any T.
    const two = await knnAccuracy({ features: train, labels }, { features: test, labels: [0] }, { k: 2, temperature: 100, returnPredictions: true });
    expect(Array.from(two.predictions!)).toEqual([0]);
    train.dispose();
    test.dispose();
  });

  it('a class that received no vote is never a top-5 hit', async () => {
    const train = feats([
      [1, 0],
      [0, 1],
    ]);
    const test = feats([[1, 0.1]]);
    // 7 classes; the only neighbour (k = 1) is class 3; the true class 6 got no vote.
    const r = await knnAccuracy({ features: train, labels: [3, 4] }, { features: test, labels: [6] }, { k: 1, numClasses: 7 });
    expect(r.top1).toBe(0);
    expect(r.top5).toBe(0);
    const hit = await knnAccuracy({ features: train, labels: [3, 4] }, { features: test, labels: [4] }, { k: 2, numClasses: 7 });
    expect(hit.top1).toBe(0);
    expect(hit.top5).toBe(1);
    train.dispose();
    test.dispose();
  });

  it('matches a plain JS reference with chunked test and train sets', async () => {
    const rand = mulberry32(11);
    const d = 5;
    const C = 4;
    const mk = (n: number) => Array.from({ length: n }, () => Array.from({ length: d }, () => gaussian(rand)));
    const trainRows = mk(41);
    const testRows = mk(17);
    const trainY = trainRows.map(() => Math.floor(rand() * C));
    const testY = testRows.map(() => Math.floor(rand() * C));
    const k = 6;
    const T = 0.5;
    const norm = (v: number[]) => {
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const tr = trainRows.map(norm);
    const refPred = testRows.map((row) => {
      const q = norm(row);
      const sims = tr.map((t, i) => ({ s: t.reduce((a, x, j) => a + x * q[j]!, 0), i }));
      sims.sort((a, b) => b.s - a.s);
      const scores = new Array<number>(C).fill(0);
      for (const { s, i } of sims.slice(0, k)) scores[trainY[i]!] += Math.exp(s / T);
      return scores.indexOf(Math.max(...scores));
    });
    const refTop1 = refPred.filter((p, i) => p === testY[i]).length / testRows.length;
    const trainX = feats(trainRows);
    const testX = feats(testRows);
    const whole = await noLeak(() =>
      knnAccuracy({ features: trainX, labels: trainY }, { features: testX, labels: testY }, { k, temperature: T, numClasses: C, returnPredictions: true }),
    );
    expect(Array.from(whole.predictions!)).toEqual(refPred);
    expect(whole.top1).toBeCloseTo(refTop1, 12);
    const progress: number[] = [];
    const chunked = await noLeak(() =>
      knnAccuracy(
        { features: trainX, labels: trainY },
        { features: testX, labels: testY },
        { k, temperature: T, numClasses: C, returnPredictions: true, testBatchSize: 4, trainChunkSize: 5, onProgress: (f) => progress.push(f) },
      ),
    );
    expect(Array.from(chunked.predictions!)).toEqual(refPred);
    expect(chunked.top5).toBe(whole.top5);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toHaveLength(5);
    // A FeatureSet (plain JS data) gives the same answer.
    const fs = (rows: number[][], labels: number[]) => ({
      features: Float32Array.from(rows.flat()),
      labels: Int32Array.from(labels),
      count: rows.length,
      dim: d,
      numClasses: C,
    });
    const plain = await noLeak(() => knnAccuracy(fs(trainRows, trainY), fs(testRows, testY), { k, temperature: T, returnPredictions: true }));
    expect(Array.from(plain.predictions!)).toEqual(refPred);
    trainX.dispose();
    testX.dispose();
  });

  it('stops on abort with an AbortError and leaks nothing', async () => {
    const x = tf.tensor2d([[1, 0]]);
    const ac = new AbortController();
    ac.abort();
    const before = tf.memory().numTensors;
    await expect(knnAccuracy({ features: x, labels: [0] }, { features: x, labels: [0] }, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('symmetric Jacobi eigen-decomposition', () => {
  it('reconstructs random symmetric matrices with orthonormal vectors', () => {
    const rand = mulberry32(5);
    for (const n of [1, 2, 6, 40]) {
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = gaussian(rand);
      const { values, vectors } = symmetricEigen(a, n);
      for (let i = 1; i < n; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
      let maxErr = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let rec = 0;
          let dot = 0;
          for (let k = 0; k < n; k++) {
            rec += vectors[i * n + k]! * values[k]! * vectors[j * n + k]!;
            dot += vectors[k * n + i]! * vectors[k * n + j]!;
          }
          maxErr = Math.max(maxErr, Math.abs(rec - a[i * n + j]!), Math.abs(dot - (i === j ? 1 : 0)));
        }
      }
      expect(maxErr).toBeLessThan(1e-12);
    }
  });

  it('handles diagonal and rank-deficient matrices', () => {
    expect(Array.from(symmetricEigen([3, 0, 0, 0, 1, 0, 0, 0, 2], 3).values)).toEqual([3, 2, 1]);
    // vvᵀ with v = (1, 2, 2): eigenvalues 9, 0, 0.
    const v = [1, 2, 2];
    const m = v.flatMap((a) => v.map((b) => a * b));
    const { values } = symmetricEigen(m, 3, { valuesOnly: true });
    expect(values[0]).toBeCloseTo(9, 12);
    expect(Math.abs(values[1]!)).toBeLessThan(1e-14);
    expect(Math.abs(values[2]!)).toBeLessThan(1e-14);
  });
});

describe('variability collapse index', () => {
  it('1-D two-class by hand: {0, 2} vs {4, 6} → Σ_T = 5, Σ_B = 4, VCI = 0.2', () => {
    const r = variabilityCollapseIndex([[0], [2], [4], [6]], [0, 0, 1, 1]);
    expect(r.vci).toBeCloseTo(0.2, 12);
    expect(r.trace).toBeCloseTo(0.8, 12);
    expect(r).toMatchObject({ rankB: 1, rankT: 1, numClasses: 2, dim: 1, count: 4 });
  });

  it('unbalanced 1-D by hand: {0, 2} vs {5} → Σ_T = 38/9, Σ_B = 32/9 (p_c weights), VCI = 3/19', () => {
    expect(variabilityCollapseIndex([[0], [2], [5]], [0, 0, 1]).vci).toBeCloseTo(3 / 19, 12);
    // Collapsed and unbalanced: 0 (the 1/K weighting would go negative).
    expect(Math.abs(variabilityCollapseIndex([[1], [1], [1], [5]], [0, 0, 0, 1]).vci)).toBeLessThan(1e-12);
  });

  it('2-D three-class by hand: means (0,0), (2,0), (0,2), offsets ±(1,0) → VCI = 0.3', () => {
    const means = [
      [0, 0],
      [2, 0],
      [0, 2],
    ];
    const rows = means.flatMap(([x, y]) => [
      [x! + 1, y!],
      [x! - 1, y!],
    ]);
    // Σ_B = [[8/9, −4/9], [−4/9, 8/9]], Σ_W = diag(1, 0), Tr(Σ_T⁻¹Σ_B) = 2 − (Σ_T⁻¹)₁₁ = 2 − 3/5 = 1.4.
    const r = variabilityCollapseIndex(rows, [0, 0, 1, 1, 2, 2]);
    expect(r.trace).toBeCloseTo(1.4, 12);
    expect(r.rankB).toBe(2);
    expect(r.vci).toBeCloseTo(0.3, 12);
  });

  it('is 0 when every feature equals its class mean (also with K − 1 > d and float32 input)', () => {
    const rand = mulberry32(8);
    for (const [d, K] of [
      [8, 4],
      [2, 5],
    ] as const) {
      const centres = Array.from({ length: K }, () => Array.from({ length: d }, () => 3 * gaussian(rand)));
      const labels = Array.from({ length: 50 }, (_, i) => (i * 7) % K);
      const rows = labels.map((c) => centres[c]!);
      const r = variabilityCollapseIndex({ values: Float32Array.from(rows.flat()), rows: rows.length, cols: d }, labels);
      expect(Math.abs(r.vci)).toBeLessThan(1e-6);
      expect(r.rankB).toBe(Math.min(d, K - 1));
    }
  });

  it('is 1 when the class means coincide, and ≈ 1 when they coincide in distribution', () => {
    const exact = variabilityCollapseIndex(
      [
        [1, 2],
        [-1, -2],
        [3, -1],
        [-3, 1],
      ],
      [0, 0, 1, 1],
    );
    expect(exact.rankB).toBe(0);
    expect(exact.vci).toBe(1);
    const rand = mulberry32(21);
    const rows = Array.from({ length: 3000 }, () => Array.from({ length: 4 }, () => gaussian(rand)));
    const labels = rows.map((_, i) => i % 3);
    const r = variabilityCollapseIndex(rows, labels);
    expect(r.rankB).toBe(2);
    expect(r.vci).toBeGreaterThan(0.99);
    expect(r.vci).toBeLessThanOrEqual(1);
  });

  it('is invariant under a random invertible affine map h → Ah + c', () => {
    const rand = mulberry32(13);
    const d = 5;
    const K = 4;
    const centres = Array.from({ length: K }, () => Array.from({ length: d }, () => 2 * gaussian(rand)));
    const labels = Array.from({ length: 120 }, (_, i) => (i < 60 ? i % K : i % 2)); // unbalanced
    const rows = labels.map((c) => centres[c]!.map((m) => m + gaussian(rand)));
    const A = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => gaussian(rand) + (i === j ? 2 : 0)));
    const c = Array.from({ length: d }, () => 10 * gaussian(rand));
    const mapped = rows.map((h) => A.map((ar, i) => ar.reduce((acc, a, j) => acc + a * h[j]!, 0) + c[i]!));
    const v0 = variabilityCollapseIndex(rows, labels).vci;
    const v1 = variabilityCollapseIndex(mapped, labels).vci;
    expect(v0).toBeGreaterThan(0.05);
    expect(v0).toBeLessThan(0.95);
    expect(Math.abs(v1 - v0)).toBeLessThan(1e-6);
  });

  it('VCI·(K−1)/K equals the minimum MSE of an affine regression h → one-hot y (balanced classes)', () => {
    const rand = mulberry32(17);
    const d = 6;
    const K = 4;
    const N = 80;
    const centres = Array.from({ length: K }, () => Array.from({ length: d }, () => gaussian(rand)));
    const labels = Array.from({ length: N }, (_, i) => i % K);
    const rows = labels.map((cl) => centres[cl]!.map((m) => m + 0.8 * gaussian(rand)));
    // Least squares in float64: X = [h, 1], B = (XᵀX)⁻¹XᵀY by Gauss–Jordan with partial pivoting.
    const p = d + 1;
    const xtx = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    const xty = Array.from({ length: p }, () => new Array<number>(K).fill(0));
    rows.forEach((h, i) => {
      const x = [...h, 1];
      for (let a = 0; a < p; a++) {
        for (let b = 0; b < p; b++) xtx[a]![b]! += x[a]! * x[b]!;
        xty[a]![labels[i]!]! += x[a]!;
      }
    });
    const aug = xtx.map((r, i) => [...r, ...xty[i]!]);
    for (let col = 0; col < p; col++) {
      let piv = col;
      for (let r = col + 1; r < p; r++) if (Math.abs(aug[r]![col]!) > Math.abs(aug[piv]![col]!)) piv = r;
      [aug[col], aug[piv]] = [aug[piv]!, aug[col]!];
      const pv = aug[col]![col]!;
      for (let j = 0; j < p + K; j++) aug[col]![j]! /= pv;
      for (let r = 0; r < p; r++) {
        if (r === col) continue;
        const f = aug[r]![col]!;
        for (let j = 0; j < p + K; j++) aug[r]![j]! -= f * aug[col]![j]!;
      }
    }
    const coef = aug.map((r) => r.slice(p)); // [p, K]
    let sse = 0;
    rows.forEach((h, i) => {
      const x = [...h, 1];
      for (let k = 0; k < K; k++) {
        const yhat = x.reduce((acc, v, a) => acc + v * coef[a]![k]!, 0);
        sse += ((labels[i] === k ? 1 : 0) - yhat) ** 2;
      }
    });
    const mse = sse / N;
    const r = variabilityCollapseIndex(rows, labels);
    expect(r.rankB).toBe(K - 1);
    expect(Math.abs((r.vci * (K - 1)) / K - mse)).toBeLessThan(1e-9);
  });

  it('accepts tensors and reports NaN when all features are identical', () => {
    const x = tf.tensor2d([
      [0, 1],
      [2, 1],
      [4, 3],
      [6, 3],
    ]);
    const y = tf.tensor1d([0, 0, 1, 1], 'int32');
    const fromTensor = variabilityCollapseIndex(x, y);
    expect(fromTensor.vci).toBeCloseTo(variabilityCollapseIndex([[0, 1], [2, 1], [4, 3], [6, 3]], [0, 0, 1, 1]).vci, 12);
    x.dispose();
    y.dispose();
    expect(Number.isFinite(fromTensor.vci)).toBe(true);
    expect(Number.isNaN(variabilityCollapseIndex([[1], [1]], [0, 1]).vci)).toBe(true);
  });
});

describe('quantiles', () => {
  it('interpolates linearly between order statistics (numpy default)', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7, 12);
    expect(quantileSorted([5], 0.9)).toBe(5);
    expect(Number.isNaN(quantileSorted([], 0.5))).toBe(true);
  });
});
