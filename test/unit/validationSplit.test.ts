// The validation split of a language-model run: 10% of the text, capped at 20,000 tokens unless
// --val-fraction is given; a folder's recorded config (old ones have no cap) keeps its split.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { splitTokens, validationTokens } from '../../src/training/batches.js';
import { DEFAULT_VAL_TOKENS_MAX, resolveTrainConfig } from '../../src/training/config.js';
import { streamsFor } from '../../src/cli/trainCommand.js';

describe('validation split', () => {
  test('by default 10% of the text, at most 20,000 tokens', () => {
    const c = resolveTrainConfig({});
    assert.equal(c.valFraction, 0.1);
    assert.equal(c.valTokensMax, DEFAULT_VAL_TOKENS_MAX);
    assert.equal(validationTokens(50_000, c), 5_000);
    assert.equal(validationTokens(1_003_854, c), 20_000);
    const ids = new Int32Array(1_003_854);
    const { train, val } = splitTokens(ids, c.valFraction, c.seqLen, c.valTokensMax);
    assert.equal(val.length, 20_000);
    assert.equal(train.length, 983_854);
    assert.equal(streamsFor(1_003_854, c), 16);
  });

  test('an explicit --val-fraction is that fraction, uncapped', () => {
    const c = resolveTrainConfig({ valFraction: 0.1 });
    assert.equal(c.valTokensMax, null);
    assert.equal(validationTokens(1_003_854, c), 100_385);
    assert.equal(resolveTrainConfig({ valFraction: 0.05, valTokensMax: 1000 }).valTokensMax, 1000);
  });

  test('a recorded config without the cap (folders saved before it) keeps its old split', () => {
    // As src/model/validate.ts reads a stored "train" object: null fields dropped, then resolved.
    const stored = Object.fromEntries(Object.entries(resolveTrainConfig({ valFraction: 0.1 })).filter(([k, v]) => v !== null && k !== 'valTokensMax'));
    const reread = resolveTrainConfig(stored);
    assert.equal(validationTokens(1_003_854, reread), 100_385);
    const capped = Object.fromEntries(Object.entries(resolveTrainConfig({})).filter(([, v]) => v !== null));
    assert.equal(resolveTrainConfig(capped).valTokensMax, DEFAULT_VAL_TOKENS_MAX);
    assert.equal(reread.valTokensMax, null);
    assert.equal(validationTokens(1_003_854, reread), 100_385);
  });

  test('a cap below 2 tokens is refused', () => {
    assert.throws(() => resolveTrainConfig({ valTokensMax: 1 }), /valTokensMax/);
  });
});
