// The gradient check the engine tests share: analytic gradients against central finite
// differences of the loss, on evenly spaced entries of every parameter.

import assert from 'node:assert/strict';
import type { Param } from '../../src/engine/network.js';

/** Asserts each checked entry agrees to 2e-2 relative (float32 losses, eps 1e-2); returns how many were checked. */
export function checkGradients(
  params: readonly Param[],
  grads: readonly Float32Array[],
  lossAt: () => number,
  refresh: () => void,
  label: string,
  picks = 12,
): number {
  const eps = 1e-2;
  let checked = 0;
  params.forEach((p, k) => {
    const n = Math.min(p.data.length, picks);
    for (let m = 0; m < n; m++) {
      const i = Math.floor((m * p.data.length) / n);
      const old = p.data[i];
      p.data[i] = old + eps;
      refresh();
      const up = lossAt();
      p.data[i] = old - eps;
      refresh();
      const down = lossAt();
      p.data[i] = old;
      refresh();
      const numeric = (up - down) / (2 * eps);
      const analytic = grads[k][i];
      const err = Math.abs(numeric - analytic) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic));
      assert.ok(err < 2e-2, `${label}: ${p.name}[${i}] analytic ${analytic} vs numeric ${numeric}`);
      checked++;
    }
  });
  return checked;
}
