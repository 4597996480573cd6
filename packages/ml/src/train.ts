/**
 * Supervised classifier training: Adam (optionally AdamW-style decoupled weight decay), linear
 * warm-up and cosine decay, one `tf.tidy` per batch, and a macrotask yield between steps so the
 * event loop (gRPC streams, cancel commands) keeps running while a model trains.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createBatchIterator, type Dataset } from './data/mnist.js';
import type { Classifier } from './models/vit.js';
import { accuracyOf, softmaxCrossEntropy } from './models/ops.js';
import { ensureGradients } from './gradients.js';

export interface TrainStepInfo {
  /** Steps completed (1-based). */
  step: number;
  totalSteps: number;
  /** Mean training loss over the steps since the previous report. */
  loss: number;
  /** Mean training accuracy (fraction in [0, 1]) over the steps since the previous report. */
  accuracy: number;
  /** Learning rate used for the latest step. */
  lr: number;
}

export type LearningRateSchedule = 'cosine' | 'constant';

export interface TrainOptions {
  model: Classifier;
  data: Dataset;
  batchSize: number;
  steps: number;
  /** Peak learning rate. */
  learningRate: number;
  /**
   * Decoupled (AdamW) weight decay, applied as w ← w·(1 − lr·wd) to every parameter of rank ≥ 2
   * except `cls_token` and `pos_embed` (timm/DeiT exclude biases, norms and those). Default 0.
   */
  weightDecay?: number;
  /** Linear warm-up from lr/warmupSteps to lr over this many steps. Default 0. */
  warmupSteps?: number;
  /** After warm-up: 'cosine' (default) decays to `minLearningRate`; 'constant' keeps the peak. */
  schedule?: LearningRateSchedule;
  /** Floor of the cosine schedule. Default 0. */
  minLearningRate?: number;
  /** Seeds the batch order. */
  seed: number;
  /** Aborting rejects with an error whose name is 'AbortError', after disposing every tensor. */
  signal?: AbortSignal;
  /** Called every `logEvery` steps and after the last step; awaited. */
  onStep?: (s: TrainStepInfo) => void | Promise<void>;
  /** Reporting period in steps (default 10). */
  logEvery?: number;
  /** Which named parameters to train (default: all). */
  trainable?: (name: string) => boolean;
  /** Adam β1, β2, ε (defaults 0.9, 0.999, 1e-8 as in PyTorch). */
  adam?: { beta1?: number; beta2?: number; epsilon?: number };
}

export interface TrainResult {
  steps: number;
  /** Mean loss over the final reporting window. */
  loss: number;
  /** Mean accuracy (fraction) over the final reporting window. */
  accuracy: number;
  /** Learning rate of the last step. */
  lr: number;
  /** Wall-clock seconds spent in the training loop. */
  seconds: number;
  msPerStep: number;
  /** Epochs seen (fractional). */
  epochs: number;
}

/** Learning rate for 0-based step `step` of `totalSteps`. */
export function learningRateAt(
  step: number,
  opts: { learningRate: number; totalSteps: number; warmupSteps?: number; schedule?: LearningRateSchedule; minLearningRate?: number },
): number {
  const base = opts.learningRate;
  const warm = opts.warmupSteps ?? 0;
  if (step < warm) return (base * (step + 1)) / warm;
  if ((opts.schedule ?? 'cosine') === 'constant') return base;
  const min = opts.minLearningRate ?? 0;
  const span = Math.max(1, opts.totalSteps - warm);
  const progress = Math.min(1, (step - warm) / span);
  return min + 0.5 * (base - min) * (1 + Math.cos(Math.PI * progress));
}

/** An Error with name 'AbortError' (what fetch and AbortSignal-aware APIs throw). */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const err = new Error('training aborted', reason === undefined ? undefined : { cause: reason });
  err.name = 'AbortError';
  return err;
}

/** Resolves on the next macrotask (after pending I/O callbacks). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer (got ${v})`);
}

/**
 * The default AdamW weight-decay selection (timm/DeiT): parameters of rank ≥ 2 except the CLS token
 * and the position embedding (also when prefixed, e.g. `anchors.0.cls_token`). Biases and norms
 * (rank 1) are never decayed.
 */
export function defaultWeightDecayFilter(name: string, v: tf.Variable): boolean {
  if (v.rank < 2) return false;
  const leaf = name.slice(name.lastIndexOf('.') + 1);
  return leaf !== 'cls_token' && leaf !== 'pos_embed';
}

