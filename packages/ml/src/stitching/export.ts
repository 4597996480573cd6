/**
 * Persistence of stitched networks.
 *
 * - Format 'anchorage-stitch/1' (`exportStitch`): one configuration as a standalone model — only the
 *   weights that path uses (the first anchor's embedding incl. CLS token and position embedding, the
 *   blocks of each segment under their original names, each stitching layer with any LoRA update
 *   merged, the last anchor's final norm and head), plus the path description. `loadModel` (io.ts)
 *   returns it as a {@link StitchedModel}, whose logits equal the SNNet's for that configuration bit
 *   for bit on the same backend (it runs the same ops on the same values).
 *   Weight names: `anchors.<i>.<timm name>` (i = the anchor's index in the SNNet, small → large) and
 *   `stitches.<p>.weight|bias` (p = position of the stitch along the path, W input-major [D_in, D_out]).
 * - Format 'anchorage-snnet/1' (`saveSNNet`/`loadSNNet`): the whole network — every anchor, every
 *   stitching layer (LoRA factors unmerged), the options and the space parameters.
 * Both use model.json + weights.bin (little-endian float32) like 'anchorage-vit/1'.
 */
import * as tf from '@tensorflow/tfjs-core';
import { dense, variablesFromWeights } from '../models/ops.js';
import {
  blockMacs,
  embedMacs,
  headMacs,
  numTokens,
  stitchMacs,
  validateViTConfig,
  ViT,
  vitBlock,
  vitBlockWeights,
  vitClsFeatures,
  vitEmbed,
  vitHead,
  vitParamShapes,
  type NamedVariables,
  type ViTConfig,
} from '../models/vit.js';
import { ensureGradients } from '../gradients.js';
import { packWeights, readModelFiles, STITCH_MODEL_FORMAT, unpackWeights, writeModelFiles, type InferenceModel, type WeightEntry } from '../io.js';
import type { PathSegment, StitchFamily, StitchMethod } from './space.js';
import { resolveSNNetOptions, SNNet, type ResolvedSNNetOptions } from './snnet.js';

export const SNNET_FORMAT = 'anchorage-snnet/1';

/** The architecture of an exported stitch (the `architecture` of its model.json). */
export interface StitchArchitecture {
  kind: 'stitch';
  method: StitchMethod;
  /** The configuration id in the SNNet it came from. */
  configId: number;
  label: string;
  family: StitchFamily;
  /** Anchors on the path: their index in the SNNet and their configuration. */
  anchors: Array<{ index: number; config: ViTConfig }>;
  segments: PathSegment[];
  /** One per stitch along the path: the SNNet layer it came from and its widths. */
  stitches: Array<{ id: string; dimIn: number; dimOut: number }>;
}

export interface StitchManifest {
  format: typeof STITCH_MODEL_FORMAT;
  architecture: StitchArchitecture;
  weights: WeightEntry[];
}

/** Names and shapes of every weight an exported stitch holds, in file order. */
export function stitchWeightShapes(arch: StitchArchitecture): Array<{ name: string; shape: number[] }> {
  const cfgOf = anchorConfigMap(arch);
  const out: Array<{ name: string; shape: number[] }> = [];
  const shapesOf = (a: number) => new Map(vitParamShapes(cfgOf(a)).map((s) => [s.name, s.shape]));
  arch.segments.forEach((seg, i) => {
    const shapes = shapesOf(seg.anchor);
    const p = `anchors.${seg.anchor}.`;
    if (i === 0) for (const n of ['patch_embed.proj.weight', 'patch_embed.proj.bias', 'cls_token', 'pos_embed']) out.push({ name: p + n, shape: shapes.get(n)! });
    for (let b = seg.start; b < seg.end; b++) for (const [n, shape] of shapes) if (n.startsWith(`blocks.${b}.`)) out.push({ name: p + n, shape });
    if (i < arch.stitches.length) {
      const s = arch.stitches[i]!;
      out.push({ name: `stitches.${i}.weight`, shape: [s.dimIn, s.dimOut] }, { name: `stitches.${i}.bias`, shape: [s.dimOut] });
    }
    if (i === arch.segments.length - 1) for (const n of ['norm.weight', 'norm.bias', 'head.weight', 'head.bias']) out.push({ name: p + n, shape: shapes.get(n)! });
  });
  return out;
}

