// What the tests of one regularising network option (recurrentDropout, weightDrop) share: random
// token batches, a model folder with all-zero weights, and that option's trip through model.json.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkConfig } from '../../src/engine/config.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import { Rng } from '../../src/engine/math.js';
import { Network } from '../../src/engine/network.js';
import { Vocabulary } from '../../src/engine/tokenizer.js';
import { parseModelMeta } from '../../src/model/validate.js';
import { loadModelFolder, saveModelFolder } from '../../src/training/checkpoint.js';
import { resolveTrainConfig } from '../../src/training/config.js';

/** The vocabulary of the folders savedNetworkFolder writes. */
export const FOLDER_VOCAB = Vocabulary.build('abcabc\n', { mode: 'char' });

/** Saves a model folder of `network` in dir; returns its model.json text and an editor of it. */
export function savedNetworkFolder(dir: string, network: NetworkConfig): { text: string; edited: (edit: (network: Record<string, unknown>) => void) => string } {
  const params = Network.paramShapes(network).map((p) => ({ name: p.name, shape: p.shape, data: new Float32Array(p.shape.reduce((a, b) => a * b, 1)) }));
  saveModelFolder(dir, {
    name: 'm',
    network,
    params,
    vocabulary: FOLDER_VOCAB.toJSON(),
    train: resolveTrainConfig({ steps: 1, seqLen: 4, batch: 1 }),
    state: { step: 0, epoch: 0, bestValLoss: null },
    history: { runs: [], steps: [], evals: [] },
    optimizer: null,
  });
  const text = readFileSync(join(dir, 'model.json'), 'utf8');
  const edited = (edit: (network: Record<string, unknown>) => void) => {
    const m = JSON.parse(text) as { network: Record<string, unknown> };
    edit(m.network);
    return JSON.stringify(m);
  };
  return { text, edited };
}

/**
 * One numeric network option through model.json: stored and read back (the format's parser and
 * the folder loader), a model.json from before it reads as 0, a value of the wrong type is
 * refused by name. Returns the editor, for the option's own refusals.
 */
export function checkStoredOption(dir: string, cell: NetworkConfig['cell'], option: 'recurrentDropout' | 'weightDrop', value: number): (edit: (network: Record<string, unknown>) => void) => string {
  const network = resolveNetworkConfig({ cell, units: 4, [option]: value }, FOLDER_VOCAB.size, 'char');
  const { text, edited } = savedNetworkFolder(dir, network);
  assert.equal(parseModelMeta(text, 'model.json').network[option], value);
  assert.equal(loadModelFolder(dir).meta.network[option], value);
  assert.equal(parseModelMeta(edited((n) => delete n[option]), 'model.json').network[option], 0);
  assert.throws(() => parseModelMeta(edited((n) => (n[option] = 'lots')), 'model.json'), new RegExp(`\\(network\\) has no valid "${option}" \\(expected a number\\)`));
  return edited;
}

/** B·T random token ids below V (time-major, as the network reads them). */
export function randomBatch(V: number, B: number, T: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: B * T }, () => rng.int(V));
}
