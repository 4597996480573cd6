// API configuration: parsed once from the environment with zod; a bad value stops start-up with
// every offending key listed.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_RESOURCE_CLASSES, parseResourceClasses, type ResourceClass } from '@anchorage/contracts';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);

const schema = z.object({
  ANCHORAGE_HOST: z.string().min(1).default('127.0.0.1'),
  ANCHORAGE_PORT: port.default(8080),
  ANCHORAGE_GRPC_HOST: z.string().min(1).default('127.0.0.1'),
  ANCHORAGE_GRPC_PORT: port.default(50051),
  // Empty means unset: embedded PGlite.
  DATABASE_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  ),
  ANCHORAGE_DATA_DIR: z.string().min(1).default('.anchorage/data'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  ANCHORAGE_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_:-]+$/, 'letters, digits, _ : - only').default('anchorage'),
  ANCHORAGE_DIAGNOSTICS: bool.default(false),
  ANCHORAGE_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  ANCHORAGE_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).default(30_000),
  /** A worker silent this long is dead and its attempts are taken back. */
  ANCHORAGE_WORKER_DEADLINE_MS: z.coerce.number().int().min(500).max(300_000).default(10_000),
  /** An attempt reporting nothing this long is taken back (0: never). */
  ANCHORAGE_PROGRESS_DEADLINE_MS: z.coerce.number().int().min(0).default(900_000),
  /** First retry delay after an infrastructure failure; doubled per attempt, capped at 60 s. */
  ANCHORAGE_RETRY_BASE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** How often running sweeps and pipelines are advanced (trials submitted, steps started and ended; 0: never). */
  ANCHORAGE_SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** How often the liveness sweep runs (0: never). */
  ANCHORAGE_LIVENESS_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  ANCHORAGE_EVENTS_POLL_MS: z.coerce.number().int().min(20).max(10_000).default(250),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Resource classes (one queue each): `name=cpu|gpu[:minDeviceMemoryGb]`, comma-separated; `any` is built in. */
  ANCHORAGE_RESOURCE_CLASSES: z
    .string()
    .default(DEFAULT_RESOURCE_CLASSES)
    .transform((text, ctx) => {
      try {
        return parseResourceClasses(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** Accepted as an admin key (bootstrap: create real keys with it, then keep it secret or unset it). */
  ANCHORAGE_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Accepted as a worker token on the coordinator (bootstrap for workers; admins can also issue worker keys). */
  ANCHORAGE_WORKER_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Whether GET /metrics answers without a key (Prometheus scrapers usually have none). */
  ANCHORAGE_METRICS_PUBLIC: bool.default(true),
  /** Requests per minute one key (or one client address without a key) may make; 0 = no limit. */
  ANCHORAGE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(600),
  /** Largest request body in bytes (larger: 413). */
  ANCHORAGE_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
  /** HTTPS for the REST API: PEM certificate and key files (both or neither). */
  ANCHORAGE_TLS_CERT: z.string().min(1).optional(),
  ANCHORAGE_TLS_KEY: z.string().min(1).optional(),
  /** TLS for the gRPC coordinator: PEM certificate and key files (both or neither). */
  ANCHORAGE_GRPC_TLS_CERT: z.string().min(1).optional(),
  ANCHORAGE_GRPC_TLS_KEY: z.string().min(1).optional(),
  /** Runs one user may have admitted (queued in Redis, running or retrying) at once; 0 = no limit. */
  ANCHORAGE_MAX_ACTIVE_RUNS_PER_USER: z.coerce.number().int().min(0).max(1_000_000).default(0),
  /** The built dashboard (apps/web/dist) served at `/`; empty turns it off. */
  ANCHORAGE_WEB_DIR: z.string().default(fileURLToPath(new URL('../../web/dist', import.meta.url))),
});

export interface ApiConfig {
  host: string;
  port: number;
  grpcHost: string;
  grpcPort: number;
  databaseUrl?: string;
  dataDir: string;
  redisUrl: string;
  queuePrefix: string;
  diagnosticsEnabled: boolean;
  heartbeatIntervalMs: number;
  reconcileIntervalMs: number;
  /** How often an SSE stream looks for new events while idle. */
  eventsPollMs: number;
  workerDeadlineMs: number;
  progressDeadlineMs: number;
  livenessIntervalMs: number;
  retryBaseMs: number;
  schedulerIntervalMs: number;
  /** The classes runs are placed in, `any` last. */
  resourceClasses: ResourceClass[];
  /** 0 = unlimited. */
  maxActiveRunsPerUser: number;
  adminKey?: string;
  workerToken?: string;
  metricsPublic: boolean;
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
  /** PEM file paths; null: plain HTTP / plaintext gRPC. */
  tls: { cert: string; key: string } | null;
  grpcTls: { cert: string; key: string } | null;
  logLevel: string;
  /** Folder of the dashboard's static files; null when it is not served. */
  webDir: string | null;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const parsed = schema
    .superRefine((c, ctx) => {
      for (const [cert, key] of [['ANCHORAGE_TLS_CERT', 'ANCHORAGE_TLS_KEY'], ['ANCHORAGE_GRPC_TLS_CERT', 'ANCHORAGE_GRPC_TLS_KEY']] as const) {
        if (Boolean(c[cert]) !== Boolean(c[key])) ctx.addIssue({ code: 'custom', path: [c[cert] ? key : cert], message: `set together with ${c[cert] ? cert : key}` });
      }
    })
    .safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const c = parsed.data;
  return {
    host: c.ANCHORAGE_HOST,
    port: c.ANCHORAGE_PORT,
    grpcHost: c.ANCHORAGE_GRPC_HOST,
    grpcPort: c.ANCHORAGE_GRPC_PORT,
    databaseUrl: c.DATABASE_URL,
    dataDir: resolve(c.ANCHORAGE_DATA_DIR),
    redisUrl: c.REDIS_URL,
    queuePrefix: c.ANCHORAGE_QUEUE_PREFIX,
    diagnosticsEnabled: c.ANCHORAGE_DIAGNOSTICS,
    heartbeatIntervalMs: c.ANCHORAGE_HEARTBEAT_INTERVAL_MS,
    reconcileIntervalMs: c.ANCHORAGE_RECONCILE_INTERVAL_MS,
    eventsPollMs: c.ANCHORAGE_EVENTS_POLL_MS,
    workerDeadlineMs: c.ANCHORAGE_WORKER_DEADLINE_MS,
    progressDeadlineMs: c.ANCHORAGE_PROGRESS_DEADLINE_MS,
    livenessIntervalMs: c.ANCHORAGE_LIVENESS_INTERVAL_MS,
    retryBaseMs: c.ANCHORAGE_RETRY_BASE_MS,
    schedulerIntervalMs: c.ANCHORAGE_SCHEDULER_INTERVAL_MS,
    resourceClasses: c.ANCHORAGE_RESOURCE_CLASSES,
    maxActiveRunsPerUser: c.ANCHORAGE_MAX_ACTIVE_RUNS_PER_USER,
    adminKey: c.ANCHORAGE_ADMIN_KEY,
    workerToken: c.ANCHORAGE_WORKER_TOKEN,
    metricsPublic: c.ANCHORAGE_METRICS_PUBLIC,
    rateLimitPerMinute: c.ANCHORAGE_RATE_LIMIT_PER_MINUTE,
    bodyLimitBytes: c.ANCHORAGE_BODY_LIMIT_BYTES,
    tls: c.ANCHORAGE_TLS_CERT && c.ANCHORAGE_TLS_KEY ? { cert: resolve(c.ANCHORAGE_TLS_CERT), key: resolve(c.ANCHORAGE_TLS_KEY) } : null,
    grpcTls: c.ANCHORAGE_GRPC_TLS_CERT && c.ANCHORAGE_GRPC_TLS_KEY ? { cert: resolve(c.ANCHORAGE_GRPC_TLS_CERT), key: resolve(c.ANCHORAGE_GRPC_TLS_KEY) } : null,
    webDir: c.ANCHORAGE_WEB_DIR ? resolve(c.ANCHORAGE_WEB_DIR) : null,
    logLevel: c.LOG_LEVEL,
  };
}

export const API_CONFIG = Symbol('API_CONFIG');
export const API_VERSION = '0.1.0';
