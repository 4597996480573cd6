// Original file: proto/anchorage/coordinator/v1/coordinator.proto

import type { Long } from '@grpc/proto-loader';

export interface LogEntry {
  /**
   * "debug", "info", "warn" or "error".
   */
  'level'?: (string);
  /**
   * The line itself.
   */
  'message'?: (string);
  /**
   * When it was written, in milliseconds since the epoch.
   */
  'timeMs'?: (number | string | Long);
}

export interface LogEntry__Output {
  /**
   * "debug", "info", "warn" or "error".
   */
  'level': (string);
  /**
   * The line itself.
   */
  'message': (string);
  /**
   * When it was written, in milliseconds since the epoch.
   */
  'timeMs': (string);
}
