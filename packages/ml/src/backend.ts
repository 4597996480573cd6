/**
 * TensorFlow.js backend selection.
 *
 * Preference order: `@tensorflow/tfjs-node-gpu` → `@tensorflow/tfjs-node` → wasm → cpu.
 * The two native packages are optional (their install script downloads libtensorflow, which is not
 * reachable everywhere): they are loaded by dynamic import and any failure falls through to the next
 * candidate. See /work/shared/toolchain.md, "TensorFlow.js on wasm".
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from './gradients.js';

export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendInfo {
  backend: BackendName;
  /** Human-readable description: what was loaded and why earlier candidates were skipped. */
  detail: string;
}

/** Environment variable that overrides the preferred backend (`auto` or one of {@link BACKEND_NAMES}). */
export const BACKEND_ENV_VAR = 'ANCHORAGE_TF_BACKEND';

export function isBackendName(value: unknown): value is BackendName {
  return typeof value === 'string' && (BACKEND_NAMES as readonly string[]).includes(value);
}

/**
 * Reads and validates `ANCHORAGE_TF_BACKEND`. Returns undefined when unset, empty or `auto`;
 * throws on any other unknown value.
 */
export function backendFromEnv(env: NodeJS.ProcessEnv = process.env): BackendName | undefined {
  const raw = env[BACKEND_ENV_VAR]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'auto') return undefined;
  if (!isBackendName(raw)) {
    throw new Error(
      `${BACKEND_ENV_VAR}=${JSON.stringify(env[BACKEND_ENV_VAR])} is not valid; use auto, ${BACKEND_NAMES.join(', ')}`,
    );
  }
  return raw;
}

let current: BackendInfo | undefined;
let selection: { wanted: BackendName | undefined; promise: Promise<BackendInfo> } | undefined;

/** The backend chosen by the last successful {@link initBackend}, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.slice(0, 200);
}

/** Dynamic import whose specifier TypeScript and bundlers do not try to resolve. */
async function optionalImport(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

/** Directory (with trailing separator) holding the installed wasm binaries. */
export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkgJson), 'dist') + path.sep;
}

async function activate(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`active backend is ${tf.getBackend()}, not ${name}`);
}

async function tryBackend(name: BackendName): Promise<string> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      await optionalImport(pkg);
      // The native package registers the 'tensorflow' backend on the tfjs-core instance it loads; if
      // npm did not dedupe tfjs-core, our instance never sees it.
      if (tf.findBackendFactory('tensorflow') === null && tf.findBackend('tensorflow') === null) {
        throw new Error(`${pkg} loaded but did not register 'tensorflow' on this tfjs-core instance`);
      }
      await activate('tensorflow');
      return `${pkg} (native TensorFlow)`;
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const dir = wasmDistDir();
      if (tf.findBackend('wasm') === null) {
        // Must run before the backend is first initialised; harmless to repeat before that.
        wasm.setWasmPaths(dir);
      }
      await activate('wasm');
      return `@tensorflow/tfjs-backend-wasm ${wasm.version_wasm} (single-threaded in Node; binaries from ${dir})`;
    }
    case 'cpu': {
      const cpu = await import('@tensorflow/tfjs-backend-cpu');
      await activate('cpu');
      // The cpu backend prints a "you are running TensorFlow.js in Node.js" banner on first write;
      // the detail string below already says so.
      const instance = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
      if (instance && typeof instance.firstUse === 'boolean') instance.firstUse = false;
      return `@tensorflow/tfjs-backend-cpu ${cpu.version_cpu} (pure JavaScript)`;
    }
  }
}

async function doInit(preferred: BackendName | undefined): Promise<BackendInfo> {
  const start = preferred === undefined ? 0 : BACKEND_NAMES.indexOf(preferred);
  const skipped: string[] = [];
  for (const name of BACKEND_NAMES.slice(start)) {
    try {
      const info = await tryBackend(name);
      const detail = skipped.length > 0 ? `${info}; skipped: ${skipped.join('; ')}` : info;
      return { backend: name, detail };
    } catch (err) {
      skipped.push(`${name}: ${errorText(err)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be initialised (${skipped.join('; ')})`);
}

/**
 * Selects and activates a TensorFlow.js backend.
 *
 * The chain starts at `preferred` (default: the fastest, `tensorflow-gpu`) and falls through the
 * remaining candidates in order. `ANCHORAGE_TF_BACKEND` (validated; `auto` = no preference) overrides
 * the argument. Idempotent: once a backend is active, later calls return the same result unless they
 * ask for a different starting point, which re-runs the selection. Concurrent calls share one
 * initialisation.
 */
export async function initBackend(preferred?: BackendName): Promise<BackendInfo> {
  if (preferred !== undefined && !isBackendName(preferred)) {
    throw new Error(`unknown backend ${JSON.stringify(preferred)}; use ${BACKEND_NAMES.join(', ')}`);
  }
  const wanted = backendFromEnv() ?? preferred;
  if (selection) {
    const prev = selection;
    const info = await prev.promise.catch(() => undefined);
    const satisfied = wanted === undefined || wanted === prev.wanted || wanted === info?.backend;
    if (info && satisfied && tf.getBackend() === backendTfName(info.backend)) return info;
    // Another call started a new selection while we waited: join it.
    if (selection !== prev) return initBackend(preferred);
  }
  const promise = doInit(wanted).then((info) => {
    // After any native package has loaded (and possibly registered the official gradients).
    ensureGradients();
    current = info;
    return info;
  });
  selection = { wanted, promise };
  return promise;
}

function backendTfName(name: BackendName): string {
  return name === 'tensorflow-gpu' ? 'tensorflow' : name;
}
