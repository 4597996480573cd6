/**
 * Inference latency (ml-methods.md section 4, the suggested protocol): fixed batch sizes (default 1
 * and 64) at a fixed input size; per batch size, ≥ 10 warm-up runs then ≥ 50 timed runs (the
 * defaults; fewer can be asked for, e.g. in tests); each run is timed from the call until
 * `await output.data()` resolves (so the backend has really finished), every tensor is disposed,
 * and the backend is recorded. Median and p90 use linear interpolation between order statistics
 * (numpy's default). The input is created once per batch size (deterministic pseudo-random values)
 * and not part of the timing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, mulberry32 } from '../random.js';
import { abortError, yieldToEventLoop } from '../train.js';
import { positiveInt, quantileSorted } from './common.js';

export interface LatencyModel {
  forward(x: tf.Tensor): tf.Tensor;
}

export const LATENCY_DEFAULTS = Object.freeze({ batchSizes: Object.freeze([1, 64]) as readonly number[], warmupRuns: 10, timedRuns: 50 });

export interface LatencyOptions {
  /** Shape of one input sample, e.g. [28, 28, 1]; the batch axis is prepended. */
  inputShape: readonly number[];
  /** Default [1, 64]. */
  batchSizes?: readonly number[];
  /** Untimed runs per batch size before timing (default 10). */
  warmupRuns?: number;
  /** Timed runs per batch size (default 50). */
  timedRuns?: number;
  /** Seeds the input values (default 0). */
  seed?: number;
  signal?: AbortSignal;
  /** Fraction of all runs (warm-up and timed) done. */
  onProgress?: (fraction: number) => void;
}

export interface LatencyStats {
  batchSize: number;
  medianMs: number;
  p90Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  /** Median divided by the batch size. */
  medianMsPerSample: number;
  warmupRuns: number;
  timedRuns: number;
}

export interface LatencyResult {
  /** `tf.getBackend()` during the measurement, e.g. 'wasm', 'tensorflow', 'cpu'. */
  backend: string;
  inputShape: number[];
  results: LatencyStats[];
}

/** Times `model.forward` per the protocol above. The model is only read. */
export async function measureLatency(model: LatencyModel, options: LatencyOptions): Promise<LatencyResult> {
  const inputShape = [...options.inputShape];
  if (inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(`inputShape must be a non-empty list of positive integers (got [${inputShape}])`);
  }
  const batchSizes = [...(options.batchSizes ?? LATENCY_DEFAULTS.batchSizes)];
  if (batchSizes.length === 0) throw new Error('batchSizes must not be empty');
  for (const bs of batchSizes) positiveInt('batch size', bs, 1);
  const warmupRuns = options.warmupRuns ?? LATENCY_DEFAULTS.warmupRuns;
  if (!Number.isInteger(warmupRuns) || warmupRuns < 0) throw new Error(`warmupRuns must be a non-negative integer (got ${warmupRuns})`);
  const timedRuns = positiveInt('timedRuns', options.timedRuns, LATENCY_DEFAULTS.timedRuns);
  const { signal } = options;
  const backend = tf.getBackend();
  const perSample = inputShape.reduce((a, b) => a * b, 1);
  const totalRuns = batchSizes.length * (warmupRuns + timedRuns);
  let done = 0;
  const results: LatencyStats[] = [];
  for (const bs of batchSizes) {
    if (signal?.aborted) throw abortError(signal);
    const rand = mulberry32(deriveSeed(options.seed ?? 0, `latency.${bs}`));
    const values = new Float32Array(bs * perSample);
    for (let i = 0; i < values.length; i++) values[i] = rand();
    const x = tf.tensor(values, [bs, ...inputShape], 'float32');
    const times: number[] = [];
    try {
      for (let r = 0; r < warmupRuns + timedRuns; r++) {
        if (signal?.aborted) throw abortError(signal);
        const t0 = performance.now();
        const out = tf.tidy(() => model.forward(x));
        try {
          await out.data();
        } finally {
          out.dispose();
        }
        const ms = performance.now() - t0;
        if (r >= warmupRuns) times.push(ms);
        done++;
        options.onProgress?.(done / totalRuns);
        await yieldToEventLoop();
      }
    } finally {
      x.dispose();
    }
    if (tf.getBackend() !== backend) throw new Error(`backend changed from ${backend} to ${tf.getBackend()} during the measurement`);
    const sorted = times.slice().sort((a, b) => a - b);
    const medianMs = quantileSorted(sorted, 0.5);
    results.push({
      batchSize: bs,
      medianMs,
      p90Ms: quantileSorted(sorted, 0.9),
      meanMs: times.reduce((a, v) => a + v, 0) / times.length,
      minMs: sorted[0]!,
      maxMs: sorted[sorted.length - 1]!,
      medianMsPerSample: medianMs / bs,
      warmupRuns,
      timedRuns,
    });
  }
  return { backend, inputShape, results };
}
