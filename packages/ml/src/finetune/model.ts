/**
 * Adapted models: a base model (a {@link ViT} or an exported stitch, {@link StitchedModel}) turned
 * into a trainable classifier for a new task (ml-methods.md section 3).
 *
 * An {@link AdaptedModel} holds its own copy of the base's backbone weights (the base is never
 * modified), a new linear head `ft_head.weight` [D, C] / `ft_head.bias` [C] on the CLS features
 * after the final LayerNorm (D = the width of the final block; PyTorch's default Linear init,
 * U(±1/√D) for both), and, for LoRA and the Spectral Adapter, adapter variables on the targeted
 * weights of every ViT block (stitching layers are never adapted). Its forward pass runs exactly
 * the base's ops (`vitEmbed`, `vitBlock`, the stitching Linear, `vitClsFeatures`, `dense`); adapted
 * weights are computed inside the pass (W₀ + ΔW) through `vitBlock`'s Linear hook, so gradients reach
 * the adapters. `params()` names every variable (base ones under the base's names, adapters under
 * `<layer>.lora_A[.q|k|v]` etc., the head under `ft_head.*`); {@link AdaptedModel.isTrainable} says
 * which ones the method trains. {@link AdaptedModel.export} merges everything into a plain model of
 * the base's kind with the new head.
 */
import * as tf from '@tensorflow/tfjs-core';
import { dense, variablesFromWeights } from '../models/ops.js';
import {
  validateViTConfig,
  ViT,
  vitBlock,
  vitBlockWeights,
  vitClsFeatures,
  vitEmbed,
  vitParamShapes,
  type BlockLinear,
  type BlockLinearSite,
  type Classifier,
  type NamedVariables,
  type ViTConfig,
} from '../models/vit.js';
import { ensureGradients } from '../gradients.js';
import { deriveSeed, mulberry32, uniform } from '../random.js';
import { effectiveLoRARank } from '../stitching/layers.js';
import { StitchedModel, stitchWeightShapes, type StitchArchitecture } from '../stitching/export.js';
import { LoRAMatrix, SpectralMatrix, targetWeight, validateTargets, WeightAdapters, type AdapterTarget, type MatrixAdapter, type SpectralVariant } from './adapters.js';

export const FINETUNE_METHODS = ['full', 'linear-probe', 'lora', 'spectral', 'subtuning'] as const;
export type FinetuneMethod = (typeof FINETUNE_METHODS)[number];

export function isFinetuneMethod(v: unknown): v is FinetuneMethod {
  return typeof v === 'string' && (FINETUNE_METHODS as readonly string[]).includes(v);
}

/** What a fine-tune starts from: an anchor ViT or an exported stitch. */
export type FinetuneBase = ViT | StitchedModel;

export interface LoRASettings {
  /** Rank r (default 8); capped at min(d_in, d_out) of each matrix, like the stitching layers. */
  rank: number;
  /** α (default 2r = 16); the update is scaled by α/r. */
  alpha: number;
  /** Dropout on the adapter input, training only (default 0, loralib's default). */
  dropout: number;
  /** Default ['q', 'v'] (the LoRA paper's W_q, W_v). */
  targets: AdapterTarget[];
}

export interface SpectralSettings {
  /** Top-r singular components (default 8); capped at min(d_in, d_out) of each matrix. */
  rank: number;
  /** 'additive' (Spectral^A, the main method; default) or 'rotation' (Spectral^R). */
  variant: SpectralVariant;
  /** Default ['q', 'k', 'v'] (the DeBERTa setting). */
  targets: AdapterTarget[];
}

export const DEFAULT_LORA: Readonly<LoRASettings> = Object.freeze({ rank: 8, alpha: 16, dropout: 0, targets: ['q', 'v'] as AdapterTarget[] });
export const DEFAULT_SPECTRAL: Readonly<SpectralSettings> = Object.freeze({ rank: 8, variant: 'additive' as SpectralVariant, targets: ['q', 'k', 'v'] as AdapterTarget[] });

