// Task files: detection with its one-sentence description, each reader, and each format error as
// one message naming the file and line.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readClassify } from '../../src/training/tasks/classifyReader.js';
import { buildClassifyVocabulary, encodeExamples } from '../../src/training/tasks/classifyEncoding.js';
import { detectTask, readTaskFile } from '../../src/training/tasks/detectTask.js';
import { readPairs } from '../../src/training/tasks/pairReader.js';
import { stratifiedSplit } from '../../src/training/tasks/stratifiedSplit.js';
import { readTagged } from '../../src/training/tasks/tagReader.js';
import { TaskFormatError } from '../../src/training/tasks/taskFormat.js';

const F = 'data.txt';

/** 1,000 lines "review text<TAB>pos|neg". */
function sentiment(n = 1000, order: 'text-label' | 'label-text' = 'text-label'): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2 ? 'pos' : 'neg';
    const text = `review number ${i} was ${label === 'pos' ? 'great' : 'awful'}`;
    lines.push(order === 'text-label' ? `${text}\t${label}` : `${label}\t${text}`);
  }
  return lines.join('\n') + '\n';
}

function formatError(fn: () => unknown, line: number, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TaskFormatError, `expected a TaskFormatError, got ${String(e)}`);
    assert.equal(e.line, line);
    assert.ok(e.message.startsWith(`${F}:${line}: `), e.message);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

describe('task detection', () => {
  test('text<TAB>label with its sentence', () => {
    assert.deepEqual(detectTask(sentiment(), F), { task: 'classify', description: 'this looks like text<TAB>label, 1,000 lines, 2 labels' });
  });
  test('label<TAB>text', () => {
    assert.equal(detectTask(sentiment(10, 'label-text'), F).description, 'this looks like label<TAB>text, 10 lines, 2 labels');
  });
  test('JSON lines and CSV', () => {
    const jsonl = ['{"text": "good film", "label": "pos"}', '{"text": "bad film", "label": "neg"}', '{"text": "fine", "label": "pos"}'].join('\n');
    assert.deepEqual(detectTask(jsonl, F), { task: 'classify', description: 'this looks like JSON lines {"text", "label"}, 3 lines, 2 labels' });
    const csv = 'id,text,label\n1,"good, really",pos\n2,"bad ""film""",neg\n3,"multi\nline",pos\n';
    assert.equal(detectTask(csv, F).description, 'this looks like CSV with text and label columns, 3 lines, 2 labels');
  });
  test('CoNLL tags and source/target pairs', () => {
    const conll = 'John B-PER\nSmith I-PER\nruns O\n\nParis B-LOC\nsleeps O\n';
    assert.deepEqual(detectTask(conll, F), { task: 'tag', description: 'this looks like token<whitespace>tag (BIO tags), 2 sentences, 5 tokens, 4 tags' });
    const pairs = Array.from({ length: 20 }, (_, i) => `abc${i}\t${i}cba`).join('\n');
    assert.deepEqual(detectTask(pairs, F), { task: 'seq2seq', description: 'this looks like source<TAB>target, 20 pairs' });
  });
  test('prose is text for a language model', () => {
    const prose = 'First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n';
    assert.equal(detectTask(prose, F).task, 'lm');
    assert.match(detectTask(prose, F).description, /^this looks like plain text, 5 lines, \d+ characters$/);
  });
  test('readTaskFile reads the task the user chose', () => {
    const data = readTaskFile('seq2seq', sentiment(4), F);
    assert.equal(data.task, 'seq2seq');
    if (data.task === 'seq2seq') assert.equal(data.pairs[0].target, 'neg');
  });
});

describe('classify reader', () => {
  test('the label column is the one with few distinct values, in either order', () => {
    const a = readClassify(sentiment(6), F);
    const b = readClassify(sentiment(6, 'label-text'), F);
    assert.equal(a.format, 'text-tab-label');
    assert.equal(b.format, 'label-tab-text');
    assert.deepEqual(a.examples, b.examples);
    assert.deepEqual(a.labels, ['neg', 'pos']);
    assert.deepEqual(a.examples[1], { text: 'review number 1 was great', label: 'pos', line: 2 });
  });
  test('CSV fields with commas, quotes and newlines come through whole', () => {
    const d = readClassify('text,label\n"good, really",pos\n"bad ""film""",neg\n"two\nlines",pos\n', F);
    assert.deepEqual(
      d.examples.map((e) => [e.text, e.label, e.line]),
      [
        ['good, really', 'pos', 2],
        ['bad "film"', 'neg', 3],
        ['two\nlines', 'pos', 5],
      ],
    );
  });
  test('numeric JSON labels are read as strings', () => {
    assert.deepEqual(readClassify('{"text":"a","label":1}\n{"text":"b","label":0}\n', F).labels, ['1', '0']);
  });
});

