/**
 * Model persistence: `model.json` (format, architecture, weight manifest) + `weights.bin`
 * (little-endian float32, concatenated in manifest order). Names, layouts and fixed architectural
 * choices of format 'anchorage-vit/1' are documented at the top of models/vit.ts; format
 * 'anchorage-stitch/1' (one exported configuration of a stitched network) in stitching/export.ts.
 * {@link loadModel} reads either and returns a model with one common inference interface.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { ViT, validateViTConfig, vitParamShapes, type NamedVariables, type ViTArchitecture, type ViTConfig } from './models/vit.js';
import type { StitchedModel, StitchArchitecture, StitchManifest } from './stitching/export.js';

export const MODEL_FORMAT = 'anchorage-vit/1';
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  /** Byte offset into weights.bin. */
  offset: number;
}

export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  architecture: ViTConfig;
  weights: WeightEntry[];
}

/** Format id of an exported stitch (see stitching/export.ts). */
export const STITCH_MODEL_FORMAT = 'anchorage-stitch/1';

/**
 * What {@link loadModel} returns: a ViT or an exported stitch, behind one inference interface
 * (`architecture.kind` tells them apart: 'vit' or 'stitch').
 */
export interface InferenceModel {
  readonly architecture: ViTArchitecture | StitchArchitecture;
  /** Logits [B, numClasses]. */
  forward(x: tf.Tensor): tf.Tensor2D;
  /** Penultimate features [B, D]: the CLS token after the final LayerNorm. */
  features(x: tf.Tensor): tf.Tensor2D;
  /** MACs per image (fvcore convention). */
  flops(): number;
  /** Scalars stored in the model. */
  countParams(): number;
  params(): NamedVariables;
  dispose(): void;
}

export function assertLittleEndian(): void {
  if (os.endianness() !== 'LE') throw new Error('model serialisation assumes a little-endian host');
}

/** Packs named float32 arrays into one buffer, in the given order, with their manifest entries. */
export function packWeights(items: ReadonlyArray<{ name: string; shape: number[]; values: Float32Array }>): { entries: WeightEntry[]; buffer: Uint8Array } {
  assertLittleEndian();
  const entries: WeightEntry[] = [];
  let bytes = 0;
  for (const it of items) {
    const n = it.shape.reduce((a, b) => a * b, 1);
    if (n !== it.values.length) throw new Error(`weight ${it.name}: shape [${it.shape}] needs ${n} values, got ${it.values.length}`);
    entries.push({ name: it.name, shape: [...it.shape], dtype: 'float32', offset: bytes });
    bytes += n * 4;
  }
  const buffer = new Uint8Array(bytes);
  items.forEach((it, i) => buffer.set(new Uint8Array(it.values.buffer, it.values.byteOffset, it.values.byteLength), entries[i]!.offset));
  return { entries, buffer };
}

/** Reads manifest entries back into float32 arrays (bounds, dtype and duplicate checks). */
export function unpackWeights(entries: readonly WeightEntry[], buffer: Uint8Array, what = 'weights.bin'): Map<string, Float32Array> {
  assertLittleEndian();
  if (!Array.isArray(entries)) throw new Error('model.json: weights must be an array');
  const out = new Map<string, Float32Array>();
  for (const w of entries) {
    if (typeof w?.name !== 'string') throw new Error('model.json: a weight has no name');
    if (out.has(w.name)) throw new Error(`model.json: duplicate weight ${w.name}`);
    if ((w.dtype as string) !== 'float32') throw new Error(`model.json: ${w.name} has dtype ${String(w.dtype)}, only float32 is supported`);
    if (!Array.isArray(w.shape) || w.shape.some((d: number) => !Number.isInteger(d) || d < 0)) throw new Error(`model.json: ${w.name} has a bad shape`);
    if (!Number.isInteger(w.offset) || w.offset < 0 || w.offset % 4 !== 0) throw new Error(`model.json: ${w.name} has a bad offset`);
    const n = w.shape.reduce((a: number, b: number) => a * b, 1);
    if (w.offset + n * 4 > buffer.byteLength) throw new Error(`${what} is too short for ${w.name}`);
    // Copy into a fresh, aligned buffer (the source may be an unaligned Buffer slice).
    const arr = new Float32Array(n);
    new Uint8Array(arr.buffer).set(buffer.subarray(w.offset, w.offset + n * 4));
    out.set(w.name, arr);
  }
  return out;
}

/** Writes `file` in `dir` atomically (temporary file + rename). */
export async function writeFileAtomic(dir: string, file: string, data: string | Uint8Array): Promise<void> {
  const target = path.join(dir, file);
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, target);
}

/** Writes `dir/weights.bin` then `dir/model.json` (creating dir; each file written atomically). */
export async function writeModelFiles(dir: string, manifest: object, weights: Uint8Array): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(dir, WEIGHTS_BIN, weights);
  await writeFileAtomic(dir, MODEL_JSON, JSON.stringify(manifest, null, 2) + '\n');
}

/** Reads `dir/model.json` (parsed) and `dir/weights.bin`. */
export async function readModelFiles(dir: string): Promise<{ manifest: unknown; weights: Uint8Array }> {
  const [json, bin] = await Promise.all([readFile(path.join(dir, MODEL_JSON), 'utf8'), readFile(path.join(dir, WEIGHTS_BIN))]);
  let manifest: unknown;
  try {
    manifest = JSON.parse(json);
  } catch (err) {
    throw new Error(`${path.join(dir, MODEL_JSON)}: invalid JSON (${(err as Error).message})`);
  }
  return { manifest, weights: bin };
}

