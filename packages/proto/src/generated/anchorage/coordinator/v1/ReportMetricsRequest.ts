// Original file: proto/anchorage/coordinator/v1/coordinator.proto

import type { MetricPoint as _anchorage_coordinator_v1_MetricPoint, MetricPoint__Output as _anchorage_coordinator_v1_MetricPoint__Output } from '../../../anchorage/coordinator/v1/MetricPoint.js';
import type { LogEntry as _anchorage_coordinator_v1_LogEntry, LogEntry__Output as _anchorage_coordinator_v1_LogEntry__Output } from '../../../anchorage/coordinator/v1/LogEntry.js';

export interface ReportMetricsRequest {
  /**
   * Token of the reporting attempt.
   */
  'fencingToken'?: (string);
  /**
   * Metric points measured since the last report.
   */
  'points'?: (_anchorage_coordinator_v1_MetricPoint)[];
  /**
   * Log lines written since the last report.
   */
  'logs'?: (_anchorage_coordinator_v1_LogEntry)[];
  /**
   * Fraction of the work done, 0 to 1; negative when unknown.
   */
  'progress'?: (number | string);
  /**
   * The reporting worker's id (from Register); an attempt is only reported by the worker running it.
   */
  'workerId'?: (string);
}

export interface ReportMetricsRequest__Output {
  /**
   * Token of the reporting attempt.
   */
  'fencingToken': (string);
  /**
   * Metric points measured since the last report.
   */
  'points': (_anchorage_coordinator_v1_MetricPoint__Output)[];
  /**
   * Log lines written since the last report.
   */
  'logs': (_anchorage_coordinator_v1_LogEntry__Output)[];
  /**
   * Fraction of the work done, 0 to 1; negative when unknown.
   */
  'progress': (number);
  /**
   * The reporting worker's id (from Register); an attempt is only reported by the worker running it.
   */
  'workerId': (string);
}
