// The trainer worker for real: the worker bundle is built (as esbuild.mjs builds it) into a temp
// folder with the tfjs wasm files, and the host-side TrainerClient drives it: events arrive
// validated, Pause holds the step, Save Checkpoint Now and Sample Now answer, Stop saves a
// loadable checkpoints/latest, Continue resumes exactly there, one run per model, bad text
// fails with one sentence, and a crashing worker becomes one outcome; the same for a classifier and
// for a model that generates from a label (its samples, one per label); the workers setting
// reaches the trainer.

import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';

import { CancelledError } from '../../src/extension/cancelledError.js';
import { readTrainingSettings, trainingWorkers } from '../../src/extension/settings.js';
import { AlreadyTrainingError, TrainerClient, TrainingRun, classifyInWorker, sampleInWorker, scoreInWorker } from '../../src/extension/trainerClient.js';
import { classifyIds, loadClassifier } from '../../src/training/tasks/classifyModel.js';
import { loadLabelLm, sampleLine } from '../../src/training/tasks/labelLmModel.js';
import { markerLines } from './classifyData.js';
import { initBackend } from '../../src/engine/backend.js';
import { sample, score } from '../../src/engine/sampler.js';
import { loadModel, loadModelFolder } from '../../src/training/checkpoint.js';
import type { TrainerEvent } from '../../src/training/events.js';

const root = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'rnnlab-worker-'));
const workerFile = join(work, 'trainerWorker.js');
after(() => rmSync(work, { recursive: true, force: true }));

before(async () => {
  await esbuild.build({
    absWorkingDir: root,
    // The trainer starts its data-parallel workers from parallelWorker.js beside the bundle.
    entryPoints: { trainerWorker: 'src/extension/trainerWorker.ts', parallelWorker: 'src/training/parallelWorker.ts' },
    outdir: work,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', '@tensorflow/tfjs-node'],
    logLevel: 'silent',
  });
  const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of readdirSync(wasmDir)) if (f.endsWith('.wasm')) copyFileSync(join(wasmDir, f), join(work, f));
});

/** A few tens of kB of varied, deterministic text. */
function corpus(): string {
  const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'dog', 'ran', 'to', 'park', 'while', 'birds', 'sang', 'softly'];
  let x = 7;
  const lines: string[] = [];
  while (lines.join('\n').length < 20_000) {
    const n = 5 + (x % 7);
    const line: string[] = [];
    for (let i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      line.push(words[x % words.length]!);
    }
    lines.push(line.join(' ') + '.');
  }
  return lines.join('\n');
}

