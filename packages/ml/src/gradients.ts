/**
 * Gradient registrations for the kernels Anchorage differentiates through.
 *
 * `@tensorflow/tfjs-core`'s Node bundle (dist/tf-core.node.js, what `import '@tensorflow/tfjs-core'`
 * loads in Node) does not register any gradients: the union package `@tensorflow/tfjs` does that via
 * `register_all_gradients`, and it is not a dependency here. Without them every `tf.grad` /
 * `variableGrads` fails with "gradient function not found for <Kernel>".
 *
 * {@link ensureGradients} registers our own implementations only for kernels that have none, so a
 * process that also loads `@tensorflow/tfjs` (e.g. through `@tensorflow/tfjs-node`) keeps the
 * official ones. Matrix products use explicit `transpose()` + plain `matMul` (fast on wasm).
 */
import * as tf from '@tensorflow/tfjs-core';

type Grads = Record<string, () => tf.Tensor>;
type Attrs = Record<string, unknown>;

/** Sums `dy` over broadcast axes so that it has `shape`. */
function reduceTo(dy: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.broadcast_util.getReductionAxes(shape, dy.shape);
  const r = axes.length > 0 ? tf.sum(dy, axes) : dy;
  return tf.reshape(r, shape);
}

/** Swaps the last two axes with an explicit transpose. */
function t(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = x.rank;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return tf.transpose(x, perm);
}

/** Re-expands a reduced `dy` to x's shape. */
function expandReduced(dy: tf.Tensor, xShape: number[], axisAttr: unknown): tf.Tensor {
  const axes = tf.util.parseAxisParam(axisAttr as number | number[], xShape);
  const expanded = xShape.slice();
  for (const a of axes) expanded[a] = 1;
  return tf.mul(tf.reshape(dy, expanded), tf.ones(xShape, 'float32'));
}

function minMaxGrad(dy: tf.Tensor, y: tf.Tensor, x: tf.Tensor, axisAttr: unknown): tf.Tensor {
  const axes = tf.util.parseAxisParam(axisAttr as number | number[], x.shape);
  const expanded = x.shape.slice();
  for (const a of axes) expanded[a] = 1;
  const yE = tf.reshape(y, expanded);
  const dyE = tf.reshape(dy, expanded);
  return tf.mul(dyE, tf.cast(tf.equal(yE, x), dy.dtype));
}

type GradFn = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: Attrs) => Grads | Array<() => tf.Tensor>;

interface Spec {
  kernelName: string;
  inputsToSave?: string[];
  saveAllInputs?: boolean;
  outputsToSave?: boolean[];
  gradFunc: GradFn;
}

const one = (dy: tf.Tensor | tf.Tensor[]) => dy as tf.Tensor;

