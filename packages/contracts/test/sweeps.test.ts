import { describe, expect, it } from 'vitest';
import { createSweepSchema, planSweep, shouldStopEarly } from '../src/index.js';

const base = { kind: 'diagnostic', spec: { action: 'sleep', durationMs: 100, steps: 2 } };
const parse = (body: unknown) => createSweepSchema.parse(body);

describe('sweep planning', () => {
  it('a grid is every combination, the last parameter varying fastest, each a validated run request', () => {
    const plan = planSweep(parse({ name: 'g', base, parameters: { 'spec.durationMs': { values: [100, 200, 300] }, 'spec.steps': { values: [1, 2] } }, objective: { field: 'durationMs', goal: 'min' } }));
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.trials.map((t) => [t.params['spec.durationMs'], t.params['spec.steps']])).toEqual([
      [100, 1], [100, 2], [200, 1], [200, 2], [300, 1], [300, 2],
    ]);
    expect(plan.trials[3].request).toMatchObject({ kind: 'diagnostic', name: 'g #4', spec: { action: 'sleep', durationMs: 200, steps: 2 } });
  });

  it('random search is seeded, stays in range, rounds integers and draws log ranges in log space', () => {
    const body = {
      base: { kind: 'finetune', spec: { modelId: 'mdl_x' } },
      strategy: 'random',
      trials: 50,
      seed: 7,
      parameters: { 'spec.learningRate': { min: 1e-4, max: 1e-1, log: true }, 'spec.lora.rank': { min: 1, max: 8, int: true }, 'spec.method': { values: ['lora', 'spectral'] } },
      objective: { field: 'testAccuracy' },
    };
    const a = planSweep(parse(body));
    const b = planSweep(parse(body));
    expect(a).toEqual(b);
    if (!a.ok) throw new Error(a.error);
    const lrs = a.trials.map((t) => t.params['spec.learningRate'] as number);
    expect(Math.min(...lrs)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...lrs)).toBeLessThanOrEqual(1e-1);
    expect(lrs.filter((lr) => lr < 1e-2).length).toBeGreaterThan(25); // log-uniform: two thirds below 1e-2
    expect(a.trials.every((t) => Number.isInteger(t.params['spec.lora.rank']))).toBe(true);
    expect(new Set(a.trials.map((t) => t.params['spec.method']))).toEqual(new Set(['lora', 'spectral']));
  });

  it('a trial that is not a valid run names the parameter; a grid needs values; random needs trials', () => {
    const bad = planSweep(parse({ base, parameters: { 'spec.steps': { values: [1, 0] } }, objective: { field: 'durationMs' } }));
    expect(bad).toMatchObject({ ok: false, issues: [{ path: 'parameters.spec.steps' }] });
    expect(createSweepSchema.safeParse({ base, parameters: { 'spec.steps': { min: 1, max: 3 } }, objective: { field: 'x' } }).success).toBe(false);
    expect(createSweepSchema.safeParse({ base, strategy: 'random', parameters: { 'spec.steps': { min: 1, max: 3 } }, objective: { field: 'x' } }).error?.issues[0].path).toEqual(['trials']);
    expect(createSweepSchema.safeParse({ base, parameters: { 'spec..x': { values: [1] } }, objective: { field: 'x' } }).success).toBe(false);
  });
});

describe('median stopping rule', () => {
  const curve = (values: number[]) => values.map((value, i) => ({ step: (i + 1) * 10, value }));
  const rule = { goal: 'min' as const, minSteps: 20, minTrials: 2 };

  it('stops a trial whose running mean is worse than the median of the finished trials at its step', () => {
    const finished = [curve([1.0, 0.8, 0.6, 0.4]), curve([1.1, 0.9, 0.7, 0.5]), curve([0.9, 0.7, 0.5, 0.3])];
    expect(shouldStopEarly(curve([2.0, 1.9]), finished, rule)).toBe(true);
    expect(shouldStopEarly(curve([0.9, 0.6]), finished, rule)).toBe(false);
    expect(shouldStopEarly(curve([0.1, 0.1]), finished, { ...rule, goal: 'max' })).toBe(true);
  });

  it('decides nothing before minSteps or with too few finished trials', () => {
    expect(shouldStopEarly(curve([5]), [curve([1, 1]), curve([1, 1])], rule)).toBe(false);
    expect(shouldStopEarly(curve([5, 5]), [curve([1, 1])], rule)).toBe(false);
  });
});
