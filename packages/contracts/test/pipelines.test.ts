import { describe, expect, it } from 'vitest';
import { checkPipeline, createPipelineSchema, resolveReferences } from '../src/index.js';

const run = (spec: unknown = { action: 'noop' }) => ({ kind: 'diagnostic', spec });
const parse = (steps: unknown[]) => createPipelineSchema.parse({ steps });

describe('pipeline checks', () => {
  it('accepts a graph whose references point at ancestors', () => {
    const pipeline = parse([
      { id: 'a', type: 'run', run: run() },
      { id: 'b', type: 'run', dependsOn: ['a'], run: run() },
      { id: 'c', type: 'run', dependsOn: ['b'], run: { kind: 'evaluate', spec: { modelId: '${a.result.modelId}' } } },
    ]);
    expect(checkPipeline(pipeline)).toEqual([]);
  });

  it('names duplicate ids, unknown dependencies, cycles and references to steps it does not depend on', () => {
    expect(checkPipeline(parse([{ id: 'a', type: 'run', run: run() }, { id: 'a', type: 'run', run: run() }]))).toEqual([{ path: 'steps.1.id', message: 'duplicate step id a' }]);
    expect(checkPipeline(parse([{ id: 'a', type: 'run', dependsOn: ['zz'], run: run() }]))[0]).toMatchObject({ path: 'steps.0.dependsOn', message: 'unknown step zz' });
    const cycle = checkPipeline(parse([{ id: 'a', type: 'run', dependsOn: ['b'], run: run() }, { id: 'b', type: 'run', dependsOn: ['a'], run: run() }]));
    expect(cycle.map((i) => i.message)).toEqual(['step a is part of a dependency cycle', 'step b is part of a dependency cycle']);
    const sideways = checkPipeline(parse([{ id: 'a', type: 'run', run: run() }, { id: 'b', type: 'run', run: { kind: 'evaluate', spec: { modelId: '${a.result.modelId}' } } }]));
    expect(sideways).toEqual([{ path: 'steps.1.run.spec.modelId', message: 'refers to a, which this step does not depend on' }]);
  });

  it('resolves references to typed values and reports the missing ones', () => {
    const outputs = { a: { runId: 'run_1', result: { modelId: 'mdl_1', best: { flops: 12 } } } };
    expect(resolveReferences({ modelId: '${a.result.modelId}', n: '${a.result.best.flops}', keep: 'text ${a.runId}', list: ['${a.runId}'] }, outputs)).toEqual({
      value: { modelId: 'mdl_1', n: 12, keep: 'text ${a.runId}', list: ['run_1'] },
      missing: [],
    });
    expect(resolveReferences({ x: '${a.result.nothing}' }, outputs).missing).toEqual(['${a.result.nothing}']);
  });
});
