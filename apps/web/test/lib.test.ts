// The dashboard's pure helpers: formatting, smoothing, series merging, routes, schema → form fields,
// placing API issues next to fields, and the pipeline graph's layout.
import { describe, expect, it } from 'vitest';
import { dagDepths, edgePath, layoutDag, packed } from '../src/lib/dag';
import { emaSmooth } from '../src/lib/ema';
import { cellText, differs, flatten } from '../src/lib/flatten';
import { formatCompact, formatDuration, formatKeyMetric, runDuration, summariseAccelerators, tailId } from '../src/lib/format';
import { parseRoute } from '../src/lib/route';
import { buildValue, matchIssues, placeholderFor, schemaToField, valuesFor, type JsonSchema } from '../src/lib/schemaForm';
import { alignSeries, appendPoints, fromFetched } from '../src/lib/series';

describe('formatting', () => {
  it('formats durations at a precision that fits their size', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1234)).toBe('1.2 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(185_000)).toBe('3m 05s');
    expect(formatDuration(2 * 3600_000 + 4 * 60_000)).toBe('2h 04m');
    expect(formatDuration(-1)).toBe('—');
  });

  it('measures a run from start to end, or shows how long a queued run waits', () => {
    const t = Date.parse('2026-01-01T00:00:00Z');
    expect(runDuration({ status: 'succeeded', startedAt: '2026-01-01T00:00:00Z', endedAt: '2026-01-01T00:01:30Z' }, t + 999_999).text).toBe('1m 30s');
    expect(runDuration({ status: 'running', startedAt: '2026-01-01T00:00:00Z', endedAt: null }, t + 5000).text).toBe('5.0 s');
    expect(runDuration({ status: 'queued', createdAt: '2026-01-01T00:00:00Z', startedAt: null }, t + 65_000)).toEqual({ text: 'waiting 1m 05s', waiting: true });
  });

  it('formats key metrics, compact counts and accelerator JSON', () => {
    expect(formatKeyMetric({ name: 'test/accuracy', value: 0.91312 })).toBe('test/accuracy 0.9131');
    expect(formatKeyMetric(null)).toBe('—');
    expect(formatCompact(5_234_567)).toBe('5.23 M');
    expect(formatCompact(812)).toBe('812');
    expect(summariseAccelerators([{ type: 'gpu', name: 'H100', count: 2 }])).toBe('2× gpu H100');
    expect(summariseAccelerators({ cpu: true, gpus: 0 })).toBe('cpu, gpus: 0');
    // As workers register: memory in bytes (0 = unknown) and cores.
    expect(summariseAccelerators([{ kind: 'gpu', model: 'NVIDIA H200', memoryBytes: 150754820096, cores: 16 }])).toBe('gpu NVIDIA H200 (150.8 GB, 16 cores)');
    expect(summariseAccelerators([{ kind: 'gpu', model: 'tfjs-node-gpu', memoryBytes: 0, cores: 0 }])).toBe('gpu tfjs-node-gpu');
    expect(summariseAccelerators([])).toBe('none');
    expect(tailId('run_01a22b2d-5260-761e-9502-f8230d95f6dd')).toBe('run_…95f6dd');
    expect(tailId('run_short')).toBe('run_short');
  });
});

describe('EMA smoothing', () => {
  it('is debiased like TensorBoard: the first point is kept, later ones are pulled towards the average', () => {
    const out = emaSmooth([10, 0, 0], 0.5) as number[];
    expect(out[0]).toBeCloseTo(10);
    // last = 0.5*5 + 0 = 2.5 after two points; debias 1 - 0.25 = 0.75
    expect(out[1]).toBeCloseTo((0.5 * 5) / 0.75);
    expect(emaSmooth([1, 2, 3], 0)).toEqual([1, 2, 3]);
  });

  it('passes non-finite values and constant series through', () => {
    expect(emaSmooth([1, null, 1], 0.9)).toEqual([1, null, 1]);
    const out = emaSmooth([1, NaN, 3], 0.5);
    expect(Number.isNaN(out[1])).toBe(true);
  });
});

