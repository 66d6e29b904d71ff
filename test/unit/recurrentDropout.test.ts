// Recurrent dropout on the candidate c̃ (NetworkOptions.recurrentDropout): the masks it draws,
// that it changes training passes only (inference runs the notes' equations), that it is refused
// where it has no meaning, and that model.json keeps it. Its gradients are checked against finite
// differences in engine-gradcheck, the native kernels against the reference in engine-native, and
// data-parallel training with it in dataParallel.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initBackend } from '../../src/engine/backend.js';
import type { CellType } from '../../src/engine/config.js';
import { ConfigError, resolveNetworkConfig } from '../../src/engine/config.js';
import { useKernels } from '../../src/engine/kernels/kernels.js';
import { Rng } from '../../src/engine/math.js';
import { Network } from '../../src/engine/network.js';
import { parseModelMeta } from '../../src/model/validate.js';
import { checkStoredOption, randomBatch } from './networkOptionFolder.js';

before(async () => {
  await initBackend('cpu');
  useKernels('auto');
});

describe('recurrent dropout on c̃', () => {
  for (const cell of ['gru', 'lstm'] as CellType[]) {
    test(`${cell}: a training pass draws masks of 0 and 1/(1 − p) at about p, per step and stream; inference is unchanged`, () => {
      const V = 11;
      const [B, T, H] = [4, 50, 24];
      const p = 0.3;
      const withDrop = resolveNetworkConfig({ cell, units: H, layers: 2, dropout: 0, recurrentDropout: p }, V);
      const without = resolveNetworkConfig({ cell, units: H, layers: 2, dropout: 0 }, V);
      const net = Network.create(withDrop, 5);
      const plain = Network.fromParams(without, net.params);
      const ids = randomBatch(V, B, T, 9);
      const training = net.forward(ids, B, T, null, new Rng(2));
      for (let l = 0; l < 2; l++) {
        const mask = training.caches[l][0].candidateMask;
        assert.ok(mask, `layer ${l} has a mask`);
        assert.equal(mask.length, T * B * H);
        let zeros = 0;
        for (const m of mask) {
          if (m === 0) zeros++;
          else assert.ok(Math.abs(m - 1 / (1 - p)) < 1e-6, `kept entries are scaled by 1/(1 − p): ${m}`);
        }
        const rate = zeros / mask.length;
        assert.ok(Math.abs(rate - p) < 0.03, `layer ${l}: ${(100 * rate).toFixed(1)}% dropped, expected about ${100 * p}%`);
        // A fresh mask every step: step 0 and step 1 of the same stream differ.
        assert.notDeepEqual(mask.subarray(0, H), mask.subarray(B * H, B * H + H));
      }
      const reference = plain.forward(ids, B, T, null, new Rng(2));
      assert.equal(reference.caches[0][0].candidateMask, null);
      let moved = 0;
      for (let i = 0; i < training.logits.length; i++) moved = Math.max(moved, Math.abs(training.logits[i] - reference.logits[i]));
      assert.ok(moved > 1e-3, `training logits move with the masks (largest change ${moved})`);
      // Without a generator (evaluation, sampling, completion) nothing is dropped.
      const inference = net.forward(ids, B, T, null);
      assert.equal(inference.caches[0][0].candidateMask, null);
      assert.deepEqual(inference.logits, plain.forward(ids, B, T, null).logits);
    });
  }

  test('the same seed draws the same masks; another seed others', () => {
    const config = resolveNetworkConfig({ cell: 'gru', units: 8, dropout: 0, recurrentDropout: 0.5 }, 5);
    const net = Network.create(config, 1);
    const ids = randomBatch(5, 2, 6, 3);
    const mask = (seed: number) => Array.from(net.forward(ids, 2, 6, null, new Rng(seed)).caches[0][0].candidateMask ?? []);
    assert.deepEqual(mask(4), mask(4));
    assert.notDeepEqual(mask(4), mask(5));
  });

  test('out of range, or on a plain RNN, is refused with a message', () => {
    assert.throws(() => resolveNetworkConfig({ cell: 'gru', recurrentDropout: 1 }, 5), (e: unknown) => e instanceof ConfigError && /recurrentDropout must be in \[0, 1\), got 1/.test(e.message));
    assert.throws(() => resolveNetworkConfig({ cell: 'lstm', recurrentDropout: -0.1 }, 5), /recurrentDropout must be in \[0, 1\)/);
    assert.throws(() => resolveNetworkConfig({ cell: 'rnn', recurrentDropout: 0.2 }, 5), /applies to GRU and LSTM cells/);
    assert.equal(resolveNetworkConfig({ cell: 'rnn' }, 5).recurrentDropout, 0);
  });
});

describe('model.json and recurrent dropout', () => {
  const root = mkdtempSync(join(tmpdir(), 'rnnlab-recdrop-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('it is stored and read back; a model.json from before it reads as 0; a bad value is refused by name', () => {
    const edited = checkStoredOption(join(root, 'm'), 'gru', 'recurrentDropout', 0.35);
    assert.throws(() => parseModelMeta(edited((n) => (n.cell = 'rnn')), 'model.json'), /invalid network config: recurrentDropout applies to GRU and LSTM cells/);
  });
});
