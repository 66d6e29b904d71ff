// Gradient check: the hand-written BPTT of every cell, stacked and bidirectional network
// against central finite differences of the loss, on the portable kernels (the TypeScript
// reference, forced) and on the native ones when they are built.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initBackend } from '../../src/engine/backend.js';
import type { CellType, MergeMode, NetworkOptions } from '../../src/engine/config.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import type { KernelPath } from '../../src/engine/kernels/kernels.js';
import { kernelInfo, useKernels } from '../../src/engine/kernels/kernels.js';
import { Network } from '../../src/engine/network.js';
import { Rng } from '../../src/engine/math.js';
import { checkGradients } from './finiteDifferences.js';

before(async () => {
  await initBackend('cpu');
});

function check(path: KernelPath, options: NetworkOptions, label: string): void {
  const V = 6;
  const B = 2;
  const T = 5;
  const config = resolveNetworkConfig({ units: 4, ...options }, V);
  useKernels(path);
  const net = Network.create(config, 7);
  assert.equal(net.kernels.path, path);
  const rng = new Rng(3);
  const ids = Int32Array.from({ length: T * B }, () => rng.int(V));
  const targets = Int32Array.from({ length: T * B }, () => rng.int(V));
  // A non-zero initial state exercises the state-carrying path of truncated BPTT.
  const state = net.initialState(B);
  for (const s of state.layers) {
    for (let i = 0; i < s.a.length; i++) s.a[i] = rng.next() - 0.5;
    if (s.c !== s.a) for (let i = 0; i < s.c.length; i++) s.c[i] = rng.next() - 0.5;
  }
  // With dropout, every evaluation draws the same masks from a fresh generator.
  const masks = () => (options.dropout || options.recurrentDropout || options.weightDrop ? new Rng(13) : undefined);
  const lossAt = () => net.lossAndGrads(ids, targets, B, T, state, masks()).loss;
  const { grads } = net.lossAndGrads(ids, targets, B, T, state, masks());
  const checked = checkGradients(net.params, grads, lossAt, () => net.refresh(), label);
  assert.ok(checked > 20, `${label}: checked ${checked} entries`);
}

const native = kernelInfo();
const paths: KernelPath[] = native.path === 'native' ? ['portable', 'native'] : ['portable'];
if (native.path !== 'native') console.log(`# gradient check of the native kernels not run: ${native.reason}`);

for (const path of paths) {
  describe(`gradient check against central finite differences (${path} kernels)`, () => {
    for (const cell of ['rnn', 'gru', 'lstm'] as CellType[]) {
      test(`${cell}, one layer, one-hot input`, () => check(path, { cell }, cell));
      test(`${cell}, two stacked layers, embedding input, dropout off`, () =>
        check(path, { cell, layers: 2, input: 'embedding', embeddingSize: 3 }, `${cell} stacked`));
    }
    test('lstm, two layers with dropout between them and before the output', () => check(path, { cell: 'lstm', layers: 2, dropout: 0.3 }, 'dropout'));
    for (const cell of ['gru', 'lstm'] as CellType[]) {
      test(`${cell}, two layers with recurrent dropout on c̃`, () => check(path, { cell, layers: 2, dropout: 0, recurrentDropout: 0.4 }, `${cell} recurrent dropout`));
    }
    for (const cell of ['rnn', 'gru', 'lstm'] as CellType[]) {
      test(`${cell}, two layers with weight drop on the recurrent matrices`, () => check(path, { cell, layers: 2, dropout: 0, weightDrop: 0.4 }, `${cell} weight drop`));
    }
    test('bidirectional lstm with weight drop', () => check(path, { cell: 'lstm', bidirectional: true, dropout: 0, weightDrop: 0.4 }, 'bi lstm weight drop'));
    test('bidirectional gru with recurrent dropout on c̃', () => check(path, { cell: 'gru', bidirectional: true, dropout: 0, recurrentDropout: 0.4 }, 'bi gru recurrent dropout'));
    for (const merge of ['concat', 'sum', 'mul', 'ave'] as MergeMode[]) {
      test(`bidirectional lstm, merge ${merge}, two layers`, () => check(path, { cell: 'lstm', layers: 2, bidirectional: true, merge }, `bi ${merge}`));
    }
    test('bidirectional gru with embedding', () => check(path, { cell: 'gru', bidirectional: true, input: 'embedding' }, 'bi gru'));
  });
}
