// A saved classify model put to use: loaded into a ClassifierHead, its class probabilities for
// texts (read in padded batches), and its metrics on labelled examples.

import { ConfigError } from '../../engine/config.js';
import { ClassifierHead } from '../../engine/heads/classifierHead.js';
import { padBatch } from '../../engine/heads/paddedBatch.js';
import { Vocabulary } from '../../engine/tokenizer.js';
import { ModelFormatError, WEIGHTS_FILE } from '../../model/index.js';
import type { CheckpointKind, ModelMeta } from '../../model/index.js';
import { loadModelFolder } from '../checkpoint.js';
import { encodeExamples } from './classifyEncoding.js';
import type { ClassifyExample } from './classifyReader.js';
import type { ClassificationMetrics } from './metrics.js';
import { classificationMetrics } from './metrics.js';

export interface Classifier {
  head: ClassifierHead;
  vocab: Vocabulary;
  labels: string[];
  meta: ModelMeta;
}

export interface ClassifierEvaluation extends ClassificationMetrics {
  examples: number;
  /** Mean cross-entropy of the true labels, nats. */
  loss: number;
}

/** Lines per padded batch at inference: the result does not depend on it (padding is masked). */
const INFERENCE_BATCH = 64;

/** Loads a classify model folder (the backend must be initialised). */
export function loadClassifier(dir: string, checkpoint: CheckpointKind = 'root'): Classifier {
  const folder = loadModelFolder(dir, checkpoint);
  const { meta } = folder;
  if (meta.task !== 'classify' || !meta.labels) throw new ModelFormatError(`${dir} is a ${meta.task} model, not a classify model`);
  try {
    const head = ClassifierHead.fromParams(meta.network, meta.labels.length, folder.params);
    return { head, vocab: Vocabulary.fromJSON(meta.vocabulary), labels: meta.labels, meta };
  } catch (error) {
    if (error instanceof ConfigError) throw new ModelFormatError(`${folder.dir}/${WEIGHTS_FILE} does not fit the model config: ${error.message}`);
    throw error;
  }
}

/** Class probabilities of each token sequence (each at least one token), in order. */
export function classifyIds(head: ClassifierHead, ids: readonly Int32Array[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (let i = 0; i < ids.length; i += INFERENCE_BATCH) out.push(...head.probabilities(padBatch(ids.slice(i, i + INFERENCE_BATCH))));
  return out;
}

/** Index of the largest probability. */
export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
  return best;
}

/** Accuracy, macro-F1, per-class precision/recall, confusion and loss of token ids against label ids. */
export function evaluateIds(head: ClassifierHead, labels: readonly string[], ids: readonly Int32Array[], labelIds: Int32Array): ClassifierEvaluation {
  const probabilities = classifyIds(head, ids);
  let loss = 0;
  probabilities.forEach((p, i) => (loss -= Math.log(Math.max(p[labelIds[i]], 1e-300))));
  const metrics = classificationMetrics(labels, labelIds, probabilities.map(argmax));
  return { examples: ids.length, loss: loss / Math.max(1, ids.length), ...metrics };
}

/** The model's metrics on labelled examples; `file` names the file when a label is unknown. */
export function evaluateExamples(classifier: Classifier, examples: readonly ClassifyExample[], file: string): ClassifierEvaluation {
  let encoded;
  try {
    encoded = encodeExamples(classifier.vocab, classifier.labels, examples);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new RangeError(`${file}:${error.message.replace(/^line /, '')} (${classifier.labels.join(', ')})`, { cause: error });
  }
  return evaluateIds(classifier.head, classifier.labels, encoded.ids, encoded.labelIds);
}
