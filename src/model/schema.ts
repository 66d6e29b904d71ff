// The model folder's format: the typed content of model.json and the names of the files beside
// it. No tfjs and no file access here, so every front end can import it.

import type { AttentionKind, NetworkConfig } from '../engine/config.js';
import type { VocabularyJSON } from '../engine/tokenizer.js';
import type { OptimizerName, TrainConfig } from '../training/config.js';

export const MODEL_FORMAT = 'rnnlab-model';
/** Readers refuse a newer version; older ones are brought up to date by the migrations (migrate.ts). */
export const MODEL_FORMAT_VERSION = 1;
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const OPTIMIZER_FILE = 'optimizer.bin';
export const CARRY_FILE = 'carry.bin';
/** Suffix of a bin written but not yet renamed into place by a save. */
export const PENDING_SUFFIX = '.next';

/**
 * What a model predicts: the next token ('lm'), one label per line ('classify', many-to-one), one tag
 * per token ('tag'), a target for a source ('seq2seq'), or the next token of a line given its label
 * ('label-lm', one-to-many: `train --task lm --condition label`; its labels start the state).
 */
export type ModelTask = 'lm' | 'classify' | 'tag' | 'seq2seq' | 'label-lm';
export const MODEL_TASKS: readonly ModelTask[] = ['lm', 'classify', 'tag', 'seq2seq', 'label-lm'];
export const DEFAULT_TASK: ModelTask = 'lm';

export type CheckpointKind = 'root' | 'latest' | 'best';

/** A corrupt, truncated, missing or incompatible model folder; the message is one sentence. */
export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
}

/** Where one tensor lives in a .bin file. `offset` and `length` are in bytes. */
export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  offset: number;
  length: number;
}

export interface BinManifest {
  file: string;
  bytes: number;
  /** CRC-32 of the whole file, 8 lowercase hex digits: tells a torn or stale file from the right one. */
  crc32: string;
  tensors: TensorEntry[];
}

export interface OptimizerManifest extends BinManifest {
  name: OptimizerName;
  step: number;
}

/**
 * The recurrent state carried from one training window to the next (truncated BPTT), one
 * [batch, units] tensor per layer named `layer<l>/a` (and `layer<l>/c` for an LSTM).
 * Folders saved before this field kept it in optimizer.bin; the migration points there.
 */
export interface CarryManifest extends BinManifest {
  batch: number;
}

/** Where training stands. Fields after bestValLoss are absent in folders saved by early versions. */
export interface TrainingState {
  step: number;
  /** Completed passes over the training text. */
  epoch: number;
  bestValLoss: number | null;
  /** Next window within the epoch. */
  window?: number;
  /** The trainer's random generator state (dropout, state resets). */
  rng?: number[];
  lastValLoss?: number | null;
  lastTrainLoss?: number | null;
  tokensSeen?: number;
  elapsedMs?: number;
  /** The step this run's budget (and learning-rate schedule) started from, and where it ends. */
  scheduleStart?: number;
  targetStep?: number | null;
  /** A task model's best evaluation: its step, validation loss and metrics (what picked the best checkpoint). */
  best?: BestEvaluation | null;
}

export interface BestEvaluation {
  step: number;
  valLoss: number;
  metrics: Record<string, number>;
}

/** One training run (one `train` call) of this model. */
export interface RunRecord {
  startStep: number;
  endStep: number;
  startedAt?: string;
  /** Why it stopped ('steps', 'epochs', 'minutes', 'aborted', 'nan'), or 'running' while it runs. */
  reason?: string | null;
  backend?: string;
  tokensPerSecond?: number;
  /** This run's active training time (pauses left out), ms. */
  elapsedMs?: number;
  /** Lowest validation loss measured during this run. */
  bestValLoss?: number | null;
}

/** A summary of past training, kept small; unknown keys written by other tools are kept as they are. */
export interface TrainingHistory {
  runs?: RunRecord[];
  /** [step, loss, gradNorm, elapsedMs, tokensSeen] */
  steps?: number[][];
  /** [step, valLoss] */
  evals?: number[][];
  [key: string]: unknown;
}

/** model.json, parsed and validated. */
export interface ModelMeta {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  task: ModelTask;
  /** A classify (tag) model's labels (tags) in the order of its outputs, a label-lm model's in the order of its bridge's rows; absent for a language model. */
  labels?: string[];
  /** A seq2seq model's decoder attention ('luong' or 'none'); absent in seq2seq folders written before it, which decode without (none). */
  attention?: AttentionKind;
  name: string;
  savedAt: string;
  network: NetworkConfig;
  train: TrainConfig;
  vocabulary: VocabularyJSON;
  parameters: number;
  state: TrainingState;
  history: TrainingHistory;
  weights: BinManifest;
  optimizer: OptimizerManifest | null;
  carry: CarryManifest | null;
}
