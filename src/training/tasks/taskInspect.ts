// The gate inspector for task models: the encoder's gates and saturation (and a seq2seq model's
// decoder's, in seq2seqInspect.ts), what the model answers, and what moved the answer — a
// classifier's answer after every prefix and each token's saliency ‖∂ log p(label)/∂x⟨t⟩‖, a
// tagger's tag probabilities per token — and gradient flow of the task's loss.

import type { ClassifierHead } from '../../engine/heads/classifierHead.js';
import { padBatch } from '../../engine/heads/paddedBatch.js';
import type { InspectOptions, InspectionOf, TakeTrace } from '../../engine/inspect.js';
import { checkTokens, encoderInspection, flowArrays, flowNorms, quantiseTrace, traceRows } from '../../engine/inspect.js';
import { softmaxRow } from '../../engine/network.js';
import type { GradientFlow, InspectResult, QuantisedInspectResult } from '../../engine/types.js';
import { ModelFormatError, readModelMeta } from '../../model/index.js';
import type { CheckpointKind } from '../../model/index.js';
import { argmax, loadClassifier } from './classifyModel.js';
import type { Classifier } from './classifyModel.js';
import { inspectSeq2seq } from './seq2seqInspect.js';
import { loadTransducer } from './seq2seqModel.js';
import type { Transducer } from './seq2seqModel.js';
import { encodeTokens, loadTagger, splitTokens } from './tagModel.js';
import type { Tagger } from './tagModel.js';

export interface TaskInspectOptions extends InspectOptions {
  /** Seq2seq: decode with a beam of this width (default 1: greedy). */
  beam?: number;
}

export interface TaskInspector {
  readonly task: 'classify' | 'tag' | 'seq2seq';
  /** The reference inspection: every trace as [t][unit] numbers to six decimals. */
  inspect(text: string, options?: TaskInspectOptions): InspectResult;
  /** The same inspection with each trace quantised to a byte per value (the inspector panel's). */
  inspectQuantised(text: string, options?: TaskInspectOptions): QuantisedInspectResult;
  dispose(): void;
}

/** One inspection of a text with traces of any form (see TakeTrace). */
type RunInspection = <G>(text: string, options: TaskInspectOptions, take: TakeTrace<G>) => InspectionOf<G>;

function inspector(task: TaskInspector['task'], run: RunInspection, dispose: () => void): TaskInspector {
  return {
    task,
    inspect: (text, options = {}) => run(text, options, traceRows),
    inspectQuantised: (text, options = {}) => run(text, options, quantiseTrace),
    dispose,
  };
}

/** A classify, tag or seq2seq model folder's inspector (the backend must be initialised). */
export function loadTaskInspector(dir: string, checkpoint: CheckpointKind = 'root'): TaskInspector {
  const { task } = readModelMeta(dir, checkpoint);
  switch (task) {
    case 'classify':
      return classifyInspector(loadClassifier(dir, checkpoint));
    case 'tag':
      return tagInspector(loadTagger(dir, checkpoint));
    case 'seq2seq':
      return seq2seqInspector(loadTransducer(dir, checkpoint));
    default:
      throw new ModelFormatError(`${dir} is a ${task} model; the task inspector reads classify, tag and seq2seq models`);
  }
}

export function seq2seqInspector(t: Pick<Transducer, 'head' | 'vocab'>): TaskInspector {
  return inspector('seq2seq', (text, options, take) => inspectSeq2seq(t, text, options, take), () => t.head.dispose());
}

/** Refuses `position` where the task's loss has one place only (classify, seq2seq). */
export function noPosition(options: InspectOptions, task: string): void {
  if (options.position !== undefined) throw new RangeError(`a ${task} model's loss is read from the whole text: position applies to language and tag models`);
}

/** ‖row‖ of each of T rows of `width` values. */
function rowNorms(x: Float32Array, T: number, width: number): number[] {
  return Array.from({ length: T }, (_, t) => {
    let sq = 0;
    for (let k = 0; k < width; k++) sq += x[t * width + k] ** 2;
    return Math.sqrt(sq);
  });
}

/** The width of the first layer's input vector x⟨t⟩: the embedding's, or the one-hot V. */
function inputWidth(head: Pick<ClassifierHead, 'network'>): number {
  const c = head.network.config;
  return c.input === 'embedding' ? c.embeddingSize : c.vocabSize;
}

// --- classify ----------------------------------------------------------------------------------

/**
 * Longest text a bidirectional classifier's inspection reads: its answer after each prefix needs
 * every prefix read again (the backward direction starts at the prefix's end), T²/2 token steps.
 */
export const MAX_BIDIRECTIONAL_PREFIX_TOKENS = 500;

