// `rnnlab inspect --json`: every cell's layers carry an `a` (a GRU's a⟨t⟩ = c⟨t⟩), with its saturation.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { inspectJson } from '../../src/cli/inspectCommand.js';
import { initBackend } from '../../src/engine/backend.js';
import type { CellType } from '../../src/engine/config.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import { inspect } from '../../src/engine/inspect.js';
import { Network } from '../../src/engine/network.js';
import { Vocabulary } from '../../src/engine/tokenizer.js';
import { wasmDir } from './helpers.js';

before(async () => {
  await initBackend('wasm', { wasmDir });
});

const TEXT = 'the cat sat on the mat.\n';

for (const cell of ['lstm', 'gru', 'rnn'] as CellType[]) {
  test(`inspect --json: a ${cell} layer has a [T][units] \`a\` and its saturation`, () => {
    const vocab = Vocabulary.build(TEXT, { mode: 'char' });
    const network = Network.create(resolveNetworkConfig({ cell, units: 6, layers: 2 }, vocab.size), 3);
    const result = inspect({ network, vocab }, TEXT);
    const json = inspectJson(result) as { layers: (Record<string, unknown> & { saturation: Record<string, { low: number; high: number }> })[] };
    json.layers.forEach((layer, l) => {
      const a = layer.a as number[][];
      assert.equal(a.length, TEXT.length);
      assert.equal(a[0]!.length, 6);
      assert.deepEqual(a, result.layers[l]!.gates[cell === 'gru' ? 'c' : 'a'], cell === 'gru' ? "the GRU's a is its c" : 'the cell\'s own a');
      assert.ok(layer.saturation.a!.low >= 0 && layer.saturation.a!.high <= 1);
    });
  });
}
