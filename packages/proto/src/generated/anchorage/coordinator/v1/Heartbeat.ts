// Original file: proto/anchorage/coordinator/v1/coordinator.proto

import type { Long } from '@grpc/proto-loader';

export interface Heartbeat {
  /**
   * Worker id returned by Register.
   */
  'workerId'?: (string);
  /**
   * Fencing tokens of the attempts this worker is running now.
   */
  'runningTokens'?: (string)[];
  /**
   * Resident memory of the worker process in bytes.
   */
  'rssBytes'?: (number | string | Long);
  /**
   * Tensors alive in the TensorFlow.js engine (leak detection).
   */
  'numTensors'?: (number);
}

export interface Heartbeat__Output {
  /**
   * Worker id returned by Register.
   */
  'workerId': (string);
  /**
   * Fencing tokens of the attempts this worker is running now.
   */
  'runningTokens': (string)[];
  /**
   * Resident memory of the worker process in bytes.
   */
  'rssBytes': (string);
  /**
   * Tensors alive in the TensorFlow.js engine (leak detection).
   */
  'numTensors': (number);
}
