// The baseline of bench/overhead.mjs: a plain BullMQ Worker whose processor does nothing, one per
// process, exactly as a team using BullMQ directly would run no-op jobs.
import { Worker } from 'bullmq';

const { REDIS_URL, RAW_PREFIX, RAW_QUEUE } = process.env;
const worker = new Worker(RAW_QUEUE, async () => ({ ok: true }), {
  connection: { url: REDIS_URL, maxRetriesPerRequest: null },
  prefix: RAW_PREFIX,
  concurrency: 1,
  removeOnComplete: { count: 100_000 },
});
await worker.waitUntilReady();
process.send?.('ready');
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
