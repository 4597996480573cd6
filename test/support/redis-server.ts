// A private redis-server for tests that restart Redis or need unusual settings (the shared one on
// 6379 must not be disturbed). Data and AOF live in a scratch directory. It can run inside a network
// namespace (`ip netns exec`, see netns.ts) and bind addresses other than loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, sleep } from './platform.js';

export interface PrivateRedis {
  url: string;
  port: number;
  /** Stops the server (SHUTDOWN, as a restart would) and starts it again on the same port and data. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface PrivateRedisOptions {
  /** Addresses to listen on, space-separated (default 127.0.0.1); anything else turns protected mode off. */
  bind?: string;
  /** The address the URL names and readiness is checked on, reachable from this process (default 127.0.0.1). */
  host?: string;
  /** Network namespace to run the server in (`ip netns exec <netns> redis-server …`; root only). */
  netns?: string;
}

export async function startPrivateRedis(extraArgs: string[] = [], options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const host = options.host ?? '127.0.0.1';
  const bind = options.bind ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'anchorage-redis-'));
  // Without a password Redis refuses clients from other addresses unless protected mode is off.
  const addresses = bind.trim().split(/\s+/);
  const exposed = addresses.some((a) => a !== '127.0.0.1' && a !== '::1');
  const args = [
    '--port', String(port), '--bind', ...addresses, '--dir', dir, '--save', '', '--appendonly', 'yes',
    ...(exposed ? ['--protected-mode', 'no'] : []),
    ...extraArgs,
  ];
  const command = options.netns ? ['ip', 'netns', 'exec', options.netns, 'redis-server', ...args] : ['redis-server', ...args];
  let child: ChildProcess;

  const start = async () => {
    // `ip netns exec` execs the program: the child's pid is redis-server's.
    child = spawn(command[0], command.slice(1), { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Redis({ port, host, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined); // refused while it starts: retried below
      const ok = await client.connect().then(() => client.ping()).then(() => true, () => false);
      client.disconnect();
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
      await sleep(100);
    }
  };
  const halt = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `redis://${host}:${port}`,
    port,
    async restart(downMs = 1000) {
      await halt();
      await sleep(downMs);
      await start();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
