// Original file: proto/anchorage/coordinator/v1/coordinator.proto

import type { AttemptError as _anchorage_coordinator_v1_AttemptError, AttemptError__Output as _anchorage_coordinator_v1_AttemptError__Output } from '../../../anchorage/coordinator/v1/AttemptError.js';
import type { ProducedModel as _anchorage_coordinator_v1_ProducedModel, ProducedModel__Output as _anchorage_coordinator_v1_ProducedModel__Output } from '../../../anchorage/coordinator/v1/ProducedModel.js';
import type { StitchEvaluation as _anchorage_coordinator_v1_StitchEvaluation, StitchEvaluation__Output as _anchorage_coordinator_v1_StitchEvaluation__Output } from '../../../anchorage/coordinator/v1/StitchEvaluation.js';

export interface ReportResultRequest {
  /**
   * Token of the reporting attempt.
   */
  'fencingToken'?: (string);
  /**
   * "succeeded", "failed" or "cancelled".
   */
  'outcome'?: (string);
  /**
   * The result as JSON, valid against the kind's result schema once produced models are filled in.
   */
  'resultJson'?: (string);
  /**
   * Set when the outcome is "failed".
   */
  'error'?: (_anchorage_coordinator_v1_AttemptError | null);
  /**
   * Models to register together with the result.
   */
  'models'?: (_anchorage_coordinator_v1_ProducedModel)[];
  /**
   * Every evaluated configuration of a stitch run; the coordinator marks the Pareto frontier.
   */
  'stitches'?: (_anchorage_coordinator_v1_StitchEvaluation)[];
  /**
   * The reporting worker's id (from Register); an attempt is only reported by the worker running it.
   */
  'workerId'?: (string);
}

export interface ReportResultRequest__Output {
  /**
   * Token of the reporting attempt.
   */
  'fencingToken': (string);
  /**
   * "succeeded", "failed" or "cancelled".
   */
  'outcome': (string);
  /**
   * The result as JSON, valid against the kind's result schema once produced models are filled in.
   */
  'resultJson': (string);
  /**
   * Set when the outcome is "failed".
   */
  'error': (_anchorage_coordinator_v1_AttemptError__Output | null);
  /**
   * Models to register together with the result.
   */
  'models': (_anchorage_coordinator_v1_ProducedModel__Output)[];
  /**
   * Every evaluated configuration of a stitch run; the coordinator marks the Pareto frontier.
   */
  'stitches': (_anchorage_coordinator_v1_StitchEvaluation__Output)[];
  /**
   * The reporting worker's id (from Register); an attempt is only reported by the worker running it.
   */
  'workerId': (string);
}
