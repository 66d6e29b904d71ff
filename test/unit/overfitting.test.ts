// Tiny texts overfit out loud: a warning before the first step when the text is small for the
// model, and one during training when validation rises for evaluations in a row while training falls.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TrainerEvent, WarningEvent } from '../../src/training/events.js';
import { OverfitWatch, smallTextWarning } from '../../src/training/overfitting.js';
import { train } from '../../src/training/trainer.js';
import { wasmDir } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'rnnlab-overfit-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('the small-text threshold: tokens per parameter below 0.1 warns, above does not', () => {
  assert.match(smallTextWarning(270, 30_000)!, /270 training tokens for 30,000 parameters \(0\.0090 per parameter, below 0\.1\)/);
  assert.equal(smallTextWarning(1_000_000, 800_000), null);
  assert.equal(smallTextWarning(10_000, 100_000), null);
});

test('validation up while training down for 3 evaluations in a row warns once; a new best re-arms it', () => {
  const w = new OverfitWatch(3);
  const seen = (pairs: [number, number, boolean][]) => pairs.map(([t, v, best]) => w.observe(t, v, best, 2));
  assert.deepEqual(seen([[3, 3, true], [2, 2.5, true], [1.5, 2.6, false], [1.2, 2.7, false]]), [null, null, null, null], 'two rises are not three');
  const [warning] = seen([[1, 2.9, false]]);
  assert.equal(warning, 'overfitting: validation loss rose for 3 evaluations (2.500 → 2.900) while training loss fell; the best checkpoint (step 2) is kept');
  assert.deepEqual(seen([[0.9, 3, false], [0.8, 3.1, false]]), [null, null], 'said once');
  // Both rising is not overfitting (a too-high learning rate), and resets the count.
  const v = new OverfitWatch(2);
  assert.deepEqual([v.observe(2, 2, true, 1), v.observe(2.1, 2.2, false, 1), v.observe(2.2, 2.4, false, 1), v.observe(2.1, 2.5, false, 1)], [null, null, null, null]);
});

test('a model trained on 270 tokens warns before its first step and when it overfits', async () => {
  const text = 'The owl and the pussycat went to sea in a beautiful pea-green boat; they took some honey, and plenty of money wrapped up in a five-pound note. '.repeat(2).slice(0, 300);
  const events: TrainerEvent[] = [];
  // Without the language-model defaults' dropout, weight decay and low final learning rate,
  // which keep this small model from overfitting 270 tokens in 400 steps.
  await train({
    text, modelDir: join(root, 'owl'), wasmDir, minSaveIntervalMs: 0,
    options: { cell: 'lstm', units: 48, layers: 1, seqLen: 16, batch: 4, steps: 400, evalEvery: 10, sampleEvery: 0, checkpointEvery: 1000, backend: 'cpu', lr: 0.01, valFraction: 0.1, dropout: 0.1, weightDecay: 0, lrFinalFactor: 0.1 },
    onEvent: (e) => events.push(e),
  });
  const warnings = events.filter((e): e is WarningEvent => e.event === 'warning');
  const firstStep = events.findIndex((e) => e.event === 'step');
  const small = events.findIndex((e) => e.event === 'warning' && e.kind === 'small-text');
  assert.ok(small >= 0 && small < firstStep, 'the small-text warning comes before the first step');
  const overfit = warnings.filter((e) => e.kind === 'overfitting');
  assert.equal(overfit.length, 1, `warnings: ${JSON.stringify(warnings)}`);
  assert.match(overfit[0]!.message, /^overfitting: validation loss rose for 3 evaluations .* the best checkpoint \(step \d+\) is kept$/);
  const done = events.at(-1)!;
  assert.ok(done.event === 'done' && done.valLoss! > done.bestValLoss!, 'it really overfitted: the last validation loss is above the best');
});
