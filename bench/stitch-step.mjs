#!/usr/bin/env node
// Times one SN-Net training step on the TensorFlow.js wasm backend next to the same step in PyTorch.
//
//   npx tsc -b packages/ml && node bench/stitch-step.mjs [--steps 30] [--warmup 5] [--profile [N]] [--profile-detail K]
//
// The step: SN-Net v1 over the MNIST family vit-ti / vit-s / vit-b (widths 32/64/128, depth 4,
// patch 7 → 17 tokens; nearest stitching, 23 configurations), one sampled *stitched* configuration
// per step (the 20 stitches, uniformly, seeded), batch 64, cross-entropy, AdamW (wd 0.05; every
// parameter stepped each iteration, as trainSNNet and the official code do). The tfjs side runs
// trainSNNet itself; after each of its steps, the trainer's onStep callback has the PyTorch side
// (bench/stitch_step.py, Debian python3-torch via /usr/bin/python3, one step server per thread
// count) run the same step — same configuration, same architecture — at 1 and at 2 intra-op threads
// (OPENBLAS_NUM_THREADS=1, so threads × BLAS threads ≤ 2). The sides thus alternate step by step and
// see the same machine conditions. Also timed the same way: the plain vit-s anchor step
// (trainClassifier / nn.Module). Reported: median ms/step over the timed steps after warm-up (tfjs:
// from the end of one onStep callback to the next, wasm single-threaded), the ratios of the medians
// tfjs/torch, and the median of the per-step ratios tfjs/torch×1.
//
// Also reported: each side's matmul peak (best GFLOP/s of square float32 products, n = 256, 512,
// 1024; 2·n³ FLOPs each; tfjs: tf.matMul on wasm; torch: torch.mm at 1 and 2 threads) and each
// step's achieved GFLOP/s = 6 · batch · forward MACs per image / median step time (a training step
// counted as 3 forward passes, 1 MAC = 2 FLOPs; MACs in the fvcore convention of net.flops /
// vitMacs, i.e. matmuls plus 5·N·D per LayerNorm, softmax and GELU not counted; for SN-Net the mean
// over the timed steps' sampled configurations), with its fraction of that side's peak.
//
// --profile [N]: runs N more training steps (default 3) of each kind after the timed ones (torch
// idle) under tf.profile() and prints a kernel table (aggregated by kernel name: ms per step,
// % of the profiled steps' mean wall time, calls per step). On wasm every kernel is synchronous and
// a kernel's time is the wall time of its kernel function; composite scopes (tf.customGrad
// forwards) contain other kernels and are left out of the sums. "outside kernels" = profiled step −
// kernel ms: JS work between kernels (op dispatch, autodiff tape, tidy, AdamW bookkeeping, batch
// copy, read-back) plus the profiler's own bookkeeping; the unprofiled median step − kernel ms is
// printed too (for SN-Net the profiled steps train other configurations than the timed median).
// --profile-detail K also lists the K costliest (kernel, input shapes) pairs.
//
// Exits 2 when python3-torch is missing (STITCH_BENCH_PYTHON overrides /usr/bin/python3), 3 when
// packages/ml is not built.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';

const here = path.dirname(fileURLToPath(import.meta.url));
// Debian's interpreter (the PATH python is another one); override for testing with STITCH_BENCH_PYTHON.
const PY = process.env.STITCH_BENCH_PYTHON || '/usr/bin/python3';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
/** `--name` alone → `bare`; `--name V` → V; absent → undefined. */
function optionalArg(name, bare) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const next = process.argv[i + 1];
  return next !== undefined && !next.startsWith('--') ? Number(next) : bare;
}
const STEPS = arg('steps', 30);
const WARMUP = arg('warmup', 5);
const PROFILE = optionalArg('profile', 3) ?? 0;
const DETAIL = arg('profile-detail', 0);
const BATCH = 64;
const LR = 1e-4;
const PEAK_SIZES = [256, 512, 1024];
if (!(STEPS >= 20) || !(WARMUP >= 1) || !(Number.isInteger(PROFILE) && PROFILE >= 0) || !(Number.isInteger(DETAIL) && DETAIL >= 0)) {
  console.error('use --steps ≥ 20, --warmup ≥ 1, --profile N ≥ 1 (default 3), --profile-detail K ≥ 0');
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

/** Best GFLOP/s of tf.matMul on n×n float32 matrices (wasm kernels are synchronous: wall time = kernel time). */
function tfjsMatmulPeak(sizes) {
  const out = {};
  for (const n of sizes) {
    const a = tf.randomUniform([n, n]);
    const b = tf.randomUniform([n, n]);
    for (let i = 0; i < 2; i++) tf.matMul(a, b).dispose();
    let best = Infinity;
    const until = performance.now() + 400;
    for (let i = 0; i < 3 || performance.now() < until; i++) {
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      const dt = performance.now() - t0;
      c.dispose();
      best = Math.min(best, dt);
    }
    a.dispose();
    b.dispose();
    out[n] = (2 * n ** 3) / (best * 1e6);
  }
  return out;
}

const split = ml.loadMnist({ seed: 0 });
const data = split.train;
const anchors = ['vit-ti', 'vit-s', 'vit-b'].map((n, i) => ml.createViT(ml.vitPreset(n), { seed: i, init: 'fan-in' }));
const net = new ml.SNNet(anchors, { method: 'v1' });
await net.initializeStitching(data, { count: 100, seed: 0 });
const stitchIds = net.configurations().filter((c) => c.kind === 'stitch').map((c) => c.id);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.round(q * (s.length - 1))];
};

