// Generation from a label (one-to-many): the label's learned embedding starts every layer of a
// language model, a⟨0⟩_l = tanh(Wb_l·onehot(label) + bb_l) (for an LSTM also c⟨0⟩), through the
// same bridge and decoder as seq2seq (bridgedDecoder.ts); the decoder reads <EOS> then the line
// (teacher forcing) and predicts the line then <EOS>: ŷ⟨t⟩ = softmax(Wy a⟨t⟩ + by).

import type { NetworkConfig } from '../config.js';
import { ConfigError } from '../config.js';
import { Rng } from '../math.js';
import { pickToken } from '../sampler.js';
import type { Param } from '../network.js';
import { crossEntropy } from '../network.js';
import type { BridgedNames, BridgedPass, DecoderState } from './bridgedDecoder.js';
import { BridgedDecoder, sequenceLosses } from './bridgedDecoder.js';
import type { PaddedBatch } from './paddedBatch.js';
import { padBatch } from './paddedBatch.js';
import type { HeadGrads, HeadLoss } from './sequenceHead.js';

/** A padded batch of labelled lines: each line's label index, and the decoder's input (<EOS> + line) with its targets (line + <EOS>). */
export interface LabelLmBatch {
  labels: Int32Array;
  target: PaddedBatch;
}

const NAMES: BridgedNames = { decoder: 'decoder.', bridge: 'label', output: 'lm.output' };

/** Pads labelled lines (a line may be empty: it still predicts its <EOS>); `eos` starts and ends each. */
export function labelLmBatch(labels: readonly number[], lines: readonly Int32Array[], eos: number, pad = 0): LabelLmBatch {
  if (labels.length !== lines.length) throw new RangeError(`${labels.length} labels but ${lines.length} lines`);
  const inputs = lines.map((t) => Int32Array.from([eos, ...t]));
  const outputs = lines.map((t) => Int32Array.from([...t, eos]));
  return { labels: Int32Array.from(labels), target: padBatch(inputs, outputs, pad) };
}

export class LabelLmHead {
  readonly config: NetworkConfig;
  /** How many labels the bridge reads (the width of onehot(label)). */
  readonly labelCount: number;
  readonly decoding: BridgedDecoder;
  /** label.layer<l>.*, decoder.*, lm.output.*: every trainable tensor. */
  readonly params: Param[];

  private constructor(config: NetworkConfig, labelCount: number, decoding: BridgedDecoder) {
    this.config = config;
    this.labelCount = labelCount;
    this.decoding = decoding;
    this.params = decoding.params;
  }

  private static check(config: NetworkConfig, labelCount: number): void {
    if (config.bidirectional) throw new ConfigError('a label-conditioned language model reads forwards only: leave out --bidirectional');
    if (!(Number.isInteger(labelCount) && labelCount >= 1)) throw new ConfigError(`a label-conditioned language model needs at least one label, got ${labelCount}`);
  }

  static create(config: NetworkConfig, labelCount: number, seed: number): LabelLmHead {
    LabelLmHead.check(config, labelCount);
    return new LabelLmHead(config, labelCount, BridgedDecoder.create(config, NAMES, labelCount, seed, new Rng(seed + 2)));
  }

  static fromParams(config: NetworkConfig, labelCount: number, params: readonly Param[]): LabelLmHead {
    LabelLmHead.check(config, labelCount);
    const head = new LabelLmHead(config, labelCount, BridgedDecoder.fromParams(config, NAMES, labelCount, params));
    const known = new Set(head.params.map((p) => p.name));
    const extra = params.find((p) => !known.has(p.name));
    if (extra) throw new ConfigError(`unexpected parameter ${extra.name}`);
    return head;
  }

  static paramShapes(config: NetworkConfig, labelCount: number): { name: string; shape: number[] }[] {
    const d = BridgedDecoder.paramShapes(config, NAMES, labelCount);
    return [...d.bridge, ...d.decoder, ...d.output];
  }

