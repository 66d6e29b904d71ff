// Messages between the extension host and the trainer worker thread, with validators run on
// arrival on both sides (a worker posting garbage must not crash or confuse the host). The same
// worker also scores long texts (Evaluate, Show Surprisal) so the editor never waits on them.

import type { SampleOptions, SampleResult, ScoreResult } from '../engine/types.js';
import type { ModelTask } from '../model/index.js';
import type { TrainOptions } from '../training/config.js';
import type { TrainerEvent } from '../training/events.js';
import { isBool, isNumber, isNumberArray, isObject, isString, trainerEventProblem } from './guards.js';

/** Everything the worker needs to run `train()`. */
export interface WorkerRun {
  /** The training text (the document buffer, saved or not). */
  text: string;
  modelDir: string;
  options: TrainOptions;
  name?: string;
  /** Continue from `checkpoints/latest` with the trainer's exact resume. */
  resume: boolean;
  /** Folder holding the tfjs wasm binaries (dist/, next to the worker bundle). */
  wasmDir: string;
  /** The task to train (default 'lm', the language-model trainer). */
  task?: ModelTask;
  /** The text's file name, for messages that name a line of it. */
  file?: string;
  /** Engines per language-model step (absent: the trainer's default, all cores). */
  workers?: number;
}

/** Score a text under a saved model, off the extension host's thread. */
export interface ScoreJob {
  modelDir: string;
  checkpoint: 'root' | 'latest' | 'best';
  text: string;
  wasmDir: string;
}

/** Sample from a saved model, off the extension host's thread. */
export interface SampleJob {
  modelDir: string;
  checkpoint: 'root' | 'latest' | 'best';
  options: SampleOptions;
  wasmDir: string;
  /** A label-lm model's label to generate a line for (its options' prime is then unused). */
  label?: string;
}

/** Class probabilities of texts under a saved classify model, off the extension host's thread. */
export interface ClassifyJob {
  modelDir: string;
  checkpoint: 'root' | 'latest' | 'best';
  texts: string[];
  wasmDir: string;
}

/** The answer to a classify job: `probabilities[i][k]` is p(labels[k] | texts[i]). */
export interface ClassifyResult {
  labels: string[];
  probabilities: number[][];
}

export type HostToWorkerMessage =
  | { type: 'start'; run: WorkerRun }
  | { type: 'score'; job: ScoreJob }
  | { type: 'sample'; job: SampleJob }
  | { type: 'classify'; job: ClassifyJob }
  | { type: 'stop' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'checkpointNow' }
  | { type: 'sampleNow'; temperature?: number }
  | { type: 'sampleTemperature'; temperature: number };

export type WorkerToHostMessage =
  | { type: 'event'; event: TrainerEvent }
  /** Acknowledges pause/resume so the host shows the real state. */
  | { type: 'paused'; paused: boolean }
  /** The answer to a score job; the worker then exits. */
  | { type: 'scored'; result: ScoreResult }
  /** The answer to a sample job; the worker then exits. */
  | { type: 'sampled'; result: SampleResult }
  /** The answer to a classify job; the worker then exits. */
  | { type: 'classified'; result: ClassifyResult }
  /** `train()` or the score job threw: one sentence for the user; the worker then exits. */
  | { type: 'failed'; message: string };

export type Checked<T> = { ok: true; message: T } | { ok: false; error: string };

/** Why `x` is not a well-formed ScoreResult, or null. */
export function scoreResultProblem(x: unknown): string | null {
  if (!isObject(x)) return 'score result is not an object';
  for (const f of ['tokens', 'loss', 'bitsPerToken', 'perplexity', 'logProb']) {
    if (!isNumber(x[f])) return `score result has a bad ${f}`;
  }
  if (!isNumberArray(x.surprisal)) return 'score result has a bad surprisal list';
  if (!isNumberArray(x.offsets)) return 'score result has bad offsets';
  if (!Array.isArray(x.tokenTexts) || !x.tokenTexts.every(isString)) return 'score result has bad token texts';
  if ((x.surprisal as number[]).length !== x.tokens || (x.offsets as number[]).length < (x.tokenTexts as string[]).length) {
    return 'score result lengths do not agree';
  }
  return null;
}

/** Why `x` is not a well-formed ClassifyResult, or null. */
export function classifyResultProblem(x: unknown): string | null {
  if (!isObject(x) || !Array.isArray(x.labels) || !x.labels.every(isString) || x.labels.length === 0) return 'classify result needs a list of labels';
  const k = x.labels.length;
  if (!Array.isArray(x.probabilities) || !x.probabilities.every((p) => isNumberArray(p) && p.length === k)) return 'classify result needs one probability per label for each text';
  return null;
}

