/**
 * The fine-tuning entry point (ml-methods.md section 3): adapt a base model (ViT or exported stitch)
 * to a task with a new head, train the method's parameters with `trainClassifier` (AdamW, warm-up +
 * cosine), and export a plain model with merged weights.
 *
 * Resumption: `onCheckpoint` / `checkpointOnAbort` hand out a {@link FinetuneCheckpoint} (the
 * trainer state of `trainClassifier`, the values of every trained parameter, and for SubTuning the
 * search result); `finetune({ ...sameOptions, resume })` rebuilds the adapted model from the same
 * base and seed (head, LoRA A and the SVD are deterministic), loads those values and continues, so
 * the result equals an uninterrupted run's. SubTuning's search is not checkpointed: an interruption
 * during the search restarts it; once the final training has started, its checkpoints carry the
 * chosen subset and a resume skips the search.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { selectRows, splitIndices, type Dataset } from '../data/mnist.js';
import { evaluateClassifier, type EvaluateResult } from '../evaluate.js';
import { packWeights, unpackWeights, writeFileAtomic, type WeightEntry } from '../io.js';
import type { ViT } from '../models/vit.js';
import { deriveSeed } from '../random.js';
import type { StitchedModel } from '../stitching/export.js';
import { checkTrainOptions, CLASSIFIER_TRAINER_FORMAT, trainClassifier, type ClassifierTrainerState, type LearningRateSchedule, type TrainResult, type TrainStepInfo } from '../train.js';
import { CHECKPOINT_OPTIMIZER_BIN, CHECKPOINT_TRAINER_JSON } from '../train-checkpoint.js';
import { AdaptedModel, finetuneUnits, isFinetuneMethod, type FinetuneBase, type FinetuneMethod, type LoRASettings, type SpectralSettings } from './model.js';
import { greedySubsetSelection, type SubsetCandidate, type SubTuningStart } from './subtuning.js';

export interface SubTuningSettings {
  /** Default 'non' (the config default). */
  start: SubTuningStart;
  /** Default 0.01. */
  epsilon: number;
  /** Training steps per evaluated subset (default: the run's `steps`, as in the official code). */
  candidateSteps?: number;
  /**
   * Fraction of the training set held out to score candidates when no `validation` set is given
   * (stratified, seeded; default 0.2). The test split is never used for the search.
   */
  validationFraction: number;
  /** Skip the search and train these units (e.g. a choice made earlier). */
  subset?: string[];
}

export const DEFAULT_SUBTUNING: Readonly<SubTuningSettings> = Object.freeze({ start: 'non' as SubTuningStart, epsilon: 0.01, validationFraction: 0.2 });

/** What the SubTuning search found. */
export interface SubTuningOutcome {
  units: string[];
  /** The chosen units (trained in the final run). */
  chosen: string[];
  /** Validation accuracy of the chosen set during the search (NaN when the search was skipped). */
  best: number;
  start: 'non' | 'all';
  candidates: Array<SubsetCandidate<string>>;
  /** Samples the candidates were trained and scored on. */
  searchTrainCount: number;
  searchValidationCount: number;
}

/** Progress of a fine-tune: `phase` 'search' during SubTuning candidates (with the candidate's index and subset), 'train' for the final run. */
export interface FinetuneStepInfo extends TrainStepInfo {
  phase: 'search' | 'train';
  /** Search phase: 0-based index of the candidate being trained and its units. */
  candidate?: number;
  subset?: string[];
}

export const FINETUNE_CHECKPOINT_FORMAT = 'anchorage-finetune-checkpoint/1';

/** A resumable fine-tuning state (see the module comment). */
export interface FinetuneCheckpoint {
  format: typeof FINETUNE_CHECKPOINT_FORMAT;
  method: FinetuneMethod;
  numClasses: number;
  /** The adapted model's seed (head and adapter initialisation). */
  seed: number;
  trainer: ClassifierTrainerState;
  /** Values of every trained parameter (adapted-model names: adapters, `ft_head.*`, backbone ones for full/SubTuning). */
  params: Map<string, Float32Array>;
  /** Forward passes run in training mode (the LoRA dropout stream's position). */
  trainingSteps: number;
  /** The resolved adapter settings (LoRA / spectral runs); a resume must use the same. */
  lora?: LoRASettings;
  spectral?: SpectralSettings;
  subtuning?: SubTuningOutcome;
}