export function resolveLoRASettings(o: Partial<LoRASettings> = {}): LoRASettings {
  const rank = o.rank ?? DEFAULT_LORA.rank;
  if (!Number.isInteger(rank) || rank < 1) throw new Error(`LoRA rank must be a positive integer (got ${rank})`);
  const alpha = o.alpha ?? (o.rank !== undefined ? 2 * rank : DEFAULT_LORA.alpha);
  if (!(Number.isFinite(alpha) && alpha > 0)) throw new Error(`LoRA alpha must be > 0 (got ${alpha})`);
  const dropout = o.dropout ?? DEFAULT_LORA.dropout;
  if (!(dropout >= 0 && dropout < 1)) throw new Error(`LoRA dropout must be in [0, 1) (got ${dropout})`);
  return { rank, alpha, dropout, targets: validateTargets(o.targets ?? DEFAULT_LORA.targets) };
}

export function resolveSpectralSettings(o: Partial<SpectralSettings> = {}): SpectralSettings {
  const rank = o.rank ?? DEFAULT_SPECTRAL.rank;
  if (!Number.isInteger(rank) || rank < 1) throw new Error(`spectral rank must be a positive integer (got ${rank})`);
  const variant = o.variant ?? DEFAULT_SPECTRAL.variant;
  if (variant !== 'additive' && variant !== 'rotation') throw new Error(`unknown spectral variant ${JSON.stringify(variant)}; use 'additive' or 'rotation'`);
  return { rank, variant, targets: validateTargets(o.targets ?? DEFAULT_SPECTRAL.targets) };
}

export interface AdaptOptions {
  method: FinetuneMethod;
  /** Classes of the new task (size of the new head). */
  numClasses: number;
  /** Seeds the head and LoRA initialisation and the dropout masks (default 0). */
  seed?: number;
  lora?: Partial<LoRASettings>;
  spectral?: Partial<SpectralSettings>;
  /** SubTuning: the units (see {@link AdaptedModel.units}) that train with the head (default none). */
  subset?: readonly string[];
}

/** One step of a backbone's forward pass. */
type PlanStep =
  | { kind: 'embed'; config: ViTConfig; prefix: string }
  | { kind: 'block'; config: ViTConfig; prefix: string; index: number }
  | { kind: 'stitch'; position: number };

interface BackbonePlan {
  steps: PlanStep[];
  /** Backbone weights (everything but the base's head), in the base's order. */
  shapes: Array<{ name: string; shape: number[] }>;
  /** Config and prefix of the final norm (the last segment's anchor). */
  last: { config: ViTConfig; prefix: string };
}

function planOf(base: FinetuneBase): BackbonePlan {
  if (base instanceof ViT) {
    const config = validateViTConfig(base.config);
    const steps: PlanStep[] = [{ kind: 'embed', config, prefix: '' }];
    for (let i = 0; i < config.depth; i++) steps.push({ kind: 'block', config, prefix: '', index: i });
    const shapes = vitParamShapes(config).filter((s) => !s.name.startsWith('head.'));
    return { steps, shapes, last: { config, prefix: '' } };
  }
  if (base instanceof StitchedModel) {
    const arch = base.architecture;
    const cfg = (a: number) => arch.anchors.find((x) => x.index === a)!.config;
    const steps: PlanStep[] = [];
    arch.segments.forEach((seg, i) => {
      const config = cfg(seg.anchor);
      const prefix = `anchors.${seg.anchor}.`;
      if (i === 0) steps.push({ kind: 'embed', config, prefix });
      for (let b = seg.start; b < seg.end; b++) steps.push({ kind: 'block', config, prefix, index: b });
      if (i < arch.segments.length - 1) steps.push({ kind: 'stitch', position: i });
    });
    const lastSeg = arch.segments[arch.segments.length - 1]!;
    const lastPrefix = `anchors.${lastSeg.anchor}.`;
    const shapes = stitchWeightShapes(arch).filter((s) => !(s.name === `${lastPrefix}head.weight` || s.name === `${lastPrefix}head.bias`));
    return { steps, shapes, last: { config: cfg(lastSeg.anchor), prefix: lastPrefix } };
  }
  throw new Error('fine-tuning needs a ViT or a StitchedModel as its base');
}

