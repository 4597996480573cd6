// Path traversal: every reference a user can hand the API (model ids and anchors in specs, family ids,
// dataset and task names, ids in URL paths, export's stitch id, static file paths) either names an
// object inside the platform or is refused with a 4xx — never a 5xx, never a 200 with data from
// outside — and a 400 names the field. Free-text names that end up in model names (run names,
// `modelName`, family names) are accepted but must not become paths: a real worker trains with
// them, and afterwards nothing exists outside the artifact store and no canary path was created.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from '../support/platform.js';

const CANARY = `anchorage-canary-${randomBytes(6).toString('hex')}`;
const SECRET = `secret-${randomBytes(8).toString('hex')}`; // a file name beside the dashboard root
const SECRET_CONTENT = `content-${randomBytes(8).toString('hex')}`; // what it holds (an error may echo the name, never this)

/** Path-like references: dot segments, absolute paths, URLs, backslashes, encodings, NUL, length. */
const PAYLOADS = [
  '..',
  '.',
  '../',
  '../../etc/passwd',
  `../../${CANARY}`,
  `../../../../../../../../tmp/${CANARY}`,
  '/etc/passwd',
  `/tmp/${CANARY}`,
  'file:///etc/passwd',
  `file:///tmp/${CANARY}`,
  '..\\..\\windows\\win.ini',
  `..\\..\\${CANARY}`,
  'C:\\Windows\\win.ini',
  '\\\\server\\share',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%252e%252e%252fetc%252fpasswd',
  '..%2f..%2fetc%2fpasswd',
  '..%c0%af..%c0%afetc%c0%afpasswd',
  '....//....//etc/passwd',
  '~/.ssh/id_rsa',
  'mdl_x/../../etc/passwd',
  'mdl_x\u0000../../etc/passwd',
  '\u0000',
  'mdl_x\n../x',
  ' ../x',
  'a'.repeat(201),
  'a'.repeat(100_000),
];

/** Ids in URL path segments: encoded and double-encoded dot segments and separators, NUL, overlong UTF-8, length. */
const URL_SEGMENTS = [
  '..',
  '%2e%2e',
  '%2E%2E',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%252e%252e%252fetc%252fpasswd',
  '..%5C..%5Cwindows%5Cwin.ini',
  '%2Fetc%2Fpasswd',
  'file%3A%2F%2F%2Fetc%2Fpasswd',
  `..%2F..%2F${CANARY}`,
  '%00',
  'mdl_x%00..%2F..%2Fetc%2Fpasswd',
  '%c0%ae%c0%ae',
  '%e0%80%ae',
  '%',
  '%zz',
  '~%2F.ssh%2Fid_rsa',
  'a'.repeat(5000),
];

interface Answer {
  status: number;
  text: string;
  body: any;
}

/** An HTTP request whose path goes out exactly as written (fetch would resolve `..` segments first). */
function raw(platform: Platform, method: string, path: string, body?: unknown): Promise<Answer> {
  const url = new URL(platform.baseUrl);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { ...platform.auth(), ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Every file and folder under `root`, as paths relative to it. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      out.push(relative(root, full));
      if (statSync(full).isDirectory()) walk(full);
    }
  };
  if (existsSync(root)) walk(root);
  return out.sort();
}

const leaked = (text: string) => /root:x:0:0|\[fonts\]|BEGIN OPENSSH|"name":\s*"@anchorage/.test(text) || text.includes(SECRET_CONTENT);