describe('format errors: one sentence naming the file and line', () => {
  test('wrong column count', () => {
    formatError(() => readClassify('good\tpos\nbad\tneg\textra\n', F), 2, /expected 2 tab-separated columns .*found 3/);
    formatError(() => readClassify('text,label\na,pos\nb,neg,x\n', F), 3, /expected 2 comma-separated columns as in the header, found 3/);
    formatError(() => readTagged('a O\nb O c\n\n', F), 2, /expected 2 whitespace-separated columns as on line 1, found 3/);
    formatError(() => readPairs('abc\tcba\nabc\n', F), 2, /expected 2 tab-separated columns \(source<TAB>target\), found 1/);
  });
  test('empty label', () => {
    formatError(() => readClassify('pos\tgood film\n\tbad film\nneg\tawful\n', F), 2, /the label \(column 1\) is empty/);
    formatError(() => readClassify('{"text":"a","label":"x"}\n{"text":"b","label":" "}\n', F), 2, /the label .*is empty/);
  });
  test('a label column with thousands of values', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `text number ${i}\tlabel${i}`).join('\n');
    formatError(() => readClassify(lines, F), 1001, /more than 1,000 distinct values/);
    // Detection calls such a file pairs, not classes.
    assert.equal(detectTask(lines, F).task, 'seq2seq');
  });
  test('a tag file without blank lines', () => {
    const tokens = Array.from({ length: 2000 }, (_, i) => `w${i} ${i % 3 ? 'O' : 'B-NUM'}`).join('\n');
    formatError(() => readTagged(tokens, F), 501, /no blank line in the 501 token lines up to here \(from line 1\)/);
    formatError(() => detectTask(tokens, F), 501, /no blank line/);
  });
  test('mixed formats', () => {
    formatError(() => readClassify('pos\tgood\n{"text":"bad","label":"neg"}\n', F), 2, /the line is JSON but line 1 is tab-separated: mixed formats/);
    formatError(() => readClassify('{"text":"bad","label":"neg"}\npos\tgood\n', F), 2, /the line is tab-separated but line 1 is JSON: mixed formats/);
    formatError(() => readClassify('text,label\ngood,pos\n{"text":"bad"}\n', F), 3, /mixed formats/);
    formatError(() => readTagged('a O\n{"text":"b","label":"O"}\n', F), 2, /mixed formats/);
  });
  test('a line over 100 kB', () => {
    const text = `pos\tgood\nneg\t${'x'.repeat(100_001)}\n`;
    formatError(() => readClassify(text, F), 2, /100,005 bytes long, over the 100 kB limit/);
    formatError(() => detectTask(text, F), 2, /over the 100 kB limit/);
    // Counted in UTF-8 bytes: 'a<TAB>' and 40,000 three-byte characters are 120,002 bytes.
    formatError(() => readPairs(`a\t${'€'.repeat(40_000)}\n`, F), 1, /120,002 bytes/);
  });
  test('BIO: an I-X after O is reported with its line', () => {
    formatError(() => readTagged('John B-PER\nruns O\n\nthe O\nSmith I-PER\n', F), 5, /I-PER follows O; in BIO an entity starts with B-PER/);
    formatError(() => readTagged('Smith I-PER\n', F), 1, /I-PER starts a sentence/);
    formatError(() => readTagged('John B-PER\nSmith I-LOC\n', F), 2, /I-LOC follows B-PER/);
    formatError(() => readTagged('John B-PER\nSmith PER\n', F), 2, /"PER" is not BIO/);
  });
  test('a single label, an empty file, an empty text', () => {
    formatError(() => readClassify('pos\ta\npos\tb\n', F), 1, /at least 2 labels/);
    formatError(() => readClassify('\n\n', F), 1, /no examples/);
    formatError(() => readPairs('abc\t \n', F), 1, /the target \(column 2\) is empty/);
  });
});

describe('tag reader', () => {
  test('sentences, extra CoNLL columns, plain tag sets', () => {
    const d = readTagged('EU NNP B-ORG\nrejects VBZ O\n\n\nGerman JJ B-MISC\ncall NN O\n', F);
    assert.equal(d.scheme, 'bio');
    assert.deepEqual(d.sentences[1], { tokens: ['German', 'call'], tags: ['B-MISC', 'O'], lines: [5, 6] });
    assert.equal(readTagged('the DT\ncat NN\n\n', F).scheme, 'plain');
  });
});

describe('stratified split', () => {
  test('each class keeps its share, validation is disjoint and seeded', () => {
    const labels = [...Array(90).fill('a'), ...Array(10).fill('b'), 'c'];
    const { train, validation } = stratifiedSplit(labels, { fraction: 0.2, seed: 5 });
    const count = (ix: number[], l: string) => ix.filter((i) => labels[i] === l).length;
    assert.deepEqual([count(validation, 'a'), count(validation, 'b'), count(validation, 'c')], [18, 2, 0]);
    assert.equal(train.length + validation.length, labels.length);
    assert.equal(new Set([...train, ...validation]).size, labels.length);
    assert.deepEqual(stratifiedSplit(labels, { fraction: 0.2, seed: 5 }), { train, validation });
    assert.notDeepEqual(stratifiedSplit(labels, { fraction: 0.2, seed: 6 }).validation, validation);
  });
});

describe('classify encoding', () => {
  test('word tokens by default, rare and unseen words are <UNK>', () => {
    const data = readClassify('pos\tgood good film\nneg\tbad film\nneg\tbad bad\n', F);
    const vocab = buildClassifyVocabulary(data.examples.map((e) => e.text));
    assert.equal(vocab.mode, 'word');
    const { ids, labelIds } = encodeExamples(vocab, data.labels, [...data.examples, { text: 'good unseen', label: 'neg', line: 9 }]);
    assert.deepEqual([...labelIds], [0, 1, 1, 1]);
    assert.deepEqual(
      ids.map((x) => [...x].map((i) => vocab.tokens[i])),
      [
        ['good', 'good', 'film'],
        ['bad', 'film'],
        ['bad', 'bad'],
        ['good', '<UNK>'],
      ],
    );
  });
});
