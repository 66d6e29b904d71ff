// Many-to-many transduction (Tx ≠ Ty, translation): an encoder (stacked, optionally
// bidirectional) reads the source; a bridge maps each layer's final states to that decoder
// layer's initial state, s_l = tanh(Wb_l·[a_fw,l⟨Tx⟩, a_bw,l⟨1⟩] + bb_l) (for an LSTM s_l holds
// both a⟨0⟩ and c⟨0⟩); the decoder (forward only, same cell) reads the start token then the
// target (teacher forcing) and predicts the target then <EOS>: ŷ⟨j⟩ = softmax(Wy a_dec⟨j⟩ + by).
// The bridge reads the encoder's hidden states a (what a layer outputs), not an LSTM's c: the
// cells take ∂L/∂a at every step, and each line's last real token is inside a padded batch.

import type { NetworkConfig } from '../config.js';
import { ConfigError } from '../config.js';
import type { LayerState } from '../cells/cell.js';
import { Rng } from '../math.js';
import type { EncoderPass, Param, RecurrentState } from '../network.js';
import { crossEntropy, Network } from '../network.js';
import { DenseLayer } from './denseLayer.js';
import type { HeadGrads, HeadLoss } from './sequenceHead.js';
import { storedTensor } from './sequenceHead.js';
import type { PaddedBatch } from './paddedBatch.js';
import { padBatch } from './paddedBatch.js';

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

/** The decoder's state between inference steps. */
export interface DecoderState {
  state: RecurrentState;
}

const ENCODER = 'encoder.';
const DECODER = 'decoder.';
const BRIDGE = 'bridge';
const OUTPUT = 'seq2seq.output';

/** The same tensors under the head's names (the data is shared, so the optimizer's in-place updates reach the network). */
function renamed(prefix: string, params: readonly Param[]): Param[] {
  return params.map((p) => ({ name: prefix + p.name, shape: p.shape, data: p.data }));
}

function decoderConfig(config: NetworkConfig): NetworkConfig {
  return { ...config, bidirectional: false };
}

/** Rows [a | c] of width 2H (LSTM) or a alone (width H) as a LayerState of B·H arrays. */
function toLayerState(s: Float32Array, B: number, H: number, lstm: boolean): LayerState {
  if (!lstm) return { a: s, c: s };
  const a = new Float32Array(B * H);
  const c = new Float32Array(B * H);
  for (let b = 0; b < B; b++) {
    a.set(s.subarray(b * 2 * H, b * 2 * H + H), b * H);
    c.set(s.subarray(b * 2 * H + H, b * 2 * H + 2 * H), b * H);
  }
  return { a, c };
}

function fromLayerState(d: LayerState, B: number, H: number, lstm: boolean): Float32Array {
  if (!lstm) return d.a;
  const out = new Float32Array(B * 2 * H);
  for (let b = 0; b < B; b++) {
    out.set(d.a.subarray(b * H, b * H + H), b * 2 * H);
    out.set(d.c.subarray(b * H, b * H + H), b * 2 * H + H);
  }
  return out;
}

/** log softmax of one row of logits, in float64. */
export function logSoftmaxRow(logits: Float32Array, offset: number, V: number): Float64Array {
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[offset + v]);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[offset + v] - max);
  const lse = max + Math.log(sum);
  return Float64Array.from({ length: V }, (_, v) => logits[offset + v] - lse);
}

export class Seq2seqHead {
  readonly config: NetworkConfig;
  readonly encoder: Network;
  readonly decoder: Network;
  readonly bridges: DenseLayer[];
  readonly output: DenseLayer;
  /** encoder.*, bridge.layer<l>.*, decoder.*, seq2seq.output.*: every trainable tensor. */
  readonly params: Param[];
  private readonly lstm: boolean;

  private constructor(config: NetworkConfig, encoder: Network, decoder: Network, bridges: DenseLayer[], output: DenseLayer) {
    this.config = config;
    this.encoder = encoder;
    this.decoder = decoder;
    this.bridges = bridges;
    this.output = output;
    this.lstm = config.cell === 'lstm';
    this.params = [
      ...renamed(ENCODER, encoder.params),
      ...bridges.flatMap((b) => [b.Wy, b.by]),
      ...renamed(DECODER, decoder.params),
      output.Wy,
      output.by,
    ];
  }

