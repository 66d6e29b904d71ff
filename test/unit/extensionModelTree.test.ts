// Models view content without VS Code: real model folders (saved by saveModelFolder with a real
// Network's parameters) → listModels → tree-node descriptors, plus broken and deleted folders.

import { mkdtempSync, rmSync, writeFileSync, mkdirSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { resolveNetworkConfig } from '../../src/engine/config.js';
import type { CellType } from '../../src/engine/config.js';
import { Network } from '../../src/engine/network.js';
import { Vocabulary } from '../../src/engine/tokenizer.js';
import { resolveTrainConfig } from '../../src/training/config.js';
import { saveModelFolder } from '../../src/training/checkpoint.js';
import { listModels, modelExists, readEntry } from '../../src/extension/modelStore.js';
import { modelNode, showToken, tensorsByLayer } from '../../src/extension/modelTree.js';
import { formatCount } from '../../src/protocol/labels.js';
import type { TreeNode } from '../../src/extension/modelTree.js';

const TEXT = 'the quick brown fox jumps over the lazy dog\nhello world\n';
const root = mkdtempSync(join(tmpdir(), 'rnnlab-tree-'));
after(() => rmSync(root, { recursive: true, force: true }));

function saveModel(dir: string, name: string, cell: CellType, layers: number, units: number, bestValLoss: number | null, step = 120, last: { lastValLoss?: number; lastTrainLoss?: number } = {}) {
  const vocab = Vocabulary.build(TEXT, { mode: 'char' });
  const network = resolveNetworkConfig({ cell, layers, units }, vocab.size, 'char');
  const net = Network.create(network, 1);
  saveModelFolder(dir, {
    name,
    network,
    params: net.params.map((p) => ({ name: p.name, shape: p.shape.slice(), data: p.data })),
    vocabulary: vocab.toJSON(),
    train: resolveTrainConfig({ steps: 10 }),
    state: { step, epoch: 1.5, bestValLoss, ...last },
    history: { runs: [{ startStep: 0, endStep: step, reason: 'minutes', bestValLoss }] },
  });
  return net;
}

const find = (n: TreeNode, label: string) => {
  const c = n.children.find((x) => x.label === label);
  assert.ok(c, `child ${label} of ${n.label}`);
  return c;
};

describe('Models view items from model metadata', () => {
  const dir = join(root, 'models');
  const lstmDir = join(dir, 'notes-lstm');
  const net = saveModel(lstmDir, 'notes-lstm', 'lstm', 2, 16, 1.3862943611198906);
  saveModel(join(lstmDir, 'checkpoints', 'latest'), 'notes-lstm', 'lstm', 2, 16, 1.5, 100);
  saveModel(join(lstmDir, 'checkpoints', 'best'), 'notes-lstm', 'lstm', 2, 16, 1.3862943611198906, 80);
  saveModel(join(dir, 'a-gru'), 'a-gru', 'gru', 1, 8, null, 0);

  test('lists model folders by name and skips folders without model.json', () => {
    mkdirSync(join(dir, 'not-a-model'), { recursive: true });
    const entries = listModels(dir);
    assert.deepEqual(entries.map((e) => (e.kind === 'ok' ? e.summary.name : e.name)), ['a-gru', 'notes-lstm']);
    assert.deepEqual(listModels(join(root, 'does-not-exist')), []);
  });

  test('a model item shows name, cell, layers×units, parameters and best validation loss in nats and bits', () => {
    const entry = readEntry(lstmDir);
    assert.equal(entry.kind, 'ok');
    const node = modelNode(entry);
    assert.equal(node.label, 'notes-lstm');
    assert.equal(node.contextValue, 'model');
    const params = net.parameterCount();
    assert.equal(node.description, `LSTM 2×16 · ${formatCount(params)} params · val 1.386 (2.00 bits)`);
    assert.match(node.tooltip!, /\| Parameters \| /);
    assert.ok(node.tooltip!.includes(params.toLocaleString('en-US')));
    assert.ok(node.tooltip!.includes('1\\.386 nats \\(2\\.000 bits/token\\)'), node.tooltip);
    assert.deepEqual(node.children.map((c) => c.label), ['Architecture', 'Checkpoints', 'Vocabulary', 'Training history']);
  });

  test('Architecture lists each layer with its weight shapes', () => {
    const arch = find(modelNode(readEntry(lstmDir)), 'Architecture');
    const layers = arch.children.filter((c) => c.contextValue === 'layer');
    assert.deepEqual(layers.map((l) => l.label), ['Layer 1', 'Layer 2']);
    assert.ok(layers.every((l) => l.children.length > 0));
    const v = Vocabulary.build(TEXT, { mode: 'char' }).size;
    // Every tensor of the real network appears once with its shape.
    const all = arch.children.flatMap((c) => (c.contextValue === 'layer' ? c.children : [c]));
    assert.equal(all.length, net.params.length);
    const out = all.find((t) => t.label === 'output.Wy');
    assert.equal(out?.description, `[16 × ${v}]`);
  });

  test('Checkpoints show latest and best with step and loss; Vocabulary shows size and a preview; history lists runs', () => {
    const node = modelNode(readEntry(lstmDir));
    const ck = find(node, 'Checkpoints');
    assert.deepEqual(ck.children.map((c) => [c.label, c.contextValue, c.checkpoint]), [
      ['latest', 'checkpoint', 'latest'], ['best', 'checkpoint', 'best'],
    ]);
    assert.equal(ck.children[0]!.description, 'step 100 · val 1.500 (2.16 bits)');
    assert.equal(ck.children[1]!.description, 'step 80 · val 1.386 (2.00 bits)');
    const vocab = find(node, 'Vocabulary');
    const size = Vocabulary.build(TEXT, { mode: 'char' }).size;
    assert.equal(vocab.description, `${size} characters`);
    assert.ok(vocab.children[0]!.label.includes('⏎') && vocab.children[0]!.label.includes('␣'));
    const hist = find(node, 'Training history');
    assert.equal(hist.description, '1 run, 120 steps');
    assert.equal(hist.children[0]!.description, 'steps 0–120 · stopped: time budget reached · best val 1.386');
  });

  test('the latest checkpoint row shows the latest losses, not the best (an overfitting run)', () => {
    const m = join(root, 'overfit', 'tiny');
    saveModel(m, 'tiny', 'lstm', 1, 8, 5.6, 300, { lastValLoss: 8.8, lastTrainLoss: 0.001 });
    saveModel(join(m, 'checkpoints', 'latest'), 'tiny', 'lstm', 1, 8, 5.6, 300, { lastValLoss: 8.8, lastTrainLoss: 0.001 });
    saveModel(join(m, 'checkpoints', 'best'), 'tiny', 'lstm', 1, 8, 5.6, 40, { lastValLoss: 5.6, lastTrainLoss: 3.2 });
    const ck = find(modelNode(readEntry(m)), 'Checkpoints');
    assert.deepEqual(ck.children.map((c) => c.description), ['step 300 · loss 0.001 · val 8.800 (12.70 bits)', 'step 40 · val 5.600 (8.08 bits)']);
  });

  test('a model without validation loss yet, and a live training run, are described honestly', () => {
    const entry = readEntry(join(dir, 'a-gru'));
    assert.equal(entry.kind, 'ok');
    assert.ok(!modelNode(entry).description!.includes('val'));
    assert.equal(find(modelNode(entry), 'Checkpoints').description, 'none yet');
    const live = modelNode({ ...entry, training: { step: 42, loss: 2.5, paused: false } } as typeof entry);
    assert.equal(live.contextValue, 'modelTraining');
    assert.ok(live.description!.startsWith('training… step 42 · GRU 1×8'));
  });

  test('a corrupt or truncated model is shown with its problem instead of failing the view', () => {
    const bad = join(dir, 'corrupt');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'model.json'), '{"format": "rnnlab-model", "formatVers');
    const entry = readEntry(bad);
    assert.equal(entry.kind, 'broken');
    const node = modelNode(entry);
    assert.equal(node.contextValue, 'modelBroken');
    assert.match(node.tooltip!, /not valid JSON/);
    // Truncated weights are loadModel's to find; the metadata still reads.
    const trunc = join(dir, 'truncated');
    saveModel(trunc, 'truncated', 'rnn', 1, 4, 2);
    truncateSync(join(trunc, 'weights.bin'), 10);
    assert.equal(readEntry(trunc).kind, 'ok');
  });

  test('a model folder deleted while shown disappears from the list', () => {
    const gone = join(dir, 'gone');
    saveModel(gone, 'gone', 'rnn', 1, 4, null);
    assert.ok(modelExists(gone));
    assert.ok(listModels(dir).some((e) => e.kind === 'ok' && e.summary.name === 'gone'));
    rmSync(gone, { recursive: true });
    assert.ok(!modelExists(gone));
    assert.ok(!listModels(dir).some((e) => e.kind === 'ok' && e.summary.name === 'gone'));
    assert.equal(readEntry(gone).kind, 'broken');
  });
});

describe('tree helpers', () => {
  test('tensors are grouped by the layer number in their names', () => {
    const groups = tensorsByLayer([
      { name: 'layer0.fwd.Wx', shape: [3, 4] }, { name: 'layer1.fwd.Wx', shape: [4, 4] },
      { name: 'output.Wy', shape: [4, 3] }, { name: 'layer7.fwd.b', shape: [4] },
    ], 2);
    assert.deepEqual(groups.map((g) => [g.layer, g.tensors.map((t) => t.name)]), [
      [0, ['layer0.fwd.Wx']], [1, ['layer1.fwd.Wx']], [null, ['output.Wy', 'layer7.fwd.b']],
    ]);
  });
  test('counts and tokens are readable', () => {
    assert.equal(formatCount(1_234_567), '1.23M');
    assert.equal(formatCount(12_345), '12.3k');
    assert.equal(formatCount(999), '999');
    assert.equal(showToken('\n'), '⏎');
    assert.equal(showToken('a'), 'a');
  });
});
