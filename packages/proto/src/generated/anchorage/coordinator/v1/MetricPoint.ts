// Original file: proto/anchorage/coordinator/v1/coordinator.proto

import type { Long } from '@grpc/proto-loader';

export interface MetricPoint {
  /**
   * Metric name, e.g. "train/loss".
   */
  'name'?: (string);
  /**
   * Training step the value belongs to; a repeated (name, step) is ignored.
   */
  'step'?: (number);
  /**
   * The value.
   */
  'value'?: (number | string);
  /**
   * When it was measured, in milliseconds since the epoch.
   */
  'timeMs'?: (number | string | Long);
}

export interface MetricPoint__Output {
  /**
   * Metric name, e.g. "train/loss".
   */
  'name': (string);
  /**
   * Training step the value belongs to; a repeated (name, step) is ignored.
   */
  'step': (number);
  /**
   * The value.
   */
  'value': (number);
  /**
   * When it was measured, in milliseconds since the epoch.
   */
  'timeMs': (string);
}
