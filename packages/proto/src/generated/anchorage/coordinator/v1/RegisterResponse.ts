// Original file: proto/anchorage/coordinator/v1/coordinator.proto


export interface RegisterResponse {
  /**
   * Id the worker uses in every later call.
   */
  'workerId'?: (string);
  /**
   * How often the worker must send a heartbeat, in milliseconds.
   */
  'heartbeatIntervalMs'?: (number);
  /**
   * Coordinator software version.
   */
  'coordinatorVersion'?: (string);
  /**
   * Resource classes (queues) the worker must consume, decided from its devices and the
   * classes the cluster is configured with, e.g. ["cpu", "any"].
   */
  'resourceClasses'?: (string)[];
}

export interface RegisterResponse__Output {
  /**
   * Id the worker uses in every later call.
   */
  'workerId': (string);
  /**
   * How often the worker must send a heartbeat, in milliseconds.
   */
  'heartbeatIntervalMs': (number);
  /**
   * Coordinator software version.
   */
  'coordinatorVersion': (string);
  /**
   * Resource classes (queues) the worker must consume, decided from its devices and the
   * classes the cluster is configured with, e.g. ["cpu", "any"].
   */
  'resourceClasses': (string)[];
}
