/**
 * Classifier training checkpoints: the model's weights, the optimizer state (Adam moments and step
 * counters), the step, the batch order's position (the only randomness of a step) and the metric
 * window, so that a resumed run reproduces the uninterrupted one.
 *
 * On disk a checkpoint directory holds the model in format 'anchorage-vit/1' (model.json +
 * weights.bin, loadable with `loadModel`) plus `optimizer.bin` (first then second moments, float32
 * LE) and `trainer.json` (format 'anchorage-classifier-checkpoint/1': step, batch order, schedule
 * and optimizer options, optimizer counters, the moment manifest and the metric window). Every file
 * is written atomically and trainer.json last, so a directory without trainer.json is an unfinished
 * checkpoint ({@link isCheckpointDir} says no, {@link loadClassifierCheckpoint} refuses it).
 *
 * Resume: `const ckpt = await loadClassifierCheckpoint(dir); const model = restoreClassifier(ckpt);`
 * `await trainClassifier({ model, data, ...sameOptions, resume: ckpt })`.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { packWeights, parseManifest, readModelFiles, serializeModel, unpackWeights, writeFileAtomic, writeModelFiles, type ModelManifest, type WeightEntry } from './io.js';
import { ViT } from './models/vit.js';
import { CLASSIFIER_TRAINER_FORMAT, type ClassifierTrainerState } from './train.js';

export const CLASSIFIER_CHECKPOINT_FORMAT = 'anchorage-classifier-checkpoint/1';
/** Written last: its presence marks a complete checkpoint (SN-Net checkpoints use the same name). */
export const CHECKPOINT_TRAINER_JSON = 'trainer.json';
export const CHECKPOINT_OPTIMIZER_BIN = 'optimizer.bin';

export interface ClassifierCheckpoint {
  format: typeof CLASSIFIER_CHECKPOINT_FORMAT;
  model: {
    /** The model's manifest (format 'anchorage-vit/1'). */
    manifest: ModelManifest;
    /** Every weight by name. */
    weights: Map<string, Float32Array>;
  };
  trainer: ClassifierTrainerState;
}

/** Captures `model`'s weights together with a trainer state (from `onCheckpoint` / `checkpointOnAbort`). */
export async function classifierCheckpoint(model: ViT, trainerState: ClassifierTrainerState): Promise<ClassifierCheckpoint> {
  const { manifest, weights: buffer } = await serializeModel(model);
  return {
    format: CLASSIFIER_CHECKPOINT_FORMAT,
    model: { manifest, weights: unpackWeights(manifest.weights, buffer) },
    trainer: {
      ...trainerState,
      options: { ...trainerState.options },
      batches: { ...trainerState.batches },
      metrics: { ...trainerState.metrics },
      optimizer: { ...trainerState.optimizer, m: trainerState.optimizer.m.map((a) => a.slice()), v: trainerState.optimizer.v.map((a) => a.slice()) },
    },
  };
}

/** A new ViT holding a checkpoint's weights (its architecture as saved). */
export function restoreClassifier(ckpt: ClassifierCheckpoint): ViT {
  return new ViT(ckpt.model.manifest.architecture, { weights: ckpt.model.weights });
}

/** Loads a checkpoint's weights into an existing ViT of the same architecture. */
export function loadClassifierWeights(model: ViT, ckpt: ClassifierCheckpoint): void {
  const a = ckpt.model.manifest.architecture;
  const b = model.config;
  const keys = Object.keys(a) as (keyof typeof a)[];
  const differs = keys.filter((k) => a[k] !== b[k]);
  if (differs.length > 0 || Object.keys(b).length !== keys.length) {
    throw new Error(`checkpoint: the model's architecture differs from the checkpoint's (${differs.join(', ') || 'fields'})`);
  }
  model.setWeights(ckpt.model.weights);
}

interface TrainerJson extends Omit<ClassifierTrainerState, 'optimizer'> {
  optimizer: Omit<ClassifierTrainerState['optimizer'], 'm' | 'v'> & { moments: WeightEntry[] };
}

