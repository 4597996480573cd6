// Original file: proto/anchorage/coordinator/v1/coordinator.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CoordinatorCommand as _anchorage_coordinator_v1_CoordinatorCommand, CoordinatorCommand__Output as _anchorage_coordinator_v1_CoordinatorCommand__Output } from '../../../anchorage/coordinator/v1/CoordinatorCommand.js';
import type { GetVersionRequest as _anchorage_coordinator_v1_GetVersionRequest, GetVersionRequest__Output as _anchorage_coordinator_v1_GetVersionRequest__Output } from '../../../anchorage/coordinator/v1/GetVersionRequest.js';
import type { GetVersionResponse as _anchorage_coordinator_v1_GetVersionResponse, GetVersionResponse__Output as _anchorage_coordinator_v1_GetVersionResponse__Output } from '../../../anchorage/coordinator/v1/GetVersionResponse.js';
import type { RegisterRequest as _anchorage_coordinator_v1_RegisterRequest, RegisterRequest__Output as _anchorage_coordinator_v1_RegisterRequest__Output } from '../../../anchorage/coordinator/v1/RegisterRequest.js';
import type { RegisterResponse as _anchorage_coordinator_v1_RegisterResponse, RegisterResponse__Output as _anchorage_coordinator_v1_RegisterResponse__Output } from '../../../anchorage/coordinator/v1/RegisterResponse.js';
import type { ReportMetricsRequest as _anchorage_coordinator_v1_ReportMetricsRequest, ReportMetricsRequest__Output as _anchorage_coordinator_v1_ReportMetricsRequest__Output } from '../../../anchorage/coordinator/v1/ReportMetricsRequest.js';
import type { ReportMetricsResponse as _anchorage_coordinator_v1_ReportMetricsResponse, ReportMetricsResponse__Output as _anchorage_coordinator_v1_ReportMetricsResponse__Output } from '../../../anchorage/coordinator/v1/ReportMetricsResponse.js';
import type { ReportResultRequest as _anchorage_coordinator_v1_ReportResultRequest, ReportResultRequest__Output as _anchorage_coordinator_v1_ReportResultRequest__Output } from '../../../anchorage/coordinator/v1/ReportResultRequest.js';
import type { ReportResultResponse as _anchorage_coordinator_v1_ReportResultResponse, ReportResultResponse__Output as _anchorage_coordinator_v1_ReportResultResponse__Output } from '../../../anchorage/coordinator/v1/ReportResultResponse.js';
import type { SaveCheckpointRequest as _anchorage_coordinator_v1_SaveCheckpointRequest, SaveCheckpointRequest__Output as _anchorage_coordinator_v1_SaveCheckpointRequest__Output } from '../../../anchorage/coordinator/v1/SaveCheckpointRequest.js';
import type { SaveCheckpointResponse as _anchorage_coordinator_v1_SaveCheckpointResponse, SaveCheckpointResponse__Output as _anchorage_coordinator_v1_SaveCheckpointResponse__Output } from '../../../anchorage/coordinator/v1/SaveCheckpointResponse.js';
import type { StartAttemptRequest as _anchorage_coordinator_v1_StartAttemptRequest, StartAttemptRequest__Output as _anchorage_coordinator_v1_StartAttemptRequest__Output } from '../../../anchorage/coordinator/v1/StartAttemptRequest.js';
import type { StartAttemptResponse as _anchorage_coordinator_v1_StartAttemptResponse, StartAttemptResponse__Output as _anchorage_coordinator_v1_StartAttemptResponse__Output } from '../../../anchorage/coordinator/v1/StartAttemptResponse.js';
import type { WorkerMessage as _anchorage_coordinator_v1_WorkerMessage, WorkerMessage__Output as _anchorage_coordinator_v1_WorkerMessage__Output } from '../../../anchorage/coordinator/v1/WorkerMessage.js';

export interface CoordinatorClient extends grpc.Client {
  /**
   * Long-lived stream: the worker sends heartbeats, the coordinator sends commands (cancel, drain).
   */
  Connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_anchorage_coordinator_v1_WorkerMessage, _anchorage_coordinator_v1_CoordinatorCommand__Output>;
  Connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_anchorage_coordinator_v1_WorkerMessage, _anchorage_coordinator_v1_CoordinatorCommand__Output>;
  /**
   * Long-lived stream: the worker sends heartbeats, the coordinator sends commands (cancel, drain).
   */
  connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_anchorage_coordinator_v1_WorkerMessage, _anchorage_coordinator_v1_CoordinatorCommand__Output>;
  connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_anchorage_coordinator_v1_WorkerMessage, _anchorage_coordinator_v1_CoordinatorCommand__Output>;
  