export interface FinetuneOptions {
  base: FinetuneBase;
  method: FinetuneMethod;
  /** Classes of the task; must equal `train.numClasses`. */
  numClasses: number;
  train: Dataset;
  /**
   * Optional validation set: SubTuning scores candidates on it (instead of a slice of `train`), and
   * the final model is evaluated on it (`result.validation`).
   */
  validation?: Dataset;
  steps: number;
  batchSize: number;
  learningRate: number;
  weightDecay?: number;
  warmupSteps?: number;
  schedule?: LearningRateSchedule;
  minLearningRate?: number;
  /** Seeds the head, the LoRA initialisation and dropout, the batch order and the SubTuning split. */
  seed: number;
  lora?: Partial<LoRASettings>;
  spectral?: Partial<SpectralSettings>;
  subtuning?: Partial<SubTuningSettings>;
  signal?: AbortSignal;
  onStep?: (s: FinetuneStepInfo) => void | Promise<void>;
  /** SubTuning: called after every evaluated subset. */
  onCandidate?: (c: SubsetCandidate<string>) => void | Promise<void>;
  logEvery?: number;
  /** Final training only (not the SubTuning candidates). */
  checkpointEvery?: number;
  onCheckpoint?: (ckpt: FinetuneCheckpoint) => void | Promise<void>;
  checkpointOnAbort?: (ckpt: FinetuneCheckpoint) => void | Promise<void>;
  resume?: FinetuneCheckpoint;
  /** Evaluation batch size (SubTuning candidates, validation). Default 256. */
  evaluateBatchSize?: number;
}

export interface FinetuneResult {
  /** Merged plain model with the new head: a ViT for a ViT base, a StitchedModel for a stitch. The caller owns it. */
  model: ViT | StitchedModel;
  method: FinetuneMethod;
  /** Scalars trained (adapters / selected blocks + the new head). */
  trainableParams: number;
  /** Scalars of the adapted model during training (backbone + adapters + head). */
  totalParams: number;
  /** Scalars of the exported model. */
  exportedParams: number;
  /** The trained parameter names. */
  trainableNames: string[];
  train: TrainResult;
  subtuning?: SubTuningOutcome;
  /** The final model on `validation`, when given. */
  validation?: EvaluateResult;
}

function checkDataset(name: string, d: Dataset, numClasses: number): void {
  if (!d || d.count < 1) throw new Error(`${name}: empty dataset`);
  if (d.numClasses !== numClasses) throw new Error(`${name} has ${d.numClasses} classes, the task ${numClasses}`);
}

/** Splits `train` into a search-training part and a held-out validation slice (stratified, seeded). */
export function holdOutValidation(train: Dataset, fraction: number, seed: number): { fit: Dataset; validation: Dataset } {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`validationFraction must be in (0, 1) (got ${fraction})`);
  const { train: fitIdx, test: valIdx } = splitIndices(train.labels, train.numClasses, { seed: deriveSeed(seed, 'subtuning-validation'), testFraction: fraction });
  if (fitIdx.length === 0 || valIdx.length === 0) throw new Error('the training set is too small to hold out a validation slice');
  const pick = (idx: Int32Array) => {
    const d = selectRows(train.images, train.labels, idx, train);
    const src = train.sourceIndex;
    return src ? { ...d, sourceIndex: Int32Array.from(idx, (i) => src[i]!) } : d;
  };
  return { fit: pick(fitIdx), validation: pick(valIdx) };
}

/**
 * Accuracy of the base model with the new, untrained head (the bar a fine-tune must clear): the
 * same head `finetune` starts from for the same seed and class count. (LoRA and the Spectral
 * Adapter start from exactly this model too.)
 */
