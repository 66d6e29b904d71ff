// Training configuration: options as a user gives them (CLI flags, VS Code settings) resolved
// into a complete config that is stored with the model and makes a run reproducible.

import type { BackendChoice, NetworkOptions, TokenMode } from '../engine/config.js';
import { ConfigError } from '../engine/config.js';

export type OptimizerName = 'adam' | 'rmsprop' | 'sgd';
export type ClipMode = 'norm' | 'value';
export type LrSchedule = 'constant' | 'cosine';
/** Where the validation tokens come from: the end of the text, or windows spread evenly over it. */
export type ValSplit = 'end' | 'spread';

export interface TrainOptions extends NetworkOptions {
  /** Tokenisation. Default `char`. */
  tokens?: TokenMode;
  /** Truncated-BPTT window T. Default 64. */
  seqLen?: number;
  /** Number of parallel contiguous streams B. Default 16: more updates per token learn faster
   * than bigger batches in a fixed time on 2 cores (measured on tiny-shakespeare). */
  batch?: number;
  /** Stop after this many optimizer steps. */
  steps?: number;
  /** Stop after this many passes over the training text. */
  epochs?: number;
  /** Stop after this many minutes of wall time. */
  minutes?: number;
  /** Learning rate. Default 1e-2 for Adam (annealed by the cosine schedule), 2e-3 RMSprop, 0.05 SGD. */
  lr?: number;
  /** Default `adam`. */
  optimizer?: OptimizerName;
  /** SGD momentum. Default 0.9. */
  momentum?: number;
  /** Multiply the learning rate by this every `lrDecayEvery` steps. Default 1 (no decay). */
  lrDecay?: number;
  lrDecayEvery?: number;
  /**
   * `cosine` (default) anneals the learning rate from `lr` to `lr × lrFinalFactor` over the run's
   * budget (steps, epochs or minutes, whichever ends first); `constant` keeps it.
   */
  lrSchedule?: LrSchedule;
  /** Where the cosine schedule ends, as a fraction of `lr`. Default 0.1. */
  lrFinalFactor?: number;
  /**
   * Chance that a stream's carried state is zeroed before a window. Default 0.02: the model
   * keeps seeing fresh starts (as when it reads a new text), so a zero state never derails it.
   */
  stateReset?: number;
  /**
   * Decoupled weight decay (Loshchilov & Hutter, AdamW): every step each weight matrix (not the
   * biases) shrinks by lr × weightDecay before the optimizer's update. Default 0.
   */
  weightDecay?: number;
  /** Clip threshold. Default 5. 0 disables clipping. */
  clip?: number;
  /** `norm` clips by global norm (default), `value` clips each element. */
  clipMode?: ClipMode;
  /** Fraction of the text held out for validation (where: valSplit). Default 0.1, at most `valTokensMax` tokens. */
  valFraction?: number;
  /**
   * `end` holds out the end of the text (the default, and what folders saved before this option
   * read); `spread` holds out SPREAD_WINDOWS windows spread evenly over it (training/batches.ts).
   */
  valSplit?: ValSplit;
  /**
   * Most tokens held out for validation (null: exactly valFraction). Default 20,000 when
   * valFraction is not given, else null: on tiny-shakespeare 10% left 1.81 nats/char on unseen
   * text after 3 minutes and 20,000 tokens (2%) 1.65, while 20,000 tokens still measure the
   * validation loss to ±0.01.
   */
  valTokensMax?: number | null;
  /** Seed for initialisation, dropout, sampling. Default 1. */
  seed?: number;
  backend?: BackendChoice;
  /** Evaluate on the validation text every N steps. Default 200. */
  evalEvery?: number;
  /** Emit a sample every N steps (0 = never). Default 500. */
  sampleEvery?: number;
  sampleLength?: number;
  sampleTemperature?: number;
  /** Save checkpoints/latest every N steps. Default 500. */
  checkpointEvery?: number;
  /** Word mode: drop tokens seen fewer than this many times into <UNK>. Default 1 (char) / 2 (word). */
  minCount?: number;
  /** Maximum vocabulary size (most frequent kept). Default 10000. */
  maxVocab?: number;
  /** Char mode: add <EOS> at each end of line. Default false. */
  charEos?: boolean;
}

