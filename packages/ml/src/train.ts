/**
 * Supervised classifier training: Adam (optionally AdamW-style decoupled weight decay), linear
 * warm-up and cosine decay, one `tf.tidy` per batch, and a macrotask yield between steps so the
 * event loop (gRPC streams, cancel commands) keeps running while a model trains.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createBatchIterator, type BatchIteratorState, type Dataset } from './data/mnist.js';
import type { Classifier } from './models/vit.js';
import { accuracyOf, softmaxCrossEntropy } from './models/ops.js';
import { ensureGradients } from './gradients.js';
import { ADAMW_UPDATE, adamwUpdate, hasFusedKernel, type AdamWUpdateAttrs } from './kernels.js';
import type { ClassifierCheckpoint } from './train-checkpoint.js';

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
  /** Calls `onCheckpoint` after step k when k % checkpointEvery === 0 and k < steps. */
  checkpointEvery?: number;
  /** Receives the trainer state after a checkpoint step (the model holds that step's weights); awaited. */
  onCheckpoint?: (state: ClassifierTrainerState) => void | Promise<void>;
  /**
   * On abort, before rejecting with the AbortError: called with the state after the last completed
   * step when at least one step completed since the last checkpoint (or the resumed step); awaited,
   * and its errors propagate. The model holds that step's weights while it runs.
   */
  checkpointOnAbort?: (state: ClassifierTrainerState) => void | Promise<void>;
  /**
   * Continue from a checkpoint (or its trainer state): its step, optimizer moments and counters,
   * batch order and metric window. The model must already hold the checkpoint's weights
   * (`restoreClassifier(ckpt)` builds one, `loadClassifierWeights(model, ckpt)` loads them). The
   * other options must match the checkpoint's (seed, batch size, steps, schedule, optimizer).
   */
  resume?: ClassifierCheckpoint | ClassifierTrainerState;
}

/**
 * Where progress reporting stands: the sums over the reporting window in progress and the last
 * reported means. Checkpointed so that a resumed run reports exactly what an uninterrupted one does.
 */
export interface MetricCursor {
  /** Sum of the per-step losses since the last report. */
  windowLoss: number;
  /** Sum of the per-step accuracies since the last report. */
  windowAccuracy: number;
  /** Steps since the last report. */
  windowSteps: number;
  /** Means of the last reported window (null before the first report). */
  loss: number | null;
  accuracy: number | null;
  /** Learning rate of the last step (null before the first). */
  lr: number | null;
}

export function emptyMetricCursor(): MetricCursor {
  return { windowLoss: 0, windowAccuracy: 0, windowSteps: 0, loss: null, accuracy: null, lr: null };
}

export const CLASSIFIER_TRAINER_FORMAT = 'anchorage-classifier-trainer/1';

/** Everything {@link trainClassifier} needs to continue exactly where it stopped (JSON + Float32Arrays). */
export interface ClassifierTrainerState {
  format: typeof CLASSIFIER_TRAINER_FORMAT;
  /** Steps completed. */
  step: number;
  totalSteps: number;
  seed: number;
  /** The requested batch size (`batches.batchSize` is the effective one). */
  batchSize: number;
  /** Schedule and optimizer options (a resumed run must use the same). */
  options: {
    learningRate: number;
    warmupSteps: number;
    schedule: LearningRateSchedule;
    minLearningRate: number;
    weightDecay: number;
    beta1: number;
    beta2: number;
    epsilon: number;
  };
  /** The batch order's position (the only randomness of a training step). */
  batches: BatchIteratorState;
  /** Reporting window (metric cursor). */
  metrics: MetricCursor;
  optimizer: AdamWState;
}

