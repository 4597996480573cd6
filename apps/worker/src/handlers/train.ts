// train: a ViT anchor on the seeded MNIST split, evaluated on the test split and saved as a model.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TrainSpec } from '@anchorage/contracts';
import {
  createViT,
  evaluateClassifier,
  initBackend,
  loadMnist,
  saveModel,
  trainClassifier,
  vitPreset,
  type ViTConfig,
} from '@anchorage/ml';
import { throwIfAborted } from '../errors.js';
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

export const trainHandler: Handler<TrainSpec> = async ({ spec, signal, report, artifactsDir, runId, attemptNumber }) => {
  const started = Date.now();
  const backend = await initBackend();
  report.log('info', `TensorFlow.js backend: ${backend.backend} (${backend.detail})`);

  const split = loadMnist({ seed: spec.data.seed, testFraction: spec.data.testFraction });
  const config = vitConfigOf(spec.model);
  const model = createViT(config, { seed: spec.seed, init: spec.model.init });
  try {
    const params = model.countParams();
    const flops = model.flops();
    report.log(
      'info',
      `ViT ${spec.model.preset} (dim ${config.dim}, depth ${config.depth}, heads ${config.heads}, patch ${config.patchSize}): ` +
        `${params} params, ${flops} MACs/image; MNIST ${split.train.count} train / ${split.test.count} test`,
    );
    report.progress(0);

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
          },
        },
      ],
    };
  } finally {
    model.dispose();
  }
};
