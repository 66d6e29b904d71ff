// The native kernels (native/, N-API over OpenBLAS) against the TypeScript reference cells:
// forward outputs, traces, final states, gradient flow and every gradient equal to 1e-5 on
// random shapes, including H not a multiple of 8, B = 1, T = 1, stacked and bidirectional.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initBackend } from '../../src/engine/backend.js';
import type { CellType, GateName, NetworkOptions } from '../../src/engine/config.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import type { Kernels } from '../../src/engine/kernels/kernels.js';
import { currentKernels, kernelInfo, useKernels } from '../../src/engine/kernels/kernels.js';
import { loadNativeAddon } from '../../src/engine/kernels/nativeAddon.js';
import { adamUpdate, crossEntropy, dropout } from '../../src/engine/kernels/referenceOps.js';
import { Rng } from '../../src/engine/math.js';
import { Network } from '../../src/engine/network.js';

const native = kernelInfo();

before(async () => {
  await initBackend('cpu');
});

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const tol = 1e-5 * Math.max(1, Math.abs(expected[i]));
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) assert.fail(`${what}[${i}]: native ${actual[i]}, reference ${expected[i]}`);
  }
}

const GATES: Record<CellType, GateName[]> = { lstm: ['gammaU', 'gammaF', 'gammaO', 'cTilde', 'c', 'a'], gru: ['gammaU', 'gammaR', 'cTilde', 'a'], rnn: ['a'] };

function compare(options: NetworkOptions, V: number, B: number, T: number, seed: number): void {
  const config = resolveNetworkConfig(options, V);
  useKernels('portable');
  const reference = Network.create(config, seed);
  useKernels('native');
  const fast = Network.fromParams(config, reference.params);
  assert.equal(reference.kernels.path, 'portable');
  assert.equal(fast.kernels.path, 'native');
  const rng = new Rng(seed);
  const ids = Int32Array.from({ length: B * T }, () => rng.int(V));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(V));
  const state = reference.initialState(B);
  for (const s of state.layers) {
    for (let i = 0; i < s.a.length; i++) s.a[i] = rng.next() - 0.5;
    if (s.c !== s.a) for (let i = 0; i < s.c.length; i++) s.c[i] = rng.next() - 0.5;
  }
  const label = `${JSON.stringify(options)} B ${B} T ${T}`;
  const passes = [reference, fast].map((net) => net.forward(ids, B, T, state, new Rng(seed + 1)));
  close(passes[1].logits, passes[0].logits, `${label} logits`);
  passes[0].state.layers.forEach((s, l) => {
    close(passes[1].state.layers[l].a, s.a, `${label} final a, layer ${l}`);
    close(passes[1].state.layers[l].c, s.c, `${label} final c, layer ${l}`);
  });
  for (let l = 0; l < config.layers; l++) {
    for (let k = 0; k < (config.bidirectional ? 2 : 1); k++) {
      for (const gate of GATES[config.cell]) close(fast.trace(passes[1], l, k, gate), reference.trace(passes[0], l, k, gate), `${label} ${gate} ${l}/${k}`);
    }
  }
  const dLogits = Float32Array.from({ length: passes[0].logits.length }, () => rng.next() - 0.5);
  const flows = [0, 1].map(() => Array.from({ length: config.layers }, () => new Float64Array(T)));
  const grads = [reference, fast].map((net, i) => net.backward(passes[i], dLogits, flows[i]));
  reference.params.forEach((p, i) => close(grads[1][i], grads[0][i], `${label} ∂${p.name}`));
  flows[0].forEach((f, l) => close(flows[1][l], f, `${label} gradient flow, layer ${l}`));
  const losses = [reference, fast].map((net) => net.lossAndGrads(ids, targets, B, T, state, new Rng(seed + 2)).loss);
  assert.ok(Math.abs(losses[1] - losses[0]) <= 1e-5 * Math.max(1, losses[0]), `${label} loss ${losses[1]} vs ${losses[0]}`);
}

