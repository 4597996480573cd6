/**
 * Built-in tasks derived from the MNIST digits of the `mnist` package: the plain set (what anchors
 * train on) and the transfer tasks fine-tuning jobs learn (relabelled, transformed or subsetted).
 * The ids and class counts come from the registry in `@anchorage/contracts` (`DATASETS`); the
 * table below must cover every id there (the compiler checks it) and a test checks that each
 * task's labels span exactly the registry's class count.
 *
 * The split. Every task splits the *underlying digits* exactly as {@link loadMnist} does for the
 * same `seed` and `testFraction` (stratified by digit), then relabels, transforms or drops images
 * of each side. So a task's test images are the same digits as the base model's test images (a
 * subset of them for `mnist-upper`), and fine-tuning on a task's train split with the seed the
 * base model was trained with never touches the base model's test digits: transfer accuracy is
 * measured on digits neither the base nor the fine-tune has seen. (`mnist-upper` keeps the base
 * split of digits 5–9, which is itself stratified over the kept images.)
 *
 * Not cached: a task is derived from the cached raw set in ~10–50 ms (~50–150 ms for
 * `mnist-rotated`; `loadMnist` itself takes ~15–35 ms), measured on a shared 2-core CPU, while each
 * cached task would hold ~31 MB of images. Callers that reload often can keep the result.
 */
import { DATASETS, type DatasetId } from '@anchorage/contracts';
import { deriveSeed, mulberry32, shuffleInPlace } from '../random.js';
import {
  loadMnistRaw,
  MNIST_CLASSES,
  MNIST_IMAGE_SIZE,
  selectRows,
  splitIndices,
  type Dataset,
  type TrainTestSplit,
} from './mnist.js';

/** A task id of the registry (`mnist`, `mnist-parity`, ...). */
export type TaskId = DatasetId;

export interface TaskOptions {
  /** Seed of the train/test split (the same split as `loadMnist` with this seed) and of the few-shot choice. */
  seed: number;
  /** Fraction of each digit in the test split (default 0.2, as `loadMnist`). */
  testFraction?: number;
  /**
   * Few-shot: keep only this many training images per class of the task (a seeded choice; the
   * choice for N is a prefix of that for a larger N with the same seed). The test split is whole.
   */
  shots?: number;
}

export interface TaskSplit extends TrainTestSplit {
  id: TaskId;
  /** Number of classes of the task's labels (= `train.numClasses` = the registry's `classes`). */
  classes: number;
}

interface TaskSpec {
  /** Task label of a digit, or -1 to drop the image. */
  label: (digit: number) => number;
  /** Rewrites the selected images (a fresh copy, owned by the task). */
  transform?: (images: Float32Array, count: number) => Float32Array;
}

const identity = (d: number) => d;

const TASK_SPECS = {
  mnist: { label: identity },
  'mnist-parity': { label: (d) => d % 2 },
  'mnist-gt4': { label: (d) => (d > 4 ? 1 : 0) },
  'mnist-rotated': {
    label: identity,
    transform: (images, count) => rotate90Clockwise(images, count, MNIST_IMAGE_SIZE, MNIST_IMAGE_SIZE, 1),
  },
  'mnist-inverted': { label: identity, transform: (images) => invertImagesInPlace(images) },
  'mnist-upper': { label: (d) => (d >= 5 ? d - 5 : -1) },
} satisfies Record<TaskId, TaskSpec>;

/** The task ids `loadTask` knows (those of the registry). */
export const TASK_IDS = Object.keys(TASK_SPECS) as TaskId[];

/**
 * Rotates `count` images of `height`×`width`×`channels` (row-major HWC) by 90° clockwise: a pixel
 * at (row r, column c) moves to (row c, column height−1−r); the result is `width`×`height`×`channels`.
 */
