// A tag model (many-to-many, Tx = Ty) put to use: its vocabulary over the file's own tokens,
// sentences encoded to token and tag ids, a saved folder loaded into a TaggerHead, the tag
// probabilities of each token (padded batches) and the metrics on tagged sentences.

import { ConfigError } from '../../engine/config.js';
import { padBatch } from '../../engine/heads/paddedBatch.js';
import { TaggerHead } from '../../engine/heads/taggerHead.js';
import { Vocabulary } from '../../engine/tokenizer.js';
import { ModelFormatError, WEIGHTS_FILE } from '../../model/index.js';
import type { CheckpointKind, ModelMeta } from '../../model/index.js';
import { loadModelFolder } from '../checkpoint.js';
import { argmax } from './classifyModel.js';
import type { EntityMetrics } from './metrics.js';
import { entityMetrics, tokenAccuracy } from './metrics.js';
import type { TaggedSentence } from './tagReader.js';

export interface Tagger {
  head: TaggerHead;
  vocab: Vocabulary;
  tags: string[];
  meta: ModelMeta;
}

export interface EncodedSentences {
  ids: Int32Array[];
  tagIds: Int32Array[];
}

export interface TagEvaluation extends EntityMetrics {
  sentences: number;
  tokens: number;
  /** Mean cross-entropy of the true tags per token, nats. */
  loss: number;
  tokenAccuracy: number;
}

/** A token of a text and where it is (UTF-16 offsets, end exclusive). */
export interface TextToken {
  token: string;
  start: number;
  end: number;
}

export interface TokenTag extends TextToken {
  tag: string;
  /** The model's probability of `tag`. */
  probability: number;
  /** Every tag's probability, in the model's tag order. */
  probabilities: number[];
}

/** Sentences per padded batch at inference: the result does not depend on it (padding is masked). */
const INFERENCE_BATCH = 64;

/** Tags that make entity metrics apply: O, B-X and I-X. */
export const isBioTagSet = (tags: readonly string[]): boolean => tags.some((t) => /^[BI]-./.test(t));

/** The tag file's tokens as they are (whitespace-separated): each one a vocabulary entry. */
export function buildTagVocabulary(sentences: readonly TaggedSentence[], options: { minCount?: number; maxVocab?: number } = {}): Vocabulary {
  const counts = new Map<string, number>();
  for (const s of sentences) for (const t of s.tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  // minCount 2 by default so that <UNK> is seen in training, as unseen tokens will be at prediction.
  return Vocabulary.fromCounts(counts, { mode: 'word', minCount: options.minCount ?? 2, maxVocab: options.maxVocab ?? 10000 });
}

export function encodeTokens(vocab: Vocabulary, tokens: readonly string[]): Int32Array {
  return Int32Array.from(tokens, (t) => vocab.id(t));
}

/** Token and tag ids; a tag the model does not know throws a RangeError naming its line. */
export function encodeSentences(vocab: Vocabulary, tags: readonly string[], sentences: readonly TaggedSentence[]): EncodedSentences {
  const index = new Map(tags.map((t, i) => [t, i]));
  return {
    ids: sentences.map((s) => encodeTokens(vocab, s.tokens)),
    tagIds: sentences.map((s) =>
      Int32Array.from(s.tags, (tag, i) => {
        const k = index.get(tag);
        if (k === undefined) throw new RangeError(`line ${s.lines[i]}: the tag "${tag}" is not one of the model's tags`);
        return k;
      }),
    ),
  };
}

/** The whitespace-separated tokens of a text with their offsets, as a tag file's tokens are. */
export function splitTokens(text: string): TextToken[] {
  return [...text.matchAll(/\S+/g)].map((m) => ({ token: m[0], start: m.index, end: m.index + m[0].length }));
}

/** Loads a tag model folder (the backend must be initialised). */
export function loadTagger(dir: string, checkpoint: CheckpointKind = 'root'): Tagger {
  const folder = loadModelFolder(dir, checkpoint);
  const { meta } = folder;
  if (meta.task !== 'tag' || !meta.labels) throw new ModelFormatError(`${dir} is a ${meta.task} model, not a tag model`);
  try {
    const head = TaggerHead.fromParams(meta.network, meta.labels.length, folder.params);
    return { head, vocab: Vocabulary.fromJSON(meta.vocabulary), tags: meta.labels, meta };
  } catch (error) {
    if (error instanceof ConfigError) throw new ModelFormatError(`${folder.dir}/${WEIGHTS_FILE} does not fit the model config: ${error.message}`);
    throw error;
  }
}

/** Tag probabilities of every token of each sequence (each at least one token): result[s][t]. */
export function tagProbabilities(head: TaggerHead, ids: readonly Int32Array[]): Float64Array[][] {
  const out: Float64Array[][] = [];
  for (let i = 0; i < ids.length; i += INFERENCE_BATCH) out.push(...head.probabilities(padBatch(ids.slice(i, i + INFERENCE_BATCH))));
  return out;
}

/** Each token of `text` with its most likely tag; an empty text gives no tokens. */
export function tagText(tagger: Tagger, text: string): TokenTag[] {
  const tokens = splitTokens(text);
  if (tokens.length === 0) return [];
  const [probs] = tagProbabilities(
    tagger.head,
    [encodeTokens(
      tagger.vocab,
      tokens.map((t) => t.token),
    )],
  );
  return tokens.map((t, i) => {
    const k = argmax(probs[i]);
    return { ...t, tag: tagger.tags[k], probability: probs[i][k], probabilities: Array.from(probs[i]) };
  });
}

/** Token accuracy, entity precision/recall/F1 (conlleval) and loss of token ids against tag ids. */
export function evaluateTagIds(head: TaggerHead, tags: readonly string[], ids: readonly Int32Array[], tagIds: readonly Int32Array[]): TagEvaluation {
  const probabilities = tagProbabilities(head, ids);
  let loss = 0;
  let tokens = 0;
  const truth: string[][] = [];
  const predicted: string[][] = [];
  probabilities.forEach((sentence, s) => {
    truth.push(Array.from(tagIds[s], (k) => tags[k]));
    predicted.push(
      sentence.map((p, t) => {
        loss -= Math.log(Math.max(p[tagIds[s][t]], 1e-300));
        tokens++;
        return tags[argmax(p)];
      }),
    );
  });
  return { sentences: ids.length, tokens, loss: loss / Math.max(1, tokens), tokenAccuracy: tokenAccuracy(truth, predicted), ...entityMetrics(truth, predicted) };
}

/** The model's metrics on tagged sentences; `file` names the file when a tag is unknown. */
export function evaluateSentences(tagger: Tagger, sentences: readonly TaggedSentence[], file: string): TagEvaluation {
  let encoded;
  try {
    encoded = encodeSentences(tagger.vocab, tagger.tags, sentences);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new RangeError(`${file}:${error.message.replace(/^line /, '')} (${tagger.tags.join(', ')})`, { cause: error });
  }
  return evaluateTagIds(tagger.head, tagger.tags, encoded.ids, encoded.tagIds);
}
