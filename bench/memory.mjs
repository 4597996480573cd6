// Memory over a long training run: one worker trains a ViT for `--minutes` while its own /metrics
// (health port) is sampled every 10 s for resident memory and live TensorFlow.js tensors. A leak
// shows as a slope; the script fits a line over the second half (after warm-up) and prints it.
//
//   npm run bench:memory              (builds first; Postgres on 127.0.0.1:5432, Redis)
//   node bench/memory.mjs --minutes 60
import os from 'node:os';
import { parseArgs } from 'node:util';
import { freePort, sleep, waitFor } from '../scripts/lib/services.mjs';
import { startApi, withBenchPlatform } from './lib/platform.mjs';

const { values: args } = parseArgs({ options: { minutes: { type: 'string', default: '60' }, every: { type: 'string', default: '10' } } });
const MINUTES = Number(args.minutes);
const EVERY_MS = Number(args.every) * 1000;

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den ? num / den : 0;
}

await withBenchPlatform('memory', async ({ scratch, database, redisUrl, startChild }) => {
  const { env, api } = await startApi({ redisUrl, databaseUrl: database.url, scratch, queuePrefix: `memory-${process.pid}`, startChild });
  const healthPort = await freePort();
  startChild('worker', process.execPath, ['apps/worker/dist/main.js'], { ...env, ANCHORAGE_WORKER_NAME: 'memory', ANCHORAGE_WORKER_HEALTH_PORT: String(healthPort) });
  await waitFor(async () => (await api('GET', '/v1/workers')).workers.some((w) => w.connected), 60_000, 'the worker did not connect');
  // More steps than the time allows; the run is cancelled at the end.
  const run = await api('POST', '/v1/runs', { kind: 'train', spec: { model: { preset: 'vit-ti' }, steps: 1_000_000, batchSize: 32, metricsEvery: 50 } });
  const samples = [];
  const started = Date.now();
  while (Date.now() - started < MINUTES * 60_000) {
    await sleep(EVERY_MS);
    const text = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    const read = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    const steps = Number(/^anchorage_worker_training_steps_total\{kind="train"\} (\S+)$/m.exec(text)?.[1] ?? 0);
    samples.push({ minute: (Date.now() - started) / 60_000, rssMiB: read('anchorage_worker_process_resident_memory_bytes') / 2 ** 20, tensors: read('anchorage_worker_tensors'), steps });
    const last = samples.at(-1);
    process.stdout.write(`\r${last.minute.toFixed(1)} min: ${last.steps} steps, RSS ${last.rssMiB.toFixed(0)} MiB, ${last.tensors} tensors   `);
  }
  await api('POST', `/v1/runs/${run.id}/cancel`);
  const late = samples.slice(Math.floor(samples.length / 2));
  const fit = (key) => slope(late.map((s) => ({ x: s.minute, y: s[key] })));
  const first = samples[0];
  const last = samples.at(-1);
  console.log(`\n\ntrain vit-ti, batch 32, ${MINUTES} min, one worker (its default backend), sampled every ${EVERY_MS / 1000} s; ${os.cpus().length} cores`);
  console.log('| | first sample | last sample | slope over the second half |');
  console.log('|---|---|---|---|');
  console.log(`| steps | ${first.steps} | ${last.steps} | ${fit('steps').toFixed(0)} steps/min |`);
  console.log(`| worker RSS | ${first.rssMiB.toFixed(0)} MiB | ${last.rssMiB.toFixed(0)} MiB | ${fit('rssMiB').toFixed(2)} MiB/min |`);
  console.log(`| live tensors | ${first.tensors} | ${last.tensors} | ${fit('tensors').toFixed(2)} /min |`);
});
