// Deployment files under infra/: nothing here builds an image or talks to a cluster (neither Docker
// nor kubectl is assumed), so the test does what those would check first, and what they would not:
// - every YAML file parses; every Kubernetes file is used by a kustomization (or is the Secret example);
// - each kustomization (base and overlays) is built by a small resolver (test/support/kustomize.ts)
//   and every object is validated against the Kubernetes / KEDA schemas (kubernetes-models), with
//   fields the schema does not know reported too;
// - structure that schemas cannot see: probes on the ports the apps listen on, grace periods longer
//   than the worker's 30 s shutdown, GPUs requested where the GPU image runs, PDB and Service
//   selectors that match pods, ScaledObjects on the queue metrics of configured resource classes;
// - compose, the Redis settings and the Dockerfiles (COPY sources exist, tfjs-node-gpu version pin).
// The last block breaks the manifests on purpose and expects each check to notice.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { assignClasses, parseResourceClasses, type ResourceClass } from '../packages/contracts/src/placement.js';
import { buildKustomization, objectId, podSpecOf, readYamlDocuments, splitImage, type K8sObject } from './support/kustomize.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const INFRA = join(ROOT, 'infra');
const K8S = join(INFRA, 'k8s');
const OVERLAYS = ['cpu-only', 'gpu-cluster'];
const SECRET_EXAMPLE = join(K8S, 'base/secret.example.yaml');
const NAMESPACE = 'anchorage';

const read = (path: string) => readFileSync(path, 'utf8');
const rel = (path: string) => relative(ROOT, path);

function walk(dir: string, keep: (path: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path, keep));
    else if (keep(path)) out.push(path);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Schema validation
// ---------------------------------------------------------------------------------------------

interface Validatable {
  prototype: { validate(): void };
}
const MODELS: Record<string, Validatable> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

/**
 * Runs a model's generated validator on a proxy of the object and records which properties the
 * validator reads: a property it never looks at is not in the schema (a typo such as `resource:`
 * or `cooldownPerod:`, which the validator alone accepts).
 */
function validateWithModel(Model: Validatable, object: K8sObject): { error?: string; unknown: string[] } {
  const reads = new Map<object, { path: string; keys: Set<string> }>();
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown, path: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const known = proxies.get(value);
    if (known) return known;
    const keys = new Set<string>();
    reads.set(value, { path, keys });
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver);
        if (typeof key !== 'string') return v;
        keys.add(key);
        return Object.hasOwn(target, key) ? wrap(v, path ? `${path}.${key}` : key) : v;
      },
      has(target, key) {
        if (typeof key === 'string') keys.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        // Maps (labels, data, resources) are iterated: every key counts as known.
        for (const key of Reflect.ownKeys(target)) if (typeof key === 'string') keys.add(key);
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  let error: string | undefined;
  try {
    Model.prototype.validate.call(wrap(structuredClone(object), ''));
  } catch (err) {
    error = (err as Error).message;
  }
  const unknown: string[] = [];
  for (const [value, { path, keys }] of reads) {
    if (Array.isArray(value)) continue;
    for (const key of Object.keys(value)) if (!keys.has(key)) unknown.push(path ? `${path}.${key}` : key);
  }
  return { error, unknown };
}

// No published models for the Prometheus Operator here: check the fields these manifests use.
const MONITOR_FIELDS: Record<string, { list: string; spec: string[]; endpoint: string[] }> = {
  ServiceMonitor: { list: 'endpoints', spec: ['selector', 'endpoints', 'namespaceSelector', 'jobLabel'], endpoint: ['port', 'path', 'interval', 'scrapeTimeout', 'scheme'] },
  PodMonitor: { list: 'podMetricsEndpoints', spec: ['selector', 'podMetricsEndpoints', 'namespaceSelector', 'jobLabel'], endpoint: ['port', 'path', 'interval', 'scrapeTimeout', 'scheme'] },
};

function monitorSchemaProblems(o: K8sObject): string[] {
  const id = objectId(o);
  const shape = MONITOR_FIELDS[o.kind]!;
  const problems: string[] = [];
  if (o.apiVersion !== 'monitoring.coreos.com/v1') problems.push(`${id}: apiVersion must be monitoring.coreos.com/v1`);
  for (const key of Object.keys(o)) if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(key)) problems.push(`${id}: unknown field ${key}`);
  const spec = o['spec'] ?? {};
  for (const key of Object.keys(spec)) if (!shape.spec.includes(key)) problems.push(`${id}: unknown field spec.${key}`);
  if (!spec.selector?.matchLabels || Object.keys(spec.selector.matchLabels).length === 0) problems.push(`${id}: spec.selector.matchLabels is required`);
  const endpoints = spec[shape.list];
  if (!Array.isArray(endpoints) || endpoints.length === 0) problems.push(`${id}: spec.${shape.list} must list at least one endpoint`);
  for (const [i, e] of (Array.isArray(endpoints) ? endpoints : []).entries()) {
    for (const key of Object.keys(e)) if (!shape.endpoint.includes(key)) problems.push(`${id}: unknown field spec.${shape.list}[${i}].${key}`);
    if (typeof e.port !== 'string') problems.push(`${id}: spec.${shape.list}[${i}].port must name a port`);
    if (e.path !== undefined && !String(e.path).startsWith('/')) problems.push(`${id}: spec.${shape.list}[${i}].path must start with /`);
  }
  return problems;
}

function schemaProblems(o: K8sObject): string[] {
  const id = objectId(o);
  if (MONITOR_FIELDS[o.kind]) return monitorSchemaProblems(o);
  const Model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!Model) return [`${id}: no schema known for ${o.apiVersion} ${o.kind} (add its model to the test)`];
  const { error, unknown } = validateWithModel(Model, o);
  return [...(error ? [`${id}: ${error}`] : []), ...unknown.map((path) => `${id}: unknown field ${path}`)];
}

// ---------------------------------------------------------------------------------------------
// Structure of a built cluster
// ---------------------------------------------------------------------------------------------

type Env = Map<string, { value?: string; secret?: { name: string; key: string; optional: boolean }; field?: string }>;

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

const podLabels = (d: K8sObject): Record<string, string> => d['spec']?.template?.metadata?.labels ?? {};
const containersOf = (d: K8sObject): Record<string, any>[] => podSpecOf(d)?.['containers'] ?? [];
const isWorker = (d: K8sObject) => podLabels(d)['app.kubernetes.io/component'] === 'worker';
const isApi = (d: K8sObject) => podLabels(d)['app.kubernetes.io/component'] === 'api';

function containerEnv(container: Record<string, any>, objects: K8sObject[], problems: string[], id: string): Env {
  const env: Env = new Map();
  for (const source of container['envFrom'] ?? []) {
    if (source.configMapRef) {
      const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === source.configMapRef.name);
      if (!cm) problems.push(`${id}: envFrom ConfigMap ${source.configMapRef.name} does not exist`);
      for (const [k, v] of Object.entries(cm?.['data'] ?? {})) env.set(k, { value: String(v) });
    }
    if (source.secretRef) env.set(`<all of Secret ${source.secretRef.name}>`, {});
  }
  for (const e of container['env'] ?? []) {
    if (e.value !== undefined) env.set(e.name, { value: String(e.value) });
    else if (e.valueFrom?.secretKeyRef) env.set(e.name, { secret: { name: e.valueFrom.secretKeyRef.name, key: e.valueFrom.secretKeyRef.key, optional: e.valueFrom.secretKeyRef.optional === true } });
    else if (e.valueFrom?.fieldRef) env.set(e.name, { field: e.valueFrom.fieldRef.fieldPath });
    else if (e.valueFrom?.configMapKeyRef) {
      const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === e.valueFrom.configMapKeyRef.name);
      env.set(e.name, { value: cm?.['data']?.[e.valueFrom.configMapKeyRef.key] });
    }
  }
  return env;
}

