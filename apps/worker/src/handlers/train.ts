// train: a ViT anchor on the seeded MNIST split, evaluated on the test split and saved as a model.
// Checkpoints every `checkpointEvery` steps (and when the worker stops mid-run) to the run's
// checkpoint folder; a new attempt of the run resumes from the newest one.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TrainSpec } from '@anchorage/contracts';
import {
  classifierCheckpoint,
  createViT,
  evaluateClassifier,
  initBackend,
  loadClassifierCheckpoint,
  loadMnist,
  restoreClassifier,
  saveClassifierCheckpoint,
  saveModel,
  trainClassifier,
  vitPreset,
  type ClassifierCheckpoint,
  type ClassifierTrainerState,
  type ViT,
  type ViTConfig,
} from '@anchorage/ml';
import { throwIfAborted } from '../errors.js';
import { checkpointOnShutdown, checkpointsDir, loadLatestCheckpoint, storeCheckpoint } from './checkpoints.js';
import { reportTrainingStep, type Handler } from './types.js';

/** Fraction of the progress bar spent training; evaluation and saving take the rest. */
const TRAIN_SHARE = 0.9;

/** The ViT configuration of a spec: the preset with the spec's overrides. */
export function vitConfigOf(model: TrainSpec['model']): ViTConfig {
  const config = vitPreset(model.preset);
  if (model.patchSize !== undefined) config.patchSize = model.patchSize;
  if (model.dim !== undefined) config.dim = model.dim;
  if (model.depth !== undefined) config.depth = model.depth;
  if (model.heads !== undefined) config.heads = model.heads;
  if (model.mlpRatio !== undefined) config.mlpRatio = model.mlpRatio;
  return config;
}

/** Where an attempt's model goes: `<artifactsDir>/models/<runId>/attempt-<n>/`. */
export function modelDir(artifactsDir: string, runId: string, attemptNumber: number): string {
  return join(artifactsDir, 'models', runId, `attempt-${attemptNumber}`);
}

export function defaultModelName(preset: string, runId: string): string {
  return `${preset}-${runId.replace(/[^A-Za-z0-9]/g, '').slice(-8)}`;
}

/** Why a checkpoint cannot continue this spec's run (null when it can). */
function checkpointMismatch(ckpt: ClassifierCheckpoint, spec: TrainSpec, config: ViTConfig): string | null {
  const arch = ckpt.model.manifest.architecture;
  const keys = new Set([...Object.keys(arch), ...Object.keys(config)] as (keyof ViTConfig)[]);
  const archDiff = [...keys].filter((k) => arch[k] !== config[k]);
  if (archDiff.length > 0) return `its architecture differs (${archDiff.join(', ')})`;
  const t = ckpt.trainer;
  if (t.totalSteps !== spec.steps || t.batchSize !== spec.batchSize || t.seed !== spec.seed) {
    return `it belongs to a different schedule (steps ${t.totalSteps}, batch ${t.batchSize}, seed ${t.seed})`;
  }
  return null;
}

export const trainHandler: Handler<TrainSpec> = async (ctx) => {
  const { spec, signal, report, artifactsDir, runId, attemptNumber } = ctx;
  const started = Date.now();
  const backend = await initBackend();
  report.log('info', `TensorFlow.js backend: ${backend.backend} (${backend.detail})`);

  const split = loadMnist({ seed: spec.data.seed, testFraction: spec.data.testFraction });
  const config = vitConfigOf(spec.model);
  const checkpoints = checkpointsDir(artifactsDir, runId);

  // Resume from the newest usable checkpoint of an earlier attempt; otherwise start afresh.
  const found = await loadLatestCheckpoint(
    checkpoints,
    async (dir) => {
      const ckpt = await loadClassifierCheckpoint(dir);
      const mismatch = checkpointMismatch(ckpt, spec, config);
      if (mismatch) throw new Error(mismatch);
      return ckpt;
    },
    report,
    ctx.resumeLimit,
  );
  const resume = found?.checkpoint;
  const model: ViT = resume ? restoreClassifier(resume) : createViT(config, { seed: spec.seed, init: spec.model.init });
  const resumedFromStep = resume ? resume.trainer.step : null;
  if (resume) report.log('info', `resuming from the checkpoint at step ${resumedFromStep}`);
  const save = async (dir: string, state: ClassifierTrainerState) => saveClassifierCheckpoint(dir, await classifierCheckpoint(model, state));
  try {
    const params = model.countParams();
    const flops = model.flops();
    report.log(
      'info',
      `ViT ${spec.model.preset} (dim ${config.dim}, depth ${config.depth}, heads ${config.heads}, patch ${config.patchSize}): ` +
        `${params} params, ${flops} MACs/image; MNIST ${split.train.count} train / ${split.test.count} test`,
    );
    report.progress((TRAIN_SHARE * (resumedFromStep ?? 0)) / spec.steps);

    const trained = await trainClassifier({
      model,
      data: split.train,
      batchSize: spec.batchSize,
      steps: spec.steps,
      learningRate: spec.learningRate,
      warmupSteps: spec.warmupSteps,
      weightDecay: spec.weightDecay,
      schedule: 'cosine',
      seed: spec.seed,
      signal,
      logEvery: spec.metricsEvery,
      onStep: (s) => reportTrainingStep(report, s, TRAIN_SHARE),
      resume,
      checkpointEvery: spec.checkpointEvery,
      onCheckpoint: (state) => storeCheckpoint(ctx, checkpoints, state.step, (dir) => save(dir, state)),
      checkpointOnAbort: checkpointOnShutdown(ctx, checkpoints, save),
    });

    const test = await evaluateClassifier(model, split.test, { batchSize: 256, signal });
    report.metric('test/loss', spec.steps, test.loss);
    report.metric('test/accuracy', spec.steps, test.accuracy);
    report.log('info', `test accuracy ${(test.accuracy * 100).toFixed(2)}%, loss ${test.loss.toFixed(4)} on ${test.count} images`);
    report.progress(0.97);

    throwIfAborted(signal);
    const dir = modelDir(artifactsDir, runId, attemptNumber);
    await saveModel(model, dir);
    report.progress(1);

    const durationMs = Date.now() - started;
    const result = {
      steps: trained.steps,
      trainLoss: trained.loss,
      trainAccuracy: trained.accuracy,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      params,
      flops,
      durationMs,
    };
    return {
      result,
      models: [
        {
          resultField: 'modelId',
          name: spec.modelName ?? defaultModelName(spec.model.preset, runId),
          kind: 'anchor',
          architecture: { family: 'vit', preset: spec.model.preset, init: spec.model.init, ...config },
          artifactUri: pathToFileURL(dir + '/').href,
          params,
          metrics: {
            testAccuracy: test.accuracy,
            testLoss: test.loss,
            trainAccuracy: trained.accuracy,
            trainLoss: trained.loss,
            flops,
          },
          lineage: {
            runId,
            attempt: attemptNumber,
            data: { dataset: spec.data.dataset, testFraction: spec.data.testFraction, seed: spec.data.seed },
            steps: trained.steps,
            seed: spec.seed,
            backend: backend.backend,
            resumedFromStep,
          },
        },
      ],
    };
  } finally {
    model.dispose();
  }
};
