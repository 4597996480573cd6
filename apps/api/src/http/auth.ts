// Who may call what over HTTP. Every route needs an API key (`Authorization: Bearer <key>`) unless it
// is marked @Public(); @Roles() names the roles allowed. Without @Roles, reads (GET) are open to
// every API role and anything else to admins only, so a new endpoint is closed until it says
// otherwise. The caller's principal is put on the request for @CurrentCaller().
import { createHash } from 'node:crypto';
import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_ROLES, type Role } from '@anchorage/contracts';
import { API_CONFIG, type ApiConfig } from '../config.js';
import { AuthService, type Caller, type Principal } from '../services/auth.service.js';

const PUBLIC = 'anchorage:public';
const ROLES = 'anchorage:roles';

/** No key needed (health probes); with a setting's name, only while that setting is on (/metrics). */
export const Public = (setting?: 'metricsPublic') => SetMetadata(PUBLIC, setting ?? true);

function isPublic(reflector: Reflector, config: ApiConfig, context: ExecutionContext): boolean {
  const mark = reflector.getAllAndOverride<true | 'metricsPublic' | undefined>(PUBLIC, [context.getHandler(), context.getClass()]);
  return mark === true || (mark !== undefined && config[mark]);
}
/** The roles allowed to call the route. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);

type AuthedRequest = FastifyRequest & { principal?: Principal };

export function bearerOf(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // gRPC has its own guard
    if (isPublic(this.reflector, this.config, context)) return true;
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const principal = await this.auth.authenticate(bearerOf(request.headers.authorization));
    if (!principal) {
      void context.switchToHttp().getResponse<FastifyReply>().header('www-authenticate', 'Bearer realm="anchorage"');
      throw new UnauthorizedException(request.headers.authorization ? 'invalid or revoked API key' : 'an API key is required: send Authorization: Bearer <key>');
    }
    const declared = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [context.getHandler(), context.getClass()]);
    const allowed = declared ?? (request.method === 'GET' || request.method === 'HEAD' ? [...API_ROLES] : ['admin']);
    if (!allowed.includes(principal.role)) {
      throw new ForbiddenException(`a ${principal.role} key cannot do this; it needs one of: ${allowed.join(', ')}`);
    }
    request.principal = principal;
    return true;
  }
}

/** Per-key rate limit (per client address without a key), on HTTP only. */
@Injectable()
export class KeyThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    // Probes and scrapes are never limited.
    return this.reflector.getAllAndOverride(PUBLIC, [context.getHandler(), context.getClass()]) !== undefined;
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const request = req as unknown as FastifyRequest;
    const secret = bearerOf(request.headers.authorization);
    // A digest, so the secret is not kept in the limiter's storage.
    return secret ? `key:${createHash('sha256').update(secret).digest('hex').slice(0, 32)}` : `ip:${request.ip}`;
  }
}

/** Controller parameter: the authenticated caller and where the request came from. */
export const CurrentCaller = createParamDecorator((_data: unknown, ctx: ExecutionContext): Caller => {
  const request = ctx.switchToHttp().getRequest<AuthedRequest>();
  if (!request.principal) throw new UnauthorizedException('an API key is required');
  return { principal: request.principal, source: request.ip };
});
