// The run envelope users submit, the statuses a run moves through, and the transitions allowed.
import { z } from 'zod';
import { ACCELERATORS, JOB_CATALOG, JOB_KINDS, type JobKind } from './catalog.js';
import type { RunResources } from './placement.js';

export const RUN_STATUSES = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

export const ATTEMPT_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'lost'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/** Allowed run transitions; anything else is a bug or a stale report and is refused. */
export const RUN_TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  queued: ['running', 'cancelled', 'failed'],
  running: ['succeeded', 'failed', 'cancelled', 'retrying', 'queued'],
  retrying: ['running', 'cancelled', 'failed', 'queued'],
  succeeded: [],
  failed: ['queued'],
  cancelled: [],
};

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

export class InvalidTransitionError extends Error {
  constructor(
    readonly from: RunStatus,
    readonly to: RunStatus,
  ) {
    super(`a ${from} run cannot become ${to}`);
    this.name = 'InvalidTransitionError';
  }
}

export function assertTransition(from: RunStatus, to: RunStatus): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}

export const resourcesSchema = z
  .object({
    accelerator: z.enum(ACCELERATORS).optional(),
    /** The run needs a device with at least this much memory (GPU memory; host memory on CPU workers). */
    minDeviceMemoryGb: z.number().positive().max(100_000).optional(),
  })
  .strict();

/** How deeply free-form JSON (a run's spec before its kind's schema reads it, a family's train spec) may nest. */
export const MAX_JSON_DEPTH = 32;

/** True when `value` nests at most `max` arrays/objects deep (checked without recursion: inputs may be hostile). */
export function withinJsonDepth(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= max) return false;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return true;
}

/** Free-form JSON, refused (400 naming the field) when nested deeper than MAX_JSON_DEPTH. */
export const boundedJson = () => z.unknown().refine((v) => withinJsonDepth(v), `nested more than ${MAX_JSON_DEPTH} levels deep`);

export const createRunSchema = z
  .object({
    kind: z.enum(JOB_KINDS),
    name: z.string().min(1).max(200).optional(),
    /** Higher runs first; 0 is normal. */
    priority: z.number().int().min(-100).max(100).default(0),
    resources: resourcesSchema.default({}),
    maxAttempts: z.number().int().min(1).max(20).default(3),
    spec: boundedJson().default({}),
  })
  .strict();

export type CreateRunInput = z.input<typeof createRunSchema>;

export interface ValidationIssue {
  path: string;
  message: string;
}

export interface ValidRunRequest {
  kind: JobKind;
  name?: string;
  priority: number;
  resources: RunResources;
  maxAttempts: number;
  spec: Record<string, unknown>;
}

export type ValidationOutcome =
  | { ok: true; value: ValidRunRequest }
  | { ok: false; error: string; issues: ValidationIssue[] };

export function formatIssues(error: z.ZodError, prefix: (string | number)[] = []): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

/** Validates a submission against the envelope and the kind's spec schema, applying defaults. */
export function validateRunRequest(body: unknown): ValidationOutcome {
  const envelope = createRunSchema.safeParse(body ?? {});
  if (!envelope.success) {
    return { ok: false, error: 'invalid run request', issues: formatIssues(envelope.error) };
  }
  const entry = JOB_CATALOG[envelope.data.kind];
  if (!entry.supported) {
    return {
      ok: false,
      error: `kind not supported yet: ${entry.kind}`,
      issues: [{ path: 'kind', message: `kind not supported yet: ${entry.kind}` }],
    };
  }
  const spec = entry.spec.safeParse(envelope.data.spec);
  if (!spec.success) {
    return { ok: false, error: `invalid ${entry.kind} spec`, issues: formatIssues(spec.error, ['spec']) };
  }
  return {
    ok: true,
    value: {
      kind: entry.kind,
      name: envelope.data.name,
      priority: envelope.data.priority,
      resources: {
        accelerator: envelope.data.resources.accelerator ?? entry.defaultAccelerator,
        ...(envelope.data.resources.minDeviceMemoryGb !== undefined ? { minDeviceMemoryGb: envelope.data.resources.minDeviceMemoryGb } : {}),
      },
      maxAttempts: envelope.data.maxAttempts,
      spec: spec.data as Record<string, unknown>,
    },
  };
}

/** Parses a stored spec again on the worker (DESIGN decision 7); throws with the issues listed. */
export function parseSpec<K extends JobKind>(kind: K, spec: unknown): Record<string, unknown> {
  const parsed = JOB_CATALOG[kind].spec.safeParse(spec);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error, ['spec']);
    throw new Error(`invalid ${kind} spec: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
  return parsed.data as Record<string, unknown>;
}
