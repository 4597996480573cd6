// Original file: proto/anchorage/coordinator/v1/coordinator.proto


export interface ReportResultResponse {
  /**
   * Final status of the run after this report.
   */
  'runStatus'?: (string);
  /**
   * Ids of the registered models, in request order.
   */
  'modelIds'?: (string)[];
}

export interface ReportResultResponse__Output {
  /**
   * Final status of the run after this report.
   */
  'runStatus': (string);
  /**
   * Ids of the registered models, in request order.
   */
  'modelIds': (string)[];
}
