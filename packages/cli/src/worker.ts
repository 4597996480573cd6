// `anchorage worker`: starts the worker supervisor of @anchorage/worker (installed beside the CLI on
// worker machines) as a child process, passes signals on, and exits with its code. The CLI does not
// import the worker (it would pull TensorFlow.js into every CLI start); it only locates its entry.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CliError, EXIT } from './errors.js';

const SUPERVISOR = '@anchorage/worker/dist/supervisor.js';

export function supervisorPath(): string {
  try {
    return fileURLToPath(import.meta.resolve(SUPERVISOR));
  } catch {
    throw new CliError(`the worker is not installed beside the CLI (${SUPERVISOR} not found); install @anchorage/worker and build it`, EXIT.usage);
  }
}

export function runWorkerSupervisor(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(process.execPath, [supervisorPath(), ...args], { env, stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      process.off('SIGTERM', forward);
      process.off('SIGINT', forward);
      resolve(code ?? (signal ? 128 + 15 : 1));
    });
  });
}
