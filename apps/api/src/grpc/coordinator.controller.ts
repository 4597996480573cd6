// gRPC ⇄ domain for anchorage.coordinator.v1.Coordinator. Thin: decode, call the service, map errors.
import { Controller, Logger, UseGuards } from '@nestjs/common';
import { GrpcMethod, GrpcStreamMethod, RpcException } from '@nestjs/microservices';
import { status } from '@grpc/grpc-js';
import { Observable, type Subscription } from 'rxjs';
import { isDatabaseUnavailable } from '@anchorage/db';
import { COORDINATOR_PACKAGE, type CoordinatorCommand, type WorkerMessage__Output } from '@anchorage/proto';
import type * as P from '@anchorage/proto';
import { API_VERSION } from '../config.js';
import { CoordinatorService } from '../services/coordinator.service.js';
import { InvalidRequestError, NotFoundError, NotOwnerError, StaleTokenError } from '../services/errors.js';
import { WorkerConnections } from '../services/worker-connections.js';
import { WorkerAuthGuard } from './worker-auth.guard.js';

const SERVICE = 'Coordinator';

/** Domain error → gRPC status; the database away is UNAVAILABLE; anything unexpected is INTERNAL and logged. */
async function call<T>(logger: Logger, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof StaleTokenError) throw new RpcException({ code: status.FAILED_PRECONDITION, message: error.message });
    if (error instanceof NotFoundError) throw new RpcException({ code: status.NOT_FOUND, message: error.message });
    if (error instanceof NotOwnerError) throw new RpcException({ code: status.PERMISSION_DENIED, message: error.message });
    if (error instanceof InvalidRequestError) throw new RpcException({ code: status.INVALID_ARGUMENT, message: error.message });
    // The worker keeps the report and sends it again: nothing is lost while Postgres is away.
    if (isDatabaseUnavailable(error)) throw new RpcException({ code: status.UNAVAILABLE, message: 'database unavailable; retry' });
    logger.error(error);
    throw new RpcException({ code: status.INTERNAL, message: 'internal error' });
  }
}

@Controller()
@UseGuards(WorkerAuthGuard)
export class CoordinatorGrpcController {
  private readonly logger = new Logger('Coordinator');

  constructor(
    private readonly coordinator: CoordinatorService,
    private readonly connections: WorkerConnections,
  ) {}

  @GrpcMethod(SERVICE, 'Register')
  register(request: P.RegisterRequest__Output): Promise<P.RegisterResponse> {
    return call(this.logger, () => this.coordinator.register(request));
  }

  @GrpcStreamMethod(SERVICE, 'Connect')
  connect(messages: Observable<WorkerMessage__Output>): Observable<CoordinatorCommand> {
    return new Observable<CoordinatorCommand>((subscriber) => {
      let workerId: string | null = null;
      let stream: Observable<CoordinatorCommand> | null = null;
      let commands: Subscription | null = null;
      const inbound = messages.subscribe({
        next: (message) => {
          void (async () => {
            if (message.hello) {
              if (!(await this.coordinator.knownWorker(message.hello.workerId))) {
                subscriber.error(new RpcException({ code: status.NOT_FOUND, message: `unknown worker ${message.hello.workerId}; register first` }));
                return;
              }
              workerId = message.hello.workerId;
              stream = this.connections.attach(workerId);
              commands?.unsubscribe();
              commands = stream.subscribe((command) => subscriber.next(command));
              await this.coordinator.hello(workerId);
            } else if (message.heartbeat && workerId) {
              await this.coordinator.heartbeat({ ...message.heartbeat, workerId });
              subscriber.next({ ack: { serverTimeMs: String(Date.now()) } });
            }
          })().catch((error: unknown) => this.logger.warn(`heartbeat handling failed: ${(error as Error).message}`));
        },
        error: () => subscriber.complete(),
        complete: () => subscriber.complete(),
      });
      return () => {
        inbound.unsubscribe();
        commands?.unsubscribe();
        // Only the worker's current stream going away makes it offline (a reconnect replaces it).
        if (workerId && stream && this.connections.detach(workerId, stream)) {
          void this.coordinator.disconnected(workerId).catch(() => undefined);
        }
      };
    });
  }

  @GrpcMethod(SERVICE, 'StartAttempt')
  startAttempt(request: P.StartAttemptRequest__Output): Promise<P.StartAttemptResponse> {
    return call(this.logger, () => this.coordinator.startAttempt(request));
  }

  @GrpcMethod(SERVICE, 'ReportMetrics')
  reportMetrics(request: P.ReportMetricsRequest__Output): Promise<P.ReportMetricsResponse> {
    return call(this.logger, () => this.coordinator.reportMetrics(request));
  }

  @GrpcMethod(SERVICE, 'SaveCheckpoint')
  saveCheckpoint(request: P.SaveCheckpointRequest__Output): Promise<P.SaveCheckpointResponse> {
    return call(this.logger, () => this.coordinator.saveCheckpoint(request));
  }

  @GrpcMethod(SERVICE, 'ReportResult')
  reportResult(request: P.ReportResultRequest__Output): Promise<P.ReportResultResponse> {
    return call(this.logger, () => this.coordinator.reportResult(request));
  }

  @GrpcMethod(SERVICE, 'GetVersion')
  getVersion(): P.GetVersionResponse {
    return { version: API_VERSION, protocol: COORDINATOR_PACKAGE };
  }
}
