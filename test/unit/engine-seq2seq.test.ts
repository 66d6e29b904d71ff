// The seq2seq head, without and with Luong attention: its gradients (encoder, bridge, decoder,
// attention, masked padding) against finite differences, padding invariance, the initial-state
// gradient the decoder needs, decoding and saliency.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { initBackend } from '../../src/engine/backend.js';
import { kernelInfo, useKernels } from '../../src/engine/kernels/kernels.js';
import type { AttentionKind, NetworkOptions } from '../../src/engine/config.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import type { Seq2seqBatch } from '../../src/engine/heads/seq2seqHead.js';
import { seq2seqBatch, Seq2seqHead } from '../../src/engine/heads/seq2seqHead.js';
import { Rng } from '../../src/engine/math.js';
import { crossEntropy, Network } from '../../src/engine/network.js';
import type { LayerState } from '../../src/engine/cells/cell.js';
import { beamDecode, greedyDecode } from '../../src/engine/transduce.js';
import { checkGradients } from './finiteDifferences.js';

before(async () => {
  await initBackend('cpu');
});

const V = 8;
/** The padding id: no real token uses it, so its input rows must get no gradient. */
const PAD = V - 1;
const START = 1;
const END = 1;

function sequences(lengths: number[], seed: number): Int32Array[] {
  const rng = new Rng(seed);
  return lengths.map((n) => Int32Array.from({ length: n }, () => 2 + rng.int(PAD - 2)));
}

function batchOf(sourceLengths: number[], targetLengths: number[], seed: number): Seq2seqBatch {
  return seq2seqBatch(sequences(sourceLengths, seed), sequences(targetLengths, seed + 1), START, END, PAD);
}

const CONFIGS: [string, NetworkOptions, AttentionKind][] = [
  ['rnn, one layer', { cell: 'rnn' }, 'none'],
  ['gru, bidirectional encoder', { cell: 'gru', bidirectional: true }, 'none'],
  ['lstm, two bidirectional layers, embedding', { cell: 'lstm', layers: 2, bidirectional: true, input: 'embedding', embeddingSize: 3 }, 'none'],
  ['lstm, two layers, one-hot', { cell: 'lstm', layers: 2 }, 'none'],
  ['attention: rnn, one layer', { cell: 'rnn' }, 'luong'],
  ['attention: gru, bidirectional encoder', { cell: 'gru', bidirectional: true }, 'luong'],
  [
    'attention: lstm, two bidirectional layers (merged by sum), embedding',
    { cell: 'lstm', layers: 2, bidirectional: true, merge: 'sum', input: 'embedding', embeddingSize: 3 },
    'luong',
  ],
  ['attention: lstm, two layers, one-hot', { cell: 'lstm', layers: 2 }, 'luong'],
];

const config = (o: NetworkOptions) => resolveNetworkConfig({ units: 4, ...o }, V, 'char');

describe('seq2seq head: gradient check against finite differences (encoder, bridge, decoder, masked padding)', () => {
  for (const [label, options, attention] of CONFIGS) {
    test(label, () => {
      const head = Seq2seqHead.create(config(options), 3, { attention });
      const batch = batchOf([5, 2, 3], [2, 4, 1], 21);
      const { grads } = head.lossAndGrads(batch);
      const checked = checkGradients(
        head.params,
        grads,
        () => head.loss(batch).loss,
        () => head.refresh(),
        label,
        8,
      );
      assert.ok(checked > 60, `${label}: checked ${checked} entries`);
      for (const prefix of ['encoder.', 'bridge.', 'decoder.', ...(attention === 'luong' ? ['attention.'] : [])]) {
        assert.ok(
          head.params.some((p, k) => p.name.startsWith(prefix) && grads[k].some((g) => g !== 0)),
          `${label}: no gradient reached ${prefix}*`,
        );
      }
      // Padding never reaches a real step: the pad token's one-hot rows get exactly no gradient.
      head.params.forEach((p, k) => {
        if (!/^(encoder|decoder)\.layer0\.\w+\.Wx$/.test(p.name) || p.shape[0] !== V) return;
        const w = p.shape[1];
        assert.ok(
          grads[k].subarray(PAD * w, (PAD + 1) * w).every((g) => g === 0),
          `${label}: the padding token got a gradient in ${p.name}`,
        );
      });
      head.dispose();
    });
  }
});

