// OpenAPI helpers: component schemas come from the zod schemas in @anchorage/contracts.
import { z } from 'zod';
import { REQUEST_SCHEMA_IDS } from '@anchorage/contracts';

export const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** Every schema registered with an id, converted for OpenAPI 3.0 (request bodies as input shapes). */
export function componentSchemas(): Record<string, object> {
  const convert = (io: 'input' | 'output') =>
    z.toJSONSchema(z.globalRegistry, {
      target: 'openapi-3.0',
      io,
      unrepresentable: 'any',
      uri: (id) => `#/components/schemas/${id}`,
    }).schemas;
  const inputs = convert('input');
  const outputs = convert('output');
  const out: Record<string, object> = {};
  for (const [id, schema] of Object.entries(outputs)) {
    const chosen = (REQUEST_SCHEMA_IDS.includes(id) ? inputs[id] : schema) as Record<string, unknown>;
    const { $id: _id, ...rest } = chosen;
    out[id] = rest;
  }
  return out;
}
