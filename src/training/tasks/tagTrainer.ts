// Training a many-to-many tagger (Tx = Ty) from a CoNLL-style file: a seeded sentence split, the
// file's own tokens as words with a learned embedding, a bidirectional encoder by default; the
// shared task loop (taskTrainer.ts) does the optimizing, evaluating (token accuracy, entity F1),
// saving and resuming.

import type { NetworkConfig } from '../../engine/config.js';
import { ConfigError, resolveNetworkConfig } from '../../engine/config.js';
import { padBatch } from '../../engine/heads/paddedBatch.js';
import { TaggerHead } from '../../engine/heads/taggerHead.js';
import type { Rng } from '../../engine/math.js';
import { Vocabulary } from '../../engine/tokenizer.js';
import type { LoadedFolder } from '../checkpoint.js';
import type { TrainConfig, TrainOptions } from '../config.js';
import { resolveTrainConfig } from '../config.js';
import { DEFAULT_CLASSIFY_EPOCHS, resumedConfig } from './classifyTrainer.js';
import { savedLabels } from './savedLabels.js';
import { stratifiedSplit } from './stratifiedSplit.js';
import type { TagData, TaggedSentence } from './tagReader.js';
import type { EncodedSentences } from './tagModel.js';
import { buildTagVocabulary, encodeSentences, evaluateTagIds, isBioTagSet } from './tagModel.js';
import type { TaskBatchResult, TaskDone, TaskLearner, TaskRun, TaskScore } from './taskTrainer.js';
import { trainTask } from './taskTrainer.js';
import { HeadLearner } from './headLearner.js';

export interface PreparedTag {
  config: TrainConfig;
  network: NetworkConfig;
  tags: string[];
  vocab: Vocabulary;
  train: EncodedSentences;
  validation: EncodedSentences;
}

/** A seeded split of the sentences (one class: a plain random share held out). */
function splitSentences(sentences: readonly TaggedSentence[], config: TrainConfig) {
  const split = stratifiedSplit(
    sentences.map(() => ''),
    { fraction: config.valFraction, seed: config.seed },
  );
  return { train: split.train.map((i) => sentences[i]), validation: split.validation.map((i) => sentences[i]) };
}

function tagConfig(options: TrainOptions): TrainConfig {
  if (options.tokens === 'char') throw new ConfigError('a tag file gives one tag per whitespace-separated token, so --tokens char does not apply to --task tag');
  const noBudget = options.steps === undefined && options.epochs === undefined && options.minutes === undefined;
  return resolveTrainConfig({ ...options, tokens: 'word', ...(noBudget ? { epochs: DEFAULT_CLASSIFY_EPOCHS } : {}) });
}

/** Resolves the options and encodes the split; throws before anything is written. */
export function prepareTag(data: TagData, options: TrainOptions): PreparedTag {
  const config = tagConfig(options);
  const split = splitSentences(data.sentences, config);
  const vocab = buildTagVocabulary(split.train, { minCount: options.minCount, maxVocab: options.maxVocab });
  const network = resolveNetworkConfig({ ...options, bidirectional: options.bidirectional ?? true }, vocab.size, 'word');
  return {
    config,
    network,
    tags: data.tags.slice(),
    vocab,
    train: encodeSentences(vocab, data.tags, split.train),
    validation: encodeSentences(vocab, data.tags, split.validation),
  };
}

/** The tag task as the shared loop sees it: padded batches of sentences, one tag per token. */
export class TagLearner extends HeadLearner<TaggerHead, PreparedTag> implements TaskLearner {
  readonly task = 'tag' as const;
  readonly headline: { name: string; higherIsBetter: boolean };
  private readonly bio: boolean;

  constructor(head: TaggerHead, p: PreparedTag) {
    super(head, p);
    this.bio = isBioTagSet(p.tags);
    // Entity F1 is what NER is judged by; plain tags (no spans) fall back to token accuracy.
    this.headline = { name: this.bio ? 'entityF1' : 'tokenAccuracy', higherIsBetter: true };
  }

  get trainCount(): number {
    return this.p.train.ids.length;
  }
  get validationCount(): number {
    return this.p.validation.ids.length;
  }
  get outputs(): number {
    return this.p.tags.length;
  }

  lossAndGrads(indices: readonly number[], rng: Rng): TaskBatchResult {
    const batch = padBatch(
      indices.map((i) => this.p.train.ids[i]),
      indices.map((i) => this.p.train.tagIds[i]),
    );
    const r = this.head.lossAndGrads(batch, rng);
    return { loss: r.loss, grads: r.grads, tokens: batch.lengths.reduce((s, l) => s + l, 0) };
  }

  evaluate(): TaskScore {
    const r = evaluateTagIds(this.head, this.p.tags, this.p.validation.ids, this.p.validation.tagIds);
    const metrics: Record<string, number> = { tokenAccuracy: r.tokenAccuracy };
    if (this.bio) Object.assign(metrics, { entityF1: r.entityF1, precision: r.precision, recall: r.recall });
    return { loss: r.loss, metrics };
  }

  folder() {
    return { vocabulary: this.p.vocab.toJSON(), labels: this.p.tags.slice() };
  }
}

/** Trains a new tagger from `p`; saves latest (= the root) and best as it goes. */
export function trainTagger(p: PreparedTag, run: TaskRun): Promise<TaskDone> {
  const head = TaggerHead.create(p.network, p.tags.length, p.config.seed);
  return trainTask(new TagLearner(head, p), p.config, run);
}

/**
 * Continues the tagger saved in `folder` on `data` (tags the model knows; its vocabulary and
 * network win; `options` may change only RESUMABLE_KEYS and the budget).
 */
export function resumeTagger(folder: LoadedFolder, data: TagData, options: TrainOptions, run: Omit<TaskRun, 'resumeFrom'>): { prepared: PreparedTag; done: Promise<TaskDone> } {
  const { meta } = folder;
  const tags = savedLabels(folder, 'tag', data.tags, 'tag');
  const config = resumedConfig(folder.train, options);
  const vocab = Vocabulary.fromJSON(meta.vocabulary);
  const split = splitSentences(data.sentences, config);
  const prepared: PreparedTag = {
    config,
    network: meta.network,
    tags,
    vocab,
    train: encodeSentences(vocab, tags, split.train),
    validation: encodeSentences(vocab, tags, split.validation),
  };
  const head = TaggerHead.fromParams(meta.network, tags.length, folder.params);
  return { prepared, done: trainTask(new TagLearner(head, prepared), config, { ...run, resumeFrom: folder }) };
}
