/**
 * Pareto frontier, budget selection and rank correlation (ml-methods.md 1.5).
 *
 * Frontier: sort by (cost ascending, accuracy descending) and keep a point iff its accuracy is
 * strictly greater than that of every kept point before it. The frontier then has strictly
 * increasing cost and accuracy; every other point is dominated (some frontier point costs no more
 * and is at least as accurate).
 */

/** Cost of a point: its FLOPs, its median latency, or any function. */
export type CostKey<T> = 'flops' | 'latency' | ((p: T) => number);

export interface FrontierOptions<T> {
  /** Default 'flops' (`p.flops`); 'latency' reads `p.latencyMs.median`. */
  cost?: CostKey<T>;
  /** Default `p.top1` (falling back to `p.accuracy`). */
  accuracy?: (p: T) => number;
}

interface Costed {
  flops?: number;
  latencyMs?: { median: number };
  top1?: number;
  accuracy?: number;
}

function costFn<T>(key: CostKey<T> | undefined): (p: T) => number {
  if (typeof key === 'function') return key;
  if (key === undefined || key === 'flops') {
    return (p: T) => {
      const v = (p as Costed).flops;
      if (typeof v !== 'number') throw new Error('frontier: a point has no flops');
      return v;
    };
  }
  if (key === 'latency') {
    return (p: T) => {
      const v = (p as Costed).latencyMs?.median;
      if (typeof v !== 'number') throw new Error('frontier: a point has no latencyMs.median');
      return v;
    };
  }
  throw new Error(`frontier: unknown cost ${JSON.stringify(key)}`);
}

function accuracyFn<T>(f: ((p: T) => number) | undefined): (p: T) => number {
  if (f) return f;
  return (p: T) => {
    const c = p as Costed;
    const v = c.top1 ?? c.accuracy;
    if (typeof v !== 'number') throw new Error('frontier: a point has no top1/accuracy');
    return v;
  };
}

/** The Pareto frontier of `points` in ascending cost (and accuracy). NaN points are ignored. */
export function paretoFrontier<T>(points: readonly T[], options: FrontierOptions<T> = {}): T[] {
  const cost = costFn(options.cost);
  const acc = accuracyFn(options.accuracy);
  const items = points
    .map((p) => ({ p, c: cost(p), a: acc(p) }))
    .filter((x) => Number.isFinite(x.c) && !Number.isNaN(x.a))
    .sort((x, y) => x.c - y.c || y.a - x.a);
  const out: T[] = [];
  let best = -Infinity;
  for (const x of items) {
    if (x.a > best) {
      out.push(x.p);
      best = x.a;
    }
  }
  return out;
}

export interface Budget {
  maxFlops?: number;
  maxLatencyMs?: number;
}

/**
 * The most accurate frontier point within the budget, or null. The points that satisfy every given
 * limit form the candidates; the answer is the last point of their frontier (by FLOPs, or by latency
 * when only a latency limit is given), i.e. the highest accuracy, the cheaper on ties. With a single
 * limit this is a point of the frontier of all points.
 */
export function bestUnderBudget<T>(points: readonly T[], budget: Budget, options: { accuracy?: (p: T) => number } = {}): T | null {
  const flops = costFn<T>('flops');
  const latency = costFn<T>('latency');
  if (budget.maxFlops === undefined && budget.maxLatencyMs === undefined) throw new Error('bestUnderBudget: give maxFlops and/or maxLatencyMs');
  const ok = points.filter(
    (p) => (budget.maxFlops === undefined || flops(p) <= budget.maxFlops) && (budget.maxLatencyMs === undefined || latency(p) <= budget.maxLatencyMs),
  );
  const cost: CostKey<T> = budget.maxFlops === undefined ? 'latency' : 'flops';
  const f = paretoFrontier(ok, { cost, accuracy: options.accuracy });
  return f.length > 0 ? f[f.length - 1]! : null;
}

/** Ranks 1..n with ties given their average rank. */
export function averageRanks(values: readonly number[]): number[] {
  const idx = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length);
  for (let s = 0; s < idx.length; ) {
    let e = s;
    while (e + 1 < idx.length && idx[e + 1]!.v === idx[s]!.v) e++;
    const r = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++) ranks[idx[k]!.i] = r;
    s = e + 1;
  }
  return ranks;
}

/** Spearman rank correlation (Pearson correlation of average ranks); NaN if either side is constant. */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length) throw new Error('spearman: arrays differ in length');
  const n = xs.length;
  if (n < 2) return NaN;
  const rx = averageRanks(xs);
  const ry = averageRanks(ys);
  const mx = rx.reduce((a, b) => a + b, 0) / n;
  const my = ry.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i]! - mx;
    const dy = ry[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}
