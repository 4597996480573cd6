import { beforeAll, describe, expect, it } from 'vitest';
import {
  createViT,
  evaluateClassifier,
  evaluateStitches,
  initBackend,
  loadMnist,
  paretoFrontier,
  SNNet,
  spearman,
  subsetDataset,
  tf,
  trainClassifier,
  trainSNNet,
  type Dataset,
  type ViTConfig,
} from '../src/index.js';

/**
 * ml-methods.md 6.6: after short MNIST training of tiny anchors, every stitch beats chance and
 * accuracy rises with FLOPs across stitches. Three v1 anchors (widths 8/16/32, depth 2) make the
 * trend robust: Ti→S stitches sit below S→B stitches in both FLOPs and accuracy. Patch 14 (4 patches
 * + CLS) keeps the steps cheap; everything is seeded.
 */
const cfg = (dim: number): ViTConfig => ({ imageSize: 28, channels: 1, patchSize: 14, dim, depth: 2, heads: 2, mlpRatio: 2, numClasses: 10 });

describe('interpolation after short MNIST training (v1, three tiny anchors)', () => {
  let train: Dataset;
  let test: Dataset;

  beforeAll(async () => {
    await initBackend();
    const split = loadMnist({ seed: 0 });
    train = subsetDataset(split.train, 4000, 1);
    test = subsetDataset(split.test, 500, 2);
  });

  it('every stitch beats chance and Spearman(FLOPs, accuracy) > 0', async () => {
    const baseline = tf.memory().numTensors;
    const anchors = [];
    const anchorAcc: number[] = [];
    for (const [i, dim] of [8, 16, 32].entries()) {
      const m = createViT(cfg(dim), { seed: 100 + i, init: 'fan-in' });
      await trainClassifier({ model: m, data: train, batchSize: 32, steps: 150, learningRate: 4e-3, warmupSteps: 10, weightDecay: 0.01, seed: 100 + i });
      anchorAcc.push((await evaluateClassifier(m, test)).accuracy);
      anchors.push(m);
    }
    expect(anchorAcc[2]!).toBeGreaterThan(anchorAcc[0]!);
    const net = new SNNet(anchors, { method: 'v1' });
    await trainSNNet({ net, data: train, steps: 160, batchSize: 32, learningRate: 1e-3, warmupSteps: 5, seed: 7 });
    const res = await evaluateStitches(net, test, { batchSize: 250 });
    expect(res.length).toBe(11);
    for (const r of res) expect(r.top1, r.label).toBeGreaterThan(0.2);
    const stitches = res.filter((r) => r.kind === 'stitch');
    expect(spearman(stitches.map((r) => r.flops), stitches.map((r) => r.top1))).toBeGreaterThan(0);
    expect(spearman(res.map((r) => r.flops), res.map((r) => r.top1))).toBeGreaterThan(0);
    // The cheapest configuration (the smallest anchor) and the most accurate one are on the frontier.
    const front = paretoFrontier(res);
    expect(front[0]!.id).toBe(0);
    expect(front[front.length - 1]!.top1).toBe(Math.max(...res.map((r) => r.top1)));
    net.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