describe('seq2seq head: padding invariance', () => {
  for (const [label, options, attention] of CONFIGS) {
    test(`${label}: a pair's loss is the same alone and in a batch with longer pairs (1e-6)`, () => {
      const head = Seq2seqHead.create(config(options), 5, { attention });
      const sources = sequences([2, 6, 4], 31);
      const targets = sequences([1, 5, 7], 32);
      const together = head.pairLosses(seq2seqBatch(sources, targets, START, END, PAD));
      sources.forEach((s, i) => {
        const alone = head.pairLosses(seq2seqBatch([s], [targets[i]], START, END, PAD))[0];
        assert.ok(Math.abs(alone - together[i]) < 1e-6, `${label}: pair ${i} alone ${alone} vs in the batch ${together[i]}`);
      });
      head.dispose();
    });
  }
});

describe('network: the gradient with respect to the initial state', () => {
  after(() => useKernels('auto'));
  for (const [cell, path] of (['rnn', 'gru', 'lstm'] as const).flatMap((c) => (['native', 'portable'] as const).map((p) => [c, p] as const))) {
    test(`${cell}, ${path} kernels: ∂L/∂state0 against finite differences`, (t) => {
      useKernels('auto');
      if (path === 'native' && kernelInfo().path !== 'native') {
        t.diagnostic(`the native path did not run: ${kernelInfo().reason}`);
        return;
      }
      useKernels(path);
      const cfg = resolveNetworkConfig({ cell, units: 3, layers: 2 }, V, 'char');
      const net = Network.create(cfg, 9);
      const B = 2;
      const T = 3;
      const rng = new Rng(4);
      const ids = Int32Array.from({ length: T * B }, () => rng.int(V));
      const targets = Int32Array.from({ length: T * B }, () => rng.int(V));
      const layers: LayerState[] = Array.from({ length: 2 }, () => {
        const a = Float32Array.from({ length: B * 3 }, () => rng.next() - 0.5);
        return { a, c: cell === 'lstm' ? Float32Array.from({ length: B * 3 }, () => rng.next() - 0.5) : a };
      });
      const state = { batch: B, layers };
      const pass = net.forward(ids, B, T, state);
      const dLogits = new Float32Array(pass.logits.length);
      crossEntropy(pass.logits, targets, V, dLogits);
      const loss = () => net.loss(ids, targets, B, T, state).loss;
      const stateGradients: LayerState[] = [];
      // ∂L/∂(top output) = ∂L/∂logits · Wyᵀ, then back through the layers with the state gradients asked for.
      const dTop = new Float32Array(T * B * cfg.units);
      const Wy = net.params.find((p) => p.name === 'output.Wy')!;
      for (let r = 0; r < T * B; r++)
        for (let j = 0; j < cfg.units; j++) for (let v = 0; v < V; v++) dTop[r * cfg.units + j] += dLogits[r * V + v] * Wy.data[j * V + v];
      net.backwardEncoder(pass, net.directionGradients(pass, dTop), undefined, { stateGradients });
      const eps = 1e-2;
      for (let l = 0; l < 2; l++) {
        const fields: ('a' | 'c')[] = cell === 'lstm' ? ['a', 'c'] : ['a'];
        for (const f of fields) {
          const x = layers[l][f];
          for (let i = 0; i < x.length; i++) {
            const old = x[i];
            x[i] = old + eps;
            const up = loss();
            x[i] = old - eps;
            const down = loss();
            x[i] = old;
            const numeric = (up - down) / (2 * eps);
            const analytic = stateGradients[l][f][i];
            const err = Math.abs(numeric - analytic) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic));
            assert.ok(err < 2e-2, `${cell} layer ${l} ${f}[${i}]: analytic ${analytic} vs numeric ${numeric}`);
          }
        }
      }
      net.dispose();
    });
  }
});

