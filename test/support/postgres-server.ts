// A private Postgres server (initdb into a scratch directory, trust auth, its own port) for tests that
// stop and start Postgres; the shared server on 5432 must stay up for the others. As root, the server
// runs as the `postgres` user (Postgres refuses to run as root). It can run inside a network namespace
// (`ip netns exec`, see netns.ts) and listen on addresses other than loopback.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
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

export interface PrivatePostgresOptions {
  /**
   * `listen_addresses` (default 127.0.0.1); `*` listens on every address of its namespace. Other than
   * the default, clients from any address are trusted (initdb trusts only loopback).
   */
  listen?: string;
  /** The address the URL names and readiness is checked on (default 127.0.0.1). */
  host?: string;
  /**
   * Network namespace to run the server in: `ip netns exec <netns>`, then (as root) `setpriv` to the
   * `postgres` user, both of which exec, so the child's pid is the postmaster's. Readiness is checked
   * from inside the namespace.
   */
  netns?: string;
}

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = postgresBin();
  const port = await freePort();
  const host = options.host ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'anchorage-pg-'));
  const asUser = process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : {};
  if ('uid' in asUser) chownSync(dir, asUser.uid!, asUser.gid!);
  execFileSync(join(bin, 'initdb'), ['-D', join(dir, 'data'), '--auth=trust', '-U', 'postgres', '--no-sync'], { stdio: 'ignore', ...asUser });
  if (options.listen !== undefined && options.listen !== '127.0.0.1') {
    appendFileSync(join(dir, 'data', 'pg_hba.conf'), '\nhost all all all trust\n');
  }
  let child: ChildProcess | undefined;
  const serverArgs = ['-D', join(dir, 'data'), '-p', String(port), '-k', dir, '-c', `listen_addresses=${options.listen ?? '127.0.0.1'}`, '-c', 'fsync=off'];
  const inNetns = (command: string[]) => (options.netns ? ['ip', 'netns', 'exec', options.netns, ...command] : command);

  const start = async () => {
    if (options.netns) {
      // `ip netns exec` must run as root; the server then drops to the postgres user itself.
      const dropUser = 'uid' in asUser ? ['setpriv', `--reuid=${asUser.uid}`, `--regid=${asUser.gid}`, '--init-groups'] : [];
      const command = inNetns([...dropUser, join(bin, 'postgres'), ...serverArgs]);
      child = spawn(command[0], command.slice(1), { stdio: 'ignore' });
    } else {
      child = spawn(join(bin, 'postgres'), serverArgs, { stdio: 'ignore', ...asUser });
    }
    const ready = inNetns([join(bin, 'pg_isready'), '-h', host, '-p', String(port), '-q']);
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        execFileSync(ready[0], ready.slice(1));
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
    url: `postgresql://postgres@${host}:${port}/postgres`,
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
