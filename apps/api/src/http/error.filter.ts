// Maps domain and framework errors to the public error shape `{ error, issues? }`.
import { ArgumentsHost, Catch, HttpException, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '@anchorage/db';
import { ConflictError, ForbiddenError, InvalidRequestError, NotFoundError } from '../services/errors.js';

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const [status, body] = isUnstorableText(exception) ? unstorableTextResponse(host.switchToHttp().getRequest<FastifyRequest>()) : this.toResponse(exception);
    if (status === 503) {
      this.logger.warn(`database unavailable: ${(exception as Error).message?.split('\n').pop()}`);
      void reply.header('retry-after', '5');
    } else if (status >= 500) this.logger.error(exception);
    void reply.status(status).send(body);
  }

  private toResponse(exception: unknown): [number, Record<string, unknown>] {
    if (exception instanceof InvalidRequestError) {
      return [400, { error: exception.message, issues: exception.issues }];
    }
    if (exception instanceof NotFoundError) return [404, { error: exception.message }];
    if (exception instanceof ForbiddenError) return [403, { error: exception.message }];
    if (exception instanceof ConflictError) return [409, { error: exception.message }];
    if (isDatabaseUnavailable(exception)) return [503, { error: 'the database is unavailable; nothing was changed, retry later' }];
    if (exception instanceof HttpException) {
      const response = exception.getResponse();
      const message = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? exception.message);
      const error = Array.isArray(message) ? message.join('; ') : String(message);
      // Nest's Fastify adapter hands Fastify's own 4xx errors (bad JSON, unsupported content type)
      // over wrapped in an HttpException, the Fastify error as its cause: name the field here too.
      const status = exception.getStatus();
      return [status, status === 400 || status === 415 ? { error, issues: [{ path: issuePath(exception.cause ?? exception), message: error }] } : { error }];
    }
    // Fastify raises its own errors (bad JSON, unsupported content type, body too large) with a
    // statusCode; a 400 names what was wrong like every other 400.
    const statusCode = (exception as { statusCode?: number })?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      const message = (exception as Error).message;
      return [statusCode, statusCode === 400 || statusCode === 415 ? { error: message, issues: [{ path: issuePath(exception), message }] } : { error: message }];
    }
    return [500, { error: 'internal error' }];
  }
}

/** The field a Fastify request error is about: the content type, or else the body. */
function issuePath(error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  return code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' ? 'content-type' : '(body)';
}

/**
 * Text Postgres cannot store: a NUL character (SQLSTATE 22021 in text, 22P05 in JSON) or, in JSON,
 * an unpaired UTF-16 surrogate (22P02). Wherever it came from (body, query, path), the database
 * refused it before changing anything: bad input, not a fault.
 */
function isUnstorableText(exception: unknown): boolean {
  const cause = (exception as { meta?: { driverAdapterError?: { cause?: { originalCode?: string; originalMessage?: string } } } } | null)?.meta?.driverAdapterError?.cause;
  const [code, message] = [cause?.originalCode, cause?.originalMessage ?? ''];
  return (code === '22021' && message.includes('0x00')) || code === '22P05' || (code === '22P02' && message.includes('json'));
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A 400 naming where the request has such text: a path parameter, a query parameter or a body field. */
function unstorableTextResponse(request: FastifyRequest): [number, Record<string, unknown>] {
  const message = 'must not contain the NUL character (\\u0000) or unpaired UTF-16 surrogates';
  const stack = [request.params, request.query, request.body].map((value) => ({ path: '', value, depth: 0 }));
  const paths: string[] = [];
  for (let i = 0; i < stack.length && i < 100_000 && paths.length < 20; i++) {
    const { path, value, depth } = stack[i];
    if (typeof value === 'string' && (value.includes('\u0000') || LONE_SURROGATE.test(value))) paths.push(path || '(body)');
    else if (value && typeof value === 'object' && depth < 64) {
      for (const [key, child] of Object.entries(value)) stack.push({ path: path ? `${path}.${key}` : key, value: child, depth: depth + 1 });
    }
  }
  const issues = (paths.length ? paths : ['(request)']).map((path) => ({ path, message }));
  return [400, { error: 'text the database cannot store', issues }];
}
