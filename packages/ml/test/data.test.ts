import { describe, expect, it } from 'vitest';
import {
  createBatchIterator,
  loadMnist,
  loadMnistRaw,
  mulberry32,
  sequentialBatches,
  splitIndices,
  subsetDataset,
  type Dataset,
} from '../src/index.js';

describe('loadMnistRaw', () => {
  it('loads all 10,000 digits once per process, pixels in [0, 1]', () => {
    const raw = loadMnistRaw();
    expect(raw.count).toBe(10_000);
    expect(raw.images.length).toBe(10_000 * 784);
    expect(raw.labels.length).toBe(10_000);
    expect(raw.classCounts.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(raw.classCounts.every((c) => c > 800 && c < 1200)).toBe(true);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < raw.images.length; i += 97) {
      min = Math.min(min, raw.images[i]!);
      max = Math.max(max, raw.images[i]!);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(loadMnistRaw()).toBe(raw);
  });
});

describe('seeded split', () => {
  it('is deterministic, disjoint, complete and stratified', () => {
    const a = loadMnist({ seed: 7 });
    const b = loadMnist({ seed: 7 });
    expect(a.test.count).toBe(2000);
    expect(a.train.count).toBe(8000);
    // (Buffer comparisons: deep-equality of 1.5M-element arrays is slow in Vitest.)
    const same = (u: ArrayBufferView, v: ArrayBufferView) =>
      Buffer.from(u.buffer, u.byteOffset, u.byteLength).equals(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    expect(same(a.test.sourceIndex!, b.test.sourceIndex!)).toBe(true);
    expect(same(a.train.sourceIndex!, b.train.sourceIndex!)).toBe(true);
    expect(same(a.test.images, b.test.images)).toBe(true);
    expect(same(a.train.labels, b.train.labels)).toBe(true);

    const trainIdx = new Set(a.train.sourceIndex);
    const testIdx = new Set(a.test.sourceIndex);
    expect(trainIdx.size).toBe(8000);
    expect(testIdx.size).toBe(2000);
    for (const i of testIdx) expect(trainIdx.has(i)).toBe(false);

    // Stratified: each class contributes ~20% of its samples to the test split.
    const raw = loadMnistRaw();
    const perClass = new Array<number>(10).fill(0);
    for (const l of a.test.labels) perClass[l]!++;
    perClass.forEach((n, d) => expect(Math.abs(n - raw.classCounts[d]! * 0.2)).toBeLessThanOrEqual(1));

    // Rows are copied with their labels.
    const j = a.test.sourceIndex![5]!;
    expect(a.test.labels[5]).toBe(raw.labels[j]);
    expect(same(a.test.images.subarray(5 * 784, 6 * 784), raw.images.subarray(j * 784, (j + 1) * 784))).toBe(true);
  });

  it('differs across seeds and honours testFraction and the unstratified mode', () => {
    const a = loadMnist({ seed: 1 });
    const c = loadMnist({ seed: 2 });
    expect(a.test.sourceIndex!.some((v, i) => v !== c.test.sourceIndex![i])).toBe(true);
    const labels = Int32Array.from({ length: 100 }, (_, i) => i % 10);
    const s = splitIndices(labels, 10, { seed: 3, testFraction: 0.3, stratified: false });
    expect(s.test.length).toBe(30);
    expect(s.train.length + s.test.length).toBe(100);
    expect(() => splitIndices(labels, 10, { seed: 3, testFraction: 1 })).toThrow(/testFraction/);
    expect(() => splitIndices(labels, 10, { seed: 0.5 })).toThrow(/seed/);
  });
});

describe('batches', () => {
  const tiny: Dataset = {
    images: Float32Array.from({ length: 10 * 4 }, (_, i) => Math.floor(i / 4)),
    labels: Int32Array.from({ length: 10 }, (_, i) => i),
    count: 10,
    height: 2,
    width: 2,
    channels: 1,
    numClasses: 10,
  };

  it('iterates deterministically, reshuffling every epoch and dropping the partial batch', () => {
    const take = (seed: number) => {
      const it = createBatchIterator(tiny, { batchSize: 4, seed });
      return Array.from({ length: 6 }, () => it.next());
    };
    const a = take(11);
    const b = take(11);
    expect(a.map((x) => Array.from(x.labels))).toEqual(b.map((x) => Array.from(x.labels)));
    expect(a.map((x) => x.epoch)).toEqual([0, 0, 1, 1, 2, 2]);
    // Images travel with their labels.
    for (const batch of a) batch.labels.forEach((l, i) => expect(batch.images[i * 4]).toBe(l));
    // No repeats within an epoch; epochs are permuted differently.
    const epoch0 = [...a[0]!.labels, ...a[1]!.labels];
    expect(new Set(epoch0).size).toBe(8);
    const epoch1 = [...a[2]!.labels, ...a[3]!.labels];
    expect(epoch1).not.toEqual(epoch0);
    expect(take(12).map((x) => Array.from(x.labels))).not.toEqual(a.map((x) => Array.from(x.labels)));
  });

  it('sequential batches cover the set in order, last one partial', () => {
    const sizes = [...sequentialBatches(tiny, 4)].map((b) => b.size);
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('subsets are seeded and keep source indices', () => {
    const { train } = loadMnist({ seed: 0 });
    const s1 = subsetDataset(train, 100, 5);
    const s2 = subsetDataset(train, 100, 5);
    expect(s1.count).toBe(100);
    expect(Array.from(s1.sourceIndex!)).toEqual(Array.from(s2.sourceIndex!));
    const trainSet = new Set(train.sourceIndex);
    for (const i of s1.sourceIndex!) expect(trainSet.has(i)).toBe(true);
  });

  it('mulberry32 is deterministic and in [0, 1)', () => {
    const r1 = mulberry32(42);
    const r2 = mulberry32(42);
    for (let i = 0; i < 1000; i++) {
      const v = r1();
      expect(v).toBe(r2());
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });
});
