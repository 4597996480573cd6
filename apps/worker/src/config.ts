// Worker configuration: parsed once from the environment with zod; a bad value stops start-up with
// every offending key listed (the same shape as the API's config).
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes' || v === 'on');
const port = z.coerce.number().int().min(0).max(65535);

const schema = z.object({
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  ANCHORAGE_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_:-]+$/, 'letters, digits, _ : - only').default('anchorage'),
  ANCHORAGE_COORDINATOR: z
    .string()
    .regex(/^\S+$/, 'must be a gRPC target such as host:port')
    .refine((s) => !/^https?:\/\//.test(s), 'must be a gRPC target such as host:port, not an http URL')
    .default('127.0.0.1:50051'),
  /** Worker token sent as gRPC metadata on every coordinator call (issued by an admin: role worker). */
  ANCHORAGE_WORKER_TOKEN: z.string().min(1).optional(),
  /** TLS to the coordinator: on with the system roots, or trusting this CA / self-signed certificate (PEM path). */
  ANCHORAGE_COORDINATOR_TLS: bool.default(false),
  ANCHORAGE_COORDINATOR_CA: z.string().min(1).optional(),
  ANCHORAGE_WORKER_NAME: z.string().min(1).max(200).optional(),
  ANCHORAGE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(1),
  /** Device class (queue) override; by default it follows the TensorFlow.js backend. */
  ANCHORAGE_WORKER_DEVICE: z.enum(['cpu', 'gpu', 'auto', '']).default('auto'),
  /** Resource classes to consume (comma-separated); empty: every class the device can serve. */
  ANCHORAGE_WORKER_CLASSES: z
    .string()
    .regex(/^[a-z0-9,\s-]*$/, 'comma-separated class names (lower-case letters, digits, -)')
    .default(''),
  /** Device memory to report, in GB (overrides nvidia-smi / host memory). */
  ANCHORAGE_WORKER_DEVICE_MEMORY_GB: z.coerce.number().positive().max(100_000).optional(),
  ANCHORAGE_ARTIFACTS_DIR: z.string().min(1).optional(),
  ANCHORAGE_DIAGNOSTICS: bool.default(false),
  ANCHORAGE_WORKER_HEALTH_PORT: port.default(0),
  /** How long Register keeps retrying while the coordinator is not up, in ms. */
  ANCHORAGE_COORDINATOR_WAIT_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  /** Preferred TensorFlow.js backend (read by packages/ml too; validated here so start-up lists it). */
  ANCHORAGE_TF_BACKEND: z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu', '']).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface WorkerConfig {
  redisUrl: string;
  queuePrefix: string;
  /** gRPC target of the coordinator, e.g. `127.0.0.1:50051`. */
  coordinator: string;
  workerToken?: string;
  /** null: plaintext gRPC. */
  coordinatorTls: { caFile?: string } | null;
  workerName: string;
  concurrency: number;
  /** `auto`: gpu when the backend is tensorflow-gpu, else cpu. */
  device: 'cpu' | 'gpu' | 'auto';
  /** Empty: every class the device can serve (the coordinator decides). */
  resourceClasses: string[];
  deviceMemoryGb?: number;
  artifactsDir: string;
  diagnosticsEnabled: boolean;
  /** 0 = no health server. */
  healthPort: number;
  coordinatorWaitMs: number;
  tfBackend?: 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid worker configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Pure: reads only `env` (and the cwd, host name and pid for defaults). */
export function loadWorkerConfig(
  env: NodeJS.ProcessEnv = process.env,
  defaults: { cwd?: string; host?: string; pid?: number } = {},
): WorkerConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    // One line per key; zod reports each failing key once.
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const c = parsed.data;
  const cwd = defaults.cwd ?? process.cwd();
  const host = defaults.host ?? hostname();
  const pid = defaults.pid ?? process.pid;
  return {
    redisUrl: c.REDIS_URL,
    queuePrefix: c.ANCHORAGE_QUEUE_PREFIX,
    coordinator: c.ANCHORAGE_COORDINATOR,
    workerToken: c.ANCHORAGE_WORKER_TOKEN,
    coordinatorTls: c.ANCHORAGE_COORDINATOR_TLS || c.ANCHORAGE_COORDINATOR_CA ? { caFile: c.ANCHORAGE_COORDINATOR_CA ? resolve(cwd, c.ANCHORAGE_COORDINATOR_CA) : undefined } : null,
    workerName: c.ANCHORAGE_WORKER_NAME ?? `${host}-${pid}`,
    concurrency: c.ANCHORAGE_WORKER_CONCURRENCY,
    device: c.ANCHORAGE_WORKER_DEVICE === '' ? 'auto' : c.ANCHORAGE_WORKER_DEVICE,
    resourceClasses: c.ANCHORAGE_WORKER_CLASSES.split(',').map((s) => s.trim()).filter(Boolean),
    deviceMemoryGb: c.ANCHORAGE_WORKER_DEVICE_MEMORY_GB,
    artifactsDir: resolve(cwd, c.ANCHORAGE_ARTIFACTS_DIR ?? '.anchorage/artifacts'),
    diagnosticsEnabled: c.ANCHORAGE_DIAGNOSTICS,
    healthPort: c.ANCHORAGE_WORKER_HEALTH_PORT,
    coordinatorWaitMs: c.ANCHORAGE_COORDINATOR_WAIT_MS,
    tfBackend: c.ANCHORAGE_TF_BACKEND === 'auto' || c.ANCHORAGE_TF_BACKEND === '' ? undefined : c.ANCHORAGE_TF_BACKEND,
    logLevel: c.LOG_LEVEL,
  };
}