describe('native kernels against the TypeScript reference', () => {
  if (native.path !== 'native') {
    test('not built here, so the engine runs the portable kernels and says why', () => {
      console.log(`# native kernels not tested: ${native.reason}`);
      assert.equal(native.path, 'portable');
      assert.ok(native.reason && native.reason.length > 10);
      assert.throws(() => useKernels('native'), /cannot use the native kernels: /);
    });
    return;
  }
  test('the addon names its BLAS', () => assert.match(native.detail, /^OpenBLAS /));
  for (const cell of ['lstm', 'gru', 'rnn'] as CellType[]) {
    test(`${cell}: one layer, H 13, B 1, T 1 and B 3, T 9`, () => {
      compare({ cell, units: 13, dropout: 0 }, 7, 1, 1, 11);
      compare({ cell, units: 13, dropout: 0 }, 7, 3, 9, 12);
    });
    test(`${cell}: two stacked layers, H 21, embedding input, dropout 0.2, B 2, T 6`, () =>
      compare({ cell, units: 21, layers: 2, input: 'embedding', embeddingSize: 5, dropout: 0.2 }, 9, 2, 6, 13));
    test(`${cell}: bidirectional, two layers, H 10, merge concat and mul, B 4, T 5`, () => {
      compare({ cell, units: 10, layers: 2, bidirectional: true, merge: 'concat', dropout: 0 }, 6, 4, 5, 14);
      compare({ cell, units: 10, layers: 1, bidirectional: true, merge: 'mul', dropout: 0 }, 6, 4, 1, 15);
    });
  }
  for (const cell of ['lstm', 'gru'] as CellType[]) {
    test(`${cell}: recurrent dropout 0.4 on c̃, two layers, H 11, B 1, T 1 and B 3, T 7, and bidirectional`, () => {
      compare({ cell, units: 11, layers: 2, dropout: 0.2, recurrentDropout: 0.4 }, 7, 1, 1, 21);
      compare({ cell, units: 11, layers: 2, dropout: 0.2, recurrentDropout: 0.4 }, 7, 3, 7, 22);
      compare({ cell, units: 11, bidirectional: true, dropout: 0, recurrentDropout: 0.4 }, 7, 3, 5, 23);
    });
  }
  for (const cell of ['lstm', 'gru', 'rnn'] as CellType[]) {
    test(`${cell}: weight drop 0.4, two layers, H 11, B 1, T 1 and B 3, T 7, and bidirectional`, () => {
      compare({ cell, units: 11, layers: 2, dropout: 0.2, weightDrop: 0.4 }, 7, 1, 1, 31);
      compare({ cell, units: 11, layers: 2, dropout: 0.2, weightDrop: 0.4 }, 7, 3, 7, 32);
      compare({ cell, units: 11, bidirectional: true, dropout: 0, weightDrop: 0.4 }, 7, 3, 5, 33);
    });
  }
  test('H 64, B 16, T 12 (BLAS block sizes)', () => compare({ cell: 'lstm', units: 64, dropout: 0 }, 30, 16, 12, 16));
  test('products against float64 sums: M 1–18 rows, N 1–70, K 1–41, op(A) = A and Aᵀ, overwriting and accumulating', () => {
    // The per-step products run the addon's own AVX-512 kernel where the CPU has it (one row at a
    // time up to 4, 32 columns at a time, the tail of N masked), and OpenBLAS otherwise: every tail.
    const load = loadNativeAddon();
    assert.ok(load.addon);
    const addon = load.addon;
    const own = addon.ownGemm?.() ?? false;
    if (!own) console.log('# the AVX-512 products are not in use here (no AVX-512, RNNLAB_SMALL_GEMM=0 or an older build): OpenBLAS alone checked');
    const rng = new Rng(5);
    let checked = 0;
    for (const useOwn of own ? [true, false] : [false]) {
      addon.ownGemm?.(useOwn);
      try {
        for (let M = 1; M <= 18; M++) {
          for (const N of [1, 7, 15, 16, 17, 31, 32, 33, 48, 70]) {
            const K = 1 + ((M * 7 + N) % 41);
            for (const transA of [false, true]) {
              for (const beta of [0, 1]) {
                const A = Float32Array.from({ length: M * K }, () => rng.next() * 2 - 1);
                const Bm = Float32Array.from({ length: K * N }, () => rng.next() * 2 - 1);
                const C = Float32Array.from({ length: M * N }, () => (beta ? rng.next() * 2 - 1 : Number.NaN));
                const before = C.slice();
                load.addon.gemm(transA, false, M, N, K, A, Bm, C, beta);
                for (let i = 0; i < M; i++) {
                  for (let j = 0; j < N; j++) {
                    let sum = beta ? before[i * N + j] : 0;
                    for (let k = 0; k < K; k++) sum += (transA ? A[k * M + i] : A[i * K + k]) * Bm[k * N + j];
                    const got = C[i * N + j];
                    if (!(Math.abs(got - sum) <= 1e-5 * Math.max(1, Math.abs(sum)))) {
                      assert.fail(
                        `${useOwn ? 'AVX-512' : 'OpenBLAS'}: M ${M} N ${N} K ${K} ${transA ? 'Aᵀ' : 'A'} β ${beta}: C[${i}][${j}] = ${got}, expected ${sum}`,
                      );
                    }
                    checked++;
                  }
                }
              }
            }
          }
        }
      } finally {
        addon.ownGemm?.(own);
      }
    }
    assert.ok(checked > 20_000 * (own ? 2 : 1), `checked ${checked} values`);
  });
  test('shapes that do not fit are refused with a message, not a crash', () => {
    useKernels('native');
    const net = Network.create(resolveNetworkConfig({ cell: 'lstm', units: 4 }, 5), 1);
    assert.throws(
      () => net.kernels.matmul({ data: new Float32Array(6), rows: 2, cols: 3 }, { data: new Float32Array(8), rows: 4, cols: 2 }),
      /matmul shapes do not fit/,
    );
  });

  test('softmax cross-entropy and its gradient equal the reference to 1e-5, skipped targets giving zero rows', () => {
    const kernels = nativeKernels();
    for (const [rows, V] of [
      [1, 1],
      [7, 13],
      [64, 65],
    ]) {
      const rng = new Rng(rows * 31 + V);
      const logits = Float32Array.from({ length: rows * V }, () => (rng.next() - 0.5) * 20);
      const targets = Int32Array.from({ length: rows }, (_, r) => (r % 5 === 3 ? -1 : rng.int(V)));
      const dRef = new Float32Array(rows * V);
      const dNat = new Float32Array(rows * V).fill(7); // stale values from a reused buffer
      const ref = crossEntropy(logits, targets, V, dRef);
      const nat = kernels.crossEntropy(logits, targets, V, dNat);
      assert.equal(nat.count, ref.count);
      assert.ok(Math.abs(nat.loss - ref.loss) <= 1e-5 * Math.max(1, ref.loss), `loss ${nat.loss} vs ${ref.loss}`);
      close(dNat, dRef, `∂logits ${rows}×${V}`);
      assert.equal(kernels.crossEntropy(logits, targets, V, null).count, ref.count);
    }
  });
  test("dropout draws the same masks and leaves the Rng in the same state, whole batch or one worker's streams", () => {
    const kernels = nativeKernels();
    const [T, B, W] = [3, 5, 7];
    const x = Float32Array.from({ length: T * B * W }, (_, i) => i - 50);
    for (const [from, to] of [
      [0, 5],
      [1, 3],
      [4, 5],
    ]) {
      const n = T * (to - from) * W;
      const xs = new Float32Array(n);
      for (let t = 0; t < T; t++) xs.set(x.subarray((t * B + from) * W, (t * B + to) * W), t * (to - from) * W);
      const [r1, r2] = [new Rng(9), new Rng(9)];
      const out = [0, 1].map(() => ({ y: new Float32Array(n), mask: new Float32Array(n) }));
      dropout(xs, 0.3, r1, T, W, { batch: B, from, to }, out[0].y, out[0].mask);
      kernels.dropout(xs, 0.3, r2, T, W, { batch: B, from, to }, out[1].y, out[1].mask);
      assert.deepEqual(out[1].mask, out[0].mask);
      assert.deepEqual(out[1].y, out[0].y);
      assert.deepEqual(r2.state, r1.state);
      assert.ok(out[0].mask.some((m) => m === 0) && out[0].mask.some((m) => m > 1), 'some values dropped, some kept');
    }
  });
  test('Adam updates weights and moments to the same bits as the reference', () => {
    const kernels = nativeKernels();
    const rng = new Rng(3);
    const n = 1001;
    const rand = () => Float32Array.from({ length: n }, () => rng.next() - 0.5);
    const [w, g, m] = [rand(), rand(), rand()];
    const v = Float32Array.from({ length: n }, () => rng.next() * 1e-3);
    const ref = [w, m, v].map((a) => a.slice());
    const nat = [w, m, v].map((a) => a.slice());
    for (let step = 1; step <= 3; step++) {
      const alpha = (2e-3 * Math.sqrt(1 - 0.999 ** step)) / (1 - 0.9 ** step);
      adamUpdate(ref[0], g, ref[1], ref[2], alpha, 0.9, 0.999, 1e-8);
      kernels.adam(nat[0], g, nat[1], nat[2], alpha, 0.9, 0.999, 1e-8);
    }
    ['w', 'm', 'v'].forEach((name, i) => assert.deepEqual(nat[i], ref[i], name));
    assert.notDeepEqual(ref[0], w);
  });
  test('a training step reusing its buffers gives what a fresh network gives, step after step', () => {
    useKernels('native');
    const config = resolveNetworkConfig({ cell: 'lstm', units: 12, layers: 2, dropout: 0.25 }, 9);
    const reused = Network.create(config, 4);
    const rng = new Rng(8);
    for (let step = 0; step < 3; step++) {
      const [B, T] = step === 1 ? [2, 3] : [3, 5];
      const ids = Int32Array.from({ length: B * T }, () => rng.int(9));
      const targets = Int32Array.from({ length: B * T }, () => rng.int(9));
      const fresh = Network.fromParams(config, reused.params);
      const a = reused.lossAndGrads(ids, targets, B, T, null, new Rng(step));
      const b = fresh.lossAndGrads(ids, targets, B, T, null, new Rng(step));
      assert.equal(a.loss, b.loss);
      a.grads.forEach((g, i) => assert.deepEqual(g, b.grads[i], reused.params[i].name));
    }
  });
});

function nativeKernels(): Kernels {
  useKernels('native');
  const kernels = currentKernels();
  assert.equal(kernels.path, 'native');
  return kernels;
}
