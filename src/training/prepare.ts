// Preparing a run: a new model from the text and options, or one resumed from its newest
// complete save with the keys that may change on resume (RESUMABLE_KEYS) taken from the options.

import type { NetworkConfig } from '../engine/config.js';
import { ConfigError, resolveNetworkConfig } from '../engine/config.js';
import { Rng } from '../engine/math.js';
import type { RecurrentState } from '../engine/network.js';
import { Network } from '../engine/network.js';
import { Vocabulary } from '../engine/tokenizer.js';
import { ModelFormatError, savedCheckpoints } from '../model/index.js';
import type { CheckpointKind, TrainingHistory, TrainingState } from '../model/index.js';
import { DataError } from './batches.js';
import type { CarryData } from './checkpoint.js';
import { loadModelFolder, loadNewestCheckpoint } from './checkpoint.js';
import type { TrainConfig, TrainOptions } from './config.js';
import type { Corpus } from './corpus.js';
import { RESUMABLE_KEYS, resolveTrainConfig, withLanguageModelDefaults } from './config.js';
import type { Optimizer } from './optimizers.js';
import { createOptimizer } from './optimizers.js';

/** What a run is prepared from (the part of TrainRun that prepare reads). */
export interface PrepareInput {
  /** The training text (the whole of it; config.valSplit says which part is held out for validation). */
  text?: string;
  /** Or the text already tokenised, of any size (training/corpus.ts); its vocabulary is used. */
  corpus?: Corpus;
  /** Model folder to create, or to continue with `resume`. */
  modelDir: string;
  options: TrainOptions;
  /** Display name stored in model.json. Default: the folder name. */
  name?: string;
  /** With `resume`: the save to continue from (default: the newest that loads completely). */
  resumeFrom?: CheckpointKind;
}

/** The saved training state with every field present (older folders lack some). */
export type LoopState = Required<Omit<TrainingState, 'best'>>;
export type History = Required<Pick<TrainingHistory, 'runs' | 'steps' | 'evals'>>;

/** Input the trainer cannot use, found before any file is written; the message is one sentence. */
export class TrainingError extends Error {
  override name = 'TrainingError';
}

/** A model ready to train, new or resumed. */
export interface Prepared {
  name: string;
  network: Network;
  vocab: Vocabulary;
  config: TrainConfig;
  loop: LoopState;
  history: History;
  optimizer: Optimizer;
  carry: RecurrentState | null;
  /** The save a resumed run starts from. */
  resumedFrom: CheckpointKind | null;
}

function basename(dir: string): string {
  const parts = dir.replace(/[\\/]+$/, '').split(/[\\/]/);
  return parts[parts.length - 1] || 'model';
}

/** The fraction of tokens of `text` the vocabulary does not know, and a few examples. */
function unknownSymbols(vocab: Vocabulary, text: string): { fraction: number; examples: string[] } {
  const { ids, offsets } = vocab.encodeWithOffsets(text);
  const examples = new Set<string>();
  let unknown = 0;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] !== vocab.unk) continue;
    const piece = text.slice(offsets[i], offsets[i + 1]);
    if (piece === '<UNK>') continue;
    unknown++;
    if (examples.size < 5) examples.add(piece);
  }
  return { fraction: ids.length ? unknown / ids.length : 0, examples: [...examples] };
}

export function prepareNew(run: PrepareInput): Prepared {
  const saved = savedCheckpoints(run.modelDir);
  if (saved.length > 0) {
    // A fresh model would overwrite these saves, even when the root model.json is gone.
    const which = saved.map((k) => (k === 'root' ? 'model.json' : `checkpoints/${k}`)).join(', ');
    throw new TrainingError(`${run.modelDir} already holds a model (${which}); continue training it, or train the new one into another folder`);
  }
  const options = withLanguageModelDefaults(run.options);
  const config = resolveTrainConfig(options);
  if (config.steps === null && config.epochs === null && config.minutes === null) config.epochs = 1;
  if (!run.corpus && !run.text) throw new DataError('the text is empty');
  const vocab = run.corpus?.vocab ?? Vocabulary.build(run.text ?? '', { mode: config.tokens, minCount: config.minCount, maxVocab: config.maxVocab, charEos: config.charEos });
  const netConfig: NetworkConfig = resolveNetworkConfig(options, vocab.size, config.tokens);
  if (netConfig.bidirectional) {
    throw new ConfigError(
      'a bidirectional network reads each sequence backwards too, so it would see the very tokens it must predict; language models must be unidirectional',
    );
  }
  const network = Network.create(netConfig, config.seed);
  return {
    name: run.name ?? basename(run.modelDir),
    network,
    vocab,
    config,
    loop: {
      step: 0,
      epoch: 0,
      window: 0,
      rng: new Rng(config.seed + 1).state,
      bestValLoss: null,
      lastValLoss: null,
      lastTrainLoss: null,
      tokensSeen: 0,
      elapsedMs: 0,
      scheduleStart: 0,
      targetStep: null,
    },
    history: { runs: [], steps: [], evals: [] },
    optimizer: createOptimizer(config.optimizer, network.params, { momentum: config.momentum, weightDecay: config.weightDecay }),
    carry: null,
    resumedFrom: null,
  };
}

