// Training a seq2seq (many-to-many, Tx ≠ Ty) model from a source<TAB>target file: a seeded
// validation split, one char vocabulary for both sides with <EOS>, a bidirectional encoder by
// default; the shared task loop (taskTrainer.ts) optimizes, evaluates (exact match and CER of
// greedy outputs), saves and resumes.

import type { AttentionKind, NetworkConfig } from '../../engine/config.js';
import { ATTENTION_KINDS, ConfigError, resolveNetworkConfig } from '../../engine/config.js';
import { seq2seqBatch, Seq2seqHead } from '../../engine/heads/seq2seqHead.js';
import { Rng } from '../../engine/math.js';
import { Vocabulary } from '../../engine/tokenizer.js';
import type { LoadedFolder } from '../checkpoint.js';
import type { TrainConfig, TrainOptions } from '../config.js';
import { resolveTrainConfig } from '../config.js';
import { resumedConfig } from './classifyTrainer.js';
import type { PairData, SequencePair } from './pairReader.js';
import type { EncodedPairs } from './seq2seqModel.js';
import { buildPairVocabulary, encodePairs, evaluatePairs } from './seq2seqModel.js';
import type { TaskBatchResult, TaskDone, TaskLearner, TaskRun, TaskScore } from './taskTrainer.js';
import { shuffled, trainTask } from './taskTrainer.js';
import { HeadLearner } from './headLearner.js';

/** Passes over the training pairs when no budget is given. */
export const DEFAULT_SEQ2SEQ_EPOCHS = 20;

/** The decoder's attention when none is asked for (measured: see the CHANGELOG and the README's seq2seq example). */
export const DEFAULT_SEQ2SEQ_ATTENTION: AttentionKind = 'luong';

/** Training options of a seq2seq model: the shared ones and the decoder's attention. */
export interface Seq2seqTrainOptions extends TrainOptions {
  attention?: AttentionKind;
}

export interface PreparedSeq2seq {
  config: TrainConfig;
  network: NetworkConfig;
  attention: AttentionKind;
  vocab: Vocabulary;
  train: EncodedPairs;
  validation: EncodedPairs;
  validationPairs: SequencePair[];
}

/** A seeded split: `fraction` of the pairs (at least one) held out, the rest for training. */
export function splitPairs(pairs: readonly SequencePair[], fraction: number, seed: number): { train: SequencePair[]; validation: SequencePair[] } {
  const order = shuffled(
    pairs.map((_, i) => i),
    new Rng(seed + 1),
  );
  const held = pairs.length < 2 ? 0 : Math.max(1, Math.round(pairs.length * fraction));
  const validation = new Set(order.slice(0, held));
  return { train: pairs.filter((_, i) => !validation.has(i)), validation: pairs.filter((_, i) => validation.has(i)) };
}

function prepared(config: TrainConfig, network: NetworkConfig, attention: AttentionKind, vocab: Vocabulary, data: PairData): PreparedSeq2seq {
  const split = splitPairs(data.pairs, config.valFraction, config.seed);
  return { config, network, attention, vocab, train: encodePairs(vocab, split.train), validation: encodePairs(vocab, split.validation), validationPairs: split.validation };
}

/** Resolves the options and encodes the split; throws before anything is written. */
export function prepareSeq2seq(data: PairData, options: Seq2seqTrainOptions): PreparedSeq2seq {
  if (options.tokens === 'word') throw new ConfigError('a seq2seq model reads and writes characters: leave out --tokens word');
  const noBudget = options.steps === undefined && options.epochs === undefined && options.minutes === undefined;
  const config = resolveTrainConfig({ ...options, tokens: 'char', ...(noBudget ? { epochs: DEFAULT_SEQ2SEQ_EPOCHS } : {}) });
  const split = splitPairs(data.pairs, config.valFraction, config.seed);
  const vocab = buildPairVocabulary(split.train, { minCount: config.minCount, maxVocab: config.maxVocab });
  // No dropout unless asked: an output is wrong when one token is, and the sets are small.
  const network = resolveNetworkConfig({ ...options, bidirectional: options.bidirectional ?? true, dropout: options.dropout ?? 0 }, vocab.size, 'char');
  const attention = options.attention ?? DEFAULT_SEQ2SEQ_ATTENTION;
  if (!ATTENTION_KINDS.includes(attention)) throw new ConfigError(`attention must be none or luong, got ${String(attention)}`);
  return prepared(config, network, attention, vocab, data);
}

/** The seq2seq task as the shared loop sees it: padded batches of pairs, loss per target token. */
export class Seq2seqLearner extends HeadLearner<Seq2seqHead, PreparedSeq2seq> implements TaskLearner {
  readonly task = 'seq2seq' as const;
  readonly headline = { name: 'exactMatch', higherIsBetter: true };

  get trainCount(): number {
    return this.p.train.sources.length;
  }
  get validationCount(): number {
    return this.p.validation.sources.length;
  }
  get outputs(): number {
    return this.p.vocab.size;
  }

  lossAndGrads(indices: readonly number[], rng: Rng): TaskBatchResult {
    const { sources, targets } = this.p.train;
    const eos = this.p.vocab.eos;
    const batch = seq2seqBatch(
      indices.map((i) => sources[i]),
      indices.map((i) => targets[i]),
      eos,
      eos,
    );
    const r = this.head.lossAndGrads(batch, rng);
    const tokens = indices.reduce((s, i) => s + sources[i].length + targets[i].length + 1, 0);
    return { loss: r.loss, grads: r.grads, tokens };
  }

  evaluate(): TaskScore {
    const r = evaluatePairs(this.head, this.p.vocab, this.p.validationPairs, 1, this.p.validation);
    return { loss: r.loss, metrics: { exactMatch: r.exactMatch, cer: r.cer } };
  }

  folder() {
    return { vocabulary: this.p.vocab.toJSON(), attention: this.p.attention };
  }
}

/** Trains a new seq2seq model from `p`; saves latest (= the root) and best as it goes. */
export function trainSeq2seq(p: PreparedSeq2seq, run: TaskRun): Promise<TaskDone> {
  const head = Seq2seqHead.create(p.network, p.config.seed, { attention: p.attention });
  return trainTask(new Seq2seqLearner(head, p), p.config, run);
}

/** Continues the seq2seq model saved in `folder` on `data` (its vocabulary and network win). */
export function resumeSeq2seq(folder: LoadedFolder, data: PairData, options: Seq2seqTrainOptions, run: Omit<TaskRun, 'resumeFrom'>): { prepared: PreparedSeq2seq; done: Promise<TaskDone> } {
  const { meta } = folder;
  if (meta.task !== 'seq2seq') throw new ConfigError(`${folder.dir} is a ${meta.task} model, not a seq2seq model`);
  const attention = meta.attention ?? 'none';
  if (options.attention !== undefined && options.attention !== attention) {
    throw new ConfigError(`${folder.dir} decodes with attention ${attention}; a resumed model keeps it, so leave out --attention ${options.attention}`);
  }
  const config = resumedConfig(folder.train, options);
  const p = prepared(config, meta.network, attention, Vocabulary.fromJSON(meta.vocabulary), data);
  const head = Seq2seqHead.fromParams(meta.network, folder.params, { attention });
  return { prepared: p, done: trainTask(new Seq2seqLearner(head, p), config, { ...run, resumeFrom: folder }) };
}
