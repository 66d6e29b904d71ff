// `rnnlab train FILE --out DIR …`: checks the text and the options before any work, then runs
// the trainer with Ctrl-C wired to a clean stop that saves the model.

import { basename, resolve } from 'node:path';

import { ConfigError, resolveNetworkConfig } from '../engine/config.js';
import type { NetworkOptions } from '../engine/config.js';
import { Vocabulary } from '../engine/tokenizer.js';
import { DataError, validationTokens } from '../training/batches.js';
import { MODEL_FILE, savedCheckpoints } from '../model/index.js';
import type { CheckpointKind, ModelMeta } from '../model/index.js';
import { loadNewestCheckpoint } from '../training/checkpoint.js';
import { BUDGET_KEYS, RESUMABLE_KEYS, resolveTrainConfig } from '../training/config.js';
import type { TrainConfig, TrainOptions } from '../training/config.js';
import type { DoneEvent } from '../training/events.js';
import { train } from '../training/trainer.js';
import { EXIT_FAILURE, EXIT_OK, InputError, UsageError } from './cliErrors.js';
import { acquireModelLock, refuseIfLocked } from '../model/lock.js';
import { ensureWritableDir } from '../model/outDir.js';
import type { Corpus } from '../training/corpus.js';
import { readCorpusFile } from './readCorpus.js';
import { stoppableRun } from './stoppableRun.js';
import { TrainProgress } from './trainProgress.js';

export interface TrainFlags extends TrainOptions {
  out: string;
  task?: 'lm' | 'classify';
  name?: string;
  resume?: boolean;
  json?: boolean;
  /** Engines per step (data-parallel worker threads); this machine's choice, not stored with the model. */
  workers?: number;
}

const NETWORK_KEYS = ['cell', 'layers', 'units', 'input', 'embeddingSize', 'dropout', 'recurrentDropout', 'weightDrop', 'bidirectional', 'merge', 'forgetBias'] as const;
const fmt = (n: number) => n.toLocaleString('en-US');

/** Splits parsed flags into the trainer's options (only the flags the user gave). */
export function trainOptionsFrom(flags: TrainFlags): TrainOptions {
  const options: TrainOptions = {};
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined || ['out', 'name', 'resume', 'json', 'verbose', 'task', 'workers'].includes(key)) continue;
    (options as Record<string, unknown>)[key] = value;
  }
  return options;
}

/**
 * Fewest tokens the trainer accepts (the rules of training/batches.ts): at least 2·(T + 1)
 * tokens, two of them held out for validation, and T + 1 left for one training window.
 * The batch is not a limit: a small text is read with fewer streams.
 */
export function minimumTokens(config: TrainConfig): number {
  const T = config.seqLen;
  let n = Math.max(2 * (T + 1), Math.ceil(2 / config.valFraction));
  while (Math.floor(n * config.valFraction) < 2 || n - Math.floor(n * config.valFraction) < T + 1) n++;
  return n;
}

/** seqLen → --seq-len */
const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** "seqLen must be …" → "--seq-len must be …" when the user gave that option as a flag. */
export function asFlagMessage(message: string, options: TrainOptions): string {
  const first = /^[A-Za-z]+/.exec(message)?.[0];
  if (!first || !(first in options)) return message;
  return `${flagName(first)}${message.slice(first.length)}`;
}

// What --resume keeps from the model: its architecture, tokenisation, data split and optimizer.
const FIXED_NETWORK = ['cell', 'layers', 'units', 'input', 'embeddingSize', 'dropout', 'recurrentDropout', 'weightDrop', 'forgetBias'] as const;
// Every training key but those a resumed run may change (the trainer's RESUMABLE_KEYS), the
// budget and the backend (this machine's choice).
const MAY_CHANGE: readonly string[] = [...RESUMABLE_KEYS, ...BUDGET_KEYS, 'backend'];
const FIXED_TRAIN = (Object.keys(resolveTrainConfig({})) as (keyof TrainConfig)[]).filter((k) => !MAY_CHANGE.includes(k));

/** A flag that --resume would ignore is refused when it asks for something else than the model has. */
export function checkResumeFlags(options: TrainOptions, meta: ModelMeta): void {
  const fixed: [string, unknown, unknown][] = [
    ...FIXED_NETWORK.map((k): [string, unknown, unknown] => [k, options[k], meta.network[k]]),
    ...FIXED_TRAIN.map((k): [string, unknown, unknown] => [k, options[k], meta.train[k]]),
  ];
  for (const [key, given, stored] of fixed) {
    if (given !== undefined && given !== stored) {
      throw new UsageError(
        `${flagName(key)} ${String(given)} differs from the model's ${String(stored)}; --resume keeps the model's architecture, data split and optimizer, so train a new model (another --out) to change it`,
      );
    }
  }
}

