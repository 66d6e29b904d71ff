// The editor side of the supervised tasks without VS Code: the Task step's question and its
// expected-format message, the options a task run takes, Classify Selection's lines and words,
// the Models view's task label of a real trained classifier, the Sample / Evaluate pickers that
// leave it out, and the dashboard's task series.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { initBackend } from '../../src/engine/backend.js';
import { linesToClassify, predictionText } from '../../src/extension/classifyLines.js';
import { modelDescription, modelTooltip, taskLabel } from '../../src/extension/modelTree.js';
import { EDITOR_TASKS, taskFitProblem, taskQuestion, taskTrainOptions } from '../../src/extension/taskChoices.js';
import { listModels } from '../../src/extension/modelStore.js';
import { modelUseProblem, noModelFor, pickableFor } from '../../src/extension/modelUses.js';
import { RunStore } from '../../src/extension/panels/runStore.js';
import { isTaskSeries } from '../../src/protocol/taskSeries.js';
import { isDashboardSnapshot } from '../../src/protocol/webview.js';
import type { TrainerEvent } from '../../src/training/events.js';
import { CLASSIFY_EXPECTED, LABEL_LM_EXPECTED, readClassify } from '../../src/training/tasks/classifyReader.js';
import { prepareClassify, trainClassifier } from '../../src/training/tasks/classifyTrainer.js';
import { TASK_RUNNERS } from '../../src/training/tasks/taskRunners.js';
import { markerLines } from './classifyData.js';

const work = mkdtempSync(join(tmpdir(), 'rnnlab-ext-tasks-'));
after(() => rmSync(work, { recursive: true, force: true }));

const classifyFile = markerLines(40, 1).map((l) => l.split('\t').reverse().join('\t')).join('\n');

describe('Task step', () => {
  test('proposes the detected task with what it saw, the other tasks after it', () => {
    const q = taskQuestion(classifyFile, 'reviews.tsv');
    assert.match(q.placeHolder, /^this looks like text<TAB>label, 40 lines, 2 labels.* — train a classifier\?$/);
    assert.deepEqual(q.choices.map((c) => c.task), ['classify', 'label-lm', 'lm', 'tag', 'seq2seq']);
    assert.equal(q.choices[0]!.description, 'detected');
    assert.equal(q.choices[2]!.description, '');
    const prose = taskQuestion('Once upon a time.\nThe end.\n', 'story.txt');
    assert.match(prose.placeHolder, /^this looks like plain text, .* — train a language model\?$/);
    assert.deepEqual(prose.choices.map((c) => c.task), ['lm', 'classify', 'label-lm', 'tag', 'seq2seq']);
    assert.equal(prose.choices[2]!.description, '', 'generating from a label is not proposed for prose');
  });

  test('labelled lines also offer generating text from a label, right after the classifier', () => {
    const labelTab = markerLines(40, 1).join('\n');
    const q = taskQuestion(labelTab, 'reviews.tsv');
    assert.match(q.placeHolder, /^this looks like label<TAB>text, 40 lines, 2 labels — train a classifier\?$/);
    const [classify, labelLm] = q.choices;
    assert.equal(classify!.task, 'classify');
    assert.deepEqual(labelLm, {
      label: 'Generate text from a label',
      description: 'fits this file too',
      detail: 'One-to-many: a character language model started from the label, e.g. a review for "pos"',
      task: 'label-lm',
    });
    assert.equal(taskFitProblem('label-lm', labelTab, 'reviews.tsv'), null);
  });

  test('generating from a label on a file without labels gives the line and the expected format', () => {
    const problem = taskFitProblem('label-lm', 'Once upon a time.\nThe end.\n', 'story.txt');
    assert.ok(problem !== null && problem.startsWith('story.txt:1: '), problem ?? '');
    assert.ok(problem.endsWith(`To generate text from a label, ${LABEL_LM_EXPECTED}.`), problem);
    assert.match(LABEL_LM_EXPECTED, /label<TAB>text/);
    const oneLabel = taskFitProblem('label-lm', 'pos\tgood film\npos\tfine film\n', 'one.tsv');
    assert.ok(oneLabel !== null && /^one\.tsv:1: .*at least 2 labels/.test(oneLabel), oneLabel ?? '');
  });

  test('a task the file does not fit gives one message with the line and the expected format', () => {
    const problem = taskFitProblem('classify', 'Once upon a time.\nThe end.\n', 'story.txt');
    assert.ok(problem !== null && problem.startsWith('story.txt:1: '), problem ?? '');
    assert.ok(problem.endsWith(`To train a classifier, ${CLASSIFY_EXPECTED}.`), problem);
    assert.equal(taskFitProblem('classify', classifyFile, 'reviews.tsv'), null);
    assert.equal(taskFitProblem('lm', classifyFile, 'reviews.tsv'), null, 'a language model trains on any text');
  });

  test('the editor offers exactly the tasks the worker can train', () => {
    assert.deepEqual([...EDITOR_TASKS].sort(), ['lm', ...Object.keys(TASK_RUNNERS)].sort());
  });

  test('a task run keeps the preset network and budget, drops what only a language model uses, and keeps Custom tokens', () => {
    const preset = { cell: 'lstm' as const, units: 128, tokens: 'char' as const, seqLen: 64, sampleEvery: 200, minutes: 2 };
    assert.deepEqual(taskTrainOptions('classify', preset, false), { cell: 'lstm', units: 128, minutes: 2 });
    assert.deepEqual(taskTrainOptions('classify', preset, true), { cell: 'lstm', units: 128, minutes: 2, tokens: 'char' });
    assert.equal(taskTrainOptions('lm', preset, false), preset);
  });

  test('generating from a label keeps the samples and writes characters, whatever Custom answered', () => {
    const preset = { cell: 'gru' as const, units: 64, tokens: 'word' as const, seqLen: 64, sampleEvery: 200, minutes: 2 };
    assert.deepEqual(taskTrainOptions('label-lm', preset, true), { cell: 'gru', units: 64, sampleEvery: 200, minutes: 2 });
    assert.deepEqual(taskTrainOptions('label-lm', { ...preset, sampleEvery: undefined }, false), { cell: 'gru', units: 64, minutes: 2 });
  });
});

