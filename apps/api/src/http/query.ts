import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';
import { formatIssues } from '@anchorage/contracts';
import { InvalidRequestError } from '../services/errors.js';

/** Parses query parameters with a zod schema; failures are 400s naming each parameter. */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const parsed = schema.safeParse(query ?? {});
  if (!parsed.success) throw new InvalidRequestError('invalid query parameters', formatIssues(parsed.error));
  return parsed.data;
}

/** The `?limit=` of list endpoints without other filters: its schema and its OpenAPI parameter. */
export function limitQuery(max: number, fallback = 50) {
  return {
    schema: z.object({ limit: z.coerce.number().int().min(1).max(max).default(fallback) }).strict(),
    openApi: () => applyDecorators(ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: max, default: fallback } })),
  };
}
