// The gate inspector for task models: a classifier's answer after every prefix against classifying
// the prefix alone, its saliency against finite differences of log p(predicted) in the input
// vector, a tagger's probabilities against tagText, a seq2seq model's decoder traces and saliency
// against the head's own, quantised traces against the reference, and gradient flow per layer.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initBackend } from '../../src/engine/backend.js';
import type { AttentionKind, GateName, NetworkOptions } from '../../src/engine/config.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import { ClassifierHead } from '../../src/engine/heads/classifierHead.js';
import { Seq2seqHead, seq2seqBatch } from '../../src/engine/heads/seq2seqHead.js';
import { TaggerHead } from '../../src/engine/heads/taggerHead.js';
import { Vocabulary } from '../../src/engine/tokenizer.js';
import { transduce } from '../../src/engine/transduce.js';
import type { ClassifyInspection, InspectResult, LayerTrace, QuantisedInspectResult, Seq2seqInspection, TagInspection } from '../../src/engine/types.js';
import { argmax, classifyIds } from '../../src/training/tasks/classifyModel.js';
import { decodeOptions, transduceTexts } from '../../src/training/tasks/seq2seqModel.js';
import { tagText } from '../../src/training/tasks/tagModel.js';
import { classifyInspector, MAX_BIDIRECTIONAL_PREFIX_TOKENS, seq2seqInspector, tagInspector } from '../../src/training/tasks/taskInspect.js';

before(async () => {
  await initBackend('cpu');
});

const TEXT = 'the cat sat on the mat; a dog ran far.';
const LABELS = ['pos', 'neg', 'odd'];

function close(actual: number, expected: number, tol: number, what: string): void {
  if (!(Math.abs(actual - expected) <= tol)) assert.fail(`${what}: ${actual} vs ${expected} (tolerance ${tol})`);
}

/** Every code decodes to within half a step of the reference value (and NaN never appears). */
function assertQuantisedMatches(q: QuantisedInspectResult, ref: InspectResult): void {
  assert.equal(q.layers.length, ref.layers.length);
  ref.layers.forEach((layer, l) => {
    const ql = q.layers[l];
    assert.equal(ql.part, layer.part);
    assert.equal(ql.direction, layer.direction);
    for (const [g, rows] of Object.entries(layer.gates) as [GateName, number[][]][]) {
      const { lo, hi, codes } = ql.gates[g]!;
      const step = (hi - lo) / 255;
      assert.equal(codes.length, rows.length * layer.units);
      rows.forEach((row, t) => row.forEach((v, j) => close(lo + codes[t * layer.units + j] * step, v, step / 2 + 1e-6, `layer ${l} ${g}[${t}][${j}]`)));
    }
  });
  assert.deepEqual(q.task, ref.task, 'the task part does not depend on the trace form');
  assert.deepEqual(q.tokens, ref.tokens);
}

/** Time steps of a layer's traces (every cell has its state a or c). */
const steps = (l: LayerTrace): number => (l.gates.a ?? l.gates.c)!.length;

function assertFlow(result: InspectResult, layers: number, steps: number): void {
  const g = result.gradients!;
  assert.equal(g.norms.length, layers, 'one row per encoder layer');
  for (const row of g.norms) {
    assert.equal(row.length, steps);
    assert.ok(row.every((n) => Number.isFinite(n) && n >= 0));
    assert.ok(row.some((n) => n > 0), 'the loss reaches the layer');
  }
}

