// Tokenizer, sampling, scoring, completion cache, inspection, and tensor leaks.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend.js';
import { CELL_GATES, resolveNetworkConfig } from '../../src/engine/config.js';
import type { Model } from '../../src/engine/model.js';
import type { RecurrentState } from '../../src/engine/network.js';
import { Network } from '../../src/engine/network.js';
import { Completer, sample, score } from '../../src/engine/sampler.js';
import { gradientFlow, inspect } from '../../src/engine/inspect.js';
import { EOS, UNK, Vocabulary } from '../../src/engine/tokenizer.js';
import { wasmDir } from './helpers.js';

before(async () => {
  await initBackend('wasm', { wasmDir });
});

const TEXT = 'the cat sat on the mat.\nthe dog sat on the log.\n'.repeat(20);

function model(cell: 'rnn' | 'gru' | 'lstm' = 'lstm', layers = 1, text = TEXT, mode: 'char' | 'word' = 'char'): Model {
  const vocab = Vocabulary.build(text, { mode, minCount: 1 });
  const network = Network.create(resolveNetworkConfig({ cell, units: 16, layers }, vocab.size, mode), 4);
  return { network, vocab };
}

describe('tokenizer', () => {
  test('char vocabulary: sorted symbols after <UNK>; unseen symbols map to <UNK>', () => {
    const v = Vocabulary.build('banana\n', { mode: 'char' });
    assert.deepEqual(v.tokens, [UNK, '\n', 'a', 'b', 'n']);
    assert.equal(v.eos, -1);
    assert.deepEqual(Array.from(v.encode('bañ')), [3, 2, v.unk]);
    assert.equal(v.decode(v.encode('banana\n')), 'banana\n');
  });

  test('char mode with charEos encodes newlines as <EOS>', () => {
    const v = Vocabulary.build('ab\nba\n', { mode: 'char', charEos: true });
    assert.ok(v.eos >= 0);
    assert.equal(v.encode('a\n')[1], v.eos);
    assert.equal(v.decode(v.encode('ab\nba\n')), 'ab\nba\n');
  });

  test('word vocabulary: <EOS> at each end of line, rare words become <UNK>, maxVocab caps', () => {
    const v = Vocabulary.build('the cat sat\nthe dog sat\nthe end\n', { mode: 'word', minCount: 2 });
    assert.deepEqual(v.tokens.slice(0, 2), [UNK, EOS]);
    assert.ok(v.tokens.includes('the') && v.tokens.includes('sat'));
    assert.ok(!v.tokens.includes('cat'));
    const ids = Array.from(v.encode('the cat sat\n'));
    assert.deepEqual(ids, [v.id('the'), v.unk, v.id('sat'), v.eos]);
    assert.equal(v.decode(ids), 'the <UNK> sat\n');
    const capped = Vocabulary.build('a a a b b c d e f\n', { mode: 'word', maxVocab: 4 });
    assert.deepEqual(capped.tokens, [UNK, EOS, 'a', 'b']);
  });

  test('offsets locate every token in the text, including surrogate pairs', () => {
    const text = 'a😀b';
    const v = Vocabulary.build(text, { mode: 'char' });
    const { ids, offsets } = v.encodeWithOffsets(text);
    assert.equal(ids.length, 3);
    assert.deepEqual(offsets, [0, 1, 3, 4]);
  });

  test('fromJSON round trip and validation', () => {
    const v = Vocabulary.build(TEXT, { mode: 'word' });
    assert.deepEqual(Vocabulary.fromJSON(JSON.parse(JSON.stringify(v))).tokens, v.tokens);
    assert.throws(() => Vocabulary.fromJSON({ mode: 'char', tokens: ['a', 'a', UNK] }), /twice/);
    assert.throws(() => Vocabulary.fromJSON({ mode: 'char', tokens: ['a'] }), /<UNK>/);
  });
});

