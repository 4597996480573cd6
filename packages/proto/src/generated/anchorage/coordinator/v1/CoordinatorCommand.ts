// Original file: proto/anchorage/coordinator/v1/coordinator.proto

import type { CancelAttempt as _anchorage_coordinator_v1_CancelAttempt, CancelAttempt__Output as _anchorage_coordinator_v1_CancelAttempt__Output } from '../../../anchorage/coordinator/v1/CancelAttempt.js';
import type { Drain as _anchorage_coordinator_v1_Drain, Drain__Output as _anchorage_coordinator_v1_Drain__Output } from '../../../anchorage/coordinator/v1/Drain.js';
import type { HeartbeatAck as _anchorage_coordinator_v1_HeartbeatAck, HeartbeatAck__Output as _anchorage_coordinator_v1_HeartbeatAck__Output } from '../../../anchorage/coordinator/v1/HeartbeatAck.js';

/**
 * Sent by the coordinator on the Connect stream.
 */
export interface CoordinatorCommand {
  /**
   * Stop an attempt now; it must end as cancelled, never as succeeded.
   */
  'cancel'?: (_anchorage_coordinator_v1_CancelAttempt | null);
  /**
   * Stop taking new jobs, finish or hand back what is running, then exit.
   */
  'drain'?: (_anchorage_coordinator_v1_Drain | null);
  /**
   * Acknowledges a heartbeat; carries nothing else.
   */
  'ack'?: (_anchorage_coordinator_v1_HeartbeatAck | null);
  'body'?: "cancel"|"drain"|"ack";
}

/**
 * Sent by the coordinator on the Connect stream.
 */
export interface CoordinatorCommand__Output {
  /**
   * Stop an attempt now; it must end as cancelled, never as succeeded.
   */
  'cancel'?: (_anchorage_coordinator_v1_CancelAttempt__Output | null);
  /**
   * Stop taking new jobs, finish or hand back what is running, then exit.
   */
  'drain'?: (_anchorage_coordinator_v1_Drain__Output | null);
  /**
   * Acknowledges a heartbeat; carries nothing else.
   */
  'ack'?: (_anchorage_coordinator_v1_HeartbeatAck__Output | null);
  'body'?: "cancel"|"drain"|"ack";
}
