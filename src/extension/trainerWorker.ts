// The trainer worker thread (bundled to dist/trainerWorker.js): runs train() off the extension
// host's thread, posts every TrainerEvent, and obeys Stop / Pause / Resume / Checkpoint /
// Sample messages. Stop aborts the trainer's signal, which saves and finishes cleanly. It also
// runs one-off score jobs (Evaluate, Show Surprisal) so long texts never block the editor.

import { parentPort } from 'node:worker_threads';
import { initBackend } from '../engine/backend.js';
import { sample, score } from '../engine/sampler.js';
import { loadLabelLm, sampleLine } from '../training/tasks/labelLmModel.js';
import { checkHostToWorker } from '../protocol/worker.js';
import type { ClassifyJob, SampleJob, ScoreJob, WorkerRun, WorkerToHostMessage } from '../protocol/worker.js';
import { acquireModelLock } from '../model/lock.js';
import type { ModelLock } from '../model/lock.js';
import { ensureWritableDir } from '../model/outDir.js';
import { isSaveFailure, saveFailureMessage } from '../model/saveFailure.js';
import { loadModel, loadNewestCheckpoint } from '../training/checkpoint.js';
import { classifyIds, loadClassifier } from '../training/tasks/classifyModel.js';
import { taskRunner } from '../training/tasks/taskRunners.js';
import type { TrainerEvent } from '../training/events.js';
import { train } from '../training/trainer.js';
import { TrainerControl } from '../training/trainerControl.js';
import { lowerThreadPriority } from './threadPriority.js';

const port = parentPort;
if (!port) throw new Error('trainerWorker.js must run as a worker thread.');

const abort = new AbortController();
const control = new TrainerControl();
let started = false;

const send = (m: WorkerToHostMessage) => port.postMessage(m);

/** Ends the thread once queued messages are flushed (see run()). */
function finish(): void {
  port!.close();
  setTimeout(() => process.exit(0), 2000).unref();
}

async function oneOffJob(job: ScoreJob | SampleJob | ClassifyJob): Promise<void> {
  try {
    await initBackend('auto', { wasmDir: job.wasmDir });
    if ('label' in job && job.label !== undefined) {
      const { temperature, length, topK, seed } = job.options;
      const generated = sampleLine(loadLabelLm(job.modelDir, job.checkpoint), job.label, { temperature, length, topK, seed });
      send({ type: 'sampled', result: { text: generated, generated, generatedTokens: [...generated].length } });
      return;
    }
    if ('texts' in job) {
      const { head, vocab, labels } = loadClassifier(job.modelDir, job.checkpoint);
      const probabilities = classifyIds(head, job.texts.map((t) => vocab.encode(t)));
      send({ type: 'classified', result: { labels, probabilities: probabilities.map((p) => Array.from(p)) } });
      return;
    }
    const { model } = await loadModel(job.modelDir, { checkpoint: job.checkpoint });
    if ('text' in job) send({ type: 'scored', result: score(model, job.text) });
    else send({ type: 'sampled', result: sample(model, job.options) });
  } catch (err) {
    send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  } finally {
    finish();
  }
}

/** At most this many step events a second reach the host: a small model takes 100+ steps a
 * second, and relaying each one kept code-server too busy to load webviews during training. */
const STEP_EVENTS_PER_SECOND = 20;
let lastStepSentAt = 0;
let heldStep: TrainerEvent | null = null;

/** Relays trainer events; step events are thinned, and the newest held one is always sent
 * before any other event so the host never misses the step an eval or the end refers to. */
function relayThrottled(event: TrainerEvent): void {
  const now = performance.now();
  if (event.event === 'step') {
    if (now - lastStepSentAt < 1000 / STEP_EVENTS_PER_SECOND) {
      heldStep = event;
      return;
    }
    heldStep = null;
    lastStepSentAt = now;
    send({ type: 'event', event });
    return;
  }
  flushHeldStep();
  send({ type: 'event', event });
}

/** Sends a held step now (on pause the host should show the step the run stopped at). */
function flushHeldStep(): void {
  if (!heldStep) return;
  send({ type: 'event', event: heldStep });
  heldStep = null;
  lastStepSentAt = performance.now();
}

async function run(r: WorkerRun): Promise<void> {
  // The same lock as `rnnlab train`: the CLI and the extension never write one folder at once.
  let lock: ModelLock | null = null;
  try {
    ensureWritableDir(r.modelDir);
    lock = acquireModelLock(r.modelDir);
    if (r.task && r.task !== 'lm') {
      await runTask(r);
      return;
    }
    await train({
      text: r.text,
      modelDir: r.modelDir,
      options: r.options,
      name: r.name,
      resume: r.resume,
      signal: abort.signal,
      control,
      wasmDir: r.wasmDir,
      workers: r.workers,
      onEvent: relayThrottled,
    });
  } catch (err) {
    const message = isSaveFailure(err) ? saveFailureMessage(err, r.modelDir) : err instanceof Error ? err.message : String(err);
    send({ type: 'failed', message });
  } finally {
    lock?.release();
    // Closing the port lets the thread end once messages are flushed; the unref'd timer ends
    // it anyway if a backend keeps a handle open, so the host always sees 'exit'.
    finish();
  }
}

/** A supervised task's run on the shared task loop: the same events, control and abort as train(). */
async function runTask(r: WorkerRun): Promise<void> {
  const runner = taskRunner(r.task!);
  const backend = (await initBackend(r.options.backend ?? 'auto', { wasmDir: r.wasmDir })).name;
  const file = r.file ?? 'the training text';
  const run = { modelDir: r.modelDir, name: r.name ?? r.modelDir, backend, signal: abort.signal, control, onEvent: relayThrottled };
  if (!r.resume) {
    await runner.fresh(r.text, file, r.options, run);
    return;
  }
  const { folder } = loadNewestCheckpoint(r.modelDir);
  if (folder.meta.task !== r.task) throw new Error(`${folder.meta.name} is a ${folder.meta.task} model, not a ${r.task} model.`);
  await runner.resume(folder, r.text, file, r.options, run);
}

// Training and one-off jobs run below the editor's priority: under contention (a busy machine,
// or Chromium's renderers, which run at nice 5) the editor and the webviews are served first.
lowerThreadPriority();

port.on('message', (raw: unknown) => {
  const checked = checkHostToWorker(raw);
  if (!checked.ok) return; // the host is trusted code; a malformed message is simply ignored
  const m = checked.message;
  switch (m.type) {
    case 'start':
      if (!started) {
        started = true;
        void run(m.run);
      }
      break;
    case 'score':
    case 'sample':
    case 'classify':
      if (!started) {
        started = true;
        void oneOffJob(m.job);
      }
      break;
    case 'stop':
      // A paused trainer must wake up to notice the abort.
      if (control.paused) control.resume();
      abort.abort();
      break;
    case 'pause':
      control.pause();
      flushHeldStep();
      send({ type: 'paused', paused: true });
      break;
    case 'resume':
      control.resume();
      send({ type: 'paused', paused: false });
      break;
    case 'checkpointNow':
      control.checkpointNow();
      break;
    case 'sampleNow':
      control.sampleNow(m.temperature);
      break;
    case 'sampleTemperature':
      control.sampleTemperature = m.temperature;
      break;
  }
});
