// Task heads: classification read from the final states and per-token tagging, on padded batches.
// Gradients against central finite differences (padding included), and padding invariance.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/engine/backend.js';
import type { NetworkOptions } from '../../src/engine/config.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import { ClassifierHead } from '../../src/engine/heads/classifierHead.js';
import type { PaddedBatch } from '../../src/engine/heads/paddedBatch.js';
import { padBatch } from '../../src/engine/heads/paddedBatch.js';
import type { SequenceHead } from '../../src/engine/heads/sequenceHead.js';
import { TaggerHead } from '../../src/engine/heads/taggerHead.js';
import { Rng } from '../../src/engine/math.js';
import { Network } from '../../src/engine/network.js';
import { checkGradients } from './finiteDifferences.js';

before(async () => {
  await initBackend('cpu');
});

const V = 7;
/** The padding id: no real token uses it, so its embedding and input rows must get no gradient. */
const PAD = V - 1;
const K = 3;

function sequences(lengths: number[], seed: number, range = PAD): Int32Array[] {
  const rng = new Rng(seed);
  return lengths.map((n) => Int32Array.from({ length: n }, () => rng.int(range)));
}

const CONFIGS: [string, NetworkOptions][] = [
  ['rnn, one-hot', { cell: 'rnn' }],
  ['gru, bidirectional, merge sum', { cell: 'gru', bidirectional: true, merge: 'sum' }],
  ['lstm, two bidirectional layers, embedding', { cell: 'lstm', layers: 2, bidirectional: true, input: 'embedding', embeddingSize: 3 }],
  ['lstm, bidirectional, merge mul', { cell: 'lstm', bidirectional: true, merge: 'mul' }],
];

function gradCheck(head: SequenceHead, lossAt: () => number, grads: Float32Array[], label: string): void {
  const checked = checkGradients(head.params, grads, lossAt, () => head.refresh(), label, 10);
  assert.ok(checked > 30, `${label}: checked ${checked} entries`);
  // Padding is masked: the pad token's input rows (embedding or one-hot Wx of each direction) get exactly no gradient.
  const inputs = head.params.flatMap((p, k) => (p.name === 'embedding' || (p.name.startsWith('layer0.') && p.name.endsWith('.Wx')) ? [k] : []));
  const first = head.params[inputs[0]].name === 'embedding' ? inputs.slice(0, 1) : inputs;
  for (const k of first) {
    const width = head.params[k].shape[1];
    assert.ok(
      grads[k].subarray(PAD * width, (PAD + 1) * width).every((g) => g === 0),
      `${label}: the padding token got a gradient in ${head.params[k].name}`,
    );
    assert.ok(
      grads[k].some((g) => g !== 0),
      `${label}: real tokens got no gradient in ${head.params[k].name}`,
    );
  }
}

function classifierBatch(): { batch: PaddedBatch; labels: Int32Array } {
  return { batch: padBatch(sequences([5, 2, 3], 11), undefined, PAD), labels: Int32Array.from([2, 0, 1]) };
}

function taggerBatch(): PaddedBatch {
  const lengths = [4, 1, 3];
  return padBatch(sequences(lengths, 12), sequences(lengths, 13, K), PAD);
}

describe('classification head: gradient check against finite differences, padded batch', () => {
  for (const [label, options] of CONFIGS) {
    test(label, () => {
      const head = ClassifierHead.create(resolveNetworkConfig({ units: 4, dropout: 0, ...options }, V), K, 5);
      const { batch, labels } = classifierBatch();
      const { grads, count } = head.lossAndGrads(batch, labels);
      assert.equal(count, 3);
      gradCheck(head, () => head.loss(batch, labels).loss, grads, label);
    });
  }
});

describe('tagging head: gradient check against finite differences, masked padding', () => {
  for (const [label, options] of CONFIGS) {
    test(label, () => {
      const head = TaggerHead.create(resolveNetworkConfig({ units: 4, dropout: 0, ...options }, V), K, 6);
      const batch = taggerBatch();
      const { grads, count } = head.lossAndGrads(batch);
      assert.equal(count, 4 + 1 + 3, 'only real tokens are counted');
      gradCheck(head, () => head.loss(batch).loss, grads, label);
    });
  }
});

describe('padding invariance: a line alone and in a batch with longer lines', () => {
  const bi = resolveNetworkConfig({ cell: 'lstm', layers: 2, units: 5, bidirectional: true, input: 'embedding', embeddingSize: 4 }, V);
  const line = sequences([3], 21)[0];
  const longer = sequences([9, 6], 22);
  const within = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-6, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  };
  test('classifier probabilities match to 1e-6', () => {
    const head = ClassifierHead.create(bi, K, 3);
    const alone = head.probabilities(padBatch([line]))[0];
    for (const pad of [0, 3, PAD]) {
      const inBatch = head.probabilities(padBatch([longer[0], line, longer[1]], undefined, pad))[1];
      within(inBatch, alone, `pad ${pad}`);
    }
    // The readout sees the whole line: changing its first token changes the answer.
    const other = Int32Array.from(line);
    other[0] = (other[0] + 1) % PAD;
    assert.ok(Math.abs(head.probabilities(padBatch([other]))[0][0] - alone[0]) > 1e-6);
  });
  test('tag probabilities of every token match to 1e-6', () => {
    const head = TaggerHead.create(bi, K, 4);
    const tags = (s: Int32Array) => new Int32Array(s.length);
    const alone = head.probabilities(padBatch([line], [tags(line)]))[0];
    const inBatch = head.probabilities(padBatch([longer[0], longer[1], line], [tags(longer[0]), tags(longer[1]), tags(line)], 2))[2];
    assert.equal(inBatch.length, line.length);
    inBatch.forEach((p, t) => within(p, alone[t], `token ${t}`));
  });
});

