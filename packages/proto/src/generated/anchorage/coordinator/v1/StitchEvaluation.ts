// Original file: proto/anchorage/coordinator/v1/coordinator.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One evaluated configuration of a stitch run (anchors included).
 */
export interface StitchEvaluation {
  /**
   * Configuration id in the method's id order (anchors first).
   */
  'stitchId'?: (number);
  /**
   * Human-readable configuration, e.g. "vit-ti[0..1] -> vit-s[2..3]".
   */
  'label'?: (string);
  /**
   * "anchor" or "stitch".
   */
  'kind'?: (string);
  /**
   * The configuration (path of anchor block ranges and stitching layers) as JSON.
   */
  'configurationJson'?: (string);
  /**
   * Multiply-adds per image (fvcore convention).
   */
  'flops'?: (number | string);
  /**
   * Parameters the configuration uses.
   */
  'params'?: (number | string | Long);
  /**
   * Top-1 accuracy on the test split, as a fraction.
   */
  'accuracy'?: (number | string);
  /**
   * Top-5 accuracy on the test split, as a fraction.
   */
  'top5'?: (number | string);
  /**
   * Mean cross-entropy on the test split.
   */
  'loss'?: (number | string);
  /**
   * Median latency in milliseconds; negative when not measured.
   */
  'latencyMs'?: (number | string);
  /**
   * Latency details (median, p90, batch size, backend) as JSON.
   */
  'latencyJson'?: (string);
}

/**
 * One evaluated configuration of a stitch run (anchors included).
 */
export interface StitchEvaluation__Output {
  /**
   * Configuration id in the method's id order (anchors first).
   */
  'stitchId': (number);
  /**
   * Human-readable configuration, e.g. "vit-ti[0..1] -> vit-s[2..3]".
   */
  'label': (string);
  /**
   * "anchor" or "stitch".
   */
  'kind': (string);
  /**
   * The configuration (path of anchor block ranges and stitching layers) as JSON.
   */
  'configurationJson': (string);
  /**
   * Multiply-adds per image (fvcore convention).
   */
  'flops': (number);
  /**
   * Parameters the configuration uses.
   */
  'params': (string);
  /**
   * Top-1 accuracy on the test split, as a fraction.
   */
  'accuracy': (number);
  /**
   * Top-5 accuracy on the test split, as a fraction.
   */
  'top5': (number);
  /**
   * Mean cross-entropy on the test split.
   */
  'loss': (number);
  /**
   * Median latency in milliseconds; negative when not measured.
   */
  'latencyMs': (number);
  /**
   * Latency details (median, p90, batch size, backend) as JSON.
   */
  'latencyJson': (string);
}
