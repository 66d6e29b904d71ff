// Many-to-many transduction (Tx ≠ Ty, translation): an encoder (stacked, optionally
// bidirectional) reads the source; a bridge (bridgedDecoder.ts) maps each layer's final states to that decoder
// layer's initial state, s_l = tanh(Wb_l·[a_fw,l⟨Tx⟩, a_bw,l⟨1⟩] + bb_l) (for an LSTM s_l holds
// both a⟨0⟩ and c⟨0⟩); the decoder (forward only, same cell) reads the start token then the
// target (teacher forcing) and predicts the target then <EOS>: ŷ⟨j⟩ = softmax(Wy a_dec⟨j⟩ + by).
// The bridge reads the encoder's hidden states a (what a layer outputs), not an LSTM's c: the
// cells take ∂L/∂a at every step, and each line's last real token is inside a padded batch.

import type { NetworkConfig } from '../config.js';
import { ConfigError } from '../config.js';
import { Rng } from '../math.js';
import type { EncoderPass, Param } from '../network.js';
import { crossEntropy, Network } from '../network.js';
import { flowArrays, flowNorms } from '../inspect.js';
import type { BridgedNames, DecoderState } from './bridgedDecoder.js';
import { BridgedDecoder, logSoftmaxRow, renamed, sequenceLosses } from './bridgedDecoder.js';
import type { HeadGrads, HeadLoss } from './sequenceHead.js';
import type { PaddedBatch } from './paddedBatch.js';
import { padBatch } from './paddedBatch.js';

export type { DecoderState } from './bridgedDecoder.js';
export { logSoftmaxRow } from './bridgedDecoder.js';

/** A padded batch of pairs: the encoder's source, and the decoder's input (start + target) with its targets (target + end). */
export interface Seq2seqBatch {
  source: PaddedBatch;
  target: PaddedBatch;
}

/** Pads pairs of token ids (each side at least one token) into a Seq2seqBatch; `start` and `end` are token ids. */
export function seq2seqBatch(sources: readonly Int32Array[], targets: readonly Int32Array[], start: number, end: number, pad = 0): Seq2seqBatch {
  if (sources.length !== targets.length) throw new RangeError(`${sources.length} sources but ${targets.length} targets`);
  const inputs = targets.map((t) => Int32Array.from([start, ...t]));
  const outputs = targets.map((t) => Int32Array.from([...t, end]));
  return { source: padBatch(sources, undefined, pad), target: padBatch(inputs, outputs, pad) };
}

export interface Seq2seqPass {
  encoder: EncoderPass;
  /** Per layer: B × (directions·H), each line's final states (forward at its last token, backward at its first). */
  summaries: Float32Array[];
  /** Per layer: tanh(bridge) output, B × H (LSTM: B × 2H, a⟨0⟩ then c⟨0⟩). */
  bridged: Float32Array[];
  decoder: EncoderPass;
  /** T·B × V, time-major over the decoder's steps. */
  logits: Float32Array;
}

const ENCODER = 'encoder.';
const NAMES: BridgedNames = { decoder: 'decoder.', bridge: 'bridge', output: 'seq2seq.output' };

export class Seq2seqHead {
  readonly config: NetworkConfig;
  readonly encoder: Network;
  /** The bridges, the decoder and the output layer (shared with the label-conditioned language model). */
  readonly decoding: BridgedDecoder;
  /** encoder.*, bridge.layer<l>.*, decoder.*, seq2seq.output.*: every trainable tensor. */
  readonly params: Param[];

  private constructor(config: NetworkConfig, encoder: Network, decoding: BridgedDecoder) {
    this.config = config;
    this.encoder = encoder;
    this.decoding = decoding;
    this.params = [...renamed(ENCODER, encoder.params), ...decoding.params];
  }

  private static bridgeIn(config: NetworkConfig): number {
    return config.units * (config.bidirectional ? 2 : 1);
  }

  /** A seeded encoder and decoder, Glorot bridge and output weights. */
  static create(config: NetworkConfig, seed: number): Seq2seqHead {
    const encoder = Network.create(config, seed, { outputLayer: false });
    const decoding = BridgedDecoder.create(config, NAMES, Seq2seqHead.bridgeIn(config), seed + 1, new Rng(seed + 2));
    return new Seq2seqHead(config, encoder, decoding);
  }

