// The handlers of this worker, by job kind.
import type { JobKind } from '@anchorage/contracts';
import { createDiagnosticHandler } from './diagnostic.js';
import { evaluateHandler } from './evaluate.js';
import { finetuneHandler } from './finetune.js';
import { stitchHandler } from './stitch.js';
import { trainHandler } from './train.js';
import type { Handler } from './types.js';

export function createHandlers(options: { diagnosticsEnabled: boolean }): Partial<Record<JobKind, Handler>> {
  return {
    train: trainHandler as Handler,
    evaluate: evaluateHandler as Handler,
    stitch: stitchHandler as Handler,
    finetune: finetuneHandler as Handler,
    diagnostic: createDiagnosticHandler({ enabled: options.diagnosticsEnabled }) as Handler,
  };
}

export type { Handler, HandlerContext, HandlerResult, ProducedModelSpec } from './types.js';
