// fast-check arbitraries for fuzzing the REST API: plausible values built from the job catalog's JSON
// Schemas (boundaries included), mutations of them (a field dropped, retyped, an unknown key added),
// hostile values (huge numbers, NaN-like strings, NUL, lone surrogates, path strings, prototype keys,
// very long strings, deep nesting) and raw bodies that are not JSON at all.
import fc from 'fast-check';

type Json = unknown;
type JsonSchema = Record<string, any>;

/** Property names whose values name stored objects: mostly existing ids so submissions get accepted. */
export interface Hints {
  modelIds: string[];
}

const finite = (n: unknown, fallback: number) => (typeof n === 'number' && Number.isFinite(n) ? n : fallback);
const clampInt = (n: number) => Math.max(-(2 ** 31), Math.min(2 ** 31, n));

/**
 * Values a JSON Schema (as zod's toJSONSchema writes it) describes, biased toward its boundaries.
 * Refinements the schema cannot state (dim divisible by heads, warmupSteps < steps) are left to
 * chance, so some generated values are still invalid — that is fine for a fuzzer.
 */
export function fromSchema(schema: JsonSchema, hints: Hints, name = ''): fc.Arbitrary<Json> {
  if (name === 'modelId') return fc.oneof({ arbitrary: fc.constantFrom(...hints.modelIds), weight: 8 }, { arbitrary: idLike(), weight: 1 });
  if (name === 'anchors') {
    return fc.oneof(
      { arbitrary: fc.shuffledSubarray(hints.modelIds, { minLength: 2, maxLength: Math.min(4, hints.modelIds.length) }), weight: 8 },
      { arbitrary: fc.array(idLike(), { minLength: 0, maxLength: 5 }), weight: 1 },
    );
  }
  const variants = schema.oneOf ?? schema.anyOf;
  if (Array.isArray(variants)) return fc.oneof(...variants.map((v: JsonSchema) => fromSchema(v, hints, name)));
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = (schema.required ?? []) as string[];
      const model = Object.fromEntries(Object.entries(properties).map(([key, sub]) => [key, fromSchema(sub, hints, key)]));
      return fc.record(model, { requiredKeys: required });
    }
    case 'integer': {
      const min = clampInt(finite(schema.minimum, -1000));
      const max = clampInt(finite(schema.maximum, min + 10_000));
      // Small values are what users send; the bounds are where validators slip.
      return fc.oneof(
        { arbitrary: fc.integer({ min, max: Math.min(max, min + 100) }), weight: 4 },
        { arbitrary: fc.integer({ min, max }), weight: 2 },
        { arbitrary: fc.constantFrom(min, max), weight: 2 },
      );
    }
    case 'number': {
      const lo = finite(schema.minimum ?? schema.exclusiveMinimum, -1000);
      const hi = finite(schema.maximum ?? schema.exclusiveMaximum, lo + 1000);
      const minExcluded = schema.exclusiveMinimum !== undefined;
      const maxExcluded = schema.exclusiveMaximum !== undefined;
      const bounds = [...(minExcluded ? [] : [lo]), ...(maxExcluded ? [] : [hi])];
      const inside = fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true, minExcluded, maxExcluded });
      return bounds.length ? fc.oneof({ arbitrary: inside, weight: 4 }, { arbitrary: fc.constantFrom(...bounds), weight: 1 }) : inside;
    }
    case 'string': {
      const minLength = finite(schema.minLength, 0);
      const maxLength = finite(schema.maxLength, 64);
      if (typeof schema.pattern === 'string') {
        const pattern = new RegExp(schema.pattern);
        return fc.stringMatching(pattern, { size: 'small' }).filter((s) => s.length >= minLength && s.length <= maxLength);
      }
      return text(minLength, maxLength);
    }
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = schema.items ? fromSchema(schema.items as JsonSchema, hints, name) : fc.jsonValue({ maxDepth: 1 });
      const minLength = finite(schema.minItems, 0);
      return fc.array(items, { minLength, maxLength: Math.max(minLength, Math.min(finite(schema.maxItems, 4), 4)) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/**
 * A string a schema allows (length within bounds), now and then one a database or a log may choke on:
 * NUL, unpaired surrogates, bidi controls, SQL and path lookalikes, emoji.
 */
export function text(minLength = 1, maxLength = 200): fc.Arbitrary<string> {
  const tricky = ['\u0000', 'a\u0000b', '\ud800', 'x\udc00y', '\udbff\udbff', '\u202e\u200b', '😀👩‍👩‍👧', "'; DROP TABLE runs; --", '../../etc/passwd', '%00', '\\'];
  return fc.oneof(
    { arbitrary: fc.string({ minLength, maxLength: Math.min(maxLength, 24) }), weight: 8 },
    { arbitrary: fc.string({ unit: 'binary', minLength, maxLength: Math.min(maxLength, 24) }), weight: 1 },
    { arbitrary: fc.constantFrom(...tricky.filter((t) => t.length >= minLength && t.length <= maxLength)), weight: 2 },
    { arbitrary: fc.constant('y'.repeat(maxLength)), weight: 1 },
  );
}

/** Strings shaped like the API's ids (`run_…`, `mdl_…`) that name nothing. */
export function idLike(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.stringMatching(/^(run|mdl|fam|swp|pip|key|wrk)_[0-9a-f]{8,32}$/),
    fc.constantFrom('run_', 'mdl_a', 'x', '0', '-', '_'),
  );
}

/** An object with an own, enumerable key (even `__proto__`), so JSON.stringify writes it. */
export function withOwnKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

/** JSON nested `depth` levels deep (arrays or objects). */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Values that break naive validators: wrong types, extremes, odd strings, nesting, prototype keys. */
export function hostileValue(): fc.Arbitrary<Json> {
  const w = (arbitrary: fc.Arbitrary<Json>, weight = 3) => ({ arbitrary, weight });
  return fc.oneof(
    w(fc.constantFrom(null, true, false, 0, -0, -1, 0.5, 1.5, -1e-9, 1e-320, 1e308, -1e308, 2 ** 31, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1e21, 4294967296)),
    w(fc.constantFrom(
      'NaN',
      'Infinity',
      '-Infinity',
      '1e309',
      '0x1F',
      '1_000',
      '',
      ' ',
      '1',
      '-1',
      'true',
      'null',
      '[]',
      '{}',
      '\u0000',
      'a\u0000b',
      '\ud800',
      '\udfff\ud800',
      '\uffff\ufffe',
      '\u202e\u200b',
      '😀👩‍👩‍👧',
      'ñ',
      '../../etc/passwd',
      '/etc/passwd',
      'file:///etc/passwd',
      '..\\..\\windows\\win.ini',
      '%2e%2e%2f',
      '${a.runId}',
      '<script>alert(1)</script>',
      "'; DROP TABLE runs; --",
      '__proto__',
      'constructor',
    )),
    w(fc.string({ unit: 'binary', maxLength: 40 })),
    w(fc.string({ unit: 'grapheme', maxLength: 40 })),
    w(fc.constantFrom(201, 2001, 10_000, 300_000).map((n) => 'x'.repeat(n)), 1),
    w(fc.integer()),
    w(fc.double({ noNaN: true, noDefaultInfinity: true })),
    w(fc.jsonValue({ maxDepth: 3 })),
    w(fc.constantFrom(...PROTO_KEYS).map((key) => withOwnKey({}, key, { polluted: true })), 2),
    // Deeper values go as raw text (rawBody): JSON.stringify itself overflows past a few thousand levels.
    w(fc.constantFrom(40, 1500).map((depth) => JSON.parse(deepJson(depth, 'array')) as unknown), 1),
    w(fc.constantFrom(40, 1500).map((depth) => JSON.parse(deepJson(depth, 'object')) as unknown), 1),
  );
}

type Mutation = { at: number; op: 'drop' | 'replace' | 'add'; key: string; value: Json };

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('drop', 'replace', 'add'),
  key: fc.oneof(fc.constantFrom(...PROTO_KEYS, 'extra', '', 'kind', 'spec', 'x'.repeat(300)), fc.string({ maxLength: 12 })),
  value: hostileValue(),
});

