// A small in-test Coordinator: a real grpc-js server implementing the service from the real proto on
// 127.0.0.1:0, recording every call. Behaviour per RPC can be replaced by a test.
import * as grpc from '@grpc/grpc-js';
import {
  loadCoordinatorProto,
  type CoordinatorCommand,
  type CoordinatorCommand__Output,
  type GetVersionResponse,
  type Heartbeat__Output,
  type Hello__Output,
  type RegisterRequest__Output,
  type RegisterResponse,
  type ReportMetricsRequest__Output,
  type ReportMetricsResponse,
  type ReportResultRequest__Output,
  type ReportResultResponse,
  type StartAttemptRequest__Output,
  type StartAttemptResponse,
  type WorkerMessage__Output,
} from '@anchorage/proto';

type Answer<T> = T | grpc.ServiceError | Promise<T | grpc.ServiceError>;

export function grpcError(code: grpc.status, details: string): grpc.ServiceError {
  const err = new Error(details) as grpc.ServiceError;
  err.code = code;
  err.details = details;
  err.metadata = new grpc.Metadata();
  return err;
}

export interface FakeBehaviour {
  register?: (req: RegisterRequest__Output) => Answer<RegisterResponse>;
  getVersion?: () => Answer<GetVersionResponse>;
  startAttempt?: (req: StartAttemptRequest__Output) => Answer<StartAttemptResponse>;
  reportMetrics?: (req: ReportMetricsRequest__Output) => Answer<ReportMetricsResponse>;
  reportResult?: (req: ReportResultRequest__Output) => Answer<ReportResultResponse>;
}

export class FakeCoordinator {
  readonly server = new grpc.Server();
  port = 0;
  readonly registers: RegisterRequest__Output[] = [];
  readonly starts: StartAttemptRequest__Output[] = [];
  readonly metrics: ReportMetricsRequest__Output[] = [];
  readonly results: ReportResultRequest__Output[] = [];
  readonly hellos: Hello__Output[] = [];
  readonly heartbeats: Heartbeat__Output[] = [];
  readonly streams = new Set<grpc.ServerDuplexStream<WorkerMessage__Output, CoordinatorCommand>>();
  readonly metadata: grpc.Metadata[] = [];
  /** RPC names in arrival order. */
  readonly events: string[] = [];
  behaviour: FakeBehaviour = {};
  private tokenSeq = 0;

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Default StartAttempt answer: accepted, a fresh token, the given kind/spec. */
  accept(kind: string, spec: unknown, inputs: unknown = {}): StartAttemptResponse {
    this.tokenSeq++;
    return {
      accepted: true,
      fencingToken: `tok-${this.tokenSeq}`,
      attemptNumber: 1,
      kind,
      specJson: JSON.stringify(spec),
      inputsJson: JSON.stringify(inputs),
    };
  }

  async start(port = 0): Promise<this> {
    const proto = loadCoordinatorProto();
    const unary =
      <Req, Res>(name: string, record: Req[], pick: () => ((req: Req) => Answer<Res>) | undefined, fallback: (req: Req) => Res) =>
      (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => {
        record.push(call.request);
        this.events.push(name);
        this.metadata.push(call.metadata);
        const fn = pick() ?? fallback;
        Promise.resolve(fn(call.request)).then(
          (res) => (res instanceof Error ? cb(res as grpc.ServiceError) : cb(null, res as Res)),
          (err: Error) => cb(grpcError(grpc.status.INTERNAL, err.message)),
        );
      };
    this.server.addService(proto.anchorage.coordinator.v1.Coordinator.service, {
      Register: unary('Register', this.registers, () => this.behaviour.register, () => ({
        workerId: 'w-1',
        heartbeatIntervalMs: 100,
        coordinatorVersion: '0.1.0',
        resourceClasses: ['cpu', 'any'],
      })),
      GetVersion: unary('GetVersion', [] as unknown[], () => this.behaviour.getVersion, () => ({ version: '0.1.0', protocol: 'anchorage.coordinator.v1' })),
      StartAttempt: unary('StartAttempt', this.starts, () => this.behaviour.startAttempt, () => ({ accepted: false, reason: 'no behaviour' })),
      ReportMetrics: unary('ReportMetrics', this.metrics, () => this.behaviour.reportMetrics, (req) => ({
        acceptedPoints: req.points.length,
        cancelRequested: false,
      })),
      ReportResult: unary('ReportResult', this.results, () => this.behaviour.reportResult, (req) => ({
        runStatus: req.outcome === 'failed' && req.error?.retryable ? 'retrying' : req.outcome,
        modelIds: req.models.map((_, i) => `model-${i + 1}`),
      })),
      Connect: (stream: grpc.ServerDuplexStream<WorkerMessage__Output, CoordinatorCommand>) => {
        this.streams.add(stream);
        this.metadata.push(stream.metadata);
        stream.on('data', (msg: WorkerMessage__Output) => {
          if (msg.hello) this.hellos.push(msg.hello);
          if (msg.heartbeat) {
            this.heartbeats.push(msg.heartbeat);
            stream.write({ ack: { serverTimeMs: Date.now() } });
          }
        });
        const drop = () => this.streams.delete(stream);
        stream.on('end', () => {
          drop();
          stream.end();
        });
        stream.on('error', drop);
        stream.on('cancelled', drop);
      },
    } as grpc.UntypedServiceImplementation);
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    return this;
  }

  /** Sends a command on every open Connect stream; returns how many streams got it. */
  send(cmd: CoordinatorCommand): number {
    for (const s of this.streams) s.write(cmd);
    return this.streams.size;
  }

  /** Closes the server and every call at once (what a crashed coordinator looks like). */
  async stop(): Promise<void> {
    this.streams.clear();
    this.server.forceShutdown();
  }
}

export type { CoordinatorCommand__Output };

/** Polls `predicate` until it is truthy (or throws after `timeoutMs`). */
export async function waitFor<T>(predicate: () => T | undefined | false | null, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = predicate();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A pino logger that writes nothing (tests). */
export async function silentLogger() {
  const { pino } = await import('pino');
  return pino({ level: 'silent' });
}

/** Like {@link waitFor} with an async predicate. */
export async function waitForAsync<T>(predicate: () => Promise<T | undefined | false | null>, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await predicate();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
