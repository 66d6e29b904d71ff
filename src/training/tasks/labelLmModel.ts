// A label-conditioned language model put to use: its char vocabulary with <EOS>, labelled lines as
// token ids, a saved folder loaded into a LabelLmHead, the loss per token, how often the label that
// explains a line best is its own, and a line sampled for a label.

import { ConfigError } from '../../engine/config.js';
import type { LabelSampleOptions } from '../../engine/heads/labelLmHead.js';
import { labelLmBatch, LabelLmHead, sampleFromLabel } from '../../engine/heads/labelLmHead.js';
import { Vocabulary } from '../../engine/tokenizer.js';
import { ModelFormatError, WEIGHTS_FILE } from '../../model/index.js';
import type { CheckpointKind, ModelMeta } from '../../model/index.js';
import { loadModelFolder } from '../checkpoint.js';
import type { ClassifyExample } from './classifyReader.js';

export interface EncodedLines {
  labelIds: number[];
  lines: Int32Array[];
}

export interface LabelLm {
  head: LabelLmHead;
  vocab: Vocabulary;
  labels: string[];
  meta: ModelMeta;
}

export interface LabelLmEvaluation {
  lines: number;
  /** Mean −log p per token (each line's <EOS> included) given its label, nats. */
  loss: number;
  perplexity: number;
  /** Share of lines whose own label gives them the highest probability of all labels. */
  labelAccuracy: number;
}

/** Lines per padded batch when scoring: the result does not depend on it (padding is masked). */
const SCORE_BATCH = 64;

/** One char vocabulary with <EOS> (what starts and ends every line). */
export function buildLineVocabulary(texts: readonly string[], options: { minCount?: number; maxVocab?: number } = {}): Vocabulary {
  return Vocabulary.build(texts.join('\n'), { mode: 'char', charEos: true, minCount: options.minCount ?? 1, maxVocab: options.maxVocab ?? 10000 });
}

/** Examples as label indexes (into `labels`) and token ids; a label outside `labels` is a ConfigError. */
export function encodeLines(vocab: Vocabulary, labels: readonly string[], examples: readonly ClassifyExample[]): EncodedLines {
  const labelIds = examples.map((e) => {
    const i = labels.indexOf(e.label);
    if (i < 0) throw new ConfigError(`line ${e.line} has label ${e.label}, which the model does not know (it knows ${labels.join(', ')})`);
    return i;
  });
  return { labelIds, lines: examples.map((e) => vocab.encode(e.text)) };
}

/** Σ −log p(line + <EOS> | label) of each line under label indexes `labelIds`. */
function lineLosses(head: LabelLmHead, vocab: Vocabulary, labelIds: readonly number[], lines: readonly Int32Array[]): Float64Array {
  const out = new Float64Array(lines.length);
  for (let i = 0; i < lines.length; i += SCORE_BATCH) {
    out.set(head.lineLosses(labelLmBatch(labelIds.slice(i, i + SCORE_BATCH), lines.slice(i, i + SCORE_BATCH), vocab.eos)), i);
  }
  return out;
}

export function evaluateLines(head: LabelLmHead, vocab: Vocabulary, encoded: EncodedLines): LabelLmEvaluation {
  const n = encoded.lines.length;
  const own = lineLosses(head, vocab, encoded.labelIds, encoded.lines);
  const tokens = encoded.lines.reduce((s, l) => s + l.length + 1, 0);
  const loss = n > 0 ? own.reduce((s, x) => s + x, 0) / tokens : NaN;
  // The line's own label must explain it strictly best: a model that ignores the label scores 0.
  const beaten = new Uint8Array(n);
  for (let k = 0; k < head.labelCount; k++) {
    const other = lineLosses(head, vocab, new Array<number>(n).fill(k), encoded.lines);
    for (let i = 0; i < n; i++) if (k !== encoded.labelIds[i] && other[i] <= own[i]) beaten[i] = 1;
  }
  const right = beaten.reduce((s, b) => s + (b ? 0 : 1), 0);
  return { lines: n, loss, perplexity: Math.exp(loss), labelAccuracy: n > 0 ? right / n : NaN };
}

/** Loads a label-lm model folder (the backend must be initialised). */
export function loadLabelLm(dir: string, checkpoint: CheckpointKind = 'root'): LabelLm {
  const folder = loadModelFolder(dir, checkpoint);
  const { meta } = folder;
  if (meta.task !== 'label-lm' || !meta.labels) throw new ModelFormatError(`${dir} is a ${meta.task} model, not a label-conditioned language model`);
  try {
    const vocab = Vocabulary.fromJSON(meta.vocabulary);
    if (vocab.eos < 0) throw new ConfigError('its vocabulary has no <EOS> token');
    return { head: LabelLmHead.fromParams(meta.network, meta.labels.length, folder.params), vocab, labels: meta.labels, meta };
  } catch (error) {
    if (error instanceof ConfigError) throw new ModelFormatError(`${folder.dir}/${WEIGHTS_FILE} does not fit the model config: ${error.message}`);
    throw error;
  }
}

/** The label's index, or one sentence naming the known labels. */
export function labelIndex(labels: readonly string[], label: string): number {
  const i = labels.indexOf(label);
  if (i < 0) throw new ConfigError(`the model knows no label ${JSON.stringify(label)}; its labels are ${labels.join(', ')}`);
  return i;
}

/** A line sampled for `label` (stopping at <EOS>, a newline or `length` tokens). */
export function sampleLine(m: Pick<LabelLm, 'head' | 'vocab' | 'labels'>, label: string, options: Omit<LabelSampleOptions, 'eos' | 'exclude' | 'newline'> = {}): string {
  const newline = m.vocab.tokens.indexOf('\n');
  const ids = sampleFromLabel(m.head, labelIndex(m.labels, label), { ...options, eos: m.vocab.eos, exclude: m.vocab.unk, newline });
  return m.vocab.decode(ids);
}
