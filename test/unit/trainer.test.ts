// The trainer: exact resume, exploding gradients, stop/pause, vocabulary checks on resume,
// and (when the shared corpus is present) beating the unigram baseline on held-out text.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { TrainOptions } from '../../src/training/config.js';
import type { StepEvent, TrainerEvent } from '../../src/training/events.js';
import { loadModel } from '../../src/training/checkpoint.js';
import { readModelMeta } from '../../src/model/index.js';
import { train } from '../../src/training/trainer.js';
import { TrainerControl } from '../../src/training/trainerControl.js';
import { haveShakespeare, shakespearePath, wasmDir } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'rnnlab-trainer-'));
after(() => rmSync(root, { recursive: true, force: true }));

const TEXT = Array.from({ length: 300 }, (_, i) => `line ${i % 17}: the quick brown fox ${i % 3 ? 'jumps' : 'naps'}.\n`).join('');
const SMALL: TrainOptions = { units: 24, layers: 2, dropout: 0.2, seqLen: 16, batch: 4, evalEvery: 1000, sampleEvery: 0, checkpointEvery: 1000, backend: 'cpu', lr: 0.01 };

async function run(dir: string, options: TrainOptions, extra: Partial<Parameters<typeof train>[0]> = {}) {
  const events: TrainerEvent[] = [];
  const done = await train({
    text: TEXT,
    modelDir: dir,
    options,
    wasmDir,
    ...extra,
    onEvent: (e) => {
      events.push(e);
      extra.onEvent?.(e);
    },
  });
  return { done, events, losses: events.filter((e): e is StepEvent => e.event === 'step').map((e) => e.loss) };
}

