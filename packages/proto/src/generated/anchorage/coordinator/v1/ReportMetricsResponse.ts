// Original file: proto/anchorage/coordinator/v1/coordinator.proto


export interface ReportMetricsResponse {
  /**
   * Points stored (repeats of a stored (name, step) are not counted).
   */
  'acceptedPoints'?: (number);
  /**
   * True when the run was cancelled: the worker must stop the attempt.
   */
  'cancelRequested'?: (boolean);
}

export interface ReportMetricsResponse__Output {
  /**
   * Points stored (repeats of a stored (name, step) are not counted).
   */
  'acceptedPoints': (number);
  /**
   * True when the run was cancelled: the worker must stop the attempt.
   */
  'cancelRequested': (boolean);
}
