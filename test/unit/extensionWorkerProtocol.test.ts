// Host ↔ trainer-worker messages: well-formed messages pass, and anything malformed is
// rejected with a sentence saying what is wrong (the host drops it instead of crashing).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { trainerEventProblem } from '../../src/protocol/guards.js';
import { checkHostToWorker, checkWorkerToHost } from '../../src/protocol/worker.js';
import type { TrainerEvent } from '../../src/training/events.js';

const step: TrainerEvent = {
  event: 'step', step: 3, epoch: 0.1, loss: 3.2, gradNorm: 1.5, layerGradNorms: [1, 0.5], lr: 0.004,
  tokensPerSecond: 12000, tokensSeen: 6000, elapsedMs: 500,
};
const done: TrainerEvent = {
  event: 'done', step: 10, epoch: 0.3, trainLoss: 2.9, valLoss: null, bestValLoss: null, tokensPerSecond: 1,
  backend: 'wasm', modelDir: '/m', reason: 'aborted', message: 'Stopped at step 10.',
};

describe('worker → host', () => {
  test('every trainer event kind with its fields is accepted', () => {
    const events: TrainerEvent[] = [
      step, done,
      { event: 'eval', step: 5, epoch: 0.2, valLoss: 2, valBitsPerToken: 2.9, valPerplexity: 7.4, best: true },
      { event: 'sample', step: 5, temperature: 0.8, text: 'hello' },
      { event: 'checkpoint', step: 5, kind: 'best', dir: '/m/checkpoints/best' },
      { event: 'nan', step: 6, recentGradNorms: [1, 2, NaN], message: 'The loss became NaN.' },
    ];
    for (const e of events) {
      const r = checkWorkerToHost({ type: 'event', event: e });
      assert.ok(r.ok, JSON.stringify(e));
      assert.deepEqual(r.message, { type: 'event', event: e });
    }
    assert.deepEqual(checkWorkerToHost({ type: 'paused', paused: true }), { ok: true, message: { type: 'paused', paused: true } });
    assert.deepEqual(checkWorkerToHost({ type: 'failed', message: 'x' }), { ok: true, message: { type: 'failed', message: 'x' } });
    const result = { tokens: 2, loss: 1, bitsPerToken: 1.44, perplexity: 2.7, logProb: -2, surprisal: [1, 1], tokenTexts: ['a', 'b', 'c'], offsets: [0, 1, 2, 3] };
    assert.deepEqual(checkWorkerToHost({ type: 'scored', result }), { ok: true, message: { type: 'scored', result } });
    const short = checkWorkerToHost({ type: 'scored', result: { ...result, surprisal: [1] } });
    assert.ok(!short.ok && /lengths do not agree/.test(short.error));
    const bad = checkWorkerToHost({ type: 'scored', result: { ...result, loss: 'x' } });
    assert.ok(!bad.ok && /bad loss/.test(bad.error));
  });

  test('malformed messages are rejected with the reason', () => {
    const bad: [unknown, RegExp][] = [
      [null, /not an object/],
      [[1], /not an object/],
      [{ type: 'evnt' }, /unknown worker message type "evnt"/],
      [{ type: 'event', event: { ...step, loss: '3.2' } }, /"step" has a bad loss: "3\.2"/],
      [{ type: 'event', event: { ...step, layerGradNorms: [1, 'x'] } }, /bad layerGradNorms/],
      [{ type: 'event', event: { ...done, reason: 'bored' } }, /bad reason/],
      [{ type: 'event', event: { event: 'explode' } }, /unknown trainer event "explode"/],
      [{ type: 'paused' }, /boolean paused/],
      [{ type: 'failed', message: 3 }, /lacks a message/],
    ];
    for (const [x, re] of bad) {
      const r = checkWorkerToHost(x);
      assert.equal(r.ok, false, JSON.stringify(x));
      if (!r.ok) assert.match(r.error, re);
    }
    assert.equal(trainerEventProblem(step), null);
  });
});

