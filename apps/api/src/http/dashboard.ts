// The dashboard (apps/web, built by Vite) as static files at `/`. It routes with the URL hash, so
// only the built files need routes: anything else stays the API's own 404.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';

/** Serves `webDir` at `/`; false (nothing mounted) when it has no index.html, e.g. before `npm run build`. */
export async function mountDashboard(app: NestFastifyApplication, webDir: string | null): Promise<boolean> {
  if (!webDir || !existsSync(join(webDir, 'index.html'))) return false;
  await app.register(fastifyStatic as never, {
    root: webDir,
    prefix: '/',
    // One route per built file (no catch-all), and no reply.sendFile: bull-board decorates that.
    wildcard: false,
    decorateReply: false,
    // Hashed asset names never change; index.html must always be fresh.
    // (@fastify/static 10 hands setHeaders the Fastify reply.)
    setHeaders: (reply: FastifyReply, path: string) =>
      reply.header('cache-control', path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable'),
  });
  return true;
}