/**
 * Profiles the training steps after step `from` (1-based count of completed steps) up to `from + n`:
 * call `tick(done)` from onStep. tf.profile sets the engine's profiling flag synchronously and clears
 * it when its query resolves (in the same microtask run, before the trainer's next step).
 */
function stepProfiler(from, n) {
  let finish;
  let result;
  return {
    tick(done) {
      if (n === 0) return;
      // tf.profile returns the engine's one activeProfile object, which the next profile reuses:
      // copy its kernel list as soon as it resolves.
      if (done === from) result = tf.profile(() => new Promise((resolve) => (finish = resolve))).then((p) => ({ kernels: [...p.kernels] }));
      else if (done === from + n) finish(0);
    },
    result() {
      return result;
    },
  };
}

const anchorConfig = ml.vitPreset('vit-s');
const anchorMacs = ml.vitMacs(anchorConfig);
const vitS = ml.createViT(anchorConfig, { seed: 5, init: 'fan-in' });
const dir = mkdtempSync(path.join(tmpdir(), 'stitch-bench-'));
const specPath = path.join(dir, 'spec.json');
writeFileSync(
  specPath,
  JSON.stringify({
    anchors: net.anchorConfigs(),
    layers: Object.fromEntries([...net.layers].map(([id, l]) => [id, { dimIn: l.dimIn, dimOut: l.dimOut }])),
    anchorConfig,
    batchSize: BATCH,
    learningRate: LR,
  }),
);

/**
 * bench/stitch_step.py as a step server at `threads` intra-op threads (OPENBLAS_NUM_THREADS=1):
 * `call(request)` sends one JSON request and resolves with its one-line JSON answer.
 */