describe('classify inspection', () => {
  const vocab = Vocabulary.build(TEXT, { mode: 'char' });
  const ids = vocab.encode(TEXT);
  const CONFIGS: [string, NetworkOptions][] = [
    ['lstm, bidirectional, embedding', { cell: 'lstm', bidirectional: true, input: 'embedding', embeddingSize: 5 }],
    ['gru, forwards only, one-hot', { cell: 'gru', bidirectional: false }],
    ['rnn, two bidirectional layers, merge sum', { cell: 'rnn', layers: 2, bidirectional: true, merge: 'sum' }],
  ];
  for (const [label, options] of CONFIGS) {
    test(`${label}: the whole text's answer is classifyIds', each step's that of the prefix alone`, () => {
      const head = ClassifierHead.create(resolveNetworkConfig({ units: 6, dropout: 0, ...options }, vocab.size), LABELS.length, 21);
      const result = classifyInspector({ head, vocab, labels: LABELS }).inspect(TEXT, { gradients: true });
      const task = result.task as ClassifyInspection;
      assert.equal(task.task, 'classify');
      assert.deepEqual(task.labels, LABELS);
      assert.equal(result.tokens.join(''), TEXT);
      assert.deepEqual(result.predictions, []);
      const [whole] = classifyIds(head, [ids]);
      task.probabilities.forEach((p, k) => close(p, whole[k], 1e-6, `p(${LABELS[k]})`));
      assert.equal(task.predicted, argmax(whole));
      assert.equal(task.stepProbabilities.length, ids.length);
      const prefixes = classifyIds(
        head,
        Array.from(ids, (_, t) => ids.slice(0, t + 1)),
      );
      task.stepProbabilities.forEach((row, t) => row.forEach((p, k) => close(p, prefixes[t][k], 1e-6, `step ${t} p(${LABELS[k]})`)));
      assert.deepEqual(task.stepProbabilities[ids.length - 1], task.probabilities);
      // The answers do change along the text (a check that the rows are not one row repeated).
      assert.ok(task.stepProbabilities.some((row) => Math.abs(row[0] - task.probabilities[0]) > 1e-4));
      const layers = head.network.config.layers;
      assert.equal(result.layers.length, layers * (head.network.config.bidirectional ? 2 : 1));
      assert.ok(result.layers.every((l) => l.part === undefined && steps(l) === ids.length));
      assertFlow(result, layers, ids.length);
      assert.equal(result.gradients!.position, ids.length - 1);
      if (!head.network.config.bidirectional) {
        // Forwards only, the loss reaches the top layer's last state through the output layer alone: ‖Wy·(p − onehot)‖.
        const dLogits = Float32Array.from(whole, (p, k) => p - (k === task.predicted ? 1 : 0));
        const { dX } = head.output.backward(new Float32Array(head.output.inWidth), 1, dLogits);
        close(result.gradients!.norms[layers - 1][ids.length - 1], Math.hypot(...dX), 1e-5, '‖∂L/∂a⟨T−1⟩‖');
      }
    });
  }

  /** log p(predicted) of `text` by the head, float64 from float32 logits. */
  const logP = (head: ClassifierHead, k: number) => Math.log(classifyIds(head, [ids])[0][k]);

  /** ‖∂ log p(k)/∂x⟨t⟩‖ by central differences in the embedding row of token t (which occurs once). */
  function numericSaliency(head: ClassifierHead, t: number, k: number): number {
    const E = head.network.config.embeddingSize;
    const row = head.network.param('embedding').data.subarray(ids[t] * E, (ids[t] + 1) * E);
    const eps = 1e-2;
    let sq = 0;
    for (let e = 0; e < E; e++) {
      const old = row[e];
      row[e] = old + eps;
      head.refresh();
      const up = logP(head, k);
      row[e] = old - eps;
      head.refresh();
      const down = logP(head, k);
      row[e] = old;
      head.refresh();
      sq += ((up - down) / (2 * eps)) ** 2;
    }
    return Math.sqrt(sq);
  }

  /** Positions of tokens that occur once in the text. */
  const once = Array.from(ids.keys()).filter((t) => ids.filter((id) => id === ids[t]).length === 1);

  for (const bidirectional of [true, false]) {
    test(`saliency is ‖∂ log p(predicted)/∂x⟨t⟩‖ by finite differences (${bidirectional ? 'bidirectional' : 'forwards only'}, embedding)`, () => {
      const config = resolveNetworkConfig({ cell: 'lstm', units: 7, bidirectional, input: 'embedding', embeddingSize: 4, dropout: 0 }, vocab.size);
      const head = ClassifierHead.create(config, LABELS.length, 5);
      const task = classifyInspector({ head, vocab, labels: LABELS }).inspect(TEXT).task as ClassifyInspection;
      assert.ok(once.length >= 4, 'the text has tokens seen once');
      for (const t of once) close(task.saliency[t], numericSaliency(head, t, task.predicted), 2e-2 * task.saliency[t] + 1e-4, `saliency[${t}] "${TEXT[t]}"`);
      assert.ok(task.saliency.every((s) => s > 0));
    });
  }

  test("a one-hot model's saliency is that of the same model reading identity embeddings", () => {
    const oneHot = resolveNetworkConfig({ cell: 'gru', units: 5, bidirectional: true, dropout: 0 }, vocab.size);
    const head = ClassifierHead.create(oneHot, LABELS.length, 9);
    const V = vocab.size;
    const identity = new Float32Array(V * V);
    for (let v = 0; v < V; v++) identity[v * V + v] = 1;
    const embedded = ClassifierHead.fromParams({ ...oneHot, input: 'embedding', embeddingSize: V }, LABELS.length, [{ name: 'embedding', shape: [V, V], data: identity }, ...head.params]);
    const task = classifyInspector({ head, vocab, labels: LABELS }).inspect(TEXT).task as ClassifyInspection;
    const [p] = classifyIds(embedded, [ids]);
    task.probabilities.forEach((q, k) => close(q, p[k], 1e-6, 'the identity embedding reads the same'));
    for (const t of once) close(task.saliency[t], numericSaliency(embedded, t, task.predicted), 2e-2 * task.saliency[t] + 1e-4, `saliency[${t}]`);
  });

  test('quantised traces are within half a code step of the reference; too long a text is refused', () => {
    const head = ClassifierHead.create(resolveNetworkConfig({ cell: 'lstm', units: 6, bidirectional: true, dropout: 0 }, vocab.size), 2, 4);
    const inspector = classifyInspector({ head, vocab, labels: ['a', 'b'] });
    assertQuantisedMatches(inspector.inspectQuantised(TEXT), inspector.inspect(TEXT));
    assert.throws(() => inspector.inspect('a'.repeat(MAX_BIDIRECTIONAL_PREFIX_TOKENS + 1)), /inspect at most 500 at a time/);
    assert.throws(() => inspector.inspect(''), /no text to inspect/);
    assert.throws(() => inspector.inspect(TEXT, { position: 3 }), /position applies to language and tag models/);
  });
});

