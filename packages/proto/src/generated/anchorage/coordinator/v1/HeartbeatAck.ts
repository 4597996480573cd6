// Original file: proto/anchorage/coordinator/v1/coordinator.proto

import type { Long } from '@grpc/proto-loader';

export interface HeartbeatAck {
  /**
   * Coordinator time in milliseconds since the epoch, for clock-skew diagnostics.
   */
  'serverTimeMs'?: (number | string | Long);
}

export interface HeartbeatAck__Output {
  /**
   * Coordinator time in milliseconds since the epoch, for clock-skew diagnostics.
   */
  'serverTimeMs': (string);
}
