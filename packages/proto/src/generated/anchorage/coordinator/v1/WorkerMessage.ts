// Original file: proto/anchorage/coordinator/v1/coordinator.proto

import type { Hello as _anchorage_coordinator_v1_Hello, Hello__Output as _anchorage_coordinator_v1_Hello__Output } from '../../../anchorage/coordinator/v1/Hello.js';
import type { Heartbeat as _anchorage_coordinator_v1_Heartbeat, Heartbeat__Output as _anchorage_coordinator_v1_Heartbeat__Output } from '../../../anchorage/coordinator/v1/Heartbeat.js';

/**
 * Sent by the worker on the Connect stream.
 */
export interface WorkerMessage {
  /**
   * First message on a new stream: who is speaking.
   */
  'hello'?: (_anchorage_coordinator_v1_Hello | null);
  /**
   * Periodic liveness signal.
   */
  'heartbeat'?: (_anchorage_coordinator_v1_Heartbeat | null);
  'body'?: "hello"|"heartbeat";
}

/**
 * Sent by the worker on the Connect stream.
 */
export interface WorkerMessage__Output {
  /**
   * First message on a new stream: who is speaking.
   */
  'hello'?: (_anchorage_coordinator_v1_Hello__Output | null);
  /**
   * Periodic liveness signal.
   */
  'heartbeat'?: (_anchorage_coordinator_v1_Heartbeat__Output | null);
  'body'?: "hello"|"heartbeat";
}