/** SubTuning's units of a base model: its ViT blocks in path order (`blocks.3`, `anchors.1.blocks.3`). */
export function finetuneUnits(base: FinetuneBase): string[] {
  return planOf(base)
    .steps.filter((s): s is Extract<PlanStep, { kind: 'block' }> => s.kind === 'block')
    .map((s) => `${s.prefix}blocks.${s.index}`);
}

const SITE_WEIGHT: Record<BlockLinearSite, string> = { qkv: 'attn.qkv.weight', proj: 'attn.proj.weight', fc1: 'mlp.fc1.weight', fc2: 'mlp.fc2.weight' };

/** Names of the new head's parameters. */
export const FT_HEAD_WEIGHT = 'ft_head.weight';
export const FT_HEAD_BIAS = 'ft_head.bias';

/** The new head's initial values: PyTorch's default Linear init, U(±1/√D) for weight and bias. */
export function initialHead(dim: number, numClasses: number, seed: number): { weight: Float32Array; bias: Float32Array } {
  const bound = 1 / Math.sqrt(dim);
  return {
    weight: uniform(dim * numClasses, bound, mulberry32(deriveSeed(seed, FT_HEAD_WEIGHT))),
    bias: uniform(numClasses, bound, mulberry32(deriveSeed(seed, FT_HEAD_BIAS))),
  };
}

/**
 * A base model adapted to a new task (see the module comment). Implements `Classifier`, so
 * `trainClassifier` trains it with `trainable: (n) => model.isTrainable(n)`.
 */
export class AdaptedModel implements Classifier {
  readonly method: FinetuneMethod;
  readonly numClasses: number;
  readonly seed: number;
  readonly baseKind: 'vit' | 'stitch';
  /** Width D of the CLS features (the final block's width). */
  readonly featureDim: number;
  /** SubTuning units: the ViT blocks of the backbone, by name prefix (`blocks.3`, `anchors.1.blocks.3`). */
  readonly units: readonly string[];
  /** SubTuning: the units that train (empty otherwise). */
  readonly subset: readonly string[];
  readonly lora?: LoRASettings;
  readonly spectral?: SpectralSettings;
  /**
   * Training mode: LoRA dropout is active only while true (`finetune` sets it around training).
   * Nothing else in a ViT depends on it (no dropout or batch norm in the backbone).
   */
  training = false;
  /** Forward passes run in training mode (seeds each pass's dropout masks; set it to resume). */
  trainingSteps = 0;
  private readonly plan: BackbonePlan;
  private readonly stitchArch?: StitchArchitecture;
  private readonly baseConfig?: ViTConfig;
  private readonly backbone: Map<string, tf.Variable>;
  private readonly adapters = new Map<string, WeightAdapters>();
  private readonly adapterVars = new Map<string, tf.Variable>();
  private readonly head: { weight: tf.Variable; bias: tf.Variable };
  private readonly all: Map<string, tf.Variable>;
  private readonly trainableSet: Set<string>;
  private disposed = false;

