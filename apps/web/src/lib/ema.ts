// TensorBoard's smoothing: a debiased exponential moving average, so the first points are not
// pulled towards zero. Non-finite values pass through untouched (and do not poison the average).

export function emaSmooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  if (w === 0) return values.slice();
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  // A constant series would come out exactly constant anyway; skip the float drift.
  if (finite.length > 0 && finite.every((v) => v === finite[0])) return values.slice();
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v;
    last = last * w + (1 - w) * v;
    n++;
    return last / (1 - Math.pow(w, n));
  });
}
