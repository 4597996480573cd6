// Checkpoints of the long jobs (train, stitch) in the artifact store:
// `<artifactsDir>/runs/<runId>/checkpoints/step-<N>/`, registered with the coordinator
// (SaveCheckpoint) and picked up by the next attempt of the run. A checkpoint directory is complete
// once its trainer.json exists (written last), so one a killed process left half-written is skipped.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isCheckpointDir } from '@anchorage/ml';
import { checkpointsOnAbort } from '../errors.js';
import type { HandlerContext } from './types.js';

/** A run's folder in the artifact store: `<artifactsDir>/runs/<runId>`. */
export function runDir(artifactsDir: string, runId: string): string {
  return join(artifactsDir, 'runs', runId);
}

/** Where a run's checkpoints go: `<artifactsDir>/runs/<runId>/checkpoints`. */
export function checkpointsDir(artifactsDir: string, runId: string): string {
  return join(runDir(artifactsDir, runId), 'checkpoints');
}

/** The folder of the checkpoint at `step`. */
export function checkpointDir(root: string, step: number): string {
  return join(root, `step-${step}`);
}

export interface FoundCheckpoint {
  step: number;
  path: string;
}

/** The complete checkpoints under `root`, newest (highest step) first. */
export async function listCheckpoints(root: string): Promise<FoundCheckpoint[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const found = names
    .map((n) => /^step-(\d+)$/.exec(n))
    .filter((m) => m !== null)
    .map((m) => ({ step: Number(m[1]), path: join(root, m[0]) }))
    .sort((a, b) => b.step - a.step);
  const complete = await Promise.all(found.map((c) => isCheckpointDir(c.path)));
  return found.filter((_, i) => complete[i]);
}

/** The newest complete checkpoint an earlier attempt of this run left, if any. */
export async function latestCheckpoint(root: string): Promise<FoundCheckpoint | null> {
  return (await listCheckpoints(root))[0] ?? null;
}

/**
 * Loads the newest usable checkpoint under `root` at or below `limit` (the coordinator's newest
 * record; null: none, undefined: no limit): newest first, one that fails to load (or that `load`
 * rejects as not matching the run) is logged and the next older one is tried.
 */
export async function loadLatestCheckpoint<T>(
  root: string,
  load: (dir: string) => Promise<T>,
  report: HandlerContext['report'],
  limit?: number | null,
): Promise<(FoundCheckpoint & { checkpoint: T }) | null> {
  if (limit === null) return null;
  for (const found of await listCheckpoints(root)) {
    // Newer than the coordinator's record: written, but its metrics may never have been stored.
    if (limit !== undefined && found.step > limit) continue;
    try {
      return { ...found, checkpoint: await load(found.path) };
    } catch (err) {
      report.log('warn', `ignoring the checkpoint at step ${found.step}: ${(err as Error).message}`);
    }
  }
  return null;
}

/** Writes the checkpoint at `step` with `write` and registers it with the coordinator. */
export async function storeCheckpoint(
  ctx: Pick<HandlerContext, 'checkpoint'>,
  root: string,
  step: number,
  write: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = checkpointDir(root, step);
  await write(dir);
  await ctx.checkpoint(step, pathToFileURL(`${dir}/`).href);
}

/**
 * A trainer's `checkpointOnAbort`: stores the checkpoint only when the attempt was aborted because
 * the worker is shutting down or draining (not on cancel, a stale token or a lost coordinator).
 * Failures are logged, not thrown, so the attempt still ends with its abort.
 */
export function checkpointOnShutdown<S extends { step: number }>(
  ctx: Pick<HandlerContext, 'checkpoint' | 'signal' | 'report'>,
  root: string,
  write: (dir: string, state: S) => Promise<void>,
): (state: S) => Promise<void> {
  return async (state) => {
    if (!checkpointsOnAbort(ctx.signal)) return;
    try {
      await storeCheckpoint(ctx, root, state.step, (dir) => write(dir, state));
      ctx.report.log('info', `the worker is stopping: saved a checkpoint at step ${state.step}`);
    } catch (err) {
      ctx.report.log('warn', `the worker is stopping: could not save a checkpoint at step ${state.step}: ${(err as Error).message}`);
    }
  };
}
