// Pareto frontier and budget selection over evaluated stitches (ml-methods.md 1.5). Pure: the
// coordinator marks frontier rows with it, the API answers budget queries, the worker reports with it.

export interface CostedPoint {
  id: number;
  accuracy: number;
  flops: number;
  latencyMs?: number | null;
}

export type CostKey = 'flops' | 'latencyMs';

/**
 * Sort by cost ascending (accuracy descending on ties); keep a point iff its accuracy is strictly
 * greater than that of every point kept before it. Cost and accuracy then strictly increase along
 * the returned list. Points without the cost are left out.
 */
export function paretoFrontier<P extends CostedPoint>(points: readonly P[], cost: CostKey = 'flops'): P[] {
  const costed = points.filter((p) => typeof p[cost] === 'number' && Number.isFinite(p[cost] as number));
  const sorted = [...costed].sort((a, b) => (a[cost] as number) - (b[cost] as number) || b.accuracy - a.accuracy || a.id - b.id);
  const frontier: P[] = [];
  let best = -Infinity;
  for (const p of sorted) {
    if (p.accuracy > best) {
      frontier.push(p);
      best = p.accuracy;
    }
  }
  return frontier;
}

export interface Budget {
  maxFlops?: number;
  maxLatencyMs?: number;
}

/** The most accurate frontier point within every given budget, or null when none fits. */
export function bestUnderBudget<P extends CostedPoint>(points: readonly P[], budget: Budget): P | null {
  const cost: CostKey = budget.maxLatencyMs !== undefined ? 'latencyMs' : 'flops';
  const within = paretoFrontier(points, cost).filter(
    (p) =>
      (budget.maxFlops === undefined || p.flops <= budget.maxFlops) &&
      (budget.maxLatencyMs === undefined || (p.latencyMs ?? Infinity) <= budget.maxLatencyMs),
  );
  return within.length ? within[within.length - 1] : null;
}

/** Spearman rank correlation (average ranks for ties); NaN when either side is constant. */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length) throw new Error('spearman: inputs differ in length');
  const rx = ranks(xs);
  const ry = ranks(ys);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(rx);
  const my = mean(ry);
  let num = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < rx.length; i++) {
    num += (rx[i] - mx) * (ry[i] - my);
    dx += (rx[i] - mx) ** 2;
    dy += (ry[i] - my) ** 2;
  }
  return num / Math.sqrt(dx * dy);
}

function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k][1]] = rank;
    i = j + 1;
  }
  return out;
}
