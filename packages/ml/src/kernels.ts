/**
 * Custom fused kernels for the wasm and cpu backends (toolchain.md, "TensorFlow.js on wasm"): where a
 * computation is a chain of small element-wise or row-wise ops, one kernel replaces the chain, which
 * saves the launches (engine bookkeeping, autodiff tape entries) and the passes over memory.
 *
 * - On wasm the kernels run as WebAssembly SIMD functions on the backend's own memory (wasm-simd.ts).
 * - On cpu, and on wasm where SIMD is unavailable, they run as JavaScript loops.
 * - Other backends (e.g. tfjs-node) have none: callers check {@link hasFusedKernel} and use the op
 *   chain instead.
 *
 * The element-wise kernels (AdamW update, GELU argument and gradient) apply the float32 operations
 * of the op chains they replace in the same order: SIMD lanes are IEEE single precision, and the
 * JavaScript loops round every intermediate with `Math.fround` (a double-precision +, −, ×, ÷ or √
 * of float32 values rounded to float32 is the correctly rounded float32 result), so both give the
 * op chain's results bit for bit. The LayerNorm kernels sum rows and columns in their own order, so
 * they agree with the op chain to float32 rounding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { simdKernels, type SimdKernels } from './wasm-simd.js';

type TensorInfo = { dataId: object; shape: number[]; dtype: string };
type KernelArgs = Parameters<tf.KernelFunc>[0];

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { asm?: { memory?: WebAssembly.Memory } };
}

interface CpuBackendLike {
  data: { get(dataId: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): TensorInfo;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

let simdDisabled = false;

/** Turns the WebAssembly SIMD kernels off (true: JavaScript loops on wasm too) or on; returns the previous setting. For tests. */
export function setSimdKernelsDisabled(disabled: boolean): boolean {
  const prev = simdDisabled;
  simdDisabled = disabled;
  return prev;
}

/** Whether the active backend runs the fused kernels as WebAssembly SIMD (wasm with SIMD, not disabled). */
export function wasmSimdAvailable(): boolean {
  if (simdDisabled || tf.getBackend() !== 'wasm') return false;
  return simdKernels((tf.backend() as unknown as WasmBackendLike).wasm?.asm?.memory) != null;
}

/**
 * One kernel's implementations: `simd` gets byte offsets of the inputs (0 for a missing optional one)
 * and of the freshly allocated outputs; `js` gets float32 views (undefined for a missing input).
 */
interface FusedKernel<A> {
  outputs(inputs: Array<TensorInfo | undefined>, attrs: A): number[][];
  simd(k: SimdKernels, inputs: number[], outputs: number[], attrs: A, shapes: Array<number[] | undefined>): void;
  js(inputs: Array<Float32Array | undefined>, outputs: Float32Array[], attrs: A, shapes: Array<number[] | undefined>): void;
}

function kernelFunc<A>(backendName: string, inputNames: readonly string[], impl: FusedKernel<A>): tf.KernelFunc {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const named = inputs as unknown as Record<string, TensorInfo | undefined>;
    const ins = inputNames.map((n) => named[n]);
    const a = attrs as unknown as A;
    const shapes = ins.map((t) => t?.shape);
    const outShapes = impl.outputs(ins, a);
    if (backendName === 'wasm') {
      const w = backend as unknown as WasmBackendLike;
      // Allocate first: allocation may grow the heap (and detach views taken before).
      const outs = outShapes.map((s) => w.makeOutput(s, 'float32'));
      const simd = simdDisabled ? null : simdKernels(w.wasm?.asm?.memory);
      if (simd) {
        const ptr = (t: TensorInfo | undefined) => (t ? w.dataIdMap.get(t.dataId)!.memoryOffset : 0);
        impl.simd(simd, ins.map(ptr), outs.map(ptr), a, shapes);
      } else {
        impl.js(
          ins.map((t) => (t ? w.typedArrayFromHeap(t) : undefined)),
          outs.map((t) => w.typedArrayFromHeap(t)),
          a,
          shapes,
        );
      }
      return outs as unknown as tf.TensorInfo[];
    }
    const c = backend as unknown as CpuBackendLike;
    const outVals = outShapes.map((s) => new Float32Array(sizeOf(s)));
    impl.js(
      ins.map((t) => (t ? (c.data.get(t.dataId).values as Float32Array) : undefined)),
      outVals,
      a,
      shapes,
    );
    return outShapes.map((s, i) => c.makeTensorInfo(s, 'float32', outVals[i]!)) as unknown as tf.TensorInfo[];
  };
}