export interface TrainConfig {
  tokens: TokenMode;
  seqLen: number;
  batch: number;
  steps: number | null;
  epochs: number | null;
  minutes: number | null;
  lr: number;
  optimizer: OptimizerName;
  momentum: number;
  lrDecay: number;
  lrDecayEvery: number;
  lrSchedule: LrSchedule;
  lrFinalFactor: number;
  stateReset: number;
  weightDecay: number;
  clip: number;
  clipMode: ClipMode;
  valFraction: number;
  valSplit: ValSplit;
  valTokensMax: number | null;
  seed: number;
  backend: BackendChoice;
  evalEvery: number;
  sampleEvery: number;
  sampleLength: number;
  sampleTemperature: number;
  checkpointEvery: number;
  minCount: number;
  maxVocab: number;
  charEos: boolean;
}

/**
 * What a resumed run may change; every other key of the stored config wins (architecture,
 * data split, optimizer), e.g. a lower learning rate after exploding gradients.
 */
export const RESUMABLE_KEYS = [
  'lr',
  'lrDecay',
  'lrDecayEvery',
  'lrSchedule',
  'lrFinalFactor',
  'weightDecay',
  'clip',
  'clipMode',
  'evalEvery',
  'sampleEvery',
  'sampleLength',
  'sampleTemperature',
  'checkpointEvery',
] as const satisfies readonly (keyof TrainConfig)[];

/** The budget: each run sets its own (a resume without one finishes the interrupted budget). */
export const BUDGET_KEYS = ['steps', 'epochs', 'minutes'] as const satisfies readonly (keyof TrainConfig)[];

function check(name: string, value: number, ok: boolean, what: string): number {
  if (!ok) throw new ConfigError(`${name} must be ${what}, got ${value}`);
  return value;
}
const int = (name: string, v: number, min: number) =>
  check(name, v, Number.isInteger(v) && v >= min, `a whole number ≥ ${min}`);
const pos = (name: string, v: number) => check(name, v, Number.isFinite(v) && v > 0, 'a positive number');

function lrSchedule(value: LrSchedule | undefined): LrSchedule {
  const v = value ?? 'cosine';
  if (v !== 'constant' && v !== 'cosine') throw new ConfigError(`lrSchedule must be constant or cosine, got ${String(v)}`);
  return v;
}

/**
 * What a new language model gets for the options its run leaves out, on top of the engine's and
 * the trainer's general defaults (the tasks keep those). Chosen by step-budgeted runs on the first
 * 90% of tiny-shakespeare scored on the last 10% (CHANGELOG, README "Learning quality"): two
 * stacked GRU layers of 192 with dropout 0.25 between them (and before the output layer) generalise
 * better than one wider layer, and weight decay with the schedule annealed to 1% keeps the model
 * from overfitting. B 16 stays: B 32 runs 1.36× the tokens per second but over ten minutes
 * overfits more (1.533 against 1.518). A GRU 2×256 (dropout 0.3, Adam 5e-3) did not beat it in
 * timed runs: 1.584 in three minutes, 1.510 in ten.
 */
export const LANGUAGE_MODEL_DEFAULTS = {
  cell: 'gru',
  layers: 2,
  units: 192,
  dropout: 0.25,
  weightDecay: 0.1,
  lrFinalFactor: 0.01,
  valSplit: 'spread',
} as const satisfies TrainOptions;

/**
 * A new language model's learning rate with Adam when it has at least LANGUAGE_MODEL_WIDE_UNITS
 * units a layer (RMSprop, SGD and narrower models keep the general rates): at 1e-2 a GRU 2×256 sat
 * at 3.3 nats for 600 steps and a GRU 1×384 diverged, while a GRU 1×224 learned less at 5e-3 in
 * three minutes (1.601 against 1.578).
 */
export const LANGUAGE_MODEL_ADAM_LR = 5e-3;
export const LANGUAGE_MODEL_WIDE_UNITS = 256;

/** `options` with LANGUAGE_MODEL_DEFAULTS for the keys it leaves out (undefined counts as left out). */
export function withLanguageModelDefaults(options: TrainOptions): TrainOptions {
  const out: TrainOptions = { ...options };
  for (const [key, value] of Object.entries(LANGUAGE_MODEL_DEFAULTS)) {
    if ((out as Record<string, unknown>)[key] === undefined) (out as Record<string, unknown>)[key] = value;
  }
  const wide = (out.units ?? 0) >= LANGUAGE_MODEL_WIDE_UNITS;
  if (out.lr === undefined && wide && (out.optimizer ?? 'adam') === 'adam') out.lr = LANGUAGE_MODEL_ADAM_LR;
  return out;
}

