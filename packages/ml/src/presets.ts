/** MNIST-sized ViT anchors (ml-methods.md section 6: patch 7 → 16 tokens + CLS, depth 4). */
import type { ViTConfig } from './models/vit.js';

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
