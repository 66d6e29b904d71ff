// A run's series saved from the dashboard: CSV rows per step with the validation loss on its
// step's row, and JSON with both column sets; unmeasured values are empty / null.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appendEvent, emptySeries } from '../../src/protocol/runSeries.js';
import { CSV_COLUMNS, seriesCsv, seriesJson } from '../../src/protocol/seriesExport.js';
import type { TrainerEvent } from '../../src/training/events.js';

function run(): ReturnType<typeof emptySeries> {
  const s = emptySeries();
  const step = (n: number, loss: number): TrainerEvent => ({
    event: 'step', step: n, epoch: n / 10, loss, gradNorm: 0.5 * n, layerGradNorms: [0.5 * n], lr: 0.01 / n, tokensPerSecond: 1000, tokensSeen: 64 * n, elapsedMs: 250 * n,
  });
  // An evaluation runs right after its step, as the trainer's do.
  const evaluation: TrainerEvent = { event: 'eval', step: 2, epoch: 0.2, valLoss: 4.05, valBitsPerToken: 4.05 / Math.LN2, valPerplexity: Math.exp(4.05), best: true };
  for (const e of [step(1, 4.2), step(2, 3.9), evaluation, step(3, Number.NaN)]) appendEvent(s, e);
  return s;
}

test('CSV: a header, one row per step in order, the validation loss on its step, a diverged loss empty', () => {
  const lines = seriesCsv(run()).trimEnd().split('\n');
  assert.equal(lines[0], CSV_COLUMNS.join(','));
  assert.equal(lines[0], 'step,elapsed_s,tokens,loss,grad_norm,lr,val_loss');
  assert.deepEqual(lines.slice(1), ['1,0.25,64,4.2,0.5,0.01,', '2,0.5,128,3.9,1,0.005,4.05', '3,0.75,192,,1.5,0.0033333333333333335,']);
});

test('CSV: an evaluation at a step with no train row gets a row of its own, in step order', () => {
  const s = run();
  s.valStep.push(10);
  s.valElapsedMs.push(4000);
  s.valTokens.push(640);
  s.valLoss.push(3.5);
  const lines = seriesCsv(s).trimEnd().split('\n');
  assert.equal(lines.length, 5);
  assert.equal(lines[4], '10,4,640,,,,3.5');
});

test('JSON: the model and both column sets by name, NaN as null', () => {
  const x = JSON.parse(seriesJson({ name: 'tiny', dir: '/m/tiny' }, run())) as Record<string, any>;
  assert.equal(x.model, 'tiny');
  assert.equal(x.modelDir, '/m/tiny');
  assert.deepEqual(x.train.step, [1, 2, 3]);
  assert.deepEqual(x.train.loss, [4.2, 3.9, null]);
  assert.deepEqual(x.train.lr, [0.01, 0.005, 0.01 / 3]);
  assert.deepEqual(x.validation, { step: [2], elapsedMs: [500], tokens: [128], loss: [4.05] });
});
