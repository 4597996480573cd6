// Property-based fuzzing of the REST API with fast-check: thousands of generated and mutated run
// submissions (plus sweeps, pipelines, families, keys, cancels, list queries and metric queries)
// against the real API process on Postgres. Properties: no 5xx ever; every 4xx is `{ error }` JSON;
// every 400 has `issues` naming fields; an accepted run comes back with an id; and afterwards the
// database holds exactly the runs the answers say were created — no more, no fewer.
//
// Inputs are generated up front from a fixed seed (FUZZ_SEED, FUZZ_RUNS, FUZZ_RELATED override it),
// so a failure reproduces: the report prints the failing request (method, path, headers, body).
// FUZZ_VERBOSE=1 also prints one example request for each kind of 400 (what the inputs reach).
import fc from 'fast-check';
import pg from 'pg';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunSchema, describeCatalog, JOB_KINDS, RUN_STATUSES, VIT_PRESET_NAMES, ROLES } from '@anchorage/contracts';
import { startPlatform, type Platform } from '../support/platform.js';
import { CONTENT_TYPES, deepJson, fromSchema, hostileValue, idempotencyKey, idLike, mutated, rawBody, text, type Hints } from '../support/fuzz.js';

const SEED = Number(process.env.FUZZ_SEED ?? 424242);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const RELATED = Number(process.env.FUZZ_RELATED ?? 500);
const CONCURRENCY = 8;

/** Registered models the generated specs refer to (inserted straight into the database: no workers). */
const MODEL_IDS = ['mdl_fuzz_ti', 'mdl_fuzz_s', 'mdl_fuzz_b'];
const hints: Hints = { modelIds: MODEL_IDS };

type Endpoint = 'runs' | 'sweeps' | 'pipelines' | 'families' | 'keys' | 'cancel' | 'list' | 'metrics';

/** A generated request; `runRef` picks an id accepted earlier (resolved when it is sent) or names a made-up one. */
interface FuzzRequest {
  endpoint: Endpoint;
  method: 'GET' | 'POST';
  path: string;
  runRef?: { known: number } | { literal: string };
  headers: [string, string][];
  body?: string;
}

// ---- generators -------------------------------------------------------------------------------

/** encodeURIComponent that survives lone surrogates (they become U+FFFD, as UTF-8 on the wire would). */
const pct = (s: string) => encodeURIComponent(Buffer.from(s, 'utf8').toString('utf8'));

const catalog = describeCatalog().kinds;
const specOf = (kind: string) => fromSchema(catalog.find((k) => k.kind === kind)!.specSchema, hints);

/** The run envelope from createRunSchema's own JSON Schema (so new envelope fields get fuzzed too), with a catalog spec. */
const envelopeSchema = z.toJSONSchema(createRunSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, any>;
// Built once per kind (building arbitraries from schemas is the slow part, not drawing from them).
const runSubmission = fc.oneof(...JOB_KINDS.map((kind) => {
  const fields = Object.fromEntries(
    Object.entries(envelopeSchema.properties as Record<string, any>)
      .filter(([key]) => key !== 'kind' && key !== 'spec')
      .map(([key, schema]) => [key, fromSchema(schema, hints, key)]),
  );
  // No resource class here offers device memory, so `minDeviceMemoryGb` is always refused: rarely.
  const resources = fc.oneof({ arbitrary: fc.record({ accelerator: fc.constantFrom('cpu', 'any', 'gpu') }, { requiredKeys: [] }), weight: 6 }, { arbitrary: fields.resources, weight: 1 });
  return fc.record({ ...fields, resources, kind: fc.constant(kind), spec: specOf(kind) }, { requiredKeys: ['kind', 'spec'] });
}));

/** A small valid run (fresh object each time: mutations change values in place). */
const sleepRun = fc.record({ kind: fc.constant('diagnostic'), spec: fc.record({ action: fc.constant('sleep'), durationMs: fc.integer({ min: 0, max: 1000 }) }) });

const jsonContentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 12 },
  { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 1 },
);