describe('seq2seq decoding', () => {
  for (const attention of ['none', 'luong'] as const)
    test(`attention ${attention}: beam width 1 is greedy; a wider beam scores at least as high; outputs stop at the length limit`, () => {
      const head = Seq2seqHead.create(config({ cell: 'gru', bidirectional: true }), 11, { attention });
      const sources = sequences([3, 5, 1, 6], 41);
      const options = { start: START, end: END, maxLength: (n: number) => n + 2 };
      const greedy = greedyDecode(head, sources, options);
      sources.forEach((s, i) => {
        const one = beamDecode(head, s, 1, options);
        assert.deepEqual([...one.ids], [...greedy[i].ids], `source ${i}: beam 1 differs from greedy`);
        // Greedy decodes the sources as one batch, the beam one source (a one-row product, sgemv on the native path): equal to float rounding.
        assert.ok(Math.abs(one.logProb - greedy[i].logProb) < 1e-5, `source ${i}: beam 1 ${one.logProb} vs greedy ${greedy[i].logProb}`);
        assert.ok(greedy[i].ids.length <= s.length + 2);
        const wide = beamDecode(head, s, 4, options);
        if (greedy[i].ended) assert.ok(wide.logProb >= greedy[i].logProb - 1e-9, `source ${i}: beam ${wide.logProb} < greedy ${greedy[i].logProb}`);
        // The reported log-probability is the model's: score the output by teacher forcing.
        if (wide.ended) {
          const scored = head.pairLosses(seq2seqBatch([s], [wide.ids.length > 0 ? wide.ids : Int32Array.of(END)], START, END, PAD))[0];
          if (wide.ids.length > 0) assert.ok(Math.abs(-scored - wide.logProb) < 1e-4, `source ${i}: ${-scored} vs ${wide.logProb}`);
        }
      });
      head.dispose();
    });

  for (const attention of ['none', 'luong'] as const)
    test(`attention ${attention}: fromParams restores the same outputs; paramShapes matches params`, () => {
      const cfg = config({ cell: 'lstm', layers: 2, bidirectional: true });
      const head = Seq2seqHead.create(cfg, 13, { attention });
      assert.deepEqual(
        Seq2seqHead.paramShapes(cfg, { attention }),
        head.params.map((p) => ({ name: p.name, shape: p.shape })),
      );
      assert.equal(
        head.params.some((p) => p.name.startsWith('attention.')),
        attention === 'luong',
      );
      const copy = Seq2seqHead.fromParams(cfg, head.params, { attention });
      const batch = batchOf([4, 2], [3, 3], 51);
      assert.deepEqual([...copy.pairLosses(batch)], [...head.pairLosses(batch)]);
      head.dispose();
      copy.dispose();
    });
});

describe('seq2seq saliency: ‖∂ log p(y⟨j⟩)/∂x⟨i⟩‖', () => {
  for (const attention of ['none', 'luong'] as const)
    test(`attention ${attention}: matches finite differences on the embedded inputs (a source of distinct tokens, so each embedding row is one x⟨i⟩)`, () => {
      const cfg = config({ cell: 'lstm', layers: 2, bidirectional: true, input: 'embedding', embeddingSize: 3 });
      const head = Seq2seqHead.create(cfg, 17, { attention });
      const source = Int32Array.from([2, 5, 3, 6]);
      const target = Int32Array.from([4, 2]);
      const map = head.saliency(source, target, START, END);
      assert.equal(map.length, target.length + 1);
      assert.ok(map.every((row) => row.length === source.length));
      const embedding = head.params.find((p) => p.name === 'encoder.embedding')!;
      const batch = seq2seqBatch([source], [target], START, END, PAD);
      const logP = (j: number, y: number) => {
        const { logits } = head.forward(batch);
        let max = -Infinity;
        for (let v = 0; v < V; v++) max = Math.max(max, logits[j * V + v]);
        let sum = 0;
        for (let v = 0; v < V; v++) sum += Math.exp(logits[j * V + v] - max);
        return logits[j * V + y] - max - Math.log(sum);
      };
      const outputs = [...target, END];
      const eps = 1e-2;
      outputs.forEach((y, j) => {
        source.forEach((tok, i) => {
          let sq = 0;
          for (let k = 0; k < 3; k++) {
            const at = tok * 3 + k;
            const old = embedding.data[at];
            embedding.data[at] = old + eps;
            const up = logP(j, y);
            embedding.data[at] = old - eps;
            const down = logP(j, y);
            embedding.data[at] = old;
            sq += ((up - down) / (2 * eps)) ** 2;
          }
          const numeric = Math.sqrt(sq);
          assert.ok(Math.abs(numeric - map[j][i]) <= 2e-2 * Math.max(1e-3, numeric + map[j][i]), `y${j}, x${i}: ${map[j][i]} vs numeric ${numeric}`);
        });
      });
      head.dispose();
    });
});
