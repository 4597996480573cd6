#!/usr/bin/env node
// SN-Net's claim: one stitching run yields the whole accuracy/FLOPs frontier for about the cost of
// training one network. Measures the time and test accuracy of the stitched frontier produced by ONE
// SN-Net training run against training EACH configuration separately to the same step budget.
//
//   npm run bench:snnet-claim                  (builds first)
//   npx tsc -b packages/ml && node bench/snnet-claim.mjs [--pretrain-steps 300] [--steps 200] \
//       [--batch 64] [--lr 5e-4] [--seed 0] [--eval-batch 256]
//
// Setup (shared, reported but counted in neither arm): the MNIST anchors vit-ti and vit-s (widths
// 32/64, depth 4, patch 7, init 'fan-in') are pretrained with trainClassifier for --pretrain-steps
// steps (batch --batch, lr 3e-3, wd 0.05, warm-up min(50, steps/10)), and their weights are kept as
// Float32Arrays. SN-Net v1 over the two (window 2, stride 1): 3·4−2 = 10 stitched configurations
// plus the 2 anchors = 12 configurations.
// - Arm A (SN-Net): fresh ViTs from the pretrained weights, one SNNet, least-squares initialisation
//   of the stitching layers (100 training images), trainSNNet for --steps S with uniform sampling over
//   all 12 configurations (anchors included), then evaluateStitches for every configuration.
// - Arm B (separate): for each configuration c (the 10 stitches and the 2 anchors, so that both arms
//   have the same points), fresh ViTs from the same weights, a fresh SNNet, least-squares
//   initialisation (stitches only; an anchor path uses no stitching layer), trainSNNet with
//   configIds [c] for the same S steps, then evaluate c only. Everything is disposed after each c
//   (checked with tf.memory().numTensors).
// Both arms use the stitch run's defaults: batch 64, AdamW lr --lr (5e-4) with wd 0.05, warm-up
// min(50, S/10) + cosine, offPathUpdates 'skip', the same seed (same batch order), no distillation.
// Reported: per configuration MACs/image and top-1 on the MNIST test split (2,000 images) in each
// arm; each arm's Pareto frontier (top-1 vs MACs, paretoFrontier); mean/min/max of top-1 A − B; the
// frontier gap (for each arm-B frontier point, the best arm-A top-1 at ≤ its MACs, minus its top-1);
// training time (least squares + training loop) of A and of B summed over configurations, the cost
// ratio B/A, and the ratios of training steps and of forward MACs. Evaluation time is reported
// separately (the same work per configuration in both arms). Wasm backend, single-threaded.
// Exits 3 when packages/ml is not built, 1 on bad options or when tensors leak.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

const here = path.dirname(fileURLToPath(import.meta.url));

const { values: args } = parseArgs({
  options: {
    'pretrain-steps': { type: 'string', default: '300' },
    steps: { type: 'string', default: '200' },
    batch: { type: 'string', default: '64' },
    lr: { type: 'string', default: '5e-4' },
    seed: { type: 'string', default: '0' },
    'eval-batch': { type: 'string', default: '256' },
  },
});
function positiveInt(name) {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < 1) {
    console.error(`--${name} must be a positive integer (got ${args[name]})`);
    process.exit(1);
  }
  return v;
}
const PRETRAIN_STEPS = positiveInt('pretrain-steps');
const STEPS = positiveInt('steps');
const BATCH = positiveInt('batch');
const EVAL_BATCH = positiveInt('eval-batch');
const SEED = Number(args.seed);
const LR = Number(args.lr);
if (!Number.isInteger(SEED) || SEED < 0) {
  console.error(`--seed must be a non-negative integer (got ${args.seed})`);
  process.exit(1);
}
if (!(LR > 0 && LR <= 1)) {
  console.error(`--lr must be in (0, 1] (got ${args.lr})`);
  process.exit(1);
}
const PRETRAIN_LR = 3e-3;
const WEIGHT_DECAY = 0.05;
const INIT_IMAGES = 100;
const ANCHOR_PRESETS = ['vit-ti', 'vit-s'];

let ml;
try {
  ml = await import(path.join(here, '..', 'packages', 'ml', 'dist', 'index.js'));
} catch (err) {
  console.error(`packages/ml is not built (${err.message.split('\n')[0]}); run: npx tsc -b packages/ml`);
  process.exit(3);
}
const { tf } = ml;
const backend = await ml.initBackend('wasm');
if (backend.backend !== 'wasm') {
  console.error(`expected the wasm backend, got ${backend.backend}`);
  process.exit(1);
}

