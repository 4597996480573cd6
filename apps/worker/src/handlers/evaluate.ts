// evaluate: top-1 accuracy and loss of a registered model on a test split (by default the split the
// model was trained on, from its lineage). The coordinator resolves the model into `inputs.models`.
import { fileURLToPath } from 'node:url';
import type { EvaluateSpec } from '@anchorage/contracts';
import { evaluateClassifier, initBackend, loadMnist, loadModel } from '@anchorage/ml';
import { NonRetryableError, ValidationError } from '../errors.js';
import type { Handler } from './types.js';

/** One model as the coordinator passes it in StartAttempt `inputs_json`. */
export interface ModelInput {
  id: string;
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
 * The split to evaluate on: `spec.data` when given (note: the catalog fills its defaults, so a
 * partial `data` is completed with the catalog defaults, not with the lineage), else the split in the
 * model's lineage, else the catalog default.
 */
export function evaluationSplit(spec: EvaluateSpec, model: ModelInput): { dataset: 'mnist'; testFraction: number; seed: number } {
  const lineage = model.lineage?.data ?? {};
  const dataset = spec.data?.dataset ?? lineage.dataset ?? 'mnist';
  if (dataset !== 'mnist') throw new ValidationError(`dataset ${JSON.stringify(dataset)} is not supported`);
  return {
    dataset: 'mnist',
    testFraction: spec.data?.testFraction ?? lineage.testFraction ?? 0.2,
    seed: spec.data?.seed ?? lineage.seed ?? 0,
  };
}

export const evaluateHandler: Handler<EvaluateSpec> = async ({ spec, inputs, signal, report }) => {
  const started = Date.now();
  const input = resolveModelInput(inputs, spec.modelId);
  const dir = artifactPath(input.artifactUri);
  const backend = await initBackend();
  report.log('info', `TensorFlow.js backend: ${backend.backend}`);

  const split = evaluationSplit(spec, input);
  const data = loadMnist({ seed: split.seed, testFraction: split.testFraction });
  let model;
  try {
    model = await loadModel(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NonRetryableError(`model ${spec.modelId}: no saved model at ${dir}`, 'ModelNotFoundError', { cause: err });
    throw err;
  }
  try {
    report.log('info', `evaluating model ${spec.modelId} on ${data.test.count} MNIST test images (split seed ${split.seed}, test fraction ${split.testFraction})`);
    report.progress(0);
    const res = await evaluateClassifier(model, data.test, { batchSize: spec.batchSize, signal });
    report.metric('test/accuracy', 0, res.accuracy);
    report.metric('test/loss', 0, res.loss);
    report.progress(1);
    return {
      result: { modelId: spec.modelId, accuracy: res.accuracy, loss: res.loss, count: res.count, durationMs: Date.now() - started },
    };
  } finally {
    model.dispose();
  }
};
