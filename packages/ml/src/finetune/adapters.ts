/**
 * Weight adapters for fine-tuning (ml-methods.md 3.1 LoRA, 3.2 Spectral Adapter), applied to the
 * Linear layers of ViT blocks.
 *
 * Layout: weights are input-major like the rest of the package (y = x·W + b, W [d_in, d_out], the
 * transpose of PyTorch's Linear.weight), so every formula of the spec appears transposed:
 * - LoRA stores Aᵀ [d_in, r] and Bᵀ [r, d_out] (as the SN-Netv2 stitching layers do) and
 *   W = W₀ + (α/r)·Aᵀ·Bᵀ (= (W₀ᵀ + (α/r)·B·A)ᵀ).
 * - The SVD is taken of W₀ [d_in, d_out] = V·diag(s)·Uᵀ (V: the spec's right vectors, d_in×k; U:
 *   its left vectors, d_out×k). Additive: W = W₀ + (V_r + Δ_V)·diag(s_r)·(U_r + Δ_U)ᵀ − V_r·diag(s_r)·U_rᵀ,
 *   which equals the spec's (U_r + Δ_U)·diag(s_r)·(V_r + Δ_V)ᵀ + W_rest transposed (W_rest = W₀ −
 *   V_r·diag(s_r)·U_rᵀ); written as a correction of W₀ it is W₀ bit for bit at initialisation and
 *   avoids rounding W_rest to float32. Rotation: W = W₀ + V_r·(Q_V·diag(s_r)·Q_Uᵀ − diag(s_r))·U_rᵀ
 *   with Q = Cayley(P).
 *
 * A fused `attn.qkv.weight` [D, 3D] is three matrices (the q, k and v column blocks); each of them
 * can be adapted separately, the others keep W₀.
 */
import * as tf from '@tensorflow/tfjs-core';
import { customGradient, dense } from '../models/ops.js';
import { deriveSeed, mulberry32, uniform } from '../random.js';
import { cayley64, jacobiSvd } from './linalg.js';

/** Matrices an adapter can target in every ViT block. */
export const ADAPTER_TARGETS = ['q', 'k', 'v', 'proj', 'fc1', 'fc2'] as const;
export type AdapterTarget = (typeof ADAPTER_TARGETS)[number];

/** Where a target lives in a block: the weight's timm name and, for q/k/v, its column block. */
export function targetWeight(target: AdapterTarget): { weight: string; slice: number | null } {
  switch (target) {
    case 'q':
      return { weight: 'attn.qkv.weight', slice: 0 };
    case 'k':
      return { weight: 'attn.qkv.weight', slice: 1 };
    case 'v':
      return { weight: 'attn.qkv.weight', slice: 2 };
    case 'proj':
      return { weight: 'attn.proj.weight', slice: null };
    case 'fc1':
      return { weight: 'mlp.fc1.weight', slice: null };
    case 'fc2':
      return { weight: 'mlp.fc2.weight', slice: null };
    default:
      throw new Error(`unknown adapter target ${JSON.stringify(target)}; use ${ADAPTER_TARGETS.join(', ')}`);
  }
}

/** Checks a target list (non-empty, known, no duplicates); returns it in canonical order. */
export function validateTargets(targets: readonly string[]): AdapterTarget[] {
  if (!Array.isArray(targets) || targets.length === 0) throw new Error('adapter targets must be a non-empty list');
  for (const t of targets) if (!(ADAPTER_TARGETS as readonly string[]).includes(t)) throw new Error(`unknown adapter target ${JSON.stringify(t)}; use ${ADAPTER_TARGETS.join(', ')}`);
  if (new Set(targets).size !== targets.length) throw new Error('adapter targets contain duplicates');
  return ADAPTER_TARGETS.filter((t) => targets.includes(t));
}

/** One adapted matrix W₀ [d_in, d_out]. */
export interface MatrixAdapter {
  readonly dimIn: number;
  readonly dimOut: number;
  readonly rank: number;
  /** Variables by parameter-name suffix (e.g. 'lora_A'). */
  params(): Map<string, tf.Variable>;
  /** W_eff − W₀ [d_in, d_out] (differentiable w.r.t. the adapter's variables). */
  delta(): tf.Tensor2D;
  dispose(): void;
}

// ---------------------------------------------------------------------------------------------
// LoRA