export interface AdamWOptions {
  /** Initial learning rate (change it per step with {@link AdamW.step}'s `lr`). */
  learningRate: number;
  /** Decoupled weight decay: w ← w·(1 − lr·wd) before the Adam step. Default 0. */
  weightDecay?: number;
  /** Which parameters are decayed (default {@link defaultWeightDecayFilter}). */
  decay?: (name: string, v: tf.Variable) => boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /**
   * What a step does to parameters that received no gradient (not on the sampled path):
   * - `'zero'` (default): they get a zero gradient, so Adam's moments decay and the parameter keeps
   *   moving with its momentum, and weight decay applies. This is PyTorch's behaviour when gradients
   *   are zeroed rather than set to None (what the official SN-Net code does).
   * - `'skip'`: they are left untouched (no decay, moments and value unchanged), as PyTorch does
   *   for gradients set to None; only the shared bias-correction step counter advances.
   */
  missingGradients?: 'zero' | 'skip';
}

/** A serialisable snapshot of an {@link AdamW} optimizer. */
export interface AdamWState {
  /** Optimizer steps taken. */
  iterations: number;
  /** β1^(t+1) and β2^(t+1) exactly as the optimizer holds them (for bit-exact resumption). */
  accBeta1: number;
  accBeta2: number;
  /** Parameter names, in the optimizer's fixed order. */
  names: string[];
  /** First and second moments per parameter (same order); empty before the first step. */
  m: Float32Array[];
  v: Float32Array[];
}

interface AdamInternals {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
  learningRate: number;
}

/**
 * AdamW over a fixed, named list of variables: tfjs's Adam (which keys its moment slots by the
 * position of each gradient in the list it is given) always receives every variable in the same
 * order, so steps that touch different subsets of the parameters (stitched paths) stay consistent.
 */
export class AdamW {
  readonly names: readonly string[];
  private readonly vars: tf.Variable[];
  private readonly decayed: tf.Variable[];
  private readonly weightDecay: number;
  private readonly missing: 'zero' | 'skip';
  private readonly optimizer: tf.AdamOptimizer;

  constructor(named: ReadonlyArray<readonly [string, tf.Variable]>, options: AdamWOptions) {
    if (named.length === 0) throw new Error('no trainable parameters selected');
    if (!(options.learningRate > 0)) throw new Error(`learningRate must be > 0 (got ${options.learningRate})`);
    this.weightDecay = options.weightDecay ?? 0;
    if (!(this.weightDecay >= 0)) throw new Error(`weightDecay must be >= 0 (got ${this.weightDecay})`);
    this.names = named.map(([n]) => n);
    if (new Set(this.names).size !== this.names.length) throw new Error('AdamW: duplicate parameter names');
    this.vars = named.map(([, v]) => v);
    const decay = options.decay ?? defaultWeightDecayFilter;
    this.decayed = this.weightDecay > 0 ? named.filter(([n, v]) => decay(n, v)).map(([, v]) => v) : [];
    this.missing = options.missingGradients ?? 'zero';
    this.optimizer = tf.train.adam(options.learningRate, options.beta1 ?? 0.9, options.beta2 ?? 0.999, options.epsilon ?? 1e-8);
  }

  /**
   * One step at learning rate `lr`: decoupled decay, then Adam. `grads` is keyed by the variables'
   * engine names (what `tf.variableGrads` returns). Call inside `tf.tidy`.
   */
  step(grads: tf.NamedTensorMap, lr: number): void {
    (this.optimizer as unknown as AdamInternals).learningRate = lr;
    if (this.decayed.length > 0) {
      const factor = 1 - lr * this.weightDecay;
      for (const v of this.decayed) {
        // 'skip' leaves a parameter without gradient entirely alone (PyTorch with grad = None).
        if (this.missing === 'skip' && grads[v.name] == null) continue;
        v.assign(tf.mul(v, factor));
      }
    }
    const list = this.vars.map((v) => {
      const g = grads[v.name];
      // A null tensor makes tfjs's Adam skip the variable while keeping its slot.
      return { name: v.name, tensor: g ?? (this.missing === 'zero' ? tf.zerosLike(v) : (null as unknown as tf.Tensor)) };
    });
    this.optimizer.applyGradients(list);
  }

