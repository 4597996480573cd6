/**
 * A tiny hand-assembled WebAssembly SIMD module whose functions work in place on the wasm backend's
 * own memory (imported, so no copies): fused loops for kernels.ts at four float32 lanes per
 * instruction. WebAssembly's f32x4 add, sub, mul, div and sqrt are IEEE single-precision operations,
 * so an element-wise function that applies the same operations in the same order as an op chain
 * returns the chain's results bit for bit (XNNPACK's kernels behind those ops use the same
 * instructions). Row reductions (LayerNorm) sum in a different order than tfjs's Mean does.
 *
 * The module is emitted byte by byte below, so no toolchain is needed at build time. Element-wise
 * functions are written as small expression programs ({@link Stmt}) compiled twice, to a loop over
 * four lanes and a scalar loop for the remainder. {@link simdKernels} returns null where WebAssembly
 * SIMD is unavailable or the memory is shared (threaded builds); callers then use JavaScript loops.
 */

// ---------------------------------------------------------------------------------------------
// Binary encoding.

/** Unsigned LEB128. */
function u32(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32 constants). */
function s32(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...u32(items.length), ...items.flat()];
const str = (s: string): number[] => vec([...new TextEncoder().encode(s)].map((b) => [b]));
const section = (id: number, body: number[]): number[] => [id, ...u32(body.length), ...body];
const simd = (code: number, ...imm: number[]) => [0xfd, ...u32(code), ...imm];

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

/** The instructions used below (core opcodes, and 0xfd-prefixed SIMD ones). */
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  ifV128: [0x04, V128],
  ifF32: [0x04, F32],
  else: [0x05],
  end: [0x0b],
  br: (d: number) => [0x0c, ...u32(d)],
  brIf: (d: number) => [0x0d, ...u32(d)],
  get: (i: number) => [0x20, ...u32(i)],
  set: (i: number) => [0x21, ...u32(i)],
  tee: (i: number) => [0x22, ...u32(i)],
  i32: (n: number) => [0x41, ...s32(n)],
  i32Eqz: [0x45],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32And: [0x71],
  i32Shl: [0x74],
  f32Load: [0x2a, 0x02, 0x00],
  f32Store: [0x38, 0x02, 0x00],
  f32Zero: [0x43, 0, 0, 0, 0],
  f32Sqrt: [0x91],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  f32Div: [0x95],
  v128Load: simd(0x00, 0x00, 0x00),
  v128Store: simd(0x0b, 0x00, 0x00),
  v128Zero: simd(0x0c, ...new Array<number>(16).fill(0)),
  f32x4Splat: simd(0x13),
  f32x4Lane: (lane: number) => simd(0x1f, lane),
  f32x4Sqrt: simd(0xe3),
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
};

/** `for (counter; counter < limit; counter += step) body`, with `counter` already initialised. */
const forLoop = (counter: number, limit: number, step: number, body: number[]) => [
  ...op.block, ...op.loop,
  ...op.get(counter), ...op.get(limit), ...op.i32GeU, ...op.brIf(1),
  ...body,
  ...op.get(counter), ...op.i32(step), ...op.i32Add, ...op.set(counter),
  ...op.br(0),
  ...op.end, ...op.end,
];

/** Horizontal sum ((l0 + l1) + l2) + l3 of the f32x4 in local `v`. */
const hsum = (v: number) => [
  ...op.get(v), ...op.f32x4Lane(0), ...op.get(v), ...op.f32x4Lane(1), ...op.f32Add,
  ...op.get(v), ...op.f32x4Lane(2), ...op.f32Add, ...op.get(v), ...op.f32x4Lane(3), ...op.f32Add,
];

interface Fn {
  name: string;
  params: number[];
  /** Extra locals as [count, type] runs. */
  locals: Array<[number, number]>;
  body: number[];
}

// ---------------------------------------------------------------------------------------------
// Element-wise functions from expression programs.

/** An expression over float32 values: a load from a pointer parameter, a scalar parameter, a temporary. */
export type Expr =
  | { load: number; orZero?: boolean }
  | { scalar: number }
  | { tmp: number }
  | { op: 'add' | 'sub' | 'mul' | 'div'; a: Expr; b: Expr }
  | { sqrt: Expr };
/** A statement: store an expression at a pointer parameter, or keep it in a temporary. */
export type Stmt = { store: number; value: Expr } | { let: number; value: Expr };

