// Original file: proto/anchorage/coordinator/v1/coordinator.proto


export interface CancelAttempt {
  /**
   * Run whose attempt must stop.
   */
  'runId'?: (string);
  /**
   * Token of the attempt to stop.
   */
  'fencingToken'?: (string);
  /**
   * Why, for logs (e.g. "cancelled by user").
   */
  'reason'?: (string);
}

export interface CancelAttempt__Output {
  /**
   * Run whose attempt must stop.
   */
  'runId': (string);
  /**
   * Token of the attempt to stop.
   */
  'fencingToken': (string);
  /**
   * Why, for logs (e.g. "cancelled by user").
   */
  'reason': (string);
}