/** A probe's or Service's port (number or container port name) as a number. */
function resolvePort(container: Record<string, any>, port: unknown): number | undefined {
  if (typeof port === 'number') return port;
  const named = (container['ports'] ?? []).find((p: any) => p.name === port);
  return named?.containerPort;
}

function probeProblems(id: string, container: Record<string, any>, probe: string, path: string, port: number, required = true): string[] {
  const p = container[probe];
  if (!p) return required ? [`${id}: ${probe} is missing`] : [];
  if (!p.httpGet) return [`${id}: ${probe} must be an httpGet on ${path}`];
  const problems: string[] = [];
  if (p.httpGet.path !== path) problems.push(`${id}: ${probe} path is ${p.httpGet.path}, expected ${path}`);
  const actual = resolvePort(container, p.httpGet.port);
  if (actual !== port) problems.push(`${id}: ${probe} probes port ${String(p.httpGet.port)} (${actual ?? 'no such port'}), but the app listens on ${port}`);
  return problems;
}

/** Classes named in a PromQL query's `class="x"` / `class=~"a|b"` matchers, per metric. */
function queryClasses(query: string, metric: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`${metric}\\s*\\{([^}]*)\\}`, 'g');
  for (const m of query.matchAll(re)) {
    const matcher = /class\s*(=~|=)\s*"([^"]*)"/.exec(m[1]!);
    if (matcher) out.push(...(matcher[1] === '=~' ? matcher[2]!.split('|') : [matcher[2]!]));
  }
  return [...new Set(out)].sort();
}

function parseQuantity(q: unknown): number {
  const s = String(q);
  const m = /^([0-9.]+)(m)?$/.exec(s);
  return m ? Number(m[1]) / (m[2] ? 1000 : 1) : NaN;
}

/** Every ANCHORAGE_* setting some app or package reads (found in their sources), plus the URLs. */
const KNOWN_SETTINGS = (() => {
  const names = new Set(['DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL']);
  for (const top of ['apps', 'packages']) {
    for (const pkg of readdirSync(join(ROOT, top))) {
      const src = join(ROOT, top, pkg, 'src');
      if (!existsSync(src)) continue;
      for (const file of walk(src, (p) => /\.tsx?$/.test(p))) for (const m of read(file).matchAll(/\bANCHORAGE_[A-Z0-9_]+\b/g)) names.add(m[0]);
    }
  }
  return names;
})();

/** Settings that look like Anchorage's but that nothing reads: a misspelt name is silently ignored. */
function settingProblems(where: string, names: Iterable<string>): string[] {
  return [...names].filter((n) => (n.startsWith('ANCHORAGE_') || /^[A-Z_]+_URL$/.test(n)) && !KNOWN_SETTINGS.has(n)).map((n) => `${where}: ${n} is read by no app (misspelt?)`);
}

interface SecretExample {
  name: string;
  keys: Set<string>;
}

function loadSecretExample(): SecretExample {
  const [secret] = readYamlDocuments(SECRET_EXAMPLE) as K8sObject[];
  return { name: secret!.metadata.name, keys: new Set(Object.keys(secret!['stringData'] ?? secret!['data'] ?? {})) };
}