/**
 * Compiles `program` into fn(ptr_0, …, ptr_{p−1}, n, scalar_0, …) applying it to elements 0..n−1 of
 * every pointer (byte offsets of float32 arrays). `{ load: i, orZero: true }` reads zeros where
 * pointer i is 0.
 */
function elementwise(name: string, pointers: number, scalars: number, temps: number, program: Stmt[]): Fn {
  const N = pointers;
  const scalarParam = (i: number) => pointers + 1 + i;
  const nParams = pointers + 1 + scalars;
  const I = nParams;
  const N4 = nParams + 1;
  const OFF = nParams + 2;
  const splat = (i: number) => nParams + 3 + i;
  const vtmp = (i: number) => nParams + 3 + scalars + i;
  const stmp = (i: number) => nParams + 3 + scalars + temps + i;

  const compile = (vector: boolean): number[] => {
    const load = vector ? op.v128Load : op.f32Load;
    const store = vector ? op.v128Store : op.f32Store;
    const bin = { add: vector ? op.f32x4Add : op.f32Add, sub: vector ? op.f32x4Sub : op.f32Sub, mul: vector ? op.f32x4Mul : op.f32Mul, div: vector ? op.f32x4Div : op.f32Div };
    const addr = (p: number) => [...op.get(p), ...op.get(OFF), ...op.i32Add];
    const expr = (e: Expr): number[] => {
      if ('load' in e) {
        if (!e.orZero) return [...addr(e.load), ...load];
        return [...op.get(e.load), ...op.i32Eqz, ...(vector ? op.ifV128 : op.ifF32), ...(vector ? op.v128Zero : op.f32Zero), ...op.else, ...addr(e.load), ...load, ...op.end];
      }
      if ('scalar' in e) return op.get(vector ? splat(e.scalar) : scalarParam(e.scalar));
      if ('tmp' in e) return op.get(vector ? vtmp(e.tmp) : stmp(e.tmp));
      if ('sqrt' in e) return [...expr(e.sqrt), ...(vector ? op.f32x4Sqrt : op.f32Sqrt)];
      return [...expr(e.a), ...expr(e.b), ...bin[e.op]];
    };
    return program.flatMap((s) => ('store' in s ? [...addr(s.store), ...expr(s.value), ...store] : [...expr(s.value), ...op.set(vector ? vtmp(s.let) : stmp(s.let))]));
  };

  const body = [
    ...Array.from({ length: scalars }, (_, i) => [...op.get(scalarParam(i)), ...op.f32x4Splat, ...op.set(splat(i))]).flat(),
    ...op.get(N), ...op.i32(-4), ...op.i32And, ...op.set(N4),
    ...forLoop(I, N4, 4, [...op.get(I), ...op.i32(2), ...op.i32Shl, ...op.set(OFF), ...compile(true)]),
    ...forLoop(I, N, 1, [...op.get(I), ...op.i32(2), ...op.i32Shl, ...op.set(OFF), ...compile(false)]),
  ];
  return {
    name,
    params: [...new Array<number>(pointers + 1).fill(I32), ...new Array<number>(scalars).fill(F32)],
    locals: [
      [3, I32],
      [scalars + temps, V128],
      [temps, F32],
    ],
    body,
  };
}

const L = (i: number): Expr => ({ load: i });
const S = (i: number): Expr => ({ scalar: i });
const T = (i: number): Expr => ({ tmp: i });
const add = (a: Expr, b: Expr): Expr => ({ op: 'add', a, b });
const sub = (a: Expr, b: Expr): Expr => ({ op: 'sub', a, b });
const mul = (a: Expr, b: Expr): Expr => ({ op: 'mul', a, b });
const div = (a: Expr, b: Expr): Expr => ({ op: 'div', a, b });

/**
 * adamw(x, g, m, v, xo, mo, vo, n; decay, β1, β2, 1−β1, 1−β2, 1−β1^t, 1−β2^t, ε, −lr):
 * m' = m·β1 + g·(1−β1); v' = v·β2 + (g·g)·(1−β2);
 * x' = ((m'/(1−β1^t)) / (√(v'/(1−β2^t)) + ε))·(−lr) + x·decay — kernels.ts adamwLoop; g = 0: zeros.
 */
