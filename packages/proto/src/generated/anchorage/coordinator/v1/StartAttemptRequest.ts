// Original file: proto/anchorage/coordinator/v1/coordinator.proto


export interface StartAttemptRequest {
  /**
   * Worker id returned by Register.
   */
  'workerId'?: (string);
  /**
   * Run the queued job belongs to.
   */
  'runId'?: (string);
  /**
   * BullMQ job id, for tracing.
   */
  'jobId'?: (string);
  /**
   * Backend the attempt will run on.
   */
  'backend'?: (string);
}

export interface StartAttemptRequest__Output {
  /**
   * Worker id returned by Register.
   */
  'workerId': (string);
  /**
   * Run the queued job belongs to.
   */
  'runId': (string);
  /**
   * BullMQ job id, for tracing.
   */
  'jobId': (string);
  /**
   * Backend the attempt will run on.
   */
  'backend': (string);
}
