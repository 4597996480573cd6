// bull-board (the queues' own admin UI) under /admin/queues, over the run queues. It is a Fastify
// plugin outside Nest's guards, so it checks the key itself: admins only, as a bearer token or as
// the password of HTTP Basic auth (what a browser can send; the user name is ignored).
import { getQueueToken } from '@nestjs/bullmq';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import { API_CONFIG, type ApiConfig } from '../config.js';
import type { AuthService } from '../services/auth.service.js';
import { bearerOf } from './auth.js';
import { runQueueNames } from '../repositories/queue.repository.js';

export const QUEUE_BOARD_PATH = '/admin/queues';

export async function mountQueueBoard(app: NestFastifyApplication, auth: AuthService): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: runQueueNames(app.get<ApiConfig>(API_CONFIG)).map((name) => new BullMQAdapter(app.get<Queue>(getQueueToken(name)))),
    serverAdapter,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith(QUEUE_BOARD_PATH)) return;
    const header = request.headers.authorization ?? '';
    const basic = /^Basic\s+(\S+)$/i.exec(header)?.[1];
    const secret = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':').slice(1).join(':') : bearerOf(header);
    const principal = await auth.authenticate(secret);
    if (principal?.role === 'admin') return;
    await reply
      .status(principal ? 403 : 401)
      .header('www-authenticate', 'Basic realm="anchorage queues", charset="UTF-8"')
      .send({ error: principal ? 'the queue board is for admin keys' : 'an admin key is required (as the password)' });
  });
  await app.register(serverAdapter.registerPlugin() as never, { prefix: QUEUE_BOARD_PATH });
}