export interface TrainResult {
  steps: number;
  /** Steps run by this call (steps − resumed step). */
  stepsRun: number;
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

/** Whether `err` is the AbortError of an aborted `signal` (not another failure during the abort). */
export function isAbortOf(err: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && err instanceof Error && err.name === 'AbortError';
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

/**
 * AdamW over a fixed, named list of variables, with the exact float32 arithmetic of tfjs's Adam
 * (`tf.train.adam`: m̂ = m/(1−β1^t), v̂ = v/(1−β2^t), x ← x − lr·m̂/(√v̂ + ε)) after the decoupled decay
 * x ← x·(1 − lr·wd). Moments are created for every variable at the first step and kept by position,
 * so steps that touch different subsets of the parameters (stitched paths) stay consistent.
 *
 * On the wasm and cpu backends each variable is updated by one fused kernel (kernels.ts, WebAssembly
 * SIMD on wasm) with results bit-identical to that op chain, which other backends run: about 16
 * element-wise kernels per variable and step.
 */
export class AdamW {
  readonly names: readonly string[];
  private readonly vars: tf.Variable[];
  private readonly decayed: ReadonlySet<tf.Variable>;
  private readonly weightDecay: number;
  private readonly missing: 'zero' | 'skip';
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  /** First and second moments per variable (same order), created at the first step. */
  private m: tf.Variable[] | null = null;
  private v: tf.Variable[] | null = null;
  private iterations = 0;
  /** β1^(t+1), β2^(t+1) as float32 values (what tfjs's Adam holds in scalar variables). */
  private accBeta1: number;
  private accBeta2: number;

  constructor(named: ReadonlyArray<readonly [string, tf.Variable]>, options: AdamWOptions) {
    if (named.length === 0) throw new Error('no trainable parameters selected');
    if (!(options.learningRate > 0)) throw new Error(`learningRate must be > 0 (got ${options.learningRate})`);
    this.weightDecay = options.weightDecay ?? 0;
    if (!(this.weightDecay >= 0)) throw new Error(`weightDecay must be >= 0 (got ${this.weightDecay})`);
    this.names = named.map(([n]) => n);
    if (new Set(this.names).size !== this.names.length) throw new Error('AdamW: duplicate parameter names');
    this.vars = named.map(([, v]) => v);
    const decay = options.decay ?? defaultWeightDecayFilter;
    this.decayed = new Set(this.weightDecay > 0 ? named.filter(([n, v]) => decay(n, v)).map(([, v]) => v) : []);
    this.missing = options.missingGradients ?? 'zero';
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.accBeta1 = Math.fround(this.beta1);
    this.accBeta2 = Math.fround(this.beta2);
  }

  private moments(): [tf.Variable[], tf.Variable[]] {
    if (!this.m || !this.v) {
      this.m = this.vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
      this.v = this.vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    }
    return [this.m, this.v];
  }

  /**
   * One step at learning rate `lr`: decoupled decay, then Adam. `grads` is keyed by the variables'
   * engine names (what `tf.variableGrads` returns). Call inside `tf.tidy`.
   */
  step(grads: tf.NamedTensorMap, lr: number): void {
    const f = Math.fround;
    const [ms, vs] = this.moments();
    const attrs: AdamWUpdateAttrs = {
      decay: 1,
      beta1: f(this.beta1),
      beta2: f(this.beta2),
      // As tfjs's Adam: `1 - beta` in double precision, then held as a float32 scalar.
      oneMinusBeta1: f(1 - this.beta1),
      oneMinusBeta2: f(1 - this.beta2),
      omab1: f(1 - this.accBeta1),
      omab2: f(1 - this.accBeta2),
      epsilon: f(this.epsilon),
      negLr: f(-lr),
    };
    const decayFactor = f(1 - lr * this.weightDecay);
    const fused = hasFusedKernel(ADAMW_UPDATE);
    this.vars.forEach((x, i) => {
      const g = grads[x.name];
      // 'skip' leaves a parameter without gradient entirely alone (PyTorch with grad = None).
      if (g == null && this.missing === 'skip') return;
      const a = { ...attrs, decay: this.decayed.has(x) ? decayFactor : 1 };
      const m = ms[i]!;
      const v = vs[i]!;
      if (fused) {
        const [x1, m1, v1] = adamwUpdate(x, g, m, v, a);
        m.assign(m1);
        v.assign(v1);
        x.assign(x1);
        return;
      }
      // The same arithmetic as the op chain of tf.train.adam after x.assign(x·decay).
      const xd = a.decay !== 1 ? tf.mul(x, tf.scalar(a.decay)) : x;
      const gt = g ?? tf.zerosLike(x);
      const m1 = tf.add(tf.mul(m, tf.scalar(a.beta1)), tf.mul(gt, tf.scalar(a.oneMinusBeta1)));
      const v1 = tf.add(tf.mul(v, tf.scalar(a.beta2)), tf.mul(tf.square(gt), tf.scalar(a.oneMinusBeta2)));
      const mh = tf.div(m1, tf.scalar(a.omab1));
      const vh = tf.div(v1, tf.scalar(a.omab2));
      m.assign(m1);
      v.assign(v1);
      x.assign(tf.add(tf.mul(tf.div(mh, tf.add(tf.sqrt(vh), tf.scalar(a.epsilon))), tf.scalar(a.negLr)), xd));
    });
    this.accBeta1 = f(this.accBeta1 * attrs.beta1);
    this.accBeta2 = f(this.accBeta2 * attrs.beta2);
    this.iterations++;
  }

  /** Reads the optimizer state (moments as Float32Array copies). */
  async getState(): Promise<AdamWState> {
    const read = async (t: tf.Tensor) => ((await t.data()) as Float32Array).slice();
    const m = this.m ? await Promise.all(this.m.map(read)) : [];
    const v = this.v ? await Promise.all(this.v.map(read)) : [];
    return { iterations: this.iterations, accBeta1: this.accBeta1, accBeta2: this.accBeta2, names: [...this.names], m, v };
  }

  /** Restores a state from {@link getState} (same parameter names and shapes, in the same order). */
  async setState(state: AdamWState): Promise<void> {
    if (state.names.length !== this.names.length || state.names.some((n, i) => n !== this.names[i])) {
      throw new Error('optimizer state: parameter names differ from this optimizer’s');
    }
    if (state.m.length !== state.v.length || (state.m.length !== 0 && state.m.length !== this.vars.length)) {
      throw new Error('optimizer state: moment count does not match the parameters');
    }
    state.m.forEach((arr, i) => {
      const x = this.vars[i]!;
      if (arr.length !== x.size || state.v[i]!.length !== x.size) throw new Error(`optimizer state: ${this.names[i]} has the wrong size`);
    });
    this.disposeMoments();
    if (state.m.length > 0) {
      this.m = state.m.map((arr, i) => tf.tidy(() => tf.variable(tf.tensor(arr, this.vars[i]!.shape, 'float32'), false)));
      this.v = state.v.map((arr, i) => tf.tidy(() => tf.variable(tf.tensor(arr, this.vars[i]!.shape, 'float32'), false)));
    }
    this.iterations = state.iterations;
    this.accBeta1 = Math.fround(state.accBeta1);
    this.accBeta2 = Math.fround(state.accBeta2);
  }

  private disposeMoments(): void {
    if (this.m) tf.dispose(this.m);
    if (this.v) tf.dispose(this.v);
    this.m = this.v = null;
  }

  dispose(): void {
    this.disposeMoments();
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
  /**
   * The reporting window, updated in place as steps complete (pass a resumed one to continue its
   * window; read it to checkpoint). Default: an empty one.
   */
  cursor?: MetricCursor;
}

/**
 * The training loop shared by {@link trainClassifier} and the SN-Net trainer: abort checks, the
 * learning-rate schedule, reading back [loss, accuracy] per step, divergence checks, window means
 * for progress reports, and a macrotask yield between steps.
 */
export async function runStepLoop<I>(o: StepLoopOptions<I>): Promise<{ loss: number; accuracy: number; lr: number; seconds: number; stepsRun: number }> {
  const { steps, signal } = o;
  const start = o.startStep ?? 0;
  const c = o.cursor ?? emptyMetricCursor();
  const t0 = performance.now();
  for (let s = start; s < steps; s++) {
    if (signal?.aborted) throw abortError(signal);
    const lr = learningRateAt(s, { learningRate: o.learningRate, totalSteps: steps, warmupSteps: o.warmupSteps, schedule: o.schedule, minLearningRate: o.minLearningRate });
    const { stats, info } = o.step(s, lr);
    let vals: Float32Array | Int32Array | Uint8Array;
    try {
      vals = await stats.data();
    } finally {
      stats.dispose();
    }
    const loss = vals[0]!;
    if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${s + 1} (loss ${loss})`);
    c.lr = lr;
    c.windowLoss += loss;
    c.windowAccuracy += vals[1]!;
    c.windowSteps++;
    const done = s + 1;
    if (done % o.logEvery === 0 || done === steps) {
      c.loss = c.windowLoss / c.windowSteps;
      c.accuracy = c.windowAccuracy / c.windowSteps;
      c.windowLoss = c.windowAccuracy = c.windowSteps = 0;
      if (o.report) await o.report({ step: done, totalSteps: steps, loss: c.loss, accuracy: c.accuracy, lr }, info);
    }
    if (o.afterStep) await o.afterStep(done);
    // Let I/O callbacks (streams, cancel commands) run between steps.
    await yieldToEventLoop();
  }
  return {
    loss: c.loss ?? NaN,
    accuracy: c.accuracy ?? NaN,
    lr: c.lr ?? o.learningRate,
    seconds: (performance.now() - t0) / 1000,
    stepsRun: Math.max(0, steps - start),
  };
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

function isClassifierCheckpoint(r: ClassifierCheckpoint | ClassifierTrainerState): r is ClassifierCheckpoint {
  return (r as ClassifierCheckpoint).format === 'anchorage-classifier-checkpoint/1';
}

/** A deep copy of a metric cursor (JSON values only). */
function copyCursor(c: MetricCursor): MetricCursor {
  return { ...c };
}

/**
 * Trains `model` in place and returns the final training metrics. With `checkpointEvery` and
 * `onCheckpoint` it hands out resumable trainer states; with `resume` it continues from one so that
 * the result (weights, reported metrics) equals an uninterrupted run's.
 */
export async function trainClassifier(options: TrainOptions): Promise<TrainResult> {
  const { model, data, batchSize, steps, learningRate, signal, onStep } = options;
  const logEvery = options.logEvery ?? 10;
  const weightDecay = options.weightDecay ?? 0;
  const warmupSteps = options.warmupSteps ?? 0;
  checkTrainOptions({ batchSize, steps, logEvery, learningRate, weightDecay, warmupSteps });
  const checkpointEvery = options.checkpointEvery;
  if (checkpointEvery !== undefined && !(Number.isInteger(checkpointEvery) && checkpointEvery > 0)) {
    throw new Error(`checkpointEvery must be a positive integer (got ${checkpointEvery})`);
  }
  const hyper: ClassifierTrainerState['options'] = {
    learningRate,
    warmupSteps,
    schedule: options.schedule ?? 'cosine',
    minLearningRate: options.minLearningRate ?? 0,
    weightDecay,
    beta1: options.adam?.beta1 ?? 0.9,
    beta2: options.adam?.beta2 ?? 0.999,
    epsilon: options.adam?.epsilon ?? 1e-8,
  };
  const resumeState = options.resume ? (isClassifierCheckpoint(options.resume) ? options.resume.trainer : options.resume) : undefined;
  if (resumeState) {
    if (resumeState.format !== CLASSIFIER_TRAINER_FORMAT) throw new Error('resume: not a classifier trainer state');
    const mismatch: string[] = [];
    if (resumeState.batchSize !== batchSize) mismatch.push(`batchSize ${resumeState.batchSize} ≠ ${batchSize}`);
    if (resumeState.seed !== options.seed) mismatch.push(`seed ${resumeState.seed} ≠ ${options.seed}`);
    if (resumeState.totalSteps !== steps) mismatch.push(`steps ${resumeState.totalSteps} ≠ ${steps}`);
    for (const key of Object.keys(hyper) as (keyof typeof hyper)[]) {
      if (resumeState.options[key] !== hyper[key]) mismatch.push(`${key} ${String(resumeState.options[key])} ≠ ${String(hyper[key])}`);
    }
    if (mismatch.length > 0) throw new Error(`resume: options differ from the checkpoint's (${mismatch.join('; ')})`);
    if (!Number.isInteger(resumeState.step) || resumeState.step < 0 || resumeState.step > steps) {
      throw new Error(`resume: the checkpoint's step ${resumeState.step} is outside 0..${steps}`);
    }
  }
  if (signal?.aborted) throw abortError(signal);
  ensureGradients();

  const named = [...model.params()].filter(([name]) => options.trainable?.(name) ?? true);
  if (named.length === 0) throw new Error('no trainable parameters selected');
  const varList = named.map(([, v]) => v);

  const { height, width, channels } = data;
  const batches = createBatchIterator(data, { batchSize, seed: options.seed, resume: resumeState?.batches });
  const bs = batches.batchSize;
  const startStep = resumeState?.step ?? 0;
  if (resumeState && resumeState.batches.batches !== startStep) {
    throw new Error(`resume: the checkpoint's batch order is at batch ${resumeState.batches.batches}, not at its step ${startStep}`);
  }
  const cursor = resumeState ? copyCursor(resumeState.metrics) : emptyMetricCursor();
  const optimizer = new AdamW(named, {
    learningRate,
    weightDecay,
    beta1: options.adam?.beta1,
    beta2: options.adam?.beta2,
    epsilon: options.adam?.epsilon,
  });

  /** Steps completed (the model and optimizer hold this step's state). */
  let done = startStep;
  /** Step of the latest checkpoint handed out (or resumed from). */
  let checkpointed = startStep;
  const snapshot = async (): Promise<ClassifierTrainerState> => ({
    format: CLASSIFIER_TRAINER_FORMAT,
    step: done,
    totalSteps: steps,
    seed: options.seed,
    batchSize,
    options: { ...hyper },
    batches: batches.state(),
    metrics: copyCursor(cursor),
    optimizer: await optimizer.getState(),
  });

  let result: Awaited<ReturnType<typeof runStepLoop>>;
  try {
    if (resumeState) await optimizer.setState(resumeState.optimizer);
    result = await runStepLoop<void>({
      steps,
      startStep,
      learningRate,
      warmupSteps,
      schedule: hyper.schedule,
      minLearningRate: hyper.minLearningRate,
      signal,
      logEvery,
      cursor,
      step: (s, lr) => {
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
          done = s + 1;
          return { stats, info: undefined };
        } finally {
          kept.acc?.dispose();
        }
      },
      report: onStep ? (s) => onStep(s) : undefined,
      afterStep:
        options.onCheckpoint && checkpointEvery
          ? async (d) => {
              if (d % checkpointEvery === 0 && d < steps) {
                await options.onCheckpoint!(await snapshot());
                checkpointed = d;
              }
            }
          : undefined,
    });
  } catch (err) {
    // Checkpoint on abort (worker shutdown): the state after the last completed step.
    if (options.checkpointOnAbort && isAbortOf(err, signal) && done > checkpointed) await options.checkpointOnAbort(await snapshot());
    throw err;
  } finally {
    optimizer.dispose();
  }
  const stepsRun = result.stepsRun;
  return {
    steps,
    stepsRun,
    loss: result.loss,
    accuracy: result.accuracy,
    lr: result.lr,
    seconds: result.seconds,
    msPerStep: stepsRun > 0 ? (result.seconds * 1000) / stepsRun : 0,
    epochs: (steps * bs) / data.count,
  };
}
