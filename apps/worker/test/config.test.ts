import { describe, expect, it } from 'vitest';
import { ConfigError, loadWorkerConfig } from '../src/config.js';

describe('loadWorkerConfig', () => {
  it('applies the defaults', () => {
    const c = loadWorkerConfig({}, { cwd: '/srv/anchorage', host: 'gpu-node-3', pid: 4242 });
    expect(c).toEqual({
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'anchorage',
      coordinator: '127.0.0.1:50051',
      workerToken: undefined,
      coordinatorTls: null,
      workerName: 'gpu-node-3-4242',
      concurrency: 1,
      device: 'auto',
      resourceClasses: [],
      deviceMemoryGb: undefined,
      artifactsDir: '/srv/anchorage/.anchorage/artifacts',
      diagnosticsEnabled: false,
      healthPort: 0,
      coordinatorWaitMs: 60_000,
      tfBackend: undefined,
      logLevel: 'info',
    });
  });

  it('reads every key', () => {
    const c = loadWorkerConfig(
      {
        REDIS_URL: 'rediss://cache:6380/2',
        ANCHORAGE_QUEUE_PREFIX: 'test-1',
        ANCHORAGE_COORDINATOR: 'api.internal:6000',
        ANCHORAGE_WORKER_TOKEN: 's3cret',
        ANCHORAGE_WORKER_NAME: 'w-a',
        ANCHORAGE_WORKER_CONCURRENCY: '4',
        ANCHORAGE_WORKER_DEVICE: 'gpu',
        ANCHORAGE_ARTIFACTS_DIR: 'art',
        ANCHORAGE_DIAGNOSTICS: '1',
        ANCHORAGE_WORKER_HEALTH_PORT: '9464',
        ANCHORAGE_COORDINATOR_WAIT_MS: '1500',
        ANCHORAGE_TF_BACKEND: 'wasm',
        ANCHORAGE_WORKER_CLASSES: 'gpu-80g, any',
        ANCHORAGE_WORKER_DEVICE_MEMORY_GB: '80',
        LOG_LEVEL: 'debug',
      },
      { cwd: '/work' },
    );
    expect(c).toMatchObject({
      redisUrl: 'rediss://cache:6380/2',
      queuePrefix: 'test-1',
      coordinator: 'api.internal:6000',
      workerToken: 's3cret',
      workerName: 'w-a',
      concurrency: 4,
      device: 'gpu',
      artifactsDir: '/work/art',
      diagnosticsEnabled: true,
      healthPort: 9464,
      coordinatorWaitMs: 1500,
      tfBackend: 'wasm',
      resourceClasses: ['gpu-80g', 'any'],
      deviceMemoryGb: 80,
      logLevel: 'debug',
    });
  });

  it.each([
    ['true', true],
    ['yes', true],
    ['0', false],
    ['false', false],
    ['', false],
  ])('parses ANCHORAGE_DIAGNOSTICS=%j as %s', (value, expected) => {
    expect(loadWorkerConfig({ ANCHORAGE_DIAGNOSTICS: value }).diagnosticsEnabled).toBe(expected);
  });

  it('lists every bad key at once', () => {
    let error: unknown;
    try {
      loadWorkerConfig({
        REDIS_URL: 'http://localhost:6379',
        ANCHORAGE_QUEUE_PREFIX: 'bad prefix!',
        ANCHORAGE_COORDINATOR: 'http://127.0.0.1:50051',
        ANCHORAGE_WORKER_CONCURRENCY: '0',
        ANCHORAGE_DIAGNOSTICS: 'maybe',
        ANCHORAGE_WORKER_HEALTH_PORT: '70000',
        ANCHORAGE_TF_BACKEND: 'webgl',
        LOG_LEVEL: 'loud',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    const keys = problems.map((p) => p.split(':')[0]);
    expect(keys.sort()).toEqual(
      [
        'REDIS_URL',
        'ANCHORAGE_QUEUE_PREFIX',
        'ANCHORAGE_COORDINATOR',
        'ANCHORAGE_WORKER_CONCURRENCY',
        'ANCHORAGE_DIAGNOSTICS',
        'ANCHORAGE_WORKER_HEALTH_PORT',
        'ANCHORAGE_TF_BACKEND',
        'LOG_LEVEL',
      ].sort(),
    );
    expect((error as Error).message).toContain('REDIS_URL: must be a redis:// or rediss:// URL');
    expect((error as Error).message).toContain('ANCHORAGE_WORKER_CONCURRENCY');
  });

  it('rejects a non-numeric concurrency', () => {
    expect(() => loadWorkerConfig({ ANCHORAGE_WORKER_CONCURRENCY: 'two' })).toThrow(/ANCHORAGE_WORKER_CONCURRENCY/);
  });
});
