import { describe, expect, it } from 'vitest';
import {
  describeCatalog,
  resultKeyMetric,
  assertTransition,
  canTransition,
  JOB_CATALOG,
  JOB_KINDS,
  RUN_STATUSES,
  RUN_TRANSITIONS,
  TERMINAL_STATUSES,
  validateRunRequest,
  parseSpec,
  bullPriority,
  queueName,
} from '../src/index.js';

describe('job catalog', () => {
  it('has an entry for every kind with a spec schema whose defaults parse', () => {
    for (const kind of JOB_KINDS) {
      const entry = JOB_CATALOG[kind];
      expect(entry.kind).toBe(kind);
      expect(['cpu', 'gpu', 'any']).toContain(entry.defaultAccelerator);
    }
    expect(JOB_CATALOG.train.spec.parse({})).toMatchObject({ steps: 500, batchSize: 64, learningRate: 3e-3, weightDecay: 0.05, warmupSteps: 50, model: { preset: 'vit-s', init: 'fan-in' }, data: { dataset: 'mnist', testFraction: 0.2, seed: 0 } });
  });

  it('runs every kind; a finetune spec gets the method defaults', () => {
    expect(JOB_KINDS.filter((k) => JOB_CATALOG[k].supported).sort()).toEqual(['diagnostic', 'evaluate', 'finetune', 'stitch', 'train']);
    const finetune = validateRunRequest({ kind: 'finetune', spec: { modelId: 'a' } });
    expect(finetune.ok).toBe(true);
    if (finetune.ok) {
      expect(finetune.value.spec).toMatchObject({ method: 'lora', data: { task: 'mnist-parity' }, lora: { rank: 4, alpha: 8, targets: ['q', 'v'] }, subtuning: { start: 'non', epsilon: 0.01 } });
    }
    const bad = validateRunRequest({ kind: 'finetune', spec: { modelId: 'a', method: 'prompt', lora: { rank: 0 } } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => i.path).sort()).toEqual(['spec.lora.rank', 'spec.method']);
  });

  it('stitch specs need anchors or a family, and v2 stitches exactly two anchors', () => {
    const ok = validateRunRequest({ kind: 'stitch', spec: { familyId: 'fam_1' } });
    expect(ok.ok).toBe(true);
    if (ok.ok) expect(ok.value.spec).toMatchObject({ method: 'snnet-v1', window: { size: 2, stride: 1 }, nearest: true, steps: 300, warmupSteps: 30 });
    const none = validateRunRequest({ kind: 'stitch', spec: {} });
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.issues[0]).toEqual({ path: 'spec.anchors', message: 'give anchors or familyId' });
    const v2 = validateRunRequest({ kind: 'stitch', spec: { method: 'snnet-v2', anchors: ['a', 'b', 'c'] } });
    expect(v2.ok).toBe(false);
    if (!v2.ok) expect(v2.issues[0].message).toBe('snnet-v2 stitches exactly two anchors');
  });

  it('evaluate specs choose metrics from the suite', () => {
    const ok = validateRunRequest({ kind: 'evaluate', spec: { modelId: 'm', metrics: ['ece', 'vci'] } });
    expect(ok.ok).toBe(true);
    const bad = validateRunRequest({ kind: 'evaluate', spec: { modelId: 'm', metrics: ['mystery'] } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues[0].path).toBe('spec.metrics.0');
  });

  it('applies defaults and the kind default accelerator', () => {
    const outcome = validateRunRequest({ kind: 'train', spec: { steps: 10 } });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.value).toMatchObject({ kind: 'train', priority: 0, maxAttempts: 3, resources: { accelerator: 'any' } });
    expect(outcome.value.spec).toMatchObject({ steps: 10, batchSize: 64, learningRate: 3e-3, warmupSteps: 1 });
  });

  it('names every bad field with its path', () => {
    const outcome = validateRunRequest({ kind: 'train', priority: 1000, spec: { steps: 0, model: { dim: 30, heads: 4, patchSize: 5 }, extra: 1 } });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.issues.map((i) => i.path).sort()).toEqual(['priority']);
    const spec = validateRunRequest({ kind: 'train', spec: { steps: 0, model: { dim: 30, heads: 4, patchSize: 5 }, extra: 1 } });
    expect(spec.ok).toBe(false);
    if (spec.ok) return;
    const paths = spec.issues.map((i) => i.path);
    expect(paths).toContain('spec.steps');
    expect(paths).toContain('spec.model.patchSize');
    expect(paths).toContain('spec');
    expect(spec.issues.find((i) => i.path === 'spec.model.patchSize')?.message).toMatch(/must divide 28/);
  });

  it('checks cross-field rules (dim divisible by heads)', () => {
    const outcome = validateRunRequest({ kind: 'train', spec: { model: { dim: 30, heads: 4 } } });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.issues).toEqual([{ path: 'spec.model.heads', message: 'dim must be divisible by heads' }]);
  });

  it('rejects unknown kinds and envelopes that are not objects', () => {
    const unknown = validateRunRequest({ kind: 'bake', spec: {} });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.issues[0].path).toBe('kind');
    expect(validateRunRequest('nope').ok).toBe(false);
    expect(validateRunRequest(null).ok).toBe(false);
  });

  it('diagnostic specs are a union on action', () => {
    expect(validateRunRequest({ kind: 'diagnostic', spec: { action: 'sleep' } }).ok).toBe(true);
    const bad = validateRunRequest({ kind: 'diagnostic', spec: { action: 'explode' } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues[0].path).toBe('spec.action');
  });

  it('parseSpec re-validates on the worker and lists the issues', () => {
    expect(parseSpec('diagnostic', { action: 'noop' })).toEqual({ action: 'noop' });
    expect(() => parseSpec('train', { steps: -1 })).toThrow(/spec.steps/);
  });

  it('maps priorities and queues', () => {
    expect(bullPriority(100, { retry: true })).toBe(1);
    expect(bullPriority(100)).toBe(2);
    expect(bullPriority(0)).toBeLessThan(bullPriority(-100));
    // A retry goes ahead of fresh runs of its priority, not ahead of a higher one.
    expect(bullPriority(0, { retry: true })).toBeLessThan(bullPriority(0));
    expect(bullPriority(0, { retry: true })).toBeGreaterThan(bullPriority(1));
    expect(queueName('gpu')).toBe('runs-gpu');
  });
});

