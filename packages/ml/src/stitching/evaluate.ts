/**
 * Evaluates every configuration of a stitched network (ml-methods.md 1.5, the official
 * `stitches_res.txt`): top-1, top-5, loss, FLOPs, parameters and, optionally, latency.
 *
 * Latency protocol (ml-methods.md 4): fixed batch sizes, ≥ 10 warm-up runs, then ≥ 50 timed runs
 * (both configurable, tests use tiny numbers); each run is timed until `await output.data()`
 * resolves; median and p90 in ms. Inputs are the first images of the test set (repeated if needed).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/mnist.js';
import { evaluateClassifier } from '../evaluate.js';
import { abortError, yieldToEventLoop } from '../train.js';
import type { PathSegment, StitchFamily } from './space.js';
import type { SNNet } from './snnet.js';

export interface StitchLatencyStat {
  median: number;
  p90: number;
  batchSize: number;
}

export interface StitchLatencyOptions {
  /** Batch size(s) to time (default 1). The first one is reported as `latencyMs`. */
  batchSize?: number | number[];
  /** Warm-up runs (default 10). */
  warmup?: number;
  /** Timed runs (default 50). */
  runs?: number;
}

export interface StitchResult {
  id: number;
  label: string;
  kind: 'anchor' | 'stitch';
  family: StitchFamily;
  path: PathSegment[];
  stitches: string[];
  /** MACs per image (fvcore convention). */
  flops: number;
  /** Parameters (official convention; see SNNet.params). */
  params: number;
  /** Fractions in [0, 1]. */
  top1: number;
  top5: number;
  loss: number;
  latencyMs?: StitchLatencyStat;
  /** Every timed batch size (when several were asked for). */
  latencies?: StitchLatencyStat[];
}

export interface EvaluateStitchesOptions {
  /** Evaluation batch size (default 256). */
  batchSize?: number;
  /** Evaluate only these ids (default: every used configuration). */
  configIds?: number[];
  latency?: StitchLatencyOptions | false;
  signal?: AbortSignal;
  onStitch?: (result: StitchResult, index: number, total: number) => void | Promise<void>;
}

/** p-quantile (0..1) of sorted values, linear interpolation. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Times `forward` on a fixed batch: median and p90 over `runs` after `warmup` runs. */
export async function measureStitchLatency(
  forward: (x: tf.Tensor) => tf.Tensor,
  data: Dataset,
  options: { batchSize: number; warmup: number; runs: number; signal?: AbortSignal },
): Promise<StitchLatencyStat> {
  const { batchSize, warmup, runs } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`latency batchSize must be a positive integer (got ${batchSize})`);
  if (!Number.isInteger(warmup) || warmup < 0 || !Number.isInteger(runs) || runs < 1) throw new Error('latency: warmup must be ≥ 0 and runs ≥ 1');
  if (data.count === 0) throw new Error('latency: empty dataset');
  const per = data.height * data.width * data.channels;
  const buf = new Float32Array(batchSize * per);
  for (let i = 0; i < batchSize; i++) buf.set(data.images.subarray((i % data.count) * per, ((i % data.count) + 1) * per), i * per);
  const x = tf.tensor4d(buf, [batchSize, data.height, data.width, data.channels]);
  const times: number[] = [];
  try {
    for (let r = 0; r < warmup + runs; r++) {
      if (options.signal?.aborted) throw abortError(options.signal);
      const t0 = performance.now();
      const y = forward(x);
      try {
        await y.data();
      } finally {
        y.dispose();
      }
      if (r >= warmup) times.push(performance.now() - t0);
    }
  } finally {
    x.dispose();
  }
  times.sort((a, b) => a - b);
  return { median: quantile(times, 0.5), p90: quantile(times, 0.9), batchSize };
}

/** Evaluates every configuration (or `configIds`) of `net` on `testData`, in id order. */
export async function evaluateStitches(net: SNNet, testData: Dataset, options: EvaluateStitchesOptions = {}): Promise<StitchResult[]> {
  const ids = options.configIds ?? net.configurations().map((c) => c.id);
  const lat = options.latency || undefined;
  const latSizes = lat ? (Array.isArray(lat.batchSize) ? lat.batchSize : [lat.batchSize ?? 1]) : [];
  if (lat && latSizes.length === 0) throw new Error('latency.batchSize must not be empty');
  const results: StitchResult[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (options.signal?.aborted) throw abortError(options.signal);
    const c = net.config(ids[i]!);
    const ev = await evaluateClassifier(net.asClassifier(c.id), testData, { batchSize: options.batchSize ?? 256, signal: options.signal });
    const r: StitchResult = {
      id: c.id,
      label: c.label,
      kind: c.kind,
      family: c.family,
      path: c.segments.map((s) => ({ ...s })),
      stitches: [...c.stitches],
      flops: net.flops(c.id),
      params: net.params(c.id),
      top1: ev.accuracy,
      top5: ev.top5 ?? NaN,
      loss: ev.loss,
    };
    if (lat) {
      const stats: StitchLatencyStat[] = [];
      for (const bs of latSizes) {
        stats.push(await measureStitchLatency((x) => net.forward(x, c.id), testData, { batchSize: bs, warmup: lat.warmup ?? 10, runs: lat.runs ?? 50, signal: options.signal }));
        await yieldToEventLoop();
      }
      r.latencyMs = stats[0];
      if (stats.length > 1) r.latencies = stats;
    }
    results.push(r);
    if (options.onStitch) await options.onStitch(r, i, ids.length);
    await yieldToEventLoop();
  }
  return results;
}
