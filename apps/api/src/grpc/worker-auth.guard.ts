// The coordinator speaks only to workers: every call must carry a worker token (a key with role
// `worker`, or ANCHORAGE_WORKER_TOKEN) as `authorization: Bearer <token>` metadata; anything else is
// UNAUTHENTICATED. (grpc.health.v1 and reflection are outside this service and stay open.)
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { status, type Metadata } from '@grpc/grpc-js';
import { bearerOf } from '../http/auth.js';
import { AuthService } from '../services/auth.service.js';

@Injectable()
export class WorkerAuthGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'rpc') return true;
    const metadata = context.switchToRpc().getContext<Metadata>();
    const header = metadata?.get?.('authorization')?.[0];
    const principal = await this.auth.authenticate(bearerOf(typeof header === 'string' ? header : undefined));
    if (!principal) {
      throw new RpcException({ code: status.UNAUTHENTICATED, message: header ? 'invalid or revoked worker token' : 'a worker token is required (authorization: Bearer <token>)' });
    }
    if (principal.role !== 'worker') {
      throw new RpcException({ code: status.UNAUTHENTICATED, message: `a ${principal.role} key is not a worker token` });
    }
    return true;
  }
}