const adamw = elementwise('adamw', 7, 9, 3, [
  { let: 0, value: { load: 1, orZero: true } },
  { let: 1, value: add(mul(L(2), S(1)), mul(T(0), S(3))) },
  { let: 2, value: add(mul(L(3), S(2)), mul(mul(T(0), T(0)), S(4))) },
  { store: 5, value: T(1) },
  { store: 6, value: T(2) },
  { store: 4, value: add(mul(div(div(T(1), S(5)), add({ sqrt: div(T(2), S(6)) }, S(7))), S(8)), mul(L(0), S(0))) },
]);

/** geluArg(x, z, n; k1, k2): z = x·(x·x·k2 + k1), the sigmoid argument of tanh-GELU (ops.ts). */
const geluArg = elementwise('geluArg', 2, 2, 0, [{ store: 1, value: mul(L(0), add(mul(mul(L(0), L(0)), S(1)), S(0))) }]);

/**
 * geluGrad(dy, x, s, dx, n; k1, 3·k2, 1): dx = dy·(s + (x·(s·(1 − s)))·((x·x)·3k2 + k1)), the
 * gradient of x·σ(z) for z = x·(x²·k2 + k1), in the op order of ops.ts.
 */
const geluGrad = elementwise('geluGrad', 4, 3, 0, [
  { store: 3, value: mul(L(0), add(L(2), mul(mul(L(1), mul(L(2), sub(S(2), L(2)))), add(mul(mul(L(1), L(1)), S(1)), S(0))))) },
]);

// ---------------------------------------------------------------------------------------------
// LayerNorm over the rows of an [M, D] matrix.

/**
 * layerNorm(x, γ, β, y, xhat, inv, M, D; D as float, ε): per row, mean = Σx/D, xc = x − mean,
 * var = Σxc²/D, inv = 1/√(var + ε), xhat = xc·inv, y = xhat·γ + β.
 */
