import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Accelerator as _anchorage_coordinator_v1_Accelerator, Accelerator__Output as _anchorage_coordinator_v1_Accelerator__Output } from './anchorage/coordinator/v1/Accelerator.js';
import type { AttemptError as _anchorage_coordinator_v1_AttemptError, AttemptError__Output as _anchorage_coordinator_v1_AttemptError__Output } from './anchorage/coordinator/v1/AttemptError.js';
import type { CancelAttempt as _anchorage_coordinator_v1_CancelAttempt, CancelAttempt__Output as _anchorage_coordinator_v1_CancelAttempt__Output } from './anchorage/coordinator/v1/CancelAttempt.js';
import type { CoordinatorClient as _anchorage_coordinator_v1_CoordinatorClient, CoordinatorDefinition as _anchorage_coordinator_v1_CoordinatorDefinition } from './anchorage/coordinator/v1/Coordinator.js';
import type { CoordinatorCommand as _anchorage_coordinator_v1_CoordinatorCommand, CoordinatorCommand__Output as _anchorage_coordinator_v1_CoordinatorCommand__Output } from './anchorage/coordinator/v1/CoordinatorCommand.js';
import type { Drain as _anchorage_coordinator_v1_Drain, Drain__Output as _anchorage_coordinator_v1_Drain__Output } from './anchorage/coordinator/v1/Drain.js';
import type { GetVersionRequest as _anchorage_coordinator_v1_GetVersionRequest, GetVersionRequest__Output as _anchorage_coordinator_v1_GetVersionRequest__Output } from './anchorage/coordinator/v1/GetVersionRequest.js';
import type { GetVersionResponse as _anchorage_coordinator_v1_GetVersionResponse, GetVersionResponse__Output as _anchorage_coordinator_v1_GetVersionResponse__Output } from './anchorage/coordinator/v1/GetVersionResponse.js';
import type { Heartbeat as _anchorage_coordinator_v1_Heartbeat, Heartbeat__Output as _anchorage_coordinator_v1_Heartbeat__Output } from './anchorage/coordinator/v1/Heartbeat.js';
import type { HeartbeatAck as _anchorage_coordinator_v1_HeartbeatAck, HeartbeatAck__Output as _anchorage_coordinator_v1_HeartbeatAck__Output } from './anchorage/coordinator/v1/HeartbeatAck.js';
import type { Hello as _anchorage_coordinator_v1_Hello, Hello__Output as _anchorage_coordinator_v1_Hello__Output } from './anchorage/coordinator/v1/Hello.js';
import type { LogEntry as _anchorage_coordinator_v1_LogEntry, LogEntry__Output as _anchorage_coordinator_v1_LogEntry__Output } from './anchorage/coordinator/v1/LogEntry.js';
import type { MetricPoint as _anchorage_coordinator_v1_MetricPoint, MetricPoint__Output as _anchorage_coordinator_v1_MetricPoint__Output } from './anchorage/coordinator/v1/MetricPoint.js';
import type { ProducedModel as _anchorage_coordinator_v1_ProducedModel, ProducedModel__Output as _anchorage_coordinator_v1_ProducedModel__Output } from './anchorage/coordinator/v1/ProducedModel.js';
import type { RegisterRequest as _anchorage_coordinator_v1_RegisterRequest, RegisterRequest__Output as _anchorage_coordinator_v1_RegisterRequest__Output } from './anchorage/coordinator/v1/RegisterRequest.js';
import type { RegisterResponse as _anchorage_coordinator_v1_RegisterResponse, RegisterResponse__Output as _anchorage_coordinator_v1_RegisterResponse__Output } from './anchorage/coordinator/v1/RegisterResponse.js';
import type { ReportMetricsRequest as _anchorage_coordinator_v1_ReportMetricsRequest, ReportMetricsRequest__Output as _anchorage_coordinator_v1_ReportMetricsRequest__Output } from './anchorage/coordinator/v1/ReportMetricsRequest.js';
import type { ReportMetricsResponse as _anchorage_coordinator_v1_ReportMetricsResponse, ReportMetricsResponse__Output as _anchorage_coordinator_v1_ReportMetricsResponse__Output } from './anchorage/coordinator/v1/ReportMetricsResponse.js';
import type { ReportResultRequest as _anchorage_coordinator_v1_ReportResultRequest, ReportResultRequest__Output as _anchorage_coordinator_v1_ReportResultRequest__Output } from './anchorage/coordinator/v1/ReportResultRequest.js';
import type { ReportResultResponse as _anchorage_coordinator_v1_ReportResultResponse, ReportResultResponse__Output as _anchorage_coordinator_v1_ReportResultResponse__Output } from './anchorage/coordinator/v1/ReportResultResponse.js';
import type { SaveCheckpointRequest as _anchorage_coordinator_v1_SaveCheckpointRequest, SaveCheckpointRequest__Output as _anchorage_coordinator_v1_SaveCheckpointRequest__Output } from './anchorage/coordinator/v1/SaveCheckpointRequest.js';
import type { SaveCheckpointResponse as _anchorage_coordinator_v1_SaveCheckpointResponse, SaveCheckpointResponse__Output as _anchorage_coordinator_v1_SaveCheckpointResponse__Output } from './anchorage/coordinator/v1/SaveCheckpointResponse.js';
import type { StartAttemptRequest as _anchorage_coordinator_v1_StartAttemptRequest, StartAttemptRequest__Output as _anchorage_coordinator_v1_StartAttemptRequest__Output } from './anchorage/coordinator/v1/StartAttemptRequest.js';
import type { StartAttemptResponse as _anchorage_coordinator_v1_StartAttemptResponse, StartAttemptResponse__Output as _anchorage_coordinator_v1_StartAttemptResponse__Output } from './anchorage/coordinator/v1/StartAttemptResponse.js';
import type { StitchEvaluation as _anchorage_coordinator_v1_StitchEvaluation, StitchEvaluation__Output as _anchorage_coordinator_v1_StitchEvaluation__Output } from './anchorage/coordinator/v1/StitchEvaluation.js';
import type { WorkerMessage as _anchorage_coordinator_v1_WorkerMessage, WorkerMessage__Output as _anchorage_coordinator_v1_WorkerMessage__Output } from './anchorage/coordinator/v1/WorkerMessage.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  anchorage: {
    coordinator: {
      v1: {
        Accelerator: MessageTypeDefinition<_anchorage_coordinator_v1_Accelerator, _anchorage_coordinator_v1_Accelerator__Output>
        AttemptError: MessageTypeDefinition<_anchorage_coordinator_v1_AttemptError, _anchorage_coordinator_v1_AttemptError__Output>
        CancelAttempt: MessageTypeDefinition<_anchorage_coordinator_v1_CancelAttempt, _anchorage_coordinator_v1_CancelAttempt__Output>
        Coordinator: SubtypeConstructor<typeof grpc.Client, _anchorage_coordinator_v1_CoordinatorClient> & { service: _anchorage_coordinator_v1_CoordinatorDefinition }
        CoordinatorCommand: MessageTypeDefinition<_anchorage_coordinator_v1_CoordinatorCommand, _anchorage_coordinator_v1_CoordinatorCommand__Output>
        Drain: MessageTypeDefinition<_anchorage_coordinator_v1_Drain, _anchorage_coordinator_v1_Drain__Output>
        GetVersionRequest: MessageTypeDefinition<_anchorage_coordinator_v1_GetVersionRequest, _anchorage_coordinator_v1_GetVersionRequest__Output>
        GetVersionResponse: MessageTypeDefinition<_anchorage_coordinator_v1_GetVersionResponse, _anchorage_coordinator_v1_GetVersionResponse__Output>
        Heartbeat: MessageTypeDefinition<_anchorage_coordinator_v1_Heartbeat, _anchorage_coordinator_v1_Heartbeat__Output>
        HeartbeatAck: MessageTypeDefinition<_anchorage_coordinator_v1_HeartbeatAck, _anchorage_coordinator_v1_HeartbeatAck__Output>
        Hello: MessageTypeDefinition<_anchorage_coordinator_v1_Hello, _anchorage_coordinator_v1_Hello__Output>
        LogEntry: MessageTypeDefinition<_anchorage_coordinator_v1_LogEntry, _anchorage_coordinator_v1_LogEntry__Output>
        MetricPoint: MessageTypeDefinition<_anchorage_coordinator_v1_MetricPoint, _anchorage_coordinator_v1_MetricPoint__Output>
        ProducedModel: MessageTypeDefinition<_anchorage_coordinator_v1_ProducedModel, _anchorage_coordinator_v1_ProducedModel__Output>
        RegisterRequest: MessageTypeDefinition<_anchorage_coordinator_v1_RegisterRequest, _anchorage_coordinator_v1_RegisterRequest__Output>
        RegisterResponse: MessageTypeDefinition<_anchorage_coordinator_v1_RegisterResponse, _anchorage_coordinator_v1_RegisterResponse__Output>
        ReportMetricsRequest: MessageTypeDefinition<_anchorage_coordinator_v1_ReportMetricsRequest, _anchorage_coordinator_v1_ReportMetricsRequest__Output>
        ReportMetricsResponse: MessageTypeDefinition<_anchorage_coordinator_v1_ReportMetricsResponse, _anchorage_coordinator_v1_ReportMetricsResponse__Output>
        ReportResultRequest: MessageTypeDefinition<_anchorage_coordinator_v1_ReportResultRequest, _anchorage_coordinator_v1_ReportResultRequest__Output>
        ReportResultResponse: MessageTypeDefinition<_anchorage_coordinator_v1_ReportResultResponse, _anchorage_coordinator_v1_ReportResultResponse__Output>
        SaveCheckpointRequest: MessageTypeDefinition<_anchorage_coordinator_v1_SaveCheckpointRequest, _anchorage_coordinator_v1_SaveCheckpointRequest__Output>
        SaveCheckpointResponse: MessageTypeDefinition<_anchorage_coordinator_v1_SaveCheckpointResponse, _anchorage_coordinator_v1_SaveCheckpointResponse__Output>
        StartAttemptRequest: MessageTypeDefinition<_anchorage_coordinator_v1_StartAttemptRequest, _anchorage_coordinator_v1_StartAttemptRequest__Output>
        StartAttemptResponse: MessageTypeDefinition<_anchorage_coordinator_v1_StartAttemptResponse, _anchorage_coordinator_v1_StartAttemptResponse__Output>
        StitchEvaluation: MessageTypeDefinition<_anchorage_coordinator_v1_StitchEvaluation, _anchorage_coordinator_v1_StitchEvaluation__Output>
        WorkerMessage: MessageTypeDefinition<_anchorage_coordinator_v1_WorkerMessage, _anchorage_coordinator_v1_WorkerMessage__Output>
      }
    }
  }
}

