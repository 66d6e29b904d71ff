// The classify trainer on a set where memory matters (classifyData.ts): held-out accuracy of a
// GRU within a test-sized budget, the saved model reloaded, padding invariance of its
// probabilities, and the strict reader's checks of a classify model.json.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { initBackend } from '../../src/engine/backend.js';
import { padBatch } from '../../src/engine/heads/paddedBatch.js';
import { ModelFormatError, readModelMeta } from '../../src/model/index.js';
import { readClassify } from '../../src/training/tasks/classifyReader.js';
import { evaluateExamples, loadClassifier } from '../../src/training/tasks/classifyModel.js';
import type { ClassifyEvent } from '../../src/training/tasks/classifyTrainer.js';
import { prepareClassify, trainClassifier } from '../../src/training/tasks/classifyTrainer.js';
import { markerLines } from './classifyData.js';

const work = mkdtempSync(join(tmpdir(), 'rnnlab-classify-'));
const model = join(work, 'gru');
const train = readClassify(markerLines(600, 3).join('\n'), 'train.tsv');
const heldOut = readClassify(markerLines(200, 99).join('\n'), 'test.tsv');

before(async () => {
  await initBackend('cpu');
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('classify trainer', () => {
  const events: ClassifyEvent[] = [];

  test('a bidirectional GRU learns a marker 15+ words from both ends: held-out accuracy ≥ 95% in 150 steps', async () => {
    const prepared = prepareClassify(train, { cell: 'gru', units: 16, embeddingSize: 8, steps: 150, evalEvery: 50 });
    assert.equal(prepared.network.bidirectional, true, 'bidirectional by default');
    assert.equal(prepared.config.tokens, 'word', 'word tokens by default');
    assert.equal(prepared.network.input, 'embedding', 'a learned embedding by default');
    assert.deepEqual(
      [prepared.train.ids.length, prepared.validation.ids.length],
      [540, 60],
      'a stratified 10% split',
    );
    const done = await trainClassifier(prepared, { modelDir: model, name: 'gru', backend: 'cpu', onEvent: (e) => events.push(e) });
    assert.equal(done.reason, 'steps');
    assert.equal(events.filter((e) => e.type === 'eval').length, 3);
    const classifier = loadClassifier(model);
    const r = evaluateExamples(classifier, heldOut.examples, 'test.tsv');
    console.log(`# held-out accuracy ${r.accuracy}, macroF1 ${r.macroF1.toFixed(4)}, ${(done.elapsedMs / 1000).toFixed(1)} s, ${Math.round(done.tokensPerSecond)} tokens/s`);
    assert.ok(r.accuracy >= 0.95, `held-out accuracy ${r.accuracy}`);
    assert.deepEqual(r.labels, ['pos', 'neg']);
    assert.equal(r.confusion.flat().reduce((a, b) => a + b, 0), 200);
    classifier.head.dispose();
  });

  test("a line's probabilities are the same alone and in a batch with longer lines", () => {
    const { head, vocab } = loadClassifier(model);
    const short = vocab.encode('the film was superb');
    const long = heldOut.examples.slice(0, 3).map((e) => vocab.encode(e.text));
    const alone = head.probabilities(padBatch([short]))[0];
    const batched = head.probabilities(padBatch([long[0], short, long[1], long[2]]))[1];
    for (let k = 0; k < alone.length; k++) assert.ok(Math.abs(alone[k] - batched[k]) < 1e-6, `class ${k}: ${alone[k]} vs ${batched[k]}`);
    head.dispose();
  });

  test('model.json records the task and the labels, and the strict reader checks them', () => {
    const meta = readModelMeta(model);
    assert.equal(meta.task, 'classify');
    assert.deepEqual(meta.labels, ['pos', 'neg']);
    const path = join(model, 'model.json');
    const original = readFileSync(path, 'utf8');
    const broken: [string, (j: Record<string, unknown>) => void, RegExp][] = [
      ['no labels', (j) => delete j.labels, /no valid "labels"/],
      ['one label', (j) => (j.labels = ['pos']), /1 label, but a classify model needs at least 2/],
      ['a label twice', (j) => (j.labels = ['pos', 'pos']), /lists a label twice/],
      ['labels on a language model', (j) => (j.task = 'lm'), /has "labels" but is a language model/],
      ['an unknown task', (j) => (j.task = 'dance'), /has task "dance", which this RNN Lab does not know/],
    ];
    try {
      for (const [what, edit, pattern] of broken) {
        const j = JSON.parse(original) as Record<string, unknown>;
        edit(j);
        writeFileSync(path, JSON.stringify(j));
        assert.throws(() => readModelMeta(model), (e: unknown) => e instanceof ModelFormatError && pattern.test(e.message), what);
      }
      // Three labels over weights for two: the weights no longer fit the model.
      const j = JSON.parse(original) as Record<string, unknown>;
      j.labels = ['pos', 'neg', 'meh'];
      writeFileSync(path, JSON.stringify(j));
      assert.throws(() => loadClassifier(model), (e: unknown) => e instanceof ModelFormatError && /classifier\.Wy has shape \[32, 2\] but the config needs \[32, 3\]/.test(e.message));
    } finally {
      writeFileSync(path, original);
    }
  });
});