// ---------------------------------------------------------------------------------------------
// AdamW.

/** Kernel name of the fused AdamW parameter update. */
export const ADAMW_UPDATE = 'AnchorageAdamWUpdate';

/**
 * Scalars of one AdamW update, each already a float32 value (as `tf.scalar` would hold it).
 * `decay` = 1 − lr·wd (1: no decay), `negLr` = −lr, `omab1/2` = 1 − β^t.
 */
export interface AdamWUpdateAttrs {
  decay: number;
  beta1: number;
  beta2: number;
  oneMinusBeta1: number;
  oneMinusBeta2: number;
  omab1: number;
  omab2: number;
  epsilon: number;
  negLr: number;
}

/**
 * x' = x·decay − lr·m̂/(√v̂ + ε) with m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g², m̂ = m'/(1−β1^t),
 * v̂ = v'/(1−β2^t), rounded exactly as the op chain of tfjs's Adam (after `x.assign(x·decay)`) rounds
 * it; a missing gradient counts as zeros. (x·1 = x exactly, so decay 1 is no decay.)
 */
const adamwKernel: FusedKernel<AdamWUpdateAttrs> = {
  outputs: ([x]) => [x!.shape, x!.shape, x!.shape],
  simd: (k, [x, g, m, v], [xo, mo, vo], a, [shape]) =>
    k.adamw(x!, g!, m!, v!, xo!, mo!, vo!, sizeOf(shape!), a.decay, a.beta1, a.beta2, a.oneMinusBeta1, a.oneMinusBeta2, a.omab1, a.omab2, a.epsilon, a.negLr),
  js: ([x, g, m, v], [xo, mo, vo], a) => {
    const f = Math.fround;
    const { decay, beta1, beta2, oneMinusBeta1, oneMinusBeta2, omab1, omab2, epsilon, negLr } = a;
    const n = x!.length;
    for (let i = 0; i < n; i++) {
      const gi = g ? g[i]! : 0;
      const mi = f(f(m![i]! * beta1) + f(gi * oneMinusBeta1));
      const vi = f(f(v![i]! * beta2) + f(f(gi * gi) * oneMinusBeta2));
      mo![i] = mi;
      vo![i] = vi;
      xo![i] = f(f(f(f(mi / omab1) / f(f(Math.sqrt(f(vi / omab2))) + epsilon)) * negLr) + f(x![i]! * decay));
    }
  },
};

/**
 * One fused AdamW update of a float32 tensor `x` with moments `m`, `v` and gradient `g` (undefined:
 * zeros). Returns [x', m', v']. Only where {@link hasFusedKernel}(ADAMW_UPDATE).
 */
export function adamwUpdate(x: tf.Tensor, g: tf.Tensor | undefined, m: tf.Tensor, v: tf.Tensor, attrs: AdamWUpdateAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  ensureFusedKernels();
  const inputs: Record<string, tf.Tensor> = { x, m, v };
  if (g) inputs['g'] = g;
  return runFused(ADAMW_UPDATE, inputs, attrs) as [tf.Tensor, tf.Tensor, tf.Tensor];
}

// ---------------------------------------------------------------------------------------------
// GELU (tanh form written with a sigmoid, ops.ts).

/** Kernel names of the GELU pieces: z = x·(x²·k2 + k1), and dx = dy·(s + x·s·(1−s)·(3k2·x² + k1)). */
export const GELU_ARG = 'AnchorageGeluArg';
export const GELU_GRAD = 'AnchorageGeluGrad';