  constructor(base: FinetuneBase, options: AdaptOptions) {
    ensureGradients();
    if (!isFinetuneMethod(options.method)) throw new Error(`unknown fine-tuning method ${JSON.stringify(options.method)}; use ${FINETUNE_METHODS.join(', ')}`);
    if (!Number.isInteger(options.numClasses) || options.numClasses < 1) throw new Error(`numClasses must be a positive integer (got ${options.numClasses})`);
    if ((base as { isDisposed?: boolean }).isDisposed) throw new Error('the base model has been disposed');
    this.method = options.method;
    this.numClasses = options.numClasses;
    this.seed = options.seed ?? 0;
    this.plan = planOf(base);
    if (base instanceof ViT) {
      this.baseKind = 'vit';
      this.baseConfig = { ...base.config };
    } else {
      this.baseKind = 'stitch';
      this.stitchArch = base.architecture;
    }
    this.featureDim = this.plan.last.config.dim;
    this.units = finetuneUnits(base);
    if (this.method === 'lora') this.lora = resolveLoRASettings(options.lora);
    if (this.method === 'spectral') this.spectral = resolveSpectralSettings(options.spectral);
    const subset = options.subset ?? [];
    if (subset.length > 0 && this.method !== 'subtuning') throw new Error(`a block subset is only meaningful for SubTuning (method ${this.method})`);
    for (const u of subset) if (!this.units.includes(u)) throw new Error(`SubTuning: unknown unit ${JSON.stringify(u)} (units: ${this.units.join(', ')})`);
    if (new Set(subset).size !== subset.length) throw new Error('SubTuning: the subset has duplicates');
    this.subset = this.units.filter((u) => subset.includes(u));

    // Copy the backbone's weights (the base stays untouched, even when everything trains).
    const baseVars = base.params();
    const values = new Map<string, Float32Array>();
    for (const { name } of this.plan.shapes) {
      const v = baseVars.get(name);
      if (!v) throw new Error(`base model has no weight ${name}`);
      values.set(name, v.dataSync() as Float32Array);
    }
    this.backbone = variablesFromWeights(this.plan.shapes, values);
    try {
      if (this.lora || this.spectral) this.buildAdapters(values);
      const h = initialHead(this.featureDim, this.numClasses, this.seed);
      this.head = {
        weight: tf.tidy(() => tf.variable(tf.tensor2d(h.weight, [this.featureDim, this.numClasses]), true)),
        bias: tf.tidy(() => tf.variable(tf.tensor1d(h.bias), true)),
      };
    } catch (err) {
      for (const v of this.backbone.values()) v.dispose();
      for (const a of this.adapters.values()) a.dispose();
      throw err;
    }
    this.all = new Map([...this.backbone, ...this.adapterVars, [FT_HEAD_WEIGHT, this.head.weight], [FT_HEAD_BIAS, this.head.bias]]);
    this.trainableSet = new Set([...this.all.keys()].filter((n) => this.computeTrainable(n)));
  }

  private buildAdapters(values: ReadonlyMap<string, Float32Array>): void {
    const targets = (this.lora ?? this.spectral)!.targets;
    const byWeight = new Map<string, Array<{ target: AdapterTarget; slice: number | null }>>();
    for (const t of targets) {
      const { weight, slice } = targetWeight(t);
      byWeight.set(weight, [...(byWeight.get(weight) ?? []), { target: t, slice }]);
    }
    for (const step of this.plan.steps) {
      if (step.kind !== 'block') continue;
      for (const [leaf, list] of byWeight) {
        const name = `${step.prefix}blocks.${step.index}.${leaf}`;
        const shape = this.backbone.get(name)!.shape as [number, number];
        const [dimIn, dimOut] = shape;
        const fused = list[0]!.slice !== null;
        const nSlices = fused ? 3 : 1;
        const width = dimOut / nSlices;
        const slices: Array<MatrixAdapter | null> = new Array(nSlices).fill(null);
        const names: AdapterTarget[] = fused ? ['q', 'k', 'v'] : [list[0]!.target];
        const w0 = values.get(name)!;
        for (const { target, slice } of list) {
          const idx = slice ?? 0;
          const layer = name.slice(0, -'.weight'.length);
          const label = fused ? `${layer}.${target}` : layer;
          if (this.lora) {
            const rank = effectiveLoRARank(dimIn, width, this.lora.rank);
            slices[idx] = new LoRAMatrix({ dimIn, dimOut: width, rank, alpha: this.lora.alpha, seed: this.seed, label });
          } else {
            const rank = Math.min(this.spectral!.rank, dimIn, width);
            const block = new Float32Array(dimIn * width);
            for (let i = 0; i < dimIn; i++) block.set(w0.subarray(i * dimOut + idx * width, i * dimOut + (idx + 1) * width), i * width);
            slices[idx] = new SpectralMatrix({ dimIn, dimOut: width, rank, variant: this.spectral!.variant, weight: block });
          }
        }
        const wa = new WeightAdapters(name, dimIn, dimOut, slices, names);
        this.adapters.set(name, wa);
        for (const [n, v] of wa.params()) this.adapterVars.set(n, v);
      }
    }
  }

  private computeTrainable(name: string): boolean {
    if (name === FT_HEAD_WEIGHT || name === FT_HEAD_BIAS) return true;
    switch (this.method) {
      case 'full':
        return true;
      case 'linear-probe':
        return false;
      case 'lora':
      case 'spectral':
        return this.adapterVars.has(name);
      case 'subtuning':
        return this.subset.some((u) => name.startsWith(`${u}.`));
    }
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('AdaptedModel has been disposed');
  }

