// Original file: proto/anchorage/coordinator/v1/coordinator.proto


export interface GetVersionResponse {
  /**
   * Coordinator software version.
   */
  'version'?: (string);
  /**
   * Protocol package, "anchorage.coordinator.v1".
   */
  'protocol'?: (string);
}

export interface GetVersionResponse__Output {
  /**
   * Coordinator software version.
   */
  'version': (string);
  /**
   * Protocol package, "anchorage.coordinator.v1".
   */
  'protocol': (string);
}