interface GeluAttrs {
  k1: number;
  k2: number;
}

const geluArgKernel: FusedKernel<GeluAttrs> = {
  outputs: ([x]) => [x!.shape],
  simd: (k, [x], [z], a, [shape]) => k.geluArg(x!, z!, sizeOf(shape!), Math.fround(a.k1), Math.fround(a.k2)),
  js: ([x], [z], a) => {
    const f = Math.fround;
    const k1 = f(a.k1);
    const k2 = f(a.k2);
    for (let i = 0; i < x!.length; i++) {
      const xi = x![i]!;
      z![i] = f(xi * f(f(f(xi * xi) * k2) + k1));
    }
  },
};

const geluGradKernel: FusedKernel<GeluAttrs> = {
  outputs: ([dy]) => [dy!.shape],
  simd: (k, [dy, x, s], [dx], a, [shape]) => k.geluGrad(dy!, x!, s!, dx!, sizeOf(shape!), Math.fround(a.k1), Math.fround(3 * a.k2), 1),
  js: ([dy, x, s], [dx], a) => {
    const f = Math.fround;
    const k1 = f(a.k1);
    const k2x3 = f(3 * a.k2);
    for (let i = 0; i < dy!.length; i++) {
      const xi = x![i]!;
      const si = s![i]!;
      dx![i] = f(dy![i]! * f(si + f(f(xi * f(si * f(1 - si))) * f(f(f(xi * xi) * k2x3) + k1))));
    }
  },
};

/** z = x·(x²·k2 + k1) (the ops x², ·k2, +k1, x· in that order). Only where {@link hasFusedKernel}(GELU_ARG). */
export function geluArg(x: tf.Tensor, k1: number, k2: number): tf.Tensor {
  return runFused(GELU_ARG, { x }, { k1, k2 })[0]!;
}

/** dy·(s + (x·(s·(1 − s)))·((x·x)·3k2 + k1)), the gradient of x·σ(z) above. Only where {@link hasFusedKernel}(GELU_GRAD). */
export function geluGrad(dy: tf.Tensor, x: tf.Tensor, s: tf.Tensor, k1: number, k2: number): tf.Tensor {
  return runFused(GELU_GRAD, { dy, x, s }, { k1, k2 })[0]!;
}

// ---------------------------------------------------------------------------------------------
// LayerNorm over the last axis of x [M, D].

export const LAYER_NORM = 'AnchorageLayerNorm';
export const LAYER_NORM_GRAD = 'AnchorageLayerNormGrad';

const layerNormKernel: FusedKernel<{ epsilon: number }> = {
  outputs: ([x]) => [x!.shape, x!.shape, [x!.shape[0]!, 1]],
  simd: (k, [x, g, b], [y, xhat, inv], a, [shape]) => k.layerNorm(x!, g!, b!, y!, xhat!, inv!, shape![0]!, shape![1]!, shape![1]!, Math.fround(a.epsilon)),
  js: ([x, g, b], [y, xhat, inv], a, [shape]) => {
    const f = Math.fround;
    const [M, D] = shape as [number, number];
    const eps = f(a.epsilon);
    for (let r = 0; r < M; r++) {
      const o = r * D;
      let s = 0;
      for (let j = 0; j < D; j++) s = f(s + x![o + j]!);
      const mean = f(s / D);
      let sv = 0;
      for (let j = 0; j < D; j++) {
        const c = f(x![o + j]! - mean);
        sv = f(sv + f(c * c));
      }
      const iv = f(1 / f(Math.sqrt(f(f(sv / D) + eps))));
      inv![r] = iv;
      for (let j = 0; j < D; j++) {
        const xh = f(f(x![o + j]! - mean) * iv);
        xhat![o + j] = xh;
        y![o + j] = f(f(xh * g![j]!) + b![j]!);
      }
    }
  },
};

