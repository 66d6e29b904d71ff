// `rnnlab train --task classify|tag|seq2seq …`: what every supervised task's training shares on
// the command line — the --out checks, --resume from the newest complete save, the backend, the
// lock, Ctrl-C/SIGTERM, one progress line per evaluation (or JSON events) and the exit code.
// Each task gives only how it reads its file and builds its learner.

import { basename, resolve } from 'node:path';

import { initBackend } from '../engine/backend.js';
import { MODEL_FILE, ModelFormatError, readModelMeta, savedCheckpoints } from '../model/index.js';
import type { ModelTask } from '../model/index.js';
import { acquireModelLock, refuseIfLocked } from '../model/lock.js';
import { ensureWritableDir } from '../model/outDir.js';
import type { LoadedFolder } from '../training/checkpoint.js';
import { loadNewestCheckpoint } from '../training/checkpoint.js';
import type { TrainConfig } from '../training/config.js';
import type { TrainerEvent } from '../training/events.js';
import type { TaskDone, TaskRun } from '../training/tasks/taskTrainer.js';
import { EXIT_FAILURE, EXIT_OK, InputError, UsageError } from './cliErrors.js';
import { stoppableRun } from './stoppableRun.js';
import type { TrainFlags } from './trainCommand.js';

/** A task's run, ready to start once the backend is up (heads hold backend tensors). */
export interface TaskPlan {
  config: TrainConfig;
  /** One line on what was read, e.g. "600 lines, label<TAB>text, 2 labels". */
  description: string;
  start: (run: TaskRun) => Promise<TaskDone>;
}

export interface TaskTrainer {
  task: ModelTask;
  /** A new model from the file (reads and checks everything before any folder is touched). */
  fresh: () => TaskPlan;
  /** Continues the saved model on the file. */
  resume: (folder: LoadedFolder) => TaskPlan;
}

/** What one training example of each task is called. */
const EXAMPLES: Record<ModelTask, string> = { lm: 'tokens', classify: 'lines', tag: 'sentences', seq2seq: 'pairs', 'label-lm': 'lines' };

const fmt = (n: number) => n.toLocaleString('en-US');
const f4 = (x: number | null | undefined) => (typeof x === 'number' ? x.toFixed(4) : '–');

export async function runTaskTrain(file: string, flags: TrainFlags, wasmDir: string, trainer: TaskTrainer): Promise<number> {
  // The data-parallel engine splits a language model's streams; a task head's batch of padded examples trains on one thread.
  if (flags.workers !== undefined && flags.workers !== 1) {
    throw new UsageError(`--workers splits a language model's batch between threads, but a ${trainer.task} model trains on one thread: leave out --workers`);
  }
  const out = resolve(flags.out);
  refuseIfLocked(out);
  const saved = savedCheckpoints(out);
  if (flags.resume && saved.length === 0) throw new InputError(`there is no model to resume in ${flags.out} (no ${MODEL_FILE})`);
  if (!flags.resume && saved.length > 0) throw new UsageError(`${flags.out} already holds a model; pass --resume to continue training it, or choose another --out`);
  let plan: TaskPlan;
  if (flags.resume) {
    const newest = loadNewestCheckpoint(out);
    const { task } = newest.folder.meta;
    if (task !== trainer.task) throw new InputError(`${flags.out} holds a ${task} model; train --resume continues it with --task ${task}`);
    for (const s of newest.skipped) process.stderr.write(`rnnlab: note: skipped a save that does not load: ${s.problem}\n`);
    plan = trainer.resume(newest.folder);
  } else {
    plan = trainer.fresh();
  }
  const backend = (await initBackend(plan.config.backend, { wasmDir })).name;
  ensureWritableDir(out);
  const lock = acquireModelLock(out, { onNote: (line) => process.stderr.write(`rnnlab: note: ${line}\n`) });
  process.stderr.write(`rnnlab: ${file}: ${plan.description}\n`);
  const json = flags.json === true;
  const done = await stoppableRun({ out, given: flags.out, cleanup: () => lock.release() }, (signal) =>
    plan.start({ modelDir: out, name: flags.name ?? basename(out), backend, signal, onEvent: (e) => printTaskEvent(e, json) }),
  );
  if (done.reason === 'nan') {
    const kept = done.saved || saved.length > 0 ? 'the last good save is kept' : 'nothing was saved';
    process.stderr.write(`rnnlab: ${done.message}; ${kept}; train again with a lower --lr\n`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}

function metricText(metrics: Record<string, number> | undefined): string {
  return Object.entries(metrics ?? {})
    .map(([k, v]) => `${k} ${f4(v)}`)
    .join('  ');
}

/** One line per start, evaluation and end (steps are only in --json). */
export function printTaskEvent(e: TrainerEvent, json: boolean): void {
  if (json) {
    if (e.event !== 'step') process.stdout.write(`${JSON.stringify(e)}\n`);
    return;
  }
  let line: string | null = null;
  if (e.event === 'start') {
    const n = e.network;
    line =
      `${e.task ?? 'lm'}: ${fmt(e.trainTokens)} training and ${fmt(e.valTokens)} validation ${EXAMPLES[e.task ?? 'lm']}, ${fmt(e.vocabSize)} ${e.train.tokens} tokens, ` +
      `${n.bidirectional ? 'bidirectional ' : ''}${n.cell.toUpperCase()} ${n.layers}×${n.units}, ${fmt(e.parameters)} parameters` +
      (e.resumed ? `, resuming at step ${fmt(e.startStep)}` : '');
  } else if (e.event === 'eval') {
    line = `step ${fmt(e.step)}  epoch ${e.epoch.toFixed(2)}  val loss ${f4(e.valLoss)}  ${metricText(e.metrics)}${e.best ? '  (best)' : ''}`;
  } else if (e.event === 'done') {
    const d = e as TaskDone;
    line =
      `done (${d.reason}) at step ${fmt(d.step)} in ${(d.elapsedMs / 1000).toFixed(1)} s, ${fmt(Math.round(d.tokensPerSecond))} tokens/s` +
      (d.saved ? '; saved' : '; nothing saved') +
      (d.best ? `; best evaluation: step ${fmt(d.best.step)}, ${metricText(d.best.metrics)}` : '');
  } else if (e.event === 'warning') {
    line = `warning: ${e.message}`;
  }
  if (line !== null) process.stdout.write(`${line}\n`);
}

/** The task of the model saved in `out` (the first save whose model.json reads), or null. */
export function savedTask(out: string): ModelTask | null {
  for (const kind of savedCheckpoints(resolve(out))) {
    try {
      return readModelMeta(resolve(out), kind).task;
    } catch (error) {
      if (!(error instanceof ModelFormatError)) throw error;
    }
  }
  return null;
}
