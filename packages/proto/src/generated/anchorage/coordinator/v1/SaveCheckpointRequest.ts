// Original file: proto/anchorage/coordinator/v1/coordinator.proto


export interface SaveCheckpointRequest {
  /**
   * Token of the reporting attempt.
   */
  'fencingToken'?: (string);
  /**
   * Training steps completed when the checkpoint was taken.
   */
  'step'?: (number);
  /**
   * Where the checkpoint is, e.g. "file:///var/lib/anchorage/artifacts/checkpoints/...".
   */
  'uri'?: (string);
  /**
   * The reporting worker's id (from Register); an attempt is only reported by the worker running it.
   */
  'workerId'?: (string);
}

export interface SaveCheckpointRequest__Output {
  /**
   * Token of the reporting attempt.
   */
  'fencingToken': (string);
  /**
   * Training steps completed when the checkpoint was taken.
   */
  'step': (number);
  /**
   * Where the checkpoint is, e.g. "file:///var/lib/anchorage/artifacts/checkpoints/...".
   */
  'uri': (string);
  /**
   * The reporting worker's id (from Register); an attempt is only reported by the worker running it.
   */
  'workerId': (string);
}