  /** Whether the method trains parameter `name` (the `trainable` filter for `trainClassifier`). */
  isTrainable(name: string): boolean {
    return this.trainableSet.has(name);
  }

  /** Names of the parameters the method trains, in `params()` order. */
  trainableNames(): string[] {
    return [...this.all.keys()].filter((n) => this.trainableSet.has(n));
  }

  /** Scalars the method trains. */
  countTrainable(): number {
    let n = 0;
    for (const name of this.trainableSet) n += this.all.get(name)!.size;
    return n;
  }

  /** All scalars held (backbone + adapters + new head). */
  countParams(): number {
    let n = 0;
    for (const v of this.all.values()) n += v.size;
    return n;
  }

  /** Every variable by name: backbone (base names), adapters, then `ft_head.weight`, `ft_head.bias`. */
  params(): NamedVariables {
    this.assertLive();
    return this.all;
  }

  /** The adapter variables only (empty for full, linear-probe and subtuning). */
  adapterParams(): NamedVariables {
    return this.adapterVars;
  }

  /** The adapters of one weight (by full name, e.g. `blocks.0.attn.qkv.weight`), if adapted. */
  adaptersOf(weight: string): WeightAdapters | undefined {
    return this.adapters.get(weight);
  }

  /** Names of the adapted weights. */
  adaptedWeights(): string[] {
    return [...this.adapters.keys()];
  }

  private get(name: string): tf.Tensor {
    const v = this.backbone.get(name);
    if (!v) throw new Error(`no backbone weight ${name}`);
    return v;
  }

  private linearFor(prefix: string, index: number): BlockLinear | undefined {
    if (this.adapters.size === 0) return undefined;
    const dropout = this.lora && this.training ? this.lora.dropout : 0;
    const step = this.trainingSteps;
    return (site, x, w, b) => {
      const name = `${prefix}blocks.${index}.${SITE_WEIGHT[site]}`;
      const ad = this.adapters.get(name);
      if (!ad) return dense(x, w, b);
      if (dropout > 0) {
        // Dropout on the adapter input (loralib: one mask per layer input, shared by q/k/v).
        const mask = tf.tidy(() => {
          const u = tf.randomUniform(x.shape, 0, 1, 'float32', deriveSeed(this.seed, `lora_dropout:${step}:${name}`));
          return tf.div(tf.cast(tf.greaterEqual(u, dropout), 'float32'), 1 - dropout) as tf.Tensor2D;
        });
        return ad.loraWithDropout(x, w, b, mask);
      }
      return dense(x, ad.effectiveWeight(w), b);
    };
  }

  /** Tokens after the last block (before the final LayerNorm): [B, N, D]. */
  hidden(x: tf.Tensor): tf.Tensor3D {
    this.assertLive();
    return tf.tidy(() => {
      let h: tf.Tensor3D | undefined;
      for (const s of this.plan.steps) {
        if (s.kind === 'embed') {
          const p = s.prefix;
          h = vitEmbed(s.config, {
            patchW: this.get(`${p}patch_embed.proj.weight`) as tf.Tensor2D,
            patchB: this.get(`${p}patch_embed.proj.bias`) as tf.Tensor1D,
            cls: this.get(`${p}cls_token`),
            pos: this.get(`${p}pos_embed`),
          }, x);
        } else if (s.kind === 'block') {
          h = vitBlock(s.config, vitBlockWeights((n) => this.get(n), s.index, s.prefix), h!, `block ${s.index}`, this.linearFor(s.prefix, s.index));
        } else {
          const prev = h!;
          const [B, N, D] = prev.shape;
          const w = this.get(`stitches.${s.position}.weight`) as tf.Tensor2D;
          const bias = this.get(`stitches.${s.position}.bias`) as tf.Tensor1D;
          h = tf.tidy(() => tf.reshape(tf.tidy(() => dense(tf.reshape(prev, [B * N, D]) as tf.Tensor2D, w, bias)), [B, N, w.shape[1]]) as tf.Tensor3D);
        }
      }
      return h!;
    });
  }

