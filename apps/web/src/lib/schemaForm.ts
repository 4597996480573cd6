// Maps a kind's spec JSON Schema (zod toJSONSchema, input mode) to form fields, builds the request
// value back from what was typed, and places API issues (dotted paths) next to their fields.
// Empty inputs mean "use the default": the key is omitted and the server applies the default.

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  [key: string]: unknown;
}

interface FieldBase {
  /** Dotted path in the request body, e.g. `spec.model.dim`: the same path the API's issues use. */
  path: string;
  label: string;
  required: boolean;
  description?: string;
  /** The schema's default, shown as the placeholder. */
  defaultValue?: unknown;
}

export type FormField =
  | (FieldBase & { kind: 'number'; integer: boolean; min?: number; max?: number; hint?: string })
  | (FieldBase & { kind: 'text' })
  | (FieldBase & { kind: 'boolean' })
  | (FieldBase & { kind: 'enum'; options: unknown[] })
  | (FieldBase & { kind: 'object'; fields: FormField[] })
  | (FieldBase & { kind: 'json'; /** For unions: a sample of each alternative, as a hint. */ variants?: unknown[] });

/** Form state: the raw text of every input, by path (enums hold the option's index). */
export type FormValues = Record<string, string>;

export function schemaToField(schema: JsonSchema, path: string, label: string, required = false): FormField {
  const base: FieldBase = { path, label, required, description: schema.description, defaultValue: schema.default };
  const unwrapped = unwrapNullable(schema);
  if (unwrapped !== schema) return { ...schemaToField(unwrapped, path, label, required), description: base.description ?? unwrapped.description, defaultValue: schema.default ?? unwrapped.default };
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return { ...base, kind: 'json', variants: union.map(sampleOf).filter((v) => v !== undefined) };
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return { ...base, kind: 'enum', options: schema.enum };
  if ('const' in schema) return { ...base, kind: 'enum', options: [schema.const] };
  const type = Array.isArray(schema.type) ? schema.type.filter((t) => t !== 'null') : schema.type;
  if (Array.isArray(type)) return { ...base, kind: 'json' };
  switch (type) {
    case 'object': {
      if (!schema.properties) return { ...base, kind: 'json' };
      const required = new Set(schema.required ?? []);
      const fields = Object.entries(schema.properties).map(([key, child]) => schemaToField(child, `${path}.${key}`, key, required.has(key)));
      return { ...base, kind: 'object', fields };
    }
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? schema.exclusiveMinimum;
      const max = schema.maximum ?? schema.exclusiveMaximum;
      return { ...base, kind: 'number', integer: type === 'integer', min, max, hint: rangeHint(schema) };
    }
    case 'string':
      return { ...base, kind: 'text' };
    case 'boolean':
      return { ...base, kind: 'boolean' };
    default:
      return { ...base, kind: 'json' };
  }
}

/** `anyOf: [X, {type: 'null'}]` is just an optional X for a form. */
function unwrapNullable(schema: JsonSchema): JsonSchema {
  const options = schema.anyOf ?? schema.oneOf;
  if (!options) return schema;
  const rest = options.filter((o) => o.type !== 'null');
  return rest.length === 1 && options.length === 2 ? rest[0] : schema;
}

const SAFE_MAX = Number.MAX_SAFE_INTEGER;

function rangeHint(schema: JsonSchema): string | undefined {
  const parts: string[] = [];
  if (schema.exclusiveMinimum !== undefined) parts.push(`> ${schema.exclusiveMinimum}`);
  else if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.exclusiveMaximum !== undefined) parts.push(`< ${schema.exclusiveMaximum}`);
  else if (schema.maximum !== undefined && schema.maximum < SAFE_MAX) parts.push(`≤ ${schema.maximum}`);
  return parts.length ? parts.join(', ') : undefined;
}

/** A value of the schema built from its consts and defaults (undefined when it has neither). */
export function sampleOf(schema: JsonSchema): unknown {
  if ('const' in schema) return schema.const;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  if (schema.properties) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(schema.properties)) {
      const value = sampleOf(child);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
  return undefined;
}

