// The portable kernels' training step on the wasm backend, where products are read from the wasm
// heap into buffers a step reuses: every cell gives the bits a step with fresh arrays gives (the
// TypeScript reference as it ran before the reuse), step after step, whatever the last step left.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend.js';
import type { CellType, NetworkOptions } from '../../src/engine/config.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import { useKernels } from '../../src/engine/kernels/kernels.js';
import { Rng } from '../../src/engine/math.js';
import type { RecurrentState } from '../../src/engine/network.js';
import { Network } from '../../src/engine/network.js';
import { wasmDir } from './helpers.js';

before(async () => {
  await initBackend('wasm', { wasmDir });
  useKernels('portable');
});
after(() => useKernels('auto'));

/** Loss and gradients by forward + backward outside lossAndGrads: every array the cells use is new and zeroed. */
function freshStep(net: Network, ids: Int32Array, targets: Int32Array, B: number, T: number, state: RecurrentState | null, seed: number) {
  const pass = net.forward(ids, B, T, state, new Rng(seed));
  const dLogits = new Float32Array(pass.logits.length);
  const { loss } = net.kernels.crossEntropy(pass.logits, targets, net.config.vocabSize, dLogits);
  return { loss, grads: net.backward(pass, dLogits), state: pass.state };
}

function sameState(a: RecurrentState, b: RecurrentState, what: string): void {
  a.layers.forEach((s, l) => {
    assert.deepEqual(s.a, b.layers[l].a, `${what}: final a, layer ${l}`);
    assert.deepEqual(s.c, b.layers[l].c, `${what}: final c, layer ${l}`);
  });
}

const CONFIGS: NetworkOptions[] = [
  { units: 12, layers: 2, dropout: 0.25 },
  { units: 9, bidirectional: true, merge: 'concat', input: 'embedding', embeddingSize: 5 },
];

describe('portable kernels on wasm: a training step reusing its buffers', () => {
  test('the wasm backend runs these steps', () => assert.equal(tf.getBackend(), 'wasm'));
  for (const cell of ['rnn', 'gru', 'lstm'] as CellType[]) {
    for (const options of CONFIGS) {
      test(`${cell} ${JSON.stringify(options)}: the same bits as fresh arrays, step after step, the state carried`, () => {
        const V = 11;
        const config = resolveNetworkConfig({ cell, ...options }, V);
        const reused = Network.create(config, 4);
        const reference = Network.fromParams(config, reused.params);
        assert.equal(reused.kernels.path, 'portable');
        const rng = new Rng(8);
        let stateReused: RecurrentState | null = null;
        let stateReference: RecurrentState | null = null;
        // The second step runs on the buffers the first one filled; the third has another length.
        const B = 3;
        for (const [step, T] of [5, 5, 4].entries()) {
          const ids = Int32Array.from({ length: B * T }, () => rng.int(V));
          const targets = Int32Array.from({ length: B * T }, () => rng.int(V));
          const a = reused.lossAndGrads(ids, targets, B, T, stateReused, new Rng(step));
          const b = freshStep(reference, ids, targets, B, T, stateReference, step);
          const what = `${cell} step ${step}`;
          assert.equal(a.loss, b.loss, `${what}: loss`);
          a.grads.forEach((g, i) => assert.deepEqual(g, b.grads[i], `${what}: ∂${reused.params[i].name}`));
          assert.ok(
            a.grads.some((g) => g.some((x) => x !== 0)),
            `${what}: some gradient is non-zero`,
          );
          sameState(a.state, b.state, what);
          stateReused = a.state;
          stateReference = b.state;
        }
        reused.dispose();
        reference.dispose();
      });
    }
  }
});