/** A JSON body (mostly a mutated plausible one), fully random JSON, or a raw non-JSON body. */
function bodyFor(plausible: fc.Arbitrary<unknown>, extraRaw: string[] = []): fc.Arbitrary<{ body?: string; contentType?: string }> {
  return fc.oneof(
    { arbitrary: fc.record({ body: mutated(plausible).map((v) => JSON.stringify(v)), contentType: jsonContentType }), weight: 14 },
    { arbitrary: fc.record({ body: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), contentType: jsonContentType }), weight: 2 },
    {
      arbitrary: fc.record({
        body: extraRaw.length ? fc.oneof(rawBody(plausible), fc.constantFrom(...extraRaw)) : rawBody(plausible),
        contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
      }),
      weight: 3,
    },
    { arbitrary: fc.record({ contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }) }), weight: 1 },
  );
}

function headersFor(contentType: string | undefined, extra: [string, string][] = []): [string, string][] {
  return [...(contentType === undefined ? [] : ([['content-type', contentType]] as [string, string][])), ...extra];
}

const runRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    bodyFor(runSubmission, [`{"kind":"diagnostic","spec":${deepJson(10_000, 'object')}}`]),
    fc.oneof({ arbitrary: fc.constant([] as string[]), weight: 6 }, { arbitrary: fc.array(idempotencyKey(), { minLength: 1, maxLength: 2 }), weight: 1 }),
  )
  .map(([{ body, contentType }, keys]) => ({
    endpoint: 'runs' as const,
    method: 'POST' as const,
    path: '/v1/runs',
    headers: headersFor(contentType, keys.map((k) => ['idempotency-key', k] as [string, string])),
    body,
  }));

const DEEP = deepJson(10_000, 'array');

// Sweeps: mostly valid ones (paths that exist, values the base accepts), now and then hostile paths and ranges.
const sweepParameter = fc.oneof(
  fc.record({ values: fc.array(fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 8 }), fc.boolean()), { minLength: 1, maxLength: 6 }) }),
  fc.record({ min: fc.double({ min: -10, max: 10, noNaN: true }), max: fc.double({ min: -10, max: 1000, noNaN: true }), log: fc.boolean(), int: fc.boolean() }, { requiredKeys: ['min', 'max'] }),
);
const sweepPath = fc.oneof(
  fc.constantFrom('spec.steps', 'spec.batchSize', 'spec.learningRate', 'spec.durationMs', 'spec.lora.rank', 'spec.model.dim', 'priority', 'maxAttempts', 'name'),
  fc.constantFrom('spec.__proto__.polluted', 'spec.constructor.prototype.polluted', 'spec.prototype', 'spec', 'kind', 'spec..x', 'base.spec.x'),
  fc.stringMatching(/^spec(\.[A-Za-z0-9_]{1,6}){1,3}$/),
);
const validSweepParameters = fc.dictionary(
  fc.constantFrom('spec.durationMs', 'spec.steps', 'priority', 'maxAttempts'),
  fc.record({ values: fc.uniqueArray(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 4 }) }),
  { minKeys: 1, maxKeys: 2 },
);
const sweepBody = fc.record(
  {
    name: text(1, 200),
    base: fc.oneof({ arbitrary: sleepRun, weight: 4 }, { arbitrary: runSubmission, weight: 1 }),
    parameters: fc.oneof({ arbitrary: validSweepParameters, weight: 4 }, { arbitrary: fc.dictionary(sweepPath, sweepParameter, { minKeys: 1, maxKeys: 3 }), weight: 1 }),
    strategy: fc.oneof({ arbitrary: fc.constant('grid'), weight: 4 }, { arbitrary: fc.constant('random'), weight: 1 }),
    trials: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 12 }), weight: 4 }, { arbitrary: fc.constantFrom(0, 1000, 1001), weight: 1 }),
    seed: fc.integer({ min: -1, max: 1000 }),
    concurrency: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 4 }), weight: 6 }, { arbitrary: fc.constantFrom(0, 64, 65), weight: 1 }),
    objective: fc.record({ field: fc.oneof(fc.constant('durationMs'), fc.string({ minLength: 1, maxLength: 20 })), goal: fc.constantFrom('max', 'min') }, { requiredKeys: ['field'] }),
    earlyStopping: fc.record({ metric: fc.constant('diag/value'), goal: fc.constantFrom('max', 'min'), minSteps: fc.integer({ min: 0, max: 50 }), minTrials: fc.integer({ min: 0, max: 5 }) }, { requiredKeys: ['metric'] }),
  },
  { requiredKeys: ['base', 'parameters', 'objective'] },
);
const sweepRequest: fc.Arbitrary<FuzzRequest> = bodyFor(sweepBody, [
  `{"base":{"kind":"train","spec":${DEEP}},"parameters":{"spec.steps":{"values":[1]}},"objective":{"field":"a"}}`,
]).map(({ body, contentType }) => ({ endpoint: 'sweeps' as const, method: 'POST' as const, path: '/v1/sweeps', headers: headersFor(contentType), body }));

