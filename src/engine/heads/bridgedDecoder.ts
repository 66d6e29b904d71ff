// A decoder started from a learned bridge: for each layer l, s_l = tanh(Wb_l·z_l + bb_l) is the
// decoder layer's initial state (for an LSTM s_l holds both a⟨0⟩ and c⟨0⟩); the decoder (forward
// only) reads its inputs and predicts ŷ⟨j⟩ = softmax(Wy a_dec⟨j⟩ + by). Seq2seq bridges from the
// encoder's final states; a label-conditioned language model bridges from onehot(label).

import type { NetworkConfig } from '../config.js';
import type { LayerState } from '../cells/cell.js';
import type { Rng } from '../math.js';
import type { EncoderPass, Param, RecurrentState } from '../network.js';
import { Network } from '../network.js';
import { DenseLayer } from './denseLayer.js';
import { storedTensor } from './sequenceHead.js';
import type { PaddedBatch } from './paddedBatch.js';

/** The decoder's state between inference steps. */
export interface DecoderState {
  state: RecurrentState;
}

export interface BridgedPass {
  /** Per layer: tanh(bridge) output, B × H (LSTM: B × 2H, a⟨0⟩ then c⟨0⟩). */
  bridged: Float32Array[];
  decoder: EncoderPass;
  /** T·B × V, time-major over the decoder's steps. */
  logits: Float32Array;
}

export interface BridgedNames {
  decoder: string;
  bridge: string;
  output: string;
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

/** Σ −log p(y⟨t⟩) over each stream's real targets (−1 is padding) of time-major T·B × V logits, nats per stream. */
export function sequenceLosses(logits: Float32Array, targets: Int32Array, B: number, V: number): Float64Array {
  const out = new Float64Array(B);
  for (let r = 0; r < targets.length; r++) {
    const y = targets[r];
    if (y >= 0) out[r % B] -= logSoftmaxRow(logits, r * V, V)[y];
  }
  return out;
}

/** The same tensors under the head's names (the data is shared, so the optimizer's in-place updates reach the network). */
export function renamed(prefix: string, params: readonly Param[]): Param[] {
  return params.map((p) => ({ name: prefix + p.name, shape: p.shape, data: p.data }));
}

export class BridgedDecoder {
  readonly decoder: Network;
  readonly bridges: DenseLayer[];
  readonly output: DenseLayer;
  /** bridge.layer<l>.*, decoder.*, output: the bridge, decoder and output tensors in that order. */
  readonly params: Param[];
  private readonly lstm: boolean;
  private readonly H: number;
  private readonly V: number;

  private constructor(
    config: NetworkConfig,
    private readonly names: BridgedNames,
    decoder: Network,
    bridges: DenseLayer[],
    output: DenseLayer,
  ) {
    this.decoder = decoder;
    this.bridges = bridges;
    this.output = output;
    this.lstm = config.cell === 'lstm';
    this.H = config.units;
    this.V = config.vocabSize;
    this.params = [...bridges.flatMap((b) => [b.Wy, b.by]), ...renamed(names.decoder, decoder.params), output.Wy, output.by];
  }

  /** Width of each layer's bridged state: H, or 2H for an LSTM (a⟨0⟩ and c⟨0⟩). */
  static bridgeOut(config: NetworkConfig): number {
    return config.units * (config.cell === 'lstm' ? 2 : 1);
  }

  /** A seeded decoder (seed), Glorot bridge then output weights from `rng`. */
  static create(config: NetworkConfig, names: BridgedNames, bridgeIn: number, seed: number, rng: Rng): BridgedDecoder {
    const decoder = Network.create(decoderConfig(config), seed, { outputLayer: false });
    const bridges = Array.from({ length: config.layers }, (_, l) => {
      const b = new DenseLayer(`${names.bridge}.layer${l}`, bridgeIn, BridgedDecoder.bridgeOut(config));
      b.initialise(rng);
      return b;
    });
    const output = new DenseLayer(names.output, config.units, config.vocabSize);
    output.initialise(rng);
    return new BridgedDecoder(config, names, decoder, bridges, output);
  }

  /** From stored parameters (the decoder's under names.decoder). */
  static fromParams(config: NetworkConfig, names: BridgedNames, bridgeIn: number, params: readonly Param[]): BridgedDecoder {
    const byName = new Map(params.map((p) => [p.name, p]));
    const dense = (prefix: string, inWidth: number, outWidth: number): DenseLayer =>
      new DenseLayer(prefix, inWidth, outWidth, { Wy: storedTensor(byName, `${prefix}.Wy`, [inWidth, outWidth]), by: storedTensor(byName, `${prefix}.by`, [outWidth]) });
    const decoderParams = params.filter((p) => p.name.startsWith(names.decoder)).map((p) => ({ ...p, name: p.name.slice(names.decoder.length) }));
    const decoder = Network.fromParams(decoderConfig(config), decoderParams, { outputLayer: false });
    const bridges = Array.from({ length: config.layers }, (_, l) => dense(`${names.bridge}.layer${l}`, bridgeIn, BridgedDecoder.bridgeOut(config)));
    return new BridgedDecoder(config, names, decoder, bridges, dense(names.output, config.units, config.vocabSize));
  }

