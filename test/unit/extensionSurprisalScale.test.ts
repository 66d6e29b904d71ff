// The surprisal colour scale: bins by whole bits, monotone alpha, and sane edges.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { BINS, binAlpha, surprisalBin } from '../../src/extension/surprisalScale.js';

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