export function prepareResume(run: PrepareInput): Prepared {
  let folder;
  let resumedFrom: CheckpointKind;
  try {
    if (run.resumeFrom) {
      folder = loadModelFolder(run.modelDir, run.resumeFrom);
      resumedFrom = run.resumeFrom;
    } else {
      ({ folder, kind: resumedFrom } = loadNewestCheckpoint(run.modelDir));
    }
  } catch (err) {
    if (err instanceof ModelFormatError) throw new TrainingError(`cannot continue training: ${err.message}`);
    throw err;
  }
  const vocab = Vocabulary.fromJSON(folder.vocabulary);
  const unknown = run.corpus
    ? { fraction: run.corpus.unknown / Math.max(1, run.corpus.tokens.length), examples: run.corpus.unknownExamples }
    : unknownSymbols(vocab, run.text ?? '');
  const limit = vocab.mode === 'char' ? 0 : 0.1;
  if (unknown.fraction > limit) {
    throw new TrainingError(
      `cannot continue training on this text: ${(unknown.fraction * 100).toFixed(1)}% of it is outside the model's vocabulary (for example ${unknown.examples.map((e) => JSON.stringify(e)).join(', ')}); train a new model on it instead`,
    );
  }
  const network = Network.fromParams(folder.network, folder.params);
  const o = run.options;
  const overrides = resolveTrainConfig({ ...folder.train, ...o, steps: undefined, epochs: undefined, minutes: undefined });
  let config: TrainConfig = { ...folder.train, steps: o.steps ?? null, epochs: o.epochs ?? null, minutes: o.minutes ?? null };
  for (const key of RESUMABLE_KEYS) (config as unknown as Record<string, unknown>)[key] = overrides[key];
  const continuing = config.steps === null && config.epochs === null && config.minutes === null;
  if (continuing) {
    // No new budget: finish the interrupted one, on the same schedule.
    config = { ...config, steps: folder.train.steps, epochs: folder.train.epochs, minutes: folder.train.minutes };
  }
  const s = folder.state;
  if (continuing && s.targetStep !== undefined && s.targetStep !== null && s.step >= s.targetStep) {
    throw new TrainingError(`the model already finished its training at step ${s.step}; pass --steps, --epochs or --minutes to train it further`);
  }
  const h = folder.history;
  const optimizer = createOptimizer(config.optimizer, network.params, { momentum: config.momentum, weightDecay: config.weightDecay });
  if (folder.optimizer) optimizer.load(folder.optimizer.step, folder.optimizer.slots);
  return {
    name: run.name ?? folder.name,
    network,
    vocab,
    config,
    loop: {
      step: s.step,
      epoch: s.epoch,
      window: s.window ?? 0,
      rng: s.rng ?? new Rng(config.seed).state,
      bestValLoss: s.bestValLoss,
      lastValLoss: s.lastValLoss ?? null,
      lastTrainLoss: s.lastTrainLoss ?? null,
      tokensSeen: s.tokensSeen ?? 0,
      elapsedMs: s.elapsedMs ?? 0,
      scheduleStart: continuing ? (s.scheduleStart ?? 0) : s.step,
      targetStep: continuing ? (s.targetStep ?? null) : null,
    },
    history: { runs: h.runs ?? [], steps: h.steps ?? [], evals: h.evals ?? [] },
    optimizer,
    carry: folder.carry ? carryState(network, folder.carry) : null,
    resumedFrom,
  };
}

/** The stored carried state back as the network's state (copies; c is a for cells without a cell state). */
function carryState(network: Network, carry: CarryData): RecurrentState {
  const byName = new Map(carry.tensors.map((t) => [t.name, t.data]));
  const layers = Array.from({ length: network.config.layers }, (_, l) => {
    const a = byName.get(`layer${l}/a`)!.slice();
    return { a, c: network.config.cell === 'lstm' ? byName.get(`layer${l}/c`)!.slice() : a };
  });
  return { batch: carry.batch, layers };
}