  /** Parameter names and shapes: bridges, decoder, output (the `params` order). */
  static paramShapes(config: NetworkConfig, names: BridgedNames, bridgeIn: number): { bridge: { name: string; shape: number[] }[]; decoder: { name: string; shape: number[] }[]; output: { name: string; shape: number[] }[] } {
    const out = BridgedDecoder.bridgeOut(config);
    return {
      bridge: Array.from({ length: config.layers }, (_, l) => [
        { name: `${names.bridge}.layer${l}.Wy`, shape: [bridgeIn, out] },
        { name: `${names.bridge}.layer${l}.by`, shape: [out] },
      ]).flat(),
      decoder: Network.paramShapes(decoderConfig(config), { outputLayer: false }).map((s) => ({ name: names.decoder + s.name, shape: s.shape })),
      output: [
        { name: `${names.output}.Wy`, shape: [config.units, config.vocabSize] },
        { name: `${names.output}.by`, shape: [config.vocabSize] },
      ],
    };
  }

  refresh(): void {
    this.decoder.refresh();
  }

  dispose(): void {
    this.decoder.dispose();
  }

  /** s_l = tanh(Wb_l·z_l + bb_l) for each layer's input z_l (B rows), and the decoder state they make. */
  bridge(inputs: readonly Float32Array[], B: number): { bridged: Float32Array[]; state: RecurrentState } {
    const bridged = inputs.map((z, l) => this.bridges[l].forward(z, B).map(Math.tanh));
    return { bridged, state: { batch: B, layers: bridged.map((s) => toLayerState(s, B, this.H, this.lstm)) } };
  }

  /** The teacher-forced decoder pass over `target` (its ids are the decoder's inputs) from the bridged inputs, before the output layer. */
  run(inputs: readonly Float32Array[], target: PaddedBatch, rng?: Rng): Omit<BridgedPass, 'logits'> {
    const { bridged, state } = this.bridge(inputs, target.B);
    return { bridged, decoder: this.decoder.encode(target.ids, target.B, target.T, { state, lengths: target.lengths, rng }) };
  }

  /** The teacher-forced pass over `target` (its ids are the decoder's inputs) from the bridged inputs. */
  forward(inputs: readonly Float32Array[], target: PaddedBatch, rng?: Rng): BridgedPass {
    const pass = this.run(inputs, target, rng);
    return { ...pass, logits: this.output.forward(pass.decoder.top, target.T * target.B) };
  }

  /** Gradients of the output, decoder and bridges from ∂L/∂logits (into `named`), and ∂L/∂z_l of each layer's bridge input. */
  backward(inputs: readonly Float32Array[], target: PaddedBatch, pass: BridgedPass, dLogits: Float32Array, named: Map<string, Float32Array>): Float32Array[] {
    const out = this.output.backward(pass.decoder.top, target.T * target.B, dLogits);
    named.set(this.output.Wy.name, out.dWy);
    named.set(this.output.by.name, out.dby);
    return this.backwardDecoder(inputs, target, pass, out.dX, named);
  }

  /** Gradients of the decoder and bridges from ∂L/∂(decoder top output, T·B × H) (into `named`), and ∂L/∂z_l of each layer's bridge input. */
  backwardDecoder(inputs: readonly Float32Array[], target: PaddedBatch, pass: Omit<BridgedPass, 'logits'>, dTop: Float32Array, named: Map<string, Float32Array>): Float32Array[] {
    const B = target.B;
    const stateGradients: LayerState[] = [];
    const dec = this.decoder.backwardEncoder(pass.decoder, this.decoder.directionGradients(pass.decoder, dTop), undefined, { stateGradients });
    for (const [k, g] of dec) named.set(this.names.decoder + k, g);
    // ∂L/∂s through tanh: ∂L/∂(bridge pre-activation) = ∂L/∂s ⊙ (1 − s²).
    return pass.bridged.map((s, l) => {
      const dS = fromLayerState(stateGradients[l], B, this.H, this.lstm);
      const dPre = dS.map((d, i) => d * (1 - s[i] * s[i]));
      const r = this.bridges[l].backward(inputs[l], B, dPre);
      named.set(this.bridges[l].Wy.name, r.dWy);
      named.set(this.bridges[l].by.name, r.dby);
      return r.dX;
    });
  }

  /** One decoder step for every row of `at`: log-probabilities of the next token (B × V) and the state after `tokens`. */
  step(at: DecoderState, tokens: Int32Array): { logProbs: Float64Array[]; next: DecoderState } {
    const B = tokens.length;
    const { top, next } = this.stepDecoder(at, tokens);
    return { logProbs: this.logProbs(this.output.forward(top, B), B), next };
  }

  /** One decoder step before the output layer: the decoder's top output (B × H) and the state after `tokens`. */
  stepDecoder(at: DecoderState, tokens: Int32Array): { top: Float32Array; next: DecoderState } {
    const B = tokens.length;
    if (at.state.batch !== B) throw new RangeError(`the decoder state holds ${at.state.batch} rows, not ${B}`);
    const pass = this.decoder.encode(tokens, B, 1, { state: at.state });
    return { top: pass.top, next: { state: pass.state } };
  }

  /** Each row's log softmax of B × V logits. */
  logProbs(logits: Float32Array, B: number): Float64Array[] {
    return Array.from({ length: B }, (_, b) => logSoftmaxRow(logits, b * this.V, this.V));
  }

  /** The rows `rows` of a decoder state, in that order (a beam's survivors). */
  pick(at: DecoderState, rows: readonly number[]): DecoderState {
    const H = this.H;
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