describe('Classify Selection words', () => {
  test('the selected lines, blank ones skipped, with their line numbers', () => {
    assert.deepEqual(linesToClassify(['a', '  ', ' b c ', 'd'], 0, 2), [{ line: 0, text: 'a' }, { line: 2, text: 'b c' }]);
    assert.deepEqual(linesToClassify(['a'], 0, 5), [{ line: 0, text: 'a' }]);
  });
  test('the label and every probability, most probable first', () => {
    assert.deepEqual(predictionText(['pos', 'neg'], [0.03, 0.97]), { label: 'neg', probability: 0.97, all: 'neg 0.97 · pos 0.03' });
  });
});

describe('a trained classifier in the Models view and the dashboard', () => {
  const events: TrainerEvent[] = [];
  const modelsDir = join(work, 'models');
  before(async () => {
    await initBackend('cpu');
    const prepared = prepareClassify(readClassify(markerLines(200, 2).join('\n'), 'train.tsv'), { cell: 'gru', units: 8, embeddingSize: 4, steps: 20, evalEvery: 10 });
    await trainClassifier(prepared, { modelDir: join(modelsDir, 'reviews'), name: 'reviews', backend: 'cpu', onEvent: (e) => events.push(e), minSaveIntervalMs: 0 });
  });

  test('the model row says the task and its headline metric; the tooltip names the labels', () => {
    const [entry] = listModels(modelsDir);
    assert.ok(entry?.kind === 'ok');
    const s = entry.summary;
    assert.equal(s.task, 'classify');
    assert.deepEqual(s.labels, ['pos', 'neg']);
    const accuracy = s.bestMetrics?.accuracy;
    assert.ok(typeof accuracy === 'number' && accuracy >= 0 && accuracy <= 1);
    assert.equal(taskLabel(s), `classify · accuracy ${accuracy.toFixed(2)}`);
    assert.ok(modelDescription(s).startsWith(`classify · accuracy ${accuracy.toFixed(2)} · `), modelDescription(s));
    assert.match(modelTooltip(s, entry.checkpoints), /Labels.*pos, neg/);
    assert.equal(taskLabel({ task: 'lm', bestMetrics: null }), null, 'a language model shows no task');
    assert.equal(taskLabel({ task: 'classify', bestMetrics: null }), 'classify', 'before its first evaluation');
  });

  test('Sample Text, Evaluate on Active File and Show Surprisal list no classifier, and refuse one from the tree in one sentence', () => {
    const entries = listModels(modelsDir);
    assert.equal(entries.length, 1);
    assert.deepEqual(entries.map(pickableFor('sample')), [false]);
    assert.deepEqual(entries.map(pickableFor('evaluate')), [false]);
    assert.deepEqual(entries.map(pickableFor('surprisal')), [false]);
    assert.equal(noModelFor('surprisal', entries, modelsDir), `There is no language model to show the surprisal of in ${modelsDir}: its model is of other tasks.`);
    assert.equal(
      modelUseProblem('surprisal', 'reviews', 'classify'),
      'reviews is a classify model: it labels lines (Classify Selection); Show Surprisal colours a text by how much a language model expected each token.',
    );
    assert.equal(noModelFor('sample', entries, modelsDir), `There is no model to sample from (a language model, or one that generates from a label) in ${modelsDir}: its model is of other tasks.`);
    assert.equal(noModelFor('evaluate', [], modelsDir), null, 'no models at all: the usual "train one first"');
    assert.equal(modelUseProblem('sample', 'reviews', 'classify'), 'reviews is a classify model: it labels lines (Classify Selection), so there is no text to sample from it.');
    assert.equal(
      modelUseProblem('evaluate', 'gen', 'label-lm'),
      'gen is a label-lm model: it writes a line for a label (Sample Text…); Evaluate on Active File scores a language model on plain text (rnnlab eval evaluates a label-lm model on its own file format).',
    );
    const tasks = ['lm', 'classify', 'tag', 'seq2seq', 'label-lm'] as const;
    assert.deepEqual(tasks.filter((t) => modelUseProblem('sample', 'm', t) === null), ['lm', 'label-lm']);
    assert.deepEqual(tasks.filter((t) => modelUseProblem('evaluate', 'm', t) === null), ['lm']);
    assert.deepEqual(tasks.filter((t) => modelUseProblem('surprisal', 'm', t) === null), ['lm']);
    for (const t of tasks) for (const use of ['sample', 'evaluate', 'surprisal'] as const) {
      const problem = modelUseProblem(use, 'm', t);
      assert.ok(problem === null || (problem.endsWith('.') && problem.split('. ').length === 1), `one sentence: ${problem}`);
    }
  });

  test('the host keeps the metrics over steps and the latest confusion matrix for the dashboard', () => {
    const store = new RunStore();
    for (const e of events) store.add('/m/reviews', e);
    const snap = store.snapshot('/m/reviews', 'reviews', []);
    assert.ok(isDashboardSnapshot(snap) && isTaskSeries(snap.task));
    const evals = events.filter((e) => e.event === 'eval');
    assert.deepEqual(snap.task!.step, evals.map((e) => e.step));
    assert.deepEqual(snap.task!.metrics.accuracy, evals.map((e) => e.event === 'eval' && e.metrics!.accuracy));
    assert.deepEqual(snap.task!.labels, ['pos', 'neg']);
    const last = evals[evals.length - 1]!;
    assert.deepEqual(snap.task!.confusion, last.event === 'eval' ? last.confusion : null);
    // A language-model run after it starts without task metrics.
    const lmStart = { ...events[0]!, task: undefined, labels: undefined } as TrainerEvent;
    store.add('/m/reviews', lmStart);
    assert.equal(store.snapshot('/m/reviews', 'reviews', []).task, undefined);
  });
});