/** Every container in a JSON value and every (container, key) slot, in a stable order. */
function slots(value: Json): { containers: object[]; fields: [object, string | number][] } {
  const containers: object[] = [];
  const fields: [object, string | number][] = [];
  const stack: Json[] = [value];
  while (stack.length) {
    const node = stack.pop();
    if (!node || typeof node !== 'object') continue;
    containers.push(node);
    const entries: [string | number, Json][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (const [key, child] of entries) {
      fields.push([node, key]);
      // Hostile values may be thousands of levels deep; they are leaves to the mutator.
      if (containers.length < 200) stack.push(child);
    }
  }
  return { containers, fields };
}

function applyMutation(value: Json, m: Mutation): Json {
  const { containers, fields } = slots(value);
  if (m.op === 'add') {
    const target = containers[m.at % Math.max(1, containers.length)];
    if (!target) return m.value;
    if (Array.isArray(target)) target.push(m.value);
    else withOwnKey(target as Record<string, unknown>, m.key, m.value);
    return value;
  }
  if (!fields.length) return m.op === 'replace' ? m.value : undefined;
  const [parent, key] = fields[m.at % fields.length];
  if (m.op === 'drop') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete (parent as Record<string, unknown>)[key];
  } else if (Array.isArray(parent)) parent[key as number] = m.value;
  else withOwnKey(parent as Record<string, unknown>, String(key), m.value);
  return value;
}

