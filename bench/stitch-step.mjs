#!/usr/bin/env node
// Times one SN-Net training step on the TensorFlow.js wasm backend next to the same step in PyTorch.
//
//   npx tsc -b packages/ml && node bench/stitch-step.mjs [--steps 30] [--warmup 5]
//
// The step: SN-Net v1 over the MNIST family vit-ti / vit-s / vit-b (widths 32/64/128, depth 4,
// patch 7 → 17 tokens; nearest stitching, 23 configurations), one sampled *stitched* configuration
// per step (the 20 stitches, uniformly, seeded), batch 64, cross-entropy, AdamW (wd 0.05; every
// parameter stepped each iteration, as trainSNNet and the official code do). The tfjs side runs
// trainSNNet itself and records the configurations it sampled; the PyTorch side
// (bench/stitch_step.py, Debian python3-torch via /usr/bin/python3) replays the same sequence with
// the same architecture. Also timed: the plain vit-s anchor step (trainClassifier / nn.Module).
// Reported: median ms/step over the timed steps after warm-up, wasm single-threaded; torch with
// 1 and 2 intra-op threads (OPENBLAS_NUM_THREADS=1, so threads × BLAS threads ≤ 2); ratio tfjs/torch.
// Exits 2 when python3-torch is missing (STITCH_BENCH_PYTHON overrides /usr/bin/python3), 3 when
// packages/ml is not built.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = path.dirname(fileURLToPath(import.meta.url));
// Debian's interpreter (the PATH python is another one); override for testing with STITCH_BENCH_PYTHON.
const PY = process.env.STITCH_BENCH_PYTHON || '/usr/bin/python3';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const STEPS = arg('steps', 30);
const WARMUP = arg('warmup', 5);
const BATCH = 64;
const LR = 1e-4;
if (!(STEPS >= 20) || !(WARMUP >= 1)) {
  console.error('use --steps ≥ 20 and --warmup ≥ 1');
  process.exit(1);
}

const probe = spawnSync(PY, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.error(
    `PyTorch is not available to ${PY} (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}).\n` +
      'Install the Debian package: apt-get update && apt-get install -y python3-torch libopenblas0-pthread',
  );
  process.exit(2);
}

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

const split = ml.loadMnist({ seed: 0 });
const data = split.train;
const anchors = ['vit-ti', 'vit-s', 'vit-b'].map((n, i) => ml.createViT(ml.vitPreset(n), { seed: i, init: 'fan-in' }));
const net = new ml.SNNet(anchors, { method: 'v1' });
await net.initializeStitching(data, { count: 100, seed: 0 });
const stitchIds = net.configurations().filter((c) => c.kind === 'stitch').map((c) => c.id);

/** Per-step wall times from onStep timestamps (logEvery 1). */
function stepTimer() {
  const times = [];
  let last = performance.now();
  return {
    times,
    tick() {
      const now = performance.now();
      times.push(now - last);
      last = now;
    },
  };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const sequence = [];
const snTimer = stepTimer();
await ml.trainSNNet({
  net,
  data,
  steps: WARMUP + STEPS,
  batchSize: BATCH,
  learningRate: LR,
  weightDecay: 0.05,
  sampling: 'uniform',
  configIds: stitchIds,
  seed: 1,
  logEvery: 1,
  onStep: (s) => {
    snTimer.tick();
    sequence.push(s.configId);
  },
});
const tfjsSnnet = median(snTimer.times.slice(WARMUP));
const flopsSeq = sequence.map((id) => net.flops(id));

const vitS = ml.createViT(ml.vitPreset('vit-s'), { seed: 5, init: 'fan-in' });
const anTimer = stepTimer();
await ml.trainClassifier({ model: vitS, data, steps: WARMUP + STEPS, batchSize: BATCH, learningRate: LR, weightDecay: 0.05, seed: 1, logEvery: 1, onStep: () => anTimer.tick() });
const tfjsAnchor = median(anTimer.times.slice(WARMUP));

const spec = {
  anchors: net.anchorConfigs(),
  layers: Object.fromEntries([...net.layers].map(([id, l]) => [id, { dimIn: l.dimIn, dimOut: l.dimOut }])),
  sequence: sequence.map((id) => {
    const c = net.config(id);
    return { id, segments: c.segments, stitches: c.stitches };
  }),
  anchorConfig: ml.vitPreset('vit-s'),
  batchSize: BATCH,
  learningRate: LR,
  warmup: WARMUP,
  steps: STEPS,
};
net.dispose();
vitS.dispose();

const dir = mkdtempSync(path.join(tmpdir(), 'stitch-bench-'));
const specPath = path.join(dir, 'spec.json');
writeFileSync(specPath, JSON.stringify(spec));
const torch = {};
try {
  for (const threads of [1, 2]) {
    const r = spawnSync(PY, [path.join(here, 'stitch_step.py'), specPath, String(threads)], {
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: '1' },
      maxBuffer: 1 << 20,
    });
    if (r.status !== 0) {
      console.error(`bench/stitch_step.py failed (threads ${threads}):\n${r.stderr}`);
      process.exit(1);
    }
    torch[threads] = JSON.parse(r.stdout.trim().split('\n').pop());
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (v) => v.toFixed(1).padStart(8);
const meanFlops = flopsSeq.slice(WARMUP).reduce((a, b) => a + b, 0) / STEPS;
console.log(`SN-Net training step, batch ${BATCH}, AdamW; tfjs ${tf.version_core} on ${backend.backend} (1 thread) vs PyTorch ${torch[1].torch}`);
console.log(`stitched configurations: ${stitchIds.length} (v1, vit-ti/vit-s/vit-b), mean ${(meanFlops / 1e6).toFixed(2)} M MACs/image over the ${STEPS} timed steps (median of ${STEPS} after ${WARMUP} warm-up)`);
console.log('');
console.log('step                      tfjs-wasm  torch×1  torch×2   tfjs/torch×1  tfjs/torch×2   (ms/step)');
for (const [name, tfjsMs, key] of [
  ['SN-Net (sampled stitch)', tfjsSnnet, 'snnet'],
  ['anchor vit-s', tfjsAnchor, 'anchor'],
]) {
  const t1 = torch[1][key].median;
  const t2 = torch[2][key].median;
  console.log(`${name.padEnd(24)}${fmt(tfjsMs)} ${fmt(t1)} ${fmt(t2)}   ${(tfjsMs / t1).toFixed(2).padStart(12)}  ${(tfjsMs / t2).toFixed(2).padStart(12)}`);
}