export function checkWorkerToHost(x: unknown): Checked<WorkerToHostMessage> {
  if (!isObject(x)) return { ok: false, error: 'worker message is not an object' };
  switch (x.type) {
    case 'event': {
      const problem = trainerEventProblem(x.event);
      return problem ? { ok: false, error: problem } : { ok: true, message: { type: 'event', event: x.event as TrainerEvent } };
    }
    case 'paused':
      return isBool(x.paused)
        ? { ok: true, message: { type: 'paused', paused: x.paused } }
        : { ok: false, error: 'worker "paused" message lacks a boolean paused' };
    case 'scored': {
      const problem = scoreResultProblem(x.result);
      return problem ? { ok: false, error: problem } : { ok: true, message: { type: 'scored', result: x.result as ScoreResult } };
    }
    case 'sampled': {
      const r = x.result;
      return isObject(r) && isString(r.text) && isString(r.generated) && isNumber(r.generatedTokens)
        ? { ok: true, message: { type: 'sampled', result: { text: r.text, generated: r.generated, generatedTokens: r.generatedTokens } } }
        : { ok: false, error: 'sample result needs text, generated and generatedTokens' };
    }
    case 'classified': {
      const problem = classifyResultProblem(x.result);
      return problem ? { ok: false, error: problem } : { ok: true, message: { type: 'classified', result: x.result as ClassifyResult } };
    }
    case 'failed':
      return isString(x.message)
        ? { ok: true, message: { type: 'failed', message: x.message } }
        : { ok: false, error: 'worker "failed" message lacks a message' };
    default:
      return { ok: false, error: `unknown worker message type ${JSON.stringify(x.type)}` };
  }
}

const RUN_TASKS: readonly ModelTask[] = ['lm', 'classify', 'tag', 'seq2seq', 'label-lm'];

function runProblem(run: unknown): string | null {
  if (!isObject(run)) return 'start message lacks a run';
  if (!isString(run.text)) return 'run.text must be a string';
  if (!isString(run.modelDir) || run.modelDir === '') return 'run.modelDir must be a non-empty path';
  if (!isObject(run.options)) return 'run.options must be an object';
  if (run.name !== undefined && !isString(run.name)) return 'run.name must be a string';
  if (!isBool(run.resume)) return 'run.resume must be a boolean';
  if (!isString(run.wasmDir)) return 'run.wasmDir must be a string';
  if (run.task !== undefined && !RUN_TASKS.includes(run.task as ModelTask)) return 'run.task must be lm, classify, tag, seq2seq or label-lm';
  if (run.file !== undefined && !isString(run.file)) return 'run.file must be a string';
  if (run.workers !== undefined && !(isNumber(run.workers) && Number.isInteger(run.workers) && run.workers >= 1)) return 'run.workers must be a whole number ≥ 1';
  return null;
}

export function checkHostToWorker(x: unknown): Checked<HostToWorkerMessage> {
  if (!isObject(x)) return { ok: false, error: 'host message is not an object' };
  switch (x.type) {
    case 'start': {
      const problem = runProblem(x.run);
      return problem ? { ok: false, error: problem } : { ok: true, message: { type: 'start', run: x.run as WorkerRun } };
    }
    case 'score': {
      const j = x.job;
      if (!isObject(j) || !isString(j.modelDir) || !isString(j.text) || !isString(j.wasmDir) || !['root', 'latest', 'best'].includes(j.checkpoint as string)) {
        return { ok: false, error: 'score message needs job.modelDir, job.checkpoint, job.text and job.wasmDir' };
      }
      return { ok: true, message: { type: 'score', job: j as unknown as ScoreJob } };
    }
    case 'sample': {
      const j = x.job;
      if (!isObject(j) || !isString(j.modelDir) || !isObject(j.options) || !isString(j.wasmDir) || !['root', 'latest', 'best'].includes(j.checkpoint as string)) {
        return { ok: false, error: 'sample message needs job.modelDir, job.checkpoint, job.options and job.wasmDir' };
      }
      if (j.label !== undefined && !isString(j.label)) return { ok: false, error: 'sample job.label must be a string' };
      return { ok: true, message: { type: 'sample', job: j as unknown as SampleJob } };
    }
    case 'classify': {
      const j = x.job;
      if (!isObject(j) || !isString(j.modelDir) || !Array.isArray(j.texts) || !j.texts.every(isString) || !isString(j.wasmDir) || !['root', 'latest', 'best'].includes(j.checkpoint as string)) {
        return { ok: false, error: 'classify message needs job.modelDir, job.checkpoint, job.texts and job.wasmDir' };
      }
      return { ok: true, message: { type: 'classify', job: j as unknown as ClassifyJob } };
    }
    case 'stop':
    case 'pause':
    case 'resume':
    case 'checkpointNow':
      return { ok: true, message: { type: x.type } };
    case 'sampleNow':
      if (x.temperature !== undefined && !(isNumber(x.temperature) && x.temperature >= 0)) {
        return { ok: false, error: 'sampleNow temperature must be a number ≥ 0' };
      }
      return { ok: true, message: x.temperature === undefined ? { type: 'sampleNow' } : { type: 'sampleNow', temperature: x.temperature } };
    case 'sampleTemperature':
      if (!(isNumber(x.temperature) && x.temperature >= 0)) return { ok: false, error: 'sampleTemperature temperature must be a number ≥ 0' };
      return { ok: true, message: { type: 'sampleTemperature', temperature: x.temperature } };
    default:
      return { ok: false, error: `unknown host message type ${JSON.stringify(x.type)}` };
  }
}