export interface LoRAMatrixOptions {
  dimIn: number;
  dimOut: number;
  rank: number;
  alpha: number;
  /** Seeds A's kaiming-uniform initialisation. */
  seed: number;
  /** Label mixed into the seed (the parameter name). */
  label: string;
}

/** LoRA on one matrix: ΔW = (α/r)·Aᵀ·Bᵀ; A ~ U(±1/√d_in) (kaiming-uniform, a = √5), B = 0. */
export class LoRAMatrix implements MatrixAdapter {
  readonly dimIn: number;
  readonly dimOut: number;
  readonly rank: number;
  readonly alpha: number;
  readonly scale: number;
  /** Aᵀ [d_in, r]. */
  readonly a: tf.Variable<tf.Rank.R2>;
  /** Bᵀ [r, d_out]. */
  readonly b: tf.Variable<tf.Rank.R2>;

  constructor(o: LoRAMatrixOptions) {
    this.dimIn = o.dimIn;
    this.dimOut = o.dimOut;
    this.rank = o.rank;
    this.alpha = o.alpha;
    this.scale = o.alpha / o.rank;
    const a = uniform(o.dimIn * o.rank, 1 / Math.sqrt(o.dimIn), mulberry32(deriveSeed(o.seed, `lora_A:${o.label}`)));
    this.a = tf.tidy(() => tf.variable(tf.tensor2d(a, [o.dimIn, o.rank]), true));
    this.b = tf.tidy(() => tf.variable(tf.zeros([o.rank, o.dimOut]) as tf.Tensor2D, true));
  }

  params(): Map<string, tf.Variable> {
    return new Map<string, tf.Variable>([
      ['lora_A', this.a],
      ['lora_B', this.b],
    ]);
  }

  delta(): tf.Tensor2D {
    return tf.tidy(() => tf.mul(tf.matMul(this.a, this.b), this.scale) as tf.Tensor2D);
  }

  /** The low-rank path on activations: (α/r)·(x·Aᵀ)·Bᵀ for x [M, d_in] (x already dropped out). */
  lowRank(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.mul(tf.matMul(tf.matMul(x, this.a), this.b), this.scale) as tf.Tensor2D);
  }

  dispose(): void {
    this.a.dispose();
    this.b.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Spectral Adapter

export type SpectralVariant = 'additive' | 'rotation';

type GradSave = (tensors: tf.Tensor[]) => void;

const cayleyOp = customGradient((p: tf.Tensor2D, save: GradSave) => {
  const r = p.shape[0];
  // The r×r inverse on the CPU in float64 (ml-methods.md 3.2).
  const { q, m } = cayley64(p.dataSync(), r);
  const mt = tf.tensor2d(Float32Array.from(m), [r, r]);
  save([mt]);
  return {
    value: tf.tensor2d(Float32Array.from(q), [r, r]),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const mT = tf.transpose(saved[0]! as tf.Tensor2D);
      // ∂L/∂K = −2·Mᵀ·G·Mᵀ; ∂L/∂P = (G_K − G_Kᵀ)/2.
      const gk = tf.mul(tf.matMul(tf.matMul(mT, dy), mT), -2);
      return [tf.mul(tf.sub(gk, tf.transpose(gk)), 0.5)];
    },
  };
});

/**
 * Q = Cayley(P) = (I − K)(I + K)⁻¹ with K = (P − Pᵀ)/2, for P [r, r], differentiable through a
 * custom gradient (∂L/∂K = −2·Mᵀ·G·Mᵀ with M = (I + K)⁻¹, ∂L/∂P = (∂L/∂K − ∂L/∂Kᵀ)/2). Forward in
 * float64 on the CPU (the value is read synchronously).
 */
export function cayleyMap(p: tf.Tensor2D): tf.Tensor2D {
  if (p.rank !== 2 || p.shape[0] !== p.shape[1]) throw new Error(`cayleyMap: expected a square matrix, got [${p.shape}]`);
  return cayleyOp(p);
}

export interface SpectralMatrixOptions {
  dimIn: number;
  dimOut: number;
  rank: number;
  variant: SpectralVariant;
  /** W₀ row-major [d_in, d_out]. */
  weight: ArrayLike<number>;
}

