// Nothing lost (issue 11 defects 2, 3, 6): a fresh run never overwrites saved checkpoints and
// --resume starts from the newest complete save; a diverging run (non-finite or far above its
// recent range) saves nothing diverged and falls back to its last sane save; diverged weights
// do not load; resuming a finished run without a new budget says so.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { initBackend } from '../../src/engine/backend.js';
import { exitCodeFor, UsageError } from '../../src/cli/cliErrors.js';
import { prepareTrain } from '../../src/cli/trainCommand.js';
import { ModelFormatError, readModelListing, readModelMeta, savedCheckpoints } from '../../src/model/index.js';
import { loadModel, loadModelFolder, loadNewestCheckpoint, saveModelFolder } from '../../src/training/checkpoint.js';
import type { TrainOptions } from '../../src/training/config.js';
import { gradDivergence, lossDivergence, RecentRange } from '../../src/training/divergence.js';
import type { TrainerEvent } from '../../src/training/events.js';
import { TrainingError } from '../../src/training/prepare.js';
import { train } from '../../src/training/trainer.js';
import { wasmDir } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'rnnlab-recovery-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `m${++n}`);

const TEXT = Array.from({ length: 200 }, (_, i) => `row ${i % 9}: the cat ${i % 2 ? 'sat' : 'ran'}.\n`).join('');
const textFile = join(root, 'text.txt');
writeFileSync(textFile, TEXT);
const SMALL: TrainOptions = { units: 12, seqLen: 16, batch: 4, evalEvery: 2, sampleEvery: 0, checkpointEvery: 2, backend: 'cpu', lr: 0.01 };

async function run(modelDir: string, options: TrainOptions, resume = false) {
  const events: TrainerEvent[] = [];
  const done = await train({ text: TEXT, modelDir, options, resume, wasmDir, onEvent: (e) => events.push(e) });
  return { done, events };
}

const bytesOf = (dir: string, file = 'weights.bin') => readFileSync(join(dir, file));

describe('a fresh run never overwrites checkpoints; --resume uses the newest complete save', () => {
  test('with the root model.json gone, a fresh train is refused and --resume continues from checkpoints/latest', async () => {
    const dir = fresh();
    await run(dir, { ...SMALL, steps: 4 });
    rmSync(join(dir, 'model.json'));
    const latest = bytesOf(join(dir, 'checkpoints', 'latest'));
    assert.throws(
      () => prepareTrain(textFile, { out: dir, steps: 5 }),
      (e: unknown) =>
        e instanceof UsageError &&
        /already holds a model \(checkpoints\/latest and checkpoints\/best\); pass --resume to continue training it, or choose another --out$/.test(e.message),
    );
    // The trainer refuses too (the extension calls it directly), and the Models view lists the folder.
    await assert.rejects(
      run(dir, { ...SMALL, steps: 2 }),
      (e: unknown) =>
        e instanceof TrainingError &&
        /already holds a model \(checkpoints\/latest, checkpoints\/best\); continue training it, or train the new one into another folder$/.test(e.message),
    );
    assert.deepEqual(bytesOf(join(dir, 'checkpoints', 'latest')), latest);
    const listing = readModelListing(dir);
    assert.ok(
      listing.kind === 'broken' &&
        listing.problem ===
          'model.json is missing but checkpoints/latest and checkpoints/best remain; rnnlab train FILE --out DIR --resume recovers the model.',
      JSON.stringify(listing),
    );
    const { notes, resumeFrom } = prepareTrain(textFile, { out: dir, steps: 2, resume: true });
    assert.equal(resumeFrom, 'latest');
    assert.deepEqual(notes, []);
    const { done, events } = await run(dir, { steps: 2 }, true);
    const start = events.find((e) => e.event === 'start');
    assert.ok(start?.event === 'start' && start.startStep === 4);
    assert.equal(done.step, 6);
    assert.equal(readModelMeta(dir).state.step, 6);
  });

  test('a torn checkpoints/latest is skipped for an older complete save, with a note', async () => {
    const dir = fresh();
    await run(dir, { ...SMALL, steps: 3 });
    const step3 = loadModelFolder(dir, 'latest');
    await run(dir, { steps: 2 }, true);
    saveModelFolder(join(dir, 'checkpoints', 'best'), step3);
    rmSync(join(dir, 'model.json'));
    truncateSync(join(dir, 'checkpoints', 'latest', 'weights.bin'), 100);
    const newest = loadNewestCheckpoint(dir);
    assert.equal(newest.kind, 'best');
    assert.equal(newest.folder.state.step, 3);
    assert.deepEqual(
      newest.skipped.map((s) => s.kind),
      ['latest'],
    );
    const { notes } = prepareTrain(textFile, { out: dir, steps: 1, resume: true });
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /^note: resuming from checkpoints\/best at step 3, the newest save that loads \(.*latest.*weights\.bin is truncated/);
    const { events } = await run(dir, { steps: 1 }, true);
    const start = events.find((e) => e.event === 'start');
    assert.ok(start?.event === 'start' && start.startStep === 3);
  });

  test('no save at all: --resume names the missing model.json', () => {
    const dir = fresh();
    assert.deepEqual(savedCheckpoints(dir), []);
    assert.throws(
      () => loadNewestCheckpoint(dir),
      (e: unknown) => e instanceof ModelFormatError && /^no model at .*: the folder does not exist$/.test(e.message),
    );
  });
});