describe('heads: parameters', () => {
  test('the network has no language-model output layer, the shapes match, fromParams restores outputs', () => {
    const config = resolveNetworkConfig({ cell: 'gru', units: 3, bidirectional: true }, V);
    const head = ClassifierHead.create(config, 4, 8);
    assert.ok(!head.params.some((p) => p.name.startsWith('output.')));
    assert.deepEqual(
      head.params.map((p) => ({ name: p.name, shape: p.shape })),
      ClassifierHead.paramShapes(config, 4),
    );
    assert.deepEqual(head.params.find((p) => p.name === 'classifier.Wy')?.shape, [6, 4]);
    const batch = padBatch(sequences([4, 2], 9));
    const copy = ClassifierHead.fromParams(config, 4, head.params);
    assert.deepEqual(copy.probabilities(batch), head.probabilities(batch));
    assert.throws(() => head.network.forward(batch.ids, batch.B, batch.T, null), /no language-model output layer/);
    assert.throws(() => ClassifierHead.fromParams(config, 5, head.params), /classifier.Wy has shape \[6,4\], expected \[6,5\]/);
    const tagger = TaggerHead.create(config, 2, 1);
    assert.deepEqual(
      tagger.params.map((p) => ({ name: p.name, shape: p.shape })),
      TaggerHead.paramShapes(config, 2),
    );
    assert.deepEqual(Network.paramShapes(config).slice(-2), [
      { name: 'output.Wy', shape: [6, V] },
      { name: 'output.by', shape: [V] },
    ]);
  });
});

describe('oracle: tfjs-layers masking with the same weights', () => {
  test('a bidirectional simpleRNN classifier on a padded batch equals Masking → Bidirectional(simpleRNN) → dense softmax to 1e-5', () => {
    const H = 4;
    const config = resolveNetworkConfig({ cell: 'rnn', units: H, bidirectional: true, dropout: 0 }, V);
    const head = ClassifierHead.create(config, K, 9);
    const rng = new Rng(4);
    // Non-trivial biases so a bias mix-up cannot hide.
    for (const name of ['layer0.fw.b', 'layer0.bw.b', 'classifier.by']) {
      const p = head.params.find((q) => q.name === name);
      if (!p) throw new Error(name);
      for (let i = 0; i < p.data.length; i++) p.data[i] = rng.next() - 0.5;
    }
    head.refresh();
    const batch = padBatch(sequences([6, 2, 4], 31), undefined, PAD);
    const ours = head.probabilities(batch);

    const { B, T } = batch;
    // Keras reads padding as all-zero one-hot rows that the Masking layer skips.
    const x = new Float32Array(B * T * V);
    for (let b = 0; b < B; b++) for (let t = 0; t < batch.lengths[b]; t++) x[(b * T + t) * V + batch.ids[t * B + b]] = 1;
    const rnn = tfl.layers.simpleRNN({ units: H, activation: 'tanh', recurrentInitializer: 'glorotUniform' });
    const bi = tfl.layers.bidirectional({ layer: rnn, mergeMode: 'concat' });
    const dense = tfl.layers.dense({ units: K, activation: 'softmax' });
    const model = tfl.sequential({ layers: [tfl.layers.masking({ maskValue: 0, inputShape: [T, V] }), bi, dense] });
    const w = (name: string) => {
      const p = head.params.find((q) => q.name === name);
      if (!p) throw new Error(name);
      return p.shape.length === 2 ? tf.tensor2d(p.data, [p.shape[0], p.shape[1]]) : tf.tensor1d(p.data);
    };
    bi.setWeights(['fw', 'bw'].flatMap((d) => [w(`layer0.${d}.Wx`), w(`layer0.${d}.Wh`), w(`layer0.${d}.b`)]));
    dense.setWeights([w('classifier.Wy'), w('classifier.by')]);
    const xs = tf.tensor3d(x, [B, T, V]);
    const theirs = (model.predict(xs) as tf.Tensor).dataSync();
    let worst = 0;
    for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) worst = Math.max(worst, Math.abs(ours[b][k] - theirs[b * K + k]));
    assert.ok(worst < 1e-5, `probabilities differ by ${worst}`);
    // Not vacuous: the lines get different answers.
    assert.ok(Math.abs(ours[0][0] - ours[1][0]) > 1e-3);
    tf.dispose([xs]);
    model.dispose();
  });
});