async function until<T>(what: string, get: () => T | undefined | null | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const options = { cell: 'lstm' as const, units: 16, seqLen: 16, batch: 8, steps: 100_000, evalEvery: 10, sampleEvery: 0, checkpointEvery: 1000, backend: 'wasm' as const };

describe('trainer worker', () => {
  const text = corpus();
  const client = () => new TrainerClient(workerFile);

  test('events, pause, checkpoint now, sample now, stop with a loadable checkpoint, then continue exactly', async () => {
    const c = client();
    const modelDir = join(work, 'models', 'w1');
    const run = c.start({ text, modelDir, options, name: 'w1', resume: false }, 'w1');
    const events: TrainerEvent[] = [];
    run.listen({ onEvent: (e) => events.push(e), onProtocolError: (p) => assert.fail(p) });
    assert.throws(() => c.start({ text, modelDir, options, resume: false }, 'w1'), AlreadyTrainingError);
    assert.equal(c.runFor(modelDir), run);

    await until('an eval event', () => events.some((e) => e.event === 'eval'));
    const start = events[0]!;
    assert.equal(start.event, 'start');

    run.pause();
    await until('the pause acknowledgement', () => run.paused);
    run.checkpointNow();
    const ck = await until('the requested checkpoint', () => events.find((e) => e.event === 'checkpoint' && e.kind === 'latest'));
    const pausedAt = run.lastStep!.step;
    assert.equal(ck.event === 'checkpoint' && ck.step, pausedAt, 'no step ran while paused');
    run.sampleNow(0.5);
    const s = await until('the requested sample', () => events.find((e) => e.event === 'sample'));
    assert.ok(s.event === 'sample' && s.temperature === 0.5 && s.text.length > 0);
    assert.equal(run.lastStep!.step, pausedAt, 'still paused');

    run.resumeTraining();
    await until('steps after resume', () => run.lastStep!.step > pausedAt + 2);
    const outcome = await run.stop();
    assert.equal(outcome.kind, 'done');
    assert.ok(outcome.kind === 'done' && outcome.done.reason === 'aborted');
    assert.equal(c.runFor(modelDir), undefined, 'the run is forgotten once it ended');
    const stoppedAt = outcome.kind === 'done' ? outcome.done.step : -1;
    const latest = loadModelFolder(modelDir, 'latest');
    assert.equal(latest.state.step, stoppedAt, 'checkpoints/latest holds the step the run stopped at');
    assert.ok(latest.state.bestValLoss !== null);

    // Continue Training: resumes from latest at the same step.
    const cont = c.start({ text, modelDir, options: { steps: 3 }, name: 'w1', resume: true }, 'w1');
    const contEvents: TrainerEvent[] = [];
    cont.listen({ onEvent: (e) => contEvents.push(e) });
    const done = await cont.outcome;
    const st = contEvents.find((e) => e.event === 'start');
    assert.ok(st && st.event === 'start' && st.resumed && st.startStep === stoppedAt);
    assert.ok(done.kind === 'done' && done.done.step === stoppedAt + 3 && done.done.reason === 'steps');
  });

  test('score and sample jobs run in a worker and agree with the host', async () => {
    const modelDir = join(work, 'models', 'w1');
    const excerpt = text.slice(0, 3000);
    const fromWorker = await scoreInWorker(workerFile, { modelDir, checkpoint: 'latest', text: excerpt });
    await initBackend('wasm', { wasmDir: work });
    const { model } = await loadModel(modelDir, { checkpoint: 'latest' });
    const here = score(model, excerpt);
    assert.equal(fromWorker.tokens, here.tokens);
    assert.ok(Math.abs(fromWorker.loss - here.loss) < 1e-6, `${fromWorker.loss} vs ${here.loss}`);
    assert.deepEqual(fromWorker.offsets, here.offsets);
    const options = { prime: 'the cat', length: 60, temperature: 0.7, seed: 42 };
    const sampled = await sampleInWorker(workerFile, { modelDir, checkpoint: 'latest', options });
    assert.deepEqual(sampled, sample(model, options), 'same seed, model and backend: same text');
    await assert.rejects(scoreInWorker(workerFile, { modelDir: join(work, 'nope'), checkpoint: 'root', text: excerpt }), /no model at/);
    const abort = new AbortController();
    const pending = scoreInWorker(workerFile, { modelDir, checkpoint: 'root', text: text.repeat(20) }, abort.signal);
    abort.abort();
    await assert.rejects(pending, /^Error: cancelled$/);
    await assert.rejects(pending, CancelledError, 'a typed rejection, so callers need not compare messages');
  });

  test('the rnnLab.training.workers setting reaches the trainer: its start event says the engines per step', async () => {
    const engines = async (settings: Record<string, unknown>, name: string) => {
      const s = readTrainingSettings((key) => settings[key]).value;
      const run = client().start({ text, modelDir: join(work, 'models', name), options: { ...options, steps: 2 }, name, resume: false, workers: trainingWorkers(s) }, name);
      const events: TrainerEvent[] = [];
      run.listen({ onEvent: (e) => events.push(e), onProtocolError: (p) => assert.fail(p) });
      const outcome = await run.outcome;
      assert.ok(outcome.kind === 'done' && outcome.done.reason === 'steps', JSON.stringify(outcome));
      const start = events.find((e) => e.event === 'start');
      return start?.event === 'start' ? start.compute?.workers : undefined;
    };
    assert.equal(await engines({}, 'workers-default'), 1, 'one engine by default');
    assert.equal(await engines({ 'training.workers': 2 }, 'workers-2'), 2);
    assert.equal(await engines({ 'training.workers': 0 }, 'workers-all'), Math.min(availableParallelism(), options.batch), 'all cores, capped by the batch');
  });

  test('an empty text fails with one sentence instead of crashing', async () => {
    const run = client().start({ text: '', modelDir: join(work, 'models', 'empty'), options, resume: false }, 'empty');
    const outcome = await run.outcome;
    assert.equal(outcome.kind, 'failed');
    assert.ok(outcome.kind === 'failed' && /empty/.test(outcome.message), JSON.stringify(outcome));
  });

  test('the training thread runs ten nice levels below the extension host', { skip: existsSync('/proc/thread-self') ? false : 'no per-thread priorities on this platform (no /proc/thread-self)' }, async () => {
    const niceOf = (tid: string): number => {
      const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19 - 3]);
    };
    const host = niceOf(String(process.pid));
    const threadsAt = (nice: number) => readdirSync(`/proc/${process.pid}/task`).filter((tid) => niceOf(tid) === nice);
    const before = threadsAt(Math.min(19, host + 10)).length;
    const run = client().start({ text, modelDir: join(work, 'models', 'nice'), options, name: 'nice', resume: false }, 'nice');
    let stepped = false;
    run.listen({ onEvent: (e) => { if (e.event === 'step') stepped = true; } });
    await until('a training step', () => stepped);
    // The training thread and the data-parallel workers it starts (they inherit its priority).
    assert.ok(threadsAt(Math.min(19, host + 10)).length >= before + 1, 'the training threads run at the training priority');
    assert.equal(niceOf(String(process.pid)), host, 'the host thread keeps its priority');
    await run.stop();
  });

  test('a worker that dies is one crashed outcome, and another run can start after it', async () => {
    const crashing = join(work, 'crashing-worker.js');
    writeFileSync(crashing, "require('node:worker_threads').parentPort.once('message', () => process.exit(7));\n");
    const run = new TrainingRun(crashing, { text: 'abc', modelDir: join(work, 'x'), options: {}, resume: false, wasmDir: work }, 'x');
    const outcome = await run.outcome;
    assert.deepEqual(outcome, { kind: 'crashed', message: 'the training worker exited with code 7 before finishing' });
    const throwing = join(work, 'throwing-worker.js');
    writeFileSync(throwing, "require('node:worker_threads').parentPort.once('message', () => { throw new Error('out of memory'); });\n");
    const r2 = new TrainingRun(throwing, { text: 'abc', modelDir: join(work, 'y'), options: {}, resume: false, wasmDir: work }, 'y');
    assert.deepEqual(await r2.outcome, { kind: 'crashed', message: 'out of memory' });
  });

  test('a worker posting malformed messages is reported and ignored', async () => {
    const noisy = join(work, 'noisy-worker.js');
    writeFileSync(noisy, "const p = require('node:worker_threads').parentPort; p.once('message', () => { p.postMessage({ type: 'event', event: { event: 'step', step: 'x' } }); p.close(); });\n");
    const run = new TrainingRun(noisy, { text: 'abc', modelDir: join(work, 'z'), options: {}, resume: false, wasmDir: work }, 'z');
    const problems: string[] = [];
    run.listen({ onProtocolError: (p) => problems.push(p) });
    const outcome = await run.outcome;
    assert.equal(outcome.kind, 'crashed');
    assert.deepEqual(problems, ['trainer event "step" has a bad step: "x"']);
  });
});

