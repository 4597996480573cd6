// evaluate: top-1 accuracy and loss of a registered model on a test split (by default the split the
// model was trained on, from its lineage). The coordinator resolves the model into `inputs.models`.
import { datasetEntry, type DatasetId, type EvaluateSpec } from '@anchorage/contracts';
import { evaluateModel, initBackend, loadTask, scalarMetrics, type LatencyResult, type MetricName } from '@anchorage/ml';
import { loadRegisteredModel, resolveModelInput, type ModelInput } from './models.js';
import { ValidationError } from '../errors.js';
import type { Handler } from './types.js';

/**
 * The split to evaluate on: `spec.data` when given (note: the catalog fills its defaults, so a
 * partial `data` is completed with the catalog defaults, not with the lineage), else the split in the
 * model's lineage (a fine-tuned model's is its task), else plain MNIST with the catalog defaults.
 */
export function evaluationSplit(spec: EvaluateSpec, model: ModelInput): { dataset: DatasetId; testFraction: number; seed: number } {
  const lineage = model.lineage?.data ?? {};
  const dataset = spec.data?.dataset ?? lineage.dataset ?? 'mnist';
  if (!datasetEntry(dataset)) throw new ValidationError(`dataset ${JSON.stringify(dataset)} is not in the registry`);
  return {
    dataset: dataset as DatasetId,
    testFraction: spec.data?.testFraction ?? lineage.testFraction ?? 0.2,
    seed: spec.data?.seed ?? lineage.seed ?? 0,
  };
}

export const evaluateHandler: Handler<EvaluateSpec> = async ({ spec, inputs, signal, report, artifactsDir }) => {
  const started = Date.now();
  const input = resolveModelInput(inputs, spec.modelId);
  const backend = await initBackend();
  report.log('info', `TensorFlow.js backend: ${backend.backend}`);

  const split = evaluationSplit(spec, input);
  const data = loadTask(split.dataset, { seed: split.seed, testFraction: split.testFraction });
  const model = await loadRegisteredModel(input, artifactsDir);
  try {
    report.log('info', `evaluating model ${spec.modelId} (${spec.metrics.join(', ')}) on ${data.test.count} ${split.dataset} test images (split seed ${split.seed}, test fraction ${split.testFraction})`);
    report.progress(0);
    // Top-1 and loss are always computed: they are the result's headline figures.
    const computed = await evaluateModel(model, data, {
      metrics: [...new Set<MetricName>(['top1', 'loss', ...spec.metrics])],
      batchSize: spec.batchSize,
      knn: spec.knn,
      linearProbe: { steps: spec.linearProbe.steps, learningRate: spec.linearProbe.learningRate, weightDecay: spec.linearProbe.weightDecay },
      latency: { batchSizes: [spec.latency.batchSize], warmupRuns: spec.latency.warmup, timedRuns: spec.latency.runs },
      signal,
      onProgress: (f) => report.progress(f),
    });
    const metrics = Object.fromEntries(spec.metrics.map((name) => [name, summarise(name, computed[name])]));
    report.metric('test/accuracy', 0, computed.top1);
    report.metric('test/loss', 0, computed.loss);
    for (const [name, value] of Object.entries(scalarMetrics(computed))) {
      if (name !== 'top1' && name !== 'loss') report.metric(`eval/${name}`, 0, value);
    }
    report.progress(1);
    return {
      result: { modelId: spec.modelId, accuracy: computed.top1, loss: computed.loss, count: data.test.count, metrics, durationMs: Date.now() - started },
    };
  } finally {
    model.dispose();
  }
};

/** Latency results are reported for the one batch size measured; other metrics as computed. */
function summarise(name: MetricName, value: unknown): unknown {
  if (name !== 'latency') return value;
  const latency = value as LatencyResult;
  const r = latency.results[0];
  return { backend: latency.backend, batchSize: r.batchSize, median: r.medianMs, p90: r.p90Ms, mean: r.meanMs };
}
