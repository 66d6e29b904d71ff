// Weight drop (DropConnect) on the recurrent matrices (NetworkOptions.weightDrop): the thinned
// weights a training pass runs, that one mask serves every step and stream of the pass, that
// inference runs the weights as they are, that the gradient reaches the real weights through the
// mask, and that model.json keeps it. Its gradients are checked against finite differences in
// engine-gradcheck, the native kernels against the reference in engine-native, and data-parallel
// training with it in dataParallel.

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

describe('weight drop on the recurrent matrices', () => {
  for (const cell of ['rnn', 'gru', 'lstm'] as CellType[]) {
    test(`${cell}: a training pass runs mask ⊙ W, each weight dropped at about p, the rest scaled by 1/(1 − p); inference is unchanged`, () => {
      const V = 11;
      const [B, T, H] = [3, 8, 32];
      const p = 0.3;
      const config = resolveNetworkConfig({ cell, units: H, layers: 2, dropout: 0, weightDrop: p }, V);
      const net = Network.create(config, 5);
      const plain = Network.fromParams(resolveNetworkConfig({ cell, units: H, layers: 2, dropout: 0 }, V), net.params);
      const ids = randomBatch(V, B, T, 9);
      const training = net.forward(ids, B, T, null, new Rng(2));
      for (let l = 0; l < 2; l++) {
        const thin = training.thinned[l][0];
        assert.ok(thin, `layer ${l} ran thinned weights`);
        const names = Network.paramShapes(config).filter((s) => s.name.startsWith(`layer${l}.fw.Wh`)).map((s) => s.name);
        assert.equal(thin.rec.length, names.length, 'one thinned copy per recurrent matrix');
        let zeros = 0;
        let count = 0;
        thin.rec.forEach((r, i) => {
          const w = net.param(names[i]).data;
          const mask = thin.masks[i];
          assert.equal(mask.length, w.length);
          for (let j = 0; j < w.length; j++) {
            if (mask[j] === 0) zeros++;
            else assert.ok(Math.abs(mask[j] - 1 / (1 - p)) < 1e-6, `kept weights are scaled by 1/(1 − p): ${mask[j]}`);
            assert.equal(r.w.data[j], Math.fround(w[j] * mask[j]));
          }
          count += w.length;
        });
        const rate = zeros / count;
        assert.ok(Math.abs(rate - p) < 0.03, `layer ${l}: ${(100 * rate).toFixed(1)}% dropped, expected about ${100 * p}%`);
      }
      // The two layers draw different masks.
      assert.notDeepEqual(Array.from(training.thinned[0][0]?.masks[0] ?? []).slice(0, 200), Array.from(training.thinned[1][0]?.masks[0] ?? []).slice(0, 200));
      const reference = plain.forward(ids, B, T, null, new Rng(2));
      assert.equal(reference.thinned[0][0], null);
      let moved = 0;
      for (let i = 0; i < training.logits.length; i++) moved = Math.max(moved, Math.abs(training.logits[i] - reference.logits[i]));
      assert.ok(moved > 1e-3, `training logits move with the masks (largest change ${moved})`);
      // Without a generator (evaluation, sampling, completion) the weights run as they are.
      const inference = net.forward(ids, B, T, null);
      assert.equal(inference.thinned[0][0], null);
      assert.deepEqual(inference.logits, plain.forward(ids, B, T, null).logits);
    });
  }

  test('a dropped weight gets no gradient; a kept one gets the thinned gradient times 1/(1 − p)', () => {
    const V = 7;
    const [B, T, H] = [2, 6, 16];
    const p = 0.5;
    const config = resolveNetworkConfig({ cell: 'gru', units: H, dropout: 0, weightDrop: p }, V);
    const net = Network.create(config, 3);
    const ids = randomBatch(V, B, T, 4);
    const targets = randomBatch(V, B, T, 5);
    const { grads } = net.lossAndGrads(ids, targets, B, T, null, new Rng(8));
    const pass = net.forward(ids, B, T, null, new Rng(8));
    const thin = pass.thinned[0][0];
    assert.ok(thin);
    // The same weights without weight drop, set to the thinned values: its gradient is ∂L/∂(mask ⊙ W).
    const thinnedNet = Network.fromParams(resolveNetworkConfig({ cell: 'gru', units: H, dropout: 0 }, V), net.params);
    const recNames = ['layer0.fw.Wh_ur', 'layer0.fw.Wh_c'];
    recNames.forEach((name, i) => thinnedNet.param(name).data.set(thin.rec[i].w.data));
    thinnedNet.refresh();
    const plainGrads = thinnedNet.lossAndGrads(ids, targets, B, T, null).grads;
    const index = (name: string) => net.params.findIndex((q) => q.name === name);
    let dropped = 0;
    recNames.forEach((name, i) => {
      const g = grads[index(name)];
      const gThin = plainGrads[index(name)];
      for (let j = 0; j < g.length; j++) {
        const expected = gThin[j] * thin.masks[i][j];
        assert.ok(Math.abs(g[j] - expected) <= 1e-6 + 1e-5 * Math.abs(expected), `${name}[${j}]: ${g[j]} vs ${expected}`);
        if (thin.masks[i][j] === 0) {
          assert.ok(g[j] === 0, `${name}[${j}] is dropped but has gradient ${g[j]}`);
          dropped++;
        }
      }
    });
    assert.ok(dropped > 0, 'some weights were dropped');
    // The input matrix and the biases are not thinned: their gradients are the thinned network's.
    for (const name of ['layer0.fw.Wx', 'layer0.fw.b', 'output.Wy']) {
      const g = grads[index(name)];
      const gThin = plainGrads[index(name)];
      for (let j = 0; j < g.length; j++) assert.ok(Math.abs(g[j] - gThin[j]) <= 1e-6 + 1e-5 * Math.abs(gThin[j]), `${name}[${j}]`);
    }
  });

  test('the same seed draws the same masks; another seed others', () => {
    const config = resolveNetworkConfig({ cell: 'lstm', units: 8, dropout: 0, weightDrop: 0.5 }, 5);
    const net = Network.create(config, 1);
    const ids = randomBatch(5, 2, 6, 3);
    const mask = (seed: number) => Array.from(net.forward(ids, 2, 6, null, new Rng(seed)).thinned[0][0]?.masks[0] ?? []);
    assert.deepEqual(mask(4), mask(4));
    assert.notDeepEqual(mask(4), mask(5));
  });

  test('out of range is refused with a message; it defaults to 0', () => {
    assert.throws(() => resolveNetworkConfig({ cell: 'gru', weightDrop: 1 }, 5), (e: unknown) => e instanceof ConfigError && /weightDrop must be in \[0, 1\), got 1/.test(e.message));
    assert.throws(() => resolveNetworkConfig({ cell: 'rnn', weightDrop: -0.1 }, 5), /weightDrop must be in \[0, 1\)/);
    assert.equal(resolveNetworkConfig({ cell: 'rnn' }, 5).weightDrop, 0);
  });
});

describe('model.json and weight drop', () => {
  const root = mkdtempSync(join(tmpdir(), 'rnnlab-weightdrop-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('it is stored and read back; a model.json from before it reads as 0; a bad value is refused by name', () => {
    const edited = checkStoredOption(join(root, 'm'), 'rnn', 'weightDrop', 0.25);
    assert.throws(() => parseModelMeta(edited((n) => (n.weightDrop = 1.5)), 'model.json'), /invalid network config: weightDrop must be in \[0, 1\)/);
  });
});