/** Default cap on the validation tokens when no --val-fraction is given (see TrainOptions.valTokensMax). */
export const DEFAULT_VAL_TOKENS_MAX = 20_000;

export function resolveTrainConfig(options: TrainOptions): TrainConfig {
  const tokens = options.tokens ?? 'char';
  if (tokens !== 'char' && tokens !== 'word') throw new ConfigError(`tokens must be char or word, got ${String(tokens)}`);
  const optimizer = options.optimizer ?? 'adam';
  if (!['adam', 'rmsprop', 'sgd'].includes(optimizer)) {
    throw new ConfigError(`optimizer must be adam, rmsprop or sgd, got ${String(optimizer)}`);
  }
  const clipMode = options.clipMode ?? 'norm';
  if (clipMode !== 'norm' && clipMode !== 'value') throw new ConfigError(`clipMode must be norm or value`);
  const valFraction = options.valFraction ?? 0.1;
  check('valFraction', valFraction, valFraction > 0 && valFraction < 0.9, 'in (0, 0.9)');
  const valTokensMax = options.valTokensMax !== undefined ? options.valTokensMax : options.valFraction === undefined ? DEFAULT_VAL_TOKENS_MAX : null;
  if (valTokensMax !== null) int('valTokensMax', valTokensMax, 2);
  const valSplit = options.valSplit ?? 'end';
  if (valSplit !== 'end' && valSplit !== 'spread') throw new ConfigError(`valSplit must be end or spread, got ${String(valSplit)}`);
  const defaultLr = optimizer === 'sgd' ? 0.05 : optimizer === 'rmsprop' ? 2e-3 : 1e-2;
  return {
    tokens,
    seqLen: int('seqLen', options.seqLen ?? 64, 1),
    batch: int('batch', options.batch ?? 16, 1),
    steps: options.steps === undefined ? null : int('steps', options.steps, 1),
    epochs: options.epochs === undefined ? null : pos('epochs', options.epochs),
    minutes: options.minutes === undefined ? null : pos('minutes', options.minutes),
    lr: pos('lr', options.lr ?? defaultLr),
    optimizer,
    momentum: check('momentum', options.momentum ?? 0.9, (options.momentum ?? 0.9) >= 0 && (options.momentum ?? 0.9) < 1, 'in [0, 1)'),
    lrDecay: pos('lrDecay', options.lrDecay ?? 1),
    lrDecayEvery: int('lrDecayEvery', options.lrDecayEvery ?? 1000, 1),
    lrSchedule: lrSchedule(options.lrSchedule),
    lrFinalFactor: check('lrFinalFactor', options.lrFinalFactor ?? 0.1, (options.lrFinalFactor ?? 0.1) > 0 && (options.lrFinalFactor ?? 0.1) <= 1, 'in (0, 1]'),
    stateReset: check('stateReset', options.stateReset ?? 0.02, (options.stateReset ?? 0.02) >= 0 && (options.stateReset ?? 0.02) <= 1, 'in [0, 1]'),
    weightDecay: check('weightDecay', options.weightDecay ?? 0, Number.isFinite(options.weightDecay ?? 0) && (options.weightDecay ?? 0) >= 0, 'zero or positive'),
    clip: check('clip', options.clip ?? 5, (options.clip ?? 5) >= 0, 'zero or positive'),
    clipMode,
    valFraction,
    valSplit,
    valTokensMax,
    seed: int('seed', options.seed ?? 1, 0),
    backend: options.backend ?? 'auto',
    evalEvery: int('evalEvery', options.evalEvery ?? 200, 1),
    sampleEvery: int('sampleEvery', options.sampleEvery ?? 500, 0),
    sampleLength: int('sampleLength', options.sampleLength ?? 200, 1),
    sampleTemperature: check('sampleTemperature', options.sampleTemperature ?? 0.8, (options.sampleTemperature ?? 0.8) >= 0, '≥ 0'),
    checkpointEvery: int('checkpointEvery', options.checkpointEvery ?? 500, 1),
    minCount: int('minCount', options.minCount ?? (tokens === 'word' ? 2 : 1), 1),
    maxVocab: int('maxVocab', options.maxVocab ?? 10000, 2),
    charEos: options.charEos ?? false,
  };
}
