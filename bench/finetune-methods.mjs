// The five fine-tuning methods side by side on one transfer task: a ViT anchor trained on MNIST is
// adapted to a transfer task (default: digits rotated by 90°) with full fine-tuning, a linear probe,
// LoRA, the Spectral Adapter and SubTuning, each for the same number of steps. Prints test accuracy,
// trainable parameters and wall time per method, next to the untrained-head baseline measured in
// the same run.
//
//   npm run bench:finetune                     (builds first)
//   node bench/finetune-methods.mjs --preset vit-ti --anchor-steps 400 --steps 300 --task mnist-rotated
import { parseArgs } from 'node:util';
import {
  createViT,
  evaluateClassifier,
  evaluateUntrainedHead,
  finetune,
  initBackend,
  loadMnist,
  loadTask,
  trainClassifier,
  vitPreset,
} from '../packages/ml/dist/index.js';

const { values: args } = parseArgs({
  options: {
    preset: { type: 'string', default: 'vit-ti' },
    'anchor-steps': { type: 'string', default: '400' },
    steps: { type: 'string', default: '300' },
    task: { type: 'string', default: 'mnist-rotated' },
    'batch-size': { type: 'string', default: '64' },
    seed: { type: 'string', default: '0' },
  },
});
const STEPS = Number(args.steps);
const BATCH = Number(args['batch-size']);
const SEED = Number(args.seed);

const backend = await initBackend();
console.log(`backend: ${backend.backend} (${backend.detail})`);

// 1. The base: an anchor trained on plain MNIST, as a `train` run would.
const anchorStarted = performance.now();
const mnist = loadMnist({ seed: SEED, testFraction: 0.2 });
const base = createViT(vitPreset(args.preset), { seed: SEED, init: 'fan-in' });
await trainClassifier({ model: base, data: mnist.train, batchSize: BATCH, steps: Number(args['anchor-steps']), learningRate: 3e-3, weightDecay: 0.05, warmupSteps: 40, seed: SEED });
const anchorTest = await evaluateClassifier(base, mnist.test, { batchSize: 256 });
console.log(`anchor ${args.preset}: ${(anchorTest.accuracy * 100).toFixed(2)}% on MNIST after ${args['anchor-steps']} steps (${((performance.now() - anchorStarted) / 1000).toFixed(0)} s)`);

// 2. The task and the bar: the base with a new, untrained head.
const task = loadTask(args.task, { seed: SEED, testFraction: 0.2 });
const untrained = await evaluateUntrainedHead({ base, numClasses: task.classes, data: task.test, seed: SEED });
console.log(`task ${args.task}: ${task.classes} classes, ${task.train.count} train / ${task.test.count} test images; untrained head ${(untrained.accuracy * 100).toFixed(2)}%\n`);

// 3. The methods, same steps, batch and seed; learning rates as the method usually wants them.
const methods = [
  { method: 'full', learningRate: 1e-3 },
  { method: 'linear-probe', learningRate: 1e-2 },
  { method: 'lora', learningRate: 3e-3, lora: { rank: 4, alpha: 8, targets: ['q', 'v'] } },
  { method: 'spectral', learningRate: 3e-3, spectral: { rank: 4, variant: 'additive', targets: ['q', 'v'] } },
  { method: 'subtuning', learningRate: 1e-3, subtuning: { start: 'non', epsilon: 0.01, candidateSteps: Math.max(10, Math.floor(STEPS / 6)) } },
];
const rows = [];
for (const m of methods) {
  const started = performance.now();
  const tuned = await finetune({ base, numClasses: task.classes, train: task.train, steps: STEPS, batchSize: BATCH, weightDecay: 0.01, seed: SEED, ...m });
  const test = await evaluateClassifier(tuned.model, task.test, { batchSize: 256 });
  const seconds = (performance.now() - started) / 1000;
  const extra = tuned.subtuning ? ` (chose ${tuned.subtuning.chosen.join(', ') || 'no block'} after ${tuned.subtuning.candidates.length} candidate runs)` : '';
  rows.push({ method: m.method, accuracy: test.accuracy, trainable: tuned.trainableParams, total: tuned.totalParams, seconds, extra });
  console.log(`${m.method}: ${(test.accuracy * 100).toFixed(2)}% in ${seconds.toFixed(0)} s${extra}`);
  tuned.model.dispose();
}

console.log(`\n${args.preset} anchor → ${args.task}, ${STEPS} steps, batch ${BATCH}; untrained head ${(untrained.accuracy * 100).toFixed(2)}%\n`);
console.log('| method | test accuracy | vs untrained head | trainable parameters | share of the model | wall time |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.method}${r.extra} | ${(r.accuracy * 100).toFixed(2)}% | +${((r.accuracy - untrained.accuracy) * 100).toFixed(2)} pts | ${r.trainable.toLocaleString('en')} | ${((100 * r.trainable) / r.total).toFixed(2)}% | ${r.seconds.toFixed(0)} s |`,
  );
}
base.dispose();
