import { describe, expect, it } from 'vitest';
import { parseSmiLine, detectDevice } from '../src/devices.js';
import { classifyError, OUT_OF_MEMORY_TYPE } from '../src/errors.js';
import { WorkerMetrics } from '../src/metrics.js';

const sources = { running: () => 1, numTensors: () => 42, lastHeartbeatAt: () => Date.now() - 2_000 };

describe('WorkerMetrics', () => {
  it('counts training steps between reports, from the resumed step, and exports steps/s', async () => {
    const m = new WorkerMetrics(sources, { backend: 'wasm', device: 'cpu', classes: ['cpu', 'any'] });
    const t0 = Date.now();
    const count = m.stepCounter('train', 100, t0);
    count('train/loss', 110);
    count('train/accuracy', 110); // another metric of the same step: not counted again
    count('train/loss', 150);
    count('train/loss', 150); // a repeat: nothing new
    const text = await m.text();
    expect(text).toMatch(/^anchorage_worker_training_steps_total\{kind="train"\} 50$/m);
    expect(text).toMatch(/^anchorage_worker_attempts_running 1$/m);
    expect(text).toMatch(/^anchorage_worker_tensors 42$/m);
    expect(Number(/^anchorage_worker_heartbeat_age_seconds (\S+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    // 50 steps within a second of the attempt's start: the rate uses at least a 1 s span.
    expect(m.stepsPerSecond()).toBeGreaterThan(10);
    expect(m.stepsPerSecond(Date.now() + 31_000)).toBe(0);
  });

  it('rates steps over the window once training has run a while', () => {
    const m = new WorkerMetrics(sources, { backend: 'wasm', device: 'cpu', classes: ['cpu'] });
    const t0 = 1_000_000;
    m.stepCounter('train', 0, t0);
    for (let s = 1; s <= 60; s++) m.addSteps('train', 10, t0 + s * 1000); // 10 steps/s for a minute
    expect(m.stepsPerSecond(t0 + 60_000)).toBeCloseTo(10, 0);
  });

  it('records attempt durations by kind and outcome', async () => {
    const m = new WorkerMetrics(sources, { backend: 'wasm', device: 'cpu', classes: ['cpu'] });
    m.attemptEnded('stitch', 'succeeded', 12_000);
    expect(await m.text()).toMatch(/^anchorage_worker_attempt_duration_seconds_count\{kind="stitch",outcome="succeeded"\} 1$/m);
  });
});

describe('out-of-memory errors', () => {
  it('are retryable and typed so the process is recycled', () => {
    let caught: unknown;
    try {
      new ArrayBuffer(2 ** 40);
    } catch (error) {
      caught = error;
    }
    expect(classifyError(caught)).toEqual({ type: OUT_OF_MEMORY_TYPE, message: 'Array buffer allocation failed', retryable: true });
    expect(classifyError(new Error('OOM when allocating tensor with shape[4096,4096]'))).toMatchObject({ type: OUT_OF_MEMORY_TYPE });
    expect(classifyError(new Error('shape mismatch'))).toMatchObject({ type: 'Error', retryable: false });
  });
});

describe('devices', () => {
  it('reads the GPU model and memory from nvidia-smi, for the first visible device', async () => {
    expect(parseSmiLine('NVIDIA H200, 143771\n')).toEqual({ model: 'NVIDIA H200', memoryBytes: 143771 * 1024 * 1024 });
    const asked: string[] = [];
    const gpu = await detectDevice({
      kind: 'gpu',
      backendDetail: 'tensorflow-gpu',
      env: { CUDA_VISIBLE_DEVICES: '3,4' },
      querySmi: async (i) => (asked.push(i), 'NVIDIA A10G, 23028'),
    });
    expect(asked).toEqual(['3']);
    expect(gpu).toEqual({ kind: 'gpu', model: 'NVIDIA A10G', memoryBytes: 23028 * 1024 * 1024, cores: expect.any(Number) });
    const unknown = await detectDevice({ kind: 'gpu', backendDetail: 'tfjs-node-gpu', querySmi: () => Promise.reject(new Error('ENOENT')) });
    expect(unknown).toEqual({ kind: 'gpu', model: 'tfjs-node-gpu', memoryBytes: 0, cores: expect.any(Number) });
    const overridden = await detectDevice({ kind: 'cpu', backendDetail: 'wasm', memoryGbOverride: 16 });
    expect(overridden.memoryBytes).toBe(16e9);
  });
});
