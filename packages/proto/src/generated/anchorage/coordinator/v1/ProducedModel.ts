// Original file: proto/anchorage/coordinator/v1/coordinator.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A model an attempt wrote to the artifact store, to be registered with the result.
 */
export interface ProducedModel {
  /**
   * Result field that receives the new model's id, e.g. "modelId".
   */
  'resultField'?: (string);
  /**
   * Model name.
   */
  'name'?: (string);
  /**
   * "anchor", "stitched" or "finetuned".
   */
  'kind'?: (string);
  /**
   * Architecture as JSON.
   */
  'architectureJson'?: (string);
  /**
   * Where the weights are, e.g. "file:///var/lib/anchorage/artifacts/models/...".
   */
  'artifactUri'?: (string);
  /**
   * Number of parameters.
   */
  'params'?: (number | string | Long);
  /**
   * Final metrics of the model as JSON.
   */
  'metricsJson'?: (string);
  /**
   * Where it came from (base models, data split, run) as JSON.
   */
  'lineageJson'?: (string);
}

/**
 * A model an attempt wrote to the artifact store, to be registered with the result.
 */
export interface ProducedModel__Output {
  /**
   * Result field that receives the new model's id, e.g. "modelId".
   */
  'resultField': (string);
  /**
   * Model name.
   */
  'name': (string);
  /**
   * "anchor", "stitched" or "finetuned".
   */
  'kind': (string);
  /**
   * Architecture as JSON.
   */
  'architectureJson': (string);
  /**
   * Where the weights are, e.g. "file:///var/lib/anchorage/artifacts/models/...".
   */
  'artifactUri': (string);
  /**
   * Number of parameters.
   */
  'params': (string);
  /**
   * Final metrics of the model as JSON.
   */
  'metricsJson': (string);
  /**
   * Where it came from (base models, data split, run) as JSON.
   */
  'lineageJson': (string);
}