const started = performance.now();
const seconds = (t0) => (performance.now() - t0) / 1000;
const pct = (x) => (x * 100).toFixed(2);
const pts = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}`;
const mmacs = (f) => (f / 1e6).toFixed(2);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const warmup = (steps) => Math.min(50, Math.floor(steps / 10));

const { train, test } = ml.loadMnist({ seed: SEED });
console.log(`SN-Net claim: one stitch run vs each configuration trained separately; tfjs ${tf.version_core} on ${backend.backend} (${backend.detail})`);
console.log(`MNIST ${train.count} train / ${test.count} test images; batch ${BATCH}, ${STEPS} steps per run, lr ${LR}, seed ${SEED}\n`);

// 1. Shared: pretrain the anchors (not counted in either arm).
const pretrained = [];
let pretrainSeconds = 0;
for (const [i, name] of ANCHOR_PRESETS.entries()) {
  const config = ml.vitPreset(name);
  const model = ml.createViT(config, { seed: SEED + i, init: 'fan-in' });
  const t0 = performance.now();
  await ml.trainClassifier({
    model,
    data: train,
    steps: PRETRAIN_STEPS,
    batchSize: BATCH,
    learningRate: PRETRAIN_LR,
    weightDecay: WEIGHT_DECAY,
    warmupSteps: warmup(PRETRAIN_STEPS),
    seed: SEED + i,
  });
  const s = seconds(t0);
  pretrainSeconds += s;
  const ev = await ml.evaluateClassifier(model, test, { batchSize: EVAL_BATCH });
  pretrained.push({ name, config, weights: await model.getWeights() });
  model.dispose();
  console.log(`pretrain ${name}: ${PRETRAIN_STEPS} steps in ${s.toFixed(1)} s, test top-1 ${pct(ev.accuracy)}%`);
}
console.log(`pretraining (shared, not counted): ${pretrainSeconds.toFixed(1)} s\n`);

const buildNet = () =>
  new ml.SNNet(
    pretrained.map((p) => ml.createViT(p.config, { weights: p.weights })),
    { method: 'v1', seed: SEED },
  );
const trainOptions = {
  data: train,
  steps: STEPS,
  batchSize: BATCH,
  learningRate: LR,
  weightDecay: WEIGHT_DECAY,
  warmupSteps: warmup(STEPS),
  sampling: 'uniform',
  offPathUpdates: 'skip',
  initStitching: false,
  seed: SEED,
};
/** Least-squares initialisation as trainSNNet would run it (same images). */
async function initStitching(net) {
  const t0 = performance.now();
  await net.initializeStitching(train, { count: INIT_IMAGES, seed: ml.deriveSeed(SEED, 'stitch-init') });
  return seconds(t0);
}

const baseTensors = tf.memory().numTensors;
let leaked = false;
function checkTensors(where) {
  const n = tf.memory().numTensors;
  if (n !== baseTensors) {
    leaked = true;
    console.log(`  !! ${where}: ${n} live tensors, ${baseTensors} before`);
  }
}

// 2. Arm A: one SN-Net run over every configuration.
const netA = buildNet();
const configs = netA.configurations().map((c) => ({ id: c.id, kind: c.kind, label: c.label, flops: netA.flops(c.id) }));
const stitchCount = configs.filter((c) => c.kind === 'stitch').length;
console.log(`SN-Net v1 over ${ANCHOR_PRESETS.join(' / ')}: ${configs.length} configurations (${stitchCount} stitched, ${configs.length - stitchCount} anchors), ${netA.layers.size} stitching layers`);
const a = { init: await initStitching(netA) };
let t0 = performance.now();
const trainedA = await ml.trainSNNet({ net: netA, ...trainOptions });
a.train = seconds(t0);
t0 = performance.now();
const resultsA = await ml.evaluateStitches(netA, test, { batchSize: EVAL_BATCH, latency: false });
a.eval = seconds(t0);
netA.dispose();
checkTensors('after arm A');
a.total = a.init + a.train;
a.steps = trainedA.steps;
a.macs = Object.entries(trainedA.configCounts).reduce((s, [id, n]) => s + n * configs[Number(id)].flops, 0);
console.log(`arm A: least squares ${a.init.toFixed(1)} s + training ${a.train.toFixed(1)} s (${trainedA.msPerStep.toFixed(0)} ms/step); evaluation of ${resultsA.length} configurations ${a.eval.toFixed(1)} s\n`);

// 3. Arm B: each configuration separately, same steps, seed and options.
const b = { init: 0, train: 0, eval: 0, steps: 0, macs: 0 };
const resultsB = [];
for (const c of configs) {
  const net = buildNet();
  const init = c.kind === 'stitch' ? await initStitching(net) : 0;
  t0 = performance.now();
  const trained = await ml.trainSNNet({ net, ...trainOptions, configIds: [c.id] });
  const tr = seconds(t0);
  t0 = performance.now();
  const [r] = await ml.evaluateStitches(net, test, { batchSize: EVAL_BATCH, latency: false, configIds: [c.id] });
  const ev = seconds(t0);
  net.dispose();
  resultsB.push(r);
  b.init += init;
  b.train += tr;
  b.eval += ev;
  b.steps += trained.steps;
  b.macs += trained.steps * c.flops;
  console.log(`arm B ${String(c.id).padStart(2)} ${c.label}: least squares ${init.toFixed(1)} s + training ${tr.toFixed(1)} s, top-1 ${pct(r.top1)}%`);
  checkTensors(`after arm B configuration ${c.id}`);
}
b.total = b.init + b.train;
console.log(`arm B: least squares ${b.init.toFixed(1)} s + training ${b.train.toFixed(1)} s over ${configs.length} runs; evaluation ${b.eval.toFixed(1)} s\n`);

// 4. Report.
const byIdA = new Map(resultsA.map((r) => [r.id, r]));
const byIdB = new Map(resultsB.map((r) => [r.id, r]));
const rows = configs.map((c) => {
  const ra = byIdA.get(c.id);
  const rb = byIdB.get(c.id);
  return { ...c, stepsA: trainedA.configCounts[c.id] ?? 0, top1A: ra.top1, top1B: rb.top1, diff: ra.top1 - rb.top1 };
});
console.log(`per configuration (top-1 on the ${test.count} test images; A − B in percentage points; A steps = times sampled in arm A, B trains each for ${STEPS})`);
console.log('| id | configuration | MACs/image | A steps | top-1 A | top-1 B | A − B |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.id} | ${r.label} | ${mmacs(r.flops)} M | ${r.stepsA} | ${pct(r.top1A)}% | ${pct(r.top1B)}% | ${pts(r.diff)} |`);
}

