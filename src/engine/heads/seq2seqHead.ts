// Many-to-many transduction (Tx ≠ Ty, translation): an encoder (stacked, optionally
// bidirectional) reads the source; a bridge (bridgedDecoder.ts) maps each layer's final states to that decoder
// layer's initial state, s_l = tanh(Wb_l·[a_fw,l⟨Tx⟩, a_bw,l⟨1⟩] + bb_l) (for an LSTM s_l holds
// both a⟨0⟩ and c⟨0⟩); the decoder (forward only, same cell) reads the start token then the
// target (teacher forcing) and predicts the target then <EOS>: ŷ⟨j⟩ = softmax(Wy a_dec⟨j⟩ + by).
// The bridge reads the encoder's hidden states a (what a layer outputs), not an LSTM's c: the
// cells take ∂L/∂a at every step, and each line's last real token is inside a padded batch.
// With attention 'luong' (attention.ts) the output layer reads the attentional hidden state
// ã⟨j⟩ = tanh(Wc·[c⟨j⟩; a_dec⟨j⟩] + bc) instead of a_dec⟨j⟩, c⟨j⟩ the decoder step's weighted sum of
// the encoder's top-layer outputs; the bridge still starts the decoder.

import type { NetworkConfig } from '../config.js';
import { ConfigError } from '../config.js';
import { Rng } from '../math.js';
import type { EncoderPass, Param } from '../network.js';
import { crossEntropy, Network } from '../network.js';
import { flowArrays, flowNorms } from '../inspect.js';
import type { AttentionKind } from '../config.js';
import type { AttentionMemory, AttentionPass } from './attention.js';
import { LuongAttention } from './attention.js';
import type { BridgedNames, DecoderState as BridgedState } from './bridgedDecoder.js';
import { BridgedDecoder, logSoftmaxRow, renamed, sequenceLosses } from './bridgedDecoder.js';
import type { HeadGrads, HeadLoss } from './sequenceHead.js';
import { storedTensor } from './sequenceHead.js';
import type { PaddedBatch } from './paddedBatch.js';
import { padBatch } from './paddedBatch.js';

export { logSoftmaxRow } from './bridgedDecoder.js';
export type { AttentionKind } from './attention.js';
export { ATTENTION_KINDS } from './attention.js';

/** The decoder's state between inference steps, with the encoder outputs it attends over (attention on). */
export interface DecoderState extends BridgedState {
  memory?: AttentionMemory;
}

