// stitch: turn anchors into one SN-Net (v1 or v2): least-squares initialised stitching layers, one
// sampled configuration per step, checkpoints to the artifact store, then every configuration
// evaluated on the test split. The coordinator stores the evaluations and marks the frontier.
// A new attempt resumes from the newest checkpoint; a worker that stops mid-run saves one first.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { paretoFrontier, spearman, type StitchSpec } from '@anchorage/contracts';
import type { StitchEvaluation } from '@anchorage/proto';
import {
  evaluateStitches,
  initBackend,
  loadCheckpoint,
  loadMnist,
  restoreSNNet,
  saveCheckpoint,
  saveSNNet,
  snnetCheckpoint,
  SNNet,
  trainSNNet,
  type SNNetCheckpoint,
  type SNNetTrainerState,
  type StitchResult,
} from '@anchorage/ml';
import { throwIfAborted } from '../errors.js';
import { checkpointOnShutdown, checkpointsDir, loadLatestCheckpoint, runDir, storeCheckpoint } from './checkpoints.js';
import { loadAnchors, resolveModelInput } from './models.js';
import { reportTrainingStep, type Handler } from './types.js';

/** Fraction of the progress bar spent training; evaluating every stitch takes the rest. */
const TRAIN_SHARE = 0.7;

export const stitchHandler: Handler<StitchSpec> = async (ctx) => {
  const { spec, inputs, signal, report, artifactsDir, runId } = ctx;
  const started = Date.now();
  const backend = await initBackend();
  const anchorIds = spec.anchors as string[];
  const first = resolveModelInput(inputs, anchorIds[0]);
  const lineage = first.lineage?.data ?? {};
  const split = {
    dataset: 'mnist',
    testFraction: spec.data?.testFraction ?? lineage.testFraction ?? 0.2,
    seed: spec.data?.seed ?? lineage.seed ?? 0,
  };
  const data = loadMnist({ seed: split.seed, testFraction: split.testFraction });
  // SNNet orders anchors by width (stable), so the names are ordered the same way.
  const anchorNames = anchorIds
    .map((id, index) => {
      const arch = (resolveModelInput(inputs, id).architecture ?? {}) as { preset?: string; dim?: number };
      return { name: arch.preset ?? id, dim: arch.dim ?? 0, index };
    })
    .sort((a, b) => a.dim - b.dim || a.index - b.index)
    .map((a) => a.name);
  const checkpoints = checkpointsDir(artifactsDir, runId);

  // Resume from the newest usable checkpoint of an earlier attempt; otherwise start from the anchors.
  const found = await loadLatestCheckpoint(checkpoints, loadCheckpoint, report, ctx.resumeLimit);
  let resume: SNNetCheckpoint | undefined;
  let net: SNNet;
  if (found) {
    resume = found.checkpoint;
    net = restoreSNNet(resume);
    report.log('info', `resuming from the checkpoint at step ${resume.trainer.step}`);
  } else {
    const anchors = await loadAnchors(inputs, anchorIds, ctx.artifactsDir);
    net = new SNNet(anchors, {
      method: spec.method === 'snnet-v2' ? 'v2' : 'v1',
      windowSize: spec.window.size,
      stride: spec.window.stride,
      nearest: spec.nearest,
      lora: spec.loraRank !== undefined ? { rank: spec.loraRank } : undefined,
      seed: spec.seed,
    });
  }
  const save = async (dir: string, state: SNNetTrainerState) => saveCheckpoint(dir, await snnetCheckpoint(net, state));
  try {
    const configurations = net.configurations();
    report.log(
      'info',
      `SN-Net ${spec.method} over ${net.anchors.length} anchors (widths ${net.anchors.map((a) => a.dim).join('/')}): ` +
        `${configurations.length} configurations, ${net.layers.size} stitching layers; backend ${backend.backend}`,
    );

    const trained = await trainSNNet({
      net,
      data: data.train,
      steps: spec.steps,
      batchSize: spec.batchSize,
      learningRate: spec.learningRate,
      weightDecay: spec.weightDecay,
      warmupSteps: spec.warmupSteps,
      sampling: spec.sampling,
      flopsGap: spec.flopsGap,
      trainAnchors: spec.trainAnchors,
      offPathUpdates: spec.offPathUpdates,
      distill: spec.distillAlpha !== undefined ? { teacher: 'largest-anchor', alpha: spec.distillAlpha } : undefined,
      initStitching: resume ? false : { count: spec.initBatch },
      seed: spec.seed,
      signal,
      resume,
      logEvery: spec.metricsEvery,
      onStep: (s) => reportTrainingStep(report, s, TRAIN_SHARE),
      checkpointEvery: spec.checkpointEvery,
      onCheckpoint: (state) => storeCheckpoint(ctx, checkpoints, state.step, (dir) => save(dir, state)),
      checkpointOnAbort: checkpointOnShutdown(ctx, checkpoints, save),
    });
    throwIfAborted(signal);

    const latency = spec.evaluation.latency;
    const results = await evaluateStitches(net, data.test, {
      batchSize: spec.evaluation.batchSize,
      latency: latency === false ? false : { batchSize: latency.batchSize, warmup: latency.warmup, runs: latency.runs },
      signal,
      onStitch: (r, i, total) => {
        report.metric('stitch/accuracy', r.id, r.top1);
        report.progress(TRAIN_SHARE + ((1 - TRAIN_SHARE) * 0.95 * (i + 1)) / total);
      },
    });
    throwIfAborted(signal);

    const snnetDir = join(runDir(artifactsDir, runId), 'snnet');
    await saveSNNet(net, snnetDir);
    report.progress(1);

    const stitchesOnly = results.filter((r) => r.kind === 'stitch');
    const best = results.reduce((a, b) => (b.top1 > a.top1 ? b : a));
    const rho = stitchesOnly.length > 1 ? spearman(stitchesOnly.map((r) => r.flops), stitchesOnly.map((r) => r.top1)) : NaN;
    return {
      result: {
        method: spec.method,
        anchors: anchorIds,
        artifactUri: pathToFileURL(`${snnetDir}/`).href,
        data: split,
        configurations: results.length,
        frontier: paretoFrontier(results).map((r) => r.id),
        spearman: Number.isFinite(rho) ? rho : null,
        best: { stitchId: best.id, label: best.label, accuracy: best.top1, flops: best.flops },
        trainSteps: trained.steps,
        durationMs: Date.now() - started,
      },
      stitches: results.map((r) => toEvaluation(r, backend.backend, anchorNames)),
    };
  } finally {
    net.dispose();
  }
};

function toEvaluation(r: StitchResult, backend: string, anchorNames: string[]): StitchEvaluation {
  return {
    stitchId: r.id,
    // Labels name anchors A0, A1, … (smallest first); show their presets instead.
    label: r.label.replace(/\bA(\d+)\b/g, (token, i: string) => anchorNames[Number(i)] ?? token),
    kind: r.kind,
    configurationJson: JSON.stringify({ family: r.family, path: r.path, stitches: r.stitches }),
    flops: r.flops,
    params: r.params,
    accuracy: r.top1,
    top5: r.top5,
    loss: r.loss,
    latencyMs: r.latencyMs?.median ?? -1,
    latencyJson: r.latencyMs ? JSON.stringify({ ...r.latencyMs, backend }) : '',
  };
}
