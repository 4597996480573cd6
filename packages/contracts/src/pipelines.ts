// Pipelines: steps with dependencies whose outputs feed later steps, e.g. train a family → stitch it
// → export the best stitch under a budget → fine-tune it two ways → evaluate each. A step is a run
// (any job kind), a family, or an export; a string "${step.path}" anywhere in a later step's request
// is replaced by that value of an earlier step's output (run steps: { runId, status, result }; family
// steps: { familyId, modelIds }; export steps: { modelId, stitchId }). Validation and reference
// resolution are pure functions here, shared by the API and the tests.
import { z } from 'zod';
import { createFamilySchema } from './families.js';
import { boundedJson, createRunSchema, type ValidationIssue } from './runs.js';

export const MAX_PIPELINE_STEPS = 50;

const stepId = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lower-case letters, digits and -, starting with a letter (at most 40)');

const common = {
  id: stepId,
  dependsOn: z.array(stepId).max(MAX_PIPELINE_STEPS).default([]),
  /** When this step fails: `fail` ends the pipeline (active steps are cancelled), `skip` skips only the steps that depend on it. */
  onFailure: z.enum(['fail', 'skip']).default('fail'),
};

export const pipelineStepSchema = z.discriminatedUnion('type', [
  z.object({ ...common, type: z.literal('run'), run: createRunSchema.extend({ spec: boundedJson().default({}) }) }).strict(),
  z.object({ ...common, type: z.literal('family'), family: createFamilySchema }).strict(),
  z
    .object({
      ...common,
      type: z.literal('export'),
      /** The stitch run whose frontier to choose from (usually a reference), and the budget. */
      export: z
        .object({ runId: z.string().min(1), maxFlops: z.number().positive().optional(), maxLatencyMs: z.number().positive().optional() })
        .strict(),
    })
    .strict(),
]);

export const createPipelineSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    steps: z.array(pipelineStepSchema).min(1).max(MAX_PIPELINE_STEPS),
  })
  .strict()
  .meta({ id: 'CreatePipelineRequest' });

export type CreatePipelineRequest = z.output<typeof createPipelineSchema>;
export type PipelineStep = z.output<typeof pipelineStepSchema>;

const REFERENCE = /^\$\{([a-z][a-z0-9-]*)((?:\.[A-Za-z0-9_]+)*)\}$/;

/** Every `${step.path}` string inside a value, with where it sits. */
function references(value: unknown, at: string, out: { at: string; step: string; path: string[] }[] = []) {
  if (typeof value === 'string') {
    const m = REFERENCE.exec(value);
    if (m) out.push({ at, step: m[1], path: m[2].split('.').filter(Boolean) });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => references(v, `${at}.${i}`, out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) references(v, `${at}.${k}`, out);
  }
  return out;
}

/**
 * Checks what the schema cannot: unique step ids, dependencies that exist, no cycles, and references
 * only to steps the step depends on (directly or through others). Returns the issues (empty: valid).
 */
export function checkPipeline(pipeline: CreatePipelineRequest): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const ids = pipeline.steps.map((s) => s.id);
  const byId = new Map(pipeline.steps.map((s) => [s.id, s]));
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i) issues.push({ path: `steps.${i}.id`, message: `duplicate step id ${id}` });
  });
  pipeline.steps.forEach((step, i) => {
    for (const dep of step.dependsOn) {
      if (!byId.has(dep)) issues.push({ path: `steps.${i}.dependsOn`, message: `unknown step ${dep}` });
      if (dep === step.id) issues.push({ path: `steps.${i}.dependsOn`, message: 'a step cannot depend on itself' });
    }
  });
  if (issues.length) return issues;
  const ancestors = new Map<string, Set<string>>();
  const visiting = new Set<string>();
  const ancestorsOf = (id: string): Set<string> | null => {
    if (ancestors.has(id)) return ancestors.get(id)!;
    if (visiting.has(id)) return null; // a cycle
    visiting.add(id);
    const all = new Set<string>();
    for (const dep of byId.get(id)!.dependsOn) {
      const up = ancestorsOf(dep);
      if (!up) return null;
      all.add(dep);
      up.forEach((a) => all.add(a));
    }
    visiting.delete(id);
    ancestors.set(id, all);
    return all;
  };
  pipeline.steps.forEach((step, i) => {
    const up = ancestorsOf(step.id);
    if (!up) {
      issues.push({ path: `steps.${i}.dependsOn`, message: `step ${step.id} is part of a dependency cycle` });
      return;
    }
    const body = step.type === 'run' ? step.run : step.type === 'family' ? step.family : step.export;
    for (const ref of references(body, `steps.${i}.${step.type}`)) {
      if (!up.has(ref.step)) issues.push({ path: ref.at, message: `refers to ${ref.step}, which this step does not depend on` });
    }
  });
  return issues;
}

/** Replaces every `${step.path}` string with the value at that path of the step's outputs. */
export function resolveReferences(value: unknown, outputs: Record<string, unknown>): { value: unknown; missing: string[] } {
  const missing: string[] = [];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const m = REFERENCE.exec(v);
      if (!m) return v;
      let found: unknown = outputs[m[1]];
      for (const key of m[2].split('.').filter(Boolean)) found = found && typeof found === 'object' ? (found as Record<string, unknown>)[key] : undefined;
      if (found === undefined) missing.push(v);
      return found;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { value: walk(value), missing };
}
