// The `anchorage` binary as a real process against the real platform (API + one worker).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT, startPlatform, type Platform } from '../../../test/support/platform.js';

const BIN = join(ROOT, 'packages/cli/bin/anchorage.js');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The key the CLI runs with unless `env` says otherwise (the platform's admin key once started). */
let defaultKey = '';

function cli(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ANCHORAGE_URL: '', ANCHORAGE_API_KEY: defaultKey, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`anchorage ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('anchorage CLI', () => {
  let platform: Platform;
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'anchorage-cli-'));
    platform = await startPlatform({ diagnostics: true });
    defaultKey = platform.adminKey;
    await platform.startWorker();
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('submit --watch runs a diagnostic sleep to success; runs lists it; logs prints; workers shows the worker', async () => {
    const spec = file('sleep.yaml', 'kind: diagnostic\nname: cli sleep\nspec:\n  action: sleep\n  durationMs: 600\n  steps: 4\n');
    const submitted = await cli(['--url', platform.baseUrl, 'submit', spec, '--watch']);
    expect(submitted.code, submitted.stderr + submitted.stdout).toBe(0);
    const id = submitted.stdout.split('\n')[0].trim();
    expect(id).toMatch(/\S+/);
    expect(submitted.stdout).toContain(`run ${id} succeeded`);
    expect(submitted.stdout).not.toContain('\u001b['); // not a TTY: no bar redraws
    expect((await platform.request('GET', `/v1/runs/${id}`)).body.status).toBe('succeeded');

    const runs = await cli(['runs', '--kind', 'diagnostic'], { ANCHORAGE_URL: platform.baseUrl });
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.stdout.split('\n')[0]).toMatch(/^ID\s+KIND\s+NAME\s+STATUS\s+PROGRESS\s+BACKEND\s+CREATED\s+DURATION$/);
    const row = runs.stdout.split('\n').find((l) => l.startsWith(id));
    expect(row).toMatch(/diagnostic\s+cli sleep\s+succeeded\s+100%/);

    const watched = await cli(['--url', platform.baseUrl, 'watch', id]);
    expect(watched.code, watched.stderr).toBe(0);

    const logs = await cli(['--url', platform.baseUrl, 'logs', id]);
    expect(logs.code, logs.stderr).toBe(0);

    const workers = await cli(['--url', platform.baseUrl, 'workers']);
    expect(workers.code, workers.stderr).toBe(0);
    expect(workers.stdout).toMatch(/^ID\s+NAME/);
    expect(workers.stdout).toContain('yes');
  });

  it('submit then watch follows a failing run (exit 1) and cancel ends a run (watch exits 3)', async () => {
    const fail = await cli(['--url', platform.baseUrl, 'submit', file('fail.json', JSON.stringify({ kind: 'diagnostic', spec: { action: 'fail', message: 'boom' }, maxAttempts: 1 }))]);
    expect(fail.code, fail.stderr).toBe(0);
    const failed = await cli(['--url', platform.baseUrl, 'watch', fail.stdout.trim()]);
    expect(failed.code, failed.stdout + failed.stderr).toBe(1);
    expect(failed.stderr).toContain('failed');

    const hang = await cli(['--url', platform.baseUrl, 'submit', file('hang.yaml', 'kind: diagnostic\nspec: { action: sleep, durationMs: 60000, steps: 60 }\n')]);
    const id = hang.stdout.trim();
    const watching = cli(['--url', platform.baseUrl, 'watch', id]);
    await platform.waitForRun(id, ['running'], 20_000);
    const cancelled = await cli(['--url', platform.baseUrl, 'cancel', id]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain(id);
    expect((await watching).code).toBe(3);
  });

  it('rejects a bad spec (exit 2, naming the field), a missing file (exit 2) and an unreachable API (exit 4)', async () => {
    const bad = await cli(['--url', platform.baseUrl, 'submit', file('bad.yaml', 'kind: diagnostic\nspec:\n  action: sleep\n  steps: 0\n')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad.yaml');
    expect(bad.stderr).toMatch(/spec\.steps: /);
    expect(bad.stdout).toBe('');

    const missing = await cli(['--url', platform.baseUrl, 'submit', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.yaml');

    const garbled = await cli(['submit', file('garbled.json', '{"kind": ')]);
    expect(garbled.code).toBe(2);
    expect(garbled.stderr).toContain('garbled.json is not valid JSON');

    const url = `http://127.0.0.1:${await freePort()}`;
    const down = await cli(['--url', url, 'submit', file('ok.yaml', 'kind: diagnostic\nspec: { action: noop }\n')]);
    expect(down.code).toBe(4);
    expect(down.stderr).toContain(url);
    expect((await cli(['runs'], { ANCHORAGE_URL: url })).code).toBe(4);

    const notFound = await cli(['--url', platform.baseUrl, 'watch', 'run_nope']);
    expect(notFound.code).toBe(2);
    expect(notFound.stderr).toMatch(/not found/i);
  });

  it('keys create | list | revoke, audit; a missing or revoked key exits 2 with the API\'s reason', async () => {
    const created = await cli(['--url', platform.baseUrl, 'keys', 'create', '--role', 'viewer', '--name', 'cli-viewer']);
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^anc_[\w-]{43}$/);
    expect(created.stderr).toMatch(/created viewer key (key_\S+) \(cli-viewer\); the secret below is not shown again/);
    const id = /created viewer key (key_\S+)/.exec(created.stderr)![1];
    const listed = await cli(['--url', platform.baseUrl, 'keys', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+cli-viewer\\s+viewer\\s+anc_`));
    expect(listed.stdout).not.toContain(secret);
    // The viewer reads but may not create keys.
    expect((await cli(['--url', platform.baseUrl, 'runs'], { ANCHORAGE_API_KEY: secret })).code).toBe(0);
    const denied = await cli(['--url', platform.baseUrl, 'keys', 'create', '--role', 'admin', '--name', 'x'], { ANCHORAGE_API_KEY: secret });
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(/a viewer key cannot do this.*\(HTTP 403\)/);
    expect((await cli(['--url', platform.baseUrl, 'keys', 'revoke', id])).stdout).toMatch(`revoked ${id} (cli-viewer, viewer)`);
    const revoked = await cli(['--url', platform.baseUrl, 'runs'], { ANCHORAGE_API_KEY: secret });
    expect(revoked.code).toBe(2);
    expect(revoked.stderr).toMatch(/invalid or revoked API key \(HTTP 401\)/);
    const none = await cli(['--url', platform.baseUrl, 'runs'], { ANCHORAGE_API_KEY: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/an API key is required/);
    const audit = await cli(['--url', platform.baseUrl, 'audit', '--action', 'key.revoke']);
    expect(audit.stdout).toMatch(new RegExp(`bootstrap admin \\(bootstrap\\)\\s+admin\\s+key\\.revoke\\s+${id}`));
    expect((await cli(['--url', platform.baseUrl, 'keys', 'create', '--role', 'root', '--name', 'x'])).code).toBe(2);
  });
});