describe('host → worker', () => {
  const run = { text: 'abc', modelDir: '/m/a', options: { units: 8 }, resume: false, wasmDir: '/dist' };
  test('start and control messages are accepted', () => {
    assert.deepEqual(checkHostToWorker({ type: 'start', run }), { ok: true, message: { type: 'start', run } });
    assert.deepEqual(checkHostToWorker({ type: 'start', run: { ...run, workers: 2 } }), { ok: true, message: { type: 'start', run: { ...run, workers: 2 } } });
    for (const type of ['stop', 'pause', 'resume', 'checkpointNow', 'sampleNow']) {
      assert.deepEqual(checkHostToWorker({ type }), { ok: true, message: { type } });
    }
    assert.deepEqual(checkHostToWorker({ type: 'sampleNow', temperature: 0.5 }), { ok: true, message: { type: 'sampleNow', temperature: 0.5 } });
    assert.deepEqual(checkHostToWorker({ type: 'sampleTemperature', temperature: 1.2 }), { ok: true, message: { type: 'sampleTemperature', temperature: 1.2 } });
    assert.equal(checkHostToWorker({ type: 'sampleTemperature' }).ok, false);
    const job = { modelDir: '/m', checkpoint: 'best', text: 'abc', wasmDir: '/d' };
    assert.deepEqual(checkHostToWorker({ type: 'score', job }), { ok: true, message: { type: 'score', job } });
    const labelled = { modelDir: '/m', checkpoint: 'root', options: { length: 40 }, wasmDir: '/d', label: 'A' };
    assert.deepEqual(checkHostToWorker({ type: 'sample', job: labelled }), { ok: true, message: { type: 'sample', job: labelled } });
  });
  test('malformed messages are rejected', () => {
    const bad: [unknown, RegExp][] = [
      [{ type: 'start' }, /lacks a run/],
      [{ type: 'start', run: { ...run, text: 5 } }, /run\.text/],
      [{ type: 'start', run: { ...run, modelDir: '' } }, /run\.modelDir/],
      [{ type: 'start', run: { ...run, resume: 'yes' } }, /run\.resume/],
      [{ type: 'start', run: { ...run, workers: 0 } }, /run\.workers must be a whole number ≥ 1/],
      [{ type: 'start', run: { ...run, workers: 1.5 } }, /run\.workers/],
      [{ type: 'sampleNow', temperature: -1 }, /temperature/],
      [{ type: 'launch' }, /unknown host message type/],
      [{ type: 'sample', job: { modelDir: '/m', checkpoint: 'root', options: {}, wasmDir: '/d', label: 3 } }, /job\.label must be a string/],
      [{ type: 'score', job: { modelDir: '/m', checkpoint: 'newest', text: 'a', wasmDir: '/d' } }, /score message needs/],
    ];
    for (const [x, re] of bad) {
      const r = checkHostToWorker(x);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, re);
    }
  });
});

describe('classify jobs and task runs on the wire', () => {
  const job = { modelDir: '/m', checkpoint: 'root', texts: ['a line'], wasmDir: '/d' };
  test('a classify job and its answer are accepted; a probability row of the wrong length is not', () => {
    assert.ok(checkHostToWorker({ type: 'classify', job }).ok);
    assert.equal(checkHostToWorker({ type: 'classify', job: { ...job, texts: 'a line' } }).ok, false);
    assert.ok(checkWorkerToHost({ type: 'classified', result: { labels: ['pos', 'neg'], probabilities: [[0.9, 0.1]] } }).ok);
    const bad = checkWorkerToHost({ type: 'classified', result: { labels: ['pos', 'neg'], probabilities: [[1]] } });
    assert.ok(!bad.ok && /one probability per label/.test(bad.error));
  });
  test('a run names a known task or none', () => {
    const run = { text: 't', modelDir: '/m', options: {}, resume: false, wasmDir: '/d' };
    assert.ok(checkHostToWorker({ type: 'start', run: { ...run, task: 'classify', file: 'a.tsv' } }).ok);
    assert.ok(checkHostToWorker({ type: 'start', run }).ok);
    const bad = checkHostToWorker({ type: 'start', run: { ...run, task: 'regress' } });
    assert.ok(!bad.ok && /run\.task/.test(bad.error));
  });
});
