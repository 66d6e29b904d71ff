// A seq2seq model put to use: its shared char vocabulary with <EOS>, pairs as token ids, a saved
// folder loaded into a Seq2seqHead, outputs by greedy or beam decoding, and exact match and CER.

import { ConfigError } from '../../engine/config.js';
import type { Seq2seqHead } from '../../engine/heads/seq2seqHead.js';
import { seq2seqBatch, Seq2seqHead as Head } from '../../engine/heads/seq2seqHead.js';
import type { TransduceOptions } from '../../engine/transduce.js';
import { transduce } from '../../engine/transduce.js';
import { Vocabulary } from '../../engine/tokenizer.js';
import { ModelFormatError, WEIGHTS_FILE } from '../../model/index.js';
import type { CheckpointKind, ModelMeta } from '../../model/index.js';
import { loadModelFolder } from '../checkpoint.js';
import type { TransductionMetrics } from './metrics.js';
import { transductionMetrics } from './metrics.js';
import type { SequencePair } from './pairReader.js';

export interface EncodedPairs {
  sources: Int32Array[];
  targets: Int32Array[];
}

export interface Transducer {
  head: Seq2seqHead;
  vocab: Vocabulary;
  meta: ModelMeta;
}

export interface TransducerEvaluation extends TransductionMetrics {
  pairs: number;
  /** Mean cross-entropy per target token (its <EOS> included) under teacher forcing, nats. */
  loss: number;
  /** The beam width the outputs were decoded with (1: greedy). */
  beam: number;
}

/** Pairs per padded batch when scoring: the result does not depend on it (padding is masked). */
const SCORE_BATCH = 64;

/** One char vocabulary for both sides, with <EOS> (the decoder's start and end token). */
export function buildPairVocabulary(pairs: readonly SequencePair[], options: { minCount?: number; maxVocab?: number } = {}): Vocabulary {
  const text = pairs.map((p) => `${p.source}\n${p.target}`).join('\n');
  return Vocabulary.build(text, { mode: 'char', charEos: true, minCount: options.minCount ?? 1, maxVocab: options.maxVocab ?? 10000 });
}

export function encodePairs(vocab: Vocabulary, pairs: readonly SequencePair[]): EncodedPairs {
  return { sources: pairs.map((p) => vocab.encode(p.source)), targets: pairs.map((p) => vocab.encode(p.target)) };
}

/** <EOS> starts and ends every output. */
export function decodeOptions(vocab: Vocabulary): TransduceOptions {
  if (vocab.eos < 0) throw new ConfigError('a seq2seq vocabulary needs an <EOS> token');
  return { start: vocab.eos, end: vocab.eos };
}

/** Loads a seq2seq model folder (the backend must be initialised). */
export function loadTransducer(dir: string, checkpoint: CheckpointKind = 'root'): Transducer {
  const folder = loadModelFolder(dir, checkpoint);
  const { meta } = folder;
  if (meta.task !== 'seq2seq') throw new ModelFormatError(`${dir} is a ${meta.task} model, not a seq2seq model`);
  try {
    const vocab = Vocabulary.fromJSON(meta.vocabulary);
    decodeOptions(vocab);
    return { head: Head.fromParams(meta.network, folder.params, { attention: meta.attention ?? 'none' }), vocab, meta };
  } catch (error) {
    if (error instanceof ConfigError) throw new ModelFormatError(`${folder.dir}/${WEIGHTS_FILE} does not fit the model config: ${error.message}`);
    throw error;
  }
}

/** The output text of each source text. */
export function transduceTexts(t: Pick<Transducer, 'head' | 'vocab'>, texts: readonly string[], beam = 1): string[] {
  const outputs = transduce(t.head, texts.map((s) => t.vocab.encode(s)), beam, decodeOptions(t.vocab));
  return outputs.map((o) => t.vocab.decode(o.ids));
}

/** Mean teacher-forced loss per target token over encoded pairs. */
export function pairLoss(head: Seq2seqHead, vocab: Vocabulary, encoded: EncodedPairs): number {
  let total = 0;
  let tokens = 0;
  for (let i = 0; i < encoded.sources.length; i += SCORE_BATCH) {
    const targets = encoded.targets.slice(i, i + SCORE_BATCH);
    const losses = head.pairLosses(seq2seqBatch(encoded.sources.slice(i, i + SCORE_BATCH), targets, vocab.eos, vocab.eos));
    losses.forEach((l) => (total += l));
    targets.forEach((t) => (tokens += t.length + 1));
  }
  return tokens > 0 ? total / tokens : NaN;
}

/** Exact match and CER of the model's outputs against the pairs' targets (as written: a char the vocabulary lacks counts as an error), and the loss. */
export function evaluatePairs(head: Seq2seqHead, vocab: Vocabulary, pairs: readonly SequencePair[], beam = 1, encoded = encodePairs(vocab, pairs)): TransducerEvaluation {
  const outputs = transduce(head, encoded.sources, beam, decodeOptions(vocab)).map((o) => vocab.decode(o.ids));
  const references = pairs.map((p) => p.target);
  return { pairs: encoded.sources.length, loss: pairLoss(head, vocab, encoded), beam, ...transductionMetrics(references, outputs) };
}
