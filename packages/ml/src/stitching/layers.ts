/**
 * Stitching layers (ml-methods.md 1.2 and 2.3): a Linear D_in → D_out with a bias, applied to every
 * token (CLS included), initialised by least squares from recorded anchor activations; optionally the
 * SN-Netv2 low-rank form W = W_LS (frozen) + (α/r)·B·A.
 *
 * Layout: weights are input-major like the rest of the package, so the layer computes y = x·W + b
 * with W [D_in, D_out]; the LoRA factors are stored as Aᵀ [D_in, r] and Bᵀ [r, D_out] (the
 * transposes of loralib's A (r×D_in) and B (D_out×r)), giving ΔW = (α/r)·Aᵀ·Bᵀ.
 */
import * as tf from '@tensorflow/tfjs-core';
import { dense } from '../models/ops.js';
import { deriveSeed, mulberry32, uniform } from '../random.js';
import type { ViT } from '../models/vit.js';
import { fitAffineLeastSquares, type LeastSquaresFit, type LeastSquaresOptions } from './lstsq.js';
import type { StitchPosition } from './space.js';

export interface LoRAOptions {
  /**
   * Rank r (default 64, `lora_r`). Capped at min(D_in, D_out): at smaller widths a rank-64 update
   * is already full rank, and r = min(D_in, D_out) spans every update with the fewest parameters.
   * The scale α/r uses the capped rank.
   */
  rank?: number;
  /** α (default 1); the update is scaled by α/r. */
  alpha?: number;
}

/** The rank a LoRA stitching layer D_in → D_out gets for a requested rank. */
export function effectiveLoRARank(dimIn: number, dimOut: number, rank = 64): number {
  if (!Number.isInteger(rank) || rank < 1) throw new Error(`LoRA rank must be a positive integer (got ${rank})`);
  return Math.min(rank, dimIn, dimOut);
}

export interface StitchingLayerOptions {
  dimIn: number;
  dimOut: number;
  /** Low-rank (SN-Netv2) form; false/undefined = a plain trainable Linear. */
  lora?: LoRAOptions | false;
  /** Seeds the LoRA A initialisation (default 0). */
  seed?: number;
  /** Initial values (default: W = 0, b = 0 until a least-squares initialisation). */
  weight?: Float32Array;
  bias?: Float32Array;
  /** Initial LoRA factors Aᵀ [D_in, r] and Bᵀ [r, D_out] (default: kaiming-uniform A, zero B). */
  loraA?: Float32Array;
  loraB?: Float32Array;
}

/** Parameter names of a stitching layer (suffixes after `stitches.<id>.`). */
export const STITCH_PARAM_NAMES = ['weight', 'bias', 'lora_A', 'lora_B'] as const;

export class StitchingLayer {
  readonly id: string;
  readonly dimIn: number;
  readonly dimOut: number;
  /** LoRA rank (0 = plain Linear). */
  readonly rank: number;
  readonly alpha: number;
  /** α/r (0 without LoRA). */
  readonly scale: number;
  /** W [D_in, D_out]: trainable without LoRA, frozen (W_LS) with it. */
  readonly weight: tf.Variable<tf.Rank.R2>;
  readonly bias: tf.Variable<tf.Rank.R1>;
  readonly loraA?: tf.Variable<tf.Rank.R2>;
  readonly loraB?: tf.Variable<tf.Rank.R2>;
  private disposed = false;

