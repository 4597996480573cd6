import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createViT,
  evaluateClassifier,
  evaluateUntrainedHead,
  extractStitch,
  finetune,
  initBackend,
  isCheckpointDir,
  loadFinetuneCheckpoint,
  loadModel,
  loadMnist,
  saveFinetuneCheckpoint,
  saveModel,
  SNNet,
  StitchedModel,
  subsetDataset,
  tf,
  trainClassifier,
  ViT,
  vitPreset,
  type Dataset,
  type FinetuneCheckpoint,
  type FinetuneMethod,
  type FinetuneOptions,
  type FinetuneStepInfo,
  type ViTConfig,
} from '../src/index.js';

const tiny: ViTConfig = { ...vitPreset('vit-ti'), dim: 16, depth: 2, heads: 2 };

/** The same images relabelled to digit parity (2 classes). */
const parity = (d: Dataset): Dataset => ({ ...d, labels: Int32Array.from(d.labels, (l) => l % 2), numClasses: 2 });

const bits = (t: tf.Tensor) => Array.from(t.dataSync());

describe('finetune on MNIST parity', () => {
  let base: ViT;
  let base8: ViT;
  let train: Dataset;
  let test: Dataset;
  let bar: number;
  let dir: string;
  let x: tf.Tensor4D;
  const timings: Record<string, { seconds: number; accuracy?: number; bar?: number }> = {};

  beforeAll(async () => {
    await initBackend();
    const split = loadMnist({ seed: 0 });
    const pre = subsetDataset(split.train, 1024, 1);
    train = parity(subsetDataset(split.train, 512, 2));
    test = parity(subsetDataset(split.test, 400, 3));
    dir = await mkdtemp(path.join(tmpdir(), 'anchorage-ft-'));
    x = tf.tensor4d(test.images.slice(0, 5 * 784), [5, 28, 28, 1]);
    // A briefly pretrained 10-class anchor (and a narrower one for the stitch).
    base = createViT(tiny, { seed: 1, init: 'fan-in' });
    await trainClassifier({ model: base, data: pre, batchSize: 32, steps: 200, learningRate: 3e-3, warmupSteps: 5, seed: 0 });
    base8 = createViT({ ...tiny, dim: 8 }, { seed: 2, init: 'fan-in' });
    await trainClassifier({ model: base8, data: pre, batchSize: 32, steps: 200, learningRate: 3e-3, warmupSteps: 5, seed: 0 });
    bar = (await evaluateUntrainedHead({ base, numClasses: 2, data: test, seed: 7 })).accuracy;
  }, 300_000);

  afterAll(async () => {
    x?.dispose();
    base?.dispose();
    base8?.dispose();
    await rm(dir, { recursive: true, force: true });
    console.log('fine-tune runs (seconds, test accuracy, untrained-head bar):', JSON.stringify(timings));
  });

  const run = (method: FinetuneMethod, extra: Partial<FinetuneOptions> = {}) =>
    finetune({ base, method, numClasses: 2, train, steps: 60, batchSize: 32, learningRate: 5e-3, warmupSteps: 4, weightDecay: 0.01, seed: 7, logEvery: 10, ...extra });

  const cases: Array<[FinetuneMethod, Partial<FinetuneOptions>]> = [
    ['linear-probe', { learningRate: 2e-2 }],
    ['full', { learningRate: 2e-3 }],
    ['lora', { lora: { rank: 4, alpha: 8, dropout: 0.05, targets: ['q', 'v', 'fc1'] } }],
    ['spectral', { spectral: { rank: 4, variant: 'additive', targets: ['q', 'k', 'v', 'proj'] } }],
    ['spectral', { spectral: { rank: 4, variant: 'rotation', targets: ['q', 'v', 'fc1', 'fc2'] }, learningRate: 2e-2 }],
    ['subtuning', { subtuning: { start: 'non', epsilon: 0.01, candidateSteps: 10 } }],
  ];

  for (const [method, extra] of cases) {
    const label = `${method}${extra.spectral?.variant ? `-${extra.spectral.variant}` : ''}`;
    it(`${label}: beats the untrained head, exports a plain ViT that round-trips, leaks nothing`, async () => {
      const baseline = tf.memory().numTensors;
      const baseWeights = await base.getWeights();
      const steps: FinetuneStepInfo[] = [];
      const t0 = performance.now();
      const r = await run(method, { ...extra, onStep: (s) => void steps.push(s) });
      const seconds = Math.round(performance.now() - t0) / 1000;
      expect(r.model).toBeInstanceOf(ViT);
      const model = r.model as ViT;
      expect(model.config).toEqual({ ...tiny, numClasses: 2 });
      const acc = (await evaluateClassifier(model, test)).accuracy;
      timings[label] = { seconds, accuracy: acc, bar };
      expect(acc, `${label}: ${acc} vs untrained head ${bar}`).toBeGreaterThan(bar + 0.1);
      expect(acc).toBeGreaterThan(0.75);
      expect(steps.filter((s) => s.phase === 'train').map((s) => s.step)).toEqual([10, 20, 30, 40, 50, 60]);
      expect(r.train.steps).toBe(60);
      expect(r.trainableParams).toBeGreaterThan(0);
      expect(r.trainableParams).toBeLessThanOrEqual(r.totalParams);
      expect(r.exportedParams).toBe(model.countParams());
      if (method === 'linear-probe') expect(r.trainableParams).toBe(tiny.dim * 2 + 2);
      if (method === 'full') expect(r.trainableParams).toBe(r.totalParams);
      if (method === 'lora') expect(r.trainableParams).toBe(2 * (4 * 32 + 4 * 32 + 4 * (16 + 64)) + 34);
      if (method === 'spectral' && extra.spectral?.variant === 'rotation') expect(r.trainableParams).toBe(2 * 4 * 2 * 16 + 34);
      if (method === 'subtuning') {
        const st = r.subtuning!;
        expect(st.units).toEqual(['blocks.0', 'blocks.1']);
        expect(st.candidates[0]!.blocks).toEqual([]);
        expect(st.candidates.length).toBeGreaterThanOrEqual(3);
        expect(st.searchTrainCount + st.searchValidationCount).toBe(train.count);
        expect(st.best).toBe(Math.max(...st.candidates.map((c) => c.accuracy)));
        expect(steps.some((s) => s.phase === 'search' && s.candidate === 0)).toBe(true);
        expect(r.trainableNames.every((n) => n.startsWith('ft_head.') || st.chosen.some((u) => n.startsWith(`${u}.`)))).toBe(true);
      }
      // Frozen weights are the base's, byte for byte (LoRA/spectral change only targeted weights).
      const w = await model.getWeights();
      if (method === 'linear-probe' || method === 'lora' || method === 'spectral') {
        for (const n of ['patch_embed.proj.weight', 'pos_embed', 'blocks.0.norm1.weight', 'blocks.1.attn.qkv.bias', 'norm.weight']) expect(w.get(n), n).toEqual(baseWeights.get(n));
      }
      // ... while the adapters did move the weights they target.
      if (method === 'lora' || method === 'spectral') expect(w.get('blocks.1.attn.qkv.weight')).not.toEqual(baseWeights.get('blocks.1.attn.qkv.weight'));
      if (method === 'lora') expect(w.get('blocks.1.attn.proj.weight')).toEqual(baseWeights.get('blocks.1.attn.proj.weight'));
      // Save / load round trip with equal logits.
      const d = path.join(dir, label);
      await saveModel(model, d);
      const back = await loadModel(d);
      expect(back).toBeInstanceOf(ViT);
      const y0 = model.forward(x);
      const y1 = back.forward(x);
      expect(bits(y1)).toEqual(bits(y0));
      tf.dispose([y0, y1]);
      back.dispose();
      model.dispose();
      expect(tf.memory().numTensors).toBe(baseline);
      // The base is never modified.
      const after = await base.getWeights();
      for (const [n, v] of baseWeights) expect(after.get(n)).toEqual(v);
    });
  }

  it('LoRA (with dropout) resumes from a saved checkpoint to the same result as an uninterrupted run', async () => {
    const baseline = tf.memory().numTensors;
    const opts = { lora: { rank: 2, alpha: 4, dropout: 0.1, targets: ['q', 'v'] as const }, steps: 24 } as unknown as Partial<FinetuneOptions>;
    const full = await run('lora', opts);
    const ref = await (full.model as ViT).getWeights();
    full.model.dispose();
    const ckDir = path.join(dir, 'ckpt');
    const controller = new AbortController();
    let saved: FinetuneCheckpoint | undefined;
    await expect(
      run('lora', {
        ...opts,
        checkpointEvery: 10,
        signal: controller.signal,
        onCheckpoint: async (c) => {
          saved = c;
          await saveFinetuneCheckpoint(ckDir, c);
        },
        onStep: (s) => {
          if (s.step === 14) controller.abort();
        },
        logEvery: 2,
        checkpointOnAbort: async (c) => {
          expect(c.trainer.step).toBe(14);
          expect(c.trainingSteps).toBe(14);
        },
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(saved?.trainer.step).toBe(10);
    expect(await isCheckpointDir(ckDir)).toBe(true);
    const ck = await loadFinetuneCheckpoint(ckDir);
    expect(ck.trainer.step).toBe(10);
    expect(ck.trainingSteps).toBe(10);
    expect([...ck.params.keys()]).toEqual([...saved!.params.keys()]);
    const resumed = await run('lora', { ...opts, resume: ck });
    expect(resumed.train.stepsRun).toBe(14);
    const got = await (resumed.model as ViT).getWeights();
    for (const [n, v] of ref) expect(got.get(n), n).toEqual(v);
    resumed.model.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
    await expect(run('spectral', { resume: ck })).rejects.toThrow(/method/);
    await expect(run('lora', { ...opts, lora: { rank: 2, alpha: 2, dropout: 0.1, targets: ['q', 'v'] }, resume: ck })).rejects.toThrow(/lora settings/);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('fine-tunes an exported stitch (LoRA) into a StitchedModel with the new head that round-trips', async () => {
    const baseline = tf.memory().numTensors;
    const copy = async (m: ViT) => new ViT(m.config, { weights: await m.getWeights() });
    const net = new SNNet([await copy(base8), await copy(base)], { method: 'v2' });
    await net.initializeStitching(train, { count: 60 });
    const sl = net.configurations().find((c) => c.family === 'SL')!;
    const { architecture, weights } = await extractStitch(net, sl.id);
    net.dispose();
    const stitch = new StitchedModel(architecture, weights);
    const stitchBar = (await evaluateUntrainedHead({ base: stitch, numClasses: 2, data: test, seed: 7 })).accuracy;
    const t0 = performance.now();
    const r = await finetune({
      base: stitch,
      method: 'lora',
      numClasses: 2,
      train,
      validation: test,
      steps: 60,
      batchSize: 32,
      learningRate: 5e-3,
      warmupSteps: 4,
      seed: 7,
      lora: { rank: 4, alpha: 8, targets: ['q', 'v', 'proj', 'fc1', 'fc2'] },
    });
    const seconds = Math.round(performance.now() - t0) / 1000;
    expect(r.model).toBeInstanceOf(StitchedModel);
    const m = r.model as StitchedModel;
    expect(m.architecture.segments).toEqual(architecture.segments);
    expect(m.architecture.anchors.every((a) => a.config.numClasses === 2)).toBe(true);
    // Every ViT block on the path is adapted (both anchors' prefixes), the stitching layer is not.
    expect(r.trainableNames.some((n) => n.startsWith('anchors.0.blocks.0.attn.qkv.lora_A.q'))).toBe(true);
    expect(r.trainableNames.some((n) => n.startsWith('anchors.1.') && n.includes('lora_B'))).toBe(true);
    expect(r.trainableNames.some((n) => n.startsWith('stitches.'))).toBe(false);
    const w = await m.getWeights();
    expect(w.get('stitches.0.weight')).toEqual(weights.get('stitches.0.weight'));
    const acc = (await evaluateClassifier(m, test)).accuracy;
    timings['lora-stitch'] = { seconds, accuracy: acc, bar: stitchBar };
    expect(r.validation!.accuracy).toBe(acc);
    expect(acc, `stitch: ${acc} vs untrained head ${stitchBar}`).toBeGreaterThan(stitchBar + 0.1);
    const d = path.join(dir, 'stitch');
    const manifest = await saveModel(m, d);
    expect(manifest.format).toBe('anchorage-stitch/1');
    const back = await loadModel(d);
    expect(back).toBeInstanceOf(StitchedModel);
    const y0 = m.forward(x);
    const y1 = back.forward(x);
    expect(y1.shape).toEqual([5, 2]);
    expect(bits(y1)).toEqual(bits(y0));
    tf.dispose([y0, y1]);
    back.dispose();
    m.dispose();
    stitch.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