describe('sampling and scoring', () => {
  test('same seed gives the same text; another seed gives another', () => {
    const m = model();
    const a = sample(m, { prime: 'the ', length: 60, temperature: 1, seed: 5 });
    const b = sample(m, { prime: 'the ', length: 60, temperature: 1, seed: 5 });
    const c = sample(m, { prime: 'the ', length: 60, temperature: 1, seed: 6 });
    assert.equal(a.text, b.text);
    assert.notEqual(a.text, c.text);
    assert.ok(a.text.startsWith('the '));
    assert.equal(a.generatedTokens, 60);
  });

  test('temperature 0 is greedy argmax, and top-k 1 equals it', () => {
    const m = model('gru');
    const greedy = sample(m, { prime: 'the', length: 30, temperature: 0, seed: 1 });
    const greedy2 = sample(m, { prime: 'the', length: 30, temperature: 0, seed: 99 });
    const top1 = sample(m, { prime: 'the', length: 30, temperature: 1.5, topK: 1, seed: 3 });
    assert.equal(greedy.text, greedy2.text);
    assert.equal(greedy.text, top1.text);
    // The first generated token really is the argmax of the model's next-token logits.
    const s = score(m, 'the' + greedy.generated.slice(0, 1));
    const alternatives = m.vocab.tokens.map((t) => (t === '<UNK>' ? Infinity : score(m, 'the' + t).surprisal[2]));
    assert.equal(Math.min(...alternatives), s.surprisal[2]);
  });

  test('stop at newline', () => {
    const m = model();
    for (let seed = 1; seed < 6; seed++) {
      const r = sample(m, { length: 400, temperature: 1.2, seed, stopAtNewline: true });
      assert.ok(!r.generated.slice(0, -1).includes('\n'));
    }
  });

  test('score: log P is the sum of −surprisal; perplexity = e^loss; bits = nats / ln 2', () => {
    const m = model('rnn');
    const s = score(m, 'the cat sat');
    assert.equal(s.tokens, 10);
    assert.equal(s.surprisal.length, 10);
    assert.ok(Math.abs(s.logProb + s.surprisal.reduce((a, b) => a + b, 0)) < 1e-9);
    assert.ok(Math.abs(s.perplexity - Math.exp(s.loss)) < 1e-9);
    assert.ok(Math.abs(s.bitsPerToken - s.loss / Math.LN2) < 1e-12);
    // An untrained model is near uniform: loss ≈ ln V.
    assert.ok(Math.abs(s.loss - Math.log(m.vocab.size)) < 0.5);
    assert.throws(() => score(m, 'x'), /at least two tokens/);
  });

  test('unknown characters become <UNK>, never a crash', () => {
    const m = model();
    assert.doesNotThrow(() => score(m, 'Ω≈ç√ the cat'));
    assert.doesNotThrow(() => sample(m, { prime: '∑∑ ', length: 5 }));
  });
});

describe('advance (what sampling and completion feed through)', () => {
  for (const cell of ['rnn', 'gru', 'lstm'] as const) {
    test(`${cell}: the last step's logits and the state equal forward's, call after call on reused buffers`, () => {
      const m = model(cell, 2);
      const V = m.network.config.vocabSize;
      const ids = m.vocab.encode('the dog sat on the log.');
      let stepped: RecurrentState | null = null;
      let reference: RecurrentState | null = null;
      // Chunks of 7, 1, 1, 7 and 7 tokens: the single tokens read through views of the 7-token
      // buffers, and the 7-token calls find those buffers holding the single tokens' values.
      for (const [from, to] of [
        [0, 7],
        [7, 8],
        [8, 9],
        [9, 16],
        [16, 23],
      ]) {
        const part = ids.subarray(from, to);
        const a = m.network.advance(part, 1, part.length, stepped);
        const pass = m.network.forward(part, 1, part.length, reference);
        const expected = pass.logits.slice((part.length - 1) * V);
        assert.equal(a.logits.length, V);
        for (let v = 0; v < V; v++)
          assert.ok(Math.abs(a.logits[v] - expected[v]) <= 1e-5 * Math.max(1, Math.abs(expected[v])), `${cell} tokens ${from}…${to}: logit ${v}`);
        a.state.layers.forEach((s, l) => {
          const r = pass.state.layers[l];
          for (let i = 0; i < s.a.length; i++)
            assert.ok(Math.abs(s.a[i] - r.a[i]) <= 1e-5 && Math.abs(s.c[i] - r.c[i]) <= 1e-5, `${cell} tokens ${from}…${to}: state of layer ${l}`);
        });
        stepped = a.state;
        reference = pass.state;
      }
    });
  }
  test('a long read, then single tokens, then a long read again: the reading buffers are allocated once', () => {
    const m = model('lstm', 2);
    const pool = (m.network as unknown as { readingPool: Map<string, Float32Array> }).readingPool;
    const long = m.vocab.encode('the dog sat on the log.');
    m.network.advance(long, 1, long.length, null);
    const buffers = new Map(pool);
    assert.ok(buffers.size > 0);
    let state = m.network.advance(long.subarray(0, 1), 1, 1, null).state;
    state = m.network.advance(long.subarray(1, 2), 1, 1, state).state;
    m.network.advance(long, 1, long.length, state);
    assert.equal(pool.size, buffers.size);
    for (const [key, b] of pool) assert.equal(b, buffers.get(key), `${key} was allocated again`);
  });
  test('the logits and state it returns are its own: the next call leaves them as they were', () => {
    const m = model('lstm');
    const first = m.network.advance(m.vocab.encode('the'), 1, 3, null);
    const kept = { logits: first.logits.slice(), a: first.state.layers[0].a.slice(), c: first.state.layers[0].c.slice() };
    m.network.advance(m.vocab.encode('dog'), 1, 3, null);
    assert.deepEqual(first.logits, kept.logits);
    assert.deepEqual(first.state.layers[0].a, kept.a);
    assert.deepEqual(first.state.layers[0].c, kept.c);
  });
});