describe('tag inspection', () => {
  const words = 'the cat sat on the mat with r2d2 and x7 then slept well';
  const vocab = Vocabulary.build(words, { mode: 'word', minCount: 1 });
  const TAGS = ['O', 'B-NUM', 'I-NUM'];
  for (const [label, options] of [
    ['lstm, bidirectional', { cell: 'lstm', bidirectional: true }],
    ['gru, forwards only, embedding', { cell: 'gru', input: 'embedding', embeddingSize: 3 }],
  ] as [string, NetworkOptions][]) {
    test(`${label}: probabilities per token sum to 1 and pick tagText's tags`, () => {
      const head = TaggerHead.create(resolveNetworkConfig({ units: 6, dropout: 0, ...options }, vocab.size), TAGS.length, 8);
      const text = '  the cat  r2d2 x7 ran unknownword well ';
      const inspector = tagInspector({ head, vocab, tags: TAGS });
      const result = inspector.inspect(text, { gradients: true, position: 2 });
      const task = result.task as TagInspection;
      const expected = tagText({ head, vocab, tags: TAGS, meta: undefined as never }, text);
      assert.equal(result.tokens.length, expected.length);
      result.tokens.forEach((tok, i) => {
        assert.equal(tok.trim(), expected[i].token);
        assert.equal(result.offsets[i], expected[i].start);
      });
      assert.equal(result.offsets[result.offsets.length - 1], text.length);
      task.probabilities.forEach((row, t) => {
        close(row.reduce((a, b) => a + b, 0), 1, 1e-9, `token ${t}`);
        row.forEach((p, k) => close(p, expected[t].probabilities[k], 1e-6, `p(${TAGS[k]}) of token ${t}`));
      });
      assert.deepEqual(
        task.predicted.map((k) => TAGS[k]),
        expected.map((e) => e.tag),
      );
      assert.equal(result.gradients!.position, 2);
      assertFlow(result, 1, expected.length);
      // Forwards only, the loss at token 2 hears nothing of later tokens; both ways, it does.
      const later = result.gradients!.norms[0].slice(3);
      if (head.network.config.bidirectional) assert.ok(later.every((n) => n > 0));
      else assert.ok(later.every((n) => n === 0));
      assertQuantisedMatches(inspector.inspectQuantised(text), inspector.inspect(text));
      assert.throws(() => inspector.inspect(text, { gradients: true, position: 99 }), /position must be from 0 to 6/);
    });
  }
});

