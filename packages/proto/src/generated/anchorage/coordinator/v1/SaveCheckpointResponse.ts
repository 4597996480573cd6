// Original file: proto/anchorage/coordinator/v1/coordinator.proto


export interface SaveCheckpointResponse {
  /**
   * Id of the recorded checkpoint.
   */
  'checkpointId'?: (string);
  /**
   * True when the run was cancelled: the worker must stop the attempt.
   */
  'cancelRequested'?: (boolean);
}

export interface SaveCheckpointResponse__Output {
  /**
   * Id of the recorded checkpoint.
   */
  'checkpointId': (string);
  /**
   * True when the run was cancelled: the worker must stop the attempt.
   */
  'cancelRequested': (boolean);
}
