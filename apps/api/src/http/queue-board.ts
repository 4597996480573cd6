// bull-board (the queues' own admin UI) under /admin/queues, over the run queues.
import { getQueueToken } from '@nestjs/bullmq';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import { API_CONFIG, type ApiConfig } from '../config.js';
import { runQueueNames } from '../repositories/queue.repository.js';

export const QUEUE_BOARD_PATH = '/admin/queues';

export async function mountQueueBoard(app: NestFastifyApplication): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: runQueueNames(app.get<ApiConfig>(API_CONFIG)).map((name) => new BullMQAdapter(app.get<Queue>(getQueueToken(name)))),
    serverAdapter,
  });
  await app.register(serverAdapter.registerPlugin() as never, { prefix: QUEUE_BOARD_PATH });
}
