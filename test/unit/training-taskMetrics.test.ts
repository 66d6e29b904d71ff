// Task metrics on cases computed by hand (the numbers in the comments are the working).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bioSpans, classificationMetrics, entityMetrics, levenshtein, tokenAccuracy, transductionMetrics } from '../../src/training/tasks/metrics.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

describe('classification metrics', () => {
  test('accuracy, per-class precision/recall, macro-F1, confusion', () => {
    // truth a a a b b c, predicted a a b b c c
    const m = classificationMetrics(['a', 'b', 'c'], [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2]);
    assert.deepEqual(m.confusion, [
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    close(m.accuracy, 4 / 6);
    // a: P 2/2, R 2/3, F1 0.8 · b: P 1/2, R 1/2, F1 0.5 · c: P 1/2, R 1/1, F1 2/3
    assert.deepEqual(
      m.perClass.map((c) => [c.label, c.precision, c.recall, c.support]),
      [
        ['a', 1, 2 / 3, 3],
        ['b', 0.5, 0.5, 2],
        ['c', 0.5, 1, 1],
      ],
    );
    close(m.perClass[0].f1, 0.8);
    close(m.macroF1, (0.8 + 0.5 + 2 / 3) / 3);
  });
  test('a class never predicted has precision 0, a class absent from both is left out of macro-F1', () => {
    const m = classificationMetrics(['x', 'y', 'z'], [0, 1], [0, 0]);
    // x: P 1/2, R 1, F1 2/3 · y: P 0 (never predicted), R 0, F1 0 · z: absent
    assert.equal(m.perClass[1].precision, 0);
    close(m.macroF1, (2 / 3 + 0) / 2);
  });
});

describe('tag metrics', () => {
  test('BIO spans as conlleval reads them', () => {
    assert.deepEqual(bioSpans(['B-A', 'I-A', 'I-B', 'B-B', 'O', 'I-A']), [
      { type: 'A', start: 0, end: 1 },
      { type: 'B', start: 2, end: 2 },
      { type: 'B', start: 3, end: 3 },
      { type: 'A', start: 5, end: 5 },
    ]);
  });
  test('token accuracy and entity precision/recall/F1: type and both boundaries must match', () => {
    const truth = [['B-PER', 'I-PER', 'O', 'B-LOC', 'O'], ['B-ORG', 'O'], ['O', 'O', 'B-MISC'], ['B-LOC']];
    const predicted = [['B-PER', 'O', 'O', 'B-LOC', 'I-LOC'], ['B-ORG', 'O'], ['O', 'I-MISC', 'I-MISC'], ['I-LOC']];
    // Spans: PER(0,1)/PER(0,0) end wrong, LOC(3,3)/LOC(3,4) end wrong, ORG right, MISC(2,2)/MISC(1,2) start wrong,
    // LOC(0,0)/I-LOC → LOC(0,0) right: 5 expected, 5 found, 2 correct.
    const e = entityMetrics(truth, predicted);
    assert.deepEqual([e.expected, e.found, e.correct], [5, 5, 2]);
    close(e.precision, 0.4);
    close(e.recall, 0.4);
    close(e.entityF1, 0.4);
    // Tokens right: 3 + 2 + 1 + 0 of 11.
    close(tokenAccuracy(truth, predicted), 6 / 11);
  });
  test('precision and recall differ when the counts do', () => {
    // expected PER(0,0), LOC(2,2); found PER(0,0) only: P 1, R 1/2, F1 2/3
    const e = entityMetrics([['B-PER', 'O', 'B-LOC']], [['B-PER', 'O', 'O']]);
    assert.deepEqual([e.precision, e.recall], [1, 0.5]);
    close(e.entityF1, 2 / 3);
  });
  test('a sentence of the wrong length is refused', () => {
    assert.throws(() => tokenAccuracy([['O', 'O']], [['O']]), /sentence 1 has 2 tokens but 1 predicted tags/);
  });
});

describe('transduction metrics', () => {
  test('Levenshtein distance', () => {
    assert.equal(levenshtein([...'kitten'], [...'sitting']), 3);
    assert.equal(levenshtein([...''], [...'abc']), 3);
    assert.equal(levenshtein([...'flaw'], [...'lawn']), 2);
  });
  test('exact match and character error rate over the corpus, in code points', () => {
    const m = transductionMetrics(['kitten', 'abc'], ['sitting', 'abc']);
    close(m.exactMatch, 0.5);
    close(m.cer, 3 / 9);
    // é is one code point; the emoji is one code point of two UTF-16 units.
    close(transductionMetrics(['héllo', '😀a'], ['hello', 'a']).cer, 2 / 7);
  });
});
