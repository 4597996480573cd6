/**
 * Model persistence: `model.json` (format, architecture, weight manifest) + `weights.bin`
 * (little-endian float32, concatenated in manifest order). Names, layouts and fixed architectural
 * choices of format 'anchorage-vit/1' are documented at the top of models/vit.ts.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ViT, validateViTConfig, vitParamShapes, type ViTConfig } from './models/vit.js';

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

function assertLittleEndian(): void {
  if (os.endianness() !== 'LE') throw new Error('model serialisation assumes a little-endian host');
}

/** Serialises a ViT to a manifest and one weight buffer (no file I/O). */
export async function serializeModel(model: ViT): Promise<{ manifest: ModelManifest; weights: Uint8Array }> {
  assertLittleEndian();
  const values = await model.getWeights();
  const entries: WeightEntry[] = [];
  let bytes = 0;
  for (const [name, v] of model.params()) {
    entries.push({ name, shape: [...v.shape], dtype: 'float32', offset: bytes });
    bytes += v.size * 4;
  }
  const buf = new Uint8Array(bytes);
  for (const e of entries) {
    const arr = values.get(e.name)!;
    buf.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), e.offset);
  }
  return { manifest: { format: MODEL_FORMAT, architecture: { ...model.config }, weights: entries }, weights: buf };
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
  const values = new Map<string, Float32Array>();
  for (const w of manifest.weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    // Copy into a fresh, aligned buffer (the source may be an unaligned Buffer slice).
    const arr = new Float32Array(n);
    new Uint8Array(arr.buffer).set(weights.subarray(w.offset, w.offset + n * 4));
    values.set(w.name, arr);
  }
  return new ViT(manifest.architecture, { weights: values });
}

/** Writes `dir/model.json` and `dir/weights.bin` (creating dir; each file written atomically). */
export async function saveModel(model: ViT, dir: string): Promise<ModelManifest> {
  const { manifest, weights } = await serializeModel(model);
  await mkdir(dir, { recursive: true });
  const write = async (file: string, data: string | Uint8Array) => {
    const target = path.join(dir, file);
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, target);
  };
  await write(WEIGHTS_BIN, weights);
  await write(MODEL_JSON, JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** Loads a model saved by {@link saveModel}; weights are restored exactly. */
export async function loadModel(dir: string): Promise<ViT> {
  const [json, bin] = await Promise.all([readFile(path.join(dir, MODEL_JSON), 'utf8'), readFile(path.join(dir, WEIGHTS_BIN))]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new Error(`${path.join(dir, MODEL_JSON)}: invalid JSON (${(err as Error).message})`);
  }
  return deserializeModel(parsed, bin);
}