/** Writes a checkpoint to `dir` (creating it; each file atomically; trainer.json last). */
export async function saveClassifierCheckpoint(dir: string, ckpt: ClassifierCheckpoint): Promise<void> {
  const shapes = new Map(ckpt.model.manifest.weights.map((w) => [w.name, w.shape]));
  const { entries, buffer } = packWeights([...ckpt.model.weights].map(([name, values]) => ({ name, shape: shapes.get(name) ?? [values.length], values })));
  await writeModelFiles(dir, { ...ckpt.model.manifest, weights: entries }, buffer);
  const opt = ckpt.trainer.optimizer;
  const moments = packWeights([
    ...opt.m.map((values, i) => ({ name: `${opt.names[i]}/m`, shape: [values.length], values })),
    ...opt.v.map((values, i) => ({ name: `${opt.names[i]}/v`, shape: [values.length], values })),
  ]);
  const { m: _m, v: _v, ...optRest } = opt;
  const trainer: TrainerJson = { ...ckpt.trainer, optimizer: { ...optRest, moments: moments.entries } };
  await writeFileAtomic(dir, CHECKPOINT_OPTIMIZER_BIN, moments.buffer);
  await writeFileAtomic(dir, CHECKPOINT_TRAINER_JSON, JSON.stringify({ format: CLASSIFIER_CHECKPOINT_FORMAT, trainer }, null, 2) + '\n');
}

/**
 * Whether `dir` holds a complete checkpoint (its trainer.json, written last, exists). Works for
 * classifier and SN-Net checkpoints alike.
 */
export async function isCheckpointDir(dir: string): Promise<boolean> {
  return access(path.join(dir, CHECKPOINT_TRAINER_JSON)).then(
    () => true,
    () => false,
  );
}

/** Reads a checkpoint written by {@link saveClassifierCheckpoint}. */
export async function loadClassifierCheckpoint(dir: string): Promise<ClassifierCheckpoint> {
  const trainerPath = path.join(dir, CHECKPOINT_TRAINER_JSON);
  // trainer.json first: without it the checkpoint is unfinished, whatever else is there.
  const json = await readFile(trainerPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new Error(`${dir}: not a complete checkpoint (no ${CHECKPOINT_TRAINER_JSON})`, { cause: err });
    throw err;
  });
  let parsed: { format?: string; trainer?: TrainerJson };
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new Error(`${trainerPath}: invalid JSON (${(err as Error).message})`);
  }
  if (parsed.format !== CLASSIFIER_CHECKPOINT_FORMAT || !parsed.trainer) throw new Error(`${trainerPath}: unsupported format ${JSON.stringify(parsed.format)} (expected ${CLASSIFIER_CHECKPOINT_FORMAT})`);
  if (parsed.trainer.format !== CLASSIFIER_TRAINER_FORMAT) throw new Error(`${trainerPath}: unsupported trainer format ${JSON.stringify(parsed.trainer.format)}`);
  const [{ manifest: rawManifest, weights: weightBytes }, optBin] = await Promise.all([readModelFiles(dir), readFile(path.join(dir, CHECKPOINT_OPTIMIZER_BIN))]);
  const manifest = parseManifest(rawManifest, weightBytes.byteLength);
  const { moments, ...optRest } = parsed.trainer.optimizer;
  const values = unpackWeights(moments, optBin, CHECKPOINT_OPTIMIZER_BIN);
  const m: Float32Array[] = [];
  const v: Float32Array[] = [];
  if (moments.length > 0) {
    for (const name of optRest.names) {
      const mv = values.get(`${name}/m`);
      const vv = values.get(`${name}/v`);
      if (!mv || !vv) throw new Error(`${CHECKPOINT_OPTIMIZER_BIN}: missing moments of ${name}`);
      m.push(mv);
      v.push(vv);
    }
  }
  return {
    format: CLASSIFIER_CHECKPOINT_FORMAT,
    model: { manifest, weights: unpackWeights(manifest.weights, weightBytes) },
    trainer: { ...parsed.trainer, optimizer: { ...optRest, m, v } },
  };
}