describe('trainer', () => {
  test('2N steps in one go equal N, stop, resume, N more (to 1e-6 on cpu)', async () => {
    const whole = await run(join(root, 'whole'), { ...SMALL, steps: 8 });
    // The same 8-step run, stopped after step 4 (as Ctrl-C or Stop Training would) …
    const controller = new AbortController();
    const half = await run(join(root, 'halves'), { ...SMALL, steps: 8 }, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.event === 'step' && e.step === 4) controller.abort();
      },
    });
    // … then continued with no new budget: it finishes the interrupted one on the same schedule.
    const rest = await run(join(root, 'halves'), {}, { resume: true });
    assert.equal(half.losses.length, 4);
    assert.equal(whole.losses.length, 8);
    const resumed = [...half.losses, ...rest.losses];
    whole.losses.forEach((l, i) => assert.ok(Math.abs(l - resumed[i]) < 1e-6, `step ${i + 1}: ${l} vs ${resumed[i]}`));
    assert.equal(rest.done.step, 8);
    const start = rest.events.find((e) => e.event === 'start');
    assert.ok(start && start.event === 'start' && start.resumed && start.startStep === 4);
    // History spans both runs.
    const meta = readModelMeta(join(root, 'halves'));
    assert.equal((meta.history.runs as unknown[]).length, 2);
    assert.equal(meta.state.step, 8);
  });

  test('a stopped run saves a loadable model with its best checkpoint', async () => {
    const dir = join(root, 'evals');
    const { done, events } = await run(dir, { ...SMALL, steps: 6, evalEvery: 3 });
    assert.equal(done.reason, 'steps');
    assert.ok(events.some((e) => e.event === 'eval'));
    assert.ok(events.some((e) => e.event === 'checkpoint' && e.kind === 'best'));
    const loaded = await loadModel(dir, { checkpoint: 'best' });
    assert.equal(loaded.model.network.config.layers, 2);
    assert.ok(done.bestValLoss !== null && done.valLoss !== null && done.bestValLoss <= done.valLoss + 1e-12);
  });

  test('exploding gradients: NaN stops the run, keeps the last good weights, touches nothing saved', async () => {
    const dir = join(root, 'nan');
    await run(dir, { ...SMALL, steps: 2 });
    const before = readFileSync(join(dir, 'weights.bin'));
    const { done, events } = await run(dir, { steps: 5, lr: 1e38, clip: 0 }, { resume: true });
    const nan = events.find((e) => e.event === 'nan');
    assert.ok(nan && nan.event === 'nan');
    assert.equal(done.reason, 'nan');
    assert.match(done.message, /learning rate/);
    assert.ok(nan.recentGradNorms.length >= 1);
    assert.deepEqual(readFileSync(join(dir, 'weights.bin')), before);
    assert.equal(readModelMeta(dir).state.step, 2);
  });

  test('an AbortSignal stops at the next step boundary and saves', async () => {
    const dir = join(root, 'abort');
    const controller = new AbortController();
    const { done } = await run(dir, { ...SMALL, steps: 1000 }, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.event === 'step' && e.step === 3) controller.abort();
      },
    });
    assert.equal(done.reason, 'aborted');
    assert.equal(done.step, 3);
    assert.equal(readModelMeta(join(dir, 'checkpoints', 'latest')).state.step, 3);
  });

  test('pause holds the loop; checkpoint-now and sample-now work while paused; resume continues', async () => {
    const dir = join(root, 'pause');
    const control = new TrainerControl();
    const seen: TrainerEvent[] = [];
    const promise = train({
      text: TEXT, modelDir: dir, options: { ...SMALL, steps: 6 }, control, wasmDir,
      onEvent: (e) => {
        seen.push(e);
        if (e.event === 'step' && e.step === 2) control.pause();
        if (e.event === 'sample') control.resume();
      },
    });
    // Wait (by condition) until the loop is parked on the pause.
    const deadline = Date.now() + 20_000;
    while (!(control.paused && seen.some((e) => e.event === 'step' && e.step === 2))) {
      assert.ok(Date.now() < deadline, 'training never reached the pause');
      await new Promise((r) => setImmediate(r));
    }
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    assert.equal(seen.filter((e) => e.event === 'step').length, 2);
    control.checkpointNow();
    control.sampleNow(0.5);
    const done = await promise;
    assert.equal(done.step, 6);
    const checkpoint = seen.find((e) => e.event === 'checkpoint');
    assert.ok(checkpoint && checkpoint.event === 'checkpoint' && checkpoint.step === 2);
    const sampled = seen.find((e) => e.event === 'sample');
    assert.ok(sampled && sampled.event === 'sample' && sampled.step === 2 && sampled.temperature === 0.5);
  });

  test('resuming on text the vocabulary does not fit says so and changes nothing', async () => {
    const dir = join(root, 'vocab');
    await run(dir, { ...SMALL, steps: 1 });
    const before = readFileSync(join(dir, 'model.json'));
    await assert.rejects(
      train({ text: 'Ωmega ≠ λambda\n'.repeat(100), modelDir: dir, options: { steps: 1 }, resume: true, wasmDir, onEvent: () => {} }),
      /outside the model's vocabulary \(for example "Ω"/,
    );
    assert.deepEqual(readFileSync(join(dir, 'model.json')), before);
  });

  test('bidirectional language models are refused with the reason', async () => {
    await assert.rejects(run(join(root, 'bi'), { ...SMALL, bidirectional: true, steps: 1 }), /see the very tokens it must predict/);
  });

  test('too little text says how much is needed', async () => {
    await assert.rejects(
      train({ text: 'abc', modelDir: join(root, 'tiny'), options: { seqLen: 64 }, wasmDir, onEvent: () => {} }),
      /the text has 3 tokens; .* needs at least/,
    );
  });

  test('tiny-shakespeare: a short run beats the unigram baseline on held-out text', { timeout: 180_000 }, async (t) => {
    if (!haveShakespeare) {
      t.diagnostic(`skipped this part: ${shakespearePath} is not present`);
      return;
    }
    const text = readFileSync(shakespearePath, 'utf8').slice(0, 300_000);
    const heldOut = text.slice(Math.floor(text.length * 0.9));
    const counts = new Map<string, number>();
    for (const ch of text.slice(0, Math.floor(text.length * 0.9))) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    let unigram = 0;
    for (const ch of heldOut) unigram -= Math.log((counts.get(ch) ?? 0.5) / total);
    unigram /= heldOut.length;
    const { done } = await run(join(root, 'shakespeare'), { units: 128, steps: 150, evalEvery: 150, sampleEvery: 0, checkpointEvery: 1000, backend: 'wasm', lr: 0.01, batch: 32, seqLen: 50 }, { text });
    t.diagnostic(`held-out loss ${done.valLoss?.toFixed(3)} nats/char vs unigram ${unigram.toFixed(3)}`);
    assert.ok(done.valLoss !== null && done.valLoss < unigram - 0.3, `${done.valLoss} vs unigram ${unigram}`);
  });
});
