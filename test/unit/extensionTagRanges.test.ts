// Tag Selection's ranges: model predictions over a selection become document offsets per
// entity type (O undecorated), colours follow the model's tag set, and the legend counts entities.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { entityType, entityTypes, legendText, rangeAt, rangesByType, tagRanges } from '../../src/extension/tagRanges.js';
import type { TokenTag } from '../../src/training/tasks/tagModel.js';
import { splitTokens } from '../../src/training/tasks/tagModel.js';

const tagged = (text: string, tags: string[]): TokenTag[] => splitTokens(text).map((t, i) => ({ ...t, tag: tags[i], probability: 0.5 + i / 100, probabilities: [0.5 + i / 100] }));

describe('Tag Selection ranges', () => {
  test('each token of a selection lands at its document offsets, shifted by where the selection starts', () => {
    const doc = 'intro line\nthe  r2d2 x7\tran home\n';
    const base = doc.indexOf('the');
    const selection = doc.slice(base, doc.indexOf('\n', base));
    const ranges = tagRanges(tagged(selection, ['O', 'B-NUM', 'I-NUM', 'O', 'O']), base);
    assert.deepEqual(
      ranges.map((r) => doc.slice(r.start, r.end)),
      ['the', 'r2d2', 'x7', 'ran', 'home'],
    );
    assert.deepEqual(
      ranges.map((r) => r.type),
      [null, 'NUM', 'NUM', null, null],
    );
    const byType = rangesByType(ranges);
    assert.deepEqual([...byType.keys()], ['NUM'], 'O is not decorated');
    assert.deepEqual(
      byType.get('NUM')!.map((r) => r.token),
      ['r2d2', 'x7'],
    );
    assert.equal(rangeAt(ranges, doc.indexOf('x7') + 1)?.tag, 'I-NUM');
    assert.equal(rangeAt(ranges, doc.indexOf('x7') + 2), undefined, 'the gap after a token is outside it');
    assert.equal(rangeAt(ranges, doc.indexOf('ran'))?.probability, 0.53);
  });

  test('entity types come from the tag set in order; plain tags are their own type', () => {
    assert.deepEqual(entityTypes(['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC']), ['PER', 'LOC']);
    assert.deepEqual(entityTypes(['NOUN', 'VERB', 'NOUN']), ['NOUN', 'VERB']);
    assert.equal(entityType('O'), null);
    assert.equal(entityType('B-X'), 'X');
  });

  test('the legend counts entities (a B or a lone I starts one), not tokens', () => {
    const ranges = tagRanges(tagged('a 1 2 b 3 Ann 4', ['O', 'B-NUM', 'I-NUM', 'O', 'B-NUM', 'B-PER', 'I-NUM']), 0);
    assert.equal(legendText(ranges), 'NUM ×3 · PER ×1');
    assert.equal(legendText(tagRanges(tagged('cats sit', ['NOUN', 'VERB']), 0)), 'NOUN ×1 · VERB ×1');
    assert.equal(legendText(tagRanges(tagged('a b', ['O', 'O']), 0)), 'no entities');
  });
});
