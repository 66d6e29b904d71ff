// The seq2seq task trained end to end on the shared task loop: string reversal (12-letter
// alphabet), held-out exact match ≥ 90% within a test-sized budget, beam search never worse than
// greedy on the held-out set; the best save loads back. Strings are up to 8 characters: up to
// 12, this budget reaches 76% (3,000 steps of a GRU 1×64), so the test would need minutes.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { initBackend } from '../../src/engine/backend.js';
import { readModelMeta } from '../../src/model/index.js';
import type { TrainerEvent } from '../../src/training/events.js';
import { readPairs } from '../../src/training/tasks/pairReader.js';
import { evaluatePairs, loadTransducer } from '../../src/training/tasks/seq2seqModel.js';
import { prepareSeq2seq, trainSeq2seq } from '../../src/training/tasks/seq2seqTrainer.js';
import { reversalLines } from './seq2seqData.js';

const work = mkdtempSync(join(tmpdir(), 'rnnlab-seq2seq-'));

before(async () => {
  await initBackend('cpu');
});
after(() => rmSync(work, { recursive: true, force: true }));

/** The test-sized budget the reversal set is learned in (tuned; see the README's seq2seq example). */
const REVERSAL_BUDGET = { cell: 'gru', units: 64, batch: 32, steps: 1600, lr: 0.01, evalEvery: 400, seed: 1 } as const;
const MAX_LENGTH = 8;

describe(`seq2seq: string reversal up to ${MAX_LENGTH} characters`, () => {
  const lines = reversalLines(3400, 1, MAX_LENGTH);
  const train = readPairs(lines.slice(0, 3000).join('\n'), 'reverse.tsv');
  const heldOut = readPairs(lines.slice(3000).join('\n'), 'held-out.tsv').pairs;
  const model = join(work, 'reverse');

  test('held-out exact match ≥ 90% (greedy); beam search (K = 4) is never worse; the best save loads back', async () => {
    const prepared = prepareSeq2seq(train, REVERSAL_BUDGET);
    const events: TrainerEvent[] = [];
    const done = await trainSeq2seq(prepared, { modelDir: model, name: 'reverse', backend: 'cpu', onEvent: (e) => events.push(e) });
    assert.equal(done.reason, 'steps', done.message);
    const evals = events.filter((e) => e.event === 'eval');
    assert.equal(evals.length, REVERSAL_BUDGET.steps / REVERSAL_BUDGET.evalEvery);
    assert.ok(evals.every((e) => e.event === 'eval' && typeof e.metrics?.exactMatch === 'number' && typeof e.metrics.cer === 'number'));
    assert.equal(readModelMeta(model).task, 'seq2seq');

    const t = loadTransducer(model, 'best');
    const greedy = evaluatePairs(t.head, t.vocab, heldOut, 1);
    const beam = evaluatePairs(t.head, t.vocab, heldOut, 4);
    const note = `greedy exact match ${greedy.exactMatch.toFixed(4)}, CER ${greedy.cer.toFixed(4)}; beam 4 ${beam.exactMatch.toFixed(4)}, CER ${beam.cer.toFixed(4)}; ${Math.round(done.tokensPerSecond)} tokens/s`;
    process.stdout.write(`# ${note}\n`);
    assert.ok(greedy.exactMatch >= 0.9, note);
    assert.ok(beam.exactMatch >= greedy.exactMatch, note);
    t.head.dispose();
  });
});