export function classifyInspector(c: Pick<Classifier, 'head' | 'vocab' | 'labels'>): TaskInspector {
  return inspector('classify', (text, options, take) => inspectClassify(c, text, options, take), () => c.head.dispose());
}

function inspectClassify<G>(c: Pick<Classifier, 'head' | 'vocab' | 'labels'>, text: string, options: InspectOptions, take: TakeTrace<G>): InspectionOf<G> {
  const { head, vocab, labels } = c;
  const config = head.network.config;
  noPosition(options, 'classify');
  const { ids, offsets } = vocab.encodeWithOffsets(text);
  const T = checkTokens(ids.length, options);
  if (config.bidirectional && T > MAX_BIDIRECTIONAL_PREFIX_TOKENS) {
    throw new RangeError(`the text has ${T} tokens; a bidirectional classifier reads every prefix again for its answer at each step, so inspect at most ${MAX_BIDIRECTIONAL_PREFIX_TOKENS} at a time`);
  }
  const K = head.classes;
  const batch = padBatch([ids]);
  const pass = head.forward(batch);
  const probabilities = softmaxRow(pass.logits, 0, K);
  const predicted = argmax(probabilities);
  // ∂(−log p(predicted))/∂logits = p − onehot(predicted): the norms are those of ∂ log p/∂x.
  const dLogits = Float32Array.from(probabilities, (p, k) => p - (k === predicted ? 1 : 0));
  const flows = flowArrays(config.layers, T);
  const backwardFlows = flowArrays(config.layers, T);
  const input: { dx?: Float32Array } = {};
  head.backward(batch, pass, dLogits, flows, { inputGradient: input, backwardFlows });
  const result: InspectionOf<G> = {
    ...encoderInspection(text, offsets, pass.encoder, config.cell, take),
    task: {
      task: 'classify',
      labels: labels.slice(),
      probabilities: Array.from(probabilities),
      predicted,
      stepProbabilities: stepProbabilities(head, ids, probabilities),
      saliency: rowNorms(input.dx as Float32Array, T, inputWidth(head)),
    },
  };
  if (options.gradients) result.gradients = { position: T - 1, norms: flowNorms(flows, config.bidirectional ? backwardFlows : null, T) };
  return result;
}

/** The classifier's answer after each token (ClassifierHead.prefixProbabilities), its last row the whole text's. */
function stepProbabilities(head: ClassifierHead, ids: Int32Array, probabilities: Float64Array): number[][] {
  const rows = head.prefixProbabilities(ids).map((p) => Array.from(p));
  rows[rows.length - 1] = Array.from(probabilities);
  return rows;
}

// --- tag ---------------------------------------------------------------------------------------

export function tagInspector(t: Pick<Tagger, 'head' | 'vocab' | 'tags'>): TaskInspector {
  return inspector('tag', (text, options, take) => inspectTag(t, text, options, take), () => t.head.dispose());
}

function inspectTag<G>(tagger: Pick<Tagger, 'head' | 'vocab' | 'tags'>, text: string, options: InspectOptions, take: TakeTrace<G>): InspectionOf<G> {
  const { head, vocab, tags } = tagger;
  const config = head.network.config;
  const words = splitTokens(text);
  const T = checkTokens(words.length, options);
  const ids = encodeTokens(
    vocab,
    words.map((w) => w.token),
  );
  const offsets = [...words.map((w) => w.start), text.length];
  const K = head.classes;
  const batch = padBatch([ids]);
  const pass = head.forward(batch);
  const probabilities = Array.from({ length: T }, (_, t) => softmaxRow(pass.logits, t * K, K));
  const predicted = probabilities.map(argmax);
  const result: InspectionOf<G> = {
    ...encoderInspection(text, offsets, pass.encoder, config.cell, take),
    task: { task: 'tag', tags: tags.slice(), probabilities: probabilities.map((p) => Array.from(p)), predicted },
  };
  if (options.gradients) {
    const position = options.position ?? T - 1;
    if (!Number.isInteger(position) || position < 0 || position >= T) throw new RangeError(`position must be from 0 to ${T - 1}, got ${options.position}`);
    // L = −log p(predicted tag of token `position`): ∂L/∂logits = p − onehot at that row only.
    const dLogits = new Float32Array(pass.logits.length);
    probabilities[position].forEach((p, k) => (dLogits[position * K + k] = p - (k === predicted[position] ? 1 : 0)));
    const flows = flowArrays(config.layers, T);
    const backwardFlows = flowArrays(config.layers, T);
    head.backward(batch, pass, dLogits, flows, { backwardFlows });
    result.gradients = { position, norms: flowNorms(flows, config.bidirectional ? backwardFlows : null, T) } satisfies GradientFlow;
  }
  return result;
}
