import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdamW,
  createConfigSampler,
  createViT,
  evaluateStitches,
  exportStitch,
  initBackend,
  loadCheckpoint,
  loadMnist,
  loadModel,
  loadSNNet,
  restoreSNNet,
  saveCheckpoint,
  saveModel,
  saveSNNet,
  snnetCheckpoint,
  SNNet,
  StitchedModel,
  subsetDataset,
  tf,
  trainSNNet,
  ViT,
  vitParamCount,
  type Dataset,
  type SNNetCheckpoint,
  type SNNetOptions,
  type SNNetStepInfo,
  type ViTConfig,
} from '../src/index.js';

// Patch 14: 4 patches + CLS, so steps are cheap.
const cfg = (dim: number, depth: number): ViTConfig => ({ imageSize: 28, channels: 1, patchSize: 14, dim, depth, heads: 2, mlpRatio: 2, numClasses: 10 });

function makeNet(options: SNNetOptions, dims = [8, 16], depths = [2, 2]): SNNet {
  return new SNNet(
    dims.map((d, i) => createViT(cfg(d, depths[i]!), { seed: 10 + i, init: 'fan-in' })),
    options,
  );
}

const bits = (t: tf.Tensor) => Array.from(t.dataSync());

describe('trainSNNet, checkpoints and export', () => {
  let train: Dataset;
  let test: Dataset;
  let dir: string;
  let x: tf.Tensor4D;

  beforeAll(async () => {
    await initBackend();
    const split = loadMnist({ seed: 0 });
    train = subsetDataset(split.train, 400, 1);
    test = subsetDataset(split.test, 60, 2);
    dir = await mkdtemp(path.join(tmpdir(), 'anchorage-stitch-'));
    x = tf.tensor4d(test.images.slice(0, 4 * 784), [4, 28, 28, 1]);
  });

  afterAll(async () => {
    x.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('samples one configuration per step, reports progress, and leaks no tensors across steps', async () => {
    const baseline = tf.memory().numTensors;
    const net = makeNet({ method: 'v1' });
    const afterNet = tf.memory().numTensors;
    const reports: SNNetStepInfo[] = [];
    const counts: number[] = [];
    const r = await trainSNNet({
      net,
      data: train,
      steps: 12,
      batchSize: 16,
      learningRate: 2e-3,
      warmupSteps: 2,
      seed: 1,
      logEvery: 1,
      onStep: (s) => {
        reports.push(s);
        counts.push(tf.memory().numTensors);
      },
    });
    expect(net.stitchingInitialized).toBe(true);
    expect(reports.map((s) => s.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(reports.every((s) => Number.isFinite(s.loss) && s.accuracy >= 0 && s.accuracy <= 1 && net.config(s.configId))).toBe(true);
    expect(new Set(reports.map((s) => s.configId)).size).toBeGreaterThan(3);
    // The optimizer creates its moment slots at step 1; after that the count is flat.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(afterNet);
    expect(Object.values(r.configCounts).reduce((a, b) => a + b, 0)).toBe(12);
    expect(r.stepsRun).toBe(12);

    // Abort mid-run: AbortError, nothing leaked.
    const ac = new AbortController();
    const err = await trainSNNet({ net, data: train, steps: 1000, batchSize: 8, learningRate: 1e-3, seed: 2, signal: ac.signal, logEvery: 1, onStep: (s) => (s.step === 3 ? ac.abort() : undefined) }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(tf.memory().numTensors).toBe(afterNet);

    // Distillation from the largest anchor, frozen anchors.
    const before = await net.getWeights();
    await trainSNNet({ net, data: train, steps: 3, batchSize: 8, learningRate: 1e-2, seed: 3, trainAnchors: false, distill: { teacher: 'largest-anchor' } });
    const after = await net.getWeights();
    for (const [n, v] of before) {
      const changed = after.get(n)!.some((y, i) => y !== v[i]);
      if (n.startsWith('stitches.') || n.endsWith('.cls_token')) continue;
      expect(changed, n).toBe(false);
    }
    expect([...before].some(([n, v]) => n.startsWith('stitches.') && after.get(n)!.some((y, i) => y !== v[i]))).toBe(true);
    expect(tf.memory().numTensors).toBe(afterNet);
    net.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('resumes from a checkpoint: same configuration sequence and the same weights as an uninterrupted run', async () => {
    const opts = { data: train, steps: 10, batchSize: 16, learningRate: 2e-3, warmupSteps: 2, seed: 5, logEvery: 1, sampling: 'ros' as const };
    // Uninterrupted.
    const a = makeNet({ method: 'v2' }, [8, 16], [2, 4]);
    const seqA: number[] = [];
    await trainSNNet({ ...opts, net: a, onStep: (s) => void seqA.push(s.configId) });
    const wA = await a.getWeights();

    // Interrupted after 4 steps (the checkpoint callback aborts the run).
    const b = makeNet({ method: 'v2' }, [8, 16], [2, 4]);
    const ac = new AbortController();
    let ckpt: SNNetCheckpoint | undefined;
    const seqB: number[] = [];
    const err = await trainSNNet({
      ...opts,
      net: b,
      signal: ac.signal,
      checkpointEvery: 4,
      onStep: (s) => void seqB.push(s.configId),
      onCheckpoint: async (state) => {
        ckpt = await snnetCheckpoint(b, state);
        ac.abort();
      },
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(seqB).toEqual(seqA.slice(0, 4));
    expect(ckpt!.trainer.step).toBe(4);
    expect(ckpt!.trainer.optimizer.m.length).toBe(ckpt!.trainer.optimizer.names.length);
    b.dispose();

    await saveCheckpoint(path.join(dir, 'ckpt'), ckpt!);
    const loaded = await loadCheckpoint(path.join(dir, 'ckpt'));
    const strip = (t: SNNetCheckpoint['trainer']) => ({ ...t, optimizer: { ...t.optimizer, m: [], v: [] } });
    expect(strip(loaded.trainer)).toEqual(strip(ckpt!.trainer));
    expect(loaded.trainer.sampler).toEqual(ckpt!.trainer.sampler);
    expect(loaded.net.manifest.options).toEqual(ckpt!.net.manifest.options);
    expect(loaded.trainer.optimizer.m.map((m) => Array.from(m))).toEqual(ckpt!.trainer.optimizer.m.map((m) => Array.from(m)));
    const c = restoreSNNet(loaded);
    const seqC: number[] = [];
    const r = await trainSNNet({ ...opts, net: c, resume: loaded, onStep: (s) => void seqC.push(s.configId) });
    expect(r.stepsRun).toBe(6);
    expect(seqC).toEqual(seqA.slice(4));
    const wC = await c.getWeights();
    for (const [n, v] of wA) expect(Array.from(wC.get(n)!), n).toEqual(Array.from(v));

    // The sampler a run would build agrees with the checkpoint's record.
    const { sampler } = createConfigSampler(c, { sampling: 'ros', seed: 5 });
    expect(sampler.groups.flat().length).toBe(c.configurations().length);
    await expect(trainSNNet({ ...opts, net: c, batchSize: 8, resume: loaded })).rejects.toThrow(/batchSize/);
    a.dispose();
    c.dispose();
  });

  it('off-path parameters: zero gradients (default) still decay them; skip leaves them untouched', async () => {
    const baseline = tf.memory().numTensors;
    for (const mode of ['zero', 'skip'] as const) {
      const net = makeNet({ method: 'v1' });
      await net.initializeStitching(train, { count: 20 });
      const before = await net.getWeights();
      await trainSNNet({ net, data: train, steps: 3, batchSize: 8, learningRate: 1e-2, weightDecay: 0.1, seed: 1, configIds: [0], offPathUpdates: mode });
      const after = await net.getWeights();
      const changed = (n: string) => after.get(n)!.some((v, i) => v !== before.get(n)![i]);
      expect(changed('anchors.0.head.weight')).toBe(true);
      expect(changed('anchors.1.head.weight')).toBe(mode === 'zero');
      expect(changed('stitches.v1:0-1:0.weight')).toBe(mode === 'zero');
      // Never a gradient, so no momentum, and rank-1 parameters are not decayed.
      expect(changed('anchors.1.norm.bias')).toBe(false);
      net.dispose();
    }
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('AdamW state round-trips exactly', async () => {
    const baseline = tf.memory().numTensors;
    const v = tf.tidy(() => tf.variable(tf.tensor1d([1, 2, 3])));
    const w = tf.tidy(() => tf.variable(tf.tensor2d([[1, -1]])));
    const run = (opt: AdamW, k: number) => {
      for (let i = 0; i < k; i++) {
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => tf.sum(tf.add(tf.square(v), tf.sum(tf.mul(w, i + 1)))) as tf.Scalar, [v, w]);
          opt.step(grads, 0.1);
        });
      }
    };
    const o1 = new AdamW([['v', v], ['w', w]], { learningRate: 0.1, weightDecay: 0.1 });
    run(o1, 3);
    const st = await o1.getState();
    expect(st.iterations).toBe(3);
    const snap = [Array.from(v.dataSync()), Array.from(w.dataSync())];
    run(o1, 2);
    const ref = [Array.from(v.dataSync()), Array.from(w.dataSync())];
    tf.tidy(() => {
      v.assign(tf.tensor1d(snap[0]!));
      w.assign(tf.tensor2d([snap[1]!]));
    });
    const o2 = new AdamW([['v', v], ['w', w]], { learningRate: 0.1, weightDecay: 0.1 });
    await o2.setState(st);
    run(o2, 2);
    expect([Array.from(v.dataSync()), Array.from(w.dataSync())]).toEqual(ref);
    o1.dispose();
    o2.dispose();
    v.dispose();
    w.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('exports a stitch as a standalone model whose logits equal the SNNet’s bit for bit', async () => {
    const baseline = tf.memory().numTensors;
    const net = makeNet({ method: 'v2' }, [8, 16], [2, 4]);
    await trainSNNet({ net, data: train, steps: 12, batchSize: 16, learningRate: 5e-3, seed: 7, sampling: 'uniform', configIds: [2, 4] });
    // LoRA factors moved, so the merge matters.
    for (const id of ['SL_0', 'LS_0']) expect(net.layer(id).loraB!.dataSync().some((v) => v !== 0)).toBe(true);
    const ids = net.configurations().map((c) => c.id);
    for (const id of ids) {
      const d = path.join(dir, `stitch-${id}`);
      const manifest = await exportStitch(net, id, d);
      expect(manifest.format).toBe('anchorage-stitch/1');
      const json = JSON.parse(await readFile(path.join(d, 'model.json'), 'utf8'));
      expect(json.architecture.segments).toEqual(net.config(id).segments);
      const model = await loadModel(d);
      expect(model).toBeInstanceOf(StitchedModel);
      const m = model as StitchedModel;
      expect(m.architecture.kind).toBe('stitch');
      const y0 = net.forward(x, id);
      const y1 = m.forward(x);
      const f0 = net.features(x, id);
      const f1 = m.features(x);
      expect(bits(y1)).toEqual(bits(y0));
      expect(bits(f1)).toEqual(bits(f0));
      expect(m.flops()).toBe(net.flops(id));
      const c = net.config(id);
      const first = net.anchors[c.segments[0]!.anchor]!.config;
      if (c.kind === 'anchor') expect(m.countParams()).toBe(vitParamCount(first));
      // Stored scalars = the official count + the first anchor's CLS token and position embedding.
      else expect(m.countParams()).toBe(net.params(id) + first.dim + 5 * first.dim);
      tf.dispose([y0, y1, f0, f1]);
      m.dispose();
    }
    // Only the weights the path uses are exported.
    const sl = net.configurations().find((c) => c.family === 'SL')!;
    const names = JSON.parse(await readFile(path.join(dir, `stitch-${sl.id}`, 'model.json'), 'utf8')).weights.map((w: { name: string }) => w.name) as string[];
    expect(names.filter((n) => n.startsWith('stitches.'))).toEqual(['stitches.0.weight', 'stitches.0.bias']);
    expect(names.some((n) => n.startsWith('anchors.0.norm.') || n.startsWith('anchors.1.patch_embed'))).toBe(false);

    // ViT directories still load as ViTs, with the same interface.
    await saveModel(net.anchors[0]!, path.join(dir, 'vit'));
    const v = await loadModel(path.join(dir, 'vit'));
    expect(v).toBeInstanceOf(ViT);
    expect(v.architecture.kind).toBe('vit');
    v.dispose();

    // The whole network round-trips too.
    await saveSNNet(net, path.join(dir, 'snnet'));
    await expect(loadModel(path.join(dir, 'snnet'))).rejects.toThrow(/loadSNNet/);
    const back = await loadSNNet(path.join(dir, 'snnet'));
    expect(back.stitchingInitialized).toBe(true);
    expect(back.options).toEqual(net.options);
    for (const id of ids) {
      const y0 = net.forward(x, id);
      const y1 = back.forward(x, id);
      expect(bits(y1)).toEqual(bits(y0));
      tf.dispose([y0, y1]);
    }
    back.dispose();
    net.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('evaluates every stitch with FLOPs, params, accuracy and latency', async () => {
    const baseline = tf.memory().numTensors;
    const net = makeNet({ method: 'v1' }, [8, 16, 24], [2, 2, 2]);
    await net.initializeStitching(train, { count: 20 });
    const seen: number[] = [];
    const res = await evaluateStitches(net, test, { batchSize: 32, latency: { batchSize: [1, 4], warmup: 1, runs: 3 }, onStitch: (r, i, n) => void seen.push(i / n) });
    expect(res.length).toBe(net.configurations().length);
    expect(seen.length).toBe(res.length);
    for (const r of res) {
      expect(r.top1).toBeGreaterThanOrEqual(0);
      expect(r.top1).toBeLessThanOrEqual(r.top5);
      expect(r.top5).toBeLessThanOrEqual(1);
      expect(Number.isFinite(r.loss)).toBe(true);
      expect(r.flops).toBe(net.flops(r.id));
      expect(r.params).toBe(net.params(r.id));
      expect(r.latencyMs!.batchSize).toBe(1);
      expect(r.latencyMs!.median).toBeLessThanOrEqual(r.latencyMs!.p90);
      expect(r.latencies!.map((l) => l.batchSize)).toEqual([1, 4]);
      expect(r.kind).toBe(r.id < 3 ? 'anchor' : 'stitch');
    }
    const ac = new AbortController();
    ac.abort();
    await expect(evaluateStitches(net, test, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    net.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