describe('run state machine', () => {
  it('terminal states have no way out except a failed run being retried', () => {
    expect(TERMINAL_STATUSES).toEqual(['succeeded', 'failed', 'cancelled']);
    expect(RUN_TRANSITIONS.succeeded).toEqual([]);
    expect(RUN_TRANSITIONS.cancelled).toEqual([]);
    expect(RUN_TRANSITIONS.failed).toEqual(['queued']);
  });

  it('a cancelled run can never become succeeded, and a queued run cannot skip to succeeded', () => {
    expect(canTransition('cancelled', 'succeeded')).toBe(false);
    expect(canTransition('queued', 'succeeded')).toBe(false);
    expect(() => assertTransition('cancelled', 'running')).toThrow('a cancelled run cannot become running');
  });

  it('every status can reach a terminal status', () => {
    for (const status of RUN_STATUSES) {
      const seen = new Set([status]);
      const frontier = [status];
      while (frontier.length) {
        for (const next of RUN_TRANSITIONS[frontier.pop()!]) {
          if (seen.has(next)) continue;
          seen.add(next);
          frontier.push(next);
        }
      }
      expect([...seen].some((s) => TERMINAL_STATUSES.includes(s))).toBe(true);
    }
  });
});

describe('key metric and catalog description', () => {
  it('reads the result field named by the kind, and only finite numbers', () => {
    expect(resultKeyMetric('train', { testAccuracy: 0.93 })).toEqual({ name: 'test/accuracy', value: 0.93 });
    expect(resultKeyMetric('stitch', { best: { accuracy: 0.8 } })).toEqual({ name: 'best/accuracy', value: 0.8 });
    expect(resultKeyMetric('stitch', { best: null })).toBeNull();
    expect(resultKeyMetric('train', { testAccuracy: Number.NaN })).toBeNull();
    expect(resultKeyMetric('diagnostic', { action: 'noop' })).toBeNull();
  });

  it('describes every kind with an input JSON Schema that carries the defaults', () => {
    const { kinds } = describeCatalog();
    const train = kinds.find((k) => k.kind === 'train')!;
    const properties = train.specSchema.properties as Record<string, { default?: unknown }>;
    expect(properties.steps.default).toBeTypeOf('number');
    // Input side: a field with a default is not required.
    expect(train.specSchema.required ?? []).not.toContain('steps');
  });
});