const SPECS: Spec[] = [
  {
    kernelName: tf.Add,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({ a: () => reduceTo(one(dy), a!.shape), b: () => reduceTo(one(dy), b!.shape) }),
  },
  {
    kernelName: tf.Sub,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({ a: () => reduceTo(one(dy), a!.shape), b: () => reduceTo(tf.neg(one(dy)), b!.shape) }),
  },
  {
    kernelName: tf.Multiply,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => reduceTo(tf.mul(one(dy), tf.cast(b!, 'float32')), a!.shape),
      b: () => reduceTo(tf.mul(one(dy), tf.cast(a!, 'float32')), b!.shape),
    }),
  },
  {
    kernelName: tf.RealDiv,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => reduceTo(tf.div(one(dy), tf.cast(b!, 'float32')), a!.shape),
      b: () => reduceTo(tf.neg(tf.div(tf.mul(one(dy), a!), tf.square(b!))), b!.shape),
    }),
  },
  {
    kernelName: tf.SquaredDifference,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => reduceTo(tf.mul(one(dy), tf.mul(2, tf.sub(a!, b!))), a!.shape),
      b: () => reduceTo(tf.mul(one(dy), tf.mul(2, tf.sub(b!, a!))), b!.shape),
    }),
  },
  {
    kernelName: tf.Maximum,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => reduceTo(tf.mul(one(dy), tf.cast(tf.greaterEqual(a!, b!), 'float32')), a!.shape),
      b: () => reduceTo(tf.mul(one(dy), tf.cast(tf.less(a!, b!), 'float32')), b!.shape),
    }),
  },
  {
    kernelName: tf.Minimum,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => reduceTo(tf.mul(one(dy), tf.cast(tf.lessEqual(a!, b!), 'float32')), a!.shape),
      b: () => reduceTo(tf.mul(one(dy), tf.cast(tf.greater(a!, b!), 'float32')), b!.shape),
    }),
  },
  {
    kernelName: tf.AddN,
    saveAllInputs: true,
    gradFunc: (dy, saved) => saved.map(() => () => tf.clone(one(dy))),
  },
  { kernelName: tf.Neg, gradFunc: (dy) => ({ x: () => tf.neg(one(dy)) }) },
  { kernelName: tf.Identity, gradFunc: (dy) => ({ x: () => tf.clone(one(dy)) }) },
  { kernelName: tf.Cast, gradFunc: (dy) => ({ x: () => tf.clone(one(dy)) }) },
  { kernelName: tf.Exp, outputsToSave: [true], gradFunc: (dy, [y]) => ({ x: () => tf.mul(one(dy), y!) }) },
  { kernelName: tf.Log, inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.div(one(dy), x!) }) },
  { kernelName: tf.Log1p, inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.div(one(dy), tf.add(x!, 1)) }) },
  { kernelName: tf.Square, inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(one(dy), tf.mul(x!, 2)) }) },
  { kernelName: tf.Sqrt, inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.div(one(dy), tf.mul(tf.sqrt(x!), 2)) }) },
  {
    kernelName: tf.Rsqrt,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(one(dy), tf.mul(tf.pow(x!, -1.5), -0.5)) }),
  },
  {
    kernelName: tf.Reciprocal,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.neg(tf.div(one(dy), tf.square(x!))) }),
  },
  { kernelName: tf.Abs, inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(one(dy), tf.sign(x!)) }) },
  {
    kernelName: tf.Erf,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(one(dy), tf.mul(tf.exp(tf.neg(tf.square(x!))), 2 / Math.sqrt(Math.PI))) }),
  },
  {
    kernelName: tf.Tanh,
    outputsToSave: [true],
    gradFunc: (dy, [y]) => ({ x: () => tf.mul(one(dy), tf.sub(1, tf.square(y!))) }),
  },
  {
    kernelName: tf.Sigmoid,
    outputsToSave: [true],
    gradFunc: (dy, [y]) => ({ x: () => tf.mul(one(dy), tf.mul(y!, tf.sub(1, y!))) }),
  },
  { kernelName: tf.Softplus, inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(one(dy), tf.sigmoid(x!)) }) },
  { kernelName: tf.Relu, inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(one(dy), tf.step(x!)) }) },
  {
    kernelName: tf.LeakyRelu,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({ x: () => tf.where(tf.greater(x!, 0), one(dy), tf.mul(one(dy), attrs['alpha'] as number)) }),
  },
  {
    kernelName: tf.ClipByValue,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () =>
        tf.where(
          tf.logicalAnd(tf.greaterEqual(x!, attrs['clipValueMin'] as number), tf.lessEqual(x!, attrs['clipValueMax'] as number)),
          one(dy),
          tf.zerosLike(one(dy)),
        ),
    }),
  },
  {
    kernelName: tf.Select,
    inputsToSave: ['condition'],
    gradFunc: (dy, [cond]) => ({
      condition: () => tf.cast(tf.zerosLike(cond!), 'float32'),
      t: () => tf.mul(one(dy), tf.cast(cond!, 'float32')),
      e: () => tf.mul(one(dy), tf.cast(tf.logicalNot(cond!), 'float32')),
    }),
  },
  { kernelName: tf.Reshape, inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.reshape(one(dy), x!.shape) }) },
  { kernelName: tf.ExpandDims, inputsToSave: ['input'], gradFunc: (dy, [x]) => ({ input: () => tf.reshape(one(dy), x!.shape) }) },
  {
    kernelName: tf.Transpose,
    gradFunc: (dy, _saved, attrs) => ({
      x: () => tf.transpose(one(dy), tf.backend_util.getUndoAxesPermutation(attrs['perm'] as number[])),
    }),
  },
  {
    kernelName: tf.Concat,
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam(attrs['axis'] as number, saved[0]!.shape)[0]!;
      const parts = tf.split(one(dy), saved.map((s) => s.shape[axis]!), axis);
      return parts.map((p) => () => p);
    },
  },
  {
    kernelName: tf.SplitV,
    gradFunc: (dy, _saved, attrs) => ({ x: () => tf.concat(dy as tf.Tensor[], attrs['axis'] as number) }),
  },
  { kernelName: tf.Pack, saveAllInputs: true, gradFunc: (dy, _s, attrs) => tf.unstack(one(dy), attrs['axis'] as number).map((p) => () => p) },
  { kernelName: tf.Unpack, gradFunc: (dy, _s, attrs) => ({ value: () => tf.stack(dy as tf.Tensor[], attrs['axis'] as number) }) },
  {
    kernelName: tf.Slice,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const [begin, size] = tf.slice_util.parseSliceParams(x!, attrs['begin'] as number[], attrs['size'] as number[]);
      const paddings = x!.shape.map((d, i) => [begin![i]!, d - begin![i]! - size![i]!] as [number, number]);
      return { x: () => tf.pad(one(dy), paddings) };
    },
  },
  {
    kernelName: tf.PadV2,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => tf.slice(one(dy), (attrs['paddings'] as Array<[number, number]>).map((p) => p[0]), x!.shape),
    }),
  },
  {
    kernelName: tf.Tile,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        // dy has shape [r0·d0, r1·d1, ...]: view as [r0, d0, r1, d1, ...] and sum the r axes.
        const reps = attrs['reps'] as number[];
        const split: number[] = [];
        const axes: number[] = [];
        x!.shape.forEach((d, i) => {
          axes.push(split.length);
          split.push(reps[i]!, d);
        });
        return tf.reshape(tf.sum(tf.reshape(one(dy), split), axes), x!.shape);
      },
    }),
  },
  {
    kernelName: tf.Softmax,
    outputsToSave: [true],
    gradFunc: (dy, [y], attrs) => {
      const dyY = tf.mul(one(dy), y!);
      return { logits: () => tf.sub(dyY, tf.mul(tf.sum(dyY, [attrs['dim'] as number], true), y!)) };
    },
  },
  { kernelName: tf.Sum, inputsToSave: ['x'], gradFunc: (dy, [x], attrs) => ({ x: () => expandReduced(one(dy), x!.shape, attrs['axis']) }) },
  {
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        const axes = tf.util.parseAxisParam(attrs['axis'] as number | number[], x!.shape);
        const n = axes.reduce((acc, a) => acc * x!.shape[a]!, 1);
        return tf.div(expandReduced(one(dy), x!.shape, attrs['axis']), n);
      },
    }),
  },
  {
    kernelName: tf.Max,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], attrs) => ({ x: () => minMaxGrad(one(dy), y!, x!, attrs['reductionIndices']) }),
  },
  {
    kernelName: tf.Min,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], attrs) => ({ x: () => minMaxGrad(one(dy), y!, x!, attrs['axis']) }),
  },
  {
    kernelName: tf.BatchMatMul,
    inputsToSave: ['a', 'b'],
    gradFunc: (dyIn, [a, b], attrs) => {
      const dy = one(dyIn);
      const tA = attrs['transposeA'] === true;
      const tB = attrs['transposeB'] === true;
      const mm = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y);
      let da: () => tf.Tensor;
      let db: () => tf.Tensor;
      if (!tA && !tB) {
        da = () => mm(dy, t(b!));
        db = () => mm(t(a!), dy);
      } else if (!tA && tB) {
        da = () => mm(dy, b!);
        db = () => mm(t(dy), a!);
      } else if (tA && !tB) {
        da = () => mm(b!, t(dy));
        db = () => mm(a!, dy);
      } else {
        da = () => mm(t(b!), t(dy));
        db = () => mm(t(dy), t(a!));
      }
      return { a: () => reduceTo(da(), a!.shape), b: () => reduceTo(db(), b!.shape) };
    },
  },
  // Non-differentiable kernels that may sit on a taped path: zero gradients.
  ...[tf.OnesLike, tf.ZerosLike, tf.Sign, tf.Floor, tf.Ceil, tf.Round, tf.Step].map(
    (kernelName): Spec => ({ kernelName, gradFunc: (dy) => ({ x: () => tf.zerosLike(one(dy)) }) }),
  ),
  { kernelName: tf.OneHot, inputsToSave: ['indices'], gradFunc: (_dy, [indices]) => ({ indices: () => tf.zeros(indices!.shape, 'float32') }) },
];

let ensured = false;

/**
 * Registers gradients for the kernels listed above where none is registered yet. Idempotent;
 * returns the kernel names it registered on this call.
 */
export function ensureGradients(): string[] {
  if (ensured) return [];
  ensured = true;
  const added: string[] = [];
  for (const spec of SPECS) {
    if (tf.getGradient(spec.kernelName) != null) continue;
    tf.registerGradient(spec as unknown as tf.GradConfig);
    added.push(spec.kernelName);
  }
  return added;
}
