// Original file: proto/anchorage/coordinator/v1/coordinator.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One compute device of a worker.
 */
export interface Accelerator {
  /**
   * Device class: "gpu" or "cpu".
   */
  'kind'?: (string);
  /**
   * Human-readable model, e.g. "NVIDIA H200" or the CPU model name.
   */
  'model'?: (string);
  /**
   * Device memory in bytes when the backend reports it; 0 when unknown.
   */
  'memoryBytes'?: (number | string | Long);
  /**
   * CPU cores the worker process may use (the host's, or its container's limit).
   */
  'cores'?: (number);
}

/**
 * One compute device of a worker.
 */
export interface Accelerator__Output {
  /**
   * Device class: "gpu" or "cpu".
   */
  'kind': (string);
  /**
   * Human-readable model, e.g. "NVIDIA H200" or the CPU model name.
   */
  'model': (string);
  /**
   * Device memory in bytes when the backend reports it; 0 when unknown.
   */
  'memoryBytes': (string);
  /**
   * CPU cores the worker process may use (the host's, or its container's limit).
   */
  'cores': (number);
}