  private static widths(config: NetworkConfig): { bridgeIn: number; bridgeOut: number } {
    return { bridgeIn: config.units * (config.bidirectional ? 2 : 1), bridgeOut: config.units * (config.cell === 'lstm' ? 2 : 1) };
  }

  /** A seeded encoder and decoder, Glorot bridge and output weights. */
  static create(config: NetworkConfig, seed: number): Seq2seqHead {
    const { bridgeIn, bridgeOut } = Seq2seqHead.widths(config);
    const encoder = Network.create(config, seed, { outputLayer: false });
    const decoder = Network.create(decoderConfig(config), seed + 1, { outputLayer: false });
    const rng = new Rng(seed + 2);
    const bridges = Array.from({ length: config.layers }, (_, l) => {
      const b = new DenseLayer(`${BRIDGE}.layer${l}`, bridgeIn, bridgeOut);
      b.initialise(rng);
      return b;
    });
    const output = new DenseLayer(OUTPUT, config.units, config.vocabSize);
    output.initialise(rng);
    return new Seq2seqHead(config, encoder, decoder, bridges, output);
  }

  /** A head from stored parameters (names and shapes must match `paramShapes`). */
  static fromParams(config: NetworkConfig, params: readonly Param[]): Seq2seqHead {
    const strip = (prefix: string) => params.filter((p) => p.name.startsWith(prefix)).map((p) => ({ ...p, name: p.name.slice(prefix.length) }));
    const byName = new Map(params.map((p) => [p.name, p]));
    const dense = (prefix: string, inWidth: number, outWidth: number): DenseLayer =>
      new DenseLayer(prefix, inWidth, outWidth, { Wy: storedTensor(byName, `${prefix}.Wy`, [inWidth, outWidth]), by: storedTensor(byName, `${prefix}.by`, [outWidth]) });
    const { bridgeIn, bridgeOut } = Seq2seqHead.widths(config);
    const encoder = Network.fromParams(config, strip(ENCODER), { outputLayer: false });
    const decoder = Network.fromParams(decoderConfig(config), strip(DECODER), { outputLayer: false });
    const bridges = Array.from({ length: config.layers }, (_, l) => dense(`${BRIDGE}.layer${l}`, bridgeIn, bridgeOut));
    const output = dense(OUTPUT, config.units, config.vocabSize);
    const head = new Seq2seqHead(config, encoder, decoder, bridges, output);
    const known = new Set(head.params.map((p) => p.name));
    const extra = params.find((p) => !known.has(p.name));
    if (extra) throw new ConfigError(`unexpected parameter ${extra.name}`);
    return head;
  }

  /** Parameter names and shapes a config implies, in `params` order. */
  static paramShapes(config: NetworkConfig): { name: string; shape: number[] }[] {
    const { bridgeIn, bridgeOut } = Seq2seqHead.widths(config);
    const prefixed = (prefix: string, shapes: { name: string; shape: number[] }[]) => shapes.map((s) => ({ name: prefix + s.name, shape: s.shape }));
    return [
      ...prefixed(ENCODER, Network.paramShapes(config, { outputLayer: false })),
      ...Array.from({ length: config.layers }, (_, l) => [
        { name: `${BRIDGE}.layer${l}.Wy`, shape: [bridgeIn, bridgeOut] },
        { name: `${BRIDGE}.layer${l}.by`, shape: [bridgeOut] },
      ]).flat(),
      ...prefixed(DECODER, Network.paramShapes(decoderConfig(config), { outputLayer: false })),
      { name: `${OUTPUT}.Wy`, shape: [config.units, config.vocabSize] },
      { name: `${OUTPUT}.by`, shape: [config.vocabSize] },
    ];
  }

  /** Call after changing parameter values in place. */
  refresh(): void {
    this.encoder.refresh();
    this.decoder.refresh();
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
  }

  /** Encodes the sources and bridges each layer's final states to the decoder's initial state. */
  private encodeSource(source: PaddedBatch, rng?: Rng): { encoder: EncoderPass; summaries: Float32Array[]; bridged: Float32Array[]; state: RecurrentState } {
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
    const bridged = summaries.map((s, l) => this.bridges[l].forward(s, B).map(Math.tanh));
    const state = { batch: B, layers: bridged.map((s) => toLayerState(s, B, H, this.lstm)) };
    return { encoder, summaries, bridged, state };
  }

