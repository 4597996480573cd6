/** MNIST-sized ViT anchors (ml-methods.md section 6: patch 7 → 16 tokens + CLS, depth 4). */
import type { ViTConfig, ViTInit } from './models/vit.js';

export type ViTPresetName = 'vit-ti' | 'vit-s' | 'vit-b';

const base = { imageSize: 28, channels: 1, patchSize: 7, depth: 4, mlpRatio: 4, numClasses: 10 } as const;

/** Tiny/small/base anchors of one family: widths 32/64/128, head width 16 (2/4/8 heads). */
export const VIT_PRESETS: Readonly<Record<ViTPresetName, Readonly<ViTConfig>>> = Object.freeze({
  'vit-ti': Object.freeze({ ...base, dim: 32, heads: 2 }),
  'vit-s': Object.freeze({ ...base, dim: 64, heads: 4 }),
  'vit-b': Object.freeze({ ...base, dim: 128, heads: 8 }),
});

export function vitPreset(name: ViTPresetName): ViTConfig {
  const p = VIT_PRESETS[name];
  if (!p) throw new Error(`unknown ViT preset ${JSON.stringify(name)}; use ${Object.keys(VIT_PRESETS).join(', ')}`);
  return { ...p };
}

/** The recommended demo run: {@link createViT}(VIT_PRESETS[preset], { seed, init }) then {@link trainClassifier}. */
export interface DemoTrainingConfig {
  preset: ViTPresetName;
  /** Weight initialisation ('fan-in' trains much faster than timm's 0.02 at these widths). */
  init: ViTInit;
  /** Seed of the model initialisation and of the batch order. */
  seed: number;
  /** Seed and test fraction of the MNIST split. */
  split: { seed: number; testFraction: number };
  batchSize: number;
  steps: number;
  learningRate: number;
  warmupSteps: number;
  weightDecay: number;
  schedule: 'cosine';
}

/**
 * Measured on one core with the wasm backend (Node 20, this project's 2-core machines): ~175 ms per
 * step, so ~90 s of training for 500 steps (6.4 epochs of the 8,000 training digits), reaching
 * ~93% top-1 on the seeded 20% test split (90% is passed around step 300). See the package report
 * for the exact figures.
 */
export const DEMO_TRAINING: Readonly<DemoTrainingConfig> = Object.freeze({
  preset: 'vit-s',
  init: 'fan-in',
  seed: 0,
  split: Object.freeze({ seed: 0, testFraction: 0.2 }),
  batchSize: 64,
  steps: 500,
  learningRate: 3e-3,
  warmupSteps: 50,
  weightDecay: 0.05,
  schedule: 'cosine',
}) as Readonly<DemoTrainingConfig>;