describe('path traversal', () => {
  let platform: Platform;
  let db: pg.Client;
  let scratch: string;
  let artifacts: string;
  let outside: string; // a folder of ours: the dashboard root and, beside it, a secret file
  let before: string[];
  const FAKE = ['mdl_trav_a', 'mdl_trav_b'];

  /** Checks an answer: a 4xx with `{ error }`, never data from outside; a 400 names `field` (a path prefix) when given. */
  function refused(what: string, answer: Answer, field?: string | RegExp) {
    const context = `${what} → ${answer.status} ${answer.text.slice(0, 400)}`;
    expect(answer.status, context).toBeGreaterThanOrEqual(400);
    expect(answer.status, context).toBeLessThan(500);
    expect(leaked(answer.text), context).toBe(false);
    expect(typeof answer.body?.error, context).toBe('string');
    if (answer.status === 400) {
      expect(answer.body.issues?.length, context).toBeGreaterThan(0);
      if (field !== undefined) {
        const paths: string[] = answer.body.issues.map((i: any) => i.path);
        const matches = (p: string) => (typeof field === 'string' ? p === field || p.startsWith(`${field}.`) : field.test(p));
        expect(paths.some(matches), `${context}\nissues name ${paths.join(', ')}, not ${field}`).toBe(true);
      }
    }
  }

  beforeAll(async () => {
    outside = mkdtempSync(join(tmpdir(), 'anchorage-traversal-'));
    mkdirSync(join(outside, 'web', 'assets'), { recursive: true });
    writeFileSync(join(outside, 'web', 'index.html'), '<!doctype html><title>dashboard</title>');
    writeFileSync(join(outside, 'web', 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(outside, `${SECRET}.txt`), SECRET_CONTENT);

    platform = await startPlatform({ database: 'postgres', diagnostics: true, env: { ANCHORAGE_RATE_LIMIT_PER_MINUTE: '0', ANCHORAGE_WEB_DIR: join(outside, 'web') } });
    artifacts = platform.env.ANCHORAGE_ARTIFACTS_DIR;
    scratch = dirname(artifacts);
    db = new pg.Client({ connectionString: platform.env.DATABASE_URL });
    await db.connect();
    for (const id of FAKE) {
      await db.query(`INSERT INTO models (id, name, kind, architecture, artifact_uri, created_at) VALUES ($1, $1, 'anchor', '{}', $2, now())`, [
        id,
        `file://${artifacts}/models/${id}/`,
      ]);
    }
    await platform.startWorker();
    before = tree(scratch);
  }, 180_000);

  afterAll(async () => {
    await db?.end();
    await platform?.stop();
    if (outside) rmSync(outside, { recursive: true, force: true });
  });

  it('model ids, anchors, family ids and dataset names in specs are refused with a 400 naming the field', async () => {
    const submit = (body: unknown) => raw(platform, 'POST', '/v1/runs', body);
    for (const payload of PAYLOADS) {
      const p = JSON.stringify(payload.slice(0, 60));
      refused(`evaluate modelId ${p}`, await submit({ kind: 'evaluate', spec: { modelId: payload } }), 'spec.modelId');
      refused(`evaluate modelId ${FAKE[0]}/${p}`, await submit({ kind: 'evaluate', spec: { modelId: `${FAKE[0]}/${payload}` } }), 'spec.modelId');
      refused(`finetune modelId ${p}`, await submit({ kind: 'finetune', spec: { modelId: payload } }), 'spec.modelId');
      refused(`stitch anchors [${p}, ok]`, await submit({ kind: 'stitch', spec: { anchors: [payload, FAKE[1]] } }), 'spec.anchors');
      refused(`stitch anchors [ok, ${p}]`, await submit({ kind: 'stitch', spec: { anchors: [FAKE[0], payload] } }), 'spec.anchors');
      refused(`stitch familyId ${p}`, await submit({ kind: 'stitch', spec: { familyId: payload } }), 'spec.familyId');
      refused(`evaluate dataset ${p}`, await submit({ kind: 'evaluate', spec: { modelId: FAKE[0], data: { dataset: payload } } }), 'spec.data.dataset');
      refused(`finetune task ${p}`, await submit({ kind: 'finetune', spec: { modelId: FAKE[0], data: { task: payload } } }), 'spec.data.task');
      refused(`train dataset ${p}`, await submit({ kind: 'train', spec: { data: { dataset: payload } } }), 'spec.data.dataset');
      refused(`stitch dataset ${p}`, await submit({ kind: 'stitch', spec: { anchors: FAKE, data: { dataset: payload } } }), 'spec.data.dataset');
      // Sweeps validate every trial at submit: the base and each parameter value.
      refused(
        `sweep base modelId ${p}`,
        await raw(platform, 'POST', '/v1/sweeps', { base: { kind: 'evaluate', spec: { modelId: payload } }, parameters: { 'spec.batchSize': { values: [1] } }, objective: { field: 'accuracy' } }),
        'base.spec.modelId',
      );
      refused(
        `sweep parameter modelId ${p}`,
        await raw(platform, 'POST', '/v1/sweeps', { base: { kind: 'evaluate', spec: { modelId: FAKE[0] } }, parameters: { 'spec.modelId': { values: [payload] } }, objective: { field: 'accuracy' } }),
        'parameters.spec.modelId',
      );
    }
    // Nothing of all that was stored.
    expect((await db.query('SELECT count(*)::int AS n FROM runs')).rows[0].n).toBe(0);
  }, 120_000);

  it('a pipeline step with a path for a model id is refused: at submit (400 naming it) or when the step starts, without a run', async () => {
    for (const payload of PAYLOADS.slice(0, 12)) {
      const answer = await raw(platform, 'POST', '/v1/pipelines', { steps: [{ id: 'a', type: 'run', run: { kind: 'evaluate', spec: { modelId: payload } } }] });
      if (answer.status === 201) {
        // Step specs may hold references (`${step.path}`), so they are validated when the step starts.
        expect(answer.body.steps[0], JSON.stringify(answer.body)).toMatchObject({ status: 'failed', runId: null });
        expect(answer.body.steps[0].error).toMatch(/spec\.modelId/);
      } else refused(`pipeline modelId ${payload.slice(0, 40)}`, answer, 'steps.0.run.spec.modelId');
    }
    const exported = await raw(platform, 'POST', '/v1/pipelines', { steps: [{ id: 'a', type: 'export', export: { runId: '../../etc/passwd' } }] });
    if (exported.status === 201) expect(exported.body.steps[0]).toMatchObject({ status: 'failed' });
    else refused('pipeline export runId', exported, 'steps.0.export.runId');
    expect((await db.query('SELECT count(*)::int AS n FROM runs')).rows[0].n).toBe(0);
  });

  it('ids in URL paths are refused with a 4xx (a 400 names the parameter or the URL), never a 5xx or outside data', async () => {
    const routes: [string, (id: string) => string][] = [
      ['GET', (id) => `/v1/runs/${id}`],
      ['GET', (id) => `/v1/runs/${id}/metrics`],
      ['GET', (id) => `/v1/runs/${id}/metrics?maxPoints=10`],
      ['GET', (id) => `/v1/runs/${id}/logs`],
      ['GET', (id) => `/v1/runs/${id}/stitches`],
      ['GET', (id) => `/v1/runs/${id}/frontier`],
      ['POST', (id) => `/v1/runs/${id}/cancel`],
      ['POST', (id) => `/v1/runs/${id}/retry`],
      ['POST', (id) => `/v1/runs/${id}/stitches/0/export`],
      ['GET', (id) => `/v1/models/${id}`],
      ['GET', (id) => `/v1/families/${id}`],
      ['GET', (id) => `/v1/sweeps/${id}`],
      ['POST', (id) => `/v1/sweeps/${id}/cancel`],
      ['GET', (id) => `/v1/pipelines/${id}`],
      ['POST', (id) => `/v1/pipelines/${id}/cancel`],
      ['POST', (id) => `/v1/workers/${id}/drain`],
      ['POST', (id) => `/v1/keys/${id}/revoke`],
    ];
    for (const [method, path] of routes) {
      for (const segment of URL_SEGMENTS) {
        const url = path(segment);
        refused(`${method} ${url.slice(0, 120)}`, await raw(platform, method, url), /^(id|\(url\))$/);
      }
      // Unencoded dot segments go out as written (fetch would resolve them): they must not reach another route's data.
      for (const rawPath of ['../../etc/passwd', '..', `../../${CANARY}`, '..\\..\\etc\\passwd']) {
        const url = path(rawPath);
        refused(`${method} ${url}`, await raw(platform, method, url));
      }
    }
    // A model id in a query is a filter, not a path.
    for (const payload of ['../../etc/passwd', '%2e%2e%2f', '/etc/passwd']) {
      const listed = await raw(platform, 'GET', `/v1/models?runId=${encodeURIComponent(payload)}`);
      expect(listed.status).toBe(200);
      expect(listed.body.models).toEqual([]);
    }
  });

  it('static files (dashboard, docs, queue board) never serve anything outside their folder', async () => {
    expect((await raw(platform, 'GET', '/index.html')).status).toBe(200); // the dashboard root is ours
    const probes = [
      `/..%2f${SECRET}.txt`,
      `/%2e%2e/${SECRET}.txt`,
      `/%2e%2e%2f${SECRET}.txt`,
      `/..%252f${SECRET}.txt`,
      `/assets/..%2f..%2f${SECRET}.txt`,
      `/assets/%2e%2e/%2e%2e/${SECRET}.txt`,
      `/assets/..%5c..%5c${SECRET}.txt`,
      `/..%5c${SECRET}.txt`,
      '/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/..%c0%af..%c0%afetc%c0%afpasswd',
      '/%00../etc/passwd',
      '/docs/..%2f..%2f..%2fpackage.json',
      '/docs/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/docs/static/..%2f..%2f..%2f..%2fpackage.json',
      '/admin/queues/static/..%2f..%2f..%2f..%2fpackage.json',
      '/admin/queues/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/admin/queues/api/..%2f..%2fetc%2fpasswd',
      `/file:%2f%2f%2ftmp%2f${CANARY}`,
    ];
    for (const path of probes) {
      const answer = await raw(platform, 'GET', path);
      const context = `GET ${path} → ${answer.status} ${answer.text.slice(0, 200)}`;
      expect(answer.status, context).toBeLessThan(500);
      expect(leaked(answer.text), context).toBe(false);
      expect(answer.status, context).not.toBe(200);
    }
  });

  it("export's stitch id is a number: paths are a 400 naming stitchId (or a 404 for the run)", async () => {
    const run = await raw(platform, 'POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'noop' } });
    expect(run.status).toBe(201);
    for (const segment of ['..', '%2e%2e', '..%2F..%2Fetc%2Fpasswd', '-1', '1.5', 'NaN', '1e3', '0x10', '%00', '1%2F..', 'a'.repeat(5000)]) {
      refused(`export stitch ${segment.slice(0, 30)}`, await raw(platform, 'POST', `/v1/runs/${run.body.id}/stitches/${segment}/export`), /^(stitchId|\(url\)|id)$/);
      refused(`export stitch of a traversal run ${segment.slice(0, 30)}`, await raw(platform, 'POST', `/v1/runs/..%2F..%2Fetc/stitches/${segment}/export`));
    }
    const cancelled = await raw(platform, 'POST', `/v1/runs/${run.body.id}/cancel`);
    expect([200, 409]).toContain(cancelled.status);
  });

  it('names that become model names (run name, modelName, family name) are not paths: a real worker keeps every file inside the artifact store', async () => {
    const name = `../../${CANARY}`;
    const tiny = { model: { preset: 'vit-ti', dim: 16, depth: 1, heads: 2 }, steps: 4, batchSize: 16, metricsEvery: 2, checkpointEvery: 2 };
    const train = await raw(platform, 'POST', '/v1/runs', { kind: 'train', name, spec: { ...tiny, modelName: `/tmp/${CANARY}` } });
    expect(train.status, train.text).toBe(201);
    const family = await raw(platform, 'POST', '/v1/families', { name: `..\\..\\${CANARY}`, members: ['vit-ti', 'vit-s'], train: { steps: 2, batchSize: 8, model: { dim: 16, depth: 1, heads: 2 } } });
    expect(family.status, family.text).toBe(201);

    const runIds = [train.body.id, ...family.body.members.map((m: any) => m.runId)];
    for (const id of runIds) {
      const done = await platform.waitForRun(id, ['succeeded', 'failed', 'cancelled'], 120_000);
      expect(done.status, JSON.stringify(done.error ?? done)).toBe('succeeded');
      // The model keeps its odd name, but its files are in the store, under the run's id.
      const model = (await raw(platform, 'GET', `/v1/models/${done.result.modelId}`)).body;
      const dir = fileURLToPath(model.artifactUri);
      expect(dir.startsWith(artifacts + sep), `${model.name}: ${dir}`).toBe(true);
      expect(dir).toContain(id);
      // Evaluating it is fine; a path next to its id is not.
      refused('evaluate a path beside a real model', await raw(platform, 'POST', '/v1/runs', { kind: 'evaluate', spec: { modelId: `${model.id}/../../${CANARY}` } }), 'spec.modelId');
    }
    const model = (await raw(platform, 'GET', `/v1/models/${(await platform.waitForRun(train.body.id, ['succeeded'])).result.modelId}`)).body;
    expect(model.name).toBe(`/tmp/${CANARY}`);
  }, 300_000);

  it('no file appeared outside the artifact store, and no canary path exists', () => {
    const after = tree(scratch);
    const added = after.filter((p) => !before.includes(p));
    const outsideStore = added.filter((p) => !(p === 'artifacts' || p.startsWith(`artifacts${sep}`)));
    expect(outsideStore).toEqual([]);
    console.log(`artifact store: ${added.length} new paths, e.g. ${added.filter((p) => p.includes('model')).slice(0, 3).join(', ')}`);
    expect(added.filter((p) => p.endsWith('model.json')).length).toBeGreaterThanOrEqual(3); // the worker did write its three models
    const canaries = [
      join('/tmp', CANARY),
      join(tmpdir(), CANARY),
      join(scratch, CANARY),
      join(dirname(scratch), CANARY),
      join(artifacts, CANARY),
      join(outside, CANARY),
      join(process.cwd(), CANARY),
      join(dirname(process.cwd()), CANARY),
    ];
    for (const path of canaries) expect(existsSync(path), path).toBe(false);
    // Nor anywhere in the temp folder or the artifact store under another spelling.
    expect(readdirSync(tmpdir()).filter((n) => n.includes(CANARY))).toEqual([]);
    expect(tree(artifacts).filter((p) => p.includes(CANARY))).toEqual([]);
  });
});
