// A small kustomize for tests: builds the kustomizations under infra/k8s the way `kubectl apply -k`
// would, for the subset of features they use, so the test can validate what a cluster would get
// without kubectl. A kustomization field it does not implement is an error, never silently ignored:
// whoever adds one must teach this resolver (and the test) about it first.
//
// Implemented: resources (files and directories, recursively), patches (strategic merge, from `path`
// or inline `patch`, matched by `target` kind/name or by the patch's own kind and name; `$patch:
// delete` removes a resource), namespace, labels (includeSelectors / includeTemplates),
// commonLabels, images.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: any;
}

const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'patches', 'namespace', 'labels', 'commonLabels', 'images']);

// Kinds the namespace transformer leaves alone (only those that could appear here).
const CLUSTER_SCOPED = new Set(['Namespace', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass', 'IngressClass', 'RuntimeClass']);

// Strategic-merge keys of the built-in list fields these manifests use (Kubernetes' patchMergeKey),
// by the path from the object root with list positions written as []. Lists not named here are
// replaced, as they are in a strategic merge patch without a merge key.
const MERGE_KEYS: Record<string, string> = {
  'spec.template.spec.containers': 'name',
  'spec.template.spec.initContainers': 'name',
  'spec.template.spec.volumes': 'name',
  'spec.template.spec.imagePullSecrets': 'name',
  'spec.template.spec.containers[].env': 'name',
  'spec.template.spec.containers[].ports': 'containerPort',
  'spec.template.spec.containers[].volumeMounts': 'mountPath',
  'spec.template.spec.initContainers[].env': 'name',
  'spec.template.spec.initContainers[].volumeMounts': 'mountPath',
  'spec.ports': 'port', // Service
};

/** Built-in API groups merge lists by key; custom resources (KEDA, Prometheus Operator) get JSON merge patch semantics. */
export function isBuiltinApi(apiVersion: string): boolean {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
  return group === '' || !group.includes('.') || group.endsWith('.k8s.io');
}

export function readYamlDocuments(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { merge: true });
  const out: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function parseInlineYaml(text: string, where: string): unknown[] {
  const docs = parseAllDocuments(text);
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors.map((e) => e.message).join('; ')}`);
  }
  return docs.map((d) => d.toJS()).filter((v) => v !== null && v !== undefined);
}

const clone = <T>(value: T): T => structuredClone(value);
const isMap = (value: unknown): value is Record<string, any> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function objectId(o: K8sObject): string {
  return `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

/** Strategic merge of `patch` into `base` (both plain data); returns a new value. */
export function strategicMerge(base: unknown, patch: unknown, builtin: boolean, path = ''): unknown {
  if (!isMap(patch)) return clone(patch);
  if (patch['$patch'] === 'replace') {
    const { $patch: _directive, ...rest } = patch;
    return clone(rest);
  }
  const out: Record<string, any> = isMap(base) ? clone(base) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch') throw new Error(`${path || '<root>'}: unsupported $patch: ${String(value)}`);
    const childPath = path ? `${path}.${key}` : key;
    if (value === null) delete out[key];
    else if (Array.isArray(value)) out[key] = mergeList(out[key], value, builtin, childPath);
    else if (isMap(value)) out[key] = strategicMerge(out[key], value, builtin, childPath);
    else out[key] = value;
  }
  return out;
}

function mergeList(base: unknown, patch: unknown[], builtin: boolean, path: string): unknown[] {
  const key = builtin ? MERGE_KEYS[path] : undefined;
  if (!key || !Array.isArray(base)) {
    if (patch.some((item) => isMap(item) && '$patch' in item)) throw new Error(`${path}: $patch inside a list without a merge key`);
    return clone(patch);
  }
  const out = clone(base) as Record<string, any>[];
  for (const item of patch) {
    if (!isMap(item) || item[key] === undefined) throw new Error(`${path}: every patch item needs its merge key "${key}"`);
    const at = out.findIndex((existing) => isMap(existing) && existing[key] === item[key]);
    if (item['$patch'] === 'delete') {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) {
      out[at] = strategicMerge(out[at], item, builtin, `${path}[]`) as Record<string, any>;
    } else {
      out.push(clone(item));
    }
  }
  return out;
}

function asObject(value: unknown, where: string): K8sObject {
  if (!isMap(value) || typeof value['apiVersion'] !== 'string' || typeof value['kind'] !== 'string' || !isMap(value['metadata']) || typeof value['metadata']['name'] !== 'string') {
    throw new Error(`${where}: not a Kubernetes object (apiVersion, kind and metadata.name are required)`);
  }
  return value as K8sObject;
}

/** Pod templates of the workload kinds these manifests use. */
export function podSpecOf(o: K8sObject): Record<string, any> | undefined {
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(o.kind)) return o['spec']?.template?.spec;
  if (o.kind === 'CronJob') return o['spec']?.jobTemplate?.spec?.template?.spec;
  if (o.kind === 'Pod') return o['spec'];
  return undefined;
}

