// The `anchorage` command line: commander program over @anchorage/sdk.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AnchorageClient, type ListRunsOptions, type RunEvent, type RunStatus } from '@anchorage/sdk';
import { JOB_KINDS, RUN_STATUSES } from '@anchorage/contracts';
import { CliError, EXIT, reportError } from './errors.js';
import { duration, num, percent, shortTime, table } from './format.js';
import { readRunRequest } from './spec-file.js';
import { formatLog, watchRun, type Output } from './watch.js';
import { runWorkerSupervisor } from './worker.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function buildProgram(io: Output, env: NodeJS.ProcessEnv = process.env): Command {
  const program = new Command('anchorage')
    .description('Submit, watch and inspect Anchorage runs')
    .option('--url <url>', 'API base URL (env ANCHORAGE_URL)', env.ANCHORAGE_URL || DEFAULT_URL)
    .option('--api-key <key>', 'API key, sent as a bearer token (env ANCHORAGE_API_KEY)', env.ANCHORAGE_API_KEY)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    });

  const client = () => {
    const { url, apiKey } = program.opts<{ url: string; apiKey?: string }>();
    try {
      new URL(url);
    } catch {
      throw new CliError(`invalid --url: ${url}`, EXIT.usage);
    }
    return new AnchorageClient({ baseUrl: url, apiKey });
  };
  let exitCode: number = EXIT.ok;
  const setExit = (code: number) => {
    exitCode = code;
  };

  program
    .command('submit')
    .description('Submit a run request file ({ kind, name?, spec, ... } in YAML or JSON); prints the run id')
    .argument('<file>', 'run request file (.yaml, .yml or .json)')
    .option('-w, --watch', 'follow the run until it ends (exit 0 succeeded, 1 failed, 3 cancelled)')
    .option('--idempotency-key <key>', 'a repeat with the same key returns the same run')
    .action(async (file: string, opts: { watch?: boolean; idempotencyKey?: string }) => {
      const body = readRunRequest(file);
      const api = client();
      const run = await api.submitRun(body, { idempotencyKey: opts.idempotencyKey });
      io.out(run.id);
      if (opts.watch) setExit(await watchRun(api, run.id, io));
    });

  program
    .command('runs')
    .description('List runs, newest first')
    .addOption(new Option('--kind <kind>', 'only runs of this kind').choices(JOB_KINDS))
    .addOption(new Option('--status <status>', 'only runs in this status').choices(RUN_STATUSES))
    .option('--limit <n>', 'at most this many runs', positiveInt, 20)
    .option('-q, --query <text>', 'only runs whose name contains this text (or whose id starts with it)')
    .action(async (opts: { kind?: ListRunsOptions['kind']; status?: RunStatus; query?: string; limit: number }) => {
      const { runs } = await client().listRuns({ kind: opts.kind, status: opts.status, q: opts.query, limit: opts.limit });
      if (!runs.length) {
        io.out('no runs');
        return;
      }
      io.out(
        table(
          ['ID', 'KIND', 'NAME', 'STATUS', 'PROGRESS', 'BACKEND', 'CREATED', 'DURATION'],
          runs.map((r) => [r.id, r.kind, r.name, r.status, percent(r.progress), r.backend, shortTime(r.createdAt), duration(r.startedAt, r.endedAt)]),
        ),
      );
    });

  program
    .command('watch')
    .description('Follow a run until it ends (exit 0 succeeded, 1 failed, 3 cancelled)')
    .argument('<id>', 'run id')
    .option('--logs', 'print log lines as they arrive')
    .action(async (id: string, opts: { logs?: boolean }) => {
      setExit(await watchRun(client(), id, io, { logs: opts.logs }));
    });

  program
    .command('cancel')
    .description('Cancel a run')
    .argument('<id>', 'run id')
    .action(async (id: string) => {
      const run = await client().cancelRun(id);
      io.out(`${run.id} ${run.status}${run.cancelRequestedAt && run.status !== 'cancelled' ? ' (cancel requested)' : ''}`);
    });

  program
    .command('frontier')
    .description('The Pareto frontier of a stitch run; * marks the best stitch within the budget')
    .argument('<id>', 'stitch run id')
    .option('--max-flops <n>', 'FLOPs budget (multiply-adds per image)', positiveNumber)
    .option('--max-latency-ms <n>', 'latency budget in ms (the frontier is then over latency)', positiveNumber)
    .action(async (id: string, opts: { maxFlops?: number; maxLatencyMs?: number }) => {
      const f = await client().frontier(id, { maxFlops: opts.maxFlops, maxLatencyMs: opts.maxLatencyMs });
      io.out(
        table(
          ['', 'STITCH', 'LABEL', 'KIND', 'FLOPS', 'PARAMS', 'ACCURACY', 'LATENCY_MS'],
          f.frontier.map((s) => [
            f.best && s.stitchId === f.best.stitchId ? '*' : ' ',
            s.stitchId,
            s.label,
            s.kind,
            num(s.flops),
            num(s.params),
            percent(s.accuracy),
            num(s.latencyMs, 2),
          ]),
        ),
      );
      if (f.best) io.out(`best: stitch ${f.best.stitchId} (${f.best.label}) accuracy ${percent(f.best.accuracy)} flops ${num(f.best.flops)}`);
    });

  program
    .command('workers')
    .description('Registered workers')
    .action(async () => {
      const { workers } = await client().listWorkers();
      if (!workers.length) {
        io.out('no workers');
        return;
      }
      io.out(
        table(
          ['ID', 'NAME', 'HOST', 'BACKEND', 'STATUS', 'CONNECTED', 'CAPACITY', 'CLASSES', 'RUN', 'HEARTBEAT'],
          workers.map((w) => [
            w.id,
            w.name,
            w.host,
            w.backend,
            w.status,
            w.connected ? 'yes' : 'no',
            w.capacity,
            w.resourceClasses.join(','),
            w.currentRunId,
            `${(w.heartbeatAgeMs / 1000).toFixed(1)}s ago`,
          ]),
        ),
      );
    });

  const keys = program.command('keys').description('API keys and worker tokens (admin)');
  keys
    .command('create')
    .description('Create a key; prints its secret once (it is stored only as a digest)')
    .requiredOption('--name <name>', 'what the key is for, e.g. ci or gpu-node-3')
    .addOption(new Option('--role <role>', 'admin, submitter, viewer, or worker (a worker token)').choices(['admin', 'submitter', 'viewer', 'worker']).makeOptionMandatory())
    .action(async (opts: { name: string; role: 'admin' | 'submitter' | 'viewer' | 'worker' }) => {
      const created = await client().createKey({ name: opts.name, role: opts.role });
      // The secret alone on stdout (for `$(anchorage keys create …)`); the rest on stderr.
      process.stderr.write(`created ${created.role} key ${created.id} (${created.name}); the secret below is not shown again\n`);
      io.out(created.key);
    });
  keys
    .command('list')
    .description('Keys without their secrets')
    .action(async () => {
      const { keys: rows } = await client().listKeys();
      if (!rows.length) {
        io.out('no keys');
        return;
      }
      io.out(
        table(
          ['ID', 'NAME', 'ROLE', 'PREFIX', 'CREATED', 'LAST USED', 'REVOKED'],
          rows.map((k) => [k.id, k.name, k.role, `${k.prefix}…`, shortTime(k.createdAt), k.lastUsedAt ? shortTime(k.lastUsedAt) : '', k.revokedAt ? shortTime(k.revokedAt) : '']),
        ),
      );
    });
  keys
    .command('revoke')
    .description('Revoke a key: it stops working at once')
    .argument('<id>', 'key id (anchorage keys list)')
    .action(async (id: string) => {
      const revoked = await client().revokeKey(id);
      io.out(`revoked ${revoked.id} (${revoked.name}, ${revoked.role})`);
    });

  program
    .command('audit')
    .description('The audit log, newest first (admin)')
    .option('--limit <n>', 'events to show', positiveInt, 50)
    .option('--actor <keyId>', 'only this key')
    .option('--action <action>', 'only this action, e.g. run.cancel')
    .action(async (opts: { limit: number; actor?: string; action?: string }) => {
      const { events } = await client().audit({ limit: opts.limit, actor: opts.actor, action: opts.action });
      io.out(table(['TIME', 'ACTOR', 'ROLE', 'ACTION', 'TARGET', 'SOURCE'], events.map((e) => [shortTime(e.at), `${e.actorName} (${e.actor})`, e.role, e.action, e.target ?? '', e.source ?? ''])));
    });

  program
    .command('worker')
    .description('Run worker processes on this machine: one per GPU or CPU core, restarted when they crash')
    .addOption(new Option('--procs <n>', 'worker processes: a number or auto (one per GPU found, else one per core)').default('auto'))
    .addOption(new Option('--device <device>', 'device class of the processes').choices(['cpu', 'gpu', 'auto']).default('auto'))
    .action(async (opts: { procs: string; device: string }) => {
      if (opts.procs !== 'auto' && !/^[1-9]\d*$/.test(opts.procs)) throw new CliError(`invalid --procs: ${opts.procs} (a positive whole number or auto)`, EXIT.usage);
      setExit(await runWorkerSupervisor(['--procs', opts.procs, '--device', opts.device], env));
    });

  program
    .command('logs')
    .description("Print a run's log lines")
    .argument('<id>', 'run id')
    .option('-f, --follow', 'keep following until the run ends')
    .action(async (id: string, opts: { follow?: boolean }) => {
      const api = client();
      if (!opts.follow) {
        // The stored lines, page by page.
        let after: string | undefined;
        do {
          const page = await api.runLogs(id, { after, limit: 1000 });
          for (const line of page.lines) io.out(formatLog(line));
          after = page.nextCursor ?? undefined;
        } while (after);
        return;
      }
      // -f: the whole history, then new lines as they come, until the run ends.
      for await (const event of api.runEvents(id, { lastEventId: 's0.m0.l0' }) as AsyncIterable<RunEvent>) {
        if (event.type === 'logs') for (const line of event.data.lines) io.out(formatLog(line));
      }
    });

  return Object.assign(program, { exitCode: () => exitCode });
}

/** Runs the CLI and returns its exit code. */
export async function main(argv: string[], io: Output): Promise<number> {
  const program = buildProgram(io) as Command & { exitCode: () => number };
  try {
    await program.parseAsync(argv);
    return program.exitCode();
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportError(error, io.err);
  }
}
