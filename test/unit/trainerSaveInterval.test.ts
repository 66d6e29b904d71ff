// Periodic saves are held to one per save interval (each save fsyncs several files; many a second
// stalled other programs' disk writes), a held new best is written later with the weights it was
// evaluated with, and saves asked for and the final save are never held.

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { EvalEvent, TrainerEvent } from '../../src/training/events.js';
import { loadModel } from '../../src/training/checkpoint.js';
import { readModelMeta } from '../../src/model/index.js';
import { evaluateStream } from '../../src/engine/evaluate.js';
import { splitTokens } from '../../src/training/batches.js';
import { train } from '../../src/training/trainer.js';
import { TrainerControl } from '../../src/training/trainerControl.js';
import { wasmDir } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'rnnlab-save-interval-'));
after(() => rmSync(root, { recursive: true, force: true }));

const TEXT = Array.from({ length: 200 }, (_, i) => `line ${i % 11}: a quick brown fox ${i % 3 ? 'jumps' : 'naps'}.\n`).join('');
const OPTIONS = { units: 16, layers: 1, seqLen: 16, batch: 4, steps: 30, evalEvery: 3, sampleEvery: 0, checkpointEvery: 2, backend: 'cpu', lr: 0.02 } as const;

async function run(dir: string, minSaveIntervalMs: number, control?: TrainerControl, onEvent?: (e: TrainerEvent) => void): Promise<TrainerEvent[]> {
  const events: TrainerEvent[] = [];
  await train({ text: TEXT, modelDir: dir, options: OPTIONS, wasmDir, minSaveIntervalMs, control, onEvent: (e) => {
    events.push(e);
    if (control && e.event === 'step' && e.step === 10) control.checkpointNow();
    onEvent?.(e);
  } });
  return events;
}

const saves = (events: TrainerEvent[], kind: string) => events.filter((e) => e.event === 'checkpoint' && e.kind === kind).map((e) => e.event === 'checkpoint' ? e.step : -1);

test('without an interval every due save is written', async () => {
  const events = await run(join(root, 'every'), 0);
  // checkpointEvery 2 over 30 steps: 15 periodic saves (the final one at step 30 among them) plus the final save.
  assert.ok(saves(events, 'latest').length >= 15, `latest saves at ${saves(events, 'latest').join(', ')}`);
});

test('with a long interval: one periodic save, the save asked for (with the held best), the final save', async () => {
  const dir = join(root, 'held');
  const firstBest = join(root, 'first-best');
  const events = await run(dir, 3_600_000, new TrainerControl(), (e) => {
    // The first best written (held since step 9, written with the save asked for at step 10).
    if (e.event === 'checkpoint' && e.kind === 'best' && !existsSync(firstBest)) cpSync(join(dir, 'checkpoints', 'best'), firstBest, { recursive: true });
  });
  assert.deepEqual(saves(events, 'latest'), [2, 10, 30], 'the first periodic save, the one asked for at step 10, the final save');
  const evals = events.filter((e): e is EvalEvent => e.event === 'eval');
  const heldEval = evals.filter((e) => e.best && e.step < 10).at(-1)!;
  assert.equal(saves(events, 'best')[0], heldEval.step, 'the best held since its evaluation is written with the save at step 10');
  assert.equal(saves(events, 'best').at(-1), evals.filter((e) => e.best).at(-1)!.step, 'the last best is written at the end');
  // The held best has the weights of its own step, not those of step 10 when it was written:
  // its validation loss, measured again, is the one its evaluation reported.
  const meta = readModelMeta(firstBest);
  assert.equal(meta.state.step, heldEval.step);
  const { model } = await loadModel(firstBest);
  // The split the run used, as its model.json records it (a new language model's: spread windows).
  assert.equal(meta.train.valSplit, 'spread');
  const split = splitTokens(model.vocab.encode(TEXT), meta.train.valFraction, OPTIONS.seqLen, meta.train.valTokensMax, meta.train.valSplit);
  const again = evaluateStream(model.network, split.val, OPTIONS.batch, OPTIONS.seqLen).loss;
  assert.ok(Math.abs(again - heldEval.valLoss) < 1e-6, `re-measured ${again}, reported ${heldEval.valLoss}`);
});