  /** Reads the optimizer state (moments as Float32Array copies). */
  async getState(): Promise<AdamWState> {
    const weights = await this.optimizer.getWeights();
    const iterations = (await weights[0]!.tensor.data())[0]!;
    const moments = weights.slice(1);
    const half = moments.length / 2;
    const read = async (t: tf.Tensor) => ((await t.data()) as Float32Array).slice();
    const m = await Promise.all(moments.slice(0, half).map((w) => read(w.tensor)));
    const v = await Promise.all(moments.slice(half).map((w) => read(w.tensor)));
    // getWeights() wraps the iteration count in a fresh scalar: release it.
    weights[0]!.tensor.dispose();
    const internals = this.optimizer as unknown as AdamInternals;
    const beta1 = (this.optimizer.getConfig()['beta1'] as number) ?? 0.9;
    const beta2 = (this.optimizer.getConfig()['beta2'] as number) ?? 0.999;
    const accBeta1 = internals.accBeta1 ? (await internals.accBeta1.data())[0]! : Math.pow(beta1, iterations + 1);
    const accBeta2 = internals.accBeta2 ? (await internals.accBeta2.data())[0]! : Math.pow(beta2, iterations + 1);
    return { iterations, accBeta1, accBeta2, names: [...this.names], m, v };
  }

