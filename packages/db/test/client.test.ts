import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptStatus, Prisma, RunStatus, isUniqueViolation, migrate, newId, type Database } from '../src/index.js';
import { createDatabase } from '../src/database.js';
import { createPgliteTestDatabase, createPostgresTestDatabase } from '../src/testing.js';

interface Backend {
  name: 'postgres' | 'pglite';
  open(): Promise<{ db: Database; dispose(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'postgres',
    async open() {
      const server = await createPostgresTestDatabase();
      const db = await createDatabase({ databaseUrl: server.url });
      return {
        db,
        dispose: async () => {
          await db.close();
          await server.drop();
        },
      };
    },
  },
  {
    name: 'pglite',
    async open() {
      const db = await createPgliteTestDatabase();
      return { db, dispose: () => db.close() };
    },
  },
];

function runData(overrides: Partial<Prisma.RunUncheckedCreateInput> = {}): Prisma.RunUncheckedCreateInput {
  return {
    id: newId('run'),
    kind: 'train',
    resourceClass: 'cpu',
    resources: { accelerator: 'cpu' },
    spec: { model: 'vit-ti', epochs: 2 },
    ...overrides,
  };
}

describe.each(backends)('Prisma client on $name', (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('reports its kind and accepts itself as a migrate() target (already migrated: no-op)', async () => {
    expect(db.kind).toBe(backend.name);
    if (backend.name === 'pglite') expect(db.pglite).toBeDefined();
    else expect(db.databaseUrl).toMatch(/^postgresql:\/\//);
    const result = await migrate(db);
    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied.length).toBeGreaterThan(0);
  });

  it('round-trips a Run with Attempts and MetricPoints', async () => {
    const run = await db.prisma.run.create({ data: runData({ name: 'first', priority: 5 }) });
    expect(run).toMatchObject({
      kind: 'train',
      name: 'first',
      status: RunStatus.queued,
      priority: 5,
      maxAttempts: 3,
      progress: 0,
      idempotencyKey: null,
      result: null,
      startedAt: null,
    });
    expect(run.createdAt).toBeInstanceOf(Date);
    expect(run.updatedAt).toBeInstanceOf(Date);

    const startedAt = new Date('2026-11-30T10:00:00.123Z');
    await db.prisma.attempt.create({
      data: { id: newId('att'), runId: run.id, number: 1, fencingToken: newId('ft'), workerId: 'w1', startedAt },
    });
    const updated = await db.prisma.run.update({
      where: { id: run.id },
      data: { status: RunStatus.running, startedAt, progress: 0.25, backend: 'wasm' },
    });
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(run.updatedAt.getTime());

    const points = [0, 1, 2].map((step) => ({
      runId: run.id,
      attemptNumber: 1,
      name: 'loss',
      step,
      value: 2.5 / (step + 1),
    }));
    expect((await db.prisma.metricPoint.createMany({ data: points })).count).toBe(3);

    const loaded = await db.prisma.run.findUniqueOrThrow({
      where: { id: run.id },
      include: { attempts: true, metrics: { orderBy: { step: 'asc' } } },
    });
    expect(loaded.status).toBe('running');
    expect(loaded.progress).toBe(0.25);
    expect(loaded.startedAt).toEqual(startedAt);
    expect(loaded.attempts).toHaveLength(1);
    expect(loaded.attempts[0]).toMatchObject({ number: 1, status: AttemptStatus.running, workerId: 'w1', startedAt });
    expect(loaded.metrics.map((m) => [m.step, m.value])).toEqual([
      [0, 2.5],
      [1, 1.25],
      [2, 2.5 / 3],
    ]);
  });

  it('createMany with skipDuplicates is idempotent on (runId, name, step)', async () => {
    const run = await db.prisma.run.create({ data: runData() });
    const batch = (steps: number[], value: number) =>
      steps.map((step) => ({ runId: run.id, attemptNumber: 1, name: 'acc', step, value }));
    expect((await db.prisma.metricPoint.createMany({ data: batch([0, 1, 2], 0.1), skipDuplicates: true })).count).toBe(3);
    // A redelivered batch (at-least-once) plus one new point: only the new one lands, old values kept.
    expect((await db.prisma.metricPoint.createMany({ data: batch([1, 2, 3], 0.9), skipDuplicates: true })).count).toBe(1);
    expect((await db.prisma.metricPoint.createMany({ data: batch([0, 1, 2, 3], 0.9), skipDuplicates: true })).count).toBe(0);
    const stored = await db.prisma.metricPoint.findMany({ where: { runId: run.id }, orderBy: { step: 'asc' } });
    expect(stored.map((p) => [p.step, p.value])).toEqual([
      [0, 0.1],
      [1, 0.1],
      [2, 0.1],
      [3, 0.9],
    ]);
    // Without skipDuplicates the same redelivery is a unique violation.
    await expect(db.prisma.metricPoint.createMany({ data: batch([3], 1) })).rejects.toMatchObject({ code: 'P2002' });
  });

  it('round-trips BigInt ids, Json, Float, String[] and enums', async () => {
    const spec = {
      model: { arch: 'vit', dims: [64, 128], heads: 4, dropout: 0.1 },
      flags: { amp: true, resume: null },
      note: 'ünïcödé ✓ "quoted" \\ back',
      nested: [[1, 2], { deep: { deeper: [] } }],
      big: 9007199254740991,
    };
    const run = await db.prisma.run.create({
      data: runData({ spec, resources: { accelerator: 'gpu', count: 2 }, result: [1, 'two', { three: 3 }] }),
    });
    const loaded = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    expect(loaded.spec).toEqual(spec);
    expect(loaded.resources).toEqual({ accelerator: 'gpu', count: 2 });
    expect(loaded.result).toEqual([1, 'two', { three: 3 }]);

    // Json path filter works on both backends
    const byPath = await db.prisma.run.findMany({ where: { spec: { path: ['model', 'arch'], equals: 'vit' } } });
    expect(byPath.map((r) => r.id)).toContain(run.id);

    // Json null vs database NULL
    await db.prisma.run.update({ where: { id: run.id }, data: { result: Prisma.DbNull } });
    expect((await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } })).result).toBeNull();

    const first = await db.prisma.logLine.create({ data: { runId: run.id, level: 'info', message: 'hello' } });
    const second = await db.prisma.logLine.create({ data: { runId: run.id, level: 'warn', message: 'world', attemptNumber: 2 } });
    expect(typeof first.id).toBe('bigint');
    expect(second.id).toBeGreaterThan(first.id);
    const after = await db.prisma.logLine.findMany({ where: { runId: run.id, id: { gt: first.id } } });
    expect(after.map((l) => l.message)).toEqual(['world']);

    const value = 0.1 + 0.2; // needs double precision
    const point = await db.prisma.metricPoint.create({
      data: { runId: run.id, attemptNumber: 1, name: 'x', step: 2_000_000_000, value },
    });
    expect(typeof point.id).toBe('bigint');
    expect((await db.prisma.metricPoint.findUniqueOrThrow({ where: { id: point.id } })).value).toBe(value);

    const worker = await db.prisma.worker.create({
      data: {
        id: newId('wrk'),
        name: 'gpu-0',
        host: 'node-a',
        backend: 'tfjs-node-gpu',
        accelerators: [{ kind: 'gpu', name: 'H100', memoryMb: 81_559 }],
        capacity: 1,
        resourceClasses: ['gpu', 'any'],
        status: 'online',
      },
    });
    const w = await db.prisma.worker.findUniqueOrThrow({ where: { id: worker.id } });
    expect(w.resourceClasses).toEqual(['gpu', 'any']);
    expect(w.accelerators).toEqual([{ kind: 'gpu', name: 'H100', memoryMb: 81_559 }]);
    expect(await db.prisma.worker.count({ where: { resourceClasses: { has: 'gpu' } } })).toBe(1);

    const model = await db.prisma.model.create({
      data: {
        id: newId('mdl'),
        name: 'vit-ti',
        kind: 'anchor',
        architecture: { depth: 4 },
        artifactUri: 'file:///tmp/a',
        runId: run.id,
        lineage: { parents: [] },
        params: 5_500_000,
      },
    });
    expect(model.params).toBe(5_500_000);
  });

  it('surfaces a duplicate idempotencyKey as P2002', async () => {
    const key = `idem-${newId('k')}`;
    const first = await db.prisma.run.create({ data: runData({ idempotencyKey: key }) });
    const error = await db.prisma.run.create({ data: runData({ idempotencyKey: key }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect((error as Prisma.PrismaClientKnownRequestError).code).toBe('P2002');
    expect(isUniqueViolation(error)).toBe(true);
    expect(isUniqueViolation(error, ['idempotency_key'])).toBe(true);
    expect(isUniqueViolation(error, ['fencing_token'])).toBe(false);
    expect(isUniqueViolation(new Error('x'))).toBe(false);
    // The repeat can then return the existing run.
    expect((await db.prisma.run.findUniqueOrThrow({ where: { idempotencyKey: key } })).id).toBe(first.id);
    // A raw statement's violation (P2010) counts too.
    const second = await db.prisma.run.create({ data: runData() });
    const raw = await db.prisma.$executeRaw`UPDATE runs SET idempotency_key = ${key} WHERE id = ${second.id}`.catch((e: unknown) => e);
    expect((raw as Prisma.PrismaClientKnownRequestError).code).toBe('P2010');
    expect(isUniqueViolation(raw)).toBe(true);
    expect(isUniqueViolation(raw, ['idempotency_key'])).toBe(true);
    expect(isUniqueViolation(raw, ['fencing_token'])).toBe(false);
  });

  it('reports a missing parent as P2003 and a missing row as P2025', async () => {
    await expect(
      db.prisma.attempt.create({ data: { id: newId('att'), runId: 'run_missing', number: 1, fencingToken: newId('ft') } }),
    ).rejects.toMatchObject({ code: 'P2003' });
    await expect(db.prisma.run.update({ where: { id: 'run_missing' }, data: { name: 'x' } })).rejects.toMatchObject({
      code: 'P2025',
    });
  });

  it('commits an interactive transaction and rolls back a failed one', async () => {
    const run = await db.prisma.run.create({ data: runData() });
    const token = newId('ft');
    const attempt = await db.prisma.$transaction(async (tx) => {
      const current = await tx.run.findUniqueOrThrow({ where: { id: run.id } });
      const count = await tx.attempt.count({ where: { runId: run.id } });
      const created = await tx.attempt.create({
        data: { id: newId('att'), runId: run.id, number: count + 1, fencingToken: token },
      });
      await tx.run.update({ where: { id: current.id }, data: { status: 'running', startedAt: created.startedAt } });
      return created;
    });
    expect(attempt.number).toBe(1);
    expect((await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } })).status).toBe('running');

    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.attempt.create({ data: { id: newId('att'), runId: run.id, number: 2, fencingToken: newId('ft') } });
        await tx.run.update({ where: { id: run.id }, data: { status: 'retrying' } });
        throw new Error('fenced out');
      }),
    ).rejects.toThrow('fenced out');
    // A database error inside the transaction rolls it back too.
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.run.update({ where: { id: run.id }, data: { status: 'failed' } });
        await tx.attempt.create({ data: { id: newId('att'), runId: run.id, number: 3, fencingToken: token } });
      }),
    ).rejects.toMatchObject({ code: 'P2002' });
    expect(await db.prisma.attempt.count({ where: { runId: run.id } })).toBe(1);
    expect((await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } })).status).toBe('running');
  });

  it('runs concurrent interactive transactions, batch transactions and plain queries without deadlock', async () => {
    const run = await db.prisma.run.create({ data: runData() });
    const hold = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const transactions = Array.from({ length: 4 }, (_, i) =>
      db.prisma.$transaction(async (tx) => {
        const n = await tx.attempt.count({ where: { runId: run.id } });
        await hold(150);
        await tx.attempt.create({
          data: { id: newId('att'), runId: run.id, number: 100 + i, fencingToken: newId('ft') },
        });
        return n;
      }),
    );
    const plain = Array.from({ length: 4 }, (_, i) =>
      db.prisma.logLine.create({ data: { runId: run.id, level: 'info', message: `line ${i}` } }),
    );
    const batch = db.prisma.$transaction([
      db.prisma.logLine.create({ data: { runId: run.id, level: 'info', message: 'batch a' } }),
      db.prisma.logLine.create({ data: { runId: run.id, level: 'info', message: 'batch b' } }),
    ]);
    const nested = db.prisma.run.create({
      data: {
        ...runData(),
        attempts: { create: [{ id: newId('att'), number: 1, fencingToken: newId('ft') }] },
        checkpoints: { create: [{ id: newId('ckpt'), attemptNumber: 1, step: 10, uri: 'file:///c/10' }] },
      },
      include: { attempts: true, checkpoints: true },
    });
    const [counts, , batched, created] = await Promise.all([Promise.all(transactions), Promise.all(plain), batch, nested]);
    expect(counts).toHaveLength(4);
    expect(batched).toHaveLength(2);
    expect(created.attempts).toHaveLength(1);
    expect(created.checkpoints).toHaveLength(1);
    expect(await db.prisma.attempt.count({ where: { runId: run.id } })).toBe(4);
    expect(await db.prisma.logLine.count({ where: { runId: run.id } })).toBe(6);
  });

  it('releases the database after a transaction times out', async () => {
    const run = await db.prisma.run.create({ data: runData() });
    await expect(
      db.prisma.$transaction(
        async (tx) => {
          await tx.run.update({ where: { id: run.id }, data: { name: 'never committed' } });
          await new Promise((r) => setTimeout(r, 600));
          await tx.run.update({ where: { id: run.id }, data: { name: 'too late' } });
        },
        { timeout: 200 },
      ),
    ).rejects.toThrow(/Transaction|expired|timeout/i);
    // The next statements run (on PGlite they would hang forever if the transaction kept its lock).
    const after = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    expect(after.name).toBeNull();
    await db.prisma.run.update({ where: { id: run.id }, data: { name: 'ok' } });
    expect((await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } })).name).toBe('ok');
  });

  it('cascades deletes from a Run and keeps its Models with runId = null', async () => {
    const run = await db.prisma.run.create({
      data: {
        ...runData(),
        attempts: { create: [{ id: newId('att'), number: 1, fencingToken: newId('ft') }] },
        metrics: { create: [{ attemptNumber: 1, name: 'loss', step: 0, value: 1 }] },
        logs: { create: [{ level: 'info', message: 'x' }] },
        checkpoints: { create: [{ id: newId('ckpt'), attemptNumber: 1, step: 0, uri: 'file:///c/0' }] },
        models: {
          create: [{ id: newId('mdl'), name: 'm', kind: 'finetuned', architecture: {}, artifactUri: 'file:///m' }],
        },
      },
      include: { models: true },
    });
    await db.prisma.run.delete({ where: { id: run.id } });
    const where = { runId: run.id };
    expect(
      await Promise.all([
        db.prisma.attempt.count({ where }),
        db.prisma.metricPoint.count({ where }),
        db.prisma.logLine.count({ where }),
        db.prisma.checkpoint.count({ where }),
      ]),
    ).toEqual([0, 0, 0, 0]);
    const model = await db.prisma.model.findUniqueOrThrow({ where: { id: run.models[0]!.id } });
    expect(model.runId).toBeNull();
  });

  it('pages runs by (createdAt, id) with time-sortable ids', async () => {
    const kind = `page-${newId('k')}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await db.prisma.run.create({ data: runData({ kind }) })).id);
    expect([...ids].sort()).toEqual(ids);
    const page1 = await db.prisma.run.findMany({ where: { kind }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: 3 });
    const last = page1.at(-1)!;
    const page2 = await db.prisma.run.findMany({
      where: { kind },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      cursor: { id: last.id },
      skip: 1,
    });
    expect([...page1, ...page2].map((r) => r.id)).toEqual(ids);
  });
});

describe('createDatabase with a PGlite data directory', () => {
  it('creates the directory, migrates on request, and reopens with the data', async () => {
    const { mkdtempSync, rmSync, existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const root = mkdtempSync(join(tmpdir(), 'anchorage-pglite-'));
    const dataDir = join(root, 'nested', 'data');
    try {
      const db = await createDatabase({ dataDir, migrate: true });
      expect(db.kind).toBe('pglite');
      expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
      expect(db.migrations?.applied.length).toBeGreaterThan(0);
      const run = await db.prisma.run.create({ data: runData() });
      await db.close();
      await db.close(); // idempotent

      const again = await createDatabase({ dataDir, migrate: true });
      expect(again.migrations?.applied).toEqual([]);
      expect((await again.prisma.run.findUniqueOrThrow({ where: { id: run.id } })).kind).toBe('train');
      await again.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('createPgliteTestDatabase({ dataDir }) unpacks the migrated snapshot there for a later open', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dataDir = join(mkdtempSync(join(tmpdir(), 'anchorage-pglite-')), 'data');
    try {
      const seeded = await createPgliteTestDatabase({ dataDir });
      const run = await seeded.prisma.run.create({ data: runData() });
      await seeded.close();
      const reopened = await createDatabase({ dataDir, migrate: true });
      expect(reopened.migrations?.applied).toEqual([]);
      expect((await reopened.prisma.run.findUniqueOrThrow({ where: { id: run.id } })).id).toBe(run.id);
      await reopened.close();
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });
});
