// Evaluation of huge texts costs a bounded time: the trainer's validation scores at most
// validationBudget tokens (evenly spread windows of the split, the same ones each time), and
// buildCorpus with maxTokens reads no further than the tokens `rnnlab eval --max-tokens` scores.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { initBackend } from '../../src/engine/backend.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import { evaluateSpread, evaluateStream, spreadWindows } from '../../src/engine/evaluate.js';
import { Network } from '../../src/engine/network.js';
import { Vocabulary } from '../../src/engine/tokenizer.js';
import { buildCorpus, stringSource } from '../../src/training/corpus.js';
import type { StartEvent, EvalEvent, TrainerEvent } from '../../src/training/events.js';
import { MIN_VALIDATION_TOKENS, train, validationBudget } from '../../src/training/trainer.js';
import { wasmDir } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'rnnlab-eval-budget-'));
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await initBackend('cpu', { wasmDir });
});

const TEXT = Array.from({ length: 3000 }, (_, i) => `line ${i % 13}: the quick brown fox ${i % 3 ? 'jumps' : 'naps'}.\n`).join('');

describe('evaluation budget', () => {
  test('evaluateSpread: the whole stream when short enough, else the mean over evenly spread windows', () => {
    const vocab = Vocabulary.build(TEXT, { mode: 'char' });
    const network = Network.create(resolveNetworkConfig({ cell: 'gru', units: 8 }, vocab.size, 'char'), 5);
    const ids = vocab.encode(TEXT.slice(0, 20_000));
    const whole = evaluateStream(network, ids, 4, 16);
    assert.deepEqual(evaluateSpread(network, ids, 4, 16, ids.length), whole);

    const spread = spreadWindows(ids.length, 4, 16, 1000)!;
    assert.equal(spread.starts.length, 4);
    assert.equal(spread.length, 250);
    assert.equal(spread.starts[0], 0);
    assert.equal(spread.starts[3]! + spread.length, ids.length - 1, 'the last window ends at the end of the text');
    const r = evaluateSpread(network, ids, 4, 16, 1000);
    assert.equal(r.tokens, 1000);
    // Each window on its own (batch rows are independent): the spread loss is their mean.
    const each = spread.starts.map((s) => evaluateStream(network, ids.subarray(s, s + spread.length + 1), 1, 16));
    const mean = each.reduce((a, e) => a + e.loss * e.tokens, 0) / 1000;
    assert.ok(Math.abs(r.loss - mean) < 1e-5, `${r.loss} vs ${mean}`);
  });

  test('the trainer scores at most validationBudget tokens of a big split, said in its start event', async () => {
    const options = { units: 8, seqLen: 8, batch: 2, steps: 2, evalEvery: 1, sampleEvery: 0, backend: 'cpu', valFraction: 0.2 } as const;
    assert.equal(validationBudget({ evalEvery: 1, batch: 2, seqLen: 8 }), MIN_VALIDATION_TOKENS);
    assert.equal(validationBudget({ evalEvery: 200, batch: 16, seqLen: 64 }), 51_200);
    const events: TrainerEvent[] = [];
    await train({ text: TEXT, modelDir: join(root, 'big-val'), options, wasmDir, onEvent: (e) => events.push(e) });
    const start = events.find((e): e is StartEvent => e.event === 'start')!;
    assert.ok(start.valTokens > 2 * MIN_VALIDATION_TOKENS, `a split of ${start.valTokens} tokens`);
    assert.equal(start.valScored, MIN_VALIDATION_TOKENS);
    assert.ok(events.some((e): e is EvalEvent => e.event === 'eval' && Number.isFinite(e.valLoss)));
  });

  test('buildCorpus with maxTokens: the first N tokens, truncated said, the same ids in char and word mode', () => {
    for (const text of ['héllo wörld, the cat sat.\n'.repeat(50), 'ascii only, the fast path.\n'.repeat(50)])
      for (const mode of ['char', 'word'] as const) {
        const vocab = Vocabulary.build(text, { mode });
        const all = vocab.encode(text);
        for (const n of [1, 7, 100, all.length, all.length + 5]) {
          const c = buildCorpus(stringSource(text), { mode, vocabulary: vocab, maxTokens: n });
          const ids = new Int32Array(c.tokens.length);
          c.tokens.read(0, ids.length, ids);
          assert.deepEqual([...ids], [...all.subarray(0, n)], `${mode}, ${n} tokens`);
          assert.equal(c.truncated, n < all.length, `${mode}, ${n} tokens: truncated`);
        }
      }
  });
});
