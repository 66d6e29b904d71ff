// Messages between the extension host and the trainer worker thread, with validators run on
// arrival on both sides (a worker posting garbage must not crash or confuse the host).

import type { TrainOptions } from '../training/config.js';
import type { TrainerEvent } from '../training/events.js';

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
}

export type HostToWorkerMessage =
  | { type: 'start'; run: WorkerRun }
  | { type: 'stop' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'checkpointNow' }
  | { type: 'sampleNow'; temperature?: number };

export type WorkerToHostMessage =
  | { type: 'event'; event: TrainerEvent }
  /** Acknowledges pause/resume so the host shows the real state. */
  | { type: 'paused'; paused: boolean }
  /** `train()` threw: one sentence for the user; the worker then exits. */
  | { type: 'failed'; message: string };

export type Checked<T> = { ok: true; message: T } | { ok: false; error: string };

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number';
const isNumOrNull = (x: unknown) => x === null || isNum(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isBool = (x: unknown): x is boolean => typeof x === 'boolean';
const isNumArray = (x: unknown) => Array.isArray(x) && x.every(isNum);

type FieldCheck = (x: unknown) => boolean;

/** Field checks per trainer event; numbers may be NaN (a diverged run reports NaN losses). */
const EVENT_FIELDS: Record<TrainerEvent['event'], Record<string, FieldCheck>> = {
  start: {
    modelDir: isStr, backend: isStr, network: isObject, train: isObject, parameters: isNum,
    vocabSize: isNum, trainTokens: isNum, valTokens: isNum, stepsPerEpoch: isNum,
    startStep: isNum, totalSteps: isNumOrNull, resumed: isBool,
  },
  step: {
    step: isNum, epoch: isNum, loss: isNum, gradNorm: isNum, layerGradNorms: isNumArray, lr: isNum,
    tokensPerSecond: isNum, tokensSeen: isNum, elapsedMs: isNum,
  },
  eval: {
    step: isNum, epoch: isNum, valLoss: isNum, valBitsPerToken: isNum, valPerplexity: isNum, best: isBool,
  },
  sample: { step: isNum, temperature: isNum, text: isStr },
  checkpoint: { step: isNum, kind: (x) => x === 'latest' || x === 'best', dir: isStr },
  nan: { step: isNum, recentGradNorms: isNumArray, message: isStr },
  done: {
    step: isNum, epoch: isNum, trainLoss: isNumOrNull, valLoss: isNumOrNull, bestValLoss: isNumOrNull,
    tokensPerSecond: isNum, backend: isStr, modelDir: isStr,
    reason: (x) => ['steps', 'epochs', 'minutes', 'aborted', 'nan'].includes(x as string), message: isStr,
  },
};

/** Why `x` is not a well-formed trainer event, or null when it is one. */
export function trainerEventProblem(x: unknown): string | null {
  if (!isObject(x)) return 'trainer event is not an object';
  const kind = x.event;
  if (!isStr(kind) || !(kind in EVENT_FIELDS)) return `unknown trainer event ${JSON.stringify(kind)}`;
  for (const [field, ok] of Object.entries(EVENT_FIELDS[kind as TrainerEvent['event']])) {
    if (!ok(x[field])) return `trainer event "${kind}" has a bad ${field}: ${JSON.stringify(x[field])}`;
  }
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
    case 'failed':
      return isStr(x.message)
        ? { ok: true, message: { type: 'failed', message: x.message } }
        : { ok: false, error: 'worker "failed" message lacks a message' };
    default:
      return { ok: false, error: `unknown worker message type ${JSON.stringify(x.type)}` };
  }
}

function runProblem(run: unknown): string | null {
  if (!isObject(run)) return 'start message lacks a run';
  if (!isStr(run.text)) return 'run.text must be a string';
  if (!isStr(run.modelDir) || run.modelDir === '') return 'run.modelDir must be a non-empty path';
  if (!isObject(run.options)) return 'run.options must be an object';
  if (run.name !== undefined && !isStr(run.name)) return 'run.name must be a string';
  if (!isBool(run.resume)) return 'run.resume must be a boolean';
  if (!isStr(run.wasmDir)) return 'run.wasmDir must be a string';
  return null;
}

export function checkHostToWorker(x: unknown): Checked<HostToWorkerMessage> {
  if (!isObject(x)) return { ok: false, error: 'host message is not an object' };
  switch (x.type) {
    case 'start': {
      const problem = runProblem(x.run);
      return problem ? { ok: false, error: problem } : { ok: true, message: { type: 'start', run: x.run as WorkerRun } };
    }
    case 'stop':
    case 'pause':
    case 'resume':
    case 'checkpointNow':
      return { ok: true, message: { type: x.type } };
    case 'sampleNow':
      if (x.temperature !== undefined && !(isNum(x.temperature) && x.temperature >= 0)) {
        return { ok: false, error: 'sampleNow temperature must be a number ≥ 0' };
      }
      return { ok: true, message: x.temperature === undefined ? { type: 'sampleNow' } : { type: 'sampleNow', temperature: x.temperature } };
    default:
      return { ok: false, error: `unknown host message type ${JSON.stringify(x.type)}` };
  }
}
