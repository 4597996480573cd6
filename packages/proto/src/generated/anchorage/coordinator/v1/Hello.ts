// Original file: proto/anchorage/coordinator/v1/coordinator.proto


export interface Hello {
  /**
   * Worker id returned by Register.
   */
  'workerId'?: (string);
}

export interface Hello__Output {
  /**
   * Worker id returned by Register.
   */
  'workerId': (string);
}
