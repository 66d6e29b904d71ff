// Training a label-conditioned language model (one-to-many) from label<TAB>text lines: a
// stratified validation split, a char vocabulary with <EOS>, a forward-only network whose state
// starts from the label; the shared task loop (taskTrainer.ts) optimizes, evaluates (perplexity
// and label accuracy), saves and resumes.

import type { NetworkConfig } from '../../engine/config.js';
import { ConfigError, resolveNetworkConfig } from '../../engine/config.js';
import { labelLmBatch, LabelLmHead } from '../../engine/heads/labelLmHead.js';
import type { Rng } from '../../engine/math.js';
import { Vocabulary } from '../../engine/tokenizer.js';
import type { LoadedFolder } from '../checkpoint.js';
import type { TrainConfig, TrainOptions } from '../config.js';
import { resolveTrainConfig } from '../config.js';
import { resumedConfig } from './classifyTrainer.js';
import type { ClassifyData } from './classifyReader.js';
import type { EncodedLines } from './labelLmModel.js';
import { buildLineVocabulary, encodeLines, evaluateLines, sampleLine } from './labelLmModel.js';
import { savedLabels } from './savedLabels.js';
import { stratifiedSplit } from './stratifiedSplit.js';
import type { TaskBatchResult, TaskDone, TaskLearner, TaskRun, TaskSample, TaskScore } from './taskTrainer.js';
import { trainTask } from './taskTrainer.js';
import { HeadLearner } from './headLearner.js';

/** Labels a sample round writes a line for (more labels take turns over the rounds). */
const SAMPLED_LABELS = 8;

/** Passes over the training lines when no budget is given. */
export const DEFAULT_LABEL_LM_EPOCHS = 20;

export interface PreparedLabelLm {
  config: TrainConfig;
  network: NetworkConfig;
  labels: string[];
  vocab: Vocabulary;
  train: EncodedLines;
  validation: EncodedLines;
}

function split(data: ClassifyData, config: TrainConfig) {
  const s = stratifiedSplit(
    data.examples.map((e) => e.label),
    { fraction: config.valFraction, seed: config.seed },
  );
  return { train: s.train.map((i) => data.examples[i]), validation: s.validation.map((i) => data.examples[i]) };
}

/** Resolves the options and encodes the split; throws before anything is written. */
export function prepareLabelLm(data: ClassifyData, options: TrainOptions): PreparedLabelLm {
  if (options.tokens === 'word') throw new ConfigError('a label-conditioned language model writes characters: leave out --tokens word');
  if (options.bidirectional) throw new ConfigError('a label-conditioned language model reads forwards only: leave out --bidirectional');
  const noBudget = options.steps === undefined && options.epochs === undefined && options.minutes === undefined;
  const config = resolveTrainConfig({ ...options, tokens: 'char', ...(noBudget ? { epochs: DEFAULT_LABEL_LM_EPOCHS } : {}) });
  const parts = split(data, config);
  const vocab = buildLineVocabulary(
    parts.train.map((e) => e.text),
    { minCount: config.minCount, maxVocab: config.maxVocab },
  );
  const network = resolveNetworkConfig({ ...options, bidirectional: false, dropout: options.dropout ?? 0 }, vocab.size, 'char');
  return { config, network, labels: data.labels, vocab, train: encodeLines(vocab, data.labels, parts.train), validation: encodeLines(vocab, data.labels, parts.validation) };
}

/** The label-lm task as the shared loop sees it: padded batches of labelled lines, loss per token. */
export class LabelLmLearner extends HeadLearner<LabelLmHead, PreparedLabelLm> implements TaskLearner {
  readonly task = 'label-lm' as const;
  readonly headline = { name: 'perplexity', higherIsBetter: false };

  get trainCount(): number {
    return this.p.train.lines.length;
  }
  get validationCount(): number {
    return this.p.validation.lines.length;
  }
  get outputs(): number {
    return this.p.vocab.size;
  }

  lossAndGrads(indices: readonly number[], rng: Rng): TaskBatchResult {
    const { labelIds, lines } = this.p.train;
    const batch = labelLmBatch(
      indices.map((i) => labelIds[i]),
      indices.map((i) => lines[i]),
      this.p.vocab.eos,
    );
    const r = this.head.lossAndGrads(batch, rng);
    return { loss: r.loss, grads: r.grads, tokens: indices.reduce((s, i) => s + lines[i].length + 1, 0) };
  }

  evaluate(): TaskScore {
    const r = evaluateLines(this.head, this.p.vocab, this.p.validation);
    return { loss: r.loss, metrics: { perplexity: r.perplexity, labelAccuracy: r.labelAccuracy } };
  }

  folder() {
    return { vocabulary: this.p.vocab.toJSON(), labels: this.p.labels.slice() };
  }

  /** A line for each label, or for SAMPLED_LABELS of them in turn when there are more. */
  sample(options: { temperature: number; length: number; seed: number; round: number }): TaskSample[] {
    const { labels } = this.p;
    const n = Math.min(labels.length, SAMPLED_LABELS);
    return Array.from({ length: n }, (_, i) => {
      const label = labels[(options.round * n + i) % labels.length];
      return { label, text: sampleLine({ head: this.head, vocab: this.p.vocab, labels }, label, { length: options.length, temperature: options.temperature, seed: options.seed + i }) };
    });
  }
}

export function trainLabelLm(p: PreparedLabelLm, run: TaskRun): Promise<TaskDone> {
  const head = LabelLmHead.create(p.network, p.labels.length, p.config.seed);
  return trainTask(new LabelLmLearner(head, p), p.config, run);
}

/** Continues the model saved in `folder` on `data` (the same labels; its vocabulary and network win). */
export function resumeLabelLm(folder: LoadedFolder, data: ClassifyData, options: TrainOptions, run: Omit<TaskRun, 'resumeFrom'>): { prepared: PreparedLabelLm; done: Promise<TaskDone> } {
  const { meta } = folder;
  const labels = savedLabels(folder, 'label-lm', data.labels, 'label');
  const config = resumedConfig(folder.train, options);
  const vocab = Vocabulary.fromJSON(meta.vocabulary);
  const parts = split(data, config);
  const prepared: PreparedLabelLm = { config, network: meta.network, labels, vocab, train: encodeLines(vocab, labels, parts.train), validation: encodeLines(vocab, labels, parts.validation) };
  const head = LabelLmHead.fromParams(meta.network, labels.length, folder.params);
  return { prepared, done: trainTask(new LabelLmLearner(head, prepared), config, { ...run, resumeFrom: folder }) };
}