/** Checks what can be checked before training: options, output folder, the text itself. */
export function prepareTrain(
  file: string,
  flags: TrainFlags,
): { corpus: Corpus; options: TrainOptions; config: TrainConfig; notes: string[]; resumeFrom?: CheckpointKind } {
  const options = trainOptionsFrom(flags);
  if (flags.workers !== undefined && !(Number.isInteger(flags.workers) && flags.workers >= 1)) {
    throw new UsageError(`--workers must be a whole number ≥ 1, got ${flags.workers}`);
  }
  // Usage errors first (before touching any file): ConfigError → exit 2.
  let config: TrainConfig;
  try {
    config = resolveTrainConfig(options);
    const networkOptions: NetworkOptions = {};
    for (const key of NETWORK_KEYS) if (options[key] !== undefined) (networkOptions as Record<string, unknown>)[key] = options[key];
    resolveNetworkConfig(networkOptions, 2, config.tokens);
  } catch (error) {
    throw error instanceof ConfigError ? new ConfigError(asFlagMessage(error.message, options)) : error;
  }

  const out = resolve(flags.out);
  refuseIfLocked(out);
  // Any save counts: a fresh run would overwrite checkpoints even when the root model.json is gone.
  const saved = savedCheckpoints(out);
  if (flags.resume && saved.length === 0) throw new InputError(`there is no model to resume in ${flags.out} (no ${MODEL_FILE})`);
  if (!flags.resume && saved.length > 0) {
    const which = saved.includes('root') ? '' : ` (${saved.map((k) => `checkpoints/${k}`).join(' and ')})`;
    throw new UsageError(`${flags.out} already holds a model${which}; pass --resume to continue training it, or choose another --out`);
  }
  const notes: string[] = [];
  let resumeFrom: CheckpointKind | undefined;
  let meta: ModelMeta | null = null;
  if (flags.resume) {
    const newest = loadNewestCheckpoint(out);
    meta = newest.folder.meta;
    if (meta.task !== 'lm') throw new InputError(`train --resume does not apply to ${flags.out}, a ${meta.task} model: it continues a language model`);
    checkResumeFlags(options, meta);
    resumeFrom = newest.kind;
    if (newest.skipped.length > 0) {
      const where = newest.kind === 'root' ? 'the folder itself' : `checkpoints/${newest.kind}`;
      notes.push(`note: resuming from ${where} at step ${newest.folder.state.step}, the newest save that loads (${newest.skipped.map((s) => s.problem).join('; ')})`);
    }
  }

  const corpus = readCorpusFile(file, 'text file to train on', {
    mode: config.tokens,
    minCount: config.minCount,
    maxVocab: config.maxVocab,
    charEos: config.charEos,
    vocabulary: meta ? Vocabulary.fromJSON(meta.vocabulary) : undefined,
  });
  const used = meta ? meta.train : config;
  if (!flags.resume) {
    const tokens = corpus.tokens.length;
    const needed = minimumTokens(config);
    if (tokens < needed) {
      corpus.close();
      throw new InputError(
        `${file} is too small to train on: it has ${fmt(tokens)} ${config.tokens} tokens and --seq-len ${config.seqLen} with --val-fraction ${config.valFraction} needs at least ${fmt(needed)}; use a longer text or a smaller --seq-len`,
      );
    }
    const distinct = corpus.vocab.tokens.filter((t) => t !== '<UNK>' && t !== '<EOS>').length;
    if (distinct === 1) {
      notes.push(`note: ${file} holds a single distinct ${config.tokens === 'char' ? 'character' : 'word'} repeated; the model can only learn to repeat it`);
    }
  }
  const streams = streamsFor(corpus.tokens.length, used);
  if (streams < used.batch) {
    notes.push(`note: ${file} is long enough for only ${fmt(streams)} parallel streams of --seq-len ${used.seqLen}, so training uses a batch of ${fmt(streams)} instead of ${fmt(used.batch)}`);
  }
  return { corpus, options, config, notes, resumeFrom };
}

/** Streams the batcher reads from this many tokens (training/batches.ts cuts the batch to fit). */
export function streamsFor(tokens: number, config: Pick<TrainConfig, 'seqLen' | 'valFraction' | 'valTokensMax' | 'batch'>): number {
  const trainTokens = tokens - validationTokens(tokens, config);
  return Math.max(1, Math.min(config.batch, Math.floor((trainTokens - 1) / config.seqLen)));
}

export async function runTrain(file: string, flags: TrainFlags, wasmDir: string): Promise<number> {
  const { corpus, options, notes, resumeFrom } = prepareTrain(file, flags);
  const out = resolve(flags.out);
  let lock;
  try {
    ensureWritableDir(out);
    lock = acquireModelLock(out, { onNote: (line) => process.stderr.write(`rnnlab: note: ${line}\n`) });
  } catch (error) {
    corpus.close();
    throw error;
  }
  const json = flags.json === true;
  for (const note of notes) process.stderr.write(`rnnlab: ${note}\n`);
  const progress = new TrainProgress(json ? 'json' : process.stdout.isTTY ? 'tty' : 'plain', process.stdout, process.stderr);

  const cleanup = () => {
    progress.close();
    lock.release();
    corpus.close();
  };
  const done: DoneEvent = await stoppableRun({ out, given: flags.out, cleanup }, async (signal) => {
    try {
      return await train({
        corpus,
        modelDir: out,
        options,
        name: flags.name ?? basename(out),
        resume: flags.resume === true,
        resumeFrom,
        workers: flags.workers,
        signal,
        onEvent: (e) => progress.onEvent(e),
        wasmDir,
      });
    } catch (error) {
      // The trainer's data checks do not know the file's name; the user needs it.
      if (error instanceof DataError) throw new InputError(`${file}: ${error.message}`, { cause: error });
      throw error;
    }
  });
  if (done.reason === 'nan') {
    process.stderr.write(`rnnlab: ${done.message.split('\n')[0]}\n`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}
