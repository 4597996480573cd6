// The coordinator protocol: where the .proto lives, how to load it, and its generated types.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType } from './generated/coordinator.js';

/** Root of the proto tree (the repository's `proto/` folder). */
export const PROTO_ROOT = fileURLToPath(new URL('../../../proto/', import.meta.url));
/** Path of the coordinator proto, relative to PROTO_ROOT. */
export const COORDINATOR_PROTO = 'anchorage/coordinator/v1/coordinator.proto';
export const COORDINATOR_PACKAGE = 'anchorage.coordinator.v1';
export const COORDINATOR_SERVICE = 'Coordinator';

/** Loader options matching the generated types (camelCase fields, string longs and enums, defaults, oneofs). */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

export function loadCoordinatorPackageDefinition(): protoLoader.PackageDefinition {
  return protoLoader.loadSync(COORDINATOR_PROTO, LOADER_OPTIONS);
}

export function loadCoordinatorProto(): ProtoGrpcType {
  return grpc.loadPackageDefinition(loadCoordinatorPackageDefinition()) as unknown as ProtoGrpcType;
}

export type { ProtoGrpcType } from './generated/coordinator.js';
export type { CoordinatorClient } from './generated/anchorage/coordinator/v1/Coordinator.js';
export type * from './generated/anchorage/coordinator/v1/Accelerator.js';
export type * from './generated/anchorage/coordinator/v1/AttemptError.js';
export type * from './generated/anchorage/coordinator/v1/CancelAttempt.js';
export type * from './generated/anchorage/coordinator/v1/CoordinatorCommand.js';
export type * from './generated/anchorage/coordinator/v1/Drain.js';
export type * from './generated/anchorage/coordinator/v1/GetVersionRequest.js';
export type * from './generated/anchorage/coordinator/v1/GetVersionResponse.js';
export type * from './generated/anchorage/coordinator/v1/Heartbeat.js';
export type * from './generated/anchorage/coordinator/v1/HeartbeatAck.js';
export type * from './generated/anchorage/coordinator/v1/Hello.js';
export type * from './generated/anchorage/coordinator/v1/LogEntry.js';
export type * from './generated/anchorage/coordinator/v1/MetricPoint.js';
export type * from './generated/anchorage/coordinator/v1/ProducedModel.js';
export type * from './generated/anchorage/coordinator/v1/RegisterRequest.js';
export type * from './generated/anchorage/coordinator/v1/RegisterResponse.js';
export type * from './generated/anchorage/coordinator/v1/ReportMetricsRequest.js';
export type * from './generated/anchorage/coordinator/v1/ReportMetricsResponse.js';
export type * from './generated/anchorage/coordinator/v1/ReportResultRequest.js';
export type * from './generated/anchorage/coordinator/v1/ReportResultResponse.js';
export type * from './generated/anchorage/coordinator/v1/SaveCheckpointRequest.js';
export type * from './generated/anchorage/coordinator/v1/SaveCheckpointResponse.js';
export type * from './generated/anchorage/coordinator/v1/StartAttemptRequest.js';
export type * from './generated/anchorage/coordinator/v1/StitchEvaluation.js';
export type * from './generated/anchorage/coordinator/v1/StartAttemptResponse.js';
export type * from './generated/anchorage/coordinator/v1/WorkerMessage.js';