const frontierA = ml.paretoFrontier(resultsA);
const frontierB = ml.paretoFrontier(resultsB);
const showFrontier = (name, f) =>
  console.log(`frontier ${name} (${f.length} points): ${f.map((r) => `#${r.id} ${mmacs(r.flops)} M ${pct(r.top1)}%`).join(' · ')}`);
console.log('');
showFrontier('A (SN-Net)', frontierA);
showFrontier('B (separate)', frontierB);

const summarize = (xs) => `mean ${pts(mean(xs))}, min ${pts(Math.min(...xs))}, max ${pts(Math.max(...xs))} pts`;
const stitchDiffs = rows.filter((r) => r.kind === 'stitch').map((r) => r.diff);
const anchorDiffs = rows.filter((r) => r.kind === 'anchor').map((r) => r.diff);
console.log('');
console.log(`top-1 A − B over all ${rows.length} configurations: ${summarize(rows.map((r) => r.diff))}`);
console.log(`  stitched (${stitchDiffs.length}): ${summarize(stitchDiffs)}; anchors (${anchorDiffs.length}): ${summarize(anchorDiffs)}`);
/** Best top-1 among `results` at ≤ `flops` MACs (−Infinity if none). */
const bestAtMost = (results, flops) => results.reduce((best, r) => (r.flops <= flops && r.top1 > best ? r.top1 : best), -Infinity);
const gapsAB = frontierB.map((p) => bestAtMost(resultsA, p.flops) - p.top1);
const gapsBA = frontierA.map((p) => bestAtMost(resultsB, p.flops) - p.top1);
console.log(`frontier gap, for each B frontier point: best A top-1 at ≤ its MACs − its top-1: ${summarize(gapsAB)}`);
console.log(`  (the other way, for each A frontier point: best B at ≤ its MACs − its top-1: ${summarize(gapsBA)})`);
const bestA = Math.max(...resultsA.map((r) => r.top1));
const bestB = Math.max(...resultsB.map((r) => r.top1));
console.log(`best top-1: A ${pct(bestA)}%, B ${pct(bestB)}%`);

console.log('');
console.log('cost of producing the frontier (least squares + training; pretraining and evaluation excluded)');
console.log(`  A, one SN-Net run:       ${a.total.toFixed(1).padStart(8)} s  (${a.steps} steps; Σ over steps of the trained path's MACs/image: ${(a.macs / 1e9).toFixed(2)} G)`);
console.log(`  B, ${String(configs.length).padStart(2)} separate runs:   ${b.total.toFixed(1).padStart(8)} s  (${b.steps} steps; Σ over steps of the trained path's MACs/image: ${(b.macs / 1e9).toFixed(2)} G)`);
console.log(`  ratio B/A: time ${(b.total / a.total).toFixed(2)}×, steps ${(b.steps / a.steps).toFixed(2)}×, forward MACs ${(b.macs / a.macs).toFixed(2)}×`);
console.log(`  evaluation (not counted): A ${a.eval.toFixed(1)} s, B ${b.eval.toFixed(1)} s; pretraining (shared): ${pretrainSeconds.toFixed(1)} s`);
console.log(`wall time ${seconds(started).toFixed(0)} s; live tensors ${tf.memory().numTensors} (${baseTensors} before the arms)`);
if (leaked) {
  console.error('tensors leaked between configurations (see the !! lines)');
  process.exitCode = 1;
}
