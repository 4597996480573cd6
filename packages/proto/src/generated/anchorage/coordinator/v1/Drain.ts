// Original file: proto/anchorage/coordinator/v1/coordinator.proto


export interface Drain {
  /**
   * Why the worker is being drained.
   */
  'reason'?: (string);
}

export interface Drain__Output {
  /**
   * Why the worker is being drained.
   */
  'reason': (string);
}