  /** Restores a state from {@link getState} (same parameter names and shapes, in the same order). */
  async setState(state: AdamWState): Promise<void> {
    if (state.names.length !== this.names.length || state.names.some((n, i) => n !== this.names[i])) {
      throw new Error('optimizer state: parameter names differ from this optimizer’s');
    }
    if (state.m.length !== state.v.length || (state.m.length !== 0 && state.m.length !== this.vars.length)) {
      throw new Error('optimizer state: moment count does not match the parameters');
    }
    const tensors: tf.Tensor[] = [tf.scalar(state.iterations, 'int32')];
    try {
      state.m.forEach((arr, i) => {
        const v = this.vars[i]!;
        if (arr.length !== v.size || state.v[i]!.length !== v.size) throw new Error(`optimizer state: ${this.names[i]} has the wrong size`);
      });
      for (const arr of state.m) tensors.push(tf.tensor(arr, this.vars[tensors.length - 1]!.shape, 'float32'));
      for (let i = 0; i < state.v.length; i++) tensors.push(tf.tensor(state.v[i]!, this.vars[i]!.shape, 'float32'));
      const named = tensors.map((tensor, i) => ({
        name: i === 0 ? 'iter' : `${this.names[(i - 1) % this.vars.length]}/${i <= state.m.length ? 'm' : 'v'}`,
        tensor,
      }));
      await this.optimizer.setWeights(named);
      const internals = this.optimizer as unknown as AdamInternals;
      tf.tidy(() => {
        internals.accBeta1?.assign(tf.scalar(state.accBeta1));
        internals.accBeta2?.assign(tf.scalar(state.accBeta2));
      });
    } finally {
      tf.dispose(tensors);
    }
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

export interface StepLoopOptions<I> {
  /** Total steps of the schedule. */
  steps: number;
  /** Steps already done (resumption): the loop runs steps startStep..steps−1. Default 0. */
  startStep?: number;
  learningRate: number;
  warmupSteps?: number;
  schedule?: LearningRateSchedule;
  minLearningRate?: number;
  signal?: AbortSignal;
  logEvery: number;
  /**
   * Runs 0-based step `step` at learning rate `lr` and returns a [loss, accuracy] tensor (disposed
   * by the loop) plus per-step information passed on to `report`.
   */
  step(step: number, lr: number): { stats: tf.Tensor; info: I };
  /** Called every `logEvery` steps and after the last one, with window means; awaited. */
  report?(s: TrainStepInfo, info: I): void | Promise<void>;
  /** Called after every step (after `report`), with the number of steps done; awaited. */
  afterStep?(done: number): void | Promise<void>;
}

/**
 * The training loop shared by {@link trainClassifier} and the SN-Net trainer: abort checks, the
 * learning-rate schedule, reading back [loss, accuracy] per step, divergence checks, window means
 * for progress reports, and a macrotask yield between steps.
 */
export async function runStepLoop<I>(o: StepLoopOptions<I>): Promise<{ loss: number; accuracy: number; lr: number; seconds: number; stepsRun: number }> {
  const { steps, signal } = o;
  const start = o.startStep ?? 0;
  let windowLoss = 0;
  let windowAcc = 0;
  let windowN = 0;
  let last = { loss: NaN, accuracy: NaN };
  let lr = o.learningRate;
  const t0 = performance.now();
  for (let s = start; s < steps; s++) {
    if (signal?.aborted) throw abortError(signal);
    lr = learningRateAt(s, { learningRate: o.learningRate, totalSteps: steps, warmupSteps: o.warmupSteps, schedule: o.schedule, minLearningRate: o.minLearningRate });
    const { stats, info } = o.step(s, lr);
    let vals: Float32Array | Int32Array | Uint8Array;
    try {
      vals = await stats.data();
    } finally {
      stats.dispose();
    }
    const loss = vals[0]!;
    if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${s + 1} (loss ${loss})`);
    windowLoss += loss;
    windowAcc += vals[1]!;
    windowN++;
    const done = s + 1;
    if (done % o.logEvery === 0 || done === steps) {
      last = { loss: windowLoss / windowN, accuracy: windowAcc / windowN };
      windowLoss = windowAcc = windowN = 0;
      if (o.report) await o.report({ step: done, totalSteps: steps, loss: last.loss, accuracy: last.accuracy, lr }, info);
    }
    if (o.afterStep) await o.afterStep(done);
    // Let I/O callbacks (streams, cancel commands) run between steps.
    await yieldToEventLoop();
  }
  return { ...last, lr, seconds: (performance.now() - t0) / 1000, stepsRun: Math.max(0, steps - start) };
}

/** Validates the options common to the trainers (throws a descriptive error). */
export function checkTrainOptions(o: { batchSize: number; steps: number; logEvery: number; learningRate: number; weightDecay: number; warmupSteps: number }): void {
  checkPositiveInt('batchSize', o.batchSize);
  checkPositiveInt('steps', o.steps);
  checkPositiveInt('logEvery', o.logEvery);
  if (!(o.learningRate > 0)) throw new Error(`learningRate must be > 0 (got ${o.learningRate})`);
  if (!(o.weightDecay >= 0)) throw new Error(`weightDecay must be >= 0 (got ${o.weightDecay})`);
  if (!Number.isInteger(o.warmupSteps) || o.warmupSteps < 0) throw new Error(`warmupSteps must be a non-negative integer`);
}

/** Trains `model` in place and returns the final training metrics. */
export async function trainClassifier(options: TrainOptions): Promise<TrainResult> {
  const { model, data, batchSize, steps, learningRate, signal, onStep } = options;
  const logEvery = options.logEvery ?? 10;
  const weightDecay = options.weightDecay ?? 0;
  const warmupSteps = options.warmupSteps ?? 0;
  checkTrainOptions({ batchSize, steps, logEvery, learningRate, weightDecay, warmupSteps });
  if (signal?.aborted) throw abortError(signal);
  ensureGradients();

  const named = [...model.params()].filter(([name]) => options.trainable?.(name) ?? true);
  if (named.length === 0) throw new Error('no trainable parameters selected');
  const varList = named.map(([, v]) => v);

  const { height, width, channels } = data;
  const batches = createBatchIterator(data, { batchSize, seed: options.seed });
  const bs = batches.batchSize;
  const optimizer = new AdamW(named, {
    learningRate,
    weightDecay,
    beta1: options.adam?.beta1,
    beta2: options.adam?.beta2,
    epsilon: options.adam?.epsilon,
  });

  let result: Awaited<ReturnType<typeof runStepLoop>>;
  try {
    result = await runStepLoop<void>({
      steps,
      learningRate,
      warmupSteps,
      schedule: options.schedule,
      minLearningRate: options.minLearningRate,
      signal,
      logEvery,
      step: (_s, lr) => {
        const batch = batches.next();
        const kept: { acc?: tf.Scalar } = {};
        try {
          const stats = tf.tidy(() => {
            const x = tf.tensor4d(batch.images, [bs, height, width, channels]);
            const y = tf.tensor1d(batch.labels, 'int32');
            const { value, grads } = tf.variableGrads(() => {
              const logits = model.forward(x);
              kept.acc = tf.keep(accuracyOf(logits, y));
              return softmaxCrossEntropy(logits, y);
            }, varList);
            optimizer.step(grads, lr);
            return tf.stack([value, kept.acc!]);
          });
          return { stats, info: undefined };
        } finally {
          kept.acc?.dispose();
        }
      },
      report: onStep ? (s) => onStep(s) : undefined,
    });
  } finally {
    optimizer.dispose();
  }
  return {
    steps,
    loss: result.loss,
    accuracy: result.accuracy,
    lr: result.lr,
    seconds: result.seconds,
    msPerStep: (result.seconds * 1000) / steps,
    epochs: (steps * bs) / data.count,
  };
}
