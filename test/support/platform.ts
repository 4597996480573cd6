// Starts the real platform for end-to-end tests: the API process (REST + gRPC coordinator) and
// worker processes, against the machine's Redis (a unique queue prefix per platform) and either a
// fresh Postgres database or a fresh embedded PGlite directory. Any process can be started inside a
// network namespace (`ip netns exec`, see netns.ts), the API included.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPostgresTestDatabase } from '@anchorage/db/testing';
import { readEvents } from './sse.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface PlatformOptions {
  /** `postgres`: a fresh database on the shared server; `databaseUrl` names one outright. */
  database?: 'pglite' | 'postgres';
  databaseUrl?: string;
  diagnostics?: boolean;
  env?: Record<string, string>;
  /** Run the API inside this network namespace (`ip netns exec`; root only). */
  netns?: string;
  /**
   * The address this process reaches the API (REST and gRPC) on; default 127.0.0.1. Any other
   * address makes the API listen on every address (ANCHORAGE_HOST/ANCHORAGE_GRPC_HOST 0.0.0.0,
   * unless `env` says otherwise).
   */
  host?: string;
}

export interface SpawnOptions {
  /** Network namespace to start the process in (`ip netns exec <netns> node …`: the pid is node's). */
  netns?: string;
}

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export class Platform {
  readonly processes: { name: string; child: ChildProcess; output: string[] }[] = [];
  private cleanups: (() => Promise<void> | void)[] = [];

  constructor(
    readonly baseUrl: string,
    readonly grpcAddress: string,
    readonly queuePrefix: string,
    readonly env: Record<string, string>,
    /** Where the API process runs (startApi and restartApi start it there). */
    readonly apiSpawnOptions: SpawnOptions = {},
  ) {}

  /** The bootstrap admin key the API was started with (ANCHORAGE_ADMIN_KEY). */
  get adminKey(): string {
    return this.env.ANCHORAGE_ADMIN_KEY;
  }

  /** `Authorization` for the admin key, or for `key`. */
  auth(key = this.adminKey): Record<string, string> {
    return { authorization: `Bearer ${key}` };
  }

  /**
   * A request as the bootstrap admin unless `headers` has its own `authorization` (an empty one sends
   * none).
   */
  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult<T>> {
    const withAuth: Record<string, string> = { ...this.auth(), ...headers };
    if (!withAuth.authorization) delete withAuth.authorization;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? withAuth : { 'content-type': 'application/json', ...withAuth },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  /** Reads an SSE stream of the API as the admin (see readEvents). */
  events(path: string, options: Parameters<typeof readEvents>[1]): ReturnType<typeof readEvents> {
    return readEvents(`${this.baseUrl}${path}`, { ...options, headers: { ...this.auth(), ...options.headers } });
  }

  /** Polls a run until its status is one of `statuses`. */
  async waitForRun(id: string, statuses: string[], timeoutMs = 60_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    let run: any;
    while (Date.now() < deadline) {
      run = (await this.request('GET', `/v1/runs/${id}`)).body;
      if (statuses.includes(run.status)) return run;
      await sleep(200);
    }
    throw new Error(`run ${id} is ${run?.status}, not ${statuses.join('|')}, after ${timeoutMs} ms\n${this.logs()}`);
  }

  async waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check().catch(() => false)) return;
      await sleep(200);
    }
    throw new Error(`timed out waiting for ${what}\n${this.logs()}`);
  }

  spawn(name: string, script: string, env: Record<string, string> = {}, options: SpawnOptions = {}): ChildProcess {
    const command = [process.execPath, join(ROOT, script)];
    if (options.netns) command.unshift('ip', 'netns', 'exec', options.netns);
    const child = spawn(command[0], command.slice(1), {
      cwd: ROOT,
      env: { ...process.env, ...this.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.length > 400) output.splice(0, output.length - 400);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.processes.push({ name, child, output });
    return child;
  }

  /** Spawns a worker process and waits until it is connected; `workerId` is its registered id. */
  async startWorker(env: Record<string, string> = {}, options: SpawnOptions = {}): Promise<ChildProcess & { workerId: string }> {
    const before = new Set(((await this.request('GET', '/v1/workers')).body.workers as any[]).map((w) => w.id));
    const child = this.spawn('worker', 'apps/worker/dist/main.js', env, options);
    let workerId = '';
    await this.waitFor(
      async () => {
        const fresh = ((await this.request('GET', '/v1/workers')).body.workers as any[]).find((w) => w.connected && !before.has(w.id));
        workerId = fresh?.id ?? '';
        return Boolean(fresh);
      },
      60_000,
      'a worker to connect',
    );
    return Object.assign(child, { workerId });
  }

  /** Stops the API process and starts it again on the same ports, database and data directory. */
  async restartApi(): Promise<void> {
    const index = this.processes.findIndex((p) => p.name === 'api' && p.child.exitCode === null);
    if (index >= 0) {
      await stopProcess(this.processes[index].child);
      this.processes.splice(index, 1);
    }
    await this.startApi();
  }

  async startApi(): Promise<void> {
    const api = this.spawn('api', 'apps/api/dist/main.js', {}, this.apiSpawnOptions);
    await this.waitFor(async () => {
      if (api.exitCode !== null) throw new Error('api exited');
      return (await fetch(`${this.baseUrl}/readyz`)).ok;
    }, 60_000, 'the API to become ready');
  }

  onStop(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  logs(): string {
    return this.processes.map((p) => `--- ${p.name} ---\n${p.output.join('').slice(-4000)}`).join('\n');
  }

  async stop(): Promise<void> {
    for (const { child } of [...this.processes].reverse()) await stopProcess(child);
    for (const fn of this.cleanups.reverse()) await fn();
  }
}

export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const [port, grpcPort] = [await freePort(), await freePort()];
  const host = options.host ?? '127.0.0.1';
  const queuePrefix = `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const scratch = mkdtempSync(join(tmpdir(), 'anchorage-e2e-'));
  const env: Record<string, string> = {
    REDIS_URL,
    ANCHORAGE_PORT: String(port),
    ANCHORAGE_GRPC_PORT: String(grpcPort),
    ANCHORAGE_COORDINATOR: `${host}:${grpcPort}`,
    ANCHORAGE_QUEUE_PREFIX: queuePrefix,
    ANCHORAGE_DATA_DIR: join(scratch, 'pglite'),
    ANCHORAGE_ARTIFACTS_DIR: join(scratch, 'artifacts'),
    ANCHORAGE_DIAGNOSTICS: options.diagnostics === false ? '0' : '1',
    ANCHORAGE_HEARTBEAT_INTERVAL_MS: '500',
    // Bootstrap secrets: the API accepts them; workers present the worker token (same variable).
    ANCHORAGE_ADMIN_KEY: `admin-${randomBytes(16).toString('hex')}`,
    ANCHORAGE_WORKER_TOKEN: `worker-${randomBytes(16).toString('hex')}`,
    LOG_LEVEL: 'warn',
    ...(host === '127.0.0.1' ? {} : { ANCHORAGE_HOST: '0.0.0.0', ANCHORAGE_GRPC_HOST: '0.0.0.0' }),
    ...options.env,
  };
  let dropDatabase: (() => Promise<void>) | undefined;
  if (options.databaseUrl) {
    env.DATABASE_URL = options.databaseUrl;
  } else if (options.database === 'postgres') {
    const db = await createPostgresTestDatabase();
    env.DATABASE_URL = db.url;
    dropDatabase = db.drop;
  } else {
    env.DATABASE_URL = ''; // empty = embedded PGlite, whatever the parent environment says
  }
  const platform = new Platform(`http://${host}:${port}`, `${host}:${grpcPort}`, queuePrefix, env, { netns: options.netns });
  platform.onStop(() => rmSync(scratch, { recursive: true, force: true }));
  if (dropDatabase) platform.onStop(dropDatabase);
  try {
    await platform.startApi();
  } catch (error) {
    await platform.stop();
    throw error;
  }
  return platform;
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