describe('series', () => {
  const fetched = fromFetched([
    { name: 'test/accuracy', downsampled: false, points: [{ step: 10, value: 0.5 }] },
    { name: 'train/loss', downsampled: true, points: [{ step: 0, value: 2, min: 1.5, max: 4 }] },
  ]);

  it('puts loss first and keeps bucket extremes', () => {
    expect(fetched.map((s) => s.name)).toEqual(['train/loss', 'test/accuracy']);
    expect(fetched[0].points[0]).toEqual({ step: 0, value: 2, min: 1.5, max: 4 });
  });

  it('appends live points after the last step only, and adds new metrics', () => {
    const next = appendPoints(fetched, [
      { name: 'test/accuracy', step: 10, value: 0.5 },
      { name: 'test/accuracy', step: 20, value: 0.7 },
      { name: 'lr', step: 20, value: 0.001 },
    ]);
    expect(next.find((s) => s.name === 'test/accuracy')!.points.map((p) => p.step)).toEqual([10, 20]);
    expect(next.find((s) => s.name === 'lr')!.points).toHaveLength(1);
    expect(appendPoints(fetched, [{ name: 'test/accuracy', step: 5, value: 1 }])).toBe(fetched);
  });

  it('aligns several runs on the union of their steps', () => {
    const { steps, values } = alignSeries([
      [{ step: 0, value: 1 }, { step: 10, value: 2 }],
      [{ step: 5, value: 3 }],
    ]);
    expect(steps).toEqual([0, 5, 10]);
    expect(values).toEqual([
      [1, null, 2],
      [null, 3, null],
    ]);
  });
});

describe('routes and flattening', () => {
  it('parses hash routes', () => {
    expect(parseRoute('')).toEqual({ page: 'runs' });
    expect(parseRoute('#/runs/abc')).toEqual({ page: 'run', id: 'abc' });
    expect(parseRoute('#/compare?ids=a,b,a')).toEqual({ page: 'compare', ids: ['a', 'b'] });
    expect(parseRoute('#/sweeps')).toEqual({ page: 'sweeps' });
    expect(parseRoute('#/sweeps/swp_1')).toEqual({ page: 'sweep', id: 'swp_1' });
    expect(parseRoute('#/pipelines')).toEqual({ page: 'pipelines' });
    expect(parseRoute('#/pipelines/pl%201')).toEqual({ page: 'pipeline', id: 'pl 1' });
    expect(parseRoute('#/keys')).toEqual({ page: 'keys' });
    expect(parseRoute('#/nope')).toMatchObject({ page: 'not-found' });
  });

  it('flattens specs into dotted rows and spots differences', () => {
    expect(flatten({ steps: 5, model: { dim: 16 }, tags: ['a'] }, 'spec')).toEqual({ 'spec.steps': 5, 'spec.model.dim': 16, 'spec.tags': ['a'] });
    expect(differs([1, 1])).toBe(false);
    expect(differs([1, undefined])).toBe(true);
    expect(cellText(0.1234567891)).toBe('0.123457');
  });
});

describe('schema → form', () => {
  const schema: JsonSchema = {
    type: 'object',
    properties: {
      model: {
        default: { preset: 'vit-s' },
        type: 'object',
        properties: {
          preset: { default: 'vit-s', type: 'string', enum: ['vit-ti', 'vit-s'] },
          patchSize: { type: 'number', enum: [2, 4, 7, 14] },
          dim: { type: 'integer', minimum: 8, maximum: 1024 },
        },
        additionalProperties: false,
      },
      steps: { default: 500, type: 'integer', minimum: 1, maximum: 1_000_000 },
      learningRate: { default: 0.003, type: 'number', exclusiveMinimum: 0, maximum: 1 },
      modelName: { type: 'string' },
      verbose: { type: 'boolean' },
      metrics: { type: 'array', items: { type: 'string' }, default: ['top1'] },
      choice: { oneOf: [{ type: 'object', properties: { action: { const: 'noop' } } }, { type: 'string' }] },
      maybe: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
    },
    required: ['steps'],
    additionalProperties: false,
  };
  const field = schemaToField(schema, 'spec', 'spec');

  it('maps scalars, enums, nested objects and complex types', () => {
    if (field.kind !== 'object') throw new Error('expected an object');
    const kinds = Object.fromEntries(field.fields.map((f) => [f.label, f.kind]));
    expect(kinds).toEqual({ model: 'object', steps: 'number', learningRate: 'number', modelName: 'text', verbose: 'boolean', metrics: 'json', choice: 'json', maybe: 'number' });
    const steps = field.fields.find((f) => f.label === 'steps')!;
    expect(steps).toMatchObject({ path: 'spec.steps', required: true, defaultValue: 500, integer: true, hint: '≥ 1, ≤ 1000000' });
    const model = field.fields[0];
    expect(model.kind === 'object' && model.fields.map((f) => [f.path, f.kind])).toEqual([
      ['spec.model.preset', 'enum'],
      ['spec.model.patchSize', 'enum'],
      ['spec.model.dim', 'number'],
    ]);
  });

  it('hints the alternatives of a union', () => {
    const union = schemaToField({ oneOf: [{ type: 'object', properties: { action: { const: 'noop' } } }, { type: 'object', properties: { action: { const: 'sleep' }, steps: { type: 'integer', default: 10 } } }] }, 'spec', 'spec');
    expect(union).toMatchObject({ kind: 'json', variants: [{ action: 'noop' }, { action: 'sleep', steps: 10 }] });
    expect(placeholderFor(union)).toBe('one of:\n{"action":"noop"}\n{"action":"sleep","steps":10}');
  });

  it('builds the spec from typed values, omitting empty fields (server defaults)', () => {
    const r = buildValue(field, { 'spec.steps': '0', 'spec.model.dim': '', 'spec.model.patchSize': '1', 'spec.metrics': '["top5"]', 'spec.verbose': 'false' });
    expect(r.errors).toEqual({});
    expect(r.value).toEqual({ steps: 0, model: { patchSize: 4 }, metrics: ['top5'], verbose: false });
    expect(buildValue(field, {}).present).toBe(false);
    expect(buildValue(field, { 'spec.metrics': '[oops' }).errors['spec.metrics']).toMatch(/invalid JSON/);
  });

  it('round-trips values through the form text', () => {
    const value = { steps: 24, model: { preset: 'vit-ti', dim: 16 }, metrics: ['top1'] };
    expect(buildValue(field, valuesFor(field, value)).value).toEqual(value);
  });

  it('places issues on the field or its closest enclosing field, the rest in a banner', () => {
    const { byPath, unmatched } = matchIssues(
      [
        { path: 'spec.steps', message: 'Too small' },
        { path: 'spec.metrics.0', message: 'Invalid option' },
        { path: 'spec', message: 'Unrecognized key: "foo"' },
        { path: '', message: 'bad' },
      ],
      ['spec.steps', 'spec.metrics', 'spec.model', 'spec.model.dim'],
    );
    expect(byPath).toEqual({ 'spec.steps': ['Too small'], 'spec.metrics': ['Invalid option'] });
    expect(unmatched.map((i) => i.path)).toEqual(['spec', '']);
  });
});

