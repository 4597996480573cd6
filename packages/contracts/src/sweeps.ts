// Sweeps: one run request, many trials. The request names spec paths and the values to try (grid:
// every combination; random: `trials` seeded draws), how many trials run at once, the objective to
// rank them by, and optionally the median stopping rule. Planning and the rule are pure functions
// here so the API and the tests share them.
import { z } from 'zod';
import { mulberry32 } from './random.js';
import { createRunSchema, validateRunRequest, type ValidationIssue, type ValidRunRequest } from './runs.js';

export const MAX_SWEEP_TRIALS = 1000;

const pathSchema = z
  .string()
  .regex(/^(spec(\.[A-Za-z0-9_]+)+|priority|maxAttempts|name)$/, 'must be a spec path like spec.lora.rank (or priority, maxAttempts, name)')
  // setPath walks these keys: `spec.__proto__.x` would write to Object.prototype of the whole process.
  .refine((p) => !p.split('.').some((key) => key === '__proto__' || key === 'constructor' || key === 'prototype'), 'must not name __proto__, constructor or prototype');

const parameterSchema = z.union([
  z.object({ values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1).max(100) }).strict(),
  z
    .object({
      min: z.number(),
      max: z.number(),
      /** Draw uniformly in log space (learning rates). */
      log: z.boolean().default(false),
      /** Round to an integer. */
      int: z.boolean().default(false),
    })
    .strict()
    .refine((r) => r.max > r.min, { message: 'max must be greater than min', path: ['max'] })
    .refine((r) => !r.log || r.min > 0, { message: 'a log range needs min > 0', path: ['min'] }),
]);

