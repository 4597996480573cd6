// The contract between the runner and a job kind's handler. Handlers are thin: they call
// packages/ml and report through `report`; the runner owns gRPC, fencing and outcomes.
import type { StitchEvaluation } from '@anchorage/proto';
import type { ProgressReport } from '../reporter.js';

export interface HandlerContext<Spec = Record<string, unknown>> {
  /** The spec, parsed again with the job catalog (defaults applied). */
  spec: Spec;
  /** Inputs the coordinator resolved (StartAttempt `inputs_json`), e.g. `{ models: { [id]: ... } }`. */
  inputs: Record<string, unknown>;
  /** Aborted on cancel, stale token, worker shutdown or lost coordinator; handlers stop promptly. */
  signal: AbortSignal;
  report: ProgressReport;
  /** Root of the artifact store on this machine. */
  artifactsDir: string;
  runId: string;
  /** 1 for the first attempt of the run. */
  attemptNumber: number;
  /** Records a checkpoint written to the artifact store (SaveCheckpoint); resolves once stored. */
  checkpoint(step: number, uri: string): Promise<void>;
  /**
   * The newest checkpoint step the coordinator recorded for the run: resume from it or an older one
   * (null: none recorded, start afresh; undefined: no limit, e.g. a handler run outside a worker).
   */
  resumeLimit?: number | null;
}

/** A model the attempt wrote; becomes a ProducedModel in ReportResult. */
export interface ProducedModelSpec {
  /** Result field that receives the registered model's id, e.g. `modelId`. */
  resultField: string;
  name: string;
  kind: 'anchor' | 'stitched' | 'finetuned';
  architecture: unknown;
  /** `file://` URL of the model's folder. */
  artifactUri: string;
  params: number;
  metrics: Record<string, unknown>;
  lineage: Record<string, unknown>;
}

export interface HandlerResult {
  result: Record<string, unknown>;
  models?: ProducedModelSpec[];
  /** Stitch runs: every evaluated configuration (the coordinator stores them and marks the frontier). */
  stitches?: StitchEvaluation[];
}

export type Handler<Spec = Record<string, unknown>> = (ctx: HandlerContext<Spec>) => Promise<HandlerResult>;

/** The metrics every training handler streams per reported step, and its share of the progress bar. */
export function reportTrainingStep(
  report: ProgressReport,
  s: { step: number; totalSteps: number; loss: number; accuracy: number; lr: number },
  progressShare: number,
  progressOffset = 0,
): void {
  report.metric('train/loss', s.step, s.loss);
  report.metric('train/accuracy', s.step, s.accuracy);
  report.metric('lr', s.step, s.lr);
  report.progress(progressOffset + (progressShare * s.step) / s.totalSteps);
}
