// `--task classify` through the built CLI (dist/cli.js): train, then eval, predict, inspect and
// info on the classify model; language-model commands refuse it in one sentence; a malformed file fails
// in one line naming the file and line, and writes nothing.

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readModelMeta } from '../../src/model/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertOneLineFailure, ensureCliBuilt, rnnlab } from './helpers.js';
import { markerLines } from './classifyData.js';

const work = mkdtempSync(join(tmpdir(), 'rnnlab-classify-cli-'));
const trainFile = join(work, 'train.tsv');
const testFile = join(work, 'test.tsv');
const model = join(work, 'model');

before(() => {
  ensureCliBuilt();
  writeFileSync(trainFile, markerLines(600, 3).join('\n') + '\n');
  // The held-out file in the other column order: the reader detects the label column.
  writeFileSync(testFile, markerLines(200, 99).map((l) => l.split('\t').reverse().join('\t')).join('\n') + '\n');
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('rnnlab --task classify', () => {
  test('train says what it detected, evaluates as it goes and saves the model', () => {
    // --workers 1 is what a task trains with, so it is accepted.
    const r = rnnlab(['train', trainFile, '--task', 'classify', '--out', model, '--cell', 'gru', '--units', '16', '--embedding-size', '8', '--steps', '120', '--eval-every', '40', '--workers', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /train\.tsv: this looks like label<TAB>text, 600 lines, 2 labels/);
    assert.match(r.stdout, /^classify: 540 training and 60 validation lines, \d+ word tokens, bidirectional GRU 1×16/);
    assert.equal(r.stdout.match(/^step \d+ .* accuracy [\d.]+ {2}macroF1 [\d.]+/gm)?.length, 3);
    assert.match(r.stdout, /done \(steps\) at step 120 in [\d.]+ s, [\d,]+ tokens\/s; saved; best evaluation: step \d+, accuracy/);
    for (const kind of ['latest', 'best']) assert.ok(existsSync(join(model, 'checkpoints', kind, 'model.json')), `checkpoints/${kind} saved`);
    assert.ok(existsSync(join(model, 'model.json')) && existsSync(join(model, 'weights.bin')));
  });

  test('train --resume continues the classifier from its latest save, optimizer and history included', () => {
    const copy = join(work, 'resumed');
    cpSync(model, copy, { recursive: true });
    const r = rnnlab(['train', trainFile, '--out', copy, '--resume', '--steps', '40', '--eval-every', '40']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /resuming at step 120/);
    assert.match(r.stdout, /done \(steps\) at step 160 /);
    const meta = readModelMeta(copy);
    assert.equal(meta.task, 'classify');
    assert.equal(meta.state.step, 160);
    assert.equal(meta.history.runs?.length, 2);
    assert.equal(meta.optimizer?.step, 160, 'the optimizer state carried on');
    const changed = rnnlab(['train', trainFile, '--out', copy, '--resume', '--task', 'lm', '--steps', '1']);
    assert.equal(changed.code, 1);
    assert.match(changed.stderr, /a classify model/);
  });

  test('eval --json reports accuracy, macroF1, per-class precision/recall and the confusion matrix', () => {
    const r = rnnlab(['eval', model, testFile, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { accuracy: number; macroF1: number; perClass: { label: string; precision: number; recall: number }[]; confusion: number[][]; labels: string[] };
    assert.ok(j.accuracy >= 0.95, `held-out accuracy ${j.accuracy}`);
    assert.ok(j.macroF1 >= 0.95);
    assert.deepEqual(j.labels, ['pos', 'neg']);
    assert.deepEqual(
      j.perClass.map((c) => c.label),
      ['pos', 'neg'],
    );
    assert.ok(j.perClass.every((c) => c.precision >= 0.9 && c.recall >= 0.9));
    assert.deepEqual(
      j.confusion.map((row) => row.reduce((a, b) => a + b, 0)),
      [100, 100],
    );
    const human = rnnlab(['eval', model, testFile]);
    assert.match(human.stdout, /^examples: 200\naccuracy: [\d.]+\nmacroF1: [\d.]+\n/);
    assert.match(human.stdout, /confusion \(rows: true label, columns: predicted\):/);
  });

  test('predict prints the label and the probabilities of a text, or of each line of a file', () => {
    const text = 'the film was long and the plot odd so it is quite superb and then the music was fine and short';
    const one = rnnlab(['predict', model, '--text', text, '--json']);
    assert.equal(one.code, 0, one.stderr);
    const p = JSON.parse(one.stdout) as { label: string; probabilities: Record<string, number> };
    assert.equal(p.label, 'pos');
    assert.ok(Math.abs(p.probabilities.pos + p.probabilities.neg - 1) < 1e-6);
    assert.match(rnnlab(['predict', model, '--text', text]).stdout, /^pos\t\(pos 0\.\d{4}, neg 0\.\d{4}\)\n$/);
    const texts = join(work, 'texts.txt');
    writeFileSync(texts, `${text}\n\n${text.replace('superb', 'dreadful')}\n`);
    const many = rnnlab(['predict', model, texts, '--json']);
    assert.deepEqual(
      many.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { label: string }).label),
      ['pos', 'neg'],
    );
  });

  test('info shows the task and the labels', () => {
    const r = rnnlab(['info', model]);
    assert.match(r.stdout, /^task: classify, 2 labels: pos, neg$/m);
    const j = JSON.parse(rnnlab(['info', model, '--json']).stdout) as { task: string; labels: string[] };
    assert.equal(j.task, 'classify');
    assert.deepEqual(j.labels, ['pos', 'neg']);
  });

  test('sample says in one sentence that it does not apply to a classify model', () => {
    assertOneLineFailure(rnnlab(['sample', model]), /sample does not apply to .*, a classify model: it generates text from a language model; use rnnlab predict/);
  });

  const inspected = 'the film was long and the plot odd so it is quite dreadful and then the music was fine and short';

  test("inspect prints the label, then each token's saliency bar and the label's probability had the text stopped there", () => {
    const r = rnnlab(['inspect', model, '--text', inspected]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const head = /^predicted: (pos|neg) \(pos (0\.\d{4}|1\.0000), neg (0\.\d{4}|1\.0000)\)$/.exec(lines[0]);
    assert.ok(head, lines[0]);
    assert.equal(head[1], 'neg');
    assert.equal(lines[1], 'saliency ‖∂ log p(neg)/∂x⟨t⟩‖ per token, and p(neg) had the text stopped after it:');
    const words = inspected.split(' ');
    const rows = lines.slice(3, 3 + words.length).map((l) => /^"(\w+)" +([█▏▎▍▌▋▊▉]*) +(\d\.\d\de[-+]\d+) +(\d\.\d{4})$/.exec(l));
    rows.forEach((m, i) => assert.ok(m && m[1] === words[i], `row ${i}: ${lines[3 + i]}`));
    assert.ok(rows.some((m) => m![2] === '████████████████████'), 'the largest saliency has the full bar');
    assert.equal(rows[words.length - 1]![4], head[3], "the last step's answer is the whole text's");
    assert.match(r.stdout, /^layer 0 \(backward, gru, 16 units\):\n {2}gammaU {2}saturated low +[\d.]+%, high +[\d.]+%$/m);
    const topK = rnnlab(['inspect', model, '--text', inspected, '--top-k', '3']);
    assert.equal(topK.code, 2, 'a usage error');
    assert.match(topK.stderr, /^rnnlab: --top-k is for language models: a task model predicts no next token\n$/);
  });

  test('inspect --json gives the gates, the probabilities (those predict gives), the answer after each token and the saliency', () => {
    const r = rnnlab(['inspect', model, '--text', inspected, '--json', '--gradients']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as {
      tokens: string[];
      layers: { direction: string; a: number[][]; gammaU: number[][] }[];
      predictions: unknown[];
      gradients: { position: number; norms: number[][] };
      task: { task: string; labels: string[]; probabilities: number[]; predicted: number; stepProbabilities: number[][]; saliency: number[] };
    };
    const T = inspected.split(' ').length;
    assert.equal(j.tokens.length, T);
    assert.deepEqual(j.layers.map((l) => l.direction), ['forward', 'backward']);
    assert.ok(j.layers.every((l) => l.a.length === T && l.a[0].length === 16 && l.gammaU.length === T));
    assert.deepEqual(j.predictions, []);
    assert.equal(j.task.task, 'classify');
    assert.deepEqual(j.task.labels, ['pos', 'neg']);
    const predicted = JSON.parse(rnnlab(['predict', model, '--text', inspected, '--json']).stdout) as { label: string; probabilities: Record<string, number> };
    assert.equal(j.task.labels[j.task.predicted], predicted.label);
    j.task.labels.forEach((l, k) => assert.ok(Math.abs(j.task.probabilities[k] - predicted.probabilities[l]) <= 1e-6, `p(${l})`));
    assert.equal(j.task.stepProbabilities.length, T);
    assert.deepEqual(j.task.stepProbabilities[T - 1], j.task.probabilities);
    assert.ok(j.task.stepProbabilities.every((row) => Math.abs(row[0] + row[1] - 1) <= 2e-6));
    assert.equal(j.task.saliency.length, T);
    assert.ok(j.task.saliency.every((x) => Number.isFinite(x) && x > 0));
    assert.equal(j.gradients.position, T - 1);
    assert.equal(j.gradients.norms.length, 1);
    assert.equal(j.gradients.norms[0].length, T);
    assert.equal(rnnlab(['inspect', model, '--text', inspected, '--position', '2']).code, 2, '--position is for language and tag models');
  });

  test('train --workers N (N > 1) is refused in one sentence for every task but the language model, before anything is written', () => {
    const out = join(work, 'workers');
    for (const [task, args] of [['classify', ['--task', 'classify']], ['tag', ['--task', 'tag']], ['seq2seq', ['--task', 'seq2seq']], ['label-lm', ['--task', 'lm', '--condition', 'label']]] as const) {
      const r = rnnlab(['train', trainFile, ...args, '--workers', '2', '--out', out]);
      assert.equal(r.code, 2, `usage error for ${task} (stderr: ${r.stderr})`);
      assert.deepEqual(r.stderr.trimEnd().split('\n'), [`rnnlab: --workers splits a language model's batch between threads, but a ${task} model trains on one thread: leave out --workers`]);
      assert.equal(r.stdout, '');
      assert.equal(existsSync(out), false, 'no model folder');
    }
  });

  test('a format error is one line naming the file and line, exit 1, and nothing is written', () => {
    const bad = join(work, 'bad.tsv');
    const lines = markerLines(20, 5);
    lines[6] = `${lines[6]}\textra`;
    writeFileSync(bad, lines.join('\n') + '\n');
    const out = join(work, 'never');
    assertOneLineFailure(rnnlab(['train', bad, '--task', 'classify', '--out', out]), /bad\.tsv:7: expected 2 tab-separated columns .*found 3/);
    assert.equal(existsSync(out), false, 'no model folder');
    const unknown = join(work, 'unknown.tsv');
    writeFileSync(unknown, 'pos\tthe film\nmeh\tthe plot\n');
    assertOneLineFailure(rnnlab(['eval', model, unknown]), /unknown\.tsv:2: the label "meh" is not one of the model's labels/);
  });
});
