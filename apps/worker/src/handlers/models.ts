// Loading a registered model from the artifact store, whatever produced it: a saved ViT or stitched
// model folder, or one configuration of a trained SN-Net (an exported stitch refers to its run's
// SN-Net and a configuration id, so export needs no tensor work in the API).
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractStitch, loadModel, loadSNNet, StitchedModel, ViT, type EvaluableModel } from '@anchorage/ml';
import { NonRetryableError, ValidationError } from '../errors.js';

export type LoadedModel = EvaluableModel & { dispose(): void };

/** One model as the coordinator passes it in StartAttempt `inputs_json`. */
export interface ModelInput {
  id: string;
  /** The registered name (the coordinator sends it; older inputs may lack it). */
  name?: string;
  artifactUri: string;
  architecture?: unknown;
  lineage?: { data?: { dataset?: string; testFraction?: number; seed?: number }; [key: string]: unknown } | null;
}

/** Accepts a JSON object or its JSON text (as stored in `lineage_json`). */
function asObject(value: unknown): Record<string, unknown> | undefined {
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function resolveModelInput(inputs: Record<string, unknown>, modelId: string): ModelInput {
  const models = asObject(inputs.models);
  const model = asObject(models?.[modelId]);
  if (!model || typeof model.artifactUri !== 'string' || model.artifactUri === '') {
    throw new ValidationError(`model ${modelId} was not resolved by the coordinator (no artifactUri in inputs)`);
  }
  return {
    id: typeof model.id === 'string' ? model.id : modelId,
    ...(typeof model.name === 'string' ? { name: model.name } : {}),
    artifactUri: model.artifactUri,
    architecture: asObject(model.architecture) ?? model.architecture,
    lineage: (asObject(model.lineage) as ModelInput['lineage']) ?? null,
  };
}

/** Local folder of a `file://` artifact URI. */
export function artifactPath(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ValidationError(`artifact URI ${JSON.stringify(uri)} is not a URL`);
  }
  if (url.protocol !== 'file:') throw new NonRetryableError(`artifact URI scheme ${url.protocol} is not supported by this worker`, 'UnsupportedArtifactError');
  return fileURLToPath(url);
}

/**
 * The folder of an artifact URI, if it lies inside the artifact store once symlinks are followed
 * (a stored URI or a link planted in the store cannot make the worker read elsewhere).
 */
export async function storePath(uri: string, artifactsDir: string): Promise<string> {
  const path = artifactPath(uri);
  const root = await realpath(artifactsDir);
  const real = await realpath(path).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(path) : Promise.reject(err)));
  const inside = relative(root, real);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
    throw new NonRetryableError(`artifact ${JSON.stringify(uri)} is outside the artifact store ${root}`, 'UnsafeArtifactPathError');
  }
  return real;
}

export async function loadRegisteredModel(input: ModelInput, artifactsDir: string): Promise<LoadedModel> {
  const dir = await storePath(input.artifactUri, artifactsDir);
  const architecture = asObject(input.architecture);
  try {
    if (architecture?.format === 'snnet-stitch') {
      const net = await loadSNNet(dir);
      try {
        const { architecture: stitch, weights } = await extractStitch(net, Number(architecture.stitchId));
        return new StitchedModel(stitch, weights);
      } finally {
        net.dispose();
      }
    }
    return await loadModel(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NonRetryableError(`model ${input.id}: no saved model at ${dir}`, 'ModelNotFoundError', { cause: err });
    }
    throw err;
  }
}

/** Loads the anchors of a stitch run, in the given order; each must be a ViT. */
export async function loadAnchors(inputs: Record<string, unknown>, ids: string[], artifactsDir: string): Promise<ViT[]> {
  const anchors: ViT[] = [];
  try {
    for (const id of ids) {
      const model = await loadRegisteredModel(resolveModelInput(inputs, id), artifactsDir);
      if (!(model instanceof ViT)) {
        model.dispose();
        throw new ValidationError(`model ${id} is not a ViT anchor; stitching needs ViT anchors`);
      }
      anchors.push(model);
    }
    return anchors;
  } catch (err) {
    for (const a of anchors) a.dispose();
    throw err;
  }
}