function applyLabels(objects: K8sObject[], pairs: Record<string, string>, selectors: boolean, templates: boolean): void {
  for (const o of objects) {
    o.metadata.labels = { ...(o.metadata.labels ?? {}), ...pairs };
    const template = o['spec']?.template;
    if ((selectors || templates) && isMap(template)) {
      template['metadata'] ??= {};
      template['metadata'].labels = { ...(template['metadata'].labels ?? {}), ...pairs };
    }
    if (!selectors) continue;
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'PodDisruptionBudget'].includes(o.kind)) {
      o['spec'].selector ??= {};
      o['spec'].selector.matchLabels = { ...(o['spec'].selector.matchLabels ?? {}), ...pairs };
    } else if (o.kind === 'Service') {
      o['spec'].selector = { ...(o['spec'].selector ?? {}), ...pairs };
    }
  }
}

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** `registry:5000/a/b:tag@sha256:…` → name, tag, digest (a port colon is not a tag). */
export function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const [rest, digest] = image.split('@') as [string, string | undefined];
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  return { name: rest, digest };
}

function applyImages(objects: K8sObject[], rules: ImageRule[]): void {
  for (const o of objects) {
    const pod = podSpecOf(o);
    if (!pod) continue;
    for (const container of [...(pod['containers'] ?? []), ...(pod['initContainers'] ?? [])]) {
      const image = splitImage(container.image);
      const rule = rules.find((r) => r.name === image.name);
      if (!rule) continue;
      const name = rule.newName ?? image.name;
      const digest = rule.digest ?? (rule.newTag ? undefined : image.digest);
      const tag = rule.digest ? undefined : (rule.newTag ?? image.tag);
      container.image = `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
    }
  }
}

/** Every file a kustomization tree reads (kustomization files, resources, patch files). */
export interface BuildResult {
  objects: K8sObject[];
  files: Set<string>;
}

/** Builds the kustomization in `dir` (an absolute or cwd-relative path). */
export function buildKustomization(dir: string, files: Set<string> = new Set()): BuildResult {
  const root = resolve(dir);
  const kfile = join(root, 'kustomization.yaml');
  if (!existsSync(kfile)) throw new Error(`${root}: no kustomization.yaml`);
  files.add(kfile);
  const [k] = readYamlDocuments(kfile) as Record<string, any>[];
  if (!isMap(k) || k['kind'] !== 'Kustomization') throw new Error(`${kfile}: kind must be Kustomization`);
  for (const field of Object.keys(k)) {
    if (!SUPPORTED_FIELDS.has(field)) throw new Error(`${kfile}: the test's kustomize resolver does not implement "${field}"`);
  }

  let objects: K8sObject[] = [];
  for (const entry of (k['resources'] ?? []) as string[]) {
    const path = resolve(root, entry);
    if (!existsSync(path)) throw new Error(`${kfile}: resource ${entry} does not exist`);
    if (statSync(path).isDirectory()) {
      objects.push(...buildKustomization(path, files).objects);
    } else {
      files.add(path);
      objects.push(...readYamlDocuments(path).map((doc, i) => asObject(doc, `${relative(root, path)} document ${i + 1}`)));
    }
  }
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.apiVersion.split('/')[0]}|${objectId(o)}`;
    if (seen.has(id)) throw new Error(`${kfile}: ${objectId(o)} is defined twice`);
    seen.add(id);
  }

  for (const [i, entry] of ((k['patches'] ?? []) as Record<string, any>[]).entries()) {
    const where = `${kfile} patches[${i}]`;
    let docs: unknown[];
    if (typeof entry['path'] === 'string') {
      const path = resolve(root, entry['path']);
      if (!existsSync(path)) throw new Error(`${where}: ${entry['path']} does not exist`);
      files.add(path);
      docs = readYamlDocuments(path);
    } else if (typeof entry['patch'] === 'string') {
      docs = parseInlineYaml(entry['patch'], where);
    } else {
      throw new Error(`${where}: needs path or patch`);
    }
    if (docs.length !== 1) throw new Error(`${where}: one patch document expected, found ${docs.length}`);
    const patch = docs[0] as Record<string, any>;
    if (Array.isArray(patch)) throw new Error(`${where}: JSON 6902 patches are not implemented by the test's resolver`);
    const target = (entry['target'] ?? {}) as Record<string, string>;
    for (const field of Object.keys(target)) {
      if (field !== 'kind' && field !== 'name') throw new Error(`${where}: target.${field} is not implemented by the test's resolver`);
    }
    const kind = target['kind'] ?? patch['kind'];
    const name = target['name'] ?? patch['metadata']?.name;
    if (!kind || !name) throw new Error(`${where}: cannot tell which resource it patches (kind and name)`);
    const matches = objects.filter((o) => o.kind === kind && o.metadata.name === name);
    if (matches.length === 0) throw new Error(`${where}: no resource ${kind}/${name} to patch`);
    if (patch['$patch'] === 'delete') {
      objects = objects.filter((o) => !matches.includes(o));
      continue;
    }
    objects = objects.map((o) => (matches.includes(o) ? asObject(strategicMerge(o, patch, isBuiltinApi(o.apiVersion)), where) : o));
  }

  if (typeof k['namespace'] === 'string') {
    for (const o of objects) {
      if (o.kind === 'Namespace') o.metadata.name = k['namespace'];
      else if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k['namespace'];
    }
  }
  if (isMap(k['commonLabels'])) applyLabels(objects, k['commonLabels'], true, true);
  for (const label of (k['labels'] ?? []) as Record<string, any>[]) {
    for (const field of Object.keys(label)) {
      if (!['pairs', 'includeSelectors', 'includeTemplates'].includes(field)) throw new Error(`${kfile}: labels.${field} is not implemented by the test's resolver`);
    }
    applyLabels(objects, label['pairs'] ?? {}, label['includeSelectors'] === true, label['includeTemplates'] === true);
  }
  if (Array.isArray(k['images'])) applyImages(objects, k['images'] as ImageRule[]);
  return { objects, files };
}