/**
 * The Spectral Adapter on one matrix: the SVD of W₀ (float64 Jacobi, once), its top-r singular
 * vectors frozen, and trainable Δ_U [d_out, r], Δ_V [d_in, r] (additive, from 0) or P_U, P_V [r, r]
 * (rotation, from 0 so Q = I).
 */
export class SpectralMatrix implements MatrixAdapter {
  readonly dimIn: number;
  readonly dimOut: number;
  readonly rank: number;
  readonly variant: SpectralVariant;
  /** Singular values of W₀ (all of them, descending, float64). */
  readonly singularValues: Float64Array;
  /** V_r [d_in, r] and U_rᵀ [r, d_out] (frozen), s_r as a row [1, r]. */
  readonly vr: tf.Tensor2D;
  readonly urT: tf.Tensor2D;
  readonly sr: tf.Tensor2D;
  /** W_rest = W₀ − V_r·diag(s_r)·U_rᵀ computed in float64 (row-major [d_in, d_out]). */
  readonly rest: Float64Array;
  /** Additive: V_r·diag(s_r)·U_rᵀ as the forward computes it at Δ = 0. Rotation: diag(s_r). */
  private readonly offset: tf.Tensor2D;
  private readonly vars: Map<string, tf.Variable>;

  constructor(o: SpectralMatrixOptions) {
    const { dimIn, dimOut, rank: r } = o;
    this.dimIn = dimIn;
    this.dimOut = dimOut;
    this.rank = r;
    this.variant = o.variant;
    if (o.variant !== 'additive' && o.variant !== 'rotation') throw new Error(`unknown spectral variant ${JSON.stringify(o.variant)}; use 'additive' or 'rotation'`);
    if (!Number.isInteger(r) || r < 1 || r > Math.min(dimIn, dimOut)) throw new Error(`spectral adapter: rank ${r} outside 1..${Math.min(dimIn, dimOut)}`);
    if (o.weight.length !== dimIn * dimOut) throw new Error(`spectral adapter: W₀ needs ${dimIn * dimOut} values`);
    const svd = jacobiSvd(o.weight, dimIn, dimOut);
    this.singularValues = svd.s;
    const k = svd.k;
    const vr = new Float32Array(dimIn * r);
    const urT = new Float32Array(r * dimOut);
    for (let i = 0; i < dimIn; i++) for (let c = 0; c < r; c++) vr[i * r + c] = svd.u[i * k + c]!;
    for (let c = 0; c < r; c++) for (let j = 0; j < dimOut; j++) urT[c * dimOut + j] = svd.v[j * k + c]!;
    const rest = new Float64Array(dimIn * dimOut);
    for (let i = 0; i < dimIn; i++) {
      for (let j = 0; j < dimOut; j++) {
        let top = 0;
        for (let c = 0; c < r; c++) top += svd.u[i * k + c]! * svd.s[c]! * svd.v[j * k + c]!;
        rest[i * dimOut + j] = Number(o.weight[i * dimOut + j]) - top;
      }
    }
    this.rest = rest;
    this.vr = tf.tensor2d(vr, [dimIn, r]);
    this.urT = tf.tensor2d(urT, [r, dimOut]);
    this.sr = tf.tensor2d(Float32Array.from(svd.s.subarray(0, r)), [1, r]);
    this.vars = new Map();
    const zeros = (shape: [number, number]) => tf.tidy(() => tf.variable(tf.zeros(shape) as tf.Tensor2D, true));
    if (o.variant === 'additive') {
      this.offset = tf.tidy(() => tf.matMul(tf.mul(this.vr, this.sr), this.urT) as tf.Tensor2D);
      this.vars.set('spectral_dU', zeros([dimOut, r]));
      this.vars.set('spectral_dV', zeros([dimIn, r]));
    } else {
      this.offset = tf.tidy(() => tf.mul(tf.eye(r), this.sr) as tf.Tensor2D);
      this.vars.set('spectral_PU', zeros([r, r]));
      this.vars.set('spectral_PV', zeros([r, r]));
    }
  }

  params(): Map<string, tf.Variable> {
    return new Map(this.vars);
  }