/**
 * A value, then 0–3 mutations (half of the values stay unmutated, so plenty are accepted). Mutations
 * change the value in place: `base` must build a fresh value each time (no object in fc.constant).
 */
export function mutated(base: fc.Arbitrary<Json>): fc.Arbitrary<Json> {
  return fc
    .tuple(base, fc.oneof({ arbitrary: fc.constant([] as Mutation[]), weight: 1 }, { arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 3 }), weight: 1 }))
    // Every generated value is fresh (no shared constants are objects), so mutating in place is safe.
    .map(([value, mutations]) => mutations.reduce<Json>((v, m) => applyMutation(v, m), value));
}

export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json;charset=UTF-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/vnd.api+json',
  'application/json, text/plain',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'application/xml',
  '*/*',
  'json',
  ';',
  '',
];

/** Bodies that are not (valid) JSON: truncated JSON, junk, tricky literals, deep nesting. */
export function rawBody(valid: fc.Arbitrary<Json>): fc.Arbitrary<string> {
  return fc.oneof(
    fc.tuple(valid, fc.nat()).map(([v, n]) => {
      const text = JSON.stringify(v) ?? '';
      return text.slice(0, text.length ? n % text.length : 0);
    }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constantFrom(
      '',
      ' ',
      '{',
      '[',
      '}',
      'null',
      'true',
      '0',
      '"a string"',
      '[]',
      '{}',
      '{"kind":',
      '{"kind":"diagnostic","spec":{"action":"noop"}}garbage',
      '{"kind":"diagnostic","spec":{"action":"noop"},}',
      "{'kind':'diagnostic'}",
      '{"kind":"diagnostic","kind":"train"}',
      '\u0000',
      '\ufeff{"kind":"diagnostic","spec":{"action":"noop"}}',
      '{"__proto__":{"polluted":true}}',
      '{"kind":"diagnostic","spec":{"action":"noop","__proto__":{"x":1}}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"kind":"diagnostic","spec":{"action":"sleep","durationMs":1e999}}',
      '{"kind":"diagnostic","name":"\\ud800","spec":{"action":"noop"}}',
      '{"kind":"diagnostic","name":"a\\u0000b","spec":{"action":"noop"}}',
      'kind=diagnostic&spec=noop',
      deepJson(5_000, 'array'),
      deepJson(100_000, 'array'),
      `{"kind":"diagnostic","spec":${deepJson(10_000, 'object')}}`,
    ),
  );
}

/** fetch refuses control characters in header values (tab aside): such requests never reach a server. */
function headerSafe(value: string): string {
  return [...value].map((c) => (c.charCodeAt(0) < 0x20 && c !== '\t') || c === '\x7f' ? '_' : c).join('');
}

/** Idempotency-Key values (header-safe: undici refuses CR, LF and NUL and trims blanks). */
export function idempotencyKey(): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom('k-1', 'k-2', 'k-3', 'shared'), weight: 3 }, // repeats across requests
    { arbitrary: fc.constantFrom('', ' ', 'a', 'x'.repeat(200), 'x'.repeat(201), 'x'.repeat(4000)), weight: 2 },
    // UTF-8 bytes sent as Latin-1 header text: what a client sending unicode puts on the wire.
    {
      arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).map((s) => Buffer.from(s, 'utf8').toString('latin1')).map(headerSafe),
      weight: 1,
    },
    { arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 40 }).map(headerSafe), weight: 2 },
    { arbitrary: fc.uuid(), weight: 2 },
  );
}
