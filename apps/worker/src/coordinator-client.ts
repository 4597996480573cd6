// Promise wrappers around the grpc-js client of anchorage.coordinator.v1.Coordinator, with deadlines,
// the worker token as metadata, Register retried with backoff until the coordinator is up, and the
// GetVersion compatibility check.
import * as grpc from '@grpc/grpc-js';
import {
  loadCoordinatorProto,
  type CoordinatorClient,
  type GetVersionResponse__Output,
  type RegisterRequest,
  type RegisterResponse__Output,
  type ReportMetricsRequest,
  type ReportMetricsResponse__Output,
  type ReportResultRequest,
  type ReportResultResponse__Output,
  type SaveCheckpointRequest,
  type SaveCheckpointResponse__Output,
  type StartAttemptRequest,
  type StartAttemptResponse__Output,
} from '@anchorage/proto';
import { backoffDelay, sleep } from './backoff.js';
import { CoordinatorUnavailableError } from './errors.js';
import { PROTOCOL, WORKER_VERSION } from './version.js';

/** Channel options shared by the main client and the heartbeat thread's client. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // Notice a dead TCP connection in seconds even when no call is in flight.
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  // Reconnect quickly after the coordinator restarts.
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 5_000,
};

/** Status codes that mean "the coordinator is not reachable right now" (worth retrying). */
const UNAVAILABLE_CODES = new Set<number>([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.CANCELLED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.ABORTED,
  grpc.status.INTERNAL,
  grpc.status.UNKNOWN,
]);

export function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** True for errors that say the coordinator could not be reached or did not answer in time. */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof CoordinatorUnavailableError) return true;
  const code = grpcCode(err);
  return code !== undefined && UNAVAILABLE_CODES.has(code);
}

/** True when the coordinator refused a report because the fencing token is stale or unknown. */
export function isStaleToken(err: unknown): boolean {
  return grpcCode(err) === grpc.status.FAILED_PRECONDITION;
}

export interface CoordinatorClientOptions {
  /** Bearer token sent as `authorization` metadata. */
  token?: string;
  /** TLS to the coordinator: `ca` (PEM) trusts a private CA or a self-signed certificate; without it the system roots. */
  tls?: { ca?: string };
  /** Deadline of each unary call in ms (default 10 s). */
  deadlineMs?: number;
  channelOptions?: grpc.ChannelOptions;
}

export function workerMetadata(token: string | undefined): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  md.set('x-anchorage-worker-version', WORKER_VERSION);
  return md;
}

type UnaryMethod<Req, Res> = (
  argument: Req,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: grpc.requestCallback<Res>,
) => grpc.ClientUnaryCall;

export interface RegisterRetryOptions {
  /** Stop retrying after this long (ms); the error then says the coordinator never came up. */
  giveUpAfterMs: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Called before each wait, for logs. */
  onRetry?: (info: { attempt: number; delayMs: number; error: Error }) => void;
}

export class CoordinatorApi {
  readonly client: CoordinatorClient;
  private readonly deadlineMs: number;
  private readonly token?: string;
  /** Set after Register: sent with every report, which the coordinator checks against the attempt. */
  workerId = '';

  constructor(
    readonly address: string,
    options: CoordinatorClientOptions = {},
  ) {
    const proto = loadCoordinatorProto();
    const Ctor = proto.anchorage.coordinator.v1.Coordinator;
    const credentials = options.tls
      ? grpc.credentials.createSsl(options.tls.ca ? Buffer.from(options.tls.ca) : null)
      : grpc.credentials.createInsecure();
    this.client = new Ctor(address, credentials, { ...CHANNEL_OPTIONS, ...options.channelOptions });
    this.deadlineMs = options.deadlineMs ?? 10_000;
    this.token = options.token;
  }