function layerNormForward(): Fn {
  const [X, G, B, Y, XH, INV, M, D, FD, EPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [R, J, ROW, D4, OFF] = [10, 11, 12, 13, 14];
  const [ACC, MEANV, IVV] = [15, 16, 17];
  const [SUM, MEAN, IV] = [18, 19, 20];
  const at = (p: number) => [...op.get(p), ...op.get(ROW), ...op.i32Add, ...op.get(OFF), ...op.i32Add];
  const colOff = [...op.get(J), ...op.i32(2), ...op.i32Shl, ...op.set(OFF)];
  /** Σ over the row of f(element), into SUM. */
  const rowSum = (vf: number[], sf: number[]) => [
    ...op.v128Zero, ...op.set(ACC), ...op.i32(0), ...op.set(J),
    ...forLoop(J, D4, 4, [...colOff, ...op.get(ACC), ...vf, ...op.f32x4Add, ...op.set(ACC)]),
    ...hsum(ACC), ...op.set(SUM),
    ...forLoop(J, D, 1, [...colOff, ...op.get(SUM), ...sf, ...op.f32Add, ...op.set(SUM)]),
  ];
  const xc = (vector: boolean) => [...at(X), ...(vector ? op.v128Load : op.f32Load), ...op.get(vector ? MEANV : MEAN), ...(vector ? op.f32x4Sub : op.f32Sub)];
  const normalize = (vector: boolean) => {
    const load = vector ? op.v128Load : op.f32Load;
    const store = vector ? op.v128Store : op.f32Store;
    const m = vector ? op.f32x4Mul : op.f32Mul;
    const a = vector ? op.f32x4Add : op.f32Add;
    const gb = (p: number) => [...op.get(p), ...op.get(OFF), ...op.i32Add, ...load];
    // xhat = (x − mean)·inv; y = xhat·γ + β (xhat kept on the stack through a store and a reload).
    return [
      ...at(XH), ...xc(vector), ...op.get(vector ? IVV : IV), ...m, ...store,
      ...at(Y), ...at(XH), ...load, ...gb(G), ...m, ...gb(B), ...a, ...store,
    ];
  };
  const body = [
    ...op.get(D), ...op.i32(-4), ...op.i32And, ...op.set(D4),
    ...op.i32(0), ...op.set(R),
    ...forLoop(R, M, 1, [
      ...op.get(R), ...op.get(D), ...op.i32Mul, ...op.i32(2), ...op.i32Shl, ...op.set(ROW),
      // mean
      ...rowSum([...at(X), ...op.v128Load], [...at(X), ...op.f32Load]),
      ...op.get(SUM), ...op.get(FD), ...op.f32Div, ...op.tee(MEAN), ...op.f32x4Splat, ...op.set(MEANV),
      // variance of the centred row (IVV / IV hold the centred value while it is squared)
      ...rowSum([...xc(true), ...op.tee(IVV), ...op.get(IVV), ...op.f32x4Mul], [...xc(false), ...op.tee(IV), ...op.get(IV), ...op.f32Mul]),
      // inv = 1/√(Σ/D + ε)
      ...op.get(INV), ...op.get(R), ...op.i32(2), ...op.i32Shl, ...op.i32Add,
      ...[0x43, ...new Uint8Array(new Float32Array([1]).buffer)],
      ...op.get(SUM), ...op.get(FD), ...op.f32Div, ...op.get(EPS), ...op.f32Add, ...op.f32Sqrt, ...op.f32Div,
      ...op.tee(IV), ...op.f32Store,
      ...op.get(IV), ...op.f32x4Splat, ...op.set(IVV),
      ...op.i32(0), ...op.set(J),
      ...forLoop(J, D4, 4, [...colOff, ...normalize(true)]),
      ...forLoop(J, D, 1, [...colOff, ...normalize(false)]),
    ]),
  ];
  return {
    name: 'layerNorm',
    params: [...new Array<number>(8).fill(I32), F32, F32],
    locals: [
      [5, I32],
      [3, V128],
      [3, F32],
    ],
    body,
  };
}

/**
 * layerNormGrad(dy, xhat, inv, γ, dx, dγ, dβ, M, D; D as float): with ĝ = dy·γ per row,
 * dx = inv·((ĝ − Σĝ/D) − xhat·(Σ(ĝ·xhat)/D)); dγ = Σ_rows dy·xhat, dβ = Σ_rows dy.
 */
function layerNormBackward(): Fn {
  const [DY, XH, INV, G, DX, DG, DB, M, D, FD] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [R, J, ROW, D4, OFF] = [10, 11, 12, 13, 14];
  const [A1, A2, M1V, M2V, IVV, T] = [15, 16, 17, 18, 19, 20];
  const [S1, S2, M1, M2, IV, TS] = [21, 22, 23, 24, 25, 26];
  const colOff = [...op.get(J), ...op.i32(2), ...op.i32Shl, ...op.set(OFF)];
  const rowAt = (p: number) => [...op.get(p), ...op.get(ROW), ...op.i32Add, ...op.get(OFF), ...op.i32Add];
  const colAt = (p: number) => [...op.get(p), ...op.get(OFF), ...op.i32Add];
  const pass1 = (vector: boolean) => {
    const load = vector ? op.v128Load : op.f32Load;
    const store = vector ? op.v128Store : op.f32Store;
    const m = vector ? op.f32x4Mul : op.f32Mul;
    const a = vector ? op.f32x4Add : op.f32Add;
    const [a1, a2, t] = vector ? [A1, A2, T] : [S1, S2, TS];
    return [
      // t = ĝ = dy·γ; a1 += ĝ; a2 += ĝ·xhat
      ...rowAt(DY), ...load, ...colAt(G), ...load, ...m, ...op.tee(t),
      ...op.get(a1), ...a, ...op.set(a1),
      ...op.get(a2), ...op.get(t), ...rowAt(XH), ...load, ...m, ...a, ...op.set(a2),
      // dγ += dy·xhat; dβ += dy
      ...colAt(DG), ...colAt(DG), ...load, ...rowAt(DY), ...load, ...rowAt(XH), ...load, ...m, ...a, ...store,
      ...colAt(DB), ...colAt(DB), ...load, ...rowAt(DY), ...load, ...a, ...store,
    ];
  };
  const pass2 = (vector: boolean) => {
    const load = vector ? op.v128Load : op.f32Load;
    const store = vector ? op.v128Store : op.f32Store;
    const m = vector ? op.f32x4Mul : op.f32Mul;
    const s = vector ? op.f32x4Sub : op.f32Sub;
    return [
      ...rowAt(DX),
      ...op.get(vector ? IVV : IV),
      ...rowAt(DY), ...load, ...colAt(G), ...load, ...m, ...op.get(vector ? M1V : M1), ...s,
      ...rowAt(XH), ...load, ...op.get(vector ? M2V : M2), ...m, ...s,
      ...m, ...store,
    ];
  };
  const zero = (vector: boolean) => [
    ...colAt(DG), ...(vector ? op.v128Zero : op.f32Zero), ...(vector ? op.v128Store : op.f32Store),
    ...colAt(DB), ...(vector ? op.v128Zero : op.f32Zero), ...(vector ? op.v128Store : op.f32Store),
  ];
  const body = [
    ...op.get(D), ...op.i32(-4), ...op.i32And, ...op.set(D4),
    ...op.i32(0), ...op.set(J), ...op.i32(0), ...op.set(ROW),
    ...forLoop(J, D4, 4, [...colOff, ...zero(true)]),
    ...forLoop(J, D, 1, [...colOff, ...zero(false)]),
    ...op.i32(0), ...op.set(R),
    ...forLoop(R, M, 1, [
      ...op.get(R), ...op.get(D), ...op.i32Mul, ...op.i32(2), ...op.i32Shl, ...op.set(ROW),
      ...op.v128Zero, ...op.set(A1), ...op.v128Zero, ...op.set(A2),
      ...op.i32(0), ...op.set(J),
      ...forLoop(J, D4, 4, [...colOff, ...pass1(true)]),
      ...hsum(A1), ...op.set(S1), ...hsum(A2), ...op.set(S2),
      ...forLoop(J, D, 1, [...colOff, ...pass1(false)]),
      ...op.get(S1), ...op.get(FD), ...op.f32Div, ...op.tee(M1), ...op.f32x4Splat, ...op.set(M1V),
      ...op.get(S2), ...op.get(FD), ...op.f32Div, ...op.tee(M2), ...op.f32x4Splat, ...op.set(M2V),
      ...op.get(INV), ...op.get(R), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...op.f32Load, ...op.tee(IV), ...op.f32x4Splat, ...op.set(IVV),
      ...op.i32(0), ...op.set(J),
      ...forLoop(J, D4, 4, [...colOff, ...pass2(true)]),
      ...forLoop(J, D, 1, [...colOff, ...pass2(false)]),
    ]),
  ];
  return {
    name: 'layerNormGrad',
    params: [...new Array<number>(9).fill(I32), F32],
    locals: [
      [5, I32],
      [6, V128],
      [6, F32],
    ],
    body,
  };
}

// ---------------------------------------------------------------------------------------------
// Module.

function moduleBytes(fns: Fn[]): Uint8Array<ArrayBuffer> {
  const types = fns.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec([])]);
  const codes = fns.map((f) => {
    const code = [...vec(f.locals.filter(([n]) => n > 0).map(([n, t]) => [...u32(n), t])), ...f.body, ...op.end];
    return [...u32(code.length), ...code];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    // (import "env" "memory" (memory 0)): any size, grows with the backend's.
    ...section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...u32(0)]])),
    ...section(3, vec(fns.map((_, i) => u32(i)))),
    ...section(7, vec(fns.map((f, i) => [...str(f.name), 0x00, ...u32(i)]))),
    ...section(10, vec(codes)),
  ]);
}