  refresh(): void {
    this.decoding.refresh();
  }

  dispose(): void {
    this.decoding.dispose();
  }

  /** onehot(label) of each row, B × K, the same input for every layer's bridge. */
  private onehots(labels: Int32Array): Float32Array[] {
    const K = this.labelCount;
    const z = new Float32Array(labels.length * K);
    labels.forEach((l, b) => {
      if (!(Number.isInteger(l) && l >= 0 && l < K)) throw new RangeError(`label index ${l} is outside 0…${K - 1}`);
      z[b * K + l] = 1;
    });
    return Array.from({ length: this.config.layers }, () => z);
  }

  forward(batch: LabelLmBatch, rng?: Rng): BridgedPass {
    return this.decoding.forward(this.onehots(batch.labels), batch.target, rng);
  }

  private targetsOf(batch: LabelLmBatch): Int32Array {
    if (!batch.target.targets) throw new RangeError('the batch has no targets (labelLmBatch)');
    return batch.target.targets;
  }

  /** Mean cross-entropy over the real tokens (each line's <EOS> included). */
  loss(batch: LabelLmBatch): HeadLoss {
    return crossEntropy(this.forward(batch).logits, this.targetsOf(batch), this.config.vocabSize, null);
  }

  /** −log p(line + <EOS> | label) of each line, nats. */
  lineLosses(batch: LabelLmBatch): Float64Array {
    return sequenceLosses(this.forward(batch).logits, this.targetsOf(batch), batch.target.B, this.config.vocabSize);
  }

  lossAndGrads(batch: LabelLmBatch, rng?: Rng): HeadGrads {
    const inputs = this.onehots(batch.labels);
    const pass = this.decoding.forward(inputs, batch.target, rng);
    const dLogits = new Float32Array(pass.logits.length);
    const { loss, count } = crossEntropy(pass.logits, this.targetsOf(batch), this.config.vocabSize, dLogits);
    const named = new Map<string, Float32Array>();
    this.decoding.backward(inputs, batch.target, pass, dLogits, named);
    const grads = this.params.map((p) => {
      const g = named.get(p.name);
      if (!g) throw new Error(`no gradient for ${p.name}`);
      return g;
    });
    return { loss, count, grads };
  }

  /** The decoder's initial state for each label index. */
  start(labels: readonly number[]): DecoderState {
    return { state: this.decoding.bridge(this.onehots(Int32Array.from(labels)), labels.length).state };
  }

  step(at: DecoderState, tokens: Int32Array): { logProbs: Float64Array[]; next: DecoderState } {
    return this.decoding.step(at, tokens);
  }
}

export interface LabelSampleOptions {
  /** Most tokens to generate (default 200). */
  length?: number;
  /** 0 = greedy argmax (default 1). */
  temperature?: number;
  /** Sample among the k most likely tokens (0 = all). */
  topK?: number;
  seed?: number;
  /** Starts the line and ends it when generated. */
  eos: number;
  /** A token never generated (<UNK>: it would print as a placeholder); −1 for none. */
  exclude?: number;
  /** Also ends the line (the newline token's id), −1 for none. */
  newline?: number;
}

/** One line for label index `label`: token ids up to (not including) <EOS> or a newline, at most `length`. */
export function sampleFromLabel(head: LabelLmHead, label: number, options: LabelSampleOptions): number[] {
  const length = options.length ?? 200;
  const temperature = options.temperature ?? 1;
  const rng = new Rng(options.seed ?? 1);
  let at = head.start([label]);
  let token = options.eos;
  const out: number[] = [];
  while (out.length < length) {
    const { logProbs, next } = head.step(at, Int32Array.of(token));
    token = pickToken(Float32Array.from(logProbs[0]), temperature, options.topK ?? 0, rng, options.exclude ?? -1);
    if (token === options.eos || token === (options.newline ?? -1)) break;
    out.push(token);
    at = next;
  }
  return out;
}
