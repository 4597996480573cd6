// Entry point: `node apps/worker/dist/supervisor.js --procs N|auto [--device cpu|gpu|auto]` (also
// `anchorage worker --procs N`). Runs one worker process per GPU or CPU core and keeps them running
// (see supervise.ts). SIGTERM/SIGINT are passed on: each worker checkpoints and hands its attempts
// back; a second signal kills them.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { EXIT_CONFIG, listGpus, machineSlotOptions, planSlots, SlotPlanError, Supervisor } from './supervise.js';

const USAGE = 'usage: supervisor [--procs N|auto] [--device cpu|gpu|auto]   (env: ANCHORAGE_WORKER_PROCS, ANCHORAGE_WORKER_DEVICE)';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(EXIT_CONFIG);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ options: { procs: { type: 'string' }, device: { type: 'string' } }, strict: true }));
  } catch (error) {
    fail((error as Error).message);
  }
  const procsText = values.procs ?? process.env.ANCHORAGE_WORKER_PROCS ?? 'auto';
  const procs = procsText === 'auto' ? 'auto' : Number(procsText);
  if (procs !== 'auto' && (!Number.isInteger(procs) || procs < 1 || procs > 256)) fail(`--procs: must be a whole number from 1 to 256 or auto, got "${procsText}"`);
  const device = values.device ?? (process.env.ANCHORAGE_WORKER_DEVICE || 'auto');
  if (device !== 'cpu' && device !== 'gpu' && device !== 'auto') fail(`--device: must be cpu, gpu or auto, got "${device}"`);

  let slots;
  try {
    slots = planSlots({ procs, device, env: process.env, gpus: await listGpus(), ...machineSlotOptions() });
  } catch (error) {
    if (error instanceof SlotPlanError) fail(error.message);
    throw error;
  }
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { app: 'anchorage-supervisor', pid: process.pid } });
  const supervisor = new Supervisor({ slots, command: [process.execPath, fileURLToPath(new URL('./main.js', import.meta.url))], logger });
  supervisor.on('finished', ({ code }) => {
    logger.info({ code }, 'every worker process has exited');
    process.exit(code);
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    logger.info({ signal }, signals > 1 ? 'second signal: killing worker processes' : 'stopping worker processes');
    void supervisor.stop(signals > 1 ? 'SIGKILL' : 'SIGTERM');
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  logger.info({ procs: slots.length, devices: slots.map((s) => s.label) }, 'starting worker processes');
  supervisor.start();
}

void main();
