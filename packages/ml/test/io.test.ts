import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createViT, deserializeModel, initBackend, loadModel, MODEL_FORMAT, saveModel, serializeModel, tf, type ViTConfig } from '../src/index.js';

const cfg: ViTConfig = { imageSize: 28, channels: 1, patchSize: 7, dim: 16, depth: 2, heads: 4, mlpRatio: 4, numClasses: 10 };

describe('saveModel / loadModel', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend();
    dir = await mkdtemp(path.join(tmpdir(), 'anchorage-ml-io-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips weights exactly: identical logits on the same backend', async () => {
    const baseline = tf.memory().numTensors;
    const model = createViT(cfg, { seed: 11, init: 'fan-in' });
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 1);
    const before = model.forward(x);
    const manifest = await saveModel(model, path.join(dir, 'm1'));
    const loaded = await loadModel(path.join(dir, 'm1'));
    const after = loaded.forward(x);
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
    expect(loaded.config).toEqual(model.config);
    expect(loaded.countParams()).toBe(model.countParams());

    const json = JSON.parse(await readFile(path.join(dir, 'm1', 'model.json'), 'utf8'));
    expect(json.format).toBe(MODEL_FORMAT);
    expect(json.architecture).toEqual(cfg);
    expect(json.weights[0]).toEqual({ name: 'patch_embed.proj.weight', shape: [49, 16], dtype: 'float32', offset: 0 });
    expect(json).toEqual(JSON.parse(JSON.stringify(manifest)));
    const bin = await readFile(path.join(dir, 'm1', 'weights.bin'));
    expect(bin.byteLength).toBe(model.countParams() * 4);

    tf.dispose([x, before, after]);
    model.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('serialises in memory and rejects malformed manifests', async () => {
    const model = createViT(cfg, { seed: 1 });
    const { manifest, weights } = await serializeModel(model);
    const copy = deserializeModel(JSON.parse(JSON.stringify(manifest)), weights.slice());
    const wa = await model.getWeights();
    const wb = await copy.getWeights();
    for (const [n, v] of wa) expect(wb.get(n)).toEqual(v);
    copy.dispose();

    expect(() => deserializeModel({ ...manifest, format: 'other/1' }, weights)).toThrow(/format/);
    expect(() => deserializeModel(manifest, weights.subarray(0, 100))).toThrow(/too short/);
    expect(() => deserializeModel({ ...manifest, weights: manifest.weights.slice(1) }, weights)).toThrow(/missing/);
    const badShape = { ...manifest, weights: manifest.weights.map((w, i) => (i === 0 ? { ...w, shape: [16, 49] } : w)) };
    expect(() => deserializeModel(badShape, weights)).toThrow(/shape/);
    expect(() => deserializeModel({ ...manifest, architecture: { ...cfg, heads: 3 } }, weights)).toThrow(/heads/);
    model.dispose();

    await writeFile(path.join(dir, 'model.json'), '{ nope');
    await writeFile(path.join(dir, 'weights.bin'), new Uint8Array(4));
    await expect(loadModel(dir)).rejects.toThrow(/invalid JSON/);
  });
});
