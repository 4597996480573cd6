// One process per core: the same batch of CPU `train` runs finished by `anchorage worker --procs 1`
// (the baseline) and by `--procs 2`, in the same run, alternating, on the TensorFlow.js backend the
// workers pick (wasm here: single-threaded, so a second process is the only way to use a second core).
//
//   npm run bench:procs                     (builds first; Postgres on 127.0.0.1:5432, Redis)
//   node bench/procs.mjs --runs 8 --rounds 2 --steps 60
//
// Prints the wall time from the first submit to the last success per round, medians, runs/min and
// the ratio to --procs 1. Uses a fresh database `anchorage_procs_<pid>` on DATABASE_URL's server.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { sleep, waitFor } from '../scripts/lib/services.mjs';
import { median, startApi, withBenchPlatform } from './lib/platform.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    steps: { type: 'string', default: '60' },
    procs: { type: 'string', default: '1,2' },
  },
});
const RUNS = Number(args.runs);
const ROUNDS = Number(args.rounds);
const PROCS = args.procs.split(',').map(Number);
const TRAIN = {
  kind: 'train',
  resources: { accelerator: 'cpu' },
  spec: { model: { preset: 'vit-ti', dim: 48, depth: 2, heads: 3 }, steps: Number(args.steps), batchSize: 32, metricsEvery: 10 },
};

await withBenchPlatform('procs', main);

async function main({ scratch, database, redisUrl, startChild }) {
  const { env, api } = await startApi({ redisUrl, databaseUrl: database.url, scratch, queuePrefix: `procs-${process.pid}`, startChild });

  const results = new Map(PROCS.map((p) => [p, []]));
  let backend = '';
  for (let round = 1; round <= ROUNDS; round++) {
    for (const procs of PROCS) {
      const name = `bench-r${round}-p${procs}`;
      const cli = startChild('worker', process.execPath, ['packages/cli/bin/anchorage.js', 'worker', '--procs', String(procs), '--device', 'cpu'], { ...env, ANCHORAGE_WORKER_NAME: name });
      const mine = async () => (await api('GET', '/v1/workers')).workers.filter((w) => w.connected && w.name.startsWith(`${name}-`));
      await waitFor(async () => (await mine()).length === procs, 60_000, `${procs} worker processes did not connect`);
      backend = (await mine())[0].backend;
      const started = Date.now();
      const ids = [];
      for (let i = 0; i < RUNS; i++) ids.push((await api('POST', '/v1/runs', { ...TRAIN, name: `${name} #${i}` })).id);
      for (;;) {
        const runs = await Promise.all(ids.map((id) => api('GET', `/v1/runs/${id}`)));
        const failed = runs.find((r) => r.status === 'failed' || r.status === 'cancelled');
        if (failed) throw new Error(`run ${failed.id} ${failed.status}: ${failed.error}`);
        if (runs.every((r) => r.status === 'succeeded')) break;
        await sleep(250);
      }
      const seconds = (Date.now() - started) / 1000;
      results.get(procs).push(seconds);
      console.log(`round ${round}  --procs ${procs}: ${RUNS} runs in ${seconds.toFixed(1)} s`);
      const exited = new Promise((resolve) => cli.once('exit', resolve));
      cli.kill('SIGTERM');
      await exited;
    }
  }

  const base = median(results.get(PROCS[0]));
  console.log(`\n${RUNS} train runs (vit-ti dim 48 depth 2, ${TRAIN.spec.steps} steps, batch 32) per round, ${ROUNDS} rounds; backend ${backend}; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'})`);
  console.log('| workers | median wall time | runs/min | speed-up vs --procs 1 |');
  console.log('|---|---|---|---|');
  for (const procs of PROCS) {
    const m = median(results.get(procs));
    console.log(`| \`--procs ${procs}\` | ${m.toFixed(1)} s | ${((RUNS / m) * 60).toFixed(1)} | ${(base / m).toFixed(2)}× |`);
  }
}
