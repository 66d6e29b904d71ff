// Training a many-to-one classifier from a classification file: a stratified validation split,
// word tokens and a learned embedding by default, a bidirectional encoder by default; the shared
// task loop (taskTrainer.ts) does the optimizing, evaluating (accuracy, macro-F1), saving and resuming.

import type { NetworkConfig } from '../../engine/config.js';
import { resolveNetworkConfig } from '../../engine/config.js';
import { ClassifierHead } from '../../engine/heads/classifierHead.js';
import { padBatch } from '../../engine/heads/paddedBatch.js';
import type { Rng } from '../../engine/math.js';
import { Vocabulary } from '../../engine/tokenizer.js';
import type { LoadedFolder } from '../checkpoint.js';
import type { TrainConfig, TrainOptions } from '../config.js';
import { BUDGET_KEYS, RESUMABLE_KEYS, resolveTrainConfig } from '../config.js';
import type { EncodedExamples } from './classifyEncoding.js';
import { buildClassifyVocabulary, encodeExamples } from './classifyEncoding.js';
import type { ClassifyData } from './classifyReader.js';
import type { ClassifierEvaluation } from './classifyModel.js';
import { evaluateIds } from './classifyModel.js';
import { savedLabels } from './savedLabels.js';
import { stratifiedSplit } from './stratifiedSplit.js';
import type { TaskBatchResult, TaskDone, TaskLearner, TaskRun, TaskScore } from './taskTrainer.js';
import { trainTask } from './taskTrainer.js';
import { HeadLearner } from './headLearner.js';

/** Passes over the training examples when no budget is given. */
export const DEFAULT_CLASSIFY_EPOCHS = 10;

export interface PreparedClassify {
  config: TrainConfig;
  network: NetworkConfig;
  labels: string[];
  vocab: Vocabulary;
  train: EncodedExamples;
  validation: EncodedExamples;
}

/** Resolves the options and encodes the split; throws before anything is written. */
export function prepareClassify(data: ClassifyData, options: TrainOptions): PreparedClassify {
  const noBudget = options.steps === undefined && options.epochs === undefined && options.minutes === undefined;
  const config = resolveTrainConfig({ tokens: 'word', ...options, ...(noBudget ? { epochs: DEFAULT_CLASSIFY_EPOCHS } : {}) });
  const split = stratifiedSplit(
    data.examples.map((e) => e.label),
    { fraction: config.valFraction, seed: config.seed },
  );
  const trainExamples = split.train.map((i) => data.examples[i]);
  const vocab = buildClassifyVocabulary(
    trainExamples.map((e) => e.text),
    { tokens: config.tokens, minCount: config.minCount, maxVocab: config.maxVocab },
  );
  const network = resolveNetworkConfig({ ...options, bidirectional: options.bidirectional ?? true }, vocab.size, config.tokens);
  return {
    config,
    network,
    labels: data.labels,
    vocab,
    train: encodeExamples(vocab, data.labels, trainExamples),
    validation: encodeExamples(
      vocab,
      data.labels,
      split.validation.map((i) => data.examples[i]),
    ),
  };
}

/** The classify task as the shared loop sees it: padded batches of lines, one label each. */
export class ClassifyLearner extends HeadLearner<ClassifierHead, PreparedClassify> implements TaskLearner {
  readonly task = 'classify' as const;
  readonly headline = { name: 'accuracy', higherIsBetter: true };

  get trainCount(): number {
    return this.p.train.ids.length;
  }
  get validationCount(): number {
    return this.p.validation.ids.length;
  }
  get outputs(): number {
    return this.p.labels.length;
  }

  lossAndGrads(indices: readonly number[], rng: Rng): TaskBatchResult {
    const batch = padBatch(indices.map((i) => this.p.train.ids[i]));
    const r = this.head.lossAndGrads(batch, Int32Array.from(indices, (i) => this.p.train.labelIds[i]), rng);
    return { loss: r.loss, grads: r.grads, tokens: batch.lengths.reduce((s, l) => s + l, 0) };
  }

  evaluate(): TaskScore {
    const r: ClassifierEvaluation = evaluateIds(this.head, this.p.labels, this.p.validation.ids, this.p.validation.labelIds);
    return { loss: r.loss, metrics: { accuracy: r.accuracy, macroF1: r.macroF1 }, confusion: r.confusion };
  }

  folder() {
    return { vocabulary: this.p.vocab.toJSON(), labels: this.p.labels.slice() };
  }
}

/** Trains a new classifier from `p`; saves latest (= the root) and best as it goes. */
export function trainClassifier(p: PreparedClassify, run: TaskRun): Promise<TaskDone> {
  const head = ClassifierHead.create(p.network, p.labels.length, p.config.seed);
  return trainTask(new ClassifyLearner(head, p), p.config, run);
}

/**
 * Continues the classifier saved in `folder` on `data` (the same labels; its vocabulary and
 * network win; `options` may change only RESUMABLE_KEYS and the budget).
 */
export function resumeClassifier(folder: LoadedFolder, data: ClassifyData, options: TrainOptions, run: Omit<TaskRun, 'resumeFrom'>): { prepared: PreparedClassify; done: Promise<TaskDone> } {
  const { meta } = folder;
  const labels = savedLabels(folder, 'classify', data.labels, 'label');
  const config = resumedConfig(folder.train, options);
  const vocab = Vocabulary.fromJSON(meta.vocabulary);
  const split = stratifiedSplit(
    data.examples.map((e) => e.label),
    { fraction: config.valFraction, seed: config.seed },
  );
  const pick = (idx: number[]) => encodeExamples(vocab, labels, idx.map((i) => data.examples[i]));
  const prepared: PreparedClassify = { config, network: meta.network, labels, vocab, train: pick(split.train), validation: pick(split.validation) };
  const head = ClassifierHead.fromParams(meta.network, labels.length, folder.params);
  return { prepared, done: trainTask(new ClassifyLearner(head, prepared), config, { ...run, resumeFrom: folder }) };
}

/** The saved run's configuration, with the resumable keys, the budget and the backend from `options`. */
export function resumedConfig(saved: TrainConfig, options: TrainOptions): TrainConfig {
  const config: TrainConfig = { ...saved, steps: null, epochs: null, minutes: null };
  const given = resolveTrainConfig({ ...options, tokens: saved.tokens });
  for (const key of RESUMABLE_KEYS) if (options[key as keyof TrainOptions] !== undefined) (config as unknown as Record<string, unknown>)[key] = given[key];
  for (const key of [...BUDGET_KEYS, 'backend'] as const) if (options[key] !== undefined) (config as unknown as Record<string, unknown>)[key] = given[key];
  if (config.steps === null && config.epochs === null && config.minutes === null) config.epochs = DEFAULT_CLASSIFY_EPOCHS;
  return config;
}