/** How a seq2seq head decodes: 'none' (the default, what folders without the field hold) or 'luong' attention. */
export interface Seq2seqOptions {
  attention?: AttentionKind;
}

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
  /** With attention: the memory of encoder outputs and the attention over it at each decoder step. */
  attention?: { memory: AttentionMemory; pass: AttentionPass };
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
  /** The decoder's attention over the encoder's outputs (null: attention 'none'). */
  readonly attention: LuongAttention | null;
  /** encoder.*, bridge.layer<l>.*, decoder.*, seq2seq.output.*, then attention.* when on: every trainable tensor. */
  readonly params: Param[];

  private constructor(config: NetworkConfig, encoder: Network, decoding: BridgedDecoder, attention: LuongAttention | null) {
    this.config = config;
    this.encoder = encoder;
    this.decoding = decoding;
    this.attention = attention;
    this.params = [...renamed(ENCODER, encoder.params), ...decoding.params, ...(attention?.params ?? [])];
  }

  /** 'luong' or 'none'. */
  get attentionKind(): AttentionKind {
    return this.attention ? 'luong' : 'none';
  }

  private static bridgeIn(config: NetworkConfig): number {
    return config.units * (config.bidirectional ? 2 : 1);
  }

  /** Width E of the encoder's top-layer output (what attention reads). */
  private static memoryWidth(config: NetworkConfig): number {
    return config.bidirectional && config.merge === 'concat' ? 2 * config.units : config.units;
  }

  private static attentionOf(options: Seq2seqOptions): AttentionKind {
    const kind = options.attention ?? 'none';
    if (kind !== 'none' && kind !== 'luong') throw new ConfigError(`attention must be none or luong, got ${String(kind)}`);
    return kind;
  }

  /** A seeded encoder and decoder, Glorot bridge, output (and attention) weights. */
  static create(config: NetworkConfig, seed: number, options: Seq2seqOptions = {}): Seq2seqHead {
    const encoder = Network.create(config, seed, { outputLayer: false });
    const decoding = BridgedDecoder.create(config, NAMES, Seq2seqHead.bridgeIn(config), seed + 1, new Rng(seed + 2));
    let attention: LuongAttention | null = null;
    if (Seq2seqHead.attentionOf(options) === 'luong') {
      attention = new LuongAttention(Seq2seqHead.memoryWidth(config), config.units);
      attention.initialise(new Rng(seed + 3));
    }
    return new Seq2seqHead(config, encoder, decoding, attention);
  }

  /** A head from stored parameters (names and shapes must match `paramShapes`). */
  static fromParams(config: NetworkConfig, params: readonly Param[], options: Seq2seqOptions = {}): Seq2seqHead {
    const encoderParams = params.filter((p) => p.name.startsWith(ENCODER)).map((p) => ({ ...p, name: p.name.slice(ENCODER.length) }));
    const encoder = Network.fromParams(config, encoderParams, { outputLayer: false });
    let attention: LuongAttention | null = null;
    if (Seq2seqHead.attentionOf(options) === 'luong') {
      const E = Seq2seqHead.memoryWidth(config);
      const H = config.units;
      const byName = new Map(params.map((p) => [p.name, p]));
      attention = new LuongAttention(E, H, {
        Wa: storedTensor(byName, 'attention.Wa', [E, H]),
        Wc: storedTensor(byName, 'attention.Wc', [E + H, H]),
        bc: storedTensor(byName, 'attention.bc', [H]),
      });
    }
    const head = new Seq2seqHead(config, encoder, BridgedDecoder.fromParams(config, NAMES, Seq2seqHead.bridgeIn(config), params), attention);
    const known = new Set(head.params.map((p) => p.name));
    const extra = params.find((p) => !known.has(p.name));
    if (extra) throw new ConfigError(`unexpected parameter ${extra.name}`);
    return head;
  }

  /** Parameter names and shapes a config implies, in `params` order. */
  static paramShapes(config: NetworkConfig, options: Seq2seqOptions = {}): { name: string; shape: number[] }[] {
    const d = BridgedDecoder.paramShapes(config, NAMES, Seq2seqHead.bridgeIn(config));
    const encoder = Network.paramShapes(config, { outputLayer: false }).map((s) => ({ name: ENCODER + s.name, shape: s.shape }));
    const attention = Seq2seqHead.attentionOf(options) === 'luong' ? LuongAttention.paramShapes(Seq2seqHead.memoryWidth(config), config.units) : [];
    return [...encoder, ...d.bridge, ...d.decoder, ...d.output, ...attention];
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
    if (!this.attention) return { encoder, summaries, ...this.decoding.forward(summaries, target, rng) };
    const pass = this.decoding.run(summaries, target, rng);
    const memory = this.attention.memory(encoder.top, source.T, source.B, source.lengths);
    const attended = this.attention.forward(pass.decoder.top, target.T, memory);
    const logits = this.decoding.output.forward(attended.hidden, target.T * target.B);
    return { encoder, summaries, ...pass, attention: { memory, pass: attended }, logits };
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
    let dSummaries: Float32Array[];
    let top: Float32Array[];
    if (this.attention && pass.attention) {
      const { memory, pass: attended } = pass.attention;
      const out = this.decoding.output.backward(attended.hidden, target.T * B, dLogits);
      named.set(this.decoding.output.Wy.name, out.dWy);
      named.set(this.decoding.output.by.name, out.dby);
      const g = this.attention.backward(pass.decoder.top, target.T, memory, attended, out.dX);
      named.set(this.attention.Wa.name, g.dWa);
      named.set(this.attention.Wc.name, g.dWc);
      named.set(this.attention.bc.name, g.dbc);
      dSummaries = this.decoding.backwardDecoder(pass.summaries, target, pass, g.dQuery, named);
      top = this.encoder.directionGradients(pass.encoder, g.dValues);
    } else {
      dSummaries = this.decoding.backward(pass.summaries, target, pass, dLogits, named);
      top = pass.encoder.caches[pass.encoder.caches.length - 1].map(() => new Float32Array(source.T * B * H));
    }
    const layerGradients = dSummaries.map((dX, l) => {
      const dirs = pass.encoder.caches[l];
      const R = dirs.length * H;
      return dirs.map((_, k) => {
        const d = new Float32Array(source.T * B * H);
        for (let b = 0; b < B; b++) d.set(dX.subarray(b * R + k * H, b * R + (k + 1) * H), ((source.lengths[b] - 1) * B + b) * H);
        return d;
      });
    });
    const enc = this.encoder.backwardEncoder(pass.encoder, top, flows?.forward, { layerGradients, inputGradient, backwardFlows: flows?.backward });
    for (const [k, g] of enc) named.set(ENCODER + k, g);
    return named;
  }

  /** The decoder's initial state for each source (each at least one token). */
  start(sources: readonly Int32Array[]): DecoderState {
    const source = padBatch(sources);
    const { encoder, summaries } = this.encodeSource(source);
    const state = this.decoding.bridge(summaries, source.B).state;
    if (!this.attention) return { state };
    return { state, memory: this.attention.memory(encoder.top, source.T, source.B, source.lengths) };
  }

  /** One decoder step for every row of `at`: log-probabilities of the next token (B × V) and the state after `tokens`. */
  step(at: DecoderState, tokens: Int32Array): { logProbs: Float64Array[]; next: DecoderState } {
    if (!this.attention) return this.decoding.step(at, tokens);
    if (!at.memory) throw new RangeError('the decoder state has no encoder outputs to attend over (start it with this head)');
    const B = tokens.length;
    const { top, next } = this.decoding.stepDecoder(at, tokens);
    const { hidden } = this.attention.forward(top, 1, at.memory);
    return { logProbs: this.decoding.logProbs(this.decoding.output.forward(hidden, B), B), next: { ...next, memory: at.memory } };
  }

  /** The rows `rows` of a decoder state, in that order (a beam's survivors). */
  pick(at: DecoderState, rows: readonly number[]): DecoderState {
    const picked = this.decoding.pick(at, rows);
    return at.memory && this.attention ? { ...picked, memory: this.attention.pick(at.memory, rows) } : picked;
  }
}
