// Prometheus metrics of one worker process (prom-client), served on the health port at /metrics:
// training steps (counter, and a steps/s gauge over a sliding window), attempts running, attempt
// durations by kind and outcome, seconds since the last heartbeat went out, live tensors, and the
// process's default metrics.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The metric name whose step counts training progress (every training handler reports it). */
export const TRAINING_STEP_METRIC = 'train/loss';
const RATE_WINDOW_MS = 30_000;

export interface WorkerMetricsSources {
  running: () => number;
  numTensors: () => number;
  /** Time of the last heartbeat sent, ms since epoch; 0 before the first. */
  lastHeartbeatAt: () => number;
}

export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly steps: Counter<'kind'>;
  private readonly attemptDuration: Histogram<'kind' | 'outcome'>;
  /** Steps counted in the last RATE_WINDOW_MS, for the steps/s gauge. */
  private readonly samples: { at: number; n: number }[] = [];
  /** When training began after an idle window. */
  private activeSince = 0;

  constructor(sources: WorkerMetricsSources, labels: { backend: string; device: string; classes: string[] }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'anchorage_worker_' });
    new Gauge({ name: 'anchorage_worker_info', help: 'Backend, device and resource classes of this process', labelNames: ['backend', 'device', 'classes'], registers: [this.registry] }).set(
      { backend: labels.backend, device: labels.device, classes: labels.classes.join(',') },
      1,
    );
    this.steps = new Counter({ name: 'anchorage_worker_training_steps_total', help: 'Training steps done by this process', labelNames: ['kind'], registers: [this.registry] });
    const stepsPerSecond = () => this.stepsPerSecond();
    new Gauge({
      name: 'anchorage_worker_steps_per_second',
      help: `Training steps per second over the last ${RATE_WINDOW_MS / 1000} s`,
      registers: [this.registry],
      collect() {
        this.set(stepsPerSecond());
      },
    });
    new Gauge({ name: 'anchorage_worker_attempts_running', help: 'Attempts running now', registers: [this.registry], collect() { this.set(sources.running()); } });
    new Gauge({ name: 'anchorage_worker_tensors', help: 'Tensors alive in the TensorFlow.js engine', registers: [this.registry], collect() { this.set(sources.numTensors()); } });
    new Gauge({
      name: 'anchorage_worker_heartbeat_age_seconds',
      help: 'Seconds since this process last sent a heartbeat to the coordinator (-1 before the first)',
      registers: [this.registry],
      collect() {
        const at = sources.lastHeartbeatAt();
        this.set(at > 0 ? (Date.now() - at) / 1000 : -1);
      },
    });
    this.attemptDuration = new Histogram({
      name: 'anchorage_worker_attempt_duration_seconds',
      help: 'Duration of attempts this process ran, by kind and outcome',
      labelNames: ['kind', 'outcome'],
      buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers: [this.registry],
    });
  }

  /** A step counter for one attempt: feed it the steps it reports; it counts the steps in between. */
  stepCounter(kind: string, resumedFromStep: number, now = Date.now()): (name: string, step: number) => void {
    if (!this.samples.some((x) => x.at >= now - RATE_WINDOW_MS)) this.activeSince = now;
    let last = resumedFromStep;
    return (name, step) => {
      if (name !== TRAINING_STEP_METRIC || step <= last) return;
      this.addSteps(kind, step - last);
      last = step;
    };
  }

  addSteps(kind: string, n: number, now = Date.now()): void {
    this.steps.inc({ kind }, n);
    this.samples.push({ at: now, n });
    while (this.samples.length > 0 && this.samples[0].at < now - RATE_WINDOW_MS) this.samples.shift();
  }

  /** Steps in the window over the window's length (shorter while training has just begun). */
  stepsPerSecond(now = Date.now()): number {
    const recent = this.samples.filter((x) => x.at >= now - RATE_WINDOW_MS);
    if (recent.length === 0) return 0;
    const from = Math.max(now - RATE_WINDOW_MS, Math.min(this.activeSince, recent[0].at));
    return recent.reduce((sum, x) => sum + x.n, 0) / Math.max((now - from) / 1000, 1);
  }

  attemptEnded(kind: string, outcome: string, durationMs: number): void {
    this.attemptDuration.observe({ kind, outcome }, durationMs / 1000);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