  constructor(id: string, options: StitchingLayerOptions) {
    const { dimIn, dimOut } = options;
    if (!Number.isInteger(dimIn) || dimIn < 1 || !Number.isInteger(dimOut) || dimOut < 1) throw new Error(`stitching layer ${id}: bad dimensions ${dimIn}→${dimOut}`);
    this.id = id;
    this.dimIn = dimIn;
    this.dimOut = dimOut;
    const lora = options.lora || undefined;
    this.rank = lora ? effectiveLoRARank(dimIn, dimOut, lora.rank ?? 64) : 0;
    this.alpha = lora ? (lora.alpha ?? 1) : 0;
    if (lora && !(Number.isFinite(this.alpha) && this.alpha > 0)) throw new Error(`LoRA alpha must be > 0 (got ${this.alpha})`);
    this.scale = lora ? this.alpha / this.rank : 0;
    const check = (name: string, arr: Float32Array | undefined, n: number) => {
      if (arr && arr.length !== n) throw new Error(`stitching layer ${id}: ${name} needs ${n} values, got ${arr.length}`);
      return arr ?? new Float32Array(n);
    };
    const w = check('weight', options.weight, dimIn * dimOut);
    const b = check('bias', options.bias, dimOut);
    this.weight = tf.tidy(() => tf.variable(tf.tensor2d(w, [dimIn, dimOut]), !lora));
    this.bias = tf.tidy(() => tf.variable(tf.tensor1d(b), true));
    if (lora) {
      // kaiming_uniform_(a=√5) on loralib's A (r × D_in): bound = √(6/((1+5)·fan_in)) = 1/√D_in.
      const a = options.loraA
        ? check('lora_A', options.loraA, dimIn * this.rank)
        : uniform(dimIn * this.rank, 1 / Math.sqrt(dimIn), mulberry32(deriveSeed(options.seed ?? 0, `lora_A:${id}`)));
      const bb = check('lora_B', options.loraB, this.rank * dimOut);
      this.loraA = tf.tidy(() => tf.variable(tf.tensor2d(a, [dimIn, this.rank]), true));
      this.loraB = tf.tidy(() => tf.variable(tf.tensor2d(bb, [this.rank, dimOut]), true));
    }
  }

  get isLoRA(): boolean {
    return this.rank > 0;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error(`stitching layer ${this.id} has been disposed`);
  }

  /**
   * The weight the layer applies: W, or W + (α/r)·Aᵀ·Bᵀ with LoRA. Exports store exactly this
   * tensor's values, so an exported stitch reproduces the layer bit for bit.
   */
  effectiveWeight(): tf.Tensor2D {
    this.assertLive();
    if (!this.loraA || !this.loraB) return this.weight;
    return tf.tidy(() => tf.add(this.weight, tf.mul(tf.matMul(this.loraA!, this.loraB!), this.scale)) as tf.Tensor2D);
  }

  /** y = x·W_eff + b for x [M, D_in]. */
  apply2d(x: tf.Tensor2D): tf.Tensor2D {
    this.assertLive();
    if (x.shape[1] !== this.dimIn) throw new Error(`stitching layer ${this.id}: expected width ${this.dimIn}, got [${x.shape}]`);
    return tf.tidy(() => dense(x, this.effectiveWeight(), this.bias));
  }

  /** Applies the layer to every token: [B, N, D_in] → [B, N, D_out]. */
  apply(h: tf.Tensor3D): tf.Tensor3D {
    const [B, N, D] = h.shape;
    if (D !== this.dimIn) throw new Error(`stitching layer ${this.id}: expected width ${this.dimIn}, got [${h.shape}]`);
    return tf.tidy(() => tf.reshape(this.apply2d(tf.reshape(h, [B * N, D]) as tf.Tensor2D), [B, N, this.dimOut]) as tf.Tensor3D);
  }

  /** All variables by suffix (`weight`, `bias`, and `lora_A`, `lora_B` with LoRA). */
  params(): Map<string, tf.Variable> {
    this.assertLive();
    const out = new Map<string, tf.Variable>([
      ['weight', this.weight],
      ['bias', this.bias],
    ]);
    if (this.loraA && this.loraB) {
      out.set('lora_A', this.loraA);
      out.set('lora_B', this.loraB);
    }
    return out;
  }

  /** The trainable variables: weight + bias, or (LoRA) lora_A, lora_B + bias (W_LS stays frozen). */
  trainableParams(): Map<string, tf.Variable> {
    const all = this.params();
    if (this.isLoRA) all.delete('weight');
    return all;
  }

  /** Number of LoRA factor parameters r·(D_in + D_out) (0 without LoRA). */
  loraParamCount(): number {
    return this.rank * (this.dimIn + this.dimOut);
  }

  /** Parameters of the deployed (merged) layer: D_in·D_out + D_out. */
  deployedParamCount(): number {
    return this.dimIn * this.dimOut + this.dimOut;
  }

  /** Sets W (the frozen base with LoRA) and b, e.g. from a least-squares fit. */
  setWeightAndBias(weight: ArrayLike<number>, bias: ArrayLike<number>): void {
    this.assertLive();
    if (weight.length !== this.dimIn * this.dimOut || bias.length !== this.dimOut) throw new Error(`stitching layer ${this.id}: wrong initialisation sizes`);
    tf.tidy(() => {
      this.weight.assign(tf.tensor2d(Float32Array.from(weight), [this.dimIn, this.dimOut]));
      this.bias.assign(tf.tensor1d(Float32Array.from(bias)));
    });
  }