  /** CLS features after the final LayerNorm: [B, D] (what the new head sees). */
  features(x: tf.Tensor): tf.Tensor2D {
    const { config, prefix } = this.plan.last;
    return tf.tidy(() =>
      vitClsFeatures(config, { normW: this.get(`${prefix}norm.weight`) as tf.Tensor1D, normB: this.get(`${prefix}norm.bias`) as tf.Tensor1D }, this.hidden(x)),
    );
  }

  /** Logits [B, numClasses] of the new head. In training mode each call advances the dropout stream. */
  forward(x: tf.Tensor): tf.Tensor2D {
    const out = tf.tidy(() => dense(this.features(x), this.head.weight as tf.Tensor2D, this.head.bias as tf.Tensor1D));
    if (this.training) this.trainingSteps++;
    return out;
  }

  /** Copies of the values of the named parameters (default: the trainable ones). */
  async getParamValues(names: readonly string[] = this.trainableNames()): Promise<Map<string, Float32Array>> {
    this.assertLive();
    const out = new Map<string, Float32Array>();
    for (const n of names) {
      const v = this.all.get(n);
      if (!v) throw new Error(`unknown parameter ${n}`);
      out.set(n, ((await v.data()) as Float32Array).slice());
    }
    return out;
  }

  /** Overwrites parameters by name (exact sizes; unknown names are an error). */
  setParamValues(values: ReadonlyMap<string, Float32Array>): void {
    this.assertLive();
    for (const [n, arr] of values) {
      const v = this.all.get(n);
      if (!v) throw new Error(`unknown parameter ${n}`);
      if (arr.length !== v.size) throw new Error(`parameter ${n}: expected ${v.size} values, got ${arr.length}`);
    }
    for (const [n, arr] of values) {
      const v = this.all.get(n)!;
      tf.tidy(() => v.assign(tf.tensor(arr, v.shape, 'float32')));
    }
  }

  /**
   * The weights of the exported model: the backbone with every adapted weight merged
   * (W₀ + ΔW, computed by the same ops as the forward pass in eval mode) and the new head under
   * the base's head names (`head.weight`/`head.bias`, prefixed for a stitch).
   */
  async mergedWeights(): Promise<Map<string, Float32Array>> {
    this.assertLive();
    const out = new Map<string, Float32Array>();
    for (const [name, v] of this.backbone) {
      const ad = this.adapters.get(name);
      const t = ad ? ad.effectiveWeight(v as tf.Tensor2D) : v;
      try {
        out.set(name, ((await t.data()) as Float32Array).slice());
      } finally {
        if (t !== v) t.dispose();
      }
    }
    const p = this.plan.last.prefix;
    out.set(`${p}head.weight`, ((await this.head.weight.data()) as Float32Array).slice());
    out.set(`${p}head.bias`, ((await this.head.bias.data()) as Float32Array).slice());
    return out;
  }

  /**
   * The architecture of the exported model: the base's, with `numClasses` = the task's (for a
   * stitch, in every anchor's configuration, so the last anchor's head has the new size).
   */
  exportArchitecture(): { kind: 'vit'; config: ViTConfig } | StitchArchitecture {
    if (this.baseKind === 'vit') return { kind: 'vit', config: { ...this.baseConfig!, numClasses: this.numClasses } };
    const a = this.stitchArch!;
    return {
      ...a,
      anchors: a.anchors.map((x) => ({ index: x.index, config: { ...x.config, numClasses: this.numClasses } })),
      segments: a.segments.map((s) => ({ ...s })),
      stitches: a.stitches.map((s) => ({ ...s })),
    };
  }

  /**
   * A plain model with merged weights and the new head: a {@link ViT} (numClasses = the task's) for a
   * ViT base, a {@link StitchedModel} for a stitch. `saveModel`/`loadModel`/`evaluateClassifier`
   * work on it unchanged; its logits equal this model's eval-mode logits.
   */
  async export(): Promise<ViT | StitchedModel> {
    const weights = await this.mergedWeights();
    const arch = this.exportArchitecture();
    if (arch.kind === 'vit') return new ViT(arch.config, { weights });
    return new StitchedModel(arch, weights);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.backbone.values()) v.dispose();
    for (const a of this.adapters.values()) a.dispose();
    this.head.weight.dispose();
    this.head.bias.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}
