/**
 * SN-Net training checkpoints: the whole network (every anchor and stitching layer), the optimizer
 * state (Adam moments and step counters), the step and the sampler's PRNG state.
 *
 * On disk a checkpoint directory holds the network in format 'anchorage-snnet/1' (model.json +
 * weights.bin, loadable with `loadSNNet`) plus `trainer.json` (step, sampler, options, optimizer
 * counters and moment manifest) and `optimizer.bin` (first then second moments, float32 LE).
 *
 * Resume: `const ckpt = await loadCheckpoint(dir); const net = restoreSNNet(ckpt);`
 * `await trainSNNet({ net, data, ...sameOptions, resume: ckpt })`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { packWeights, readModelFiles, unpackWeights, writeFileAtomic, writeModelFiles, type WeightEntry } from '../io.js';
import { serializeSNNet, snnetFromWeights, SNNET_FORMAT, type SNNetManifest } from './export.js';
import type { SNNet } from './snnet.js';
import type { SNNetTrainerState } from './train.js';

export const CHECKPOINT_FORMAT = 'anchorage-snnet-checkpoint/1';
export const TRAINER_JSON = 'trainer.json';
export const OPTIMIZER_BIN = 'optimizer.bin';

export interface SNNetCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  net: {
    /** The network's manifest (format 'anchorage-snnet/1'; `weights` entries describe weights.bin). */
    manifest: SNNetManifest;
    /** Every weight by name (anchors and stitching layers). */
    weights: Map<string, Float32Array>;
  };
  trainer: SNNetTrainerState;
}

/** Captures `net`'s weights together with a trainer state (from `onCheckpoint`). */
export async function snnetCheckpoint(net: SNNet, trainerState: SNNetTrainerState): Promise<SNNetCheckpoint> {
  const { manifest, weights: buffer } = await serializeSNNet(net);
  const weights = unpackWeights(manifest.weights, buffer);
  return {
    format: CHECKPOINT_FORMAT,
    net: { manifest, weights },
    trainer: {
      ...trainerState,
      optimizer: { ...trainerState.optimizer, m: trainerState.optimizer.m.map((a) => a.slice()), v: trainerState.optimizer.v.map((a) => a.slice()) },
    },
  };
}

/** A new SNNet holding a checkpoint's weights (its options and anchors as saved). */
export function restoreSNNet(ckpt: SNNetCheckpoint): SNNet {
  return snnetFromWeights(ckpt.net.manifest, ckpt.net.weights);
}

interface TrainerJson extends Omit<SNNetTrainerState, 'optimizer'> {
  optimizer: Omit<SNNetTrainerState['optimizer'], 'm' | 'v'> & { moments: WeightEntry[] };
}

/** Writes a checkpoint to `dir` (each file atomically; trainer.json last). */
export async function saveCheckpoint(dir: string, ckpt: SNNetCheckpoint): Promise<void> {
  const all = [...ckpt.net.weights];
  const shapes = new Map(ckpt.net.manifest.weights.map((w) => [w.name, w.shape]));
  const { entries, buffer } = packWeights(all.map(([name, values]) => ({ name, shape: shapes.get(name) ?? [values.length], values })));
  await writeModelFiles(dir, { ...ckpt.net.manifest, weights: entries }, buffer);
  const opt = ckpt.trainer.optimizer;
  const moments = packWeights([
    ...opt.m.map((values, i) => ({ name: `${opt.names[i]}/m`, shape: [values.length], values })),
    ...opt.v.map((values, i) => ({ name: `${opt.names[i]}/v`, shape: [values.length], values })),
  ]);
  const { m: _m, v: _v, ...optRest } = opt;
  const trainer: TrainerJson = { ...ckpt.trainer, optimizer: { ...optRest, moments: moments.entries } };
  await writeFileAtomic(dir, OPTIMIZER_BIN, moments.buffer);
  await writeFileAtomic(dir, TRAINER_JSON, JSON.stringify({ format: CHECKPOINT_FORMAT, trainer }, null, 2) + '\n');
}

/** Reads a checkpoint written by {@link saveCheckpoint}. */
export async function loadCheckpoint(dir: string): Promise<SNNetCheckpoint> {
  const { manifest, weights } = await readModelFiles(dir);
  const m = manifest as SNNetManifest;
  if (m?.format !== SNNET_FORMAT) throw new Error(`${dir}: not an SN-Net checkpoint (model.json format ${JSON.stringify(m?.format)})`);
  const [json, optBin] = await Promise.all([readFile(path.join(dir, TRAINER_JSON), 'utf8'), readFile(path.join(dir, OPTIMIZER_BIN))]);
  let parsed: { format?: string; trainer?: TrainerJson };
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new Error(`${path.join(dir, TRAINER_JSON)}: invalid JSON (${(err as Error).message})`);
  }
  if (parsed.format !== CHECKPOINT_FORMAT || !parsed.trainer) throw new Error(`${path.join(dir, TRAINER_JSON)}: unsupported format ${JSON.stringify(parsed.format)}`);
  const { moments, ...optRest } = parsed.trainer.optimizer;
  const values = unpackWeights(moments, optBin, OPTIMIZER_BIN);
  const mArr: Float32Array[] = [];
  const vArr: Float32Array[] = [];
  if (moments.length > 0) {
    for (const name of optRest.names) {
      const mv = values.get(`${name}/m`);
      const vv = values.get(`${name}/v`);
      if (!mv || !vv) throw new Error(`${OPTIMIZER_BIN}: missing moments of ${name}`);
      mArr.push(mv);
      vArr.push(vv);
    }
  }
  return {
    format: CHECKPOINT_FORMAT,
    net: { manifest: m, weights: unpackWeights(m.weights, weights) },
    trainer: { ...parsed.trainer, optimizer: { ...optRest, m: mArr, v: vArr } },
  };
}
