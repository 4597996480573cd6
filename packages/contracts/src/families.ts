// Anchor families: one request trains every member (one `train` run each) and registers the
// resulting anchors together, smallest first, ready to stitch.
import { z } from 'zod';
import { trainSpecSchema, VIT_PRESET_NAMES } from './catalog.js';
import { boundedJson, formatIssues, type ValidationIssue } from './runs.js';

export const FAMILY_STATUSES = ['training', 'ready', 'failed'] as const;
export type FamilyStatus = (typeof FAMILY_STATUSES)[number];

export const createFamilySchema = z
  .object({
    name: z.string().min(1).max(200),
    /** Presets of the members; trained and listed smallest first. */
    members: z
      .array(z.enum(VIT_PRESET_NAMES))
      .min(2)
      .max(VIT_PRESET_NAMES.length)
      .refine((m) => new Set(m).size === m.length, 'members must be distinct')
      .default([...VIT_PRESET_NAMES]),
    /** Train spec shared by every member (everything but `model.preset`). */
    train: z.record(z.string(), boundedJson()).default({}),
    priority: z.number().int().min(-100).max(100).default(0),
    maxAttempts: z.number().int().min(1).max(20).default(3),
  })
  .strict()
  .meta({ id: 'CreateFamilyRequest' });

export interface ValidFamilyRequest {
  name: string;
  members: (typeof VIT_PRESET_NAMES)[number][];
  /** One validated train spec per member, in member order. */
  specs: Record<string, unknown>[];
  priority: number;
  maxAttempts: number;
}

export function validateFamilyRequest(
  body: unknown,
): { ok: true; value: ValidFamilyRequest } | { ok: false; error: string; issues: ValidationIssue[] } {
  const parsed = createFamilySchema.safeParse(body ?? {});
  if (!parsed.success) return { ok: false, error: 'invalid family request', issues: formatIssues(parsed.error) };
  const members = [...parsed.data.members].sort((a, b) => VIT_PRESET_NAMES.indexOf(a) - VIT_PRESET_NAMES.indexOf(b));
  const specs: Record<string, unknown>[] = [];
  for (const preset of members) {
    const train = parsed.data.train as { model?: Record<string, unknown> };
    const spec = trainSpecSchema.safeParse({
      ...train,
      model: { ...(train.model ?? {}), preset },
      modelName: `${parsed.data.name}-${preset}`,
    });
    if (!spec.success) return { ok: false, error: 'invalid family train spec', issues: formatIssues(spec.error, ['train']) };
    specs.push(spec.data as Record<string, unknown>);
  }
  return { ok: true, value: { name: parsed.data.name, members, specs, priority: parsed.data.priority, maxAttempts: parsed.data.maxAttempts } };
}
