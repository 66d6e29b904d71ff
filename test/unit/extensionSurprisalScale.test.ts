// The surprisal colour scale: bins by whole bits, monotone alpha, and sane edges.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { BINS, binAlpha, binColor, binLabel, legendHtml, surprisalBin } from '../../src/extension/surprisalScale.js';

test('surprisal bins are whole bits, clamped at both ends', () => {
  assert.equal(surprisalBin(0), 0);
  assert.equal(surprisalBin(0.99 * Math.LN2), 0);
  assert.equal(surprisalBin(1.0 * Math.LN2), 1);
  assert.equal(surprisalBin(3.5 * Math.LN2), 3);
  assert.equal(surprisalBin(100), BINS - 1);
  assert.equal(surprisalBin(-1), 0);
  assert.equal(surprisalBin(Number.NaN), 0);
});

test('alpha grows with surprise and stays readable', () => {
  assert.equal(binAlpha(0), 0);
  for (let b = 1; b < BINS; b++) assert.ok(binAlpha(b) > binAlpha(b - 1));
  assert.ok(binAlpha(BINS - 1) <= 0.65);
});

test('the hover legend names every bin with the colour the editor paints it, the hovered bin in bold', () => {
  for (const kind of ['light', 'dark'] as const) {
    const html = legendHtml(kind, surprisalBin(2.5 * Math.LN2));
    for (let b = 0; b < BINS; b++) {
      assert.match(binColor(b, kind), /^#[0-9a-f]{8}$/);
      assert.ok(html.includes(`background-color:${binColor(b, kind)};`), `${kind} bin ${b} has its swatch`);
      assert.ok(html.includes(binLabel(b)), `bin ${b} is labelled`);
    }
    assert.ok(html.includes('<b>2–3 bits</b>'));
    assert.equal((html.match(/<b>/g) ?? []).length, 1);
  }
  assert.equal(binLabel(0), '0–1 bits');
  assert.equal(binLabel(BINS - 1), `${BINS - 1}+ bits`);
  assert.equal(binColor(0, 'dark').slice(-2), '00', 'an expected token stays clear');
  assert.equal(parseInt(binColor(BINS - 1, 'light').slice(-2), 16), Math.round(binAlpha(BINS - 1) * 255));
});
