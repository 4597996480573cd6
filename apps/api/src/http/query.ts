import type { z } from 'zod';
import { formatIssues } from '@anchorage/contracts';
import { InvalidRequestError } from '../services/errors.js';

/** Parses query parameters with a zod schema; failures are 400s naming each parameter. */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const parsed = schema.safeParse(query ?? {});
  if (!parsed.success) throw new InvalidRequestError('invalid query parameters', formatIssues(parsed.error));
  return parsed.data;
}
