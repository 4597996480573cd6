// A private Postgres server (initdb into a scratch directory, trust auth, its own port) for tests that
// stop and start Postgres; the shared server on 5432 must stay up for the others. As root, the server
// runs as the `postgres` user (Postgres refuses to run as root).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep } from './platform.js';

export interface PrivatePostgres {
  url: string;
  /** Stops the server (fast shutdown: sessions are cut) and starts it again after `downMs`. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  halt(): Promise<void>;
}

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const version = existsSync(root) ? readdirSync(root).sort().pop() : undefined;
  if (!version) throw new Error('no Postgres server binaries under /usr/lib/postgresql (apt-get install postgresql)');
  return join(root, version, 'bin');
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'anchorage-pg-'));
  const asUser = process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : {};
  if ('uid' in asUser) chownSync(dir, asUser.uid!, asUser.gid!);
  execFileSync(join(bin, 'initdb'), ['-D', join(dir, 'data'), '--auth=trust', '-U', 'postgres', '--no-sync'], { stdio: 'ignore', ...asUser });
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(join(bin, 'postgres'), ['-D', join(dir, 'data'), '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'], {
      stdio: 'ignore',
      ...asUser,
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        execFileSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q']);
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`private postgres on ${port} did not start`);
        await sleep(100);
      }
    }
  };
  const halt = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGINT'); // fast shutdown: active sessions are terminated
    await exited;
  };
  await start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    start,
    halt,
    async restart(downMs: number) {
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
