// The native kernels (native/, N-API over OpenBLAS) against the TypeScript reference cells:
// forward outputs, traces, final states, gradient flow and every gradient equal to 1e-5 on
// random shapes, including H not a multiple of 8, B = 1, T = 1, stacked and bidirectional.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initBackend } from '../../src/engine/backend.js';
import type { CellType, GateName, NetworkOptions } from '../../src/engine/config.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import { kernelInfo, useKernels } from '../../src/engine/kernels/kernels.js';
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
  test('H 64, B 16, T 12 (BLAS block sizes)', () => compare({ cell: 'lstm', units: 64, dropout: 0 }, 30, 16, 12, 16));
  test('shapes that do not fit are refused with a message, not a crash', () => {
    useKernels('native');
    const net = Network.create(resolveNetworkConfig({ cell: 'lstm', units: 4 }, 5), 1);
    assert.throws(
      () => net.kernels.matmul({ data: new Float32Array(6), rows: 2, cols: 3 }, { data: new Float32Array(8), rows: 4, cols: 2 }),
      /matmul shapes do not fit/,
    );
  });
});