function torchServer(threads) {
  const child = spawn(PY, [path.join(here, 'stitch_step.py'), specPath, String(threads)], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const pending = [];
  createInterface({ input: child.stdout }).on('line', (line) => pending.shift()?.resolve(JSON.parse(line)));
  child.on('exit', (code) => {
    for (const p of pending.splice(0)) p.reject(new Error(`bench/stitch_step.py (threads ${threads}) exited with status ${code}:\n${stderr}`));
  });
  const next = () => new Promise((resolve, reject) => pending.push({ resolve, reject }));
  const ready = next();
  return {
    ready,
    call(request) {
      const answer = next();
      child.stdin.write(`${JSON.stringify(request)}\n`);
      return answer;
    },
    close: () => child.stdin.end(),
  };
}

// Each tfjs training step is followed by the same step in torch at 1 and at 2 threads (from the
// trainers' onStep callbacks, outside the tfjs step times): the sides alternate step by step, so
// drifts in the machine's speed affect both alike.
const torch = { 1: torchServer(1), 2: torchServer(2) };
const times = { snnet: { tfjs: [], 1: [], 2: [] }, anchor: { tfjs: [], 1: [], 2: [] } };
const sequence = [];
let info;
let snProfile;
let anProfile;
const profiled = { snnet: [], anchor: [] };
const tfjsPeak = tfjsMatmulPeak(PEAK_SIZES);
const torchPeak = {};
try {
  info = await torch[1].ready;
  await torch[2].ready;
  for (const t of [1, 2]) torchPeak[t] = (await torch[t].call({ cmd: 'peak', sizes: PEAK_SIZES })).matmul;

  /** onStep callback: records the tfjs step (time since the previous callback returned), then runs `request` in torch. */
  const alternate = (key, request, profiler) => {
    let mark = performance.now();
    return async (s) => {
      const ms = performance.now() - mark;
      if (s.step <= WARMUP + STEPS) {
        times[key].tfjs.push(ms);
        const req = request(s);
        for (const t of [1, 2]) times[key][t].push((await torch[t].call(req)).ms);
      } else {
        profiled[key].push(ms);
      }
      profiler.tick(s.step);
      mark = performance.now();
    };
  };

  const snProfiler = stepProfiler(WARMUP + STEPS, PROFILE);
  await ml.trainSNNet({
    net,
    data,
    steps: WARMUP + STEPS + PROFILE,
    batchSize: BATCH,
    learningRate: LR,
    weightDecay: 0.05,
    sampling: 'uniform',
    configIds: stitchIds,
    seed: 1,
    logEvery: 1,
    onStep: alternate(
      'snnet',
      (s) => {
        sequence.push(s.configId);
        const c = net.config(s.configId);
        return { cmd: 'snnet', config: { segments: c.segments, stitches: c.stitches } };
      },
      snProfiler,
    ),
  });
  snProfile = await snProfiler.result();

  const anProfiler = stepProfiler(WARMUP + STEPS, PROFILE);
  await ml.trainClassifier({
    model: vitS,
    data,
    steps: WARMUP + STEPS + PROFILE,
    batchSize: BATCH,
    learningRate: LR,
    weightDecay: 0.05,
    seed: 1,
    logEvery: 1,
    onStep: alternate('anchor', () => ({ cmd: 'anchor' }), anProfiler),
  });
  anProfile = await anProfiler.result();
} catch (err) {
  console.error(err.message);
  process.exitCode = 1;
} finally {
  torch[1].close();
  torch[2].close();
  rmSync(dir, { recursive: true, force: true });
}
if (process.exitCode) process.exit();

const timed = (xs) => xs.slice(WARMUP);
const fmt = (v) => v.toFixed(1).padStart(8);
const meanMacs = timed(sequence).reduce((a, id) => a + net.flops(id), 0) / STEPS;
net.dispose();
vitS.dispose();
const best = (peak) => Math.max(...Object.values(peak));
const peaks = { tfjs: best(tfjsPeak), 1: best(torchPeak[1]), 2: best(torchPeak[2]) };
/** Median ms/step of `side` ('tfjs', 1, 2) for `key` ('snnet', 'anchor') over the timed steps. */
const ms = (side, key) => median(timed(times[key][side]));
/** Per-step ratios tfjs / torch (same step, same configuration, run back to back). */
const pairedRatios = (threads, key) => timed(times[key].tfjs).map((t, i) => t / timed(times[key][threads])[i]);
console.log(`SN-Net training step, batch ${BATCH}, AdamW; tfjs ${tf.version_core} on ${backend.backend} (1 thread) vs PyTorch ${info.torch}`);
console.log(`stitched configurations: ${stitchIds.length} (v1, vit-ti/vit-s/vit-b), mean ${(meanMacs / 1e6).toFixed(2)} M MACs/image over the ${STEPS} timed steps (median of ${STEPS} after ${WARMUP} warm-up; each tfjs step followed by the same step in torch×1 and torch×2)`);
console.log('');
console.log(`matmul peak (square float32, best GFLOP/s; 2·n³ FLOPs)   ${PEAK_SIZES.map((n) => `n=${n}`.padStart(8)).join('')}      best`);
for (const [name, peak] of [
  ['tfjs-wasm tf.matMul (1 thread)', tfjsPeak],
  ['torch.mm ×1', torchPeak[1]],
  ['torch.mm ×2', torchPeak[2]],
]) {
  console.log(`  ${name.padEnd(54)}${PEAK_SIZES.map((n) => fmt(peak[n])).join('')}  ${fmt(best(peak))}`);
}
console.log('');
console.log('step                      tfjs-wasm  torch×1  torch×2   tfjs/torch×1  tfjs/torch×2   (ms/step; ratios of the medians)');
const rows = [
  ['SN-Net (sampled stitch)', 'snnet', meanMacs],
  ['anchor vit-s', 'anchor', anchorMacs],
];
for (const [name, key] of rows) {
  console.log(`${name.padEnd(24)}${fmt(ms('tfjs', key))} ${fmt(ms(1, key))} ${fmt(ms(2, key))}   ${(ms('tfjs', key) / ms(1, key)).toFixed(2).padStart(12)}  ${(ms('tfjs', key) / ms(2, key)).toFixed(2).padStart(12)}`);
}
for (const [name, key] of rows) {
  const r = pairedRatios(1, key);
  console.log(`  ${name}: per-step tfjs/torch×1 median ${median(r).toFixed(2)} (p25 ${quantile(r, 0.25).toFixed(2)}, p75 ${quantile(r, 0.75).toFixed(2)})`);
}
console.log('');
console.log(`achieved GFLOP/s (6 · batch ${BATCH} · forward MACs/image / median step; % of that side's matmul peak)`);
console.log('step                      MACs/image  GFLOP/step   tfjs-wasm        torch×1         torch×2');
for (const [name, key, macs] of rows) {
  const gflop = (6 * BATCH * macs) / 1e9;
  const cell = (t, peak) => `${(gflop / (t / 1e3)).toFixed(1).padStart(6)} (${((100 * gflop) / (t / 1e3) / peak).toFixed(0).padStart(2)}%)`;
  console.log(`${name.padEnd(24)}${(macs / 1e6).toFixed(2).padStart(8)} M ${gflop.toFixed(3).padStart(11)}   ${cell(ms('tfjs', key), peaks.tfjs)}    ${cell(ms(1, key), peaks[1])}    ${cell(ms(2, key), peaks[2])}`);
}

/**
 * Prints the kernel table of a profile over `n` steps whose wall times were `profiledWall`, next to
 * `timedMs`, the unprofiled median step.
 */
function printProfile(title, profile, n, timedMs, profiledWall) {
  const stepMs = profiledWall.reduce((a, b) => a + b, 0) / profiledWall.length;
  const byName = new Map();
  const byShape = new Map();
  let total = 0;
  let composite = 0;
  for (const k of profile.kernels) {
    // Composite scopes (customGrad forwards) contain kernels that are listed themselves.
    if (tf.getKernel(k.name, tf.getBackend()) == null) {
      composite++;
      continue;
    }
    const ms = Number(k.kernelTimeMs) || 0;
    total += ms;
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    byName.set(k.name, e);
    if (DETAIL > 0) {
      const key = `${k.name} ${k.inputShapes.map((s) => (s ? `[${s}]` : '-')).join(' ')}`;
      const d = byShape.get(key) ?? { ms: 0, calls: 0 };
      d.ms += ms;
      d.calls++;
      byShape.set(key, d);
    }
  }
  console.log('');
  console.log(`kernel profile: ${title} (tf.profile over ${n} steps after the timed ones; per step; % of the profiled steps' mean wall time)`);
  console.log('  kernel                          ms/step   % of step   calls/step');
  for (const [name, e] of [...byName].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`  ${name.padEnd(30)}${(e.ms / n).toFixed(2).padStart(9)}   ${((100 * e.ms) / n / stepMs).toFixed(1).padStart(8)}%   ${(e.calls / n).toFixed(0).padStart(10)}`);
  }
  const kernelMs = total / n;
  const calls = (profile.kernels.length - composite) / n;
  console.log(`  ${'all kernels'.padEnd(30)}${kernelMs.toFixed(2).padStart(9)}   ${((100 * kernelMs) / stepMs).toFixed(1).padStart(8)}%   ${calls.toFixed(0).padStart(10)}`);
  console.log(`  ${'outside kernels (JS overhead)'.padEnd(30)}${(stepMs - kernelMs).toFixed(2).padStart(9)}   ${((100 * (stepMs - kernelMs)) / stepMs).toFixed(1).padStart(8)}%`);
  console.log(`  profiled steps ${profiledWall.map((t) => t.toFixed(1)).join(', ')} ms (mean ${stepMs.toFixed(1)}; the profiler's per-kernel bookkeeping counts as outside kernels);`);
  console.log(`  timed (unprofiled) median step ${timedMs.toFixed(1)} ms − kernels = ${(timedMs - kernelMs).toFixed(1)} ms; ${Math.round(composite / n)} composite scopes/step (custom-gradient forwards) left out of the sums`);
  if (DETAIL > 0) {
    console.log(`  costliest (kernel, input shapes), per step:`);
    for (const [key, d] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, DETAIL)) {
      console.log(`    ${(d.ms / n).toFixed(2).padStart(7)} ms ${(d.calls / n).toFixed(0).padStart(4)}×  ${key}`);
    }
  }
}
if (PROFILE > 0) {
  printProfile('SN-Net step', snProfile, PROFILE, ms('tfjs', 'snnet'), profiled.snnet);
  printProfile('anchor vit-s step', anProfile, PROFILE, ms('tfjs', 'anchor'), profiled.anchor);
}