function anchorConfigMap(arch: StitchArchitecture): (a: number) => ViTConfig {
  const m = new Map(arch.anchors.map((a) => [a.index, a.config]));
  return (a: number) => {
    const c = m.get(a);
    if (!c) throw new Error(`stitch architecture: anchor ${a} is used but not described`);
    return c;
  };
}

/** Checks an exported stitch's architecture (anchors, segments, widths); returns a normalised copy. */
export function validateStitchArchitecture(json: unknown): StitchArchitecture {
  if (typeof json !== 'object' || json === null) throw new Error('stitch architecture: not an object');
  const a = json as Partial<StitchArchitecture>;
  if (a.kind !== 'stitch') throw new Error(`stitch architecture: kind must be 'stitch'`);
  if (!Array.isArray(a.anchors) || a.anchors.length === 0) throw new Error('stitch architecture: anchors must be a non-empty array');
  const anchors = a.anchors.map((x) => {
    if (!Number.isInteger(x?.index) || x.index < 0) throw new Error('stitch architecture: bad anchor index');
    return { index: x.index, config: validateViTConfig(x.config) };
  });
  const cfgOf = anchorConfigMap({ ...(a as StitchArchitecture), anchors });
  if (!Array.isArray(a.segments) || a.segments.length === 0) throw new Error('stitch architecture: segments must be a non-empty array');
  if (!Array.isArray(a.stitches) || a.stitches.length !== a.segments.length - 1) throw new Error('stitch architecture: needs one stitch between consecutive segments');
  const t0 = numTokens(cfgOf(a.segments[0]!.anchor));
  const c0 = cfgOf(a.segments[0]!.anchor);
  a.segments.forEach((s, i) => {
    const c = cfgOf(s.anchor);
    if (!Number.isInteger(s.start) || !Number.isInteger(s.end) || s.start < 0 || s.end < s.start || s.end > c.depth) throw new Error(`stitch architecture: segment ${i} has a bad block range`);
    if (numTokens(c) !== t0 || c.numClasses !== c0.numClasses) throw new Error('stitch architecture: anchors disagree on tokens or classes');
    if (i < a.stitches!.length) {
      const st = a.stitches![i]!;
      const next = cfgOf(a.segments![i + 1]!.anchor);
      if (st.dimIn !== c.dim || st.dimOut !== next.dim) throw new Error(`stitch architecture: stitch ${i} must map ${c.dim} → ${next.dim}`);
    }
  });
  return {
    kind: 'stitch',
    method: a.method === 'v2' ? 'v2' : 'v1',
    configId: Number(a.configId ?? -1),
    label: String(a.label ?? ''),
    family: (a.family ?? 'stitch') as StitchFamily,
    anchors,
    segments: a.segments.map((s) => ({ anchor: s.anchor, start: s.start, end: s.end })),
    stitches: a.stitches.map((s) => ({ id: String(s.id), dimIn: s.dimIn, dimOut: s.dimOut })),
  };
}

/**
 * One configuration of a stitched network as a standalone model (format 'anchorage-stitch/1').
 * Implements the same inference interface as {@link ViT} (io.ts `InferenceModel`) and `Classifier`,
 * so it can be evaluated, probed or fine-tuned like an anchor.
 */
export class StitchedModel implements InferenceModel {
  readonly architecture: StitchArchitecture;
  private readonly vars: Map<string, tf.Variable>;
  private disposed = false;

  constructor(architecture: StitchArchitecture, weights: ReadonlyMap<string, Float32Array>) {
    this.architecture = validateStitchArchitecture(architecture);
    ensureGradients();
    this.vars = variablesFromWeights(stitchWeightShapes(this.architecture), weights, { exact: true });
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('StitchedModel has been disposed');
  }