export function rotate90Clockwise(
  images: Float32Array,
  count: number,
  height: number,
  width: number,
  channels: number,
): Float32Array {
  const per = height * width * channels;
  if (images.length !== count * per) throw new Error(`rotate90Clockwise: ${images.length} values ≠ ${count}×${height}×${width}×${channels}`);
  const out = new Float32Array(images.length);
  // Output (r', c') = input (height−1−c', r'); output images are height wide.
  for (let n = 0; n < count; n++) {
    const base = n * per;
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const src = base + (r * width + c) * channels;
        const dst = base + (c * height + (height - 1 - r)) * channels;
        for (let k = 0; k < channels; k++) out[dst + k] = images[src + k]!;
      }
    }
  }
  return out;
}

/** Inverts intensities in [0, 1] in place (v → 1 − v) and returns the same array. */
export function invertImagesInPlace(images: Float32Array): Float32Array {
  for (let i = 0; i < images.length; i++) images[i] = 1 - images[i]!;
  return images;
}

/**
 * Few-shot: `shots` indices per class out of `indices` (labels from `labels[index]`), a seeded
 * choice, returned sorted. Throws if a class has fewer than `shots` images.
 */
export function selectShots(
  indices: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
  shots: number,
  seed: number,
  what = 'the training split',
): Int32Array {
  if (!Number.isInteger(shots) || shots < 1) throw new Error(`shots must be a positive integer, got ${shots}`);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < indices.length; i++) byClass[labels[indices[i]!]!]!.push(indices[i]!);
  let smallest = 0;
  for (let c = 1; c < numClasses; c++) if (byClass[c]!.length < byClass[smallest]!.length) smallest = c;
  const min = byClass[smallest]!.length;
  if (shots > min) {
    throw new Error(`shots=${shots} is more than ${what} holds for class ${smallest} (${min} images); at most ${min} per class`);
  }
  const rand = mulberry32(deriveSeed(seed, 'shots'));
  const out = new Int32Array(numClasses * shots);
  let n = 0;
  for (const idx of byClass) {
    // Shuffle the whole class, keep a prefix: with one seed, N shots ⊂ M shots for N < M.
    const arr = Int32Array.from(idx);
    shuffleInPlace(arr, rand);
    out.set(arr.subarray(0, shots), n);
    n += shots;
  }
  return out.sort();
}

/**
 * The train/test split of a task (see the module comment: the underlying digits are split as
 * `loadMnist` splits them for the same seed and testFraction). `sourceIndex` holds indices into
 * the 10,000 raw digits of {@link loadMnistRaw}.
 */
export function loadTask(id: TaskId, options: TaskOptions): TaskSplit {
  const spec: TaskSpec | undefined = (TASK_SPECS as Record<string, TaskSpec>)[id];
  const entry = DATASETS.find((d) => d.id === id);
  if (!spec || !entry) throw new Error(`unknown task '${String(id)}' (known: ${TASK_IDS.join(', ')})`);
  const classes = entry.classes;
  const raw = loadMnistRaw();
  const split = splitIndices(raw.labels, MNIST_CLASSES, {
    seed: options.seed,
    testFraction: options.testFraction ?? 0.2,
    stratified: true,
  });

  const labels = Int32Array.from(raw.labels, (d) => spec.label(d));
  const keep = (idx: Int32Array) => idx.filter((i) => labels[i]! >= 0);
  let train: Int32Array = keep(split.train);
  const test = keep(split.test);
  if (options.shots !== undefined) train = selectShots(train, labels, classes, options.shots, options.seed, `${id}'s training split`);

  const shape = { height: MNIST_IMAGE_SIZE, width: MNIST_IMAGE_SIZE, channels: 1, numClasses: classes };
  const build = (idx: Int32Array): Dataset => {
    const d = selectRows(raw.images, labels, idx, shape);
    return spec.transform ? { ...d, images: spec.transform(d.images, d.count) } : d;
  };
  return { id, classes, train: build(train), test: build(test) };
}