describe('seq2seq inspection', () => {
  const vocab = Vocabulary.build('abcdefgh\nhgfedcba', { mode: 'char', charEos: true });
  for (const [label, options] of [
    ['lstm, bidirectional encoder', { cell: 'lstm', bidirectional: true }],
    ['gru, two layers, embedding', { cell: 'gru', layers: 2, input: 'embedding', embeddingSize: 4 }],
    ['gru with attention', { cell: 'gru', bidirectional: true, attention: 'luong' }],
  ] as [string, NetworkOptions & { attention?: AttentionKind }][]) {
    test(`${label}: encoder and decoder traces, the output, and the head's saliency`, () => {
      const head = Seq2seqHead.create(resolveNetworkConfig({ units: 5, dropout: 0, ...options }, vocab.size), 12, { attention: options.attention });
      const inspector = seq2seqInspector({ head, vocab });
      const text = 'abcfed';
      const result = inspector.inspect(text, { gradients: true });
      const task = result.task as Seq2seqInspection;
      const [output] = transduceTexts({ head, vocab }, [text]);
      assert.equal(task.output, output);
      const [{ ids: outIds }] = transduce(head, [vocab.encode(text)], 1, decodeOptions(vocab));
      assert.deepEqual(result.decoderTokens, [...Array.from(outIds, (id) => vocab.tokenText(id)), '<EOS>']);
      const { start, end } = decodeOptions(vocab);
      assert.deepEqual(task.saliency, head.saliency(vocab.encode(text), outIds, start, end));
      assert.equal(task.saliency.length, result.decoderTokens!.length);
      if (options.attention) {
        // α⟨j,i⟩ of the teacher-forced pass over the model's own output: one row per decoder step, each a distribution over the source.
        const alpha = head.forward(seq2seqBatch([vocab.encode(text)], [outIds], start, end)).attention!.pass.alpha;
        assert.equal(task.attention!.length, result.decoderTokens!.length);
        task.attention!.forEach((row, j) => {
          assert.equal(row.length, text.length);
          assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `row ${j} sums to 1`);
          assert.ok(row.every((a) => a >= 0));
          assert.deepEqual(row, Array.from(alpha.subarray(j * text.length, (j + 1) * text.length)));
        });
      } else assert.equal(task.attention, undefined, 'no attention, no weights');
      const layers = head.config.layers;
      const encoder = result.layers.filter((l) => l.part === undefined);
      const decoder = result.layers.filter((l) => l.part === 'decoder');
      assert.equal(encoder.length, layers * (head.config.bidirectional ? 2 : 1));
      assert.equal(decoder.length, layers);
      assert.ok(encoder.every((l) => steps(l) === text.length));
      assert.ok(decoder.every((l) => l.direction === 'forward' && steps(l) === result.decoderTokens!.length));
      assert.deepEqual(result.tokens, [...text]);
      assertFlow(result, layers, text.length);
      assertQuantisedMatches(inspector.inspectQuantised(text), inspector.inspect(text));
    });
  }
});
