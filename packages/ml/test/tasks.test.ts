import { describe, expect, it } from 'vitest';
import { DATASETS } from '@anchorage/contracts';
import {
  invertImagesInPlace,
  loadMnist,
  loadMnistRaw,
  loadTask,
  rotate90Clockwise,
  selectShots,
  TASK_IDS,
  type Dataset,
  type TaskId,
} from '../src/index.js';

// (Buffer comparisons: deep-equality of million-element arrays is slow in Vitest.)
const same = (u: ArrayBufferView, v: ArrayBufferView) =>
  Buffer.from(u.buffer, u.byteOffset, u.byteLength).equals(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
const PX = 784;
const image = (d: Dataset, i: number) => d.images.subarray(i * PX, (i + 1) * PX);
const classHistogram = (d: Dataset) => {
  const h = new Array<number>(d.numClasses).fill(0);
  for (const l of d.labels) h[l]!++;
  return h;
};
const expectDisjoint = (a: Dataset, b: Dataset) => {
  const sa = new Set(a.sourceIndex);
  expect(sa.size).toBe(a.count);
  for (const i of b.sourceIndex!) expect(sa.has(i)).toBe(false);
};

describe('task registry', () => {
  it('covers exactly the ids of the contracts registry', () => {
    expect([...TASK_IDS].sort()).toEqual(DATASETS.map((d) => d.id).sort());
  });

  it('refuses unknown ids', () => {
    expect(() => loadTask('mnist-nope' as TaskId, { seed: 0 })).toThrow(/unknown task 'mnist-nope'/);
  });
});

describe('loadTask: classes, labels and the underlying split', () => {
  const raw = loadMnistRaw();
  const base = loadMnist({ seed: 3, testFraction: 0.25 });
  const expectedLabel: Record<TaskId, (d: number) => number> = {
    mnist: (d) => d,
    'mnist-parity': (d) => d % 2,
    'mnist-gt4': (d) => (d > 4 ? 1 : 0),
    'mnist-rotated': (d) => d,
    'mnist-inverted': (d) => d,
    'mnist-upper': (d) => (d >= 5 ? d - 5 : -1),
  };

  for (const entry of DATASETS) {
    it(`${entry.id}: ${entry.classes} classes, labels in range, same digits as loadMnist's split`, () => {
      const t = loadTask(entry.id, { seed: 3, testFraction: 0.25 });
      expect(t.id).toBe(entry.id);
      expect(t.classes).toBe(entry.classes);
      for (const d of [t.train, t.test]) {
        expect(d.numClasses).toBe(entry.classes);
        expect([d.height, d.width, d.channels]).toEqual([28, 28, 1]);
        expect(d.images.length).toBe(d.count * PX);
        expect(d.labels.length).toBe(d.count);
        // Every class present, nothing outside [0, classes).
        const h = classHistogram(d);
        expect(h.reduce((a, b) => a + b, 0)).toBe(d.count);
        expect(h.every((n) => n > 0)).toBe(true);
        // Labels are the task's relabelling of the source digit.
        d.labels.forEach((l, i) => {
          if (l !== expectedLabel[entry.id](raw.labels[d.sourceIndex![i]!]!)) expect.fail(`label ${l} at ${i}`);
        });
      }
      expectDisjoint(t.train, t.test);
      // The same split of the underlying digits as loadMnist (filtered to digits 5–9 for mnist-upper),
      // so fine-tuning on the train split never sees the base model's test digits.
      const kept = (d: Dataset) => d.sourceIndex!.filter((i) => expectedLabel[entry.id](raw.labels[i]!) >= 0);
      expect(same(t.train.sourceIndex!, kept(base.train))).toBe(true);
      expect(same(t.test.sourceIndex!, kept(base.test))).toBe(true);
    });
  }

  it('relabelled tasks keep the pixels; the plain task equals loadMnist', () => {
    const plain = loadTask('mnist', { seed: 3, testFraction: 0.25 });
    for (const k of ['train', 'test'] as const) {
      expect(same(plain[k].images, base[k].images)).toBe(true);
      expect(same(plain[k].labels, base[k].labels)).toBe(true);
      expect(same(loadTask('mnist-parity', { seed: 3, testFraction: 0.25 })[k].images, base[k].images)).toBe(true);
    }
    const t = loadTask('mnist-parity', { seed: 0 });
    expect([t.train.count, t.test.count]).toEqual([8000, 2000]);
    expect(classHistogram(t.test)).toEqual([
      [0, 2, 4, 6, 8].reduce((a, d) => a + Math.round(raw.classCounts[d]! * 0.2), 0),
      [1, 3, 5, 7, 9].reduce((a, d) => a + Math.round(raw.classCounts[d]! * 0.2), 0),
    ]);
  });
});

describe('mnist-rotated', () => {
  it('rotates a known pixel 90° clockwise', () => {
    // One image, 28×28: (row 0, col 0) → (0, 27); (2, 5) → (5, 25); (27, 27) → (27, 0).
    const img = new Float32Array(PX);
    img[0 * 28 + 0] = 0.25;
    img[2 * 28 + 5] = 0.5;
    img[27 * 28 + 27] = 0.75;
    const r = rotate90Clockwise(img, 1, 28, 28, 1);
    expect(r[0 * 28 + 27]).toBe(0.25);
    expect(r[5 * 28 + 25]).toBe(0.5);
    expect(r[27 * 28 + 0]).toBe(0.75);
    expect(r.reduce((a, b) => a + b, 0)).toBe(1.5);
  });

  it('handles non-square multi-channel images; four rotations are the identity', () => {
    // 2 images of 2×3×2: value = image·100 + row·10 + col + channel/10.
    const h = 2;
    const w = 3;
    const c = 2;
    const img = new Float32Array(2 * h * w * c);
    for (let n = 0; n < 2; n++)
      for (let r = 0; r < h; r++)
        for (let q = 0; q < w; q++) for (let k = 0; k < c; k++) img[((n * h + r) * w + q) * c + k] = n * 100 + r * 10 + q + k / 10;
    const once = rotate90Clockwise(img, 2, h, w, c); // now 3×2
    // Input (r, q) → output (q, h−1−r) in a w×h image.
    for (let n = 0; n < 2; n++)
      for (let r = 0; r < h; r++)
        for (let q = 0; q < w; q++)
          for (let k = 0; k < c; k++) expect(once[((n * w + q) * h + (h - 1 - r)) * c + k]).toBe(img[((n * h + r) * w + q) * c + k]);
    const back = rotate90Clockwise(rotate90Clockwise(rotate90Clockwise(once, 2, w, h, c), 2, h, w, c), 2, w, h, c);
    expect(Array.from(back)).toEqual(Array.from(img));
    expect(() => rotate90Clockwise(img, 3, h, w, c)).toThrow(/rotate90Clockwise/);
  });

  it('is an exact permutation of each MNIST image, labels unchanged', () => {
    const plain = loadTask('mnist', { seed: 1 });
    const rot = loadTask('mnist-rotated', { seed: 1 });
    expect(same(rot.test.labels, plain.test.labels)).toBe(true);
    expect(same(rot.train.sourceIndex!, plain.train.sourceIndex!)).toBe(true);
    for (const i of [0, 17, 1999]) {
      const a = image(plain.test, i);
      const b = image(rot.test, i);
      for (let r = 0; r < 28; r++) for (let q = 0; q < 28; q++) if (b[q * 28 + 27 - r] !== a[r * 28 + q]) expect.fail(`pixel (${r}, ${q}) of image ${i}`);
      expect(same(a, b)).toBe(false);
    }
    let four = rot.test.images;
    for (let k = 0; k < 3; k++) four = rotate90Clockwise(four, rot.test.count, 28, 28, 1);
    expect(same(four, plain.test.images)).toBe(true);
  });
});

describe('mnist-inverted', () => {
  it('maps every pixel v to 1 − v, labels unchanged', () => {
    const plain = loadTask('mnist', { seed: 2 });
    const inv = loadTask('mnist-inverted', { seed: 2 });
    expect(same(inv.train.labels, plain.train.labels)).toBe(true);
    const a = plain.test.images;
    const b = inv.test.images;
    for (let i = 0; i < a.length; i++) if (b[i] !== Math.fround(1 - a[i]!)) expect.fail(`pixel ${i}`);
    // White background: the corner pixel of MNIST digits is 0, inverted 1.
    expect(a[0]).toBe(0);
    expect(b[0]).toBe(1);
    expect(Array.from(invertImagesInPlace(Float32Array.from([0, 0.25, 1])))).toEqual([1, 0.75, 0]);
  });
});

describe('mnist-upper', () => {
  it('keeps digits 5–9 relabelled 0–4, the test split stratified over them', () => {
    const raw = loadMnistRaw();
    const t = loadTask('mnist-upper', { seed: 0 });
    const kept = raw.classCounts.slice(5).reduce((a, b) => a + b, 0);
    expect(t.train.count + t.test.count).toBe(kept);
    for (const d of [t.train, t.test]) d.labels.forEach((l, i) => expect(raw.labels[d.sourceIndex![i]!]).toBe(l + 5));
    expect(classHistogram(t.test)).toEqual(raw.classCounts.slice(5).map((n) => Math.round(n * 0.2)));
    expect(classHistogram(t.train)).toEqual(raw.classCounts.slice(5).map((n) => n - Math.round(n * 0.2)));
    // Pixels are the source digits'.
    const j = t.test.sourceIndex![3]!;
    expect(same(image(t.test, 3), raw.images.subarray(j * PX, (j + 1) * PX))).toBe(true);
  });
});

describe('few-shot', () => {
  it('keeps N training images per class, the test split whole and disjoint', () => {
    const full = loadTask('mnist-parity', { seed: 5 });
    const few = loadTask('mnist-parity', { seed: 5, shots: 7 });
    expect(few.train.count).toBe(14);
    expect(classHistogram(few.train)).toEqual([7, 7]);
    expect(same(few.test.sourceIndex!, full.test.sourceIndex!)).toBe(true);
    expect(same(few.test.images, full.test.images)).toBe(true);
    const fullTrain = new Set(full.train.sourceIndex);
    for (const i of few.train.sourceIndex!) expect(fullTrain.has(i)).toBe(true);
    expectDisjoint(few.train, few.test);

    const rot = loadTask('mnist-rotated', { seed: 5, shots: 3 });
    expect(classHistogram(rot.train)).toEqual(new Array(10).fill(3));
    expect(rot.test.count).toBe(2000);
    // Images travel with their (transformed) rows.
    const plain = loadTask('mnist', { seed: 5, shots: 3 });
    expect(same(plain.train.sourceIndex!, rot.train.sourceIndex!)).toBe(true);
    expect(same(rotate90Clockwise(plain.train.images, 30, 28, 28, 1), rot.train.images)).toBe(true);
  });

  it('is seeded, nested across N, and refuses more shots than the smallest class holds', () => {
    const a = loadTask('mnist-upper', { seed: 9, shots: 4 });
    const b = loadTask('mnist-upper', { seed: 9, shots: 4 });
    const c = loadTask('mnist-upper', { seed: 10, shots: 4 });
    expect(same(a.train.sourceIndex!, b.train.sourceIndex!)).toBe(true);
    expect(same(a.train.images, b.train.images)).toBe(true);
    expect(same(a.train.sourceIndex!, c.train.sourceIndex!)).toBe(false);
    const more = new Set(loadTask('mnist-upper', { seed: 9, shots: 20 }).train.sourceIndex);
    for (const i of a.train.sourceIndex!) expect(more.has(i)).toBe(true);

    const h = classHistogram(loadTask('mnist-upper', { seed: 9 }).train);
    const min = Math.min(...h);
    expect(loadTask('mnist-upper', { seed: 9, shots: min }).train.count).toBe(5 * min);
    expect(() => loadTask('mnist-upper', { seed: 9, shots: min + 1 })).toThrow(
      new RegExp(`shots=${min + 1} is more than mnist-upper's training split holds for class ${h.indexOf(min)} \\(${min} images\\)`),
    );
    expect(() => loadTask('mnist', { seed: 0, shots: 0 })).toThrow(/positive integer/);
    expect(() => loadTask('mnist', { seed: 0, shots: 1.5 })).toThrow(/positive integer/);
  });

  it('selectShots works on any labelled index set', () => {
    const labels = Int32Array.from({ length: 30 }, (_, i) => i % 3);
    const pick = selectShots(Int32Array.from({ length: 30 }, (_, i) => i), labels, 3, 4, 1);
    expect(pick.length).toBe(12);
    expect([0, 1, 2].map((c) => Array.from(pick).filter((i) => labels[i] === c).length)).toEqual([4, 4, 4]);
    expect(Array.from(pick)).toEqual(Array.from(pick).sort((x, y) => x - y));
    expect(() => selectShots([0, 1, 2], labels, 3, 2, 1)).toThrow(/class 0 \(1 images\)/);
  });
});

describe('determinism', () => {
  it('is a function of the seed and testFraction', () => {
    for (const id of ['mnist-gt4', 'mnist-inverted'] as const) {
      const a = loadTask(id, { seed: 11 });
      const b = loadTask(id, { seed: 11 });
      for (const k of ['train', 'test'] as const) {
        expect(same(a[k].sourceIndex!, b[k].sourceIndex!)).toBe(true);
        expect(same(a[k].labels, b[k].labels)).toBe(true);
        expect(same(a[k].images, b[k].images)).toBe(true);
      }
      expect(same(a.test.sourceIndex!, loadTask(id, { seed: 12 }).test.sourceIndex!)).toBe(false);
      expect(loadTask(id, { seed: 11, testFraction: 0.1 }).test.count).toBe(loadMnist({ seed: 11, testFraction: 0.1 }).test.count);
    }
  });
});
