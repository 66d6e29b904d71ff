// Decoupled weight decay (AdamW): each step every weight matrix shrinks by lr × weightDecay
// before the optimizer's own update; biases and vectors are left alone.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Param } from '../../src/engine/network.js';
import { RESUMABLE_KEYS, resolveTrainConfig } from '../../src/training/config.js';
import { createOptimizer } from '../../src/training/optimizers.js';

function params(): Param[] {
  return [
    { name: 'layer0.fwd.Wx', shape: [2, 3], data: Float32Array.from([0.5, -1, 2, 0.25, -0.75, 1.5]) },
    { name: 'layer0.fwd.b', shape: [3], data: Float32Array.from([1, -2, 3]) },
  ];
}

describe('weight decay', () => {
  test('with zero gradients the matrices shrink by (1 − lr·wd) per step and the biases stay', () => {
    const ps = params();
    const before = ps.map((p) => Float64Array.from(p.data));
    const opt = createOptimizer('adam', ps, { weightDecay: 0.5 });
    const zero = ps.map((p) => new Float32Array(p.data.length));
    for (let s = 0; s < 10; s++) opt.apply(ps, zero, 0.1);
    const f = Math.pow(1 - 0.1 * 0.5, 10);
    ps[0].data.forEach((w, i) => assert.ok(Math.abs(w - before[0][i] * f) < 1e-6, `w[${i}] = ${w}, expected ${before[0][i] * f}`));
    assert.deepEqual(Array.from(ps[1].data), Array.from(before[1]));
  });

  test('one AdamW step equals the decay followed by the Adam update, by hand', () => {
    const ps = params();
    const w0 = Float64Array.from(ps[0].data);
    const g = [Float32Array.from([0.1, -0.2, 0.3, 0.05, 0, -0.4]), Float32Array.from([0.1, 0.1, 0.1])];
    const lr = 0.01;
    const wd = 0.1;
    createOptimizer('adam', ps, { weightDecay: wd }).apply(ps, g, lr);
    // Step 1: m = 0.1·g, v = 0.001·g², α = lr·√(1 − 0.999)/(1 − 0.9), w −= α·m/(√v + 1e-8).
    const alpha = (lr * Math.sqrt(1 - 0.999)) / (1 - 0.9);
    ps[0].data.forEach((w, i) => {
      const gi = g[0][i];
      const expected = w0[i] * (1 - lr * wd) - (alpha * 0.1 * gi) / (Math.sqrt(0.001 * gi * gi) + 1e-8);
      assert.ok(Math.abs(w - expected) < 1e-6, `w[${i}] = ${w}, expected ${expected}`);
    });
  });

  test('without weight decay nothing changes from plain Adam', () => {
    const a = params();
    const b = params();
    const g = a.map((p) => p.data.map((_, i) => (i % 2 ? 0.3 : -0.1)));
    createOptimizer('adam', a).apply(a, g, 0.01);
    createOptimizer('adam', b, { weightDecay: 0 }).apply(b, g, 0.01);
    assert.deepEqual(a.map((p) => Array.from(p.data)), b.map((p) => Array.from(p.data)));
  });

  test('the option is checked, defaults to 0 and may change on resume', () => {
    assert.equal(resolveTrainConfig({}).weightDecay, 0);
    assert.equal(resolveTrainConfig({ weightDecay: 0.05 }).weightDecay, 0.05);
    assert.throws(() => resolveTrainConfig({ weightDecay: -1 }), /weightDecay must be zero or positive/);
    assert.ok((RESUMABLE_KEYS as readonly string[]).includes('weightDecay'));
  });
});
