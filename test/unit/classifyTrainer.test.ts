// The classify trainer on a set where memory matters (classifyData.ts): held-out accuracy of a
// GRU within a test-sized budget, a plain RNN against a GRU and an LSTM on the same budget, the
// saved model reloaded, padding invariance of its probabilities, and the strict reader's checks
// of a classify model.json.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { initBackend } from '../../src/engine/backend.js';
import { padBatch } from '../../src/engine/heads/paddedBatch.js';
import { ModelFormatError, readModelMeta } from '../../src/model/index.js';
import { readClassify } from '../../src/training/tasks/classifyReader.js';
import { evaluateExamples, loadClassifier } from '../../src/training/tasks/classifyModel.js';
import type { TrainerEvent } from '../../src/training/events.js';
import { loadNewestCheckpoint } from '../../src/training/checkpoint.js';
import { TrainerControl } from '../../src/training/trainerControl.js';
import { prepareClassify, resumeClassifier, trainClassifier } from '../../src/training/tasks/classifyTrainer.js';
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
  const events: TrainerEvent[] = [];

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
    assert.equal(events.filter((e) => e.event === 'eval').length, 3);
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

describe('RNN, GRU and LSTM on the same budget', () => {
  // One-hot inputs, forwards only: the marker is 16–24 steps before the end, and a plain RNN's
  // tanh saturates on inputs of full size, so its gradient fades over that distance while the
  // gates carry it. (With the learned embedding, initialised at ±0.05, the orthogonal-initialised
  // RNN stays nearly linear and learns the set as well as a GRU.) Measured on seeds 1–6, 150
  // steps: RNN 0.495 0.58 0.98 0.505 0.55 0.995, GRU 1 1 0.995 1 1 1, LSTM 1 on every seed — the
  // RNN learns it on some seeds, so the test compares the mean over three.
  const SEEDS = [1, 2, 3];
  const budget = { units: 16, steps: 150, lr: 0.01, input: 'onehot' as const, bidirectional: false, evalEvery: 150 };

  test('a plain RNN is measurably worse than a GRU and an LSTM: mean held-out accuracy over 3 seeds, 0.2 below both', async () => {
    const mean: Record<string, number> = {};
    for (const cell of ['rnn', 'gru', 'lstm'] as const) {
      const accuracies: number[] = [];
      for (const seed of SEEDS) {
        const prepared = prepareClassify(train, { ...budget, cell, seed });
        const dir = join(work, `budget-${cell}-${seed}`);
        const done = await trainClassifier(prepared, { modelDir: dir, name: cell, backend: 'cpu' });
        assert.equal(done.step, budget.steps, 'the budget is in steps');
        const classifier = loadClassifier(dir);
        accuracies.push(evaluateExamples(classifier, heldOut.examples, 'test.tsv').accuracy);
        classifier.head.dispose();
      }
      mean[cell] = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
      console.log(`# ${cell.toUpperCase()} 1×${budget.units}, ${budget.steps} steps, seeds ${SEEDS.join(', ')}: held-out accuracy ${accuracies.map((a) => a.toFixed(3)).join(' ')}, mean ${mean[cell]!.toFixed(3)}`);
    }
    assert.ok(mean.gru! >= 0.95 && mean.lstm! >= 0.95, `the gated cells learn the marker: GRU ${mean.gru}, LSTM ${mean.lstm}`);
    assert.ok(mean.rnn! <= Math.min(mean.gru!, mean.lstm!) - 0.2, `RNN ${mean.rnn} is not 0.2 below GRU ${mean.gru} and LSTM ${mean.lstm}`);
  });
});

describe('the shared task loop (taskTrainer.ts) through the classifier', () => {
  test('a resumed run that diverges (lr 1e37) stops with the numbers and leaves the good saves in place', async () => {
    const copy = join(work, 'diverging');
    cpSync(model, copy, { recursive: true });
    const before = readFileSync(join(copy, 'weights.bin'));
    const stepBefore = readModelMeta(copy).state.step;
    const folder = loadNewestCheckpoint(copy).folder;
    const events: TrainerEvent[] = [];
    const { done } = resumeClassifier(folder, train, { lr: 1e37, steps: 30, evalEvery: 10 }, { modelDir: copy, name: 'gru', backend: 'cpu', onEvent: (e) => events.push(e), minSaveIntervalMs: 0 });
    const r = await done;
    assert.equal(r.reason, 'nan');
    assert.match(r.message, /(became (NaN|infinite)|jumped to .* far above the run's recent range|gradient norm jumped)/);
    assert.ok(events.some((e) => e.event === 'nan'), 'a nan event');
    assert.deepEqual(readFileSync(join(copy, 'weights.bin')), before, 'the root weights are the good ones');
    assert.equal(readModelMeta(copy).state.step, stepBefore);
    assert.equal(readModelMeta(copy, 'latest').state.step, stepBefore);
  });

  test('a paused run takes no step until it is resumed, then carries on to its budget', async () => {
    const prepared = prepareClassify(train, { cell: 'gru', units: 8, embeddingSize: 4, steps: 20, evalEvery: 10 });
    const control = new TrainerControl();
    const steps: number[] = [];
    let stepsWhilePaused = -1;
    const r = await trainClassifier(prepared, {
      modelDir: join(work, 'paused'),
      name: 'p',
      backend: 'cpu',
      control,
      onEvent: (e) => {
        if (e.event !== 'step') return;
        steps.push(e.step);
        if (e.step === 5) {
          control.pause();
          const seen = steps.length;
          // Several turns of the event loop later, nothing has moved.
          setTimeout(() => {
            stepsWhilePaused = steps.length - seen;
            control.resume();
          }, 50);
        }
      },
    });
    assert.equal(stepsWhilePaused, 0, 'no step while paused');
    assert.equal(r.step, 20);
    assert.deepEqual(steps, Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