  private cfg(a: number): ViTConfig {
    return this.architecture.anchors.find((x) => x.index === a)!.config;
  }

  private get(name: string): tf.Variable {
    return this.vars.get(name)!;
  }

  /** Tokens [B, N, D_end] after the last block (before the final LayerNorm). */
  hidden(x: tf.Tensor): tf.Tensor3D {
    this.assertLive();
    const { segments } = this.architecture;
    return tf.tidy(() => {
      const first = segments[0]!;
      const p0 = `anchors.${first.anchor}.`;
      let h = vitEmbed(this.cfg(first.anchor), {
        patchW: this.get(p0 + 'patch_embed.proj.weight') as tf.Tensor2D,
        patchB: this.get(p0 + 'patch_embed.proj.bias') as tf.Tensor1D,
        cls: this.get(p0 + 'cls_token'),
        pos: this.get(p0 + 'pos_embed'),
      }, x);
      segments.forEach((seg, i) => {
        const c = this.cfg(seg.anchor);
        const get = (n: string) => this.get(`anchors.${seg.anchor}.${n}`);
        for (let b = seg.start; b < seg.end; b++) h = vitBlock(c, vitBlockWeights(get, b), h, `block ${b}`);
        if (i < segments.length - 1) {
          const [B, N, D] = h.shape;
          const w = this.get(`stitches.${i}.weight`) as tf.Tensor2D;
          const bias = this.get(`stitches.${i}.bias`) as tf.Tensor1D;
          const prev = h;
          h = tf.tidy(() => tf.reshape(tf.tidy(() => dense(tf.reshape(prev, [B * N, D]) as tf.Tensor2D, w, bias)), [B, N, w.shape[1]]) as tf.Tensor3D);
        }
      });
      return h;
    });
  }

  private headWeights() {
    const last = this.architecture.segments[this.architecture.segments.length - 1]!;
    const p = `anchors.${last.anchor}.`;
    return {
      config: this.cfg(last.anchor),
      w: {
        normW: this.get(p + 'norm.weight') as tf.Tensor1D,
        normB: this.get(p + 'norm.bias') as tf.Tensor1D,
        headW: this.get(p + 'head.weight') as tf.Tensor2D,
        headB: this.get(p + 'head.bias') as tf.Tensor1D,
      },
    };
  }

  /** Logits [B, numClasses]. */
  forward(x: tf.Tensor): tf.Tensor2D {
    const { config, w } = this.headWeights();
    return tf.tidy(() => vitHead(config, w, this.hidden(x)));
  }

  /** Penultimate features [B, D_end]: CLS after the end anchor's final LayerNorm. */
  features(x: tf.Tensor): tf.Tensor2D {
    const { config, w } = this.headWeights();
    return tf.tidy(() => vitClsFeatures(config, w, this.hidden(x)));
  }

  /** MACs per image (fvcore convention): the sum of the parts, incl. N·D_in·D_out per stitch. */
  flops(): number {
    const { segments, stitches } = this.architecture;
    const N = numTokens(this.cfg(segments[0]!.anchor));
    let total = embedMacs(this.cfg(segments[0]!.anchor));
    for (const s of segments) total += (s.end - s.start) * blockMacs(N, this.cfg(s.anchor).dim, this.cfg(s.anchor).mlpRatio);
    for (const s of stitches) total += stitchMacs(N, s.dimIn, s.dimOut);
    return total + headMacs(this.cfg(segments[segments.length - 1]!.anchor));
  }

