// Original file: proto/anchorage/coordinator/v1/coordinator.proto


export interface AttemptError {
  /**
   * What went wrong, for the user.
   */
  'message'?: (string);
  /**
   * True for infrastructure failures worth another attempt; false for bad input or deterministic errors.
   */
  'retryable'?: (boolean);
  /**
   * Error class, e.g. "AbortError", "ValidationError".
   */
  'type'?: (string);
}

export interface AttemptError__Output {
  /**
   * What went wrong, for the user.
   */
  'message': (string);
  /**
   * True for infrastructure failures worth another attempt; false for bad input or deterministic errors.
   */
  'retryable': (boolean);
  /**
   * Error class, e.g. "AbortError", "ValidationError".
   */
  'type': (string);
}