  /** A head from stored parameters (names and shapes must match `paramShapes`). */
  static fromParams(config: NetworkConfig, params: readonly Param[]): Seq2seqHead {
    const encoderParams = params.filter((p) => p.name.startsWith(ENCODER)).map((p) => ({ ...p, name: p.name.slice(ENCODER.length) }));
    const encoder = Network.fromParams(config, encoderParams, { outputLayer: false });
    const head = new Seq2seqHead(config, encoder, BridgedDecoder.fromParams(config, NAMES, Seq2seqHead.bridgeIn(config), params));
    const known = new Set(head.params.map((p) => p.name));
    const extra = params.find((p) => !known.has(p.name));
    if (extra) throw new ConfigError(`unexpected parameter ${extra.name}`);
    return head;
  }

  /** Parameter names and shapes a config implies, in `params` order. */
  static paramShapes(config: NetworkConfig): { name: string; shape: number[] }[] {
    const d = BridgedDecoder.paramShapes(config, NAMES, Seq2seqHead.bridgeIn(config));
    const encoder = Network.paramShapes(config, { outputLayer: false }).map((s) => ({ name: ENCODER + s.name, shape: s.shape }));
    return [...encoder, ...d.bridge, ...d.decoder, ...d.output];
  }

  /** Call after changing parameter values in place. */
  refresh(): void {
    this.encoder.refresh();
    this.decoding.refresh();
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoding.dispose();
  }

  /** Each layer's final states of the encoded sources: what the bridges read. */
  private encodeSource(source: PaddedBatch, rng?: Rng): { encoder: EncoderPass; summaries: Float32Array[] } {
    const { B, T, lengths } = source;
    const H = this.config.units;
    const encoder = this.encoder.encode(source.ids, B, T, { lengths, rng });
    const summaries = encoder.caches.map((dirs) => {
      const R = dirs.length * H;
      const s = new Float32Array(B * R);
      for (let b = 0; b < B; b++) {
        // Both directions are read at their own step L−1: the backward one ran over the line reversed.
        const row = ((lengths[b] - 1) * B + b) * H;
        dirs.forEach((cache, k) => s.set(cache.a.subarray(row, row + H), b * R + k * H));
      }
      return s;
    });
    return { encoder, summaries };
  }

  /** The teacher-forced forward pass over a batch of pairs. */
  forward(batch: Seq2seqBatch, rng?: Rng): Seq2seqPass {
    const { source, target } = batch;
    if (source.B !== target.B) throw new RangeError(`${source.B} sources but ${target.B} targets`);
    const { encoder, summaries } = this.encodeSource(source, rng);
    const pass = this.decoding.forward(summaries, target, rng);
    return { encoder, summaries, ...pass };
  }

  private targetsOf(batch: Seq2seqBatch): Int32Array {
    if (!batch.target.targets) throw new RangeError('the batch has no decoder targets (seq2seqBatch)');
    return batch.target.targets;
  }

  /** Mean cross-entropy over the real target tokens (each target's <EOS> included). */
  loss(batch: Seq2seqBatch): HeadLoss {
    return crossEntropy(this.forward(batch).logits, this.targetsOf(batch), this.config.vocabSize, null);
  }

  /** −log p(target + <EOS> | source) of each pair, nats (the sum over its tokens). */
  pairLosses(batch: Seq2seqBatch): Float64Array {
    return sequenceLosses(this.forward(batch).logits, this.targetsOf(batch), batch.target.B, this.config.vocabSize);
  }

  lossAndGrads(batch: Seq2seqBatch, rng?: Rng): HeadGrads {
    const pass = this.forward(batch, rng);
    const dLogits = new Float32Array(pass.logits.length);
    const { loss, count } = crossEntropy(pass.logits, this.targetsOf(batch), this.config.vocabSize, dLogits);
    const named = this.backward(batch, pass, dLogits);
    const grads = this.params.map((p) => {
      const g = named.get(p.name);
      if (!g) throw new Error(`no gradient for ${p.name}`);
      return g;
    });
    return { loss, count, grads };
  }

