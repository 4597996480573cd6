// Maps domain and framework errors to the public error shape `{ error, issues? }`.
import { ArgumentsHost, Catch, HttpException, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isDatabaseUnavailable } from '@anchorage/db';
import { ConflictError, InvalidRequestError, NotFoundError } from '../services/errors.js';

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const [status, body] = this.toResponse(exception);
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
    if (exception instanceof ConflictError) return [409, { error: exception.message }];
    if (isDatabaseUnavailable(exception)) return [503, { error: 'the database is unavailable; nothing was changed, retry later' }];
    if (exception instanceof HttpException) {
      const response = exception.getResponse();
      const message = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? exception.message);
      return [exception.getStatus(), { error: Array.isArray(message) ? message.join('; ') : String(message) }];
    }
    // Fastify raises its own errors (bad JSON, body too large) with a statusCode.
    const statusCode = (exception as { statusCode?: number })?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return [statusCode, { error: (exception as Error).message }];
    }
    return [500, { error: 'internal error' }];
  }
}