/** Everything wrong with a built set of objects; empty when it is deployable as far as we can tell. */
function clusterProblems(objects: K8sObject[], secret: SecretExample = loadSecretExample()): string[] {
  const problems: string[] = [];
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const deployments = of('Deployment');
  const services = of('Service');
  const pdbs = of('PodDisruptionBudget');
  const scaledObjects = of('ScaledObject');

  for (const cm of of('ConfigMap')) problems.push(...settingProblems(objectId(cm), Object.keys(cm['data'] ?? {})));
  for (const o of objects) {
    if (o.kind !== 'Namespace' && o.metadata.namespace !== NAMESPACE) problems.push(`${objectId(o)}: namespace is ${o.metadata.namespace ?? 'unset'}, expected ${NAMESPACE}`);
  }
  if (!objects.some((o) => o.kind === 'Namespace' && o.metadata.name === NAMESPACE)) problems.push(`Namespace ${NAMESPACE} is missing`);

  // Resource classes: the API's setting, parsed by the API's own parser.
  const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'anchorage-config');
  let classes: ResourceClass[] = [];
  try {
    classes = parseResourceClasses(String(config?.['data']?.ANCHORAGE_RESOURCE_CLASSES ?? ''));
  } catch (err) {
    problems.push(`ConfigMap anchorage-config: ANCHORAGE_RESOURCE_CLASSES: ${(err as Error).message}`);
  }
  const classNames = classes.map((c) => c.name);

  const api = deployments.filter(isApi);
  if (api.length !== 1) problems.push(`expected one API Deployment, found ${api.length}`);
  const apiContainer = api[0] ? containersOf(api[0])[0] : undefined;
  const apiEnv = apiContainer ? containerEnv(apiContainer, objects, problems, objectId(api[0]!)) : new Map() as Env;
  const apiArtifacts = apiContainer?.['volumeMounts']?.find((m: any) => m.mountPath === apiEnv.get('ANCHORAGE_ARTIFACTS_DIR')?.value);
  const apiArtifactsVolume = api[0] && apiArtifacts ? podSpecOf(api[0])!['volumes']?.find((v: any) => v.name === apiArtifacts.name) : undefined;

  const workerClasses = new Map<string, string[]>();
  const workerConcurrency = new Map<string, number>();

  for (const d of deployments) {
    const id = objectId(d);
    const pod = podSpecOf(d)!;
    if (!matches(d['spec']?.selector?.matchLabels, podLabels(d))) problems.push(`${id}: spec.selector does not match its own pod template labels`);
    for (const c of [...(pod['containers'] ?? []), ...(pod['initContainers'] ?? [])]) {
      const { tag, digest } = splitImage(String(c.image));
      if (!digest && (!tag || tag === 'latest')) problems.push(`${id}: image ${c.image} has no fixed tag`);
    }
    for (const v of pod['volumes'] ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (!claim) continue;
      const pvc = objects.find((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === claim);
      if (!pvc) problems.push(`${id}: volume ${v.name} uses PersistentVolumeClaim ${claim}, which does not exist`);
      else if (!pvc['spec']?.accessModes?.includes('ReadWriteMany')) problems.push(`PersistentVolumeClaim ${claim}: must be ReadWriteMany (shared by the API and every worker)`);
    }
    const containers = containersOf(d);
    for (const c of containers) {
      problems.push(...settingProblems(id, (c['env'] ?? []).map((e: any) => e.name)));
      const env = containerEnv(c, objects, problems, id);
      for (const [name, e] of env) {
        if (name.startsWith('<all of Secret')) problems.push(`${id}: envFrom a whole Secret; reference the keys it needs`);
        if (!e.secret) continue;
        if (e.secret.name !== secret.name) problems.push(`${id}: ${name} comes from Secret ${e.secret.name}; the documented Secret is ${secret.name}`);
        else if (!secret.keys.has(e.secret.key)) problems.push(`${id}: ${name} reads key ${e.secret.key}, which secret.example.yaml does not document`);
      }
    }

    const pdbsFor = pdbs.filter((p) => matches(p['spec']?.selector?.matchLabels, podLabels(d)));
    if (pdbsFor.length !== 1) problems.push(`${id}: covered by ${pdbsFor.length} PodDisruptionBudgets, expected exactly 1`);
    const minAvailable = pdbsFor[0]?.['spec']?.minAvailable;
    if (typeof minAvailable === 'number' && typeof d['spec']?.replicas === 'number' && minAvailable >= d['spec'].replicas) {
      problems.push(`${id}: PDB minAvailable ${minAvailable} with ${d['spec'].replicas} replicas blocks every eviction (node drains hang)`);
    }

    if (isApi(d)) {
      const c = containers[0]!;
      const port = Number(apiEnv.get('ANCHORAGE_PORT')?.value ?? 8080);
      const grpcPort = Number(apiEnv.get('ANCHORAGE_GRPC_PORT')?.value ?? 50051);
      for (const host of ['ANCHORAGE_HOST', 'ANCHORAGE_GRPC_HOST']) {
        if (apiEnv.get(host)?.value !== '0.0.0.0') problems.push(`${id}: ${host} must be 0.0.0.0 in a container (default 127.0.0.1 is unreachable)`);
      }
      for (const p of [port, grpcPort]) if (!(c['ports'] ?? []).some((x: any) => x.containerPort === p)) problems.push(`${id}: no container port ${p}`);
      problems.push(...probeProblems(id, c, 'readinessProbe', '/readyz', port));
      problems.push(...probeProblems(id, c, 'livenessProbe', '/healthz', port));
      problems.push(...probeProblems(id, c, 'startupProbe', '/healthz', port));
      for (const key of ['DATABASE_URL', 'REDIS_URL']) if (!apiEnv.get(key)?.secret) problems.push(`${id}: ${key} must come from the Secret`);
      if ((d['spec']?.replicas ?? 1) < 2) problems.push(`${id}: run at least 2 replicas`);
      continue;
    }
    if (!isWorker(d)) {
      problems.push(`${id}: neither api nor worker (app.kubernetes.io/component)`);
      continue;
    }

    // Workers.
    if (containers.length !== 1) {
      problems.push(`${id}: a worker pod runs exactly one container`);
      continue;
    }
    const c = containers[0]!;
    const env = containerEnv(c, objects, problems, id);
    const value = (key: string) => env.get(key)?.value;
    const grace = pod['terminationGracePeriodSeconds'];
    if (typeof grace !== 'number' || grace <= 30) problems.push(`${id}: terminationGracePeriodSeconds ${grace ?? 'unset (30)'} must exceed the worker's 30 s shutdown`);
    const healthPort = Number(value('ANCHORAGE_WORKER_HEALTH_PORT'));
    if (!healthPort) problems.push(`${id}: ANCHORAGE_WORKER_HEALTH_PORT is unset (no health endpoint to probe)`);
    else {
      if (!(c['ports'] ?? []).some((p: any) => p.containerPort === healthPort)) problems.push(`${id}: no container port ${healthPort} (health)`);
      problems.push(...probeProblems(id, c, 'livenessProbe', '/healthz', healthPort));
      problems.push(...probeProblems(id, c, 'readinessProbe', '/healthz', healthPort));
      problems.push(...probeProblems(id, c, 'startupProbe', '/healthz', healthPort, false));
    }
    if (env.has('DATABASE_URL')) problems.push(`${id}: workers never hold database credentials (DATABASE_URL)`);
    if (!env.get('REDIS_URL')?.secret) problems.push(`${id}: REDIS_URL must come from the Secret`);

    const coordinator = value('ANCHORAGE_COORDINATOR') ?? '';
    const [host, portText] = coordinator.split(':');
    const svc = services.find((s) => s.metadata.name === host);
    const svcPort = svc?.['spec']?.ports?.find((p: any) => p.port === Number(portText));
    const grpcPort = Number(apiEnv.get('ANCHORAGE_GRPC_PORT')?.value ?? 50051);
    if (!svc || !svcPort) problems.push(`${id}: ANCHORAGE_COORDINATOR=${coordinator} is not a Service port`);
    else if (!apiContainer || resolvePort(apiContainer, svcPort.targetPort ?? svcPort.port) !== grpcPort || !matches(svc['spec']?.selector, podLabels(api[0]!))) {
      problems.push(`${id}: ANCHORAGE_COORDINATOR=${coordinator} does not reach the API's gRPC port ${grpcPort}`);
    }

    const artifactsDir = value('ANCHORAGE_ARTIFACTS_DIR');
    const mount = (c['volumeMounts'] ?? []).find((m: any) => m.mountPath === artifactsDir);
    const volume = mount ? pod['volumes']?.find((v: any) => v.name === mount.name) : undefined;
    if (!artifactsDir || !volume?.persistentVolumeClaim) problems.push(`${id}: ANCHORAGE_ARTIFACTS_DIR (${artifactsDir ?? 'unset'}) must be a mounted PersistentVolumeClaim`);
    else if (volume.persistentVolumeClaim.claimName !== apiArtifactsVolume?.persistentVolumeClaim?.claimName) {
      problems.push(`${id}: artifacts volume ${volume.persistentVolumeClaim.claimName} is not the one the API mounts (checkpoints must be shared)`);
    }

    const concurrency = Number(value('ANCHORAGE_WORKER_CONCURRENCY') ?? 1);
    workerConcurrency.set(d.metadata.name, concurrency);
    const device = value('ANCHORAGE_WORKER_DEVICE');
    const backend = value('ANCHORAGE_TF_BACKEND');
    const image = splitImage(String(c['image'])).name;
    const gpus = Number(c['resources']?.limits?.['nvidia.com/gpu'] ?? 0);
    if (device === 'gpu') {
      if (gpus < 1) problems.push(`${id}: a GPU worker must limit nvidia.com/gpu (>= 1)`);
      if (!pod['nodeSelector'] || Object.keys(pod['nodeSelector']).length === 0) problems.push(`${id}: a GPU worker needs a nodeSelector for GPU nodes`);
      if (!(pod['tolerations'] ?? []).some((t: any) => t.key === 'nvidia.com/gpu')) problems.push(`${id}: a GPU worker needs a toleration for nvidia.com/gpu`);
      if (!image.endsWith('worker-gpu')) problems.push(`${id}: a GPU worker runs the worker-gpu image, not ${image}`);
      if (backend !== 'tensorflow-gpu') problems.push(`${id}: a GPU worker uses ANCHORAGE_TF_BACKEND=tensorflow-gpu, not ${backend}`);
    } else if (device === 'cpu') {
      if (gpus > 0) problems.push(`${id}: a CPU worker requests a GPU`);
      if (!image.endsWith('worker-cpu')) problems.push(`${id}: a CPU worker runs the worker-cpu image, not ${image}`);
      if (backend !== 'wasm') problems.push(`${id}: a CPU worker uses the wasm backend, not ${backend}`);
      if (concurrency !== 1) problems.push(`${id}: wasm is single-threaded: ANCHORAGE_WORKER_CONCURRENCY must be 1`);
      if (!(parseQuantity(c['resources']?.requests?.cpu) >= 1)) problems.push(`${id}: request a whole core (resources.requests.cpu >= 1)`);
    } else {
      problems.push(`${id}: ANCHORAGE_WORKER_DEVICE must be cpu or gpu, not ${device ?? 'unset'}`);
    }

    const requested = (value('ANCHORAGE_WORKER_CLASSES') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (requested.length === 0) problems.push(`${id}: set ANCHORAGE_WORKER_CLASSES, so its ScaledObject counts exactly what it consumes`);
    else if (classes.length > 0 && (device === 'cpu' || device === 'gpu')) {
      // Memory the worker will report: the override when set; a GPU's is measured by nvidia-smi at
      // start (the coordinator checks it then), so only the device kind can be checked here.
      const override = value('ANCHORAGE_WORKER_DEVICE_MEMORY_GB');
      const memoryGb = override !== undefined ? Number(override) : device === 'gpu' ? Number.POSITIVE_INFINITY : 0;
      const assigned = assignClasses({ kind: device, memoryGb }, classes, requested);
      if (!assigned.ok) problems.push(`${id}: ${assigned.message}`);
    }
    workerClasses.set(d.metadata.name, requested);

    const autoscaled = scaledObjects.some((s) => s['spec']?.scaleTargetRef?.name === d.metadata.name);
    if (autoscaled && d['spec']?.replicas !== undefined) problems.push(`${id}: KEDA owns replicas; leave spec.replicas out so re-applying does not reset it`);
  }

  for (const p of pdbs) {
    if (!deployments.some((d) => matches(p['spec']?.selector?.matchLabels, podLabels(d)))) problems.push(`${objectId(p)}: selects no Deployment's pods`);
  }

  for (const s of services) {
    const id = objectId(s);
    const selected = deployments.filter((d) => matches(s['spec']?.selector, podLabels(d)));
    if (selected.length === 0) {
      problems.push(`${id}: selector selects no pods`);
      continue;
    }
    for (const port of s['spec']?.ports ?? []) {
      for (const d of selected) {
        if (!containersOf(d).some((c) => resolvePort(c, port.targetPort ?? port.port) !== undefined && (c['ports'] ?? []).some((x: any) => x.containerPort === resolvePort(c, port.targetPort ?? port.port)))) {
          problems.push(`${id}: port ${port.name ?? port.port} targets ${String(port.targetPort ?? port.port)}, which ${objectId(d)} does not expose`);
        }
      }
    }
  }

  for (const m of of('ServiceMonitor')) {
    const svc = services.find((s) => matches(m['spec']?.selector?.matchLabels, s.metadata.labels));
    if (!svc) problems.push(`${objectId(m)}: selects no Service`);
    for (const e of m['spec']?.endpoints ?? []) {
      if (svc && !(svc['spec']?.ports ?? []).some((p: any) => p.name === e.port)) problems.push(`${objectId(m)}: Service ${svc.metadata.name} has no port named ${e.port}`);
    }
  }
  for (const m of of('PodMonitor')) {
    const selected = deployments.filter((d) => matches(m['spec']?.selector?.matchLabels, podLabels(d)));
    if (selected.length === 0) problems.push(`${objectId(m)}: selects no pods`);
    for (const e of m['spec']?.podMetricsEndpoints ?? []) {
      for (const d of selected) if (!containersOf(d).some((c) => (c['ports'] ?? []).some((p: any) => p.name === e.port))) problems.push(`${objectId(m)}: ${objectId(d)} has no port named ${e.port}`);
    }
  }

  const countedBy = new Map<string, string[]>();
  for (const so of scaledObjects) {
    const id = objectId(so);
    const spec = so['spec'] ?? {};
    const targetName = spec.scaleTargetRef?.name;
    const target = deployments.find((d) => d.metadata.name === targetName);
    if ((spec.scaleTargetRef?.kind ?? 'Deployment') !== 'Deployment' || !target) {
      problems.push(`${id}: scaleTargetRef ${targetName} is no Deployment here`);
      continue;
    }
    if (!isWorker(target)) problems.push(`${id}: scales ${targetName}, which is not a worker`);
    if (spec.minReplicaCount !== 0) problems.push(`${id}: minReplicaCount must be 0 (scale to zero)`);
    if (!(spec.maxReplicaCount >= 1)) problems.push(`${id}: maxReplicaCount must be set (>= 1)`);
    if (typeof spec.cooldownPeriod !== 'number') problems.push(`${id}: set cooldownPeriod (how long an idle pool waits before scaling to zero)`);
    const triggers: any[] = spec.triggers ?? [];
    if (triggers.length === 0) problems.push(`${id}: no triggers`);
    for (const [i, t] of triggers.entries()) {
      const where = `${id} trigger ${t.name ?? i}`;
      if (t.type !== 'prometheus') {
        problems.push(`${where}: type ${t.type}; scale on the API's queue metrics through the prometheus trigger (a Redis list length misses prioritized and delayed jobs)`);
        continue;
      }
      const md = t.metadata ?? {};
      if (!/^https?:\/\/\S+$/.test(md.serverAddress ?? '')) problems.push(`${where}: serverAddress must be the Prometheus URL`);
      for (const key of ['threshold', 'activationThreshold']) if (!/^\d+(\.\d+)?$/.test(md[key] ?? '')) problems.push(`${where}: ${key} must be a number (as a string)`);
      if (Number(md.threshold) !== workerConcurrency.get(targetName)) problems.push(`${where}: threshold ${md.threshold} should equal the pool's concurrency ${workerConcurrency.get(targetName)} (one pod per ${workerConcurrency.get(targetName)} jobs)`);
      const query = String(md.query ?? '');
      for (const metric of ['anchorage_queue_depth', 'anchorage_queue_active']) {
        if (!query.includes(metric)) problems.push(`${where}: query must use ${metric}`);
        if (new RegExp(`sum\\s*(by\\s*\\([^)]*\\)\\s*)?\\(\\s*${metric}`).test(query)) problems.push(`${where}: query sums ${metric} over API replicas; take max() (every replica reports the same value)`);
        else if (query.includes(metric) && !new RegExp(`max\\s*(by\\s*\\([^)]*\\)\\s*)?\\(\\s*${metric}`).test(query)) problems.push(`${where}: take max() of ${metric} across API replicas`);
      }
      const depth = queryClasses(query, 'anchorage_queue_depth');
      const active = queryClasses(query, 'anchorage_queue_active');
      if (depth.length === 0) problems.push(`${where}: query must select a class label on anchorage_queue_depth`);
      if (depth.join() !== active.join()) problems.push(`${where}: backlog classes (${depth}) and active classes (${active}) differ`);
      for (const cls of depth) {
        if (classNames.length > 0 && !classNames.includes(cls)) problems.push(`${where}: class ${cls} is not in ANCHORAGE_RESOURCE_CLASSES (${classNames})`);
        if (!(workerClasses.get(targetName) ?? []).includes(cls)) problems.push(`${where}: counts class ${cls}, which ${targetName} does not consume`);
        countedBy.set(cls, [...(countedBy.get(cls) ?? []), so.metadata.name]);
      }
    }
  }
  for (const cls of classNames) {
    const consumers = [...workerClasses].filter(([, list]) => list.includes(cls)).map(([name]) => name);
    if (consumers.length === 0) problems.push(`class ${cls}: no worker Deployment consumes it (its runs would wait forever)`);
    const counters = countedBy.get(cls) ?? [];
    if (counters.length !== 1) problems.push(`class ${cls}: counted by ${counters.length} ScaledObjects (${counters}), expected exactly 1`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Dockerfiles, compose, Redis
// ---------------------------------------------------------------------------------------------

interface Instruction {
  cmd: string;
  args: string;
  line: number;
}

function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buffer = '';
  let start = 0;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    // Comment lines are dropped, also inside a continued instruction (as Docker does).
    if (line.startsWith('#') || (buffer === '' && line === '')) continue;
    if (buffer === '') start = i + 1;
    if (line.endsWith('\\')) {
      buffer += `${line.slice(0, -1)} `;
      continue;
    }
    buffer += line;
    const m = /^(\S+)\s*([\s\S]*)$/.exec(buffer)!;
    out.push({ cmd: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
    buffer = '';
  }
  return out;
}

function dockerignorePatterns(): RegExp[] {
  return read(join(ROOT, '.dockerignore'))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((pattern) => {
      if (pattern.startsWith('!')) throw new Error('.dockerignore: exceptions (!) are not handled by this test');
      const body = pattern
        .replace(/^\/+|\/+$/g, '')
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) => ({ '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' })[part] ?? part.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
        .join('');
      return new RegExp(`^${body}$`);
    });
}

/** True when `.dockerignore` keeps `path` (or a folder above it) out of the build context. */
function ignoredByDocker(path: string, patterns: RegExp[]): boolean {
  const parts = path.replace(/\/+$/, '').split('/');
  return parts.some((_, i) => patterns.some((re) => re.test(parts.slice(0, i + 1).join('/'))));
}

const tfjsVersion = (): string => {
  const ml = JSON.parse(read(join(ROOT, 'packages/ml/package.json')));
  return ml.dependencies['@tensorflow/tfjs'] ?? ml.dependencies['@tensorflow/tfjs-core'];
};

function dockerfileProblems(name: string, text: string): string[] {
  const problems: string[] = [];
  const ins = parseDockerfile(text);
  const ignore = dockerignorePatterns();
  const globalArgs = new Map<string, string>();
  for (const i of ins) {
    if (i.cmd === 'FROM') break;
    if (i.cmd === 'ARG') {
      const [k, v] = i.args.split('=');
      globalArgs.set(k!.trim(), (v ?? '').trim());
    }
  }
  const expand = (s: string) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs.get(a ?? b) ?? '');

  // Stages: name, base image (expanded) and their instructions.
  const stages: { name?: string; base: string; ins: Instruction[] }[] = [];
  for (const i of ins) {
    if (i.cmd === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(i.args.replace(/--platform=\S+\s+/, ''));
      stages.push({ base: expand(m?.[1] ?? ''), name: m?.[2]?.toLowerCase(), ins: [] });
    } else {
      stages.at(-1)?.ins.push(i);
    }
  }
  if (stages.length < 2) problems.push(`${name}: must be multi-stage (build, then a runtime without the toolchain)`);
  const all = stages.flatMap((s) => s.ins);
  if (!all.some((i) => i.cmd === 'RUN' && /\bnpm ci\b/.test(i.args))) problems.push(`${name}: must install with npm ci`);
  if (!all.some((i) => i.cmd === 'RUN' && /\bnpm run build\b/.test(i.args))) problems.push(`${name}: must build with npm run build`);

  for (const [n, stage] of stages.entries()) {
    for (const i of stage.ins.filter((x) => x.cmd === 'COPY' || x.cmd === 'ADD')) {
      const tokens = i.args.startsWith('[') ? (JSON.parse(i.args) as string[]) : i.args.split(/\s+/);
      const flags = tokens.filter((t) => t.startsWith('--'));
      const paths = tokens.filter((t) => !t.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length).toLowerCase();
      if (from) {
        if (!stages.slice(0, n).some((s) => s.name === from)) problems.push(`${name}:${i.line}: COPY --from=${from} names no earlier stage`);
        continue;
      }
      for (const source of paths.slice(0, -1)) {
        if (/[*?[]/.test(source)) problems.push(`${name}:${i.line}: ${source}: use literal paths (the test checks each exists)`);
        else if (!existsSync(join(ROOT, source))) problems.push(`${name}:${i.line}: COPY source ${source} does not exist in the repository`);
        else if (source !== '.' && ignoredByDocker(source, ignore)) problems.push(`${name}:${i.line}: COPY source ${source} is excluded by .dockerignore`);
      }
    }
  }

  const final = stages.at(-1);
  if (!final) return problems;
  const last = (cmd: string) => final.ins.filter((i) => i.cmd === cmd).at(-1);
  const user = last('USER')?.args;
  if (!user || /^(root|0)(:|$)/.test(user)) problems.push(`${name}: the runtime stage must switch to a non-root USER`);
  const health = last('HEALTHCHECK')?.args;
  if (!health || /^NONE$/i.test(health)) problems.push(`${name}: the runtime stage needs a HEALTHCHECK`);
  if (last('STOPSIGNAL')?.args !== 'SIGTERM') problems.push(`${name}: STOPSIGNAL SIGTERM (the apps drain on SIGTERM)`);
  const cmd = last('CMD')?.args ?? '';
  const entry = /apps\/(\w+)\/dist\/([\w-]+)\.js/.exec(cmd);
  if (!entry) problems.push(`${name}: CMD must start an app's dist entry point`);
  else if (!existsSync(join(ROOT, `apps/${entry[1]}/src/${entry[2]}.ts`))) problems.push(`${name}: CMD runs ${entry[0]}, but apps/${entry[1]}/src/${entry[2]}.ts does not exist`);

  const env = new Map<string, string>();
  for (const i of final.ins.filter((x) => x.cmd === 'ENV')) {
    for (const pair of i.args.split(/\s+/)) {
      const [k, ...v] = pair.split('=');
      if (k) env.set(k, v.join('='));
    }
  }
  problems.push(...settingProblems(name, env.keys()));
  const exposed = final.ins.filter((i) => i.cmd === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
  // The base image of the runtime, following stage names.
  let base = final.base;
  for (let guard = 0; guard < 10; guard++) {
    const stage = stages.find((s) => s.name === base.toLowerCase());
    if (!stage) break;
    base = stage.base;
  }
  if (name.startsWith('worker')) {
    if (env.get('ANCHORAGE_WORKER_HEALTH_PORT') !== '9464' || !exposed.includes('9464')) problems.push(`${name}: set and expose ANCHORAGE_WORKER_HEALTH_PORT=9464`);
    if (!/apps\/worker\/dist\//.test(cmd)) problems.push(`${name}: CMD must start the worker`);
  } else if (!['8080', '50051'].every((p) => exposed.includes(p))) {
    problems.push(`${name}: expose 8080 and 50051`);
  }
  if (name === 'worker-cpu.Dockerfile' && env.get('ANCHORAGE_TF_BACKEND') !== 'wasm') problems.push(`${name}: ANCHORAGE_TF_BACKEND=wasm`);
  if (name === 'worker-gpu.Dockerfile') {
    const version = tfjsVersion();
    if (globalArgs.get('TFJS_VERSION') !== version) problems.push(`${name}: TFJS_VERSION is ${globalArgs.get('TFJS_VERSION')}, but packages/ml pins TensorFlow.js ${version}`);
    if (!all.some((i) => i.cmd === 'RUN' && i.args.includes('@tensorflow/tfjs-node-gpu@${TFJS_VERSION}'))) problems.push(`${name}: must install @tensorflow/tfjs-node-gpu@\${TFJS_VERSION}`);
    // tfjs-node-gpu 4.x loads libtensorflow 2.9.1: CUDA 11 (>= 11.2) and cuDNN 8.
    if (!/^nvidia\/cuda:11\.([2-9]|\d{2})[\d.]*-cudnn8-runtime-/.test(base)) problems.push(`${name}: runtime base ${base} must be an nvidia/cuda 11.x (>= 11.2) cudnn8 runtime image`);
    if (env.get('ANCHORAGE_TF_BACKEND') !== 'tensorflow-gpu') problems.push(`${name}: ANCHORAGE_TF_BACKEND=tensorflow-gpu`);
  }
  return problems;
}

function seconds(duration: unknown): number {
  let total = 0;
  for (const [, n, unit] of String(duration).matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(n) * ({ ms: 0.001, s: 1, m: 60, h: 3600 } as Record<string, number>)[unit!]!;
  return total;
}

function redisConfProblems(text: string): string[] {
  const directives = new Map<string, string>();
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (!l || l.startsWith('#')) continue;
    const [key, ...rest] = l.split(/\s+/);
    directives.set(key!.toLowerCase(), rest.join(' '));
  }
  const problems: string[] = [];
  if (directives.get('maxmemory-policy') !== 'noeviction') problems.push('redis.conf: maxmemory-policy must be noeviction (the API refuses anything else)');
  if (directives.get('appendonly') !== 'yes') problems.push('redis.conf: appendonly yes (AOF persistence)');
  if (directives.get('appendfsync') !== 'everysec') problems.push('redis.conf: appendfsync everysec');
  return problems;
}

function composeProblems(compose: any, composeDir: string): string[] {
  const problems: string[] = [];
  const services = compose.services ?? {};
  for (const name of ['redis', 'postgres', 'api', 'worker-cpu', 'worker-gpu']) if (!services[name]) problems.push(`compose: service ${name} is missing`);
  const env = (name: string): Record<string, string> => {
    const e = services[name]?.environment ?? {};
    return Array.isArray(e) ? Object.fromEntries(e.map((s: string) => s.split(/=(.*)/s).slice(0, 2))) : e;
  };
  const mounts = (name: string): { source: string; target: string }[] =>
    (services[name]?.volumes ?? []).map((v: any) => {
      if (typeof v !== 'string') return { source: v.source, target: v.target };
      const [source, target] = v.split(':');
      return { source, target };
    });

  for (const [name, s] of Object.entries<any>(services)) {
    if (!s.healthcheck?.test) problems.push(`compose: ${name} has no healthcheck`);
    if (s.build) problems.push(...settingProblems(`compose: ${name}`, Object.keys(env(name))));
    if (s.build) {
      const context = resolve(composeDir, s.build.context ?? '.');
      if (context !== ROOT) problems.push(`compose: ${name} builds from ${rel(context) || '.'}; the Dockerfiles expect the repository root`);
      if (!existsSync(join(context, s.build.dockerfile ?? 'Dockerfile'))) problems.push(`compose: ${name}: ${s.build.dockerfile} does not exist`);
    }
    for (const m of mounts(name)) {
      if (m.source.startsWith('.') && !existsSync(resolve(composeDir, m.source))) problems.push(`compose: ${name} mounts ${m.source}, which does not exist`);
      if (!m.source.startsWith('.') && !m.source.startsWith('/') && !(m.source in (compose.volumes ?? {}))) problems.push(`compose: ${name} uses volume ${m.source}, which is not declared`);
    }
  }

  const redisConf = mounts('redis').find((m) => m.target === (services.redis?.command ?? [])[1]);
  if (!redisConf) problems.push('compose: redis must start with the mounted infra/redis/redis.conf');
  else if (existsSync(resolve(composeDir, redisConf.source))) problems.push(...redisConfProblems(read(resolve(composeDir, redisConf.source))));
  if (!String(services.postgres?.image).startsWith('postgres:16')) problems.push('compose: postgres must be Postgres 16');
  if (!mounts('postgres').some((m) => m.target === '/var/lib/postgresql/data')) problems.push('compose: postgres needs a data volume');

  const apiEnv = env('api');
  for (const dep of ['redis', 'postgres']) if (services.api?.depends_on?.[dep]?.condition !== 'service_healthy') problems.push(`compose: api must wait for ${dep} to be healthy`);
  for (const p of ['8080', '50051']) if (!(services.api?.ports ?? []).some((x: any) => String(x).endsWith(`:${p}`))) problems.push(`compose: api must publish ${p}`);
  for (const host of ['ANCHORAGE_HOST', 'ANCHORAGE_GRPC_HOST']) if (apiEnv[host] !== '0.0.0.0') problems.push(`compose: api ${host} must be 0.0.0.0`);
  if (!/^postgres(ql)?:\/\//.test(apiEnv.DATABASE_URL ?? '')) problems.push('compose: api needs DATABASE_URL (Postgres)');
  const apiArtifacts = mounts('api').find((m) => m.target === apiEnv.ANCHORAGE_ARTIFACTS_DIR);
  if (!apiArtifacts) problems.push('compose: api must mount the artifacts volume at ANCHORAGE_ARTIFACTS_DIR');

  for (const name of ['worker-cpu', 'worker-gpu']) {
    const s = services[name];
    if (!s) continue;
    const e = env(name);
    if (s.container_name || s.ports) problems.push(`compose: ${name} must not set container_name or ports (they break --scale)`);
    if (services[name]?.depends_on?.api?.condition !== 'service_healthy') problems.push(`compose: ${name} must wait for a healthy api`);
    if (!(seconds(s.stop_grace_period) > 30)) problems.push(`compose: ${name} stop_grace_period must exceed the worker's 30 s shutdown`);
    if (e.DATABASE_URL) problems.push(`compose: ${name} must not get DATABASE_URL`);
    if (e.ANCHORAGE_COORDINATOR !== `api:${apiEnv.ANCHORAGE_GRPC_PORT ?? 50051}`) problems.push(`compose: ${name} ANCHORAGE_COORDINATOR must be api:${apiEnv.ANCHORAGE_GRPC_PORT ?? 50051}`);
    const artifacts = mounts(name).find((m) => m.target === e.ANCHORAGE_ARTIFACTS_DIR);
    if (!artifacts || artifacts.source !== apiArtifacts?.source) problems.push(`compose: ${name} must mount the API's artifacts volume at ANCHORAGE_ARTIFACTS_DIR`);
    if (!String(s.healthcheck?.test ?? '').includes(`:${e.ANCHORAGE_WORKER_HEALTH_PORT}/healthz`)) problems.push(`compose: ${name} healthcheck must hit ANCHORAGE_WORKER_HEALTH_PORT /healthz`);
  }
  const gpu = services['worker-gpu'];
  if (gpu) {
    if (!(gpu.profiles ?? []).includes('gpu')) problems.push('compose: worker-gpu belongs under the gpu profile');
    const devices = gpu.deploy?.resources?.reservations?.devices ?? [];
    if (!devices.some((d: any) => d.driver === 'nvidia' && (d.capabilities ?? []).includes('gpu'))) problems.push('compose: worker-gpu must reserve nvidia devices with the gpu capability');
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

const builds = new Map<string, { objects: K8sObject[]; files: Set<string> }>();
const build = (dir: string) => {
  if (!builds.has(dir)) builds.set(dir, buildKustomization(join(K8S, dir)));
  return structuredClone(builds.get(dir)!);
};

describe('infra: YAML files', () => {
  const yamlFiles = walk(INFRA, (p) => /\.ya?ml$/.test(p));

  it('finds the deployment files', () => {
    expect(yamlFiles.map(rel)).toEqual(expect.arrayContaining(['infra/compose/compose.yaml', 'infra/k8s/base/kustomization.yaml', ...OVERLAYS.map((o) => `infra/k8s/overlays/${o}/kustomization.yaml`)]));
  });

  it.each(yamlFiles.map(rel))('%s parses (no syntax errors, no duplicate keys)', (file) => {
    expect(() => readYamlDocuments(join(ROOT, file))).not.toThrow();
  });

  it('every Kubernetes file is used by a kustomization (except the Secret example)', () => {
    const used = new Set<string>();
    for (const dir of ['base', ...OVERLAYS.map((o) => `overlays/${o}`)]) for (const f of build(dir).files) used.add(f);
    const unused = walk(K8S, (p) => /\.ya?ml$/.test(p)).filter((p) => !used.has(p) && p !== SECRET_EXAMPLE);
    expect(unused.map(rel)).toEqual([]);
  });

  it('the Secret example is valid, marked as placeholders and not deployed', () => {
    const [secret] = readYamlDocuments(SECRET_EXAMPLE) as K8sObject[];
    expect(schemaProblems(secret!)).toEqual([]);
    expect(Object.keys(secret!['stringData'])).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL']));
    for (const value of Object.values<string>(secret!['stringData'])) expect(value).toContain('CHANGE-ME');
    expect(read(SECRET_EXAMPLE)).toMatch(/PLACEHOLDER/);
  });
});

describe.each(['base', ...OVERLAYS.map((o) => `overlays/${o}`)])('infra/k8s/%s', (dir) => {
  it('builds, and every object passes its schema (no unknown fields)', () => {
    const { objects } = build(dir);
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.flatMap(schemaProblems)).toEqual([]);
  });

  it('is structurally deployable (probes, grace periods, GPUs, PDBs, Services, ScaledObjects)', () => {
    expect(clusterProblems(build(dir).objects)).toEqual([]);
  });
});

describe('infra/k8s overlays', () => {
  const classesOf = (objects: K8sObject[]) =>
    parseResourceClasses(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'anchorage-config')!['data'].ANCHORAGE_RESOURCE_CLASSES);

  it('cpu-only has no GPU workers and no gpu class', () => {
    const { objects } = build('overlays/cpu-only');
    const gpu = objects.filter((o) => o.kind === 'Deployment' && containersOf(o).some((c) => c['resources']?.limits?.['nvidia.com/gpu']));
    expect(gpu.map(objectId)).toEqual([]);
    expect(classesOf(objects).map((c) => c.name)).toEqual(['cpu', 'any']);
    expect(objects.filter((o) => o.kind === 'ScaledObject').map((o) => o.metadata.name)).toEqual(['worker-cpu']);
  });

  it('gpu-cluster adds a gpu-80g pool pinned to 80 GB GPU products', () => {
    const { objects } = build('overlays/gpu-cluster');
    expect(classesOf(objects)).toContainEqual({ name: 'gpu-80g', accelerator: 'gpu', minDeviceMemoryGb: 80 });
    const pool = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'worker-gpu-80g')!;
    const pod = podSpecOf(pool)!;
    const required = pod['affinity']?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    const onProduct = 'nvidia.com/gpu.product' in (pod['nodeSelector'] ?? {}) || required.every((t: any) => t.matchExpressions?.some((e: any) => e.key === 'nvidia.com/gpu.product' && e.operator === 'In'));
    expect(required.length > 0 || 'nvidia.com/gpu.product' in (pod['nodeSelector'] ?? {})).toBe(true);
    expect(onProduct).toBe(true);
    expect(objects.find((o) => o.kind === 'ScaledObject' && o.metadata.name === 'worker-gpu-80g')).toBeDefined();
    for (const d of objects.filter((o) => o.kind === 'Deployment')) for (const c of containersOf(d)) expect(c['image']).toMatch(/^registry\.example\.com\/anchorage\/[\w-]+:\d/);
  });
});

describe('infra/compose and Redis settings', () => {
  const composeFile = join(INFRA, 'compose/compose.yaml');

  it('compose: healthchecks, dependencies, scalable workers, shared artifacts, GPU profile', () => {
    const [compose] = readYamlDocuments(composeFile);
    expect(composeProblems(compose, dirname(composeFile))).toEqual([]);
  });

  it('redis.conf: noeviction and AOF', () => {
    expect(redisConfProblems(read(join(INFRA, 'redis/redis.conf')))).toEqual([]);
  });
});

describe('infra/docker', () => {
  const dockerfiles = readdirSync(join(INFRA, 'docker')).filter((f) => f.endsWith('.Dockerfile')).sort();

  it('has the three images', () => {
    expect(dockerfiles).toEqual(['api.Dockerfile', 'worker-cpu.Dockerfile', 'worker-gpu.Dockerfile']);
  });

  it.each(dockerfiles)('%s: sources exist, non-root, health check, SIGTERM, right entry point', (name) => {
    expect(dockerfileProblems(name, read(join(INFRA, 'docker', name)))).toEqual([]);
  });

  it('.dockerignore keeps local installs and build outputs out of the context', () => {
    const patterns = dockerignorePatterns();
    for (const path of ['node_modules', 'packages/db/node_modules', 'apps/api/dist', '.anchorage', 'test-results', '.git']) expect(ignoredByDocker(path, patterns), path).toBe(true);
    for (const path of ['package.json', 'apps/api/src/main.ts', 'prisma/migrations', 'proto', 'infra/docker/healthcheck.mjs']) expect(ignoredByDocker(path, patterns), path).toBe(false);
  });

  it('the api and worker-cpu images share their build stages (BuildKit builds them once)', () => {
    const shared = (name: string) => {
      const text = read(join(INFRA, 'docker', name));
      return text.slice(text.indexOf('ARG NODE_IMAGE'), text.indexOf('# ---- runtime'));
    };
    expect(shared('worker-cpu.Dockerfile')).toBe(shared('api.Dockerfile'));
  });
});

describe('infra checks catch broken files', () => {
  const find = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
  const worker = (objects: K8sObject[], name: string) => containersOf(find(objects, 'Deployment', name))[0]!;
  const setEnv = (c: Record<string, any>, name: string, value: string | undefined) => {
    c['env'] = (c['env'] ?? []).filter((e: any) => e.name !== name);
    if (value !== undefined) c['env'].push({ name, value });
  };
  const query = (objects: K8sObject[], name: string) => find(objects, 'ScaledObject', name)['spec'].triggers[0].metadata;

  const cases: [string, (o: K8sObject[]) => void, RegExp][] = [
    ['a short grace period', (o) => (podSpecOf(find(o, 'Deployment', 'worker-gpu'))!['terminationGracePeriodSeconds'] = 20), /worker-gpu: terminationGracePeriodSeconds 20/],
    ['a probe on the wrong port', (o) => (worker(o, 'worker-cpu')['readinessProbe'].httpGet.port = 8080), /worker-cpu: readinessProbe probes port 8080/],
    ['a misspelt field', (o) => (worker(o, 'worker-cpu')['resource'] = {}), /unknown field spec\.template\.spec\.containers\.0\.resource/],
    ['a wrong type', (o) => (worker(o, 'worker-cpu')['ports'][0].containerPort = '9464'), /containerPort must be integer/],
    ['a ScaledObject without its Deployment', (o) => (find(o, 'ScaledObject', 'worker-gpu')['spec'].scaleTargetRef.name = 'worker-gpus'), /scaleTargetRef worker-gpus is no Deployment/],
    ['a ScaledObject not scaling to zero', (o) => (find(o, 'ScaledObject', 'worker-gpu')['spec'].minReplicaCount = 1), /minReplicaCount must be 0/],
    ['a query on an unknown class', (o) => (query(o, 'worker-gpu').query = 'max(anchorage_queue_depth{class="gpu-40g"}) + max(anchorage_queue_active{class="gpu-40g"})'), /class gpu-40g is not in ANCHORAGE_RESOURCE_CLASSES/],
    ['a query summing over API replicas', (o) => (query(o, 'worker-gpu').query = 'sum(anchorage_queue_depth{class="gpu"}) + max(anchorage_queue_active{class="gpu"})'), /sums anchorage_queue_depth over API replicas/],
    ['a Redis list trigger', (o) => (find(o, 'ScaledObject', 'worker-cpu')['spec'].triggers[0] = { type: 'redis', metadata: { listName: 'bull:runs-cpu:wait', listLength: '1' } }), /type redis; scale on the API's queue metrics/],
    ['a GPU worker without a GPU', (o) => delete worker(o, 'worker-gpu')['resources'].limits['nvidia.com/gpu'], /worker-gpu: a GPU worker must limit nvidia.com\/gpu/],
    ['a GPU worker without a node selector', (o) => delete podSpecOf(find(o, 'Deployment', 'worker-gpu'))!['nodeSelector'], /worker-gpu: a GPU worker needs a nodeSelector/],
    ['a Deployment without a PDB', (o) => o.splice(o.indexOf(find(o, 'PodDisruptionBudget', 'worker-cpu')), 1), /worker-cpu: covered by 0 PodDisruptionBudgets/],
    ['a Service selecting nothing', (o) => (find(o, 'Service', 'anchorage-api')['spec'].selector['app.kubernetes.io/component'] = 'apis'), /Service\/anchorage\/anchorage-api: selector selects no pods/],
    ['database credentials on a worker', (o) => setEnv(worker(o, 'worker-cpu'), 'DATABASE_URL', 'postgresql://x'), /workers never hold database credentials/],
    ['an 80 GB pool reporting 40 GB', (o) => setEnv(worker(o, 'worker-gpu-80g'), 'ANCHORAGE_WORKER_DEVICE_MEMORY_GB', '40'), /worker-gpu-80g: cannot consume the requested resource classes: gpu-80g: needs gpu with ≥80 GB/],
    ['a CPU pool consuming a GPU class', (o) => setEnv(worker(o, 'worker-cpu'), 'ANCHORAGE_WORKER_CLASSES', 'cpu,gpu,any'), /worker-cpu: cannot consume the requested resource classes: gpu: needs gpu/],
    ['a misspelt setting', (o) => setEnv(worker(o, 'worker-gpu'), 'ANCHORAGE_WORKER_CLASS', 'gpu'), /ANCHORAGE_WORKER_CLASS is read by no app/],
    ['a class no worker consumes', (o) => (find(o, 'ConfigMap', 'anchorage-config')['data'].ANCHORAGE_RESOURCE_CLASSES += ',tpu=gpu'), /class tpu: no worker Deployment consumes it/],
    ['an API reachable only on loopback', (o) => (find(o, 'ConfigMap', 'anchorage-config')['data'].ANCHORAGE_HOST = '127.0.0.1'), /ANCHORAGE_HOST must be 0\.0\.0\.0/],
    ['a read-write-once artifacts volume', (o) => (find(o, 'PersistentVolumeClaim', 'anchorage-artifacts')['spec'].accessModes = ['ReadWriteOnce']), /must be ReadWriteMany/],
  ];

  it.each(cases)('%s', (_label, breakIt, expected) => {
    const { objects } = build('overlays/gpu-cluster');
    breakIt(objects);
    const problems = [...objects.flatMap(schemaProblems), ...clusterProblems(objects)];
    expect(problems.join('\n')).toMatch(expected);
  });

  it('a Dockerfile copying a missing path, running as root or pinning another tfjs version', () => {
    const gpu = read(join(INFRA, 'docker/worker-gpu.Dockerfile'));
    const broken = gpu
      .replace('COPY packages/ml/package.json packages/ml/', 'COPY packages/ml/package.jsn packages/ml/')
      .replace('USER 1000:1000', 'USER root')
      .replace('ARG TFJS_VERSION=4.22.0', 'ARG TFJS_VERSION=4.21.0')
      .replace('cuda:11.8.0-cudnn8', 'cuda:12.4.1-cudnn');
    const problems = dockerfileProblems('worker-gpu.Dockerfile', broken).join('\n');
    expect(problems).toMatch(/COPY source packages\/ml\/package\.jsn does not exist/);
    expect(problems).toMatch(/non-root USER/);
    expect(problems).toMatch(/TFJS_VERSION is 4\.21\.0/);
    expect(problems).toMatch(/must be an nvidia\/cuda 11\.x/);
  });

  it('compose and redis.conf without noeviction or AOF', () => {
    expect(redisConfProblems('maxmemory-policy allkeys-lru\nappendonly no\n').join('\n')).toMatch(/noeviction[\s\S]*appendonly yes/);
    const [compose] = readYamlDocuments(join(INFRA, 'compose/compose.yaml')) as any[];
    compose.services['worker-cpu'].container_name = 'worker';
    compose.services['worker-cpu'].stop_grace_period = '10s';
    delete compose.services.postgres.healthcheck;
    const problems = composeProblems(compose, join(INFRA, 'compose')).join('\n');
    expect(problems).toMatch(/worker-cpu must not set container_name/);
    expect(problems).toMatch(/worker-cpu stop_grace_period must exceed/);
    expect(problems).toMatch(/postgres has no healthcheck/);
  });

  it('the resolver refuses kustomize features it does not implement', () => {
    const dir = mkdtempSync(join(tmpdir(), 'anchorage-kustomize-'));
    try {
      writeFileSync(join(dir, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nconfigMapGenerator: []\n');
      expect(() => buildKustomization(dir)).toThrow(/does not implement "configMapGenerator"/);
      writeFileSync(join(dir, 'kustomization.yaml'), `resources: [${JSON.stringify(join(K8S, 'base'))}]\nkind: Kustomization\npatches:\n  - patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata: { name: nope }\n`);
      expect(() => buildKustomization(dir)).toThrow(/no resource Deployment\/nope to patch/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
