// Family → stitch → frontier → export → evaluate, over the API with real processes and services.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startPlatform, type Platform } from '../support/platform.js';

describe('stitching end to end', () => {
  let platform: Platform;
  let familyId: string;
  let stitchRunId: string;
  let exportedId: string;

  beforeAll(async () => {
    platform = await startPlatform({ database: 'pglite' });
    // Two worker processes, one per core: the family's members train side by side.
    await platform.startWorker();
    await platform.startWorker();
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('trains a family of anchors with one request', async () => {
    const created = await platform.request('POST', '/v1/families', {
      name: 'tiny',
      members: ['vit-s', 'vit-ti'],
      train: { steps: 40, batchSize: 32, data: { testFraction: 0.05 } },
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('training');
    expect(created.body.members.map((m: any) => m.preset)).toEqual(['vit-ti', 'vit-s']);
    familyId = created.body.id;

    const early = await platform.request('POST', '/v1/runs', { kind: 'stitch', spec: { familyId } });
    expect(early.status).toBe(400);
    expect(early.body.issues[0]).toMatchObject({ path: 'spec.familyId' });

    let family: any;
    await platform.waitFor(async () => {
      family = (await platform.request('GET', `/v1/families/${familyId}`)).body;
      return family.status !== 'training';
    }, 180_000, 'the family to finish training');
    expect(family.status).toBe('ready');
    expect(family.members.every((m: any) => m.runStatus === 'succeeded' && m.modelId)).toBe(true);
    const anchor = (await platform.request('GET', `/v1/models/${family.members[0].modelId}`)).body;
    expect(anchor).toMatchObject({ kind: 'anchor', name: 'tiny-vit-ti' });
  }, 240_000);

  it('stitches the family, evaluates every stitch and marks the Pareto frontier', async () => {
    const submitted = await platform.request('POST', '/v1/runs', {
      kind: 'stitch',
      spec: { familyId, steps: 20, batchSize: 16, checkpointEvery: 10, evaluation: { latency: { batchSize: 8, warmup: 1, runs: 3 } } },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    expect(submitted.body.spec.anchors).toHaveLength(2);
    stitchRunId = submitted.body.id;
    const run = await platform.waitForRun(stitchRunId, ['succeeded', 'failed', 'cancelled'], 240_000);
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    // v1, two depth-4 anchors: 2 anchors + 10 positions.
    expect(run.result.configurations).toBe(12);

    const { stitches } = (await platform.request('GET', `/v1/runs/${stitchRunId}/stitches`)).body;
    expect(stitches).toHaveLength(12);
    expect(stitches.filter((s: any) => s.kind === 'anchor').map((s: any) => s.stitchId)).toEqual([0, 1]);
    for (const s of stitches) {
      expect(s.flops).toBeGreaterThan(0);
      expect(s.accuracy).toBeGreaterThan(0);
      expect(s.latencyMs).toBeGreaterThan(0);
    }
    const [small, large] = stitches;
    for (const s of stitches.slice(2)) expect(s.flops).toBeGreaterThan(small.flops * 0.9);
    expect(large.flops).toBeGreaterThan(small.flops);

    const frontier = (await platform.request('GET', `/v1/runs/${stitchRunId}/frontier`)).body;
    expect(frontier.cost).toBe('flops');
    const points = frontier.frontier;
    for (let i = 1; i < points.length; i++) {
      expect(points[i].flops).toBeGreaterThan(points[i - 1].flops);
      expect(points[i].accuracy).toBeGreaterThan(points[i - 1].accuracy);
    }
    expect(points.every((p: any) => p.onFrontier)).toBe(true);
    expect(stitches.filter((s: any) => s.onFrontier).length).toBe(points.length);
    expect(frontier.best.stitchId).toBe(points.at(-1).stitchId);
    const cheapest = Math.min(...stitches.map((s: any) => s.flops));
    expect(points[0].flops).toBe(cheapest);
    expect(points.at(-1).accuracy).toBe(Math.max(...stitches.map((s: any) => s.accuracy)));
    expect(run.result.frontier).toEqual(points.map((p: any) => p.stitchId));
  }, 300_000);

  it('answers budget queries, and refuses budgets below every stitch and non-stitch runs', async () => {
    const { stitches } = (await platform.request('GET', `/v1/runs/${stitchRunId}/stitches`)).body;
    const flops = stitches.map((s: any) => s.flops).sort((a: number, b: number) => a - b);
    const budget = flops[Math.floor(flops.length / 2)];
    const within = (await platform.request('GET', `/v1/runs/${stitchRunId}/frontier?maxFlops=${budget}`)).body;
    expect(within.best.flops).toBeLessThanOrEqual(budget);
    const affordable = stitches.filter((s: any) => s.flops <= budget);
    expect(within.best.accuracy).toBe(Math.max(...affordable.map((s: any) => s.accuracy)));

    const tooSmall = await platform.request('GET', `/v1/runs/${stitchRunId}/frontier?maxFlops=${flops[0] - 1}`);
    expect(tooSmall.status).toBe(404);
    expect(tooSmall.body.error).toMatch(/no|not found/i);
    expect(tooSmall.body.error).toContain(`maxFlops=${flops[0] - 1}`);

    // The CLI shows the same answer.
    const cli = spawnSync(process.execPath, [join(ROOT, 'packages/cli/bin/anchorage.js'), '--url', platform.baseUrl, 'frontier', stitchRunId, '--max-flops', String(budget)], { encoding: 'utf8', env: { ...process.env, ANCHORAGE_API_KEY: platform.adminKey } });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`best:.*\\b${within.best.stitchId}\\b`));

    const bad = await platform.request('GET', `/v1/runs/${stitchRunId}/frontier?maxFlops=lots`);
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('maxFlops');

    const family = (await platform.request('GET', `/v1/families/${familyId}`)).body;
    const notStitch = await platform.request('GET', `/v1/runs/${family.members[0].runId}/frontier`);
    expect(notStitch.status).toBe(400);
    expect(notStitch.body.error).toMatch(/not a stitch run/);
  });

  it('exports a stitch as a model whose evaluation reproduces the stitch run figures', async () => {
    const { best } = (await platform.request('GET', `/v1/runs/${stitchRunId}/frontier`)).body;
    const chosen = (await platform.request('GET', `/v1/runs/${stitchRunId}/stitches`)).body.stitches.find((s: any) => s.kind === 'stitch' && s.onFrontier) ?? best;
    const exported = await platform.request('POST', `/v1/runs/${stitchRunId}/stitches/${chosen.stitchId}/export`);
    expect(exported.status).toBe(201);
    expect(exported.body).toMatchObject({ kind: 'stitched', runId: stitchRunId, params: chosen.params });
    exportedId = exported.body.id;
    const again = await platform.request('POST', `/v1/runs/${stitchRunId}/stitches/${chosen.stitchId}/export`);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(exported.body.id);

    const evaluate = await platform.request('POST', '/v1/runs', {
      kind: 'evaluate',
      spec: { modelId: exported.body.id, metrics: ['top1', 'ece', 'knn', 'vci', 'flops'], latency: { batchSize: 4, warmup: 1, runs: 2 } },
    });
    expect(evaluate.status).toBe(201);
    const evaluated = await platform.waitForRun(evaluate.body.id, ['succeeded', 'failed'], 120_000);
    expect(evaluated.status, JSON.stringify(evaluated.error)).toBe('succeeded');
    expect(Object.keys(evaluated.result.metrics).sort()).toEqual(['ece', 'flops', 'knn', 'top1', 'vci']);
    expect(evaluated.result.accuracy).toBeCloseTo(chosen.accuracy, 6);
    expect(evaluated.result.metrics.flops).toBe(chosen.flops);
  }, 180_000);

  it('fine-tunes the exported stitch on a transfer task with each of the five methods, each beating the untrained head', async () => {
    const common = { modelId: exportedId, data: { task: 'mnist-parity', testFraction: 0.05 }, steps: 40, batchSize: 32, learningRate: 3e-3, metricsEvery: 10 };
    const methods = {
      full: {},
      'linear-probe': { learningRate: 1e-2 },
      lora: { lora: { rank: 2, alpha: 4 } },
      spectral: { spectral: { rank: 2, variant: 'additive' } },
      subtuning: { steps: 30, subtuning: { start: 'non', candidateSteps: 8 } },
    } as const;
    const ids: Record<string, string> = {};
    for (const [method, extra] of Object.entries(methods)) {
      const submitted = await platform.request('POST', '/v1/runs', { kind: 'finetune', name: `ft ${method}`, spec: { ...common, method, ...extra } });
      expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
      ids[method] = submitted.body.id;
    }
    const trainable: Record<string, number> = {};
    for (const [method, id] of Object.entries(ids)) {
      const run = await platform.waitForRun(id, ['succeeded', 'failed', 'cancelled'], 240_000);
      expect(run.status, `${method}: ${run.error}`).toBe('succeeded');
      expect(run.result).toMatchObject({ method, task: 'mnist-parity', baseModelId: exportedId });
      expect(run.result.testAccuracy, method).toBeGreaterThan(run.result.untrainedAccuracy);
      expect(run.result.metrics).toMatchObject({ top1: run.result.testAccuracy, ece: expect.any(Number), flops: expect.any(Number), params: expect.any(Number) });
      trainable[method] = run.result.trainableParams;
      const model = (await platform.request('GET', `/v1/models/${run.result.modelId}`)).body;
      expect(model).toMatchObject({ kind: 'finetuned', lineage: { baseModelId: exportedId, method, task: 'mnist-parity' } });
    }
    // The adapters and the probe train a small part of what full fine-tuning trains.
    expect(trainable['linear-probe']).toBeLessThan(trainable.lora);
    expect(trainable.lora).toBeLessThan(trainable.full);
    expect(trainable.spectral).toBeLessThan(trainable.full);
    const subtuned = (await platform.request('GET', `/v1/runs/${ids.subtuning}`)).body.result.subtuning;
    expect(subtuned.candidates.length).toBeGreaterThan(1);

    // A fine-tuned model evaluates on its task by default and reproduces its run's test accuracy.
    const lora = (await platform.request('GET', `/v1/runs/${ids.lora}`)).body;
    const evaluate = await platform.request('POST', '/v1/runs', { kind: 'evaluate', spec: { modelId: lora.result.modelId, metrics: ['top1'] } });
    const evaluated = await platform.waitForRun(evaluate.body.id, ['succeeded', 'failed'], 120_000);
    expect(evaluated.status, JSON.stringify(evaluated.error)).toBe('succeeded');
    expect(evaluated.result.accuracy).toBeCloseTo(lora.result.testAccuracy, 6);
  }, 400_000);

  it('a pipeline from the anchors to evaluated fine-tunes: stitch → export under a budget → two fine-tunes → their evaluations', async () => {
    const finetune = (method: string) => ({
      kind: 'finetune',
      spec: { modelId: '${export.modelId}', method, data: { task: 'mnist-gt4', testFraction: 0.05 }, steps: 20, batchSize: 32, learningRate: 3e-3 },
    });
    const created = await platform.request('POST', '/v1/pipelines', {
      name: 'anchors to fine-tunes',
      steps: [
        { id: 'stitch', type: 'run', run: { kind: 'stitch', spec: { familyId, steps: 10, batchSize: 16, evaluation: { latency: { batchSize: 4, warmup: 1, runs: 2 } } } } },
        { id: 'export', type: 'export', dependsOn: ['stitch'], export: { runId: '${stitch.runId}' } },
        { id: 'lora', type: 'run', dependsOn: ['export'], run: finetune('lora') },
        { id: 'probe', type: 'run', dependsOn: ['export'], run: finetune('linear-probe') },
        { id: 'eval-lora', type: 'run', dependsOn: ['lora'], run: { kind: 'evaluate', spec: { modelId: '${lora.result.modelId}', metrics: ['top1'] } } },
        { id: 'eval-probe', type: 'run', dependsOn: ['probe'], run: { kind: 'evaluate', spec: { modelId: '${probe.result.modelId}', metrics: ['top1'] } } },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    let pipeline: any;
    await platform.waitFor(async () => {
      pipeline = (await platform.request('GET', `/v1/pipelines/${created.body.id}`)).body;
      return pipeline.status !== 'running';
    }, 300_000, 'the pipeline to end');
    expect(pipeline.status, JSON.stringify(pipeline.steps)).toBe('succeeded');
    const byId = Object.fromEntries(pipeline.steps.map((s: any) => [s.id, s]));
    expect(Object.values(byId).map((s: any) => s.status)).toEqual(Array(6).fill('succeeded'));
    expect(byId.lora.outputs.result.baseModelId).toBe(byId.export.outputs.modelId);
    expect(byId['eval-lora'].outputs.result.accuracy).toBeCloseTo(byId.lora.outputs.result.testAccuracy, 6);
    expect(byId['eval-probe'].outputs.result.accuracy).toBeCloseTo(byId.probe.outputs.result.testAccuracy, 6);
  }, 360_000);

  it('lists the dataset registry', async () => {
    const { datasets } = (await platform.request('GET', '/v1/datasets')).body;
    expect(datasets.find((d: any) => d.id === 'mnist')).toMatchObject({ role: 'base', classes: 10 });
    expect(datasets.find((d: any) => d.id === 'mnist-parity')).toMatchObject({ role: 'transfer', classes: 2 });
    const bad = await platform.request('POST', '/v1/runs', { kind: 'finetune', spec: { modelId: exportedId, data: { task: 'cifar' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('spec.data.task');
  });
});
