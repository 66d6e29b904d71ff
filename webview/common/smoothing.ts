// Exponential moving average with TensorBoard's debiasing, so the smoothed curve starts at
// the first value instead of being dragged towards zero.

/**
 * smoothed[i] = ema[i] / (1 − weight^n), ema[i] = weight·ema[i−1] + (1 − weight)·y[i], where n
 * counts the finite points so far. Non-finite points (NaN loss) pass through unsmoothed and do
 * not poison the average.
 */
export function emaDebiased(values: ArrayLike<number>, weight: number): number[] {
  const out = new Array<number>(values.length);
  if (weight <= 0) {
    for (let i = 0; i < values.length; i++) out[i] = values[i]!;
    return out;
  }
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const y = values[i]!;
    if (!Number.isFinite(y)) {
      out[i] = y;
      continue;
    }
    last = last * weight + (1 - weight) * y;
    n++;
    out[i] = last / (1 - Math.pow(weight, n));
  }
  return out;
}