  delta(): tf.Tensor2D {
    return tf.tidy(() => {
      if (this.variant === 'additive') {
        const v = tf.add(this.vr, this.vars.get('spectral_dV')!);
        const uT = tf.add(this.urT, tf.transpose(this.vars.get('spectral_dU')!));
        return tf.sub(tf.matMul(tf.mul(v, this.sr), uT), this.offset) as tf.Tensor2D;
      }
      const qv = cayleyMap(this.vars.get('spectral_PV')! as tf.Tensor2D);
      const qu = cayleyMap(this.vars.get('spectral_PU')! as tf.Tensor2D);
      // V_r·Q_V·diag(s)·Q_Uᵀ·U_rᵀ − V_r·diag(s)·U_rᵀ = V_r·(Q_V·diag(s)·Q_Uᵀ − diag(s))·U_rᵀ.
      const core = tf.sub(tf.matMul(tf.mul(qv, this.sr), tf.transpose(qu)), this.offset) as tf.Tensor2D;
      return tf.matMul(tf.matMul(this.vr, core), this.urT) as tf.Tensor2D;
    });
  }

  dispose(): void {
    tf.dispose([this.vr, this.urT, this.sr, this.offset]);
    for (const v of this.vars.values()) v.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// A weight with adapted column blocks.

/** The adapters of one Linear weight: one matrix, or the q/k/v column blocks of a fused qkv. */
export class WeightAdapters {
  /** The full parameter name of the weight (e.g. `blocks.3.attn.qkv.weight`). */
  readonly weight: string;
  readonly dimIn: number;
  readonly dimOut: number;
  /** One entry per column block (1, or 3 for qkv); null = not adapted. */
  readonly slices: ReadonlyArray<MatrixAdapter | null>;
  /** Target name per column block (for parameter names). */
  readonly sliceNames: ReadonlyArray<AdapterTarget>;

  constructor(weight: string, dimIn: number, dimOut: number, slices: Array<MatrixAdapter | null>, sliceNames: AdapterTarget[]) {
    this.weight = weight;
    this.dimIn = dimIn;
    this.dimOut = dimOut;
    this.slices = slices;
    this.sliceNames = sliceNames;
  }

  /** Width of one column block. */
  get sliceWidth(): number {
    return this.dimOut / this.slices.length;
  }

  /**
   * Parameters by full name: `<layer>.<suffix>` for a plain weight (`blocks.0.attn.proj.lora_A`),
   * `<layer>.<suffix>.<q|k|v>` for a qkv block (`blocks.0.attn.qkv.lora_A.q`).
   */
  params(): Map<string, tf.Variable> {
    const layer = this.weight.slice(0, -'.weight'.length);
    const out = new Map<string, tf.Variable>();
    this.slices.forEach((s, i) => {
      if (!s) return;
      for (const [suffix, v] of s.params()) out.set(this.slices.length > 1 ? `${layer}.${suffix}.${this.sliceNames[i]}` : `${layer}.${suffix}`, v);
    });
    return out;
  }

  /** ΔW [d_in, d_out] over all column blocks (zeros for blocks that are not adapted). */
  delta(): tf.Tensor2D {
    return tf.tidy(() => {
      const w = this.sliceWidth;
      const parts = this.slices.map((s) => (s ? s.delta() : (tf.zeros([this.dimIn, w]) as tf.Tensor2D)));
      return (parts.length === 1 ? parts[0]! : tf.concat(parts, 1)) as tf.Tensor2D;
    });
  }

  /** The effective weight W₀ + ΔW (what the forward pass uses and what an export stores). */
  effectiveWeight(w0: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(w0, this.delta()) as tf.Tensor2D);
  }

  /**
   * y = x·W₀ + b + Σ (α/r)·(mask⊙x)·Aᵀ·Bᵀ: LoRA with dropout on the adapter input (training only).
   * Every adapted block must be LoRA.
   */
  loraWithDropout(x: tf.Tensor2D, w0: tf.Tensor2D, b: tf.Tensor1D, mask: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const xd = tf.mul(x, mask) as tf.Tensor2D;
      const w = this.sliceWidth;
      const parts = this.slices.map((s) => {
        if (!s) return tf.zeros([x.shape[0], w]) as tf.Tensor2D;
        if (!(s instanceof LoRAMatrix)) throw new Error('dropout is only defined for LoRA adapters');
        return s.lowRank(xd);
      });
      const low = parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
      return tf.add(dense(x, w0, b), low) as tf.Tensor2D;
    });
  }

  /** Trainable scalars of the adapters. */
  countParams(): number {
    let n = 0;
    for (const v of this.params().values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const s of this.slices) s?.dispose();
  }
}