/** The functions of the module; pointers are byte offsets into the backend's memory. */
export interface SimdKernels {
  adamw(
    x: number, g: number, m: number, v: number, xo: number, mo: number, vo: number, n: number,
    decay: number, beta1: number, beta2: number, oneMinusBeta1: number, oneMinusBeta2: number,
    omab1: number, omab2: number, epsilon: number, negLr: number,
  ): void;
  geluArg(x: number, z: number, n: number, k1: number, k2: number): void;
  geluGrad(dy: number, x: number, s: number, dx: number, n: number, k1: number, k2x3: number, one: number): void;
  layerNorm(x: number, gamma: number, beta: number, y: number, xhat: number, inv: number, rows: number, cols: number, colsF: number, eps: number): void;
  layerNormGrad(dy: number, xhat: number, inv: number, gamma: number, dx: number, dgamma: number, dbeta: number, rows: number, cols: number, colsF: number): void;
}

const instances = new WeakMap<WebAssembly.Memory, SimdKernels | null>();

/** The SIMD kernels bound to `memory`, or null where they cannot run. */
export function simdKernels(memory: WebAssembly.Memory | undefined): SimdKernels | null {
  if (!memory || typeof WebAssembly === 'undefined') return null;
  let k = instances.get(memory);
  if (k === undefined) {
    k = null;
    try {
      if (!(memory.buffer instanceof ArrayBuffer)) throw new Error('shared memory');
      const bytes = moduleBytes([adamw, geluArg, geluGrad, layerNormForward(), layerNormBackward()]);
      if (WebAssembly.validate(bytes)) {
        const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
        k = instance.exports as unknown as SimdKernels;
      }
    } catch {
      k = null;
    }
    instances.set(memory, k);
  }
  return k;
}
