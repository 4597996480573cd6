// Original file: proto/anchorage/coordinator/v1/coordinator.proto

import type { Accelerator as _anchorage_coordinator_v1_Accelerator, Accelerator__Output as _anchorage_coordinator_v1_Accelerator__Output } from '../../../anchorage/coordinator/v1/Accelerator.js';

export interface RegisterRequest {
  /**
   * Worker name chosen by the operator (defaults to host and pid).
   */
  'name'?: (string);
  /**
   * Host name of the machine the worker runs on.
   */
  'host'?: (string);
  /**
   * TensorFlow.js backend in use: "tensorflow-gpu", "tensorflow", "wasm" or "cpu".
   */
  'backend'?: (string);
  /**
   * Devices this worker process can use.
   */
  'accelerators'?: (_anchorage_coordinator_v1_Accelerator)[];
  /**
   * How many attempts this process runs at once.
   */
  'capacity'?: (number);
  /**
   * Resource classes (queues) the operator restricted this worker to; empty: every class its
   * devices can serve. The coordinator decides and answers with the classes in RegisterResponse.
   */
  'resourceClasses'?: (string)[];
  /**
   * Worker software version.
   */
  'version'?: (string);
  /**
   * Operating-system process id, for operators.
   */
  'pid'?: (number);
}

export interface RegisterRequest__Output {
  /**
   * Worker name chosen by the operator (defaults to host and pid).
   */
  'name': (string);
  /**
   * Host name of the machine the worker runs on.
   */
  'host': (string);
  /**
   * TensorFlow.js backend in use: "tensorflow-gpu", "tensorflow", "wasm" or "cpu".
   */
  'backend': (string);
  /**
   * Devices this worker process can use.
   */
  'accelerators': (_anchorage_coordinator_v1_Accelerator__Output)[];
  /**
   * How many attempts this process runs at once.
   */
  'capacity': (number);
  /**
   * Resource classes (queues) the operator restricted this worker to; empty: every class its
   * devices can serve. The coordinator decides and answers with the classes in RegisterResponse.
   */
  'resourceClasses': (string)[];
  /**
   * Worker software version.
   */
  'version': (string);
  /**
   * Operating-system process id, for operators.
   */
  'pid': (number);
}
