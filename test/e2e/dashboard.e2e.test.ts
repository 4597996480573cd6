// The dashboard in a real browser against the real platform (API serving apps/web/dist, two
// workers): the runs table, a curve growing live, the stitch explorer's budget choice, the submit
// form's field errors, the workers page, a sweep's ranked results and a pipeline's step graph. Needs `npm run build` and `vite build` in apps/web first.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, screenshot, setInputValue, type DashboardPage } from '../support/browser.js';
import { ROOT, sleep, startPlatform, type Platform } from '../support/platform.js';

const DIST = join(ROOT, 'apps/web/dist/index.html');
const TINY_MODEL = { preset: 'vit-ti', dim: 16, depth: 1, heads: 2 };

describe('dashboard in the browser', () => {
  let platform: Platform;
  let browser: Browser;
  const pages: DashboardPage[] = [];

  const open = async (hash: string): Promise<DashboardPage> => {
    const p = await openPage(browser, `${platform.baseUrl}/${hash}`);
    pages.push(p);
    return p;
  };
  /** Closes the page; it must have had no uncaught errors and no failed requests but the expected ones. */
  const closeChecked = async (p: DashboardPage, expectedFailures: RegExp[] = []) => {
    await p.close();
    expect(p.errors, 'errors on the page').toEqual([]);
    expect(p.failedResponses.filter((r) => !expectedFailures.some((e) => e.test(r))), 'failed requests').toEqual([]);
  };

  beforeAll(async () => {
    if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npm run build\` and \`npx vite build\` in apps/web first`);
    platform = await startPlatform({ database: 'pglite' });
    browser = await launchBrowser();
    await platform.startWorker();
    await platform.startWorker();
  }, 180_000);

  afterAll(async () => {
    for (const p of pages) await p.close().catch(() => {});
    await browser?.close();
    await platform?.stop();
  });

  let tinyRunId: string;
  let growingRunId: string;

  it('lists a run in the runs table and follows it live to succeeded', async () => {
    // The page is open before the run exists: the row appears and turns succeeded from status events.
    const p = await open('#/runs');
    await p.page.getByTestId('runs-table').waitFor();
    const submitted = await platform.request('POST', '/v1/runs', {
      kind: 'train',
      name: 'tiny vit',
      spec: { model: TINY_MODEL, steps: 24, batchSize: 32, metricsEvery: 4, learningRate: 3e-3 },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    const id = (tinyRunId = submitted.body.id);
    const run = await platform.waitForRun(id, ['succeeded', 'failed', 'cancelled'], 90_000);
    expect(run.status, run.error).toBe('succeeded');

    const row = p.page.getByTestId(`run-row-${id}`);
    await row.waitFor();
    await p.page.waitForFunction((rowId) => document.querySelector(`[data-testid="run-row-${rowId}"] [data-testid="run-status"]`)?.textContent === 'succeeded', id, {
      timeout: 20_000,
    });
    expect(await row.getByRole('link', { name: 'tiny vit' }).getAttribute('href')).toBe(`#/runs/${id}`);
    expect(await row.textContent()).toMatch(/test\/accuracy \d/);
    expect(await p.page.getByTestId('runs-total').textContent()).toMatch(/^\d[\d,]* runs$/);
    await screenshot(p.page, 'runs');

    // Its page: curves for loss and accuracy, the attempt, the produced model.
    await row.getByRole('link', { name: 'tiny vit' }).click();
    await p.page.getByTestId('chart-train/loss').waitFor();
    await p.page.getByTestId('chart-train/accuracy').waitFor();
    await p.page.getByTestId('attempt-1').waitFor();
    await p.page.getByTestId('models').waitFor();
    expect(await p.page.getByTestId('run-status').textContent()).toBe('succeeded');
    expect(Number(await p.page.getByTestId('chart-point-count-train/loss').textContent())).toBe(6);
    await screenshot(p.page, 'run-succeeded');
    await closeChecked(p);
  }, 120_000);

  it('grows a running run’s curve as metric points arrive', async () => {
    const submitted = await platform.request('POST', '/v1/runs', {
      kind: 'train',
      name: 'growing curve',
      spec: { model: TINY_MODEL, steps: 5000, batchSize: 32, metricsEvery: 5 },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    const id = (growingRunId = submitted.body.id);
    await platform.waitForRun(id, ['running'], 60_000);

    const p = await open(`#/runs/${id}`);
    const count = p.page.getByTestId('chart-point-count-train/loss');
    await count.waitFor({ timeout: 30_000 });
    const first = Number(await count.textContent());
    let later = first;
    const deadline = Date.now() + 30_000;
    while (later <= first && Date.now() < deadline) {
      await sleep(1000);
      later = Number(await count.textContent());
    }
    expect(later, 'points on the train/loss chart').toBeGreaterThan(first);
    expect(await p.page.getByTestId('run-status').textContent()).toBe('running');
    await screenshot(p.page, 'run-live');

    // Cancel from the page; the header follows the run to cancelled.
    await p.page.getByTestId('cancel-button').click();
    await platform.waitForRun(id, ['cancelled'], 30_000);
    await p.page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'cancelled', undefined, { timeout: 20_000 });
    await closeChecked(p);
  }, 120_000);

  it('compares the selected runs side by side', async () => {
    const p = await open('#/runs');
    for (const id of [tinyRunId, growingRunId]) await p.page.getByTestId(`run-row-${id}`).locator('input[type="checkbox"]').check();
    await p.page.getByTestId('compare-selected').click();
    await p.page.getByTestId('compare-table').waitFor();
    expect(p.page.url()).toContain(`#/compare?ids=${tinyRunId},${growingRunId}`);
    await p.page.getByTestId('chart-train/loss').waitFor();
    const steps = p.page.getByTestId('compare-table').locator('tr', { hasText: 'spec.steps' });
    expect(await steps.getAttribute('class')).toContain('differs');
    expect(await steps.locator('td').allTextContents()).toEqual(['spec.steps', '24', '5000']);
    await screenshot(p.page, 'compare');
    await closeChecked(p);
  }, 60_000);

  it('shows the API’s field error on the submit form and creates no run', async () => {
    const before = (await platform.request('GET', '/v1/runs?limit=1')).body.total;
    const expected = await platform.request('POST', '/v1/runs', { kind: 'train', spec: { steps: 0 } });
    expect(expected.status).toBe(400);
    const message = expected.body.issues.find((i: any) => i.path === 'spec.steps').message;

    const p = await open('#/submit');
    await p.page.getByTestId('submit-form').waitFor();
    expect(await p.page.getByTestId('field-kind').inputValue()).toBe('train');
    await p.page.getByTestId('field-spec.steps').fill('0');
    await p.page.getByTestId('submit-button').click();
    const error = p.page.getByTestId('field-error-spec.steps');
    await error.waitFor();
    expect(await error.textContent()).toContain(message);
    await screenshot(p.page, 'submit-error');
    await closeChecked(p, [/^400 POST .*\/v1\/runs$/]);
    expect((await platform.request('GET', '/v1/runs?limit=1')).body.total).toBe(before);
  }, 60_000);

  it('shows the registered workers', async () => {
    const { workers } = (await platform.request('GET', '/v1/workers')).body;
    const connected = workers.filter((w: any) => w.connected);
    expect(connected.length).toBeGreaterThanOrEqual(2);

    const p = await open('#/workers');
    await p.page.getByTestId('workers-table').waitFor();
    for (const w of connected) {
      const row = p.page.getByTestId(`worker-row-${w.id}`);
      await row.waitFor();
      expect(await row.getByTestId('worker-status').textContent()).toMatch(/^(online|busy)$/);
      expect(await p.page.getByTestId(`drain-${w.id}`).isEnabled()).toBe(true);
    }
    await p.page.getByTestId('queues-table').waitFor();
    await screenshot(p.page, 'workers');
    await closeChecked(p);
  }, 60_000);

  it('ranks a sweep’s trials by the objective and highlights the best', async () => {
    const created = await platform.request('POST', '/v1/sweeps', {
      name: 'ui sweep',
      base: { kind: 'diagnostic', spec: { action: 'sleep', durationMs: 100, steps: 2 } },
      parameters: { 'spec.durationMs': { values: [300, 100, 200] } },
      concurrency: 2,
      objective: { field: 'durationMs', goal: 'min' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    let sweep: any;
    await platform.waitFor(async () => {
      sweep = (await platform.request('GET', `/v1/sweeps/${id}`)).body;
      return sweep.status !== 'running';
    }, 30_000, 'the sweep to end');
    expect(sweep.status, JSON.stringify(sweep)).toBe('succeeded');

    const p = await open(`#/sweeps/${id}`);
    const results = p.page.getByTestId('sweep-results');
    await results.waitFor();
    expect(await p.page.getByTestId('sweep-status').textContent()).toBe('succeeded');
    const rows = results.locator('tbody tr');
    expect(await rows.count()).toBe(3);
    // The API's order (best objective first), one column per parameter path.
    expect(await results.locator('td[data-param="spec.durationMs"]').allTextContents()).toEqual(sweep.trials.map((t: any) => String(t.params['spec.durationMs'])));
    expect(await results.getByTestId('trial-status').allTextContents()).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const best = p.page.getByTestId('sweep-best');
    expect(await best.locator('[data-param="spec.durationMs"]').textContent()).toBe('100');
    expect(await best.getAttribute('data-trial-index')).toBe(String(sweep.best.index));
    expect(await rows.first().getAttribute('class')).toContain('best-row');
    expect(await rows.first().locator('td[data-param="spec.durationMs"]').textContent()).toBe('100');
    expect(await rows.first().getByRole('link').getAttribute('href')).toBe(`#/runs/${sweep.best.runId}`);
    expect(await p.page.getByTestId('compare-top').getAttribute('href')).toBe(`#/compare?ids=${sweep.trials.map((t: any) => t.runId).join(',')}`);
    await screenshot(p.page, 'sweep');

    // The list: a row per sweep with its progress.
    await p.page.locator('.topbar').getByRole('link', { name: 'Sweeps', exact: true }).click();
    const row = p.page.getByTestId(`sweep-row-${id}`);
    await row.waitFor();
    await p.page.getByTestId('sweeps-table').waitFor();
    expect(await row.getByTestId('sweep-progress').textContent()).toBe('3/3');
    expect(await row.getByTestId('sweep-status').textContent()).toBe('succeeded');
    expect(await row.getByRole('link', { name: 'ui sweep' }).getAttribute('href')).toBe(`#/sweeps/${id}`);
    await closeChecked(p);
  }, 60_000);

  it('draws a pipeline’s steps as a dependency graph, a failed branch skipped', async () => {
    const noop = { kind: 'diagnostic', spec: { action: 'noop' } };
    const created = await platform.request('POST', '/v1/pipelines', {
      name: 'ui pipeline',
      steps: [
        { id: 'a', type: 'run', run: noop },
        { id: 'b', type: 'run', dependsOn: ['a'], run: noop },
        { id: 'c', type: 'run', dependsOn: ['a'], onFailure: 'skip', run: { kind: 'diagnostic', spec: { action: 'fail' } } },
        { id: 'd', type: 'run', dependsOn: ['c'], run: noop },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    let pipeline: any;
    await platform.waitFor(async () => {
      pipeline = (await platform.request('GET', `/v1/pipelines/${id}`)).body;
      return pipeline.status !== 'running';
    }, 30_000, 'the pipeline to end');
    const steps = Object.fromEntries(pipeline.steps.map((s: any) => [s.id, s]));
    expect(Object.fromEntries(pipeline.steps.map((s: any) => [s.id, s.status])), JSON.stringify(pipeline)).toEqual({ a: 'succeeded', b: 'succeeded', c: 'failed', d: 'skipped' });

    const p = await open(`#/pipelines/${id}`);
    const graph = p.page.getByTestId('pipeline-graph');
    await graph.waitFor();
    expect(await p.page.getByTestId('pipeline-status').textContent()).toBe(pipeline.status);
    const step = (s: string) => p.page.getByTestId(`pipeline-step-${s}`);
    expect(await step('a').getAttribute('data-status')).toBe('succeeded');
    expect(await step('b').getAttribute('data-status')).toBe('succeeded');
    expect(await step('c').getAttribute('data-status')).toBe('failed');
    expect(await step('d').getAttribute('data-status')).toBe('skipped');
    // Columns by depth, an edge per dependency.
    expect(await graph.locator('path.dag-edge').count()).toBe(3);
    const box = async (s: string) => (await step(s).boundingBox())!;
    const [a, b, c, d] = [await box('a'), await box('b'), await box('c'), await box('d')];
    expect(a.x).toBeLessThan(b.x);
    expect(b.x).toBe(c.x);
    expect(c.x).toBeLessThan(d.x);
    expect(b.y).not.toBe(c.y);
    // Each box links its run and shows its error.
    expect(await step('c').getByRole('link').getAttribute('href')).toBe(`#/runs/${steps.c.runId}`);
    expect(await step('c').textContent()).toContain(steps.c.error);
    expect(await step('d').textContent()).toContain(steps.d.error);
    // The steps table: outputs folded until opened.
    const table = p.page.getByTestId('pipeline-steps');
    const outputs = table.getByTestId('pipeline-step-row-a').locator('details');
    expect(await outputs.getAttribute('open')).toBeNull();
    await outputs.locator('summary').click();
    expect(await outputs.locator('pre').textContent()).toContain(steps.a.runId);
    await screenshot(p.page, 'pipeline');

    await p.page.locator('.topbar').getByRole('link', { name: 'Pipelines', exact: true }).click();
    const row = p.page.getByTestId(`pipeline-row-${id}`);
    await row.waitFor();
    await p.page.getByTestId('pipelines-table').waitFor();
    expect(await row.getByTestId('pipeline-status').textContent()).toBe(pipeline.status);
    await closeChecked(p);
  }, 60_000);

  it('draws the stitch frontier and picks the stitch the API picks for a budget', async () => {
    const family = await platform.request('POST', '/v1/families', {
      name: 'tiny',
      members: ['vit-s', 'vit-ti'],
      train: { steps: 40, batchSize: 32, data: { testFraction: 0.05 } },
    });
    expect(family.status, JSON.stringify(family.body)).toBe(201);
    const familyId = family.body.id;
    let status = 'training';
    await platform.waitFor(async () => {
      status = (await platform.request('GET', `/v1/families/${familyId}`)).body.status;
      return status !== 'training';
    }, 180_000, 'the family to finish training');
    expect(status).toBe('ready');

    const submitted = await platform.request('POST', '/v1/runs', {
      kind: 'stitch',
      spec: { familyId, steps: 20, batchSize: 16, checkpointEvery: 10, evaluation: { latency: { batchSize: 8, warmup: 1, runs: 3 } } },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    const id = submitted.body.id;
    const run = await platform.waitForRun(id, ['succeeded', 'failed', 'cancelled'], 180_000);
    expect(run.status, run.error).toBe('succeeded');
    const { stitches } = (await platform.request('GET', `/v1/runs/${id}/stitches`)).body;
    const { frontier } = (await platform.request('GET', `/v1/runs/${id}/frontier`)).body;
    expect(frontier.length).toBeGreaterThan(0);

    const p = await open(`#/runs/${id}`);
    const chart = p.page.getByTestId('pareto-chart');
    await chart.waitFor();
    expect(Number(await chart.getAttribute('data-points'))).toBe(stitches.length);
    expect(await chart.locator('canvas').count()).toBeGreaterThan(0);

    // A budget between the two cheapest frontier stitches (or just above the cheapest).
    const budget = frontier.length > 1 ? (frontier[0].flops + frontier[1].flops) / 2 : frontier[0].flops * 1.01;
    const applied = Number(await setInputValue(p.page, 'budget-slider', String(budget)));
    const chosen = p.page.getByTestId('chosen-stitch');
    await p.page.waitForFunction(
      (b) => {
        const el = document.querySelector('[data-testid="chosen-stitch"]');
        return el?.getAttribute('data-settled') === 'true' && Number(el.getAttribute('data-budget')) === b;
      },
      applied,
      { timeout: 20_000 },
    );
    const expected = (await platform.request('GET', `/v1/runs/${id}/frontier?maxFlops=${applied}`)).body.best;
    expect(expected).not.toBeNull();
    expect(await chosen.getAttribute('data-stitch-id')).toBe(String(expected.stitchId));
    if (frontier.length > 1 && applied < frontier[1].flops) expect(expected.stitchId).toBe(frontier[0].stitchId);
    expect(await p.page.getByTestId(`stitch-row-${expected.stitchId}`).getAttribute('class')).toContain('chosen-row');

    // Hovering a point shows its configuration: sweep the plot until the tooltip appears.
    const box = (await chart.locator('.u-over').boundingBox())!;
    const tooltip = p.page.getByTestId('pareto-tooltip');
    sweep: for (let fy = 0.02; fy < 1; fy += 0.06) {
      for (let fx = 0.01; fx < 1; fx += 0.03) {
        await p.page.mouse.move(box.x + fx * box.width, box.y + fy * box.height);
        if (await tooltip.count()) break sweep;
      }
    }
    expect(await tooltip.textContent()).toMatch(/#\d+ · (anchor|stitch).*FLOPs .*params .*accuracy \d/);

    // Export the chosen stitch as a model.
    await p.page.getByTestId('export-button').click();
    await p.page.getByTestId('exported-model').waitFor();
    await screenshot(p.page, 'stitch');
    await closeChecked(p);
  }, 420_000);
});
