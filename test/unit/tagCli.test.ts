// `--task tag` through the built CLI (dist/cli.js): train, then eval, predict, inspect and info on
// the tag model; language-model commands refuse it in one sentence; a malformed tag file fails in
// one line naming the file and line, exit 1, and writes nothing.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertOneLineFailure, ensureCliBuilt, rnnlab } from './helpers.js';
import { conllText, NUMBER_TOKENS, numberSentences } from './tagData.js';

const work = mkdtempSync(join(tmpdir(), 'rnnlab-tag-cli-'));
const trainFile = join(work, 'train.conll');
const testFile = join(work, 'test.conll');
const model = join(work, 'model');

before(() => {
  ensureCliBuilt();
  writeFileSync(trainFile, conllText(numberSentences(400, 3)));
  writeFileSync(testFile, conllText(numberSentences(200, 99)));
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('rnnlab --task tag', () => {
  test('train says what it read, evaluates token accuracy and entity F1 as it goes and saves the model', () => {
    const r = rnnlab(['train', trainFile, '--task', 'tag', '--out', model, '--cell', 'gru', '--units', '16', '--embedding-size', '8', '--lr', '0.02', '--steps', '150', '--eval-every', '50']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /train\.conll: this looks like token<whitespace>tag \(BIO tags\), 400 sentences, [\d,]+ tokens, 3 tags/);
    assert.match(r.stdout, /^tag: 360 training and 40 validation sentences, \d+ word tokens, bidirectional GRU 1×16/);
    assert.equal(r.stdout.match(/^step \d+ .* tokenAccuracy [\d.]+ {2}entityF1 [\d.]+ {2}precision [\d.]+ {2}recall [\d.]+/gm)?.length, 3);
    assert.match(r.stdout, /done \(steps\) at step 150 in [\d.]+ s, [\d,]+ tokens\/s; saved; best evaluation: step \d+, tokenAccuracy/);
    for (const kind of ['latest', 'best']) assert.ok(existsSync(join(model, 'checkpoints', kind, 'model.json')), `checkpoints/${kind} saved`);
  });

  test('eval --json reports tokenAccuracy, entityF1, precision and recall on held-out sentences', () => {
    const r = rnnlab(['eval', model, testFile, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { task: string; sentences: number; tokenAccuracy: number; entityF1: number; precision: number; recall: number; entities: { expected: number } };
    console.log(`# held-out tokenAccuracy ${j.tokenAccuracy}, entityF1 ${j.entityF1}`);
    assert.equal(j.task, 'tag');
    assert.equal(j.sentences, 200);
    assert.ok(j.tokenAccuracy >= 0.98, `held-out token accuracy ${j.tokenAccuracy}`);
    assert.ok(j.entityF1 >= 0.95, `held-out entity F1 ${j.entityF1}`);
    assert.ok(j.precision >= 0.9 && j.recall >= 0.9);
    assert.ok(j.entities.expected > 200);
    const human = rnnlab(['eval', model, testFile]);
    assert.match(human.stdout, /^sentences: 200, tokens: [\d,]+\ntokenAccuracy: [\d.]+\nentityF1: [\d.]+\nprecision: [\d.]+\nrecall: [\d.]+\n/);
  });

  test('predict prints each token with its tag and probability, for a text or each line of a file', () => {
    // Two number tokens the training file has: a word-level tagger reads unseen ones as <UNK>.
    const [n1, n2] = NUMBER_TOKENS;
    const one = rnnlab(['predict', model, '--text', `the cat ${n1} ${n2} ran home`]);
    assert.equal(one.code, 0, one.stderr);
    const rows = one.stdout.trim().split('\n').map((l) => l.split('\t'));
    assert.deepEqual(
      rows.map((r) => r.slice(0, 2)),
      [
        ['the', 'O'],
        ['cat', 'O'],
        [n1, 'B-NUM'],
        [n2, 'I-NUM'],
        ['ran', 'O'],
        ['home', 'O'],
      ],
    );
    assert.ok(rows.every((r) => /^0\.\d{4}$|^1\.0000$/.test(r[2])));
    const texts = join(work, 'texts.txt');
    writeFileSync(texts, `the ${n1} dog\n\nred ball\n`);
    const many = rnnlab(['predict', model, texts, '--json']);
    const parsed = many.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { tokens: { token: string; tag: string; probability: number; probabilities: Record<string, number> }[] });
    const first = parsed[0].tokens[1];
    assert.deepEqual(Object.keys(first.probabilities), ['O', 'B-NUM', 'I-NUM']);
    assert.equal(first.probabilities[first.tag], first.probability);
    assert.ok(Math.abs(Object.values(first.probabilities).reduce((a, b) => a + b, 0) - 1) < 1e-6);
    assert.deepEqual(
      parsed.map((p) => p.tokens.map((t) => t.tag)),
      [['O', 'B-NUM', 'O'], ['O', 'O']],
    );
  });

  test('info shows the task and the tag set', () => {
    assert.match(rnnlab(['info', model]).stdout, /^task: tag, 3 tags: O, B-NUM, I-NUM$/m);
    const j = JSON.parse(rnnlab(['info', model, '--json']).stdout) as { task: string; labels: string[] };
    assert.equal(j.task, 'tag');
    assert.deepEqual(j.labels, ['O', 'B-NUM', 'I-NUM']);
  });

  test('inspect prints each token with its tag and probability, then the saturation; --json adds the gates and every probability', () => {
    const [n1, n2] = NUMBER_TOKENS;
    const text = `the cat ${n1} ${n2} ran home`;
    const r = rnnlab(['inspect', model, '--text', text, '--gradients', '--position', '2']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0], /^token +tag +p$/);
    const rows = lines.slice(1, 7).map((l) => l.split(/ +/));
    const predicted = rnnlab(['predict', model, '--text', text]).stdout.trim().split('\n').map((l) => l.split('\t'));
    assert.deepEqual(rows, predicted, 'the tags and probabilities predict gives');
    assert.match(r.stdout, /^layer 0 \(forward, gru, 16 units\):$/m);
    assert.match(r.stdout, /^gradient flow ‖∂L⟨2⟩\/∂a⟨t⟩‖ for t = 0 … 5:\n {2}layer 0: (\d\.\d\de[-+]\d+ ){5}\d\.\d\de[-+]\d+$/m);
    const j = JSON.parse(rnnlab(['inspect', model, '--text', text, '--json']).stdout) as {
      tokens: string[];
      offsets: number[];
      layers: { direction: string; c: number[][] }[];
      task: { task: string; tags: string[]; probabilities: number[][]; predicted: number[] };
    };
    assert.deepEqual(j.tokens.map((t) => t.trim()), text.split(' '));
    assert.equal(j.offsets[2], text.indexOf(n1));
    assert.deepEqual(j.layers.map((l) => [l.direction, l.c.length]), [['forward', 6], ['backward', 6]]);
    assert.equal(j.task.task, 'tag');
    assert.deepEqual(j.task.tags, ['O', 'B-NUM', 'I-NUM']);
    assert.deepEqual(j.task.predicted.map((k) => j.task.tags[k]), ['O', 'O', 'B-NUM', 'I-NUM', 'O', 'O']);
    assert.ok(j.task.probabilities.every((p) => Math.abs(p.reduce((a, b) => a + b, 0) - 1) <= 3e-6));
    assertOneLineFailure(rnnlab(['inspect', model, '--text', text, '--gradients', '--position', '6']), /position must be from 0 to 5, got 6/);
  });

  test('sample and export say in one sentence that they do not apply to a tag model', () => {
    assertOneLineFailure(rnnlab(['sample', model]), /sample does not apply to .*, a tag model: it generates text from a language model; use rnnlab predict/);
    assertOneLineFailure(rnnlab(['export', model, '--format', 'pytorch', '--out', join(work, 'export')]), /export does not apply to .*, a tag model/);
  });

  test('format errors are one line naming the file and line, exit 1, and nothing is written', () => {
    const cases: [string, string, RegExp][] = [
      ['noblanks.conll', Array.from({ length: 600 }, (_, i) => `w${i % 7}\tO\n`).join(''), /noblanks\.conll:501: no blank line in the 501 token lines up to here/],
      ['bio.conll', 'the\tO\ncat\tO\n\nthe\tO\n42\tI-NUM\n', /bio\.conll:5: I-NUM follows O; in BIO an entity starts with B-NUM/],
      ['columns.conll', 'the\tO\ncat\tO\n\nthe x\tO\n', /columns\.conll:4: expected 2 whitespace-separated columns as on line 1, found 3/],
      ['long.conll', `the\tO\n${'a'.repeat(100_001)}\tO\n`, /long\.conll:2: the line is 100,003 bytes long, over the 100 kB limit/],
    ];
    for (const [name, text, pattern] of cases) {
      const file = join(work, name);
      writeFileSync(file, text);
      const out = join(work, `never-${name}`);
      assertOneLineFailure(rnnlab(['train', file, '--task', 'tag', '--out', out]), pattern);
      assert.equal(existsSync(out), false, `${name}: no model folder`);
    }
    const unknown = join(work, 'unknown.conll');
    writeFileSync(unknown, 'the\tO\n42\tB-NUM\n\nthe\tB-DATE\n');
    assertOneLineFailure(rnnlab(['eval', model, unknown]), /unknown\.conll:4: the tag "B-DATE" is not one of the model's tags/);
  });
});