  /**
   * Folds the low-rank update into W (W ← W + (α/r)·Aᵀ·Bᵀ, B ← 0): the layer's function is unchanged
   * up to rounding and training can continue (loralib's eval-time merge, made permanent).
   */
  merge(): void {
    this.assertLive();
    if (!this.loraB) return;
    const merged = this.effectiveWeight();
    tf.tidy(() => {
      this.weight.assign(merged);
      this.loraB!.assign(tf.zerosLike(this.loraB!));
    });
    merged.dispose();
  }

  /** Copies of the deployed weights: W_eff [D_in·D_out] and b. */
  async mergedWeights(): Promise<{ weight: Float32Array; bias: Float32Array }> {
    const w = this.effectiveWeight();
    try {
      return { weight: ((await w.data()) as Float32Array).slice(), bias: ((await this.bias.data()) as Float32Array).slice() };
    } finally {
      if (w !== this.weight) w.dispose();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.weight.dispose();
    this.bias.dispose();
    this.loraA?.dispose();
    this.loraB?.dispose();
  }
}

/**
 * Runs an anchor once on `images` and records every block output, flattened over batch and tokens
 * (row-major [B·N, D]): index 0 is the embedding output ("block −1"), index j+1 the output of block j.
 */
export async function recordBlockOutputs(anchor: ViT, images: tf.Tensor): Promise<Float32Array[]> {
  const records: Float32Array[] = [];
  let h = anchor.embed(images);
  try {
    records.push(((await h.data()) as Float32Array).slice());
    for (let i = 0; i < anchor.depth; i++) {
      const next = anchor.block(i, h);
      h.dispose();
      h = next;
      records.push(((await h.data()) as Float32Array).slice());
    }
  } finally {
    h.dispose();
  }
  return records;
}

export interface PositionFit {
  position: StitchPosition;
  residual: number;
  centredNorm: number;
  /** residual / ‖Y − mean(Y)‖_F (0 for an exact fit, ≤ 1 always). */
  relativeResidual: number;
  rank: number;
}

/**
 * Least-squares initialisation of one stitching layer from recorded activations: for each position
 * (j, k), X = the front anchor's output of block j, Y = the end anchor's input of block k (the output
 * of block k−1; the embedding when k = 0). The layer gets the element-wise mean of the fits' W and b
 * (one fit in v2, every position of the window in v1).
 */
export function leastSquaresInit(
  front: readonly Float32Array[],
  end: readonly Float32Array[],
  positions: readonly StitchPosition[],
  dims: { rows: number; dimIn: number; dimOut: number },
  options: LeastSquaresOptions = {},
): { weight: Float64Array; bias: Float64Array; fits: PositionFit[]; raw: LeastSquaresFit[] } {
  const { rows, dimIn, dimOut } = dims;
  if (positions.length === 0) throw new Error('least-squares initialisation needs at least one position');
  const weight = new Float64Array(dimIn * dimOut);
  const bias = new Float64Array(dimOut);
  const fits: PositionFit[] = [];
  const raw: LeastSquaresFit[] = [];
  for (const position of positions) {
    const [j, k] = position;
    const X = front[j + 1];
    const Y = end[k];
    if (!X || !Y) throw new Error(`no recorded activations for position (${j}, ${k})`);
    const fit = fitAffineLeastSquares(X, Y, rows, dimIn, dimOut, options);
    raw.push(fit);
    for (let i = 0; i < weight.length; i++) weight[i]! += fit.weight[i]!;
    for (let i = 0; i < bias.length; i++) bias[i]! += fit.bias[i]!;
    fits.push({
      position,
      residual: fit.residual,
      centredNorm: fit.centredNorm,
      relativeResidual: fit.centredNorm > 0 ? fit.residual / fit.centredNorm : 0,
      rank: fit.rank,
    });
  }
  for (let i = 0; i < weight.length; i++) weight[i]! /= positions.length;
  for (let i = 0; i < bias.length; i++) bias[i]! /= positions.length;
  return { weight, bias, fits, raw };
}