export async function evaluateUntrainedHead(options: {
  base: FinetuneBase;
  numClasses: number;
  data: Dataset;
  seed: number;
  batchSize?: number;
  signal?: AbortSignal;
}): Promise<EvaluateResult> {
  checkDataset('data', options.data, options.numClasses);
  const model = new AdaptedModel(options.base, { method: 'linear-probe', numClasses: options.numClasses, seed: options.seed });
  try {
    return await evaluateClassifier(model, options.data, { batchSize: options.batchSize, signal: options.signal });
  } finally {
    model.dispose();
  }
}

/** Fine-tunes `base` on a task and returns the exported model (see the module comment). */
export async function finetune(options: FinetuneOptions): Promise<FinetuneResult> {
  const { base, method, numClasses, seed } = options;
  if (!isFinetuneMethod(method)) throw new Error(`unknown fine-tuning method ${JSON.stringify(method)}`);
  checkDataset('train', options.train, numClasses);
  if (options.validation) checkDataset('validation', options.validation, numClasses);
  const resume = options.resume;
  if (resume) {
    if (resume.format !== FINETUNE_CHECKPOINT_FORMAT) throw new Error('resume: not a fine-tuning checkpoint');
    const mismatch: string[] = [];
    if (resume.method !== method) mismatch.push(`method ${resume.method} ≠ ${method}`);
    if (resume.numClasses !== numClasses) mismatch.push(`numClasses ${resume.numClasses} ≠ ${numClasses}`);
    if (resume.seed !== seed) mismatch.push(`seed ${resume.seed} ≠ ${seed}`);
    if (mismatch.length > 0) throw new Error(`resume: options differ from the checkpoint's (${mismatch.join('; ')})`);
  }
  const modelOptions = { method, numClasses, seed, lora: options.lora, spectral: options.spectral };
  const logEvery = options.logEvery ?? 10;
  checkTrainOptions({ batchSize: options.batchSize, steps: options.steps, logEvery, learningRate: options.learningRate, weightDecay: options.weightDecay ?? 0, warmupSteps: options.warmupSteps ?? 0 });
  const common = {
    batchSize: options.batchSize,
    learningRate: options.learningRate,
    weightDecay: options.weightDecay,
    warmupSteps: options.warmupSteps,
    schedule: options.schedule,
    minLearningRate: options.minLearningRate,
    seed,
    signal: options.signal,
    logEvery,
  };

  // SubTuning: choose the units (or take them from the checkpoint / the options).
  let outcome: SubTuningOutcome | undefined;
  if (method === 'subtuning') {
    const st = { ...DEFAULT_SUBTUNING, ...options.subtuning };
    const units = finetuneUnits(base);
    if (resume?.subtuning) outcome = resume.subtuning;
    else if (st.subset) outcome = { units, chosen: units.filter((u) => st.subset!.includes(u)), best: NaN, start: st.start === 'all' ? 'all' : 'non', candidates: [], searchTrainCount: 0, searchValidationCount: 0 };
    else {
      const candidateSteps = st.candidateSteps ?? options.steps;
      if (!Number.isInteger(candidateSteps) || candidateSteps < 1) throw new Error(`candidateSteps must be a positive integer (got ${candidateSteps})`);
      const { fit, validation } = options.validation ? { fit: options.train, validation: options.validation } : holdOutValidation(options.train, st.validationFraction, seed);
      const cache = new Map<string, number>();
      let index = 0;
      const result = await greedySubsetSelection<string>({
        units,
        start: st.start,
        epsilon: st.epsilon,
        onCandidate: options.onCandidate,
        evaluate: async (subset) => {
          const key = subset.join(',');
          const hit = cache.get(key);
          if (hit !== undefined) return hit;
          const candidate = index++;
          const model = new AdaptedModel(base, { ...modelOptions, subset });
          try {
            await trainClassifier({
              ...common,
              model,
              data: fit,
              steps: candidateSteps,
              trainable: (n) => model.isTrainable(n),
              onStep: options.onStep ? (s) => options.onStep!({ ...s, phase: 'search', candidate, subset: [...subset] }) : undefined,
            });
            const acc = (await evaluateClassifier(model, validation, { batchSize: options.evaluateBatchSize, signal: options.signal })).accuracy;
            cache.set(key, acc);
            return acc;
          } finally {
            model.dispose();
          }
        },
      });
      outcome = { units, chosen: result.chosen, best: result.best, start: result.start, candidates: result.candidates, searchTrainCount: fit.count, searchValidationCount: validation.count };
    }
  }

  const model = new AdaptedModel(base, { ...modelOptions, subset: outcome?.chosen });
  try {
    if (resume) {
      for (const key of ['lora', 'spectral'] as const) {
        const mine = model[key];
        const theirs = resume[key];
        if (theirs && JSON.stringify(mine) !== JSON.stringify(theirs)) throw new Error(`resume: ${key} settings differ from the checkpoint's (${JSON.stringify(theirs)})`);
      }
      const expected = model.trainableNames();
      const got = [...resume.params.keys()];
      if (got.length !== expected.length || expected.some((n) => !resume.params.has(n))) {
        throw new Error(`resume: the checkpoint's parameters do not match the model's trainable ones (expected ${expected.length}, got ${got.length})`);
      }
      model.setParamValues(resume.params);
      model.trainingSteps = resume.trainingSteps;
    }
    const checkpoint = async (trainer: ClassifierTrainerState): Promise<FinetuneCheckpoint> => ({
      format: FINETUNE_CHECKPOINT_FORMAT,
      method,
      numClasses,
      seed,
      trainer,
      params: await model.getParamValues(),
      trainingSteps: model.trainingSteps,
      ...(model.lora ? { lora: { ...model.lora, targets: [...model.lora.targets] } } : {}),
      ...(model.spectral ? { spectral: { ...model.spectral, targets: [...model.spectral.targets] } } : {}),
      ...(outcome ? { subtuning: outcome } : {}),
    });
    model.training = true;
    let train: TrainResult;
    try {
      train = await trainClassifier({
        ...common,
        model,
        data: options.train,
        steps: options.steps,
        trainable: (n) => model.isTrainable(n),
        onStep: options.onStep ? (s) => options.onStep!({ ...s, phase: 'train' }) : undefined,
        checkpointEvery: options.checkpointEvery,
        onCheckpoint: options.onCheckpoint ? async (st) => options.onCheckpoint!(await checkpoint(st)) : undefined,
        checkpointOnAbort: options.checkpointOnAbort ? async (st) => options.checkpointOnAbort!(await checkpoint(st)) : undefined,
        resume: resume?.trainer,
      });
    } finally {
      model.training = false;
    }
    const exported = await model.export();
    try {
      const validation = options.validation ? await evaluateClassifier(exported, options.validation, { batchSize: options.evaluateBatchSize, signal: options.signal }) : undefined;
      return {
        model: exported,
        method,
        trainableParams: model.countTrainable(),
        totalParams: model.countParams(),
        exportedParams: exported.countParams(),
        trainableNames: model.trainableNames(),
        train,
        ...(outcome ? { subtuning: outcome } : {}),
        ...(validation ? { validation } : {}),
      };
    } catch (err) {
      exported.dispose();
      throw err;
    }
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Checkpoint files.

interface FinetuneTrainerJson {
  format: typeof FINETUNE_CHECKPOINT_FORMAT;
  method: FinetuneMethod;
  numClasses: number;
  seed: number;
  trainingSteps: number;
  lora?: LoRASettings;
  spectral?: SpectralSettings;
  subtuning?: SubTuningOutcome;
  params: WeightEntry[];
  trainer: Omit<ClassifierTrainerState, 'optimizer'> & { optimizer: Omit<ClassifierTrainerState['optimizer'], 'm' | 'v'> & { moments: WeightEntry[] } };
}

/** The file holding a fine-tuning checkpoint's parameter values. */
export const FINETUNE_PARAMS_BIN = 'params.bin';

/**
 * Writes a fine-tuning checkpoint to `dir`: params.bin (trained parameters), optimizer.bin (Adam
 * moments) and trainer.json (written last, so `isCheckpointDir` marks complete checkpoints).
 */
export async function saveFinetuneCheckpoint(dir: string, ckpt: FinetuneCheckpoint): Promise<void> {
  await mkdir(dir, { recursive: true });
  const params = packWeights([...ckpt.params].map(([name, values]) => ({ name, shape: [values.length], values })));
  const opt = ckpt.trainer.optimizer;
  const moments = packWeights([
    ...opt.m.map((values, i) => ({ name: `${opt.names[i]}/m`, shape: [values.length], values })),
    ...opt.v.map((values, i) => ({ name: `${opt.names[i]}/v`, shape: [values.length], values })),
  ]);
  const { m: _m, v: _v, ...optRest } = opt;
  const json: FinetuneTrainerJson = {
    format: FINETUNE_CHECKPOINT_FORMAT,
    method: ckpt.method,
    numClasses: ckpt.numClasses,
    seed: ckpt.seed,
    trainingSteps: ckpt.trainingSteps,
    ...(ckpt.lora ? { lora: ckpt.lora } : {}),
    ...(ckpt.spectral ? { spectral: ckpt.spectral } : {}),
    ...(ckpt.subtuning ? { subtuning: { ...ckpt.subtuning, best: Number.isNaN(ckpt.subtuning.best) ? (null as unknown as number) : ckpt.subtuning.best } } : {}),
    params: params.entries,
    trainer: { ...ckpt.trainer, optimizer: { ...optRest, moments: moments.entries } },
  };
  await writeFileAtomic(dir, FINETUNE_PARAMS_BIN, params.buffer);
  await writeFileAtomic(dir, CHECKPOINT_OPTIMIZER_BIN, moments.buffer);
  await writeFileAtomic(dir, CHECKPOINT_TRAINER_JSON, JSON.stringify(json, null, 2) + '\n');
}

/** Reads a checkpoint written by {@link saveFinetuneCheckpoint}. */
export async function loadFinetuneCheckpoint(dir: string): Promise<FinetuneCheckpoint> {
  const trainerPath = path.join(dir, CHECKPOINT_TRAINER_JSON);
  const text = await readFile(trainerPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new Error(`${dir}: not a complete checkpoint (no ${CHECKPOINT_TRAINER_JSON})`, { cause: err });
    throw err;
  });
  let json: FinetuneTrainerJson;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${trainerPath}: invalid JSON (${(err as Error).message})`);
  }
  if (json.format !== FINETUNE_CHECKPOINT_FORMAT) throw new Error(`${trainerPath}: unsupported format ${JSON.stringify(json.format)} (expected ${FINETUNE_CHECKPOINT_FORMAT})`);
  if (json.trainer?.format !== CLASSIFIER_TRAINER_FORMAT) throw new Error(`${trainerPath}: unsupported trainer format ${JSON.stringify(json.trainer?.format)}`);
  const [paramBin, optBin] = await Promise.all([readFile(path.join(dir, FINETUNE_PARAMS_BIN)), readFile(path.join(dir, CHECKPOINT_OPTIMIZER_BIN))]);
  const params = unpackWeights(json.params, paramBin, FINETUNE_PARAMS_BIN);
  const { moments, ...optRest } = json.trainer.optimizer;
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
  const subtuning = json.subtuning ? { ...json.subtuning, best: json.subtuning.best ?? NaN } : undefined;
  return {
    format: FINETUNE_CHECKPOINT_FORMAT,
    method: json.method,
    numClasses: json.numClasses,
    seed: json.seed,
    trainingSteps: json.trainingSteps,
    ...(json.lora ? { lora: json.lora } : {}),
    ...(json.spectral ? { spectral: json.spectral } : {}),
    ...(subtuning ? { subtuning } : {}),
    params,
    trainer: { ...json.trainer, optimizer: { ...optRest, m, v } },
  };
}
