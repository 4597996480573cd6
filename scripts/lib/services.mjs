// Small process helpers shared by the demo and the benchmarks: free ports, waiting, and a Redis to
// talk to (the one in REDIS_URL, the local one, or a private redis-server started on demand).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';

/**
 * A reachable Redis URL. Without REDIS_URL and with nothing on 127.0.0.1:6379 it starts
 * `redis-server` (AOF on, data under `stateDir/redis`) through `start(name, args, command)`.
 */
export async function ensureRedis({ stateDir, start }) {
  if (process.env.REDIS_URL) {
    const { hostname, port } = new URL(process.env.REDIS_URL);
    if (!(await redisAnswers(hostname, Number(port || 6379)))) throw new Error(`REDIS_URL ${process.env.REDIS_URL} does not answer PING`);
    return process.env.REDIS_URL;
  }
  if (await redisAnswers('127.0.0.1', 6379)) return 'redis://127.0.0.1:6379';
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  if (which.status !== 0) {
    throw new Error(
      'Redis is needed and none answers on 127.0.0.1:6379. Install it (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`) or set REDIS_URL.',
    );
  }
  const port = await freePort(6380);
  const dir = join(stateDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--logfile', 'redis.log', '--appendonly', 'yes', '--save', ''];
  start('redis', args, which.stdout.trim());
  await waitFor(() => redisAnswers('127.0.0.1', port), 10_000, 'redis-server did not start');
  return `redis://127.0.0.1:${port}`;
}

export function redisAnswers(host, port) {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** `preferred` when it is free, else any free port. */
export function freePort(preferred = 0) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      const fallback = createServer();
      fallback.listen(0, '127.0.0.1', () => {
        const { port } = fallback.address();
        fallback.close(() => resolve(port));
      });
    });
    server.listen(preferred, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor(check, timeoutMs, message) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(message);
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
