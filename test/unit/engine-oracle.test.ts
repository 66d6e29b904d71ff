// Oracle: with the same weights, our RNN / GRU / LSTM (and softmax output) must equal
// tfjs-layers' simpleRNN, gru (resetAfter false) and lstm to 1e-5.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/engine/backend.js';
import type { CellType } from '../../src/engine/config.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import { Rng } from '../../src/engine/math.js';
import { Network } from '../../src/engine/network.js';

before(async () => {
  await initBackend('cpu');
});

const V = 7;
const H = 5;
const B = 3;
const T = 6;

/** Copies columns [from, from+H) of a rows×cols matrix. */
function block(m: Float32Array, rows: number, cols: number, from: number, sign = 1): Float32Array {
  const out = new Float32Array(rows * H);
  for (let r = 0; r < rows; r++) for (let j = 0; j < H; j++) out[r * H + j] = sign * m[r * cols + from + j];
  return out;
}

function concatColumns(rows: number, parts: Float32Array[]): Float32Array {
  const cols = parts.length * H;
  const out = new Float32Array(rows * cols);
  parts.forEach((p, k) => {
    for (let r = 0; r < rows; r++) for (let j = 0; j < H; j++) out[r * cols + k * H + j] = p[r * H + j];
  });
  return out;
}

/** Our weights rearranged into Keras's kernel, recurrent kernel and bias. */
function kerasWeights(net: Network, cell: CellType): Float32Array[] {
  const Wx = net.param('layer0.fw.Wx').data;
  const b = net.param('layer0.fw.b').data;
  if (cell === 'rnn') return [Wx, net.param('layer0.fw.Wh').data, b];
  if (cell === 'lstm') {
    const Wh = net.param('layer0.fw.Wh').data;
    // ours [u f o c̃], Keras [i f c o]
    const order = [0, 1, 3, 2];
    const re = (m: Float32Array, rows: number) => concatColumns(rows, order.map((k) => block(m, rows, 4 * H, k * H)));
    return [re(Wx, V), re(Wh, H), re(b, 1)];
  }
  // GRU: ours [u r c̃] with Γu = 1 − z, so the z block is the negated u block.
  const Whur = net.param('layer0.fw.Wh_ur').data;
  const Whc = net.param('layer0.fw.Wh_c').data;
  const kernel = concatColumns(V, [block(Wx, V, 3 * H, 0, -1), block(Wx, V, 3 * H, H), block(Wx, V, 3 * H, 2 * H)]);
  const rec = concatColumns(H, [block(Whur, H, 2 * H, 0, -1), block(Whur, H, 2 * H, H), Whc]);
  const bias = concatColumns(1, [block(b, 1, 3 * H, 0, -1), block(b, 1, 3 * H, H), block(b, 1, 3 * H, 2 * H)]);
  return [kernel, rec, bias];
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('oracle: tfjs-layers with the same weights', () => {
  for (const cell of ['rnn', 'gru', 'lstm'] as CellType[]) {
    test(`${cell} outputs and softmax equal tfjs-layers to 1e-5`, () => {
      const net = Network.create(resolveNetworkConfig({ cell, units: H }, V), 11);
      // Non-trivial biases so a bias mix-up cannot hide.
      const rng = new Rng(5);
      const b = net.param('layer0.fw.b').data;
      for (let i = 0; i < b.length; i++) b[i] = rng.next() - 0.5;
      const by = net.param('output.by').data;
      for (let i = 0; i < by.length; i++) by[i] = rng.next() - 0.5;
      net.refresh();
      const ids = Int32Array.from({ length: B * T }, () => rng.int(V)); // time-major
      const pass = net.forward(ids, B, T, null);

      // Orthogonal init (the default) is irrelevant here: every weight is overwritten below.
      const common = { units: H, returnSequences: true, inputShape: [T, V] as [number, number], recurrentInitializer: 'glorotUniform' as const };
      const layer =
        cell === 'rnn'
          ? tfl.layers.simpleRNN({ ...common, activation: 'tanh' })
          : cell === 'gru'
            ? tfl.layers.gru({ ...common, recurrentActivation: 'sigmoid' }) // tfjs-layers' GRU is Keras's resetAfter=false
            : tfl.layers.lstm({ ...common, recurrentActivation: 'sigmoid', unitForgetBias: false });
      const model = tfl.sequential({ layers: [layer, tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: V, activation: 'softmax' }) })] });
      const [k, r, bias] = kerasWeights(net, cell);
      const G = cell === 'rnn' ? 1 : cell === 'gru' ? 3 : 4;
      layer.setWeights([tf.tensor2d(k, [V, G * H]), tf.tensor2d(r, [H, G * H]), tf.tensor1d(bias)]);
      model.layers[1].setWeights([tf.tensor2d(net.param('output.Wy').data, [H, V]), tf.tensor1d(by)]);

      // Keras wants batch-major one-hot input.
      const x = new Float32Array(B * T * V);
      for (let t = 0; t < T; t++) for (let bb = 0; bb < B; bb++) x[(bb * T + t) * V + ids[t * B + bb]] = 1;
      const xs = tf.tensor3d(x, [B, T, V]);
      const sub = tfl.model({ inputs: model.inputs, outputs: layer.output as tfl.SymbolicTensor });
      const theirA = (sub.predict(xs) as tf.Tensor).dataSync();
      const theirP = (model.predict(xs) as tf.Tensor).dataSync();

      const ourA = new Float32Array(B * T * H);
      const a = pass.caches[0][0].a;
      for (let t = 0; t < T; t++) for (let bb = 0; bb < B; bb++) for (let j = 0; j < H; j++) ourA[(bb * T + t) * H + j] = a[(t * B + bb) * H + j];
      const ourP = new Float32Array(B * T * V);
      for (let t = 0; t < T; t++) {
        for (let bb = 0; bb < B; bb++) {
          const o = (t * B + bb) * V;
          let max = -Infinity;
          for (let v = 0; v < V; v++) max = Math.max(max, pass.logits[o + v]);
          let s = 0;
          for (let v = 0; v < V; v++) s += Math.exp(pass.logits[o + v] - max);
          for (let v = 0; v < V; v++) ourP[(bb * T + t) * V + v] = Math.exp(pass.logits[o + v] - max) / s;
        }
      }
      assert.ok(maxDiff(ourA, theirA) < 1e-5, `a differs by ${maxDiff(ourA, theirA)}`);
      assert.ok(maxDiff(ourP, theirP) < 1e-5, `ŷ differs by ${maxDiff(ourP, theirP)}`);
      // The comparison is not vacuous: activations vary.
      assert.ok(maxDiff(ourA, new Float32Array(ourA.length)) > 0.05);
      tf.dispose([xs]);
      model.dispose?.();
    });
  }
});
