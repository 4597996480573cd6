// finetune: adapt a registered model (an anchor, an exported stitch, an earlier fine-tune) to a
// transfer task with one of the five methods of ml-methods.md section 3, then register the merged
// model with its new head. Checkpoints and resume as the other long jobs; SubTuning's search is
// reported as `search/accuracy` per candidate and is not resumable (a new attempt searches again).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FinetuneSpec } from '@anchorage/contracts';
import {
  evaluateModel,
  evaluateUntrainedHead,
  finetune,
  initBackend,
  loadFinetuneCheckpoint,
  loadTask,
  saveFinetuneCheckpoint,
  saveModel,
  scalarMetrics,
  StitchedModel,
  ViT,
  type FinetuneCheckpoint,
} from '@anchorage/ml';
import { throwIfAborted, ValidationError } from '../errors.js';
import { checkpointOnShutdown, checkpointsDir, loadLatestCheckpoint, storeCheckpoint } from './checkpoints.js';
import { loadRegisteredModel, resolveModelInput } from './models.js';
import { modelDir } from './train.js';
import { reportTrainingStep, type Handler } from './types.js';

/** Fraction of the progress bar spent training (search included); evaluation and saving take the rest. */
const TRAIN_SHARE = 0.9;

export const finetuneHandler: Handler<FinetuneSpec> = async (ctx) => {
  const { spec, inputs, signal, report, artifactsDir, runId, attemptNumber } = ctx;
  const started = Date.now();
  const backend = await initBackend();
  report.log('info', `TensorFlow.js backend: ${backend.backend} (${backend.detail})`);

  const input = resolveModelInput(inputs, spec.modelId);
  const task = loadTask(spec.data.task, { seed: spec.data.seed, testFraction: spec.data.testFraction, shots: spec.data.shots });
  const base = await loadRegisteredModel(input, artifactsDir);
  if (!(base instanceof ViT) && !(base instanceof StitchedModel)) {
    base.dispose();
    throw new ValidationError(`model ${spec.modelId} cannot be fine-tuned (not a ViT or a stitched ViT)`);
  }
  const checkpoints = checkpointsDir(artifactsDir, runId);
  try {
    report.log(
      'info',
      `fine-tuning ${input.name ?? spec.modelId} with ${spec.method} on ${spec.data.task} (${task.classes} classes): ` +
        `${task.train.count} train / ${task.test.count} test images`,
    );
    const untrained = await evaluateUntrainedHead({ base, numClasses: task.classes, data: task.test, seed: spec.seed, signal });
    report.metric('test/untrained-accuracy', 0, untrained.accuracy);
    report.log('info', `untrained head: ${(untrained.accuracy * 100).toFixed(2)}% test accuracy`);

    const found = await loadLatestCheckpoint(
      checkpoints,
      async (dir) => {
        const ckpt = await loadFinetuneCheckpoint(dir);
        if (ckpt.method !== spec.method || ckpt.numClasses !== task.classes || ckpt.seed !== spec.seed) {
          throw new Error(`it belongs to a different fine-tune (${ckpt.method}, ${ckpt.numClasses} classes, seed ${ckpt.seed})`);
        }
        return ckpt;
      },
      report,
      ctx.resumeLimit,
    );
    if (found) report.log('info', `resuming from the checkpoint at step ${found.step}`);
    const save = (dir: string, ckpt: FinetuneCheckpoint) => saveFinetuneCheckpoint(dir, ckpt);
    const stepOf = (ckpt: FinetuneCheckpoint) => ckpt.trainer.step;
    const onAbort = checkpointOnShutdown<FinetuneCheckpoint & { step: number }>(ctx, checkpoints, save);

    // SubTuning trains a short run per candidate before the final one: the search takes the first
    // half of the bar, the final training the rest.
    const searching = spec.method === 'subtuning' && !found;
    const tuned = await finetune({
      base,
      method: spec.method,
      numClasses: task.classes,
      train: task.train,
      steps: spec.steps,
      batchSize: spec.batchSize,
      learningRate: spec.learningRate,
      weightDecay: spec.weightDecay,
      warmupSteps: spec.warmupSteps,
      seed: spec.seed,
      lora: spec.lora,
      spectral: spec.spectral,
      subtuning: spec.subtuning,
      signal,
      logEvery: spec.metricsEvery,
      onStep: (s) => {
        if (s.phase === 'train') reportTrainingStep(report, s, searching ? TRAIN_SHARE / 2 : TRAIN_SHARE, searching ? TRAIN_SHARE / 2 : 0);
      },
      onCandidate: (c) => {
        report.log('info', `SubTuning candidate {${c.blocks.join(', ')}}: ${(c.accuracy * 100).toFixed(2)}% validation accuracy`);
      },
      checkpointEvery: spec.checkpointEvery,
      onCheckpoint: (ckpt) => storeCheckpoint(ctx, checkpoints, stepOf(ckpt), (dir) => save(dir, ckpt)),
      checkpointOnAbort: (ckpt) => onAbort(Object.assign(ckpt, { step: stepOf(ckpt) })),
      resume: found?.checkpoint,
    });
    try {
      // The evaluation suite's scalar metrics on the task's test split (top-1, loss, ECE, FLOPs, parameters).
      const computed = await evaluateModel(tuned.model, task, { metrics: ['top1', 'loss', 'ece', 'flops', 'params'], batchSize: 256, signal });
      const metrics = scalarMetrics(computed);
      const test = { accuracy: computed.top1, loss: computed.loss };
      report.metric('test/loss', spec.steps, test.loss);
      report.metric('test/accuracy', spec.steps, test.accuracy);
      for (const [name, value] of Object.entries(metrics)) if (name !== 'top1' && name !== 'loss') report.metric(`eval/${name}`, spec.steps, value);
      report.log(
        'info',
        `test accuracy ${(test.accuracy * 100).toFixed(2)}% (untrained head ${(untrained.accuracy * 100).toFixed(2)}%), ` +
          `${tuned.trainableParams} of ${tuned.totalParams} parameters trained`,
      );
      report.progress(0.97);

      throwIfAborted(signal);
      const dir = modelDir(artifactsDir, runId, attemptNumber);
      await saveModel(tuned.model, dir);
      report.progress(1);

      const adapter = spec.method === 'lora' ? spec.lora : spec.method === 'spectral' ? spec.spectral : undefined;
      const subtuning = tuned.subtuning
        ? { chosen: tuned.subtuning.chosen, candidates: tuned.subtuning.candidates.map((c) => ({ blocks: c.blocks, accuracy: c.accuracy })) }
        : undefined;
      return {
        result: {
          baseModelId: spec.modelId,
          method: spec.method,
          task: spec.data.task,
          trainableParams: tuned.trainableParams,
          totalParams: tuned.totalParams,
          untrainedAccuracy: untrained.accuracy,
          testAccuracy: test.accuracy,
          testLoss: test.loss,
          steps: tuned.train.steps,
          durationMs: Date.now() - started,
          metrics,
          ...(subtuning ? { subtuning } : {}),
        },
        models: [
          {
            resultField: 'modelId',
            name: spec.modelName ?? `${input.name ?? spec.modelId}-${spec.method}-${spec.data.task}`,
            kind: 'finetuned',
            architecture: tuned.model instanceof ViT ? { family: 'vit', ...tuned.model.config } : { ...tuned.model.architecture, family: 'stitched' },
            artifactUri: pathToFileURL(join(dir, '/')).href,
            params: tuned.exportedParams,
            metrics: { ...metrics, testAccuracy: test.accuracy, testLoss: test.loss, untrainedAccuracy: untrained.accuracy },
            lineage: {
              runId,
              attempt: attemptNumber,
              baseModelId: spec.modelId,
              method: spec.method,
              ...(adapter ? { adapter } : {}),
              ...(subtuning ? { subtuning: { chosen: subtuning.chosen } } : {}),
              task: spec.data.task,
              data: { dataset: spec.data.task, testFraction: spec.data.testFraction, seed: spec.data.seed, ...(spec.data.shots ? { shots: spec.data.shots } : {}) },
              trainableParams: tuned.trainableParams,
              steps: tuned.train.steps,
              resumedFromStep: found ? found.step : null,
              backend: backend.backend,
            },
          },
        ],
      };
    } finally {
      tuned.model.dispose();
    }
  } finally {
    base.dispose();
  }
};
