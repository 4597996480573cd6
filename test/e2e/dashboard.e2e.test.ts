// The dashboard in a real browser against the real platform (API serving apps/web/dist, two
// workers): signing in with an API key (kept in the tab's sessionStorage only), what each role is
// offered, the Keys page, the runs table, a curve growing live, the stitch explorer's budget choice,
// the submit form's field errors, the workers page, a sweep's ranked results and a pipeline's step
// graph. Pages start signed in as the bootstrap admin unless a test says otherwise. Needs
// `npm run build` and `vite build` in apps/web first.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_STORAGE, launchBrowser, openPage, screenshot, setInputValue, type DashboardPage } from '../support/browser.js';
import { ROOT, sleep, startPlatform, type Platform } from '../support/platform.js';

const DIST = join(ROOT, 'apps/web/dist/index.html');
const TINY_MODEL = { preset: 'vit-ti', dim: 16, depth: 1, heads: 2 };

describe('dashboard in the browser', () => {
  let platform: Platform;
  let browser: Browser;
  const pages: DashboardPage[] = [];

  /** A page signed in with `apiKey` (the bootstrap admin's by default; null: signed out). */
  const open = async (hash: string, apiKey: string | null = platform.adminKey): Promise<DashboardPage> => {
    const p = await openPage(browser, `${platform.baseUrl}/${hash}`, { apiKey: apiKey ?? undefined });
    pages.push(p);
    return p;
  };
  const storedKey = (p: DashboardPage) => p.page.evaluate((k) => window.sessionStorage.getItem(k), KEY_STORAGE);
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

  it('signs in with an API key kept in sessionStorage only, and signs out', async () => {
    // Signed out, asking for the workers page: the sign-in page shows instead, and no key is stored.
    const p = await open('#/workers', null);
    const requested: string[] = [];
    p.page.on('request', (r) => requested.push(r.url()));
    await p.page.getByTestId('signin-page').waitFor();
    expect(await p.page.getByTestId('signin-key').getAttribute('type')).toBe('password');
    expect(await p.page.getByTestId('workers-table').count()).toBe(0);
    expect(await storedKey(p)).toBeNull();

    // A wrong key: the error line, still signed out.
    await p.page.getByTestId('signin-key').fill(`anc_${'x'.repeat(43)}`);
    await p.page.getByTestId('signin-submit').click();
    const error = p.page.getByTestId('signin-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('invalid or revoked key');
    expect(await storedKey(p)).toBeNull();
    await screenshot(p.page, 'signin-error');

    // The admin key: back to the page asked for, the role in the top bar, the key in sessionStorage.
    await p.page.getByTestId('signin-key').fill(platform.adminKey);
    await p.page.getByTestId('signin-submit').click();
    await p.page.getByTestId('workers-table').waitFor();
    expect(new URL(p.page.url()).hash).toBe('#/workers');
    const whoami = p.page.getByTestId('whoami');
    expect(await whoami.getAttribute('data-role')).toBe('admin');
    expect(await whoami.textContent()).toContain('admin');
    expect(await storedKey(p)).toBe(platform.adminKey);
    const local = await p.page.evaluate(() => Object.keys(window.localStorage).map((k) => `${k}=${window.localStorage.getItem(k)}`));
    expect(local.join('\n')).not.toContain(platform.adminKey);
    await p.page.getByTestId('nav-runs').click();
    await p.page.getByTestId('runs-table').waitFor();
    expect(await p.page.getByTestId('nav-keys').count()).toBe(1);
    await screenshot(p.page, 'signed-in');

    // A reload keeps the session (sessionStorage lives as long as the tab).
    await p.page.reload({ waitUntil: 'domcontentloaded' });
    await p.page.getByTestId('runs-table').waitFor();
    expect(await p.page.getByTestId('whoami').getAttribute('data-role')).toBe('admin');
    expect(await p.page.getByTestId('signin-page').count()).toBe(0);

    // Sign out: the sign-in page, the key gone from sessionStorage, and it stays gone after a reload.
    await p.page.getByTestId('signout').click();
    await p.page.getByTestId('signin-page').waitFor();
    expect(await storedKey(p)).toBeNull();
    expect(await p.page.getByTestId('runs-table').count()).toBe(0);
    await p.page.reload({ waitUntil: 'domcontentloaded' });
    await p.page.getByTestId('signin-page').waitFor();
    expect(await storedKey(p)).toBeNull();

    // The key never went into a URL (it travels as the Authorization header only).
    expect(p.page.url()).not.toContain(platform.adminKey);
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((u) => u.includes(platform.adminKey) || u.includes(encodeURIComponent(platform.adminKey)))).toEqual([]);
    await closeChecked(p, [/^401 GET .*\/v1\/me$/]);
  }, 60_000);

  it('offers a viewer no actions, and a submitter Cancel on its own runs only', async () => {
    const viewer = await platform.request('POST', '/v1/keys', { name: 'viewer-ui', role: 'viewer' });
    expect(viewer.status, JSON.stringify(viewer.body)).toBe(201);
    const submitter = await platform.request('POST', '/v1/keys', { name: 'submitter-ui', role: 'submitter' });
    expect(submitter.status, JSON.stringify(submitter.body)).toBe(201);
    // Two runs that stay active until cancelled: the admin's and the submitter's own.
    const sleeper = (name: string) => ({ kind: 'diagnostic', name, spec: { action: 'sleep', durationMs: 120_000, steps: 10 } });
    const adminRun = await platform.request('POST', '/v1/runs', sleeper('admin sleeper'));
    expect(adminRun.status, JSON.stringify(adminRun.body)).toBe(201);
    const ownRun = await platform.request('POST', '/v1/runs', sleeper('submitter sleeper'), platform.auth(submitter.body.key));
    expect(ownRun.status, JSON.stringify(ownRun.body)).toBe(201);
    expect(ownRun.body.owner).toBe(submitter.body.id);
    try {
      // The viewer: the run page without Cancel, no Keys entry, a note instead of the submit form,
      // no Drain, and the Keys page refused.
      const v = await open(`#/runs/${adminRun.body.id}`, viewer.body.key);
      await v.page.getByTestId('page-loaded').waitFor({ state: 'attached' });
      expect(await v.page.getByTestId('whoami').getAttribute('data-role')).toBe('viewer');
      expect(await v.page.getByTestId('whoami').textContent()).toContain('viewer-ui');
      expect(await v.page.getByTestId('run-status').textContent()).toMatch(/^(queued|running)$/);
      expect(await v.page.getByTestId('cancel-button').count()).toBe(0);
      expect(await v.page.getByTestId('retry-button').count()).toBe(0);
      expect(await v.page.getByTestId('nav-keys').count()).toBe(0);
      expect(await v.page.locator('.topbar').getByRole('link', { name: 'Keys', exact: true }).count()).toBe(0);
      await screenshot(v.page, 'run-viewer');
      await v.page.getByTestId('nav-submit').click();
      await v.page.getByTestId('submit-forbidden').waitFor();
      expect(await v.page.getByTestId('submit-form').count()).toBe(0);
      await v.page.getByTestId('nav-workers').click();
      await v.page.getByTestId('workers-table').waitFor();
      expect(await v.page.locator('[data-testid^="drain-"]').count()).toBe(0);
      await v.page.evaluate(() => (window.location.hash = '#/keys'));
      await v.page.getByTestId('keys-forbidden').waitFor();
      await closeChecked(v);

      // The submitter: Cancel on its own run, not on the admin's.
      const s = await open(`#/runs/${ownRun.body.id}`, submitter.body.key);
      await s.page.getByTestId('cancel-button').waitFor();
      expect(await s.page.getByTestId('whoami').getAttribute('data-role')).toBe('submitter');
      await s.page.evaluate((id) => (window.location.hash = `#/runs/${id}`), adminRun.body.id);
      await s.page.locator('h1', { hasText: 'admin sleeper' }).waitFor();
      await s.page.getByTestId('page-loaded').waitFor({ state: 'attached' });
      expect(await s.page.getByTestId('cancel-button').count()).toBe(0);
      expect(await s.page.getByTestId('nav-keys').count()).toBe(0);
      await closeChecked(s);

      // What the UI leaves out, the API refuses.
      expect((await platform.request('POST', `/v1/runs/${adminRun.body.id}/cancel`, undefined, platform.auth(viewer.body.key))).status).toBe(403);
      expect((await platform.request('POST', `/v1/runs/${adminRun.body.id}/cancel`, undefined, platform.auth(submitter.body.key))).status).toBe(403);
    } finally {
      for (const run of [adminRun, ownRun]) await platform.request('POST', `/v1/runs/${run.body.id}/cancel`);
    }
  }, 60_000);

  it('creates a key on the Keys page, shows its secret once, and revokes it', async () => {
    const p = await open('#/keys');
    await p.page.getByTestId('keys-page').waitFor();
    await p.page.getByTestId('page-loaded').waitFor({ state: 'attached' });
    await p.page.getByTestId('key-name').fill('ui-made');
    await p.page.getByTestId('key-role').selectOption('submitter');
    await p.page.getByTestId('key-create').click();
    const secret = (await p.page.getByTestId('key-secret').textContent())!;
    expect(secret).toMatch(/^anc_\S{20,}$/);

    // The new row (the API lists it without its secret), and the secret works.
    const listed = ((await platform.request('GET', '/v1/keys')).body.keys as any[]).find((k) => k.name === 'ui-made');
    expect(listed).toMatchObject({ role: 'submitter', revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(secret);
    const row = p.page.getByTestId(`key-row-${listed.id}`);
    await row.waitFor();
    expect(await p.page.getByTestId('keys-table').isVisible()).toBe(true);
    expect(await row.textContent()).toContain('submitter');
    expect(await row.textContent()).toContain(listed.prefix);
    expect(secret.startsWith(listed.prefix)).toBe(true);
    expect((await platform.request('GET', '/v1/me', undefined, platform.auth(secret))).body).toMatchObject({ id: listed.id, name: 'ui-made', role: 'submitter' });
    await screenshot(p.page, 'keys-created');

    // Shown once: gone after Done, and not shown again after a reload.
    await p.page.getByTestId('key-secret-done').click();
    expect(await p.page.getByTestId('key-secret').count()).toBe(0);
    await p.page.reload({ waitUntil: 'domcontentloaded' });
    await row.waitFor();
    expect(await p.page.getByTestId('key-secret').count()).toBe(0);
    expect(await p.page.content()).not.toContain(secret);

    // Another tab signed in with the new key.
    const other = await open('#/runs', secret);
    await other.page.getByTestId('runs-table').waitFor();
    expect(await other.page.getByTestId('whoami').textContent()).toContain('ui-made');

    // Revoke, confirming the dialog: the row says revoked and the key stops working at once.
    p.page.once('dialog', (dialog) => void dialog.accept());
    await p.page.getByTestId(`key-revoke-${listed.id}`).click();
    await p.page.waitForFunction((id) => document.querySelector(`[data-testid="key-row-${id}"] [data-testid="key-revoked"]`)?.getAttribute('data-revoked') === 'true', listed.id);
    expect(await row.getByTestId('key-revoked').textContent()).toContain('revoked');
    expect(await p.page.getByTestId(`key-revoke-${listed.id}`).count()).toBe(0);
    expect((await platform.request('GET', '/v1/me', undefined, platform.auth(secret))).status).toBe(401);
    await screenshot(p.page, 'keys-revoked');
    await closeChecked(p);

    // The other tab's next call answers 401: it is signed out, with the reason, on the same route.
    await other.page.getByTestId('nav-sweeps').click();
    await other.page.getByTestId('signin-page').waitFor();
    expect(await other.page.getByTestId('signin-error').textContent()).toContain('invalid or revoked key');
    expect(await storedKey(other)).toBeNull();
    expect(new URL(other.page.url()).hash).toBe('#/sweeps');
    await closeChecked(other, [/^401 GET .*\/v1\//]);
  }, 60_000);

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
