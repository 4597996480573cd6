// Who is calling: the identity runs, sweeps and pipelines are owned by, and that per-user
// concurrency limits count by. Until API keys are verified (issue 8), the identity is a digest of
// the bearer token the caller presents (so the token itself is never stored), or `anonymous`.
import { createHash } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

export const ANONYMOUS = 'anonymous';

export function principalOf(authorization: string | undefined): string {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!token) return ANONYMOUS;
  return `key:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
}

/** Controller parameter: the caller's identity (see {@link principalOf}). */
export const Principal = createParamDecorator((_data: unknown, ctx: ExecutionContext): string =>
  principalOf(ctx.switchToHttp().getRequest<FastifyRequest>().headers.authorization),
);