describe('completer', () => {
  test('typing one more character costs one step, and gives the same result as reading afresh', () => {
    const m = model('lstm', 2);
    const completer = new Completer(m);
    const prefix = 'the dog sat on the l';
    const first = completer.complete(prefix, { maxTokens: 10, stopAtNewline: false });
    assert.equal(completer.lastFedTokens, prefix.length);
    const next = completer.complete(prefix + 'o', { maxTokens: 10, stopAtNewline: false });
    assert.equal(completer.lastFedTokens, 1);
    const fresh = new Completer(m).complete(prefix + 'o', { maxTokens: 10, stopAtNewline: false });
    assert.equal(next, fresh);
    assert.equal(typeof first, 'string');
    // A different prefix resets the cache and reads at most contextChars characters.
    completer.complete('x'.repeat(500) + 'the', { contextChars: 100, maxTokens: 3 });
    assert.equal(completer.lastFedTokens, 100);
  });

  test('cancellation stops generation between tokens', () => {
    const m = model();
    let calls = 0;
    const out = new Completer(m).complete('the ', { maxTokens: 40, stopAtNewline: false, isCancelled: () => ++calls > 3 });
    assert.equal([...out].length, 3);
  });
});

describe('inspection', () => {
  for (const cell of ['rnn', 'gru', 'lstm'] as const) {
    test(`${cell}: every gate of every layer, [T][units], values in range`, () => {
      const m = model(cell, 2);
      const r = inspect(m, 'the cat', { topK: 5 });
      assert.deepEqual(r.tokens, ['t', 'h', 'e', ' ', 'c', 'a', 't']);
      assert.equal(r.layers.length, 2);
      for (const layer of r.layers) {
        assert.deepEqual(Object.keys(layer.gates).sort(), [...CELL_GATES[cell]].sort());
        for (const [gate, rows] of Object.entries(layer.gates)) {
          assert.equal(rows.length, 7);
          assert.equal(rows[0].length, 16);
          if (gate.startsWith('gamma')) assert.ok(rows.flat().every((v) => v >= 0 && v <= 1));
          if (gate === 'a' || gate === 'cTilde') assert.ok(rows.flat().every((v) => v >= -1 && v <= 1));
        }
        if (cell !== 'rnn') {
          const sat = layer.saturation[cell === 'lstm' ? 'gammaF' : 'gammaU'];
          assert.ok(sat && sat.low >= 0 && sat.high <= 1 && sat.unitLow.length === 16);
        }
      }
      assert.equal(r.predictions.length, 7);
      assert.equal(r.predictions[0].length, 5);
      assert.ok(r.predictions[0][0].p >= r.predictions[0][4].p);
    });
  }

  test('LSTM trace: c = Γu⊙c̃ + Γf⊙c⟨t−1⟩ and a = Γo⊙tanh(c)', () => {
    const r = inspect(model('lstm'), 'the mat');
    const g = r.layers[0].gates;
    for (let t = 1; t < 7; t++) {
      for (let j = 0; j < 16; j++) {
        const c = g.gammaU![t][j] * g.cTilde![t][j] + g.gammaF![t][j] * g.c![t - 1][j];
        assert.ok(Math.abs(c - g.c![t][j]) < 1e-5);
        assert.ok(Math.abs(g.gammaO![t][j] * Math.tanh(g.c![t][j]) - g.a![t][j]) < 1e-5);
      }
    }
  });

  test('gradient flow: one norm per step up to T, per layer; an untrained plain RNN keeps under 1% of it 29 steps back', () => {
    const text = 'the cat sat on the mat and the dog sat on the log';
    const rnn = model('rnn', 2);
    const flow = gradientFlow(rnn, rnn.vocab.encode(text));
    assert.equal(flow.norms.length, 2);
    assert.equal(flow.norms[0].length, flow.position + 1);
    assert.ok(flow.norms[1][flow.position] > 0);
    const ratio = (norms: number[]) => norms[norms.length - 30] / norms[norms.length - 1];
    const lstm = model('lstm', 2);
    const lstmFlow = gradientFlow(lstm, lstm.vocab.encode(text));
    console.log('‖∂L/∂a‖ 29 steps back ÷ at T, top layer: rnn', ratio(flow.norms[1]), 'lstm', ratio(lstmFlow.norms[1]));
    assert.ok(ratio(flow.norms[1]) < 1e-2);
  });
});

describe('memory', () => {
  test('no tensor leaks across training steps, samples and inspections', () => {
    const m = model('lstm', 2);
    const ids = m.vocab.encode(TEXT.slice(0, 161));
    const round = () => {
      m.network.lossAndGrads(ids.subarray(0, 160), ids.subarray(1, 161), 4, 40, null);
      m.network.refresh();
      sample(m, { length: 5 });
      inspect(m, 'the cat', { gradients: true });
    };
    round();
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) round();
    assert.equal(tf.memory().numTensors, after1);
  });
});
