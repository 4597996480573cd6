// The device a worker process runs on, as it registers it: kind, model and memory. GPU memory comes
// from nvidia-smi (TensorFlow.js does not report it) for the first GPU in CUDA_VISIBLE_DEVICES;
// an operator override wins. CPU workers report the host's memory.
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DeviceInfo {
  kind: 'cpu' | 'gpu';
  model: string;
  /** 0 when unknown. */
  memoryBytes: number;
  /** CPU cores this process may use (os.availableParallelism honours container limits). */
  cores: number;
}

export interface DetectOptions {
  kind: 'cpu' | 'gpu';
  /** Backend description, used as the GPU model when nvidia-smi is not there. */
  backendDetail: string;
  memoryGbOverride?: number;
  env?: NodeJS.ProcessEnv;
  /** Replaces the nvidia-smi call (tests). */
  querySmi?: (index: string) => Promise<string>;
}

async function nvidiaSmi(index: string): Promise<string> {
  const { stdout } = await run('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits', '-i', index], { timeout: 5_000 });
  return stdout;
}

/** Parses one nvidia-smi CSV line: `NVIDIA H200, 143771` (memory in MiB). */
export function parseSmiLine(text: string): { model: string; memoryBytes: number } | null {
  const line = text.split('\n').find((l) => l.trim());
  const match = line ? /^(.+?),\s*(\d+)\s*$/.exec(line.trim()) : null;
  return match ? { model: match[1], memoryBytes: Number(match[2]) * 1024 * 1024 } : null;
}

export async function detectDevice(options: DetectOptions): Promise<DeviceInfo> {
  const override = options.memoryGbOverride !== undefined ? Math.round(options.memoryGbOverride * 1e9) : undefined;
  if (options.kind === 'cpu') {
    return { kind: 'cpu', model: os.cpus()[0]?.model ?? 'cpu', memoryBytes: override ?? os.totalmem(), cores: os.availableParallelism() };
  }
  // nvidia-smi ignores CUDA_VISIBLE_DEVICES; ask for the first device this process may use.
  const index = (options.env ?? process.env).CUDA_VISIBLE_DEVICES?.split(',')[0]?.trim() || '0';
  const smi = await (options.querySmi ?? nvidiaSmi)(index).then(parseSmiLine, () => null);
  return {
    kind: 'gpu',
    model: (smi?.model ?? options.backendDetail).slice(0, 200),
    memoryBytes: override ?? smi?.memoryBytes ?? 0,
    cores: os.availableParallelism(),
  };
}