describe('trainer worker: a classify run', () => {
  const lines = markerLines(300, 5).join('\n');
  const classifyOptions = { cell: 'gru' as const, units: 12, embeddingSize: 8, batch: 16, steps: 100_000, evalEvery: 10, backend: 'wasm' as const };

  test('trains by task name with the same events, pause and save now; stop saves; Continue Training resumes the classifier', async () => {
    const c = new TrainerClient(workerFile);
    const modelDir = join(work, 'models', 'clf');
    const run = c.start({ text: lines, modelDir, options: classifyOptions, name: 'clf', resume: false, task: 'classify', file: 'reviews.tsv' }, 'clf');
    const events: TrainerEvent[] = [];
    run.listen({ onEvent: (e) => events.push(e), onProtocolError: (p) => assert.fail(p) });
    const ev = await until('a classify eval event', () => events.find((e) => e.event === 'eval'));
    const start = events[0]!;
    assert.ok(start.event === 'start' && start.task === 'classify', 'the start event names the task');
    assert.deepEqual(start.event === 'start' && start.labels, ['pos', 'neg'], 'and the labels, for the confusion matrix');
    assert.ok(ev.event === 'eval' && typeof ev.metrics?.accuracy === 'number' && typeof ev.metrics.macroF1 === 'number');
    assert.ok(ev.event === 'eval' && ev.confusion?.length === 2, 'a 2×2 confusion matrix');

    run.pause();
    await until('the pause acknowledgement', () => run.paused);
    const seen = events.length;
    run.checkpointNow();
    const ck = await until('the requested save', () => events.slice(seen).find((e) => e.event === 'checkpoint' && e.kind === 'latest'));
    const pausedAt = run.lastStep!.step;
    assert.equal(ck.event === 'checkpoint' && ck.step, pausedAt, 'no step ran while paused');
    run.resumeTraining();
    await until('steps after resume', () => run.lastStep!.step > pausedAt + 2);
    const outcome = await run.stop();
    assert.ok(outcome.kind === 'done' && outcome.done.reason === 'aborted', JSON.stringify(outcome));
    const stoppedAt = outcome.kind === 'done' ? outcome.done.step : -1;
    assert.equal(loadModelFolder(modelDir, 'latest').meta.task, 'classify');

    const cont = c.start({ text: lines, modelDir, options: { steps: 4 }, name: 'clf', resume: true, task: 'classify', file: 'reviews.tsv' }, 'clf');
    const contEvents: TrainerEvent[] = [];
    cont.listen({ onEvent: (e) => contEvents.push(e) });
    const done = await cont.outcome;
    const st = contEvents.find((e) => e.event === 'start');
    assert.ok(st?.event === 'start' && st.resumed && st.task === 'classify' && st.startStep === stoppedAt, JSON.stringify(st));
    assert.ok(done.kind === 'done' && done.done.step === stoppedAt + 4 && done.done.reason === 'steps', JSON.stringify(done));
  });

  test('a file that is not a classification file, or has a label the model does not know, fails with one sentence', async () => {
    const c = new TrainerClient(workerFile);
    const bad = await c.start({ text: 'just some prose\nwithout any tabs\n', modelDir: join(work, 'models', 'clf-bad'), options: classifyOptions, resume: false, task: 'classify', file: 'notes.txt' }, 'bad').outcome;
    assert.ok(bad.kind === 'failed' && /^notes\.txt:1: /.test(bad.message), JSON.stringify(bad));
    const more = `${lines}\nmixed\tthe film was fine\nmixed\tthe plot was odd`;
    const unknown = await c.start({ text: more, modelDir: join(work, 'models', 'clf'), options: { steps: 2 }, resume: true, task: 'classify', file: 'reviews.tsv' }, 'clf').outcome;
    assert.ok(unknown.kind === 'failed' && /label mixed that the model does not know/.test(unknown.message), JSON.stringify(unknown));
  });

  test('classify jobs run in a worker and agree with the host to 1e-6', async () => {
    const modelDir = join(work, 'models', 'clf');
    const texts = lines.split('\n').slice(0, 5).map((l) => l.split('\t')[1]!);
    const r = await classifyInWorker(workerFile, { modelDir, checkpoint: 'root', texts });
    assert.deepEqual(r.labels, ['pos', 'neg']);
    await initBackend('wasm', { wasmDir: work });
    const { head, vocab } = loadClassifier(modelDir, 'root');
    const here = classifyIds(head, texts.map((t) => vocab.encode(t)));
    r.probabilities.forEach((p, i) => p.forEach((x, k) => assert.ok(Math.abs(x - here[i]![k]!) < 1e-6, `${x} vs ${here[i]![k]}`)));
    await assert.rejects(classifyInWorker(workerFile, { modelDir: join(work, 'models', 'clf-bad'), checkpoint: 'root', texts }), /no model at/);
  });
});