// Pipelines: mostly well-formed graphs (ids a, b, c, d in order, dependencies on earlier steps,
// references to them), then the usual mutations; hostile ids and references now and then.
const STEP_IDS = ['a', 'b', 'c', 'd'];
const HOSTILE_STEP_IDS = ['constructor', '__proto__', 'x-1', 'A', '1a', ''];
const referenceTo = (ids: string[]) =>
  fc.tuple(fc.constantFrom(...ids), fc.constantFrom('', '.runId', '.result.modelId', '.modelIds.0', '.__proto__', '.constructor.name', '.familyId')).map(([id, path]) => `\${${id}${path}}`);
const familyBody = fc.record(
  {
    name: text(1, 200),
    members: fc.oneof({ arbitrary: fc.shuffledSubarray([...VIT_PRESET_NAMES], { minLength: 2 }), weight: 4 }, { arbitrary: fc.array(fc.constantFrom(...VIT_PRESET_NAMES, 'vit-l'), { maxLength: 4 }), weight: 1 }),
    train: fc.oneof({ arbitrary: fc.record({ steps: fc.integer({ min: 1, max: 100 }), batchSize: fc.integer({ min: 1, max: 64 }) }), weight: 2 }, { arbitrary: specOf('train'), weight: 1 }),
    priority: fc.integer({ min: -101, max: 101 }),
    maxAttempts: fc.integer({ min: 1, max: 21 }),
  },
  { requiredKeys: ['name'] },
);
function pipelineStep(index: number): fc.Arbitrary<Record<string, unknown>> {
  const earlier = STEP_IDS.slice(0, index);
  const common = {
    id: fc.oneof({ arbitrary: fc.constant(STEP_IDS[index]), weight: 12 }, { arbitrary: fc.constantFrom(...HOSTILE_STEP_IDS, ...STEP_IDS), weight: 1 }),
    dependsOn: fc.oneof({ arbitrary: fc.subarray(earlier), weight: 8 }, { arbitrary: fc.subarray([...STEP_IDS, ...HOSTILE_STEP_IDS], { maxLength: 3 }), weight: 1 }),
    onFailure: fc.constantFrom('fail', 'skip'),
  };
  const ref = earlier.length ? referenceTo(earlier) : referenceTo(STEP_IDS);
  const run = fc.oneof(
    { arbitrary: sleepRun, weight: 3 },
    { arbitrary: runSubmission, weight: 2 },
    { arbitrary: fc.record({ kind: fc.constantFrom('evaluate', 'finetune'), spec: fc.record({ modelId: fc.oneof(ref, fc.constantFrom(...MODEL_IDS)) }) }), weight: 1 },
  );
  return fc.oneof(
    { arbitrary: fc.record({ ...common, type: fc.constant('run'), run }, { requiredKeys: ['id', 'type', 'run'] }), weight: 4 },
    { arbitrary: fc.record({ ...common, type: fc.constant('family'), family: familyBody }, { requiredKeys: ['id', 'type', 'family'] }), weight: 1 },
    {
      arbitrary: fc.record(
        {
          ...common,
          type: fc.constant('export'),
          export: fc.record({ runId: fc.oneof(ref, idLike()), maxFlops: fc.double({ min: -1, max: 1e9, noNaN: true }), maxLatencyMs: fc.double({ min: -1, max: 1e3, noNaN: true }) }, { requiredKeys: ['runId'] }),
        },
        { requiredKeys: ['id', 'type', 'export'] },
      ),
      weight: 1,
    },
  );
}
const pipelineSteps = STEP_IDS.map((_, i) => pipelineStep(i));
const pipelineBody = fc.oneof(
  ...STEP_IDS.map((_, n) => fc.record({ name: text(1, 200), steps: fc.tuple(...pipelineSteps.slice(0, n + 1)) }, { requiredKeys: ['steps'] })),
);
const pipelineRequest: fc.Arbitrary<FuzzRequest> = bodyFor(pipelineBody, [
  `{"steps":[{"id":"a","type":"run","run":{"kind":"train","spec":${DEEP}}}]}`,
  `{"steps":[{"id":"a","type":"family","family":{"name":"f","train":{"x":${DEEP}}}}]}`,
]).map(({ body, contentType }) => ({ endpoint: 'pipelines' as const, method: 'POST' as const, path: '/v1/pipelines', headers: headersFor(contentType), body }));

