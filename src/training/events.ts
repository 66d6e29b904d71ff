// Events the trainer emits. Plain JSON (numbers, strings, arrays): they cross worker threads,
// are printed by `rnnlab train --json`, and feed the dashboard.

import type { BackendName, NetworkConfig } from '../engine/config.js';
import type { ModelTask } from '../model/index.js';
import type { TrainConfig } from './config.js';

export interface StartEvent {
  event: 'start';
  /** Absent for a language model. */
  task?: ModelTask;
  /** A classifier's labels in output order (the confusion matrix's rows and columns). */
  labels?: string[];
  modelDir: string;
  backend: BackendName;
  network: NetworkConfig;
  train: TrainConfig;
  parameters: number;
  vocabSize: number;
  trainTokens: number;
  valTokens: number;
  /** Tokens each evaluation scores: fewer than valTokens when the validation split is huge (evenly spread windows). */
  valScored?: number;
  stepsPerEpoch: number;
  /** Step the run starts from (non-zero when resuming). */
  startStep: number;
  /** Training time of the model before this run (step events' elapsedMs count from it). */
  startElapsedMs: number;
  /** Total steps when known from --steps or --epochs, else null. */
  totalSteps: number | null;
  resumed: boolean;
  /** What runs the steps: the kernel path and the engines per step (data-parallel workers). */
  compute?: { kernels: 'native' | 'portable'; workers: number };
}

export interface StepEvent {
  event: 'step';
  step: number;
  /** Fractional epoch: 1.5 = halfway through the second pass. */
  epoch: number;
  /** Mean cross-entropy of this batch, nats per token. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Per-layer gradient norms before clipping (recurrent layers, then output). */
  layerGradNorms: number[];
  lr: number;
  tokensPerSecond: number;
  tokensSeen: number;
  elapsedMs: number;
}

export interface EvalEvent {
  event: 'eval';
  step: number;
  epoch: number;
  valLoss: number;
  valBitsPerToken: number;
  valPerplexity: number;
  best: boolean;
  /** A task model's metrics under their stable names (accuracy, macroF1, tokenAccuracy, entityF1, exactMatch, cer). */
  metrics?: Record<string, number>;
  /** A classifier's confusion matrix of this evaluation (rows: true label, columns: predicted). */
  confusion?: number[][];
}

export interface SampleEvent {
  event: 'sample';
  step: number;
  temperature: number;
  text: string;
  /** A label-conditioned model's sample: the label the line was generated from. */
  label?: string;
}

export interface CheckpointEvent {
  event: 'checkpoint';
  step: number;
  kind: 'latest' | 'best';
  dir: string;
}

export interface NanEvent {
  event: 'nan';
  step: number;
  recentGradNorms: number[];
  message: string;
}

/** The run is learning its text by heart: the text is small for the model, or validation rises while training falls. */
export interface WarningEvent {
  event: 'warning';
  kind: 'small-text' | 'overfitting';
  step: number;
  message: string;
}

export type StopReason = 'steps' | 'epochs' | 'minutes' | 'aborted' | 'nan';

export interface DoneEvent {
  event: 'done';
  step: number;
  epoch: number;
  trainLoss: number | null;
  valLoss: number | null;
  bestValLoss: number | null;
  tokensPerSecond: number;
  backend: BackendName;
  modelDir: string;
  reason: StopReason;
  message: string;
}

export type TrainerEvent = StartEvent | StepEvent | EvalEvent | SampleEvent | CheckpointEvent | NanEvent | WarningEvent | DoneEvent;
