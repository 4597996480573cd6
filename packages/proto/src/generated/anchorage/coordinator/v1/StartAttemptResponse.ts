// Original file: proto/anchorage/coordinator/v1/coordinator.proto


export interface StartAttemptResponse {
  /**
   * False when the run must not run (cancelled, finished, unknown); the job is then dropped.
   */
  'accepted'?: (boolean);
  /**
   * Why the attempt was refused, when it was.
   */
  'reason'?: (string);
  /**
   * Token that every later report of this attempt must carry.
   */
  'fencingToken'?: (string);
  /**
   * 1 for the first attempt of the run, 2 for the first retry, and so on.
   */
  'attemptNumber'?: (number);
  /**
   * Job kind, e.g. "train".
   */
  'kind'?: (string);
  /**
   * The run's spec as validated JSON (defaults applied).
   */
  'specJson'?: (string);
  /**
   * Inputs resolved by the coordinator as JSON, e.g. models by id with their artifact URIs.
   */
  'inputsJson'?: (string);
  /**
   * Step of the newest checkpoint recorded for the run (-1: none). An attempt resumes from it or an
   * older one, never from a newer one found on disk: that one's metrics may not have been stored.
   */
  'resumeStep'?: (number);
}

export interface StartAttemptResponse__Output {
  /**
   * False when the run must not run (cancelled, finished, unknown); the job is then dropped.
   */
  'accepted': (boolean);
  /**
   * Why the attempt was refused, when it was.
   */
  'reason': (string);
  /**
   * Token that every later report of this attempt must carry.
   */
  'fencingToken': (string);
  /**
   * 1 for the first attempt of the run, 2 for the first retry, and so on.
   */
  'attemptNumber': (number);
  /**
   * Job kind, e.g. "train".
   */
  'kind': (string);
  /**
   * The run's spec as validated JSON (defaults applied).
   */
  'specJson': (string);
  /**
   * Inputs resolved by the coordinator as JSON, e.g. models by id with their artifact URIs.
   */
  'inputsJson': (string);
  /**
   * Step of the newest checkpoint recorded for the run (-1: none). An attempt resumes from it or an
   * older one, never from a newer one found on disk: that one's metrics may not have been stored.
   */
  'resumeStep': (number);
}