describe('pipeline graph layout', () => {
  const box = { width: 100, height: 40, gapX: 20, gapY: 10, pad: 5 };

  it('puts each step one column right of its deepest dependency', () => {
    const depths = dagDepths([
      { id: 'a', dependsOn: [] },
      { id: 'b', dependsOn: ['a'] },
      { id: 'c', dependsOn: ['a', 'b'] },
      { id: 'd', dependsOn: [] },
      { id: 'e', dependsOn: ['nope'] },
    ]);
    expect(Object.fromEntries(depths)).toEqual({ a: 0, b: 1, c: 2, d: 0, e: 0 });
    // A cycle (the API refuses them) is cut rather than recursed into.
    expect(Object.fromEntries(dagDepths([{ id: 'x', dependsOn: ['y'] }, { id: 'y', dependsOn: ['x'] }]))).toEqual({ x: 1, y: 0 });
  });

  it('places boxes in columns, level with their dependencies where they can be, with an edge per dependency', () => {
    const layout = layoutDag(
      [
        { id: 'a', dependsOn: [] },
        { id: 'b', dependsOn: ['a'] },
        { id: 'c', dependsOn: ['a'] },
        { id: 'd', dependsOn: ['c'] },
      ],
      box,
    );
    // a is centred on the two it fans out to; d continues c's line.
    const at = Object.fromEntries(layout.nodes.map((n) => [n.id, [n.x, n.y]]));
    expect(at).toEqual({ a: [5, 30], b: [125, 5], c: [125, 55], d: [245, 55] });
    expect(layout.width).toBe(5 * 2 + 3 * 120 - 20);
    expect(layout.height).toBe(5 * 2 + 2 * 50 - 10);
    expect(layout.edges.map((e) => `${e.from}>${e.to}`)).toEqual(['a>b', 'a>c', 'c>d']);
    expect(layout.edges[2]).toMatchObject({ x1: 225, y1: 75, x2: 245, y2: 75 });
    expect(edgePath(layout.edges[2])).toBe('M 225 75 C 249 75, 221 75, 245 75');
  });

  it('orders a column by where the dependencies sit, to avoid crossings', () => {
    const layout = layoutDag(
      [
        { id: 'r1', dependsOn: [] },
        { id: 'r2', dependsOn: [] },
        { id: 'late', dependsOn: ['r2'] },
        { id: 'early', dependsOn: ['r1'] },
      ],
      box,
    );
    const rows = Object.fromEntries(layout.nodes.map((n) => [n.id, n.row]));
    expect(rows).toEqual({ r1: 0, r2: 1, early: 0, late: 1 });
    expect(layoutDag([], box)).toEqual({ nodes: [], edges: [], width: 0, height: 0 });
  });

  it('packs a column as near the wished heights as the spacing allows', () => {
    expect(packed([0, 100, 200], 50)).toEqual([0, 100, 200]);
    expect(packed([0, 0], 50)).toEqual([-25, 25]);
    expect(packed([10, 0, 200], 50)).toEqual([-20, 30, 200]);
  });
});
