// The label-conditioned language model head (one-to-many): the label → state path and the decoder
// against finite differences, padding invariance, and that the label alone changes what is predicted.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initBackend } from '../../src/engine/backend.js';
import type { NetworkOptions } from '../../src/engine/config.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import { labelLmBatch, LabelLmHead, sampleFromLabel } from '../../src/engine/heads/labelLmHead.js';
import { Rng } from '../../src/engine/math.js';
import { checkGradients } from './finiteDifferences.js';

before(async () => {
  await initBackend('cpu');
});

const V = 8;
const PAD = V - 1;
const EOS = 1;
const K = 3;

function lines(lengths: number[], seed: number): Int32Array[] {
  const rng = new Rng(seed);
  return lengths.map((n) => Int32Array.from({ length: n }, () => 2 + rng.int(PAD - 2)));
}

const CONFIGS: [string, NetworkOptions][] = [
  ['rnn, one layer', { cell: 'rnn' }],
  ['gru, one layer, embedding', { cell: 'gru', input: 'embedding', embeddingSize: 3 }],
  ['lstm, two layers', { cell: 'lstm', layers: 2 }],
];

const config = (o: NetworkOptions) => resolveNetworkConfig({ units: 4, bidirectional: false, ...o }, V, 'char');

describe('label-conditioned LM head: gradient check against finite differences (label → state bridge, decoder, masked padding)', () => {
  for (const [label, options] of CONFIGS) {
    test(label, () => {
      const head = LabelLmHead.create(config(options), K, 3);
      // An empty line still predicts its <EOS>; label 1 appears twice, label 2 not at all.
      const batch = labelLmBatch([0, 1, 1], lines([4, 0, 2], 21), EOS, PAD);
      const { grads } = head.lossAndGrads(batch);
      const checked = checkGradients(head.params, grads, () => head.loss(batch).loss, () => head.refresh(), label, 8);
      assert.ok(checked > 40, `${label}: checked ${checked} entries`);
      for (const prefix of ['label.layer', 'decoder.', 'lm.output.']) {
        assert.ok(head.params.some((p, k) => p.name.startsWith(prefix) && grads[k].some((g) => g !== 0)), `${label}: no gradient reached ${prefix}*`);
      }
      // The bridge reads onehot(label): the row of a label absent from the batch gets no gradient.
      head.params.forEach((p, k) => {
        if (!/^label\.layer\d+\.Wy$/.test(p.name)) return;
        const w = p.shape[1];
        assert.ok(grads[k].subarray(2 * w, 3 * w).every((g) => g === 0), `${label}: label 2 got a gradient in ${p.name}`);
        assert.ok(grads[k].subarray(0, w).some((g) => g !== 0), `${label}: label 0 got no gradient in ${p.name}`);
      });
      head.dispose();
    });
  }
});

describe('label-conditioned LM head: padding and the label', () => {
  test("a line's loss is the same alone and in a batch with longer lines (1e-6)", () => {
    const head = LabelLmHead.create(config({ cell: 'lstm', layers: 2 }), K, 5);
    const ls = lines([2, 6, 4], 31);
    const together = head.lineLosses(labelLmBatch([2, 0, 1], ls, EOS, PAD));
    ls.forEach((l, i) => {
      const alone = head.lineLosses(labelLmBatch([[2, 0, 1][i]], [l], EOS, PAD))[0];
      assert.ok(Math.abs(alone - together[i]) < 1e-6 * Math.max(1, Math.abs(alone)), `line ${i}: ${alone} alone vs ${together[i]} in the batch`);
    });
    head.dispose();
  });

  test('the same line scores differently under different labels, and sampling is seeded', () => {
    const head = LabelLmHead.create(config({ cell: 'gru' }), K, 7);
    const [l] = lines([5], 41);
    const [a, b] = head.lineLosses(labelLmBatch([0, 1], [l, l], EOS, PAD));
    assert.notEqual(a, b);
    const options = { eos: EOS, length: 12, seed: 9 };
    assert.deepEqual(sampleFromLabel(head, 1, options), sampleFromLabel(head, 1, options));
    assert.ok(sampleFromLabel(head, 1, options).length <= 12);
    assert.throws(() => head.start([K]), /outside/);
    head.dispose();
  });
});
