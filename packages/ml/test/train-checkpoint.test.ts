// Resumable classifier training: checkpoints every N steps and on abort, saved to disk and loaded
// back, and a resumed run that reproduces the uninterrupted one bit for bit.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classifierCheckpoint,
  createBatchIterator,
  createViT,
  initBackend,
  isCheckpointDir,
  loadClassifierCheckpoint,
  loadClassifierWeights,
  loadMnist,
  loadModel,
  restoreClassifier,
  saveClassifierCheckpoint,
  subsetDataset,
  tf,
  trainClassifier,
  trainSNNet,
  SNNet,
  ViT,
  type ClassifierCheckpoint,
  type ClassifierTrainerState,
  type Dataset,
  type SNNetTrainerState,
  type TrainOptions,
  type TrainStepInfo,
  type ViTConfig,
} from '../src/index.js';

// Patch 14: 4 patches + CLS, so steps are cheap.
const small: ViTConfig = { imageSize: 28, channels: 1, patchSize: 14, dim: 16, depth: 1, heads: 2, mlpRatio: 2, numClasses: 10 };

describe('classifier checkpoints', () => {
  let train: Dataset;
  let dir: string;

  beforeAll(async () => {
    await initBackend();
    train = subsetDataset(loadMnist({ seed: 0 }).train, 200, 1);
    dir = await mkdtemp(path.join(tmpdir(), 'anchorage-train-ckpt-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // 200 images / batch 16 = 12 batches an epoch: 24 steps cross two epoch boundaries.
  const opts = (model: ViT): TrainOptions => ({
    model,
    data: train,
    batchSize: 16,
    steps: 24,
    learningRate: 3e-3,
    warmupSteps: 3,
    weightDecay: 0.05,
    seed: 7,
    logEvery: 5,
  });

  it('resumes from a checkpoint saved to disk: same weights and the same reports as an uninterrupted run', async () => {
    const baseline = tf.memory().numTensors;
    // Uninterrupted: 24 steps.
    const a = createViT(small, { seed: 3, init: 'fan-in' });
    const reportsA: TrainStepInfo[] = [];
    const rA = await trainClassifier({ ...opts(a), onStep: (s) => void reportsA.push(s) });
    const wA = await a.getWeights();
    a.dispose();

    // Interrupted: checkpoints every 6 steps (not a multiple of logEvery, so the metric window is
    // mid-way), the run is aborted by the second checkpoint (step 12 = half-way).
    const b = createViT(small, { seed: 3, init: 'fan-in' });
    const ac = new AbortController();
    const states: ClassifierTrainerState[] = [];
    let ckpt: ClassifierCheckpoint | undefined;
    const reportsB: TrainStepInfo[] = [];
    const err = await trainClassifier({
      ...opts(b),
      signal: ac.signal,
      checkpointEvery: 6,
      onStep: (s) => void reportsB.push(s),
      onCheckpoint: async (state) => {
        states.push(state);
        if (state.step === 12) {
          ckpt = await classifierCheckpoint(b, state);
          ac.abort();
        }
      },
      // Nothing ran since the checkpoint at step 12: not called.
      checkpointOnAbort: () => {
        throw new Error('checkpointOnAbort must not run right after a checkpoint');
      },
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(states.map((s) => s.step)).toEqual([6, 12]);
    expect(reportsB).toEqual(reportsA.filter((r) => r.step <= 12));
    expect(ckpt!.trainer).toMatchObject({ format: 'anchorage-classifier-trainer/1', step: 12, totalSteps: 24, seed: 7, batchSize: 16 });
    expect(ckpt!.trainer.batches).toEqual({ seed: 7, batchSize: 16, datasetCount: 200, batches: 12, epoch: 0 });
    expect(ckpt!.trainer.metrics.windowSteps).toBe(2); // steps 11 and 12 since the report at 10
    expect(ckpt!.trainer.optimizer.iterations).toBe(12);
    expect(ckpt!.trainer.optimizer.m.length).toBe(ckpt!.trainer.optimizer.names.length);
    b.dispose();

    // Round trip on disk.
    const ckptDir = path.join(dir, 'resume', 'step-12');
    await saveClassifierCheckpoint(ckptDir, ckpt!);
    expect((await readdir(ckptDir)).sort()).toEqual(['model.json', 'optimizer.bin', 'trainer.json', 'weights.bin']);
    expect(await isCheckpointDir(ckptDir)).toBe(true);
    const loaded = await loadClassifierCheckpoint(ckptDir);
    const strip = (t: ClassifierTrainerState) => ({ ...t, optimizer: { ...t.optimizer, m: [], v: [] } });
    expect(strip(loaded.trainer)).toEqual(strip(ckpt!.trainer));
    expect(loaded.trainer.optimizer.m.map((m) => Array.from(m))).toEqual(ckpt!.trainer.optimizer.m.map((m) => Array.from(m)));
    expect(loaded.trainer.optimizer.v.map((v) => Array.from(v))).toEqual(ckpt!.trainer.optimizer.v.map((v) => Array.from(v)));
    expect(loaded.model.manifest.architecture).toEqual(small);
    for (const [n, v] of ckpt!.model.weights) expect(Array.from(loaded.model.weights.get(n)!), n).toEqual(Array.from(v));
    // The model part is an ordinary saved ViT.
    const asModel = await loadModel(ckptDir);
    expect(asModel).toBeInstanceOf(ViT);
    asModel.dispose();

    // Resume to 24 steps.
    const c = restoreClassifier(loaded);
    const reportsC: TrainStepInfo[] = [];
    const rC = await trainClassifier({ ...opts(c), resume: loaded, onStep: (s) => void reportsC.push(s) });
    expect(rC.stepsRun).toBe(12);
    expect(reportsC).toEqual(reportsA.filter((r) => r.step > 12));
    expect({ ...rC, seconds: 0, msPerStep: 0, stepsRun: 0 }).toEqual({ ...rA, seconds: 0, msPerStep: 0, stepsRun: 0 });
    const wC = await c.getWeights();
    for (const [n, v] of wA) expect(Array.from(wC.get(n)!), n).toEqual(Array.from(v));

    // The same through a trainer state plus loadClassifierWeights into a fresh model.
    const d = createViT(small, { seed: 99 });
    loadClassifierWeights(d, loaded);
    await trainClassifier({ ...opts(d), resume: loaded.trainer });
    const wD = await d.getWeights();
    for (const [n, v] of wA) expect(Array.from(wD.get(n)!), n).toEqual(Array.from(v));

    // Options that would change the run are refused.
    await expect(trainClassifier({ ...opts(c), batchSize: 8, resume: loaded })).rejects.toThrow(/batchSize/);
    await expect(trainClassifier({ ...opts(c), steps: 30, resume: loaded })).rejects.toThrow(/steps/);
    await expect(trainClassifier({ ...opts(c), learningRate: 1e-3, resume: loaded })).rejects.toThrow(/learningRate/);
    const other = createViT({ ...small, dim: 8 });
    expect(() => loadClassifierWeights(other, loaded)).toThrow(/architecture/);
    other.dispose();
    c.dispose();
    d.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('a directory without trainer.json is not a checkpoint', async () => {
    const model = createViT(small, { seed: 1 });
    let ckpt: ClassifierCheckpoint | undefined;
    await trainClassifier({ ...opts(model), steps: 4, checkpointEvery: 2, onCheckpoint: async (s) => void (ckpt = await classifierCheckpoint(model, s)) });
    // steps 2 only: no checkpoint at the last step.
    expect(ckpt!.trainer.step).toBe(2);
    const half = path.join(dir, 'half', 'step-2');
    await saveClassifierCheckpoint(half, ckpt!);
    await rm(path.join(half, 'trainer.json'));
    expect(await isCheckpointDir(half)).toBe(false);
    await expect(loadClassifierCheckpoint(half)).rejects.toThrow(/not a complete checkpoint/);
    await expect(isCheckpointDir(path.join(dir, 'missing'))).resolves.toBe(false);
    // A trainer.json of another format is refused.
    const foreign = path.join(dir, 'foreign');
    await mkdir(foreign, { recursive: true });
    await writeFile(path.join(foreign, 'trainer.json'), JSON.stringify({ format: 'anchorage-snnet-checkpoint/1', trainer: {} }));
    await expect(loadClassifierCheckpoint(foreign)).rejects.toThrow(/unsupported format/);
    model.dispose();
  });

  it('on abort, checkpointOnAbort gets the state after the last completed step, and nothing leaks', async () => {
    const baseline = tf.memory().numTensors;
    const model = createViT(small, { seed: 2, init: 'fan-in' });
    const afterModel = tf.memory().numTensors;
    const ac = new AbortController();
    const regular: number[] = [];
    let onAbort: ClassifierCheckpoint | undefined;
    let lastReported = 0;
    const err = await trainClassifier({
      ...opts(model),
      steps: 100,
      logEvery: 1,
      signal: ac.signal,
      checkpointEvery: 4,
      onCheckpoint: (s) => void regular.push(s.step),
      onStep: (s) => {
        lastReported = s.step;
        if (s.step === 7) ac.abort();
      },
      checkpointOnAbort: async (s) => {
        // The model holds the weights of that step while the callback runs.
        onAbort = await classifierCheckpoint(model, s);
      },
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(regular).toEqual([4]);
    expect(lastReported).toBe(7);
    expect(onAbort!.trainer.step).toBe(7);
    expect(onAbort!.trainer.batches.batches).toBe(7);
    expect(onAbort!.trainer.optimizer.iterations).toBe(7);
    expect(tf.memory().numTensors).toBe(afterModel);

    // Resuming from the abort checkpoint reproduces 10 uninterrupted steps.
    const straight = createViT(small, { seed: 2, init: 'fan-in' });
    await expect(trainClassifier({ ...opts(straight), steps: 100, logEvery: 1, ...abortAt(10) })).rejects.toMatchObject({ name: 'AbortError' });
    const resumed = restoreClassifier(onAbort!);
    await expect(trainClassifier({ ...opts(resumed), steps: 100, logEvery: 1, resume: onAbort!, ...abortAt(10) })).rejects.toMatchObject({ name: 'AbortError' });
    const wS = await straight.getWeights();
    const wR = await resumed.getWeights();
    for (const [n, v] of wS) expect(Array.from(wR.get(n)!), n).toEqual(Array.from(v));
    straight.dispose();
    resumed.dispose();

    // Aborted before any step of a resumed run: no abort checkpoint (nothing new to save).
    const again = restoreClassifier(onAbort!);
    let called = false;
    const aborted = new AbortController();
    aborted.abort();
    await expect(
      trainClassifier({ ...opts(again), steps: 100, logEvery: 1, resume: onAbort!, signal: aborted.signal, checkpointOnAbort: () => void (called = true) }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(called).toBe(false);
    again.dispose();

    // A failure that is not an abort does not checkpoint.
    const failing = createViT(small, { seed: 2 });
    called = false;
    await expect(
      trainClassifier({ ...opts(failing), onStep: () => Promise.reject(new Error('boom')), checkpointOnAbort: () => void (called = true) }),
    ).rejects.toThrow('boom');
    expect(called).toBe(false);
    failing.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('trainSNNet checkpoints on abort too', async () => {
    const baseline = tf.memory().numTensors;
    const anchors = [8, 16].map((d, i) => createViT({ ...small, dim: d, depth: 2 }, { seed: 10 + i, init: 'fan-in' }));
    const net = new SNNet(anchors, { method: 'v1' });
    const afterNet = tf.memory().numTensors;
    const ac = new AbortController();
    const regular: number[] = [];
    let onAbort: SNNetTrainerState | undefined;
    const err = await trainSNNet({
      net,
      data: train,
      steps: 100,
      batchSize: 8,
      learningRate: 1e-3,
      seed: 1,
      logEvery: 1,
      signal: ac.signal,
      checkpointEvery: 3,
      onCheckpoint: (s) => void regular.push(s.step),
      onStep: (s) => (s.step === 5 ? ac.abort() : undefined),
      checkpointOnAbort: (s) => void (onAbort = s),
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(regular).toEqual([3]);
    expect(onAbort).toMatchObject({ step: 5, batches: { batches: 5 }, optimizer: { iterations: 5 } });
    expect(onAbort!.metrics).toMatchObject({ windowSteps: 0 });
    expect(tf.memory().numTensors).toBe(afterNet);
    net.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('a batch iterator resumes at the same batch', () => {
    const a = createBatchIterator(train, { batchSize: 16, seed: 4 });
    for (let i = 0; i < 30; i++) a.next();
    const state = a.state();
    expect(state).toEqual({ seed: 4, batchSize: 16, datasetCount: 200, batches: 30, epoch: 2 });
    const b = createBatchIterator(train, { batchSize: 16, seed: 4, resume: JSON.parse(JSON.stringify(state)) });
    for (let i = 0; i < 15; i++) {
      const x = a.next();
      const y = b.next();
      expect(Array.from(y.labels)).toEqual(Array.from(x.labels));
      expect(y.epoch).toBe(x.epoch);
    }
    expect(() => createBatchIterator(train, { batchSize: 8, seed: 4, resume: state })).toThrow(/batchSize/);
    expect(() => createBatchIterator(train, { batchSize: 16, seed: 5, resume: state })).toThrow(/seed/);
  });
});

/** Options that abort a run (logEvery 1) once step `step` has been reported. */
function abortAt(step: number): Pick<TrainOptions, 'signal' | 'onStep'> {
  const ac = new AbortController();
  return { signal: ac.signal, onStep: (s) => (s.step === step ? ac.abort() : undefined) };
}
