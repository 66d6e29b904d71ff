// The editor colouring of a classifier's saliency: each token of the inspected selection lands
// at its document offsets (whitespace left out) with a colour level proportional to its value.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { saliencyRanges } from '../../src/extension/panels/saliencyRanges.js';
import { LEVELS } from '../../src/extension/panels/unitColorLevels.js';

describe('saliency ranges', () => {
  test('word tokens land at their document offsets, shifted by where the selection starts', () => {
    const doc = 'first line\nthe  plot was dull\n';
    const base = doc.indexOf('the');
    const text = doc.slice(base, doc.indexOf('\n', base));
    // Word tokens with the space before each word, as a word vocabulary splits them.
    const offsets = [0, 3, 9, 13, text.length];
    const saliency = [0.1, 0.4, 0.05, 0.8];
    const ranges = saliencyRanges(text, offsets, saliency, base);
    assert.deepEqual(ranges.map((r) => doc.slice(r.start, r.end)), ['the', 'plot', 'was', 'dull']);
    assert.deepEqual(ranges.map((r) => r.token), [0, 1, 2, 3]);
    assert.deepEqual(ranges.map((r) => r.value), saliency);
    // The largest takes the top level; the others in proportion (oracle: round(v / max · 16)).
    assert.deepEqual(ranges.map((r) => r.level), saliency.map((v) => Math.round((v / 0.8) * (LEVELS - 1))));
    assert.equal(ranges[3]!.level, LEVELS - 1);
  });

  test('character tokens: whitespace and newlines get no range, the last token runs to the end of the text', () => {
    const text = 'a b\nc';
    const offsets = [0, 1, 2, 3, 4];
    const ranges = saliencyRanges(text, offsets, [1, 9, 2, 9, 3], 100);
    assert.deepEqual(ranges.map((r) => [r.start, r.end, r.token]), [[100, 101, 0], [102, 103, 2], [104, 105, 4]]);
  });

  test('all-zero or non-finite saliency gives level 0, not NaN', () => {
    const ranges = saliencyRanges('ab', [0, 1], [0, NaN], 0);
    assert.deepEqual(ranges.map((r) => r.level), [0, 0]);
  });
});