/** The placeholder that tells what an empty input means. */
export function placeholderFor(field: FormField): string {
  if (field.kind === 'json' && field.defaultValue === undefined && field.variants?.length) {
    return `one of:\n${field.variants.map((v) => JSON.stringify(v)).join('\n')}`;
  }
  if (field.defaultValue === undefined) return field.required ? 'required' : 'optional';
  return typeof field.defaultValue === 'string' ? field.defaultValue : JSON.stringify(field.defaultValue);
}

export interface BuildResult {
  /** Whether the field contributes a key (empty inputs do not). */
  present: boolean;
  value?: unknown;
  /** Problems found before sending (unparsable JSON or numbers), by path. */
  errors: Record<string, string>;
}

export function buildValue(field: FormField, values: FormValues): BuildResult {
  const text = values[field.path] ?? '';
  switch (field.kind) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const errors: Record<string, string> = {};
      for (const child of field.fields) {
        const r = buildValue(child, values);
        Object.assign(errors, r.errors);
        if (r.present) out[child.label] = r.value;
      }
      return { present: Object.keys(out).length > 0, value: out, errors };
    }
    case 'number': {
      if (text.trim() === '') return { present: false, errors: {} };
      const n = Number(text);
      if (!Number.isFinite(n)) return { present: false, errors: { [field.path]: 'must be a number' } };
      return { present: true, value: n, errors: {} };
    }
    case 'text':
      return text === '' ? { present: false, errors: {} } : { present: true, value: text, errors: {} };
    case 'boolean':
      return text === '' ? { present: false, errors: {} } : { present: true, value: text === 'true', errors: {} };
    case 'enum': {
      if (text === '') return { present: false, errors: {} };
      const index = Number(text);
      return { present: true, value: field.options[index], errors: {} };
    }
    case 'json': {
      if (text.trim() === '') return { present: false, errors: {} };
      try {
        return { present: true, value: JSON.parse(text), errors: {} };
      } catch (error) {
        return { present: false, errors: { [field.path]: `invalid JSON: ${(error as Error).message}` } };
      }
    }
  }
}

/** The inverse of buildValue: form text for a value (to load an example or come back from raw JSON). */
export function valuesFor(field: FormField, value: unknown, out: FormValues = {}): FormValues {
  if (value === undefined) return out;
  switch (field.kind) {
    case 'object':
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        for (const child of field.fields) valuesFor(child, (value as Record<string, unknown>)[child.label], out);
      } else {
        // Not an object: the user typed something odd in raw mode; drop it rather than guess.
      }
      break;
    case 'number':
    case 'text':
      out[field.path] = String(value);
      break;
    case 'boolean':
      out[field.path] = value ? 'true' : 'false';
      break;
    case 'enum': {
      const index = field.options.findIndex((o) => o === value);
      if (index >= 0) out[field.path] = String(index);
      break;
    }
    case 'json':
      out[field.path] = JSON.stringify(value, null, 2);
      break;
  }
  return out;
}

/** Every path a field (or a nested one) answers to. */
export function fieldPaths(field: FormField): string[] {
  return field.kind === 'object' ? [field.path, ...field.fields.flatMap(fieldPaths)] : [field.path];
}

export interface ApiIssueLike {
  path: string;
  message: string;
}

/**
 * Places each issue at the field with the same path, or at the closest enclosing field (an issue at
 * `spec.metrics.0` belongs to the `spec.metrics` JSON box). Issues no field answers to are returned
 * for a banner.
 */
export function matchIssues(issues: readonly ApiIssueLike[], paths: readonly string[]): { byPath: Record<string, string[]>; unmatched: ApiIssueLike[] } {
  const known = new Set(paths);
  const byPath: Record<string, string[]> = {};
  const unmatched: ApiIssueLike[] = [];
  for (const issue of issues) {
    let path: string | undefined = issue.path;
    while (path && !known.has(path)) {
      const dot = path.lastIndexOf('.');
      path = dot > 0 ? path.slice(0, dot) : undefined;
    }
    if (path) (byPath[path] ??= []).push(issue.message);
    else unmatched.push(issue);
  }
  return { byPath, unmatched };
}