const layerNormGradKernel: FusedKernel<Record<string, never>> = {
  outputs: ([dy]) => [dy!.shape, [dy!.shape[1]!], [dy!.shape[1]!]],
  simd: (k, [dy, xhat, inv, g], [dx, dg, db], _a, [shape]) => k.layerNormGrad(dy!, xhat!, inv!, g!, dx!, dg!, db!, shape![0]!, shape![1]!, shape![1]!),
  js: ([dy, xhat, inv, g], [dx, dg, db], _a, [shape]) => {
    const f = Math.fround;
    const [M, D] = shape as [number, number];
    dg!.fill(0);
    db!.fill(0);
    for (let r = 0; r < M; r++) {
      const o = r * D;
      let s1 = 0;
      let s2 = 0;
      for (let j = 0; j < D; j++) {
        const gh = f(dy![o + j]! * g![j]!);
        s1 = f(s1 + gh);
        s2 = f(s2 + f(gh * xhat![o + j]!));
        dg![j] = f(dg![j]! + f(dy![o + j]! * xhat![o + j]!));
        db![j] = f(db![j]! + dy![o + j]!);
      }
      const m1 = f(s1 / D);
      const m2 = f(s2 / D);
      const iv = inv![r]!;
      for (let j = 0; j < D; j++) {
        const gh = f(dy![o + j]! * g![j]!);
        dx![o + j] = f(iv * f(f(gh - m1) - f(xhat![o + j]! * m2)));
      }
    }
  },
};

/**
 * LayerNorm of x [M, D] over its last axis: returns [y, xhat, inv] with xhat = (x − mean)·inv,
 * inv [M, 1] = 1/√(var + ε), y = xhat·γ + β. Only where {@link hasFusedKernel}(LAYER_NORM).
 */
export function layerNormFused(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
  return runFused(LAYER_NORM, { x, gamma, beta }, { epsilon }) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
}

/** Gradients [dx, dγ, dβ] of {@link layerNormFused} for upstream dy. */
export function layerNormFusedGrad(dy: tf.Tensor2D, xhat: tf.Tensor2D, inv: tf.Tensor2D, gamma: tf.Tensor1D): [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D] {
  return runFused(LAYER_NORM_GRAD, { dy, xhat, inv, gamma }, {}) as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
}

// ---------------------------------------------------------------------------------------------
// Registration.

const KERNELS: Array<{ name: string; inputs: readonly string[]; impl: FusedKernel<never> }> = [
  { name: ADAMW_UPDATE, inputs: ['x', 'g', 'm', 'v'], impl: adamwKernel as FusedKernel<never> },
  { name: GELU_ARG, inputs: ['x'], impl: geluArgKernel as FusedKernel<never> },
  { name: GELU_GRAD, inputs: ['dy', 'x', 's'], impl: geluGradKernel as FusedKernel<never> },
  { name: LAYER_NORM, inputs: ['x', 'gamma', 'beta'], impl: layerNormKernel as FusedKernel<never> },
  { name: LAYER_NORM_GRAD, inputs: ['dy', 'xhat', 'inv', 'gamma'], impl: layerNormGradKernel as FusedKernel<never> },
];

function runFused(name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor[] {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
}

let registered = false;

/** Registers the fused kernels for the wasm and cpu backends (idempotent). */
export function ensureFusedKernels(): void {
  if (registered) return;
  registered = true;
  for (const backendName of ['wasm', 'cpu']) {
    for (const k of KERNELS) {
      if (tf.getKernel(k.name, backendName) == null) tf.registerKernel({ kernelName: k.name, backendName, kernelFunc: kernelFunc(backendName, k.inputs, k.impl) });
    }
  }
}

let fusedDisabled = false;

/** Turns all fused kernels off (true: callers use their op chains) or on; returns the previous setting. For tests. */
export function setFusedKernelsDisabled(disabled: boolean): boolean {
  const prev = fusedDisabled;
  fusedDisabled = disabled;
  return prev;
}

/** Whether the active backend has the fused kernel `name` (registering the kernels first). */
export function hasFusedKernel(name: string): boolean {
  if (fusedDisabled) return false;
  ensureFusedKernels();
  return tf.getKernel(name, tf.getBackend()) != null;
}