  /**
   * The coordinator's version, so workers can refuse to run against an incompatible API.
   */
  GetVersion(argument: _anchorage_coordinator_v1_GetVersionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_GetVersionResponse__Output>): grpc.ClientUnaryCall;
  GetVersion(argument: _anchorage_coordinator_v1_GetVersionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_anchorage_coordinator_v1_GetVersionResponse__Output>): grpc.ClientUnaryCall;
  GetVersion(argument: _anchorage_coordinator_v1_GetVersionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_GetVersionResponse__Output>): grpc.ClientUnaryCall;
  GetVersion(argument: _anchorage_coordinator_v1_GetVersionRequest, callback: grpc.requestCallback<_anchorage_coordinator_v1_GetVersionResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The coordinator's version, so workers can refuse to run against an incompatible API.
   */
  getVersion(argument: _anchorage_coordinator_v1_GetVersionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_GetVersionResponse__Output>): grpc.ClientUnaryCall;
  getVersion(argument: _anchorage_coordinator_v1_GetVersionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_anchorage_coordinator_v1_GetVersionResponse__Output>): grpc.ClientUnaryCall;
  getVersion(argument: _anchorage_coordinator_v1_GetVersionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_GetVersionResponse__Output>): grpc.ClientUnaryCall;
  getVersion(argument: _anchorage_coordinator_v1_GetVersionRequest, callback: grpc.requestCallback<_anchorage_coordinator_v1_GetVersionResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Announces a worker process and its devices; returns the id it must use from then on.
   */
  Register(argument: _anchorage_coordinator_v1_RegisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _anchorage_coordinator_v1_RegisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_anchorage_coordinator_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _anchorage_coordinator_v1_RegisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _anchorage_coordinator_v1_RegisterRequest, callback: grpc.requestCallback<_anchorage_coordinator_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Announces a worker process and its devices; returns the id it must use from then on.
   */
  register(argument: _anchorage_coordinator_v1_RegisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _anchorage_coordinator_v1_RegisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_anchorage_coordinator_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _anchorage_coordinator_v1_RegisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _anchorage_coordinator_v1_RegisterRequest, callback: grpc.requestCallback<_anchorage_coordinator_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Batched progress of a running attempt: metric points, log lines and the progress fraction.
   */
  ReportMetrics(argument: _anchorage_coordinator_v1_ReportMetricsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_ReportMetricsResponse__Output>): grpc.ClientUnaryCall;
  ReportMetrics(argument: _anchorage_coordinator_v1_ReportMetricsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_anchorage_coordinator_v1_ReportMetricsResponse__Output>): grpc.ClientUnaryCall;
  ReportMetrics(argument: _anchorage_coordinator_v1_ReportMetricsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_ReportMetricsResponse__Output>): grpc.ClientUnaryCall;
  ReportMetrics(argument: _anchorage_coordinator_v1_ReportMetricsRequest, callback: grpc.requestCallback<_anchorage_coordinator_v1_ReportMetricsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Batched progress of a running attempt: metric points, log lines and the progress fraction.
   */
  reportMetrics(argument: _anchorage_coordinator_v1_ReportMetricsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_ReportMetricsResponse__Output>): grpc.ClientUnaryCall;
  reportMetrics(argument: _anchorage_coordinator_v1_ReportMetricsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_anchorage_coordinator_v1_ReportMetricsResponse__Output>): grpc.ClientUnaryCall;
  reportMetrics(argument: _anchorage_coordinator_v1_ReportMetricsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_ReportMetricsResponse__Output>): grpc.ClientUnaryCall;
  reportMetrics(argument: _anchorage_coordinator_v1_ReportMetricsRequest, callback: grpc.requestCallback<_anchorage_coordinator_v1_ReportMetricsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The end of an attempt: its outcome, result, produced models and stitch evaluations, written atomically.
   */
  ReportResult(argument: _anchorage_coordinator_v1_ReportResultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_ReportResultResponse__Output>): grpc.ClientUnaryCall;
  ReportResult(argument: _anchorage_coordinator_v1_ReportResultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_anchorage_coordinator_v1_ReportResultResponse__Output>): grpc.ClientUnaryCall;
  ReportResult(argument: _anchorage_coordinator_v1_ReportResultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_ReportResultResponse__Output>): grpc.ClientUnaryCall;
  ReportResult(argument: _anchorage_coordinator_v1_ReportResultRequest, callback: grpc.requestCallback<_anchorage_coordinator_v1_ReportResultResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The end of an attempt: its outcome, result, produced models and stitch evaluations, written atomically.
   */
  reportResult(argument: _anchorage_coordinator_v1_ReportResultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_ReportResultResponse__Output>): grpc.ClientUnaryCall;
  reportResult(argument: _anchorage_coordinator_v1_ReportResultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_anchorage_coordinator_v1_ReportResultResponse__Output>): grpc.ClientUnaryCall;
  reportResult(argument: _anchorage_coordinator_v1_ReportResultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_ReportResultResponse__Output>): grpc.ClientUnaryCall;
  reportResult(argument: _anchorage_coordinator_v1_ReportResultRequest, callback: grpc.requestCallback<_anchorage_coordinator_v1_ReportResultResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Records a checkpoint the attempt wrote to the artifact store (the newest one is resumed from).
   */
  SaveCheckpoint(argument: _anchorage_coordinator_v1_SaveCheckpointRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_SaveCheckpointResponse__Output>): grpc.ClientUnaryCall;
  SaveCheckpoint(argument: _anchorage_coordinator_v1_SaveCheckpointRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_anchorage_coordinator_v1_SaveCheckpointResponse__Output>): grpc.ClientUnaryCall;
  SaveCheckpoint(argument: _anchorage_coordinator_v1_SaveCheckpointRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_SaveCheckpointResponse__Output>): grpc.ClientUnaryCall;
  SaveCheckpoint(argument: _anchorage_coordinator_v1_SaveCheckpointRequest, callback: grpc.requestCallback<_anchorage_coordinator_v1_SaveCheckpointResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Records a checkpoint the attempt wrote to the artifact store (the newest one is resumed from).
   */
  saveCheckpoint(argument: _anchorage_coordinator_v1_SaveCheckpointRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_SaveCheckpointResponse__Output>): grpc.ClientUnaryCall;
  saveCheckpoint(argument: _anchorage_coordinator_v1_SaveCheckpointRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_anchorage_coordinator_v1_SaveCheckpointResponse__Output>): grpc.ClientUnaryCall;
  saveCheckpoint(argument: _anchorage_coordinator_v1_SaveCheckpointRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_SaveCheckpointResponse__Output>): grpc.ClientUnaryCall;
  saveCheckpoint(argument: _anchorage_coordinator_v1_SaveCheckpointRequest, callback: grpc.requestCallback<_anchorage_coordinator_v1_SaveCheckpointResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Called when a worker takes a run's job off the queue; opens an attempt and issues its token.
   */
  StartAttempt(argument: _anchorage_coordinator_v1_StartAttemptRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_StartAttemptResponse__Output>): grpc.ClientUnaryCall;
  StartAttempt(argument: _anchorage_coordinator_v1_StartAttemptRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_anchorage_coordinator_v1_StartAttemptResponse__Output>): grpc.ClientUnaryCall;
  StartAttempt(argument: _anchorage_coordinator_v1_StartAttemptRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_StartAttemptResponse__Output>): grpc.ClientUnaryCall;
  StartAttempt(argument: _anchorage_coordinator_v1_StartAttemptRequest, callback: grpc.requestCallback<_anchorage_coordinator_v1_StartAttemptResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Called when a worker takes a run's job off the queue; opens an attempt and issues its token.
   */
  startAttempt(argument: _anchorage_coordinator_v1_StartAttemptRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_StartAttemptResponse__Output>): grpc.ClientUnaryCall;
  startAttempt(argument: _anchorage_coordinator_v1_StartAttemptRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_anchorage_coordinator_v1_StartAttemptResponse__Output>): grpc.ClientUnaryCall;
  startAttempt(argument: _anchorage_coordinator_v1_StartAttemptRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_anchorage_coordinator_v1_StartAttemptResponse__Output>): grpc.ClientUnaryCall;
  startAttempt(argument: _anchorage_coordinator_v1_StartAttemptRequest, callback: grpc.requestCallback<_anchorage_coordinator_v1_StartAttemptResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface CoordinatorHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Long-lived stream: the worker sends heartbeats, the coordinator sends commands (cancel, drain).
   */
  Connect: grpc.handleBidiStreamingCall<_anchorage_coordinator_v1_WorkerMessage__Output, _anchorage_coordinator_v1_CoordinatorCommand>;
  
  /**
   * The coordinator's version, so workers can refuse to run against an incompatible API.
   */
  GetVersion: grpc.handleUnaryCall<_anchorage_coordinator_v1_GetVersionRequest__Output, _anchorage_coordinator_v1_GetVersionResponse>;
  
  /**
   * Announces a worker process and its devices; returns the id it must use from then on.
   */
  Register: grpc.handleUnaryCall<_anchorage_coordinator_v1_RegisterRequest__Output, _anchorage_coordinator_v1_RegisterResponse>;
  
  /**
   * Batched progress of a running attempt: metric points, log lines and the progress fraction.
   */
  ReportMetrics: grpc.handleUnaryCall<_anchorage_coordinator_v1_ReportMetricsRequest__Output, _anchorage_coordinator_v1_ReportMetricsResponse>;
  
  /**
   * The end of an attempt: its outcome, result, produced models and stitch evaluations, written atomically.
   */
  ReportResult: grpc.handleUnaryCall<_anchorage_coordinator_v1_ReportResultRequest__Output, _anchorage_coordinator_v1_ReportResultResponse>;
  
  /**
   * Records a checkpoint the attempt wrote to the artifact store (the newest one is resumed from).
   */
  SaveCheckpoint: grpc.handleUnaryCall<_anchorage_coordinator_v1_SaveCheckpointRequest__Output, _anchorage_coordinator_v1_SaveCheckpointResponse>;
  
  /**
   * Called when a worker takes a run's job off the queue; opens an attempt and issues its token.
   */
  StartAttempt: grpc.handleUnaryCall<_anchorage_coordinator_v1_StartAttemptRequest__Output, _anchorage_coordinator_v1_StartAttemptResponse>;
  
}

export interface CoordinatorDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<_anchorage_coordinator_v1_WorkerMessage, _anchorage_coordinator_v1_CoordinatorCommand, _anchorage_coordinator_v1_WorkerMessage__Output, _anchorage_coordinator_v1_CoordinatorCommand__Output>
  GetVersion: MethodDefinition<_anchorage_coordinator_v1_GetVersionRequest, _anchorage_coordinator_v1_GetVersionResponse, _anchorage_coordinator_v1_GetVersionRequest__Output, _anchorage_coordinator_v1_GetVersionResponse__Output>
  Register: MethodDefinition<_anchorage_coordinator_v1_RegisterRequest, _anchorage_coordinator_v1_RegisterResponse, _anchorage_coordinator_v1_RegisterRequest__Output, _anchorage_coordinator_v1_RegisterResponse__Output>
  ReportMetrics: MethodDefinition<_anchorage_coordinator_v1_ReportMetricsRequest, _anchorage_coordinator_v1_ReportMetricsResponse, _anchorage_coordinator_v1_ReportMetricsRequest__Output, _anchorage_coordinator_v1_ReportMetricsResponse__Output>
  ReportResult: MethodDefinition<_anchorage_coordinator_v1_ReportResultRequest, _anchorage_coordinator_v1_ReportResultResponse, _anchorage_coordinator_v1_ReportResultRequest__Output, _anchorage_coordinator_v1_ReportResultResponse__Output>
  SaveCheckpoint: MethodDefinition<_anchorage_coordinator_v1_SaveCheckpointRequest, _anchorage_coordinator_v1_SaveCheckpointResponse, _anchorage_coordinator_v1_SaveCheckpointRequest__Output, _anchorage_coordinator_v1_SaveCheckpointResponse__Output>
  StartAttempt: MethodDefinition<_anchorage_coordinator_v1_StartAttemptRequest, _anchorage_coordinator_v1_StartAttemptResponse, _anchorage_coordinator_v1_StartAttemptRequest__Output, _anchorage_coordinator_v1_StartAttemptResponse__Output>
}