const familyRequest: fc.Arbitrary<FuzzRequest> = bodyFor(familyBody, [`{"name":"deep","train":{"model":${DEEP}}}`]).map(({ body, contentType }) => ({
  endpoint: 'families' as const,
  method: 'POST' as const,
  path: '/v1/families',
  headers: headersFor(contentType),
  body,
}));

const keyRequest: fc.Arbitrary<FuzzRequest> = bodyFor(
  fc.record({ name: fc.oneof(fc.stringMatching(/^[\w .@:-]{1,100}$/), fc.string({ maxLength: 120 })), role: fc.constantFrom(...ROLES, 'root', '') }, { requiredKeys: ['name', 'role'] }),
).map(({ body, contentType }) => ({ endpoint: 'keys' as const, method: 'POST' as const, path: '/v1/keys', headers: headersFor(contentType), body }));

/** A path segment: an accepted run's id, or a made-up / hostile one (percent-encoded, or raw now and then). */
const runRef = fc.oneof(
  { arbitrary: fc.nat().map((n) => ({ known: n })), weight: 3 },
  { arbitrary: idLike().map((s) => ({ literal: s })), weight: 2 },
  {
    arbitrary: fc.tuple(hostileValue().filter((v) => typeof v === 'string' && v.length > 0 && v.length < 5000), fc.boolean()).map(([s, raw]) => ({ literal: raw ? String(s).replace(/[/?#\s]/g, '') || 'x' : pct(String(s)) })),
    weight: 2,
  },
  { arbitrary: fc.constantFrom('%00', '%2e%2e', '..%2F..%2Fetc%2Fpasswd', '%252e%252e', '%ff', '%', 'a%zz', '%C0%AE').map((s) => ({ literal: s })), weight: 1 },
);

const cancelRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(runRef, fc.option(fc.constantFrom('{}', '{"reason":"x"}', 'junk'), { nil: undefined }))
  .map(([ref, body]) => ({
    endpoint: 'cancel' as const,
    method: 'POST' as const,
    path: '/v1/runs/:id/cancel',
    runRef: ref,
    headers: body === undefined ? [] : ([['content-type', 'application/json']] as [string, string][]),
    body,
  }));

const queryValue = fc.oneof(
  fc.constantFrom(...JOB_KINDS, ...RUN_STATUSES, '1', '0', '-1', '500', '501', '1.5', 'NaN', 'Infinity', '1e3', '', ' ', 'run_', 'null'),
  hostileValue().filter((v) => typeof v === 'string' && v.length < 3000).map(String),
  fc.integer().map(String),
);
const queryString = fc
  .array(
    fc.tuple(
      fc.oneof({ arbitrary: fc.constantFrom('kind', 'status', 'q', 'cursor', 'limit'), weight: 5 }, { arbitrary: fc.constantFrom('bogus', '__proto__', 'constructor', 'limit[]', 'a[b]', ''), weight: 1 }),
      queryValue,
      fc.oneof({ arbitrary: fc.constant(true), weight: 5 }, { arbitrary: fc.constant(false), weight: 1 }),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => pairs.map(([k, v, encode]) => `${pct(k)}=${encode ? pct(v) : v.replace(/[#\s&]/g, '')}`).join('&'));

const listRequest: fc.Arbitrary<FuzzRequest> = queryString.map((q) => ({ endpoint: 'list' as const, method: 'GET' as const, path: `/v1/runs?${q}`, headers: [] }));

const metricsRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(runRef, fc.oneof(fc.constantFrom('2', '1', '0', '-5', '100000', '100001', '2.5', 'abc', '', '1e5', '0x10', '99999999999999999999'), fc.integer().map(String)), fc.option(fc.constantFrom('train/loss', '', 'a%00b', '%ff'), { nil: undefined }))
  .map(([ref, maxPoints, name]) => ({
    endpoint: 'metrics' as const,
    method: 'GET' as const,
    path: `/v1/runs/:id/metrics?maxPoints=${pct(maxPoints)}${name === undefined ? '' : `&name=${name}`}`,
    runRef: ref,
    headers: [],
  }));

// ---- the test ---------------------------------------------------------------------------------

interface Failure {
  endpoint: string;
  reason: string;
  request: { method: string; path: string; headers: [string, string][]; body?: string };
  status: number;
  response: string;
}

describe('REST API fuzzing (fast-check)', () => {
  let platform: Platform;
  let db: pg.Client;

  beforeAll(async () => {
    platform = await startPlatform({
      database: 'postgres',
      diagnostics: true,
      env: {
        ANCHORAGE_RATE_LIMIT_PER_MINUTE: '0',
        // No scheduler ticks: sweeps and pipelines create their runs only while their POST is
        // answered, so the answers account for every run (see the comparison below).
        ANCHORAGE_SCHEDULER_INTERVAL_MS: '0',
        LOG_LEVEL: 'error',
      },
    });
    db = new pg.Client({ connectionString: platform.env.DATABASE_URL });
    await db.connect();
    for (const [i, id] of MODEL_IDS.entries()) {
      await db.query(
        `INSERT INTO models (id, name, kind, architecture, artifact_uri, created_at) VALUES ($1, $2, 'anchor', $3, $4, now())`,
        [id, id, JSON.stringify({ preset: VIT_PRESET_NAMES[i] }), `file://${platform.env.ANCHORAGE_ARTIFACTS_DIR}/models/${id}/`],
      );
    }
  }, 180_000);

  afterAll(async () => {
    await db?.end();
    await platform?.stop();
  });

  it(`${RUNS} run submissions and ${RELATED} requests to each related endpoint: no 5xx, well-formed 4xx, exact accounting`, async () => {
    const started = Date.now();
    const sample = <T>(arb: fc.Arbitrary<T>, numRuns: number, offset: number) => fc.sample(arb, { numRuns, seed: SEED + offset });
    const runRequests = sample(runRequest, RUNS, 0);
    const related = [
      ...sample(sweepRequest, RELATED, 1),
      ...sample(pipelineRequest, RELATED, 2),
      ...sample(familyRequest, RELATED, 3),
      ...sample(keyRequest, RELATED, 4),
      ...sample(cancelRequest, RELATED, 5),
      ...sample(listRequest, RELATED, 6),
      ...sample(metricsRequest, RELATED, 7),
    ];
    // Interleave the related endpoints deterministically (cancels and creates mix).
    const order = fc.sample(fc.shuffledSubarray([...related.keys()], { minLength: related.length }), { numRuns: 1, seed: SEED + 8 })[0];
    const mixed = order.map((i) => related[i]);
    console.log(`fuzz seed ${SEED}: ${runRequests.length} run submissions, ${mixed.length} related requests, generated in ${Date.now() - started} ms`);

    const failures: Failure[] = [];
    const counts: Record<string, Record<string, number>> = {};
    const knownRuns: string[] = [];
    const created = new Set<string>(); // ids of 201 answers to POST /v1/runs
    const replayed = new Set<string>(); // ids of 200 (Idempotency-Key replay) answers
    const keysCreatedWith = new Set<string>();
    const sweeps: { id: string; trialRuns: string[]; concurrency: number; planned: number }[] = [];
    const families = new Map<string, number>(); // family id → members
    const pipelines: string[] = [];
    const rejections = new Map<string, number>(); // the first issue of each 400, to show what the inputs reached

    const send = async (request: FuzzRequest) => {
      let path = request.path;
      if (request.runRef) {
        const id = 'known' in request.runRef ? (knownRuns.length ? knownRuns[request.runRef.known % knownRuns.length] : 'run_none') : request.runRef.literal;
        path = path.replace(':id', id);
      }
      const shown = { method: request.method, path, headers: request.headers, body: request.body && request.body.length > 2000 ? `${request.body.slice(0, 2000)}… (${request.body.length} chars)` : request.body };
      let status = 0;
      let text = '';
      let headers: Headers | undefined;
      try {
        // A Buffer body: fetch adds no content-type of its own, so "no content-type" is really none.
        const response = await fetch(`${platform.baseUrl}${path}`, {
          method: request.method,
          headers: [...Object.entries(platform.auth()), ...request.headers],
          body: request.body === undefined ? undefined : Buffer.from(request.body, 'utf8'),
        });
        status = response.status;
        headers = response.headers;
        text = await response.text();
      } catch (error) {
        failures.push({ endpoint: request.endpoint, reason: `request failed: ${(error as Error).message} ${(error as Error & { cause?: Error }).cause?.message ?? ''}`, request: shown, status, response: '' });
        return;
      }
      (counts[request.endpoint] ??= {})[status] = ((counts[request.endpoint] ??= {})[status] ?? 0) + 1;
      const fail = (reason: string) => failures.push({ endpoint: request.endpoint, reason, request: shown, status, response: text.slice(0, 1000) });
      let body: any;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      if (status >= 500) return fail('5xx');
      if ([401, 403, 429].includes(status)) return fail('the admin key was refused or rate limited');
      if (status >= 400) {
        if (!body || typeof body.error !== 'string') return fail('4xx without a JSON body with a string `error`');
        if (status === 400) {
          const issues = body.issues;
          if (!Array.isArray(issues) || issues.length === 0) return fail('400 without issues');
          if (!issues.every((i: any) => i && typeof i.path === 'string' && typeof i.message === 'string')) return fail('400 with a malformed issue');
          const first = `${request.endpoint} ${issues[0].path}: ${issues[0].message.replace(/[\d.]+|"[^"]*"|: .*$/g, '…').slice(0, 60)}`;
          rejections.set(first, (rejections.get(first) ?? 0) + 1);
          if (process.env.FUZZ_VERBOSE && rejections.get(first) === 1) console.log(`example of ${first}:\n  ${JSON.stringify(shown).slice(0, 1500)}`);
        }
        return;
      }
      if (request.endpoint === 'runs') {
        if (typeof body?.id !== 'string' || !body.id) return fail('accepted run without an id');
        if (status === 201) {
          if (created.has(body.id)) return fail(`201 for a run id answered before: ${body.id}`);
          created.add(body.id);
          knownRuns.push(body.id);
          // fetch trims each value and joins repeated headers with ", ": the key the server stores.
          const keys = request.headers.filter(([h]) => h === 'idempotency-key').map(([, v]) => v.trim());
          if (keys.length) keysCreatedWith.add(keys.join(', '));
        } else if (status === 200) {
          if (headers?.get('idempotent-replayed') !== 'true') return fail('200 on POST /v1/runs without Idempotent-Replayed');
          replayed.add(body.id);
        } else return fail(`unexpected status ${status}`);
      } else if (request.endpoint === 'sweeps' && status === 201) {
        const trialRuns = (body.trials as any[]).map((t) => t.runId).filter((id): id is string => typeof id === 'string');
        sweeps.push({ id: body.id, trialRuns, concurrency: body.concurrency, planned: body.trials.length });
        knownRuns.push(...trialRuns);
      } else if (request.endpoint === 'families' && status === 201) {
        families.set(body.id, body.members.length);
        knownRuns.push(...body.members.map((m: any) => m.runId));
      } else if (request.endpoint === 'pipelines' && status === 201) {
        pipelines.push(body.id);
      } else if (['sweeps', 'pipelines', 'families', 'keys'].includes(request.endpoint) && typeof body?.id !== 'string') {
        return fail(`${status} without an id`);
      }
    };

    const runAll = async (requests: FuzzRequest[]) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < requests.length) await send(requests[next++]);
        }),
      );
    };
    const t0 = Date.now();
    await runAll(runRequests);
    const t1 = Date.now();
    await runAll(mixed);
    const t2 = Date.now();

    // ---- exact accounting ----
    // Every run in the database was created by one of three paths, told apart by its columns:
    //  * sweep trials (sweep_id set): with the scheduler off, a sweep submits its first
    //    min(concurrency, trials) trials while POST /v1/sweeps is answered, and the answer lists them;
    //  * family members (family_id set): one train run per member, all in the POST's transaction —
    //    families from POST /v1/families and from pipeline family steps;
    //  * everything else (both null): 201 answers of POST /v1/runs (an Idempotency-Key replay, 200,
    //    names a run already counted) plus the runs of pipeline run steps, which a pipeline submits
    //    while its POST is answered (GET /v1/pipelines/:id names them).
    const pipelineRuns = new Set<string>();
    for (const id of pipelines) {
      const view = await platform.request('GET', `/v1/pipelines/${id}`);
      expect(view.status).toBe(200);
      for (const step of view.body.steps) {
        if (step.runId) pipelineRuns.add(step.runId);
        if (step.familyId) {
          const family = await platform.request('GET', `/v1/families/${step.familyId}`);
          families.set(step.familyId, family.body.members.length);
        }
      }
    }
    for (const id of replayed) if (!created.has(id)) failures.push({ endpoint: 'runs', reason: `replay of a run never created: ${id}`, request: { method: 'POST', path: '/v1/runs', headers: [] }, status: 200, response: '' });

    const plainRows = (await db.query<{ id: string }>('SELECT id FROM runs WHERE family_id IS NULL AND sweep_id IS NULL')).rows.map((r) => r.id);
    const familyRows = (await db.query<{ family_id: string; n: number }>('SELECT family_id, count(*)::int AS n FROM runs WHERE family_id IS NOT NULL GROUP BY family_id')).rows;
    const sweepRows = (await db.query<{ sweep_id: string; ids: string[] }>('SELECT sweep_id, array_agg(id ORDER BY id) AS ids FROM runs WHERE sweep_id IS NOT NULL GROUP BY sweep_id')).rows;
    const total = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM runs')).rows[0].n;
    const keyed = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM runs WHERE idempotency_key IS NOT NULL')).rows[0].n;

    const expectedPlain = new Set([...created, ...pipelineRuns]);
    const expectedTrials = sweeps.reduce((n, s) => n + s.trialRuns.length, 0);
    const expectedFamilyRuns = [...families.values()].reduce((n, m) => n + m, 0);

    const elapsed = (Date.now() - started) / 1000;
    const summary = Object.entries(counts)
      .map(([endpoint, byStatus]) => `  ${endpoint.padEnd(10)} ${Object.entries(byStatus).map(([s, n]) => `${s}:${n}`).join('  ')}`)
      .join('\n');
    console.log(
      `fuzz seed ${SEED} done in ${elapsed.toFixed(1)} s (runs ${((t1 - t0) / 1000).toFixed(1)} s, related ${((t2 - t1) / 1000).toFixed(1)} s)\n${summary}\n` +
        `  accepted runs: ${created.size} created (+${replayed.size} distinct replayed), pipeline runs ${pipelineRuns.size}, ` +
        `sweeps ${sweeps.length} (${expectedTrials} trials), families ${families.size} (${expectedFamilyRuns} runs); database: ${total} runs\n` +
        `  failures: ${failures.length}\n  most frequent first issues of 400s:\n` +
        Object.keys(counts)
          .flatMap((endpoint) => [...rejections].filter(([what]) => what.startsWith(`${endpoint} `)).sort((a, b) => b[1] - a[1]).slice(0, 6))
          .map(([what, n]) => `    ${String(n).padStart(5)} ${what}`)
          .join('\n'),
    );
    // Failures grouped by endpoint, reason and status, with a few examples of each.
    const groups = new Map<string, Failure[]>();
    for (const f of failures) groups.set(`${f.endpoint} ${f.status} ${f.reason}`, [...(groups.get(`${f.endpoint} ${f.status} ${f.reason}`) ?? []), f]);
    for (const [group, list] of groups) {
      console.log(`FAIL ${group}: ${list.length}`);
      for (const f of list.slice(0, 3)) console.log(`  ${JSON.stringify(f.request).slice(0, 3000)}\n  → ${f.response}`);
    }

    expect(failures.slice(0, 10)).toEqual([]);
    // Generated inputs must reach the accepting paths too, not only the error paths.
    expect(created.size).toBeGreaterThan(RUNS / 10);
    expect(new Set(plainRows)).toEqual(expectedPlain);
    expect(Object.fromEntries(familyRows.map((r) => [r.family_id, r.n]))).toEqual(Object.fromEntries(families));
    expect(Object.fromEntries(sweepRows.map((r) => [r.sweep_id, r.ids]))).toEqual(
      Object.fromEntries(sweeps.filter((s) => s.trialRuns.length).map((s) => [s.id, [...s.trialRuns].sort()])),
    );
    for (const s of sweeps) expect(s.trialRuns.length, `sweep ${s.id}`).toBe(Math.min(s.concurrency, s.planned));
    expect(total).toBe(expectedPlain.size + expectedTrials + expectedFamilyRuns);
    // One row per Idempotency-Key that created a run.
    expect(keyed).toBe(keysCreatedWith.size);
  }, 900_000);
});