  private unary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, deadlineMs = this.deadlineMs): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      method.call(
        this.client,
        request,
        workerMetadata(this.token),
        { deadline: Date.now() + deadlineMs },
        (err: grpc.ServiceError | null, res?: Res) => {
          if (err) reject(err);
          else resolve(res as Res);
        },
      );
    });
  }

  register(request: RegisterRequest, deadlineMs?: number): Promise<RegisterResponse__Output> {
    return this.unary(this.client.Register, request, deadlineMs);
  }

  getVersion(deadlineMs?: number): Promise<GetVersionResponse__Output> {
    return this.unary(this.client.GetVersion, {}, deadlineMs);
  }

  startAttempt(request: StartAttemptRequest): Promise<StartAttemptResponse__Output> {
    return this.unary(this.client.StartAttempt, request);
  }

  reportMetrics(request: ReportMetricsRequest): Promise<ReportMetricsResponse__Output> {
    return this.unary(this.client.ReportMetrics, { workerId: this.workerId, ...request });
  }

  reportResult(request: ReportResultRequest): Promise<ReportResultResponse__Output> {
    return this.unary(this.client.ReportResult, { workerId: this.workerId, ...request });
  }

  saveCheckpoint(request: SaveCheckpointRequest): Promise<SaveCheckpointResponse__Output> {
    return this.unary(this.client.SaveCheckpoint, { workerId: this.workerId, ...request });
  }

  /**
   * Runs `op` (given the deadline for this try), retrying with exponential backoff and jitter while
   * the coordinator is unreachable. Other errors (bad request, refused) fail at once. Gives up after
   * `giveUpAfterMs` with a {@link CoordinatorUnavailableError} that names the address.
   */
  async withRetry<T>(what: string, op: (deadlineMs: number) => Promise<T>, options: RegisterRetryOptions): Promise<T> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const left = options.giveUpAfterMs - (Date.now() - started);
      try {
        return await op(Math.max(500, Math.min(this.deadlineMs, left)));
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        const delayMs = backoffDelay(attempt, { initialMs: options.initialDelayMs ?? 200, maxMs: options.maxDelayMs ?? 5_000 });
        const elapsed = Date.now() - started;
        if (elapsed + delayMs > options.giveUpAfterMs) {
          throw new CoordinatorUnavailableError(
            `coordinator at ${this.address} did not answer ${what} within ${options.giveUpAfterMs} ms ` +
              `(${attempt + 1} tries; last error: ${(err as Error).message})`,
            { cause: err },
          );
        }
        options.onRetry?.({ attempt, delayMs, error: err as Error });
        await sleep(delayMs, options.signal);
      }
    }
  }

  /** Register, retried while the coordinator is not up (see {@link withRetry}). */
  registerWithRetry(request: RegisterRequest, options: RegisterRetryOptions): Promise<RegisterResponse__Output> {
    return this.withRetry('Register', (deadlineMs) => this.register(request, deadlineMs), options);
  }

  /** Refuses to run against a coordinator that speaks another protocol or another major version. */
  async checkVersion(): Promise<GetVersionResponse__Output> {
    const res = await this.getVersion();
    checkCompatible(res, WORKER_VERSION);
    return res;
  }

  close(): void {
    this.client.close();
  }
}

export class IncompatibleCoordinatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IncompatibleCoordinatorError';
  }
}

/** Same protocol package, and the same major version (same minor while the major is 0). */
export function checkCompatible(res: { version: string; protocol: string }, workerVersion: string): void {
  if (res.protocol !== PROTOCOL) {
    throw new IncompatibleCoordinatorError(`coordinator speaks ${JSON.stringify(res.protocol)}, this worker speaks ${PROTOCOL}`);
  }
  const parse = (v: string) => v.split(/[.+-]/).map((x) => Number.parseInt(x, 10));
  const [cMaj, cMin] = parse(res.version);
  const [wMaj, wMin] = parse(workerVersion);
  const compatible = cMaj === wMaj && (wMaj !== 0 || cMin === wMin);
  if (!compatible || cMaj === undefined || Number.isNaN(cMaj)) {
    throw new IncompatibleCoordinatorError(`coordinator version ${res.version} is not compatible with worker version ${workerVersion}`);
  }
}