  /** The teacher-forced forward pass over a batch of pairs. */
  forward(batch: Seq2seqBatch, rng?: Rng): Seq2seqPass {
    const { source, target } = batch;
    if (source.B !== target.B) throw new RangeError(`${source.B} sources but ${target.B} targets`);
    const { encoder, summaries, bridged, state } = this.encodeSource(source, rng);
    const decoder = this.decoder.encode(target.ids, target.B, target.T, { state, lengths: target.lengths, rng });
    return { encoder, summaries, bridged, decoder, logits: this.output.forward(decoder.top, target.T * target.B) };
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
    const { logits } = this.forward(batch);
    const targets = this.targetsOf(batch);
    const { B, T } = batch.target;
    const V = this.config.vocabSize;
    const out = new Float64Array(B);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const y = targets[t * B + b];
        if (y >= 0) out[b] -= logSoftmaxRow(logits, (t * B + b) * V, V)[y];
      }
    }
    return out;
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

  /** Every parameter's gradient by name from ∂L/∂logits: output layer, decoder, bridges, encoder. */
  private backward(batch: Seq2seqBatch, pass: Seq2seqPass, dLogits: Float32Array, inputGradient?: { dx?: Float32Array }): Map<string, Float32Array> {
    const { source, target } = batch;
    const B = source.B;
    const H = this.config.units;
    const out = this.output.backward(pass.decoder.top, target.T * B, dLogits);
    const stateGradients: LayerState[] = [];
    const dec = this.decoder.backwardEncoder(pass.decoder, this.decoder.directionGradients(pass.decoder, out.dX), undefined, { stateGradients });
    const named = new Map<string, Float32Array>();
    for (const [k, g] of dec) named.set(DECODER + k, g);
    // ∂L/∂s through tanh: ∂L/∂(bridge pre-activation) = ∂L/∂s ⊙ (1 − s²).
    const layerGradients = pass.bridged.map((s, l) => {
      const dS = fromLayerState(stateGradients[l], B, H, this.lstm);
      const dPre = dS.map((d, i) => d * (1 - s[i] * s[i]));
      const r = this.bridges[l].backward(pass.summaries[l], B, dPre);
      named.set(this.bridges[l].Wy.name, r.dWy);
      named.set(this.bridges[l].by.name, r.dby);
      const dirs = pass.encoder.caches[l];
      const R = dirs.length * H;
      return dirs.map((_, k) => {
        const d = new Float32Array(source.T * B * H);
        for (let b = 0; b < B; b++) d.set(r.dX.subarray(b * R + k * H, b * R + (k + 1) * H), ((source.lengths[b] - 1) * B + b) * H);
        return d;
      });
    });
    const top = pass.encoder.caches[pass.encoder.caches.length - 1].map(() => new Float32Array(source.T * B * H));
    const enc = this.encoder.backwardEncoder(pass.encoder, top, undefined, { layerGradients, inputGradient });
    for (const [k, g] of enc) named.set(ENCODER + k, g);
    named.set(this.output.Wy.name, out.dWy);
    named.set(this.output.by.name, out.dby);
    return named;
  }

  /** The decoder's initial state for each source (each at least one token). */
  start(sources: readonly Int32Array[]): DecoderState {
    return { state: this.encodeSource(padBatch(sources)).state };
  }

  /** One decoder step for every row of `at`: log-probabilities of the next token (B × V) and the state after `tokens`. */
  step(at: DecoderState, tokens: Int32Array): { logProbs: Float64Array[]; next: DecoderState } {
    const B = tokens.length;
    if (at.state.batch !== B) throw new RangeError(`the decoder state holds ${at.state.batch} rows, not ${B}`);
    const pass = this.decoder.encode(tokens, B, 1, { state: at.state });
    const V = this.config.vocabSize;
    const logits = this.output.forward(pass.top, B);
    return { logProbs: Array.from({ length: B }, (_, b) => logSoftmaxRow(logits, b * V, V)), next: { state: pass.state } };
  }

  /** The rows `rows` of a decoder state, in that order (a beam's survivors). */
  pick(at: DecoderState, rows: readonly number[]): DecoderState {
    const H = this.config.units;
    const take = (x: Float32Array) => {
      const out = new Float32Array(rows.length * H);
      rows.forEach((r, i) => out.set(x.subarray(r * H, r * H + H), i * H));
      return out;
    };
    const layers = at.state.layers.map((s) => {
      const a = take(s.a);
      return { a, c: this.lstm ? take(s.c) : a };
    });
    return { state: { batch: rows.length, layers } };
  }
}
