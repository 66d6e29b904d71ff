// TF.js Layers interop: engine → export folder → plain tfjs-layers loadLayersModel gives the
// engine's next-token probabilities (≤ 1e-5) for every cell and layout.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';

import { initBackend } from '../../src/engine/backend.js';
import type { CellType, NetworkOptions } from '../../src/engine/config.js';
import { exportModel } from '../../src/interop/exportModel.js';
import {
  engineProbabilities,
  fixtureModelFolder,
  fixtureNetwork,
  folderHandler,
  kerasProbabilities,
  maxAbsDiff,
  tempDir,
  TEST_TEXT,
} from './interopFixtures.js';

before(async () => {
  await initBackend('cpu');
});

const LAYOUTS: { label: string; options: NetworkOptions }[] = [
  { label: '1 layer, one-hot', options: { layers: 1, units: 6, input: 'onehot' } },
  { label: '2 stacked layers, embedding', options: { layers: 2, units: 5, input: 'embedding', embeddingSize: 4 } },
  { label: 'bidirectional concat, one-hot', options: { layers: 1, units: 4, input: 'onehot', bidirectional: true, merge: 'concat' } },
  {
    label: '2 bidirectional layers, sum, embedding',
    options: { layers: 2, units: 4, input: 'embedding', embeddingSize: 3, bidirectional: true, merge: 'sum' },
  },
];

describe('TF.js Layers export', () => {
  for (const cell of ['rnn', 'gru', 'lstm'] as CellType[]) {
    for (const { label, options } of LAYOUTS) {
      test(`${cell}, ${label}: loadLayersModel gives the engine's probabilities`, async () => {
        const { net, vocab } = fixtureNetwork({ ...options, cell });
        const dir = fixtureModelFolder(net, vocab);
        const out = join(tempDir('tfjs'), 'export');
        exportModel(dir, { format: 'tfjs-layers', out });
        const model = await tfl.loadLayersModel(folderHandler(join(out, 'model.json')));
        const ids = vocab.encode(TEST_TEXT);
        const ours = engineProbabilities(net, ids);
        const theirs = kerasProbabilities(model, ids, vocab.size, options.input === 'embedding');
        const diff = maxAbsDiff(ours, theirs);
        assert.ok(diff <= 1e-5, `probabilities differ by ${diff}`);
        // Not vacuous: the predictions vary along the text.
        assert.ok(maxAbsDiff(ours.subarray(0, vocab.size), ours.subarray(5 * vocab.size, 6 * vocab.size)) > 1e-3);
        const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
        assert.equal(json.format, 'layers-model');
        const vocabFile = JSON.parse(readFileSync(join(out, 'vocab.json'), 'utf8'));
        assert.deepEqual(vocabFile.tokens, vocab.tokens);
        model.dispose();
      });
    }
  }
});
