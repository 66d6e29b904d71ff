// The 'spread' validation split: windows spread evenly over the text are held out and the rest is
// trained on, both read through JoinedTokens; a new language model gets it, folders saved before it
// (no valSplit in model.json) and the general trainer default keep the end of the text.

import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { heldOutWindows, splitTokens, SPREAD_WINDOW_MIN, SPREAD_WINDOWS, spreadWindowCount, StreamBatcher } from '../../src/training/batches.js';
import { resolveTrainConfig } from '../../src/training/config.js';
import { prepareNew } from '../../src/training/prepare.js';
import { FileTokens, JoinedTokens, MemoryTokens } from '../../src/training/tokenSequence.js';
import type { TokenSequence } from '../../src/training/tokenSequence.js';

const root = mkdtempSync(join(tmpdir(), 'rnnlab-valspread-'));
after(() => rmSync(root, { recursive: true, force: true }));

const iota = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
const all = (s: TokenSequence) => {
  const out = new Int32Array(s.length);
  s.read(0, s.length, out);
  return Array.from(out);
};

describe('spread validation split', () => {
  test('ten windows of near-equal length, one centred in each tenth of the text, neither end held out', () => {
    const n = 1_003_854;
    const w = heldOutWindows(n, 20_000);
    assert.equal(w.length, SPREAD_WINDOWS);
    assert.equal(w.reduce((s, [a, b]) => s + b - a, 0), 20_000);
    w.forEach(([a, b], k) => {
      assert.ok(b - a === 2_000, `window ${k} has ${b - a} tokens`);
      assert.ok(Math.abs((a + b) / 2 - ((k + 0.5) * n) / SPREAD_WINDOWS) <= 1, `window ${k} is centred at ${(a + b) / 2}`);
      if (k > 0) assert.ok(a > w[k - 1][1], 'windows are disjoint and in order');
    });
    assert.ok(w[0][0] > 40_000 && w[SPREAD_WINDOWS - 1][1] < n - 40_000, 'both ends of the text are trained on');
  });

  test('a short split gets fewer windows, never shorter than the minimum, and at least one', () => {
    assert.equal(spreadWindowCount(3 * SPREAD_WINDOW_MIN + 10), 3);
    assert.equal(spreadWindowCount(SPREAD_WINDOW_MIN - 1), 1);
    assert.equal(spreadWindowCount(2), 1);
    const [[a, b]] = heldOutWindows(1_000, 100);
    assert.deepEqual([a, b], [450, 550]);
    const odd = heldOutWindows(100_000, 10_007);
    assert.equal(odd.reduce((s, [x, y]) => s + y - x, 0), 10_007);
  });

  test('the split holds out exactly the windows and trains on everything else, in order', () => {
    const n = 60_000;
    const ids = iota(n);
    const { train, val } = splitTokens(ids, 0.1, 64, null, 'spread');
    const windows = heldOutWindows(n, 6_000);
    const held = new Set(windows.flatMap(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i)));
    assert.deepEqual(all(val as TokenSequence), [...held]);
    assert.deepEqual(all(train as TokenSequence), Array.from(ids).filter((i) => !held.has(i)));
    // 'end' is unchanged: the last 10%.
    const end = splitTokens(ids, 0.1, 64, null, 'end');
    assert.equal((end.val as Int32Array)[0], n - 6_000);
  });

  test('JoinedTokens reads across joins and cuts sub-ranges like one sequence, from memory and from a file', () => {
    const path = join(root, 'ids.bin');
    const fd = openSync(path, 'w+');
    writeSync(fd, Uint8Array.from({ length: 50 }, (_, i) => 100 + i));
    const file = new FileTokens(fd, 1, 0, 50);
    const joined = new JoinedTokens([new MemoryTokens(iota(7)), new MemoryTokens(new Int32Array(0)), file.subarray(10, 20), new MemoryTokens(Uint16Array.from([900, 901, 902]))]);
    assert.equal(joined.length, 20);
    const expected = [0, 1, 2, 3, 4, 5, 6, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 900, 901, 902];
    assert.deepEqual(all(joined), expected);
    for (const [s, e] of [[0, 20], [5, 9], [7, 17], [16, 19], [3, 3], [18, 40]]) {
      const part = joined.subarray(s, e);
      assert.deepEqual(all(part), expected.slice(s, Math.min(e, 20)), `[${s}, ${e})`);
      const out = new Int32Array(2);
      if (part.length >= 2) {
        part.read(part.length - 2, 2, out);
        assert.deepEqual(Array.from(out), expected.slice(Math.min(e, 20) - 2, Math.min(e, 20)));
      }
    }
    assert.throws(() => joined.read(19, 2, new Int32Array(2)), RangeError);
    // The batcher reads its windows through the joins.
    const b = new StreamBatcher(joined, 2, 4);
    assert.deepEqual(Array.from(b.window(1).ids), [4, 116, 5, 117, 6, 118, 110, 119]);
    closeSync(fd);
  });

  test('a new language model holds out spread windows; the general default and folders saved before it, the end', () => {
    const text = 'to be, or not to be: that is the question.\n'.repeat(400);
    assert.equal(prepareNew({ text, modelDir: join(root, 'lm'), options: {} }).config.valSplit, 'spread');
    assert.equal(prepareNew({ text, modelDir: join(root, 'lm-end'), options: { valSplit: 'end' } }).config.valSplit, 'end');
    assert.equal(resolveTrainConfig({}).valSplit, 'end');
    // As src/model/validate.ts reads a stored "train" object without the field.
    const stored = Object.fromEntries(Object.entries(resolveTrainConfig({ valSplit: 'spread' })).filter(([k, v]) => v !== null && k !== 'valSplit'));
    assert.equal(resolveTrainConfig(stored).valSplit, 'end');
    assert.throws(() => resolveTrainConfig({ valSplit: 'middle' as 'end' }), /valSplit must be end or spread/);
  });
});