/** Serialises a ViT to a manifest and one weight buffer (no file I/O). */
export async function serializeModel(model: ViT): Promise<{ manifest: ModelManifest; weights: Uint8Array }> {
  assertLittleEndian();
  const values = await model.getWeights();
  const { entries, buffer } = packWeights([...model.params()].map(([name, v]) => ({ name, shape: [...v.shape], values: values.get(name)! })));
  return { manifest: { format: MODEL_FORMAT, architecture: { ...model.config }, weights: entries }, weights: buffer };
}

/** Parses and checks a manifest (format, architecture, names, shapes, offsets). */
export function parseManifest(json: unknown, weightBytes?: number): ModelManifest {
  if (typeof json !== 'object' || json === null) throw new Error('model.json: not an object');
  const m = json as Partial<ModelManifest>;
  if (m.format !== MODEL_FORMAT) throw new Error(`model.json: unsupported format ${JSON.stringify(m.format)} (expected ${MODEL_FORMAT})`);
  const architecture = validateViTConfig(m.architecture as ViTConfig);
  if (!Array.isArray(m.weights)) throw new Error('model.json: weights must be an array');
  const expected = new Map(vitParamShapes(architecture).map((s) => [s.name, s.shape]));
  const seen = new Set<string>();
  for (const w of m.weights) {
    const shape = expected.get(w?.name);
    if (!shape) throw new Error(`model.json: unexpected weight ${JSON.stringify(w?.name)}`);
    if (seen.has(w.name)) throw new Error(`model.json: duplicate weight ${w.name}`);
    seen.add(w.name);
    if (w.dtype !== 'float32') throw new Error(`model.json: ${w.name} has dtype ${String(w.dtype)}, only float32 is supported`);
    if (!Array.isArray(w.shape) || w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`model.json: ${w.name} has shape [${String(w.shape)}], expected [${shape}]`);
    }
    const size = shape.reduce((a, b) => a * b, 1) * 4;
    if (!Number.isInteger(w.offset) || w.offset < 0 || w.offset % 4 !== 0) throw new Error(`model.json: ${w.name} has a bad offset`);
    if (weightBytes !== undefined && w.offset + size > weightBytes) throw new Error(`weights.bin is too short for ${w.name}`);
  }
  const missing = [...expected.keys()].filter((n) => !seen.has(n));
  if (missing.length > 0) throw new Error(`model.json: missing weights ${missing.slice(0, 5).join(', ')}`);
  return { format: MODEL_FORMAT, architecture, weights: m.weights };
}

/** Rebuilds a ViT from a manifest and weight bytes. */
export function deserializeModel(manifestJson: unknown, weights: Uint8Array): ViT {
  assertLittleEndian();
  const manifest = parseManifest(manifestJson, weights.byteLength);
  return new ViT(manifest.architecture, { weights: unpackWeights(manifest.weights, weights) });
}

/**
 * Writes `dir/model.json` and `dir/weights.bin` (creating dir; each file written atomically): a ViT
 * as 'anchorage-vit/1', a {@link StitchedModel} (e.g. a fine-tuned stitch) as 'anchorage-stitch/1'.
 */
export async function saveModel(model: ViT, dir: string): Promise<ModelManifest>;
export async function saveModel(model: StitchedModel, dir: string): Promise<StitchManifest>;
export async function saveModel(model: ViT | StitchedModel, dir: string): Promise<ModelManifest | StitchManifest>;
export async function saveModel(model: ViT | StitchedModel, dir: string): Promise<ModelManifest | StitchManifest> {
  if (model instanceof ViT) {
    const { manifest, weights } = await serializeModel(model);
    await writeModelFiles(dir, manifest, weights);
    return manifest;
  }
  // Loaded lazily: stitching/ imports this module's helpers.
  const { serializeStitchedModel } = await import('./stitching/export.js');
  const { manifest, weights } = await serializeStitchedModel(model);
  await writeModelFiles(dir, manifest, weights);
  return manifest;
}

/**
 * Loads a model directory, dispatching on the manifest's format: 'anchorage-vit/1' (saved by
 * {@link saveModel}) gives a {@link ViT}; 'anchorage-stitch/1' (written by `exportStitch`) gives a
 * `StitchedModel`. Both implement {@link InferenceModel} (and `Classifier`); weights are restored exactly.
 */
export async function loadModel(dir: string): Promise<ViT | StitchedModel> {
  const { manifest, weights } = await readModelFiles(dir);
  const format = (manifest as { format?: unknown } | null)?.format;
  if (format === MODEL_FORMAT) {
    // Typed through InferenceModel so that the compiler checks ViT implements it.
    const vit: ViT & InferenceModel = deserializeModel(manifest, weights);
    return vit;
  }
  if (format === STITCH_MODEL_FORMAT) {
    // Loaded lazily: stitching/ imports this module's helpers.
    const { deserializeStitchedModel } = await import('./stitching/export.js');
    return deserializeStitchedModel(manifest, weights);
  }
  if (format === 'anchorage-snnet/1') throw new Error(`${dir} holds a whole stitched network (anchorage-snnet/1); load it with loadSNNet, or export one configuration with exportStitch`);
  throw new Error(`model.json: unsupported format ${JSON.stringify(format)} (expected ${MODEL_FORMAT} or ${STITCH_MODEL_FORMAT})`);
}