describe('trainer worker: generating from a label', () => {
  /** label<TAB>text lines: A lines are 3–10 digits, B lines 3–10 letters a–j, alternating. */
  const lines = Array.from({ length: 120 }, (_, i) => {
    const [label, alphabet] = i % 2 === 0 ? ['A', '0123456789'] : ['B', 'abcdefghij'];
    return `${label}\t${Array.from({ length: 3 + ((i * 7) % 8) }, (_, k) => alphabet[(i * 3 + k * 5) % 10]).join('')}`;
  }).join('\n');
  const labelOptions = { cell: 'gru' as const, units: 12, batch: 16, steps: 100_000, evalEvery: 10, sampleEvery: 10, sampleLength: 20, backend: 'wasm' as const };
  const modelDir = join(work, 'models', 'gen');

  test('trains by task name: perplexity and label accuracy, a sample per label, Sample Now while paused; Continue Training resumes it', async () => {
    const c = new TrainerClient(workerFile);
    const run = c.start({ text: lines, modelDir, options: labelOptions, name: 'gen', resume: false, task: 'label-lm', file: 'labelled.tsv' }, 'gen');
    const events: TrainerEvent[] = [];
    run.listen({ onEvent: (e) => events.push(e), onProtocolError: (p) => assert.fail(p) });
    const ev = await until('a label-lm eval event', () => events.find((e) => e.event === 'eval'));
    const start = events[0]!;
    assert.ok(start.event === 'start' && start.task === 'label-lm', 'the start event names the task');
    assert.deepEqual(start.event === 'start' && start.labels, ['A', 'B']);
    assert.ok(ev.event === 'eval' && typeof ev.metrics?.perplexity === 'number' && typeof ev.metrics.labelAccuracy === 'number', JSON.stringify(ev));
    assert.ok(ev.event === 'eval' && Math.abs(ev.metrics!.perplexity! - Math.exp(ev.valLoss)) < 1e-9 * ev.metrics!.perplexity!, 'perplexity is exp(validation loss)');
    const periodic = await until('a sample for each label', () => {
      const first = events.find((e) => e.event === 'sample');
      const round = first ? events.filter((e) => e.event === 'sample' && e.step === first.step) : [];
      return round.length === 2 ? round : null;
    });
    assert.deepEqual(periodic.map((e) => e.event === 'sample' && e.label), ['A', 'B']);
    assert.ok(periodic.every((e) => e.event === 'sample' && e.step % 10 === 0 && e.temperature === 0.8 && !e.text.includes('\n') && [...e.text].length <= 20), JSON.stringify(periodic));

    run.pause();
    await until('the pause acknowledgement', () => run.paused);
    const seen = events.length;
    run.sampleNow(0.5);
    const asked = await until('the asked-for samples', () => {
      const s = events.slice(seen).filter((e) => e.event === 'sample');
      return s.length === 2 ? s : null;
    });
    const pausedAt = run.lastStep!.step;
    assert.deepEqual(asked.map((e) => e.event === 'sample' && [e.label, e.temperature, e.step]), [['A', 0.5, pausedAt], ['B', 0.5, pausedAt]], 'no step ran while paused');
    run.resumeTraining();
    await until('steps after resume', () => run.lastStep!.step > pausedAt + 2);
    const outcome = await run.stop();
    assert.ok(outcome.kind === 'done' && outcome.done.reason === 'aborted', JSON.stringify(outcome));
    const stoppedAt = outcome.kind === 'done' ? outcome.done.step : -1;
    const saved = loadModelFolder(modelDir, 'latest');
    assert.equal(saved.meta.task, 'label-lm');
    assert.deepEqual(saved.meta.labels, ['A', 'B']);

    const cont = c.start({ text: lines, modelDir, options: { steps: 4 }, name: 'gen', resume: true, task: 'label-lm', file: 'labelled.tsv' }, 'gen');
    const contEvents: TrainerEvent[] = [];
    cont.listen({ onEvent: (e) => contEvents.push(e) });
    const done = await cont.outcome;
    const st = contEvents.find((e) => e.event === 'start');
    assert.ok(st?.event === 'start' && st.resumed && st.task === 'label-lm' && st.startStep === stoppedAt, JSON.stringify(st));
    assert.ok(done.kind === 'done' && done.done.step === stoppedAt + 4 && done.done.reason === 'steps', JSON.stringify(done));
  });

  test('Sample Text on it gives the line for the label that the host samples with the same seed', async () => {
    const options = { prime: '', length: 30, temperature: 0.7, seed: 42 };
    const fromWorker = await sampleInWorker(workerFile, { modelDir, checkpoint: 'root', options, label: 'B' });
    await initBackend('wasm', { wasmDir: work });
    const here = sampleLine(loadLabelLm(modelDir, 'root'), 'B', { length: 30, temperature: 0.7, seed: 42 });
    assert.equal(fromWorker.text, here);
    assert.equal(fromWorker.generatedTokens, [...here].length);
  });

  test('a file without labels, or with one line per label, fails with one sentence', async () => {
    const c = new TrainerClient(workerFile);
    const bad = await c.start({ text: 'just some prose\nwithout any tabs\n', modelDir: join(work, 'models', 'gen-bad'), options: labelOptions, resume: false, task: 'label-lm', file: 'notes.txt' }, 'bad').outcome;
    assert.ok(bad.kind === 'failed' && /^notes\.txt:1: /.test(bad.message), JSON.stringify(bad));
    const few = await c.start({ text: 'A\t123\nB\tabc\n', modelDir: join(work, 'models', 'gen-few'), options: labelOptions, resume: false, task: 'label-lm', file: 'few.tsv' }, 'few').outcome;
    assert.deepEqual(few, { kind: 'failed', message: 'few.tsv has one line per label, too few for a validation split; give each label at least 2' });
  });
});