export const createSweepSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    /** The run every trial starts from; parameters overwrite its fields. */
    base: createRunSchema,
    parameters: z.record(pathSchema, parameterSchema).refine((p) => Object.keys(p).length > 0, 'name at least one parameter'),
    strategy: z.enum(['grid', 'random']).default('grid'),
    /** Random search: how many trials to draw. Grid: at most this many combinations (all by default). */
    trials: z.number().int().min(1).max(MAX_SWEEP_TRIALS).optional(),
    seed: z.number().int().min(0).default(0),
    /** Trials running (queued, running or retrying) at once. */
    concurrency: z.number().int().min(1).max(64).default(2),
    objective: z
      .object({
        /** Dotted path into the trial run's result, e.g. `testAccuracy`. */
        field: z.string().min(1).max(200),
        goal: z.enum(['max', 'min']).default('max'),
      })
      .strict(),
    /** Median stopping rule: a running trial whose running mean of `metric` is worse than the median of the finished trials' at the same step is cancelled. */
    earlyStopping: z
      .object({
        metric: z.string().min(1).max(200),
        goal: z.enum(['max', 'min']).default('min'),
        /** No decision before this step. */
        minSteps: z.number().int().min(1).default(10),
        /** Finished trials needed before any is stopped. */
        minTrials: z.number().int().min(1).default(2),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((s) => s.strategy === 'grid' || s.trials !== undefined, { message: 'random search needs `trials`', path: ['trials'] })
  .refine(
    (s) => s.strategy === 'random' || Object.values(s.parameters).every((p) => 'values' in p),
    { message: 'grid search takes `values` for every parameter (ranges need strategy random)', path: ['parameters'] },
  )
  .meta({ id: 'CreateSweepRequest' });

export type CreateSweepRequest = z.output<typeof createSweepSchema>;
export type ParameterValue = string | number | boolean;

export interface PlannedTrial {
  index: number;
  params: Record<string, ParameterValue>;
  request: ValidRunRequest;
}

export type SweepPlan = { ok: true; trials: PlannedTrial[] } | { ok: false; error: string; issues: ValidationIssue[] };

/** The trials of a sweep, each validated as a run request; the first invalid one names the parameter. */
export function planSweep(sweep: CreateSweepRequest): SweepPlan {
  const paths = Object.keys(sweep.parameters);
  const combos: Record<string, ParameterValue>[] = [];
  if (sweep.strategy === 'grid') {
    const total = paths.reduce((n, p) => n * (sweep.parameters[p] as { values: unknown[] }).values.length, 1);
    if (total > MAX_SWEEP_TRIALS && (sweep.trials === undefined || sweep.trials > MAX_SWEEP_TRIALS)) {
      return { ok: false, error: 'sweep too large', issues: [{ path: 'parameters', message: `the grid has ${total} combinations; at most ${MAX_SWEEP_TRIALS}` }] };
    }
    const limit = Math.min(total, sweep.trials ?? total);
    for (let i = 0; i < limit; i++) {
      let rest = i;
      const combo: Record<string, ParameterValue> = {};
      // The last parameter varies fastest, like nested loops in the order given.
      for (let j = paths.length - 1; j >= 0; j--) {
        const values = (sweep.parameters[paths[j]] as { values: ParameterValue[] }).values;
        combo[paths[j]] = values[rest % values.length];
        rest = Math.floor(rest / values.length);
      }
      combos.push(Object.fromEntries(paths.map((p) => [p, combo[p]])));
    }
  } else {
    const random = mulberry32(sweep.seed);
    for (let i = 0; i < (sweep.trials ?? 1); i++) {
      combos.push(
        Object.fromEntries(
          paths.map((p) => {
            const param = sweep.parameters[p];
            if ('values' in param) return [p, param.values[Math.floor(random() * param.values.length)]];
            const u = random();
            let value = param.log ? Math.exp(Math.log(param.min) + u * (Math.log(param.max) - Math.log(param.min))) : param.min + u * (param.max - param.min);
            if (param.int) value = Math.round(value);
            return [p, value];
          }),
        ),
      );
    }
  }
  const trials: PlannedTrial[] = [];
  for (const [index, params] of combos.entries()) {
    const trial = trialRequest(sweep, index, params);
    if (!trial.ok) return trial;
    trials.push(trial.trial);
  }
  return { ok: true, trials };
}

/**
 * The run request of one trial: the base with the trial's values set at their paths, validated. The
 * API stores the plan (index and values) and builds each trial's request with this when it submits
 * it, so the request never depends on how a database orders the keys of stored JSON.
 */
export function trialRequest(
  sweep: Pick<CreateSweepRequest, 'base' | 'name'>,
  index: number,
  params: Record<string, ParameterValue>,
): { ok: true; trial: PlannedTrial } | { ok: false; error: string; issues: ValidationIssue[] } {
  const body = structuredClone(sweep.base) as Record<string, unknown>;
  for (const [path, value] of Object.entries(params)) setPath(body, path, value);
  if (!body.name) body.name = `${sweep.name ?? 'sweep'} #${index + 1}`;
  const outcome = validateRunRequest(body);
  if (outcome.ok) return { ok: true, trial: { index, params, request: outcome.value } };
  // Name the parameter that made the trial invalid when it is one; else the base's field.
  const paths = Object.keys(params);
  const issues = outcome.issues.map((issue) => {
    const param = paths.find((p) => issue.path === p || issue.path.startsWith(`${p}.`));
    return param ? { path: `parameters.${param}`, message: `${JSON.stringify(params[param])}: ${issue.message}` } : { path: `base.${issue.path}`, message: issue.message };
  });
  return { ok: false, error: `trial ${index + 1} is not a valid run`, issues };
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/** The value at a dotted path of a result, when it is a finite number. */
export function objectiveValue(result: unknown, field: string): number | null {
  let value: unknown = result;
  for (const key of field.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Mean of the points at or before `step`. */
export function runningMean(points: { step: number; value: number }[], step: number): number | null {
  const upTo = points.filter((p) => p.step <= step);
  return upTo.length ? upTo.reduce((s, p) => s + p.value, 0) / upTo.length : null;
}

/**
 * The median stopping rule (Golovin et al., Google Vizier): stop a trial at step s when its running
 * mean of the metric up to s is worse than the median of the finished trials' running means up to s.
 */
export function shouldStopEarly(
  trial: { step: number; value: number }[],
  finished: { step: number; value: number }[][],
  rule: { goal: 'max' | 'min'; minSteps: number; minTrials: number },
): boolean {
  if (!trial.length) return false;
  const step = Math.max(...trial.map((p) => p.step));
  if (step < rule.minSteps) return false;
  const others = finished.map((f) => runningMean(f, step)).filter((v): v is number => v !== null);
  if (others.length < rule.minTrials) return false;
  const own = runningMean(trial, step)!;
  const sorted = [...others].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return rule.goal === 'min' ? own > median : own < median;
}
