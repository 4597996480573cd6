// Queue naming and the payload BullMQ carries. Redis is transport only: the job holds the run id,
// and the worker fetches the spec from the coordinator when its attempt starts.
import type { JobKind } from './catalog.js';

export const DEFAULT_QUEUE_PREFIX = 'anchorage';

/** One queue per resource class (see placement.ts). */
export function queueName(resourceClass: string): string {
  return `runs-${resourceClass}`;
}

export interface RunJobData {
  runId: string;
  kind: JobKind;
}

/**
 * BullMQ priority (1 is the highest). API priority 100 maps to 1 and -100 to 401; a run going back to
 * the queue for another attempt goes ahead of fresh runs of its own priority (it already waited its
 * turn once), never ahead of a higher priority.
 */
export function bullPriority(priority: number, options: { retry?: boolean } = {}): number {
  return 2 * (101 - priority) - (options.retry ? 1 : 0);
}

/**
 * The BullMQ job id that may start attempt `attemptNumber` of a run: the run id for the first, then
 * `<runId>-a<n>`. A run sent back to the queue gets a new job id, so a stale delivery of an older
 * job (a frozen worker's lock expiring late) is told apart from the current one and refused.
 */
export function queueJobId(runId: string, attemptNumber: number): string {
  return attemptNumber <= 1 ? runId : `${runId}-a${attemptNumber}`;
}