  /**
   * Source × target saliency of one pair: row j, column i is ‖∂ log p(y⟨j⟩)/∂x⟨i⟩‖, how strongly
   * output token j (the target's, then <EOS>) depends on source token i (its one-hot or embedded input).
   */
  saliency(source: Int32Array, target: Int32Array, start: number, end: number): number[][] {
    const batch = seq2seqBatch([source], [target], start, end);
    const pass = this.forward(batch);
    const V = this.config.vocabSize;
    const targets = this.targetsOf(batch);
    const width = this.config.input === 'embedding' ? this.config.embeddingSize : V;
    return Array.from(targets, (y, j) => {
      // ∂ log p(y⟨j⟩)/∂logits⟨j⟩ = onehot(y) − p⟨j⟩; every other step's logits get nothing.
      const dLogits = new Float32Array(pass.logits.length);
      const row = logSoftmaxRow(pass.logits, j * V, V);
      for (let v = 0; v < V; v++) dLogits[j * V + v] = (v === y ? 1 : 0) - Math.exp(row[v]);
      const input: { dx?: Float32Array } = {};
      this.backward(batch, pass, dLogits, input);
      const dx = input.dx as Float32Array;
      return Array.from(source, (_, i) => {
        let sq = 0;
        for (let k = 0; k < width; k++) sq += dx[i * width + k] ** 2;
        return Math.sqrt(sq);
      });
    });
  }

  /**
   * Gradient flow through the encoder of one pair: row l, column i is ‖∂L/∂a⟨i⟩‖ of encoder layer l
   * at source step i (both directions' states), L = −log p(target + <EOS> | source).
   */
  gradientFlow(source: Int32Array, target: Int32Array, start: number, end: number): number[][] {
    const batch = seq2seqBatch([source], [target], start, end);
    const pass = this.forward(batch);
    const V = this.config.vocabSize;
    const dLogits = new Float32Array(pass.logits.length);
    this.targetsOf(batch).forEach((y, j) => {
      const row = logSoftmaxRow(pass.logits, j * V, V);
      for (let v = 0; v < V; v++) dLogits[j * V + v] = Math.exp(row[v]) - (v === y ? 1 : 0);
    });
    const T = source.length;
    const flows = { forward: flowArrays(this.config.layers, T), backward: flowArrays(this.config.layers, T) };
    this.backward(batch, pass, dLogits, undefined, flows);
    return flowNorms(flows.forward, this.config.bidirectional ? flows.backward : null, T);
  }

  /** Every parameter's gradient by name from ∂L/∂logits: output layer, decoder, bridges, encoder. */
  private backward(batch: Seq2seqBatch, pass: Seq2seqPass, dLogits: Float32Array, inputGradient?: { dx?: Float32Array }, flows?: { forward: Float64Array[]; backward: Float64Array[] }): Map<string, Float32Array> {
    const { source, target } = batch;
    const B = source.B;
    const H = this.config.units;
    const named = new Map<string, Float32Array>();
    const dSummaries = this.decoding.backward(pass.summaries, target, pass, dLogits, named);
    const layerGradients = dSummaries.map((dX, l) => {
      const dirs = pass.encoder.caches[l];
      const R = dirs.length * H;
      return dirs.map((_, k) => {
        const d = new Float32Array(source.T * B * H);
        for (let b = 0; b < B; b++) d.set(dX.subarray(b * R + k * H, b * R + (k + 1) * H), ((source.lengths[b] - 1) * B + b) * H);
        return d;
      });
    });
    const top = pass.encoder.caches[pass.encoder.caches.length - 1].map(() => new Float32Array(source.T * B * H));
    const enc = this.encoder.backwardEncoder(pass.encoder, top, flows?.forward, { layerGradients, inputGradient, backwardFlows: flows?.backward });
    for (const [k, g] of enc) named.set(ENCODER + k, g);
    return named;
  }

  /** The decoder's initial state for each source (each at least one token). */
  start(sources: readonly Int32Array[]): DecoderState {
    const source = padBatch(sources);
    return { state: this.decoding.bridge(this.encodeSource(source).summaries, source.B).state };
  }

  /** One decoder step for every row of `at`: log-probabilities of the next token (B × V) and the state after `tokens`. */
  step(at: DecoderState, tokens: Int32Array): { logProbs: Float64Array[]; next: DecoderState } {
    return this.decoding.step(at, tokens);
  }

  /** The rows `rows` of a decoder state, in that order (a beam's survivors). */
  pick(at: DecoderState, rows: readonly number[]): DecoderState {
    return this.decoding.pick(at, rows);
  }
}
