// The TypeScript reference of the element-wise operations around the cells that the native
// addon also runs: softmax cross-entropy with its gradient, inverted dropout, and Adam's update.
// The native versions are checked against these (test/unit/engine-native.test.ts).

import type { Rng } from '../math.js';
import { fastExp } from '../math.js';

/** Which streams of a T×batch time-major array a call holds: all (from 0 to batch) unless a data-parallel worker holds a slice. */
export interface StreamSlice {
  /** Streams of the whole batch. */
  batch: number;
  from: number;
  to: number;
}

/**
 * Softmax cross-entropy of each row against its target (−1 = skip). Writes ∂(mean loss)/∂logits
 * into `dLogits` when given (zero rows for skipped targets). Returns the mean over counted rows.
 */
export function crossEntropy(logits: Float32Array, targets: Int32Array, V: number, dLogits: Float32Array | null): { loss: number; count: number } {
  const rows = targets.length;
  let count = 0;
  for (let r = 0; r < rows; r++) if (targets[r] >= 0) count++;
  let total = 0;
  const p = new Float64Array(V);
  for (let r = 0; r < rows; r++) {
    const y = targets[r];
    const o = r * V;
    if (y < 0) {
      dLogits?.fill(0, o, o + V);
      continue;
    }
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (logits[o + v] > max) max = logits[o + v];
    let sum = 0;
    for (let v = 0; v < V; v++) {
      const e = fastExp(logits[o + v] - max);
      p[v] = e;
      sum += e;
    }
    // −log ŷ⟨y⟩ = log Σ e^(z − max) − (z_y − max)
    total += Math.log(sum) - (logits[o + y] - max);
    if (dLogits) {
      const inv = 1 / (sum * count);
      for (let v = 0; v < V; v++) dLogits[o + v] = p[v] * inv;
      dLogits[o + y] -= 1 / count;
    }
  }
  return { loss: count > 0 ? total / count : NaN, count };
}

/**
 * Inverted dropout: zeroes each value with probability p and scales the rest by 1/(1 − p). The
 * draws run over the whole T×batch×width array in time-major order; only `slice`'s streams are
 * kept (x, y and mask hold those), so a worker's masks are those one engine would draw.
 */
export function dropout(x: Float32Array, p: number, rng: Rng, T: number, width: number, slice: StreamSlice, y: Float32Array, mask: Float32Array): void {
  const keep = 1 - p;
  const scale = 1 / keep;
  const Bs = slice.to - slice.from;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < slice.batch; b++) {
      if (b < slice.from || b >= slice.to) {
        for (let j = 0; j < width; j++) rng.nextUint32();
        continue;
      }
      const o = (t * Bs + b - slice.from) * width;
      for (let j = 0; j < width; j++) {
        mask[o + j] = rng.next() < keep ? scale : 0;
        y[o + j] = x[o + j] * mask[o + j];
      }
    }
  }
}

/** Adam (Kingma & Ba): m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g², w −= α·m / (√v + ε); α is bias-corrected. */
export function adamUpdate(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, alpha: number, beta1: number, beta2: number, eps: number): void {
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    m[i] = beta1 * m[i] + (1 - beta1) * gi;
    v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
    w[i] -= (alpha * m[i]) / (Math.sqrt(v[i]) + eps);
  }
}