describe('divergence', () => {
  test('the limits: non-finite, or far above the recent median and ln V', () => {
    const losses = new RecentRange();
    assert.equal(lossDivergence('loss', 7, losses, 11), null); // 3 × ln 11 = 7.19
    assert.match(lossDivergence('loss', 7.5, losses, 11)!, /^the loss jumped to 7\.5, far above the run's recent range \(the limit is 7\.19/);
    for (const x of [4, 5, 6]) losses.push(x);
    assert.equal(lossDivergence('loss', 14, losses, 11), null); // 3 × median 5
    assert.match(
      lossDivergence('loss', 1.06e38, losses, 11)!,
      /jumped to 1\.06e\+38, far above the run's recent range \(4–6 over the last 3 steps; the limit is 15,/,
    );
    assert.equal(lossDivergence('loss', Number.NaN, losses, 11), 'the loss became NaN');
    const norms = new RecentRange();
    for (let i = 0; i < 10; i++) norms.push(0.5);
    assert.equal(gradDivergence(4000, norms), null);
    assert.match(gradDivergence(6000, norms)!, /^the gradient norm jumped to 6000, 12000× the recent median 0\.5 \(0\.5–0\.5 over the last 10 steps\)$/);
    assert.equal(gradDivergence(Infinity, norms), 'the gradient became infinite');
  });

  test('a fresh run that diverges at once saves nothing', async () => {
    const dir = fresh();
    const { done, events } = await run(dir, { ...SMALL, steps: 20, lr: 1e37 });
    assert.equal(done.reason, 'nan');
    assert.match(done.message, /the loss (jumped to [\d.e+]+, far above the run's recent range|became (NaN|infinite))/);
    assert.match(done.message, /Nothing was saved/);
    assert.ok(!events.some((e) => e.event === 'checkpoint'));
    assert.equal(existsSync(join(dir, 'model.json')), false);
  });

  test('a resumed run with a huge learning rate keeps the good model, root and latest', async () => {
    const dir = fresh();
    await run(dir, { ...SMALL, steps: 4 });
    const rootBefore = bytesOf(dir);
    const latestBefore = bytesOf(join(dir, 'checkpoints', 'latest'));
    for (const lr of [1e9, 1e20, 1e37]) {
      const { done } = await run(dir, { steps: 10, lr }, true);
      assert.equal(done.reason, 'nan', `lr ${lr}`);
      assert.match(done.message, /The model stays at step 4 \(checkpoints\/latest.*\); nothing diverged was saved/);
      assert.deepEqual(bytesOf(dir), rootBefore);
      assert.deepEqual(bytesOf(join(dir, 'checkpoints', 'latest')), latestBefore);
    }
    assert.equal(readModelMeta(dir).state.step, 4);
  });

  test('when the newest sane save is checkpoints/best, it becomes the model again', async () => {
    const dir = fresh();
    await run(dir, { ...SMALL, steps: 4, evalEvery: 3 });
    const bestStep = readModelMeta(dir, 'best').state.step;
    for (const kind of ['latest', 'root'] as const) rmSync(join(kind === 'root' ? dir : join(dir, 'checkpoints', kind), 'model.json'));
    const { done } = await run(dir, { steps: 10, lr: 1e30, evalEvery: 1000, checkpointEvery: 1000 }, true);
    assert.equal(done.reason, 'nan');
    assert.ok(done.message.includes(`rolls back to step ${bestStep} (checkpoints/best, now also checkpoints/latest and the model folder)`), done.message);
    assert.equal(readModelMeta(dir).state.step, bestStep);
    assert.deepEqual(
      loadModelFolder(dir, 'latest').params.map((p) => p.data),
      loadModelFolder(dir, 'best').params.map((p) => p.data),
    );
  });

  test('finite but diverged weights do not load (eval, sample and inspect exit 1)', async () => {
    const dir = fresh();
    await run(dir, { ...SMALL, steps: 2 });
    const folder = loadModelFolder(dir);
    saveModelFolder(dir, { ...folder, params: folder.params.map((p) => ({ ...p, data: p.data.map((x) => Math.sign(x) * 3e38) })) });
    await initBackend('cpu');
    await assert.rejects(loadModel(dir), (e: unknown) => {
      assert.ok(e instanceof ModelFormatError);
      assert.match(
        e.message,
        /weights\.bin holds weights whose outputs are not finite \(the training diverged\); use an earlier checkpoint or train again with a lower learning rate$/,
      );
      assert.equal(exitCodeFor(e), 1);
      return true;
    });
    await loadModel(dir, { checkpoint: 'best' });
  });
});

describe('resuming a finished run', () => {
  test('without a new budget it says so; with one it trains that many more steps', async () => {
    const dir = fresh();
    await run(dir, { ...SMALL, steps: 3 });
    const before = readFileSync(join(dir, 'model.json'), 'utf8');
    await assert.rejects(
      run(dir, {}, true),
      (e: unknown) =>
        e instanceof TrainingError &&
        e.message === 'the model already finished its training at step 3; pass --steps, --epochs or --minutes to train it further',
    );
    assert.equal(readFileSync(join(dir, 'model.json'), 'utf8'), before);
    const { done } = await run(dir, { steps: 2 }, true);
    assert.equal(done.step, 5);
    assert.equal(readModelMeta(dir).history.runs!.length, 2);
  });
});