  /**
   * Scalars stored (everything the path needs, CLS token and position embedding included; the
   * SNNet's `params(id)` follows the official convention, which leaves those two out).
   */
  countParams(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  params(): NamedVariables {
    this.assertLive();
    return this.vars;
  }

  async getWeights(): Promise<Map<string, Float32Array>> {
    this.assertLive();
    const out = new Map<string, Float32Array>();
    for (const [n, v] of this.vars) out.set(n, ((await v.data()) as Float32Array).slice());
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.vars.values()) v.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}

/** The architecture and weights of one configuration of `net` (LoRA merged). */
export async function extractStitch(net: SNNet, configId: number): Promise<{ architecture: StitchArchitecture; weights: Map<string, Float32Array> }> {
  const c = net.config(configId);
  const architecture: StitchArchitecture = {
    kind: 'stitch',
    method: net.method,
    configId: c.id,
    label: c.label,
    family: c.family,
    anchors: [...new Set(c.segments.map((s) => s.anchor))].sort((a, b) => a - b).map((index) => ({ index, config: { ...net.anchors[index]!.config } })),
    segments: c.segments.map((s) => ({ ...s })),
    stitches: c.stitches.map((id) => ({ id, dimIn: net.layer(id).dimIn, dimOut: net.layer(id).dimOut })),
  };
  const all = net.allParams();
  const weights = new Map<string, Float32Array>();
  for (const { name } of stitchWeightShapes(architecture)) {
    const m = /^stitches\.(\d+)\.(weight|bias)$/.exec(name);
    if (m) {
      const merged = await net.layer(c.stitches[Number(m[1])]!).mergedWeights();
      weights.set(name, m[2] === 'weight' ? merged.weight : merged.bias);
    } else {
      weights.set(name, ((await all.get(name)!.data()) as Float32Array).slice());
    }
  }
  return { architecture, weights };
}

/** Serialises one configuration as an 'anchorage-stitch/1' manifest + weight buffer. */
export async function serializeStitch(net: SNNet, configId: number): Promise<{ manifest: StitchManifest; weights: Uint8Array }> {
  const { architecture, weights } = await extractStitch(net, configId);
  const { entries, buffer } = packWeights(stitchWeightShapes(architecture).map(({ name, shape }) => ({ name, shape, values: weights.get(name)! })));
  return { manifest: { format: STITCH_MODEL_FORMAT, architecture, weights: entries }, weights: buffer };
}

/** Serialises a {@link StitchedModel} (e.g. a fine-tuned stitch) as an 'anchorage-stitch/1' manifest + weight buffer. */
export async function serializeStitchedModel(model: StitchedModel): Promise<{ manifest: StitchManifest; weights: Uint8Array }> {
  const values = await model.getWeights();
  const architecture = model.architecture;
  const { entries, buffer } = packWeights(stitchWeightShapes(architecture).map(({ name, shape }) => ({ name, shape, values: values.get(name)! })));
  return { manifest: { format: STITCH_MODEL_FORMAT, architecture, weights: entries }, weights: buffer };
}

/** Writes configuration `configId` of `net` to `dir` as a standalone model ('anchorage-stitch/1'). */
export async function exportStitch(net: SNNet, configId: number, dir: string): Promise<StitchManifest> {
  const { manifest, weights } = await serializeStitch(net, configId);
  await writeModelFiles(dir, manifest, weights);
  return manifest;
}

/** Rebuilds a {@link StitchedModel} from an 'anchorage-stitch/1' manifest and its weight bytes. */
export function deserializeStitchedModel(manifestJson: unknown, weights: Uint8Array): StitchedModel {
  if (typeof manifestJson !== 'object' || manifestJson === null) throw new Error('model.json: not an object');
  const m = manifestJson as Partial<StitchManifest>;
  if (m.format !== STITCH_MODEL_FORMAT) throw new Error(`model.json: unsupported format ${JSON.stringify(m.format)} (expected ${STITCH_MODEL_FORMAT})`);
  const architecture = validateStitchArchitecture(m.architecture);
  const expected = new Map(stitchWeightShapes(architecture).map((s) => [s.name, s.shape]));
  for (const w of m.weights ?? []) {
    const shape = expected.get(w?.name);
    if (!shape) throw new Error(`model.json: unexpected weight ${JSON.stringify(w?.name)}`);
    if (!Array.isArray(w.shape) || w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) throw new Error(`model.json: ${w.name} has shape [${String(w.shape)}], expected [${shape}]`);
  }
  return new StitchedModel(architecture, unpackWeights(m.weights as WeightEntry[], weights));
}

// ---------------------------------------------------------------------------------------------
// Whole networks.

export interface SNNetManifest {
  format: typeof SNNET_FORMAT;
  /** Anchor configurations, small → large (the SNNet's order). */
  anchors: ViTConfig[];
  options: ResolvedSNNetOptions;
  stitchingInitialized: boolean;
  weights: WeightEntry[];
}

/** Serialises every weight of `net` (names from `allParams()`). */
export async function serializeSNNet(net: SNNet): Promise<{ manifest: SNNetManifest; weights: Uint8Array }> {
  const values = await net.getWeights();
  const all = net.allParams();
  const { entries, buffer } = packWeights([...all].map(([name, v]) => ({ name, shape: [...v.shape], values: values.get(name)! })));
  return {
    manifest: { format: SNNET_FORMAT, anchors: net.anchorConfigs(), options: { ...net.options }, stitchingInitialized: net.stitchingInitialized, weights: entries },
    weights: buffer,
  };
}

/** Builds an SNNet from a manifest and named weights (every anchor and layer weight required). */
export function snnetFromWeights(manifestJson: unknown, values: ReadonlyMap<string, Float32Array>): SNNet {
  if (typeof manifestJson !== 'object' || manifestJson === null) throw new Error('model.json: not an object');
  const m = manifestJson as Partial<SNNetManifest>;
  if (m.format !== SNNET_FORMAT) throw new Error(`model.json: unsupported format ${JSON.stringify(m.format)} (expected ${SNNET_FORMAT})`);
  if (!Array.isArray(m.anchors) || m.anchors.length === 0) throw new Error('model.json: anchors must be a non-empty array');
  const options = resolveSNNetOptions(m.options as ResolvedSNNetOptions);
  const anchors: ViT[] = [];
  try {
    m.anchors.forEach((cfg, i) => {
      const prefix = `anchors.${i}.`;
      const w = new Map<string, Float32Array>();
      for (const [n, v] of values) if (n.startsWith(prefix)) w.set(n.slice(prefix.length), v);
      anchors.push(new ViT(validateViTConfig(cfg), { weights: w }));
    });
    const layerWeights = new Map([...values].filter(([n]) => n.startsWith('stitches.')));
    const net = new SNNet(anchors, options, { layerWeights });
    const all = net.allParams();
    const missing = [...all.keys()].filter((n) => !values.has(n));
    const unknown = [...values.keys()].filter((n) => !all.has(n));
    if (missing.length > 0 || unknown.length > 0) {
      net.dispose();
      throw new Error(`SN-Net weights do not match its architecture (missing: ${missing.slice(0, 3).join(', ') || 'none'}; unexpected: ${unknown.slice(0, 3).join(', ') || 'none'})`);
    }
    net.stitchingInitialized = m.stitchingInitialized === true;
    return net;
  } catch (err) {
    for (const a of anchors) if (!a.isDisposed) a.dispose();
    throw err;
  }
}

/** Rebuilds an SNNet from an 'anchorage-snnet/1' manifest and weight bytes. */
export function deserializeSNNet(manifestJson: unknown, weights: Uint8Array): SNNet {
  const m = manifestJson as Partial<SNNetManifest> | null;
  if (m?.format !== SNNET_FORMAT) throw new Error(`model.json: unsupported format ${JSON.stringify(m?.format)} (expected ${SNNET_FORMAT})`);
  return snnetFromWeights(m, unpackWeights(m.weights as WeightEntry[], weights));
}

/** Writes the whole stitched network to `dir` ('anchorage-snnet/1'). */
export async function saveSNNet(net: SNNet, dir: string): Promise<SNNetManifest> {
  const { manifest, weights } = await serializeSNNet(net);
  await writeModelFiles(dir, manifest, weights);
  return manifest;
}

/** Loads a network saved by {@link saveSNNet}; weights are restored exactly. */
export async function loadSNNet(dir: string): Promise<SNNet> {
  const { manifest, weights } = await readModelFiles(dir);
  return deserializeSNNet(manifest, weights);
}
