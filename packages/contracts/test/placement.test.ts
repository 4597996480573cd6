import { describe, expect, it } from 'vitest';
import { assignClasses, canServe, parseResourceClasses, placeRun } from '../src/index.js';

const classes = parseResourceClasses('cpu=cpu,gpu=gpu,gpu-40g=gpu:40,gpu-80g=gpu:80');

describe('resource classes', () => {
  it('parses classes and always adds any', () => {
    expect(classes.map((c) => c.name)).toEqual(['cpu', 'gpu', 'gpu-40g', 'gpu-80g', 'any']);
    expect(classes[3]).toEqual({ name: 'gpu-80g', accelerator: 'gpu', minDeviceMemoryGb: 80 });
  });

  it('lists every problem of a bad setting', () => {
    expect(() => parseResourceClasses('cpu=cpu,Big=gpu,gpu=tpu,cpu=cpu,x=any')).toThrow(
      /"Big": class names.*"gpu=tpu": expected.*"cpu": defined twice.*"x": only the built-in class any/,
    );
    expect(() => parseResourceClasses('')).toThrow(/at least one cpu or gpu class/);
  });

  it('places a run in the tightest class that fits', () => {
    const place = (r: Parameters<typeof placeRun>[0]) => {
      const p = placeRun(r, classes);
      return p.ok ? p.resourceClass.name : p.message;
    };
    expect(place({ accelerator: 'any' })).toBe('any');
    expect(place({ accelerator: 'cpu' })).toBe('cpu');
    expect(place({ accelerator: 'gpu' })).toBe('gpu');
    expect(place({ accelerator: 'gpu', minDeviceMemoryGb: 24 })).toBe('gpu-40g');
    expect(place({ accelerator: 'gpu', minDeviceMemoryGb: 40 })).toBe('gpu-40g');
    expect(place({ accelerator: 'gpu', minDeviceMemoryGb: 41 })).toBe('gpu-80g');
    expect(place({ accelerator: 'any', minDeviceMemoryGb: 60 })).toBe('gpu-80g');
  });

  it('refuses a run no class could ever serve, naming the field and the classes', () => {
    const tooBig = placeRun({ accelerator: 'gpu', minDeviceMemoryGb: 141 }, classes);
    expect(tooBig).toEqual({
      ok: false,
      path: 'resources.minDeviceMemoryGb',
      message: expect.stringMatching(/no resource class offers a gpu with at least 141 GB; configured classes: cpu \(cpu\), gpu \(gpu\), gpu-40g \(gpu, ≥40 GB\), gpu-80g/),
    });
    const noGpu = placeRun({ accelerator: 'gpu' }, parseResourceClasses('cpu=cpu'));
    expect(noGpu).toMatchObject({ ok: false, path: 'resources.accelerator' });
  });

  it('gives a worker every class its device can serve', () => {
    const names = (kind: 'cpu' | 'gpu', memoryGb: number, requested?: string[]) => assignClasses({ kind, memoryGb }, classes, requested);
    expect(names('cpu', 24)).toEqual({ ok: true, classes: ['cpu', 'any'] });
    expect(names('gpu', 85.5)).toEqual({ ok: true, classes: ['gpu', 'gpu-40g', 'gpu-80g', 'any'] });
    expect(names('gpu', 25.8)).toEqual({ ok: true, classes: ['gpu', 'any'] });
    // Memory unknown: only classes without a floor.
    expect(names('gpu', 0)).toEqual({ ok: true, classes: ['gpu', 'any'] });
    expect(names('gpu', 85.5, ['gpu-80g'])).toEqual({ ok: true, classes: ['gpu-80g'] });
    const refused = names('gpu', 25.8, ['gpu-80g', 'tpu']);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.message).toMatch(/gpu-80g: needs gpu with ≥80 GB; this worker has gpu with 25.8 GB; tpu: no such resource class/);
    expect(canServe({ kind: 'cpu', memoryGb: 1 }, classes[4])).toBe(true);
  });
});
