// Token ids and label ids of classification examples: word tokens by default (a learned
// embedding reads them), symbols outside the vocabulary become <UNK>.

import type { TokenMode } from '../../engine/config.js';
import { Vocabulary } from '../../engine/tokenizer.js';
import type { ClassifyExample } from './classifyReader.js';

export interface ClassifyVocabularyOptions {
  /** Default `word`. */
  tokens?: TokenMode;
  /** Tokens seen fewer times become <UNK>. Default 2 for words (so <UNK> is seen in training), 1 for chars. */
  minCount?: number;
  /** Default 10000. */
  maxVocab?: number;
}

export interface EncodedExamples {
  /** Token ids of each example's text. */
  ids: Int32Array[];
  /** Index into `labels` of each example. */
  labelIds: Int32Array;
}

/** The vocabulary of the training texts. */
export function buildClassifyVocabulary(texts: readonly string[], options: ClassifyVocabularyOptions = {}): Vocabulary {
  const mode = options.tokens ?? 'word';
  // One text per line: the newline between them is never encoded, so it adds no token.
  return Vocabulary.build(texts.join('\n'), {
    mode,
    minCount: options.minCount ?? (mode === 'word' ? 2 : 1),
    maxVocab: options.maxVocab ?? 10000,
  });
}

export function encodeExamples(vocabulary: Vocabulary, labels: readonly string[], examples: readonly ClassifyExample[]): EncodedExamples {
  const index = new Map(labels.map((l, i) => [l, i]));
  const labelIds = new Int32Array(examples.length);
  const ids = examples.map((e, i) => {
    const k = index.get(e.label);
    if (k === undefined) throw new RangeError(`line ${e.line}: the label "${e.label}" is not one of the model's labels`);
    labelIds[i] = k;
    return vocabulary.encode(e.text);
  });
  return { ids, labelIds };
}
