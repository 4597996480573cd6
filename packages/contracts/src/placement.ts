// Resource classes and placement. A resource class is one BullMQ queue; the operator configures the
// classes the cluster offers (ANCHORAGE_RESOURCE_CLASSES), a run is placed in the tightest class that
// fits its `resources`, and a worker consumes every class its devices can serve. Pure: no I/O.
import type { Accelerator } from './catalog.js';

export interface ResourceClass {
  /** Queue name suffix and metric label, e.g. `gpu-80g`. */
  name: string;
  /** Device kind of the workers in this class; `any` is served by every worker. */
  accelerator: Accelerator;
  /** Every worker of this class has at least this much device memory (GPU memory; host memory for CPUs). */
  minDeviceMemoryGb: number;
}

export interface RunResources {
  accelerator: Accelerator;
  /** The run needs a device with at least this much memory, in GB. */
  minDeviceMemoryGb?: number;
}

/** What a worker reports about the device it runs on. */
export interface WorkerDevice {
  kind: 'cpu' | 'gpu';
  /** Device memory in GB; 0 when the backend does not report it (such a worker serves only classes without a minimum). */
  memoryGb: number;
}

export const ANY_CLASS: ResourceClass = { name: 'any', accelerator: 'any', minDeviceMemoryGb: 0 };
export const DEFAULT_RESOURCE_CLASSES = 'cpu=cpu,gpu=gpu';

const CLASS_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/**
 * Parses `name=accelerator[:minDeviceMemoryGb]`, comma-separated (e.g. `cpu=cpu,gpu=gpu,gpu-80g=gpu:80`).
 * The `any` class is always added. Throws with every problem listed.
 */
export function parseResourceClasses(text: string): ResourceClass[] {
  const problems: string[] = [];
  const classes: ResourceClass[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = /^([^=]+)=(cpu|gpu|any)(?::(\d+(?:\.\d+)?))?$/.exec(raw);
    if (!match) {
      problems.push(`"${raw}": expected name=cpu|gpu|any[:minDeviceMemoryGb]`);
      continue;
    }
    const [, name, accelerator, memory] = match as unknown as [string, string, Accelerator, string | undefined];
    if (!CLASS_NAME.test(name)) problems.push(`"${name}": class names are lower-case letters, digits and -, at most 40`);
    else if (classes.some((c) => c.name === name)) problems.push(`"${name}": defined twice`);
    else if (name === 'any' && (accelerator !== 'any' || memory)) problems.push('"any": the any class is built in and takes no settings');
    else if (accelerator === 'any' && name !== 'any') problems.push(`"${name}": only the built-in class any has accelerator any`);
    else if (name !== 'any') classes.push({ name, accelerator, minDeviceMemoryGb: memory ? Number(memory) : 0 });
  }
  if (problems.length) throw new Error(problems.join('; '));
  if (!classes.some((c) => c.accelerator !== 'any')) throw new Error('at least one cpu or gpu class is needed');
  return [...classes, ANY_CLASS];
}

export function formatResourceClass(c: ResourceClass): string {
  return c.minDeviceMemoryGb > 0 ? `${c.name} (${c.accelerator}, ≥${c.minDeviceMemoryGb} GB)` : `${c.name} (${c.accelerator})`;
}

export type Placement = { ok: true; resourceClass: ResourceClass } | { ok: false; path: string; message: string };

/**
 * The class a run goes to: `any` without a memory need goes to the shared `any` queue; otherwise the
 * class of the requested accelerator (any device kind for `any`) with the smallest memory floor that
 * still covers the need — big-memory workers are left for the runs that need them.
 */
export function placeRun(resources: RunResources, classes: readonly ResourceClass[]): Placement {
  const need = resources.minDeviceMemoryGb ?? 0;
  if (resources.accelerator === 'any' && need === 0) {
    return { ok: true, resourceClass: classes.find((c) => c.name === 'any') ?? ANY_CLASS };
  }
  const candidates = classes
    .filter((c) => c.accelerator !== 'any')
    .filter((c) => resources.accelerator === 'any' || c.accelerator === resources.accelerator)
    .filter((c) => c.minDeviceMemoryGb >= need);
  if (candidates.length === 0) {
    const offered = classes.filter((c) => c.accelerator !== 'any').map(formatResourceClass).join(', ');
    const wanted = `${resources.accelerator === 'any' ? 'a device' : `a ${resources.accelerator}`}${need > 0 ? ` with at least ${need} GB` : ''}`;
    return {
      ok: false,
      path: need > 0 ? 'resources.minDeviceMemoryGb' : 'resources.accelerator',
      message: `no resource class offers ${wanted}; configured classes: ${offered}`,
    };
  }
  const tightest = candidates.reduce((best, c) => (c.minDeviceMemoryGb < best.minDeviceMemoryGb ? c : best));
  return { ok: true, resourceClass: tightest };
}

/** True when a worker with this device may run jobs of the class. */
export function canServe(device: WorkerDevice, c: ResourceClass): boolean {
  if (c.accelerator === 'any') return true;
  return c.accelerator === device.kind && device.memoryGb >= c.minDeviceMemoryGb;
}

export type ClassAssignment = { ok: true; classes: string[] } | { ok: false; message: string };

/**
 * The classes a worker consumes: all it can serve, or the ones it asked for (`requested`) when it
 * can serve each of them. Asking for a class it cannot serve is an operator error and is refused.
 */
export function assignClasses(device: WorkerDevice, classes: readonly ResourceClass[], requested: readonly string[] = []): ClassAssignment {
  if (requested.length === 0) {
    return { ok: true, classes: classes.filter((c) => canServe(device, c)).map((c) => c.name) };
  }
  const problems: string[] = [];
  for (const name of requested) {
    const c = classes.find((x) => x.name === name);
    if (!c) problems.push(`${name}: no such resource class (configured: ${classes.map((x) => x.name).join(', ')})`);
    else if (!canServe(device, c)) {
      problems.push(`${name}: needs ${c.accelerator}${c.minDeviceMemoryGb ? ` with ≥${c.minDeviceMemoryGb} GB` : ''}; this worker has ${device.kind} with ${device.memoryGb} GB`);
    }
  }
  if (problems.length) return { ok: false, message: `cannot consume the requested resource classes: ${problems.join('; ')}` };
  return { ok: true, classes: [...new Set(requested)] };
}
