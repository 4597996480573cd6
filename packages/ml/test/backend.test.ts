import { describe, expect, it } from 'vitest';
import { BACKEND_ENV_VAR, backendFromEnv, currentBackend, initBackend, tf } from '../src/index.js';

describe('initBackend', () => {
  it("falls through the missing native packages to 'wasm' here, idempotently", async () => {
    const forced = backendFromEnv();
    const info = await initBackend();
    expect(info.backend).toBe(forced ?? 'wasm');
    if (!forced) {
      expect(info.detail).toMatch(/tfjs-backend-wasm/);
      expect(info.detail).toMatch(/tensorflow-gpu: /);
      expect(tf.getBackend()).toBe('wasm');
    }
    const again = await initBackend();
    expect(again).toBe(info);
    expect(currentBackend()).toBe(info);
    const [a, b] = await Promise.all([initBackend(), initBackend()]);
    expect(a).toBe(info);
    expect(b).toBe(info);
  });

  it('validates the environment override', () => {
    expect(backendFromEnv({ [BACKEND_ENV_VAR]: 'cpu' })).toBe('cpu');
    expect(backendFromEnv({ [BACKEND_ENV_VAR]: ' WASM ' })).toBe('wasm');
    expect(backendFromEnv({ [BACKEND_ENV_VAR]: 'auto' })).toBeUndefined();
    expect(backendFromEnv({})).toBeUndefined();
    expect(() => backendFromEnv({ [BACKEND_ENV_VAR]: 'webgl' })).toThrow(/ANCHORAGE_TF_BACKEND/);
  });

  it('rejects an unknown preferred backend', async () => {
    await expect(initBackend('gpu' as never)).rejects.toThrow(/unknown backend/);
  });

  it.skipIf(backendFromEnv() !== undefined)('switches when asked for another starting point, then stays', async () => {
    const cpu = await initBackend('cpu');
    expect(cpu.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await initBackend()).toBe(cpu);
    expect(await initBackend('cpu')).toBe(cpu);
    const wasm = await initBackend('wasm');
    expect(wasm.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    // 'tensorflow' is not installed: the chain falls through to wasm, and asking again does not retry.
    const tfn = await initBackend('tensorflow');
    expect(tfn.backend).toBe('wasm');
    expect(tfn.detail).toMatch(/tensorflow: /);
    expect(await initBackend('tensorflow')).toBe(tfn);
  });
});
