// The language model: one-hot or embedded tokens → stacked (optionally bidirectional) RNN /
// GRU / LSTM layers → ŷ⟨t⟩ = softmax(Wy a⟨t⟩ + by), with hand-written backpropagation
// through time. Weights live in Float32Arrays (the optimizer updates them in place) and are
// mirrored to the backend for the matrix products.

import type { GateName, NetworkConfig } from './config.js';
import { ConfigError } from './config.js';
import type { Cell, LayerState, RecurrentMatrix, SequenceCache } from './cells/cell.js';
import { zeroState } from './cells/cell.js';
import type { Kernels } from './kernels/kernels.js';
import { currentKernels, portableCell } from './kernels/kernels.js';
import type { StreamSlice } from './kernels/referenceOps.js';
import { ResidentMatrix, transpose } from './linalg.js';
import { Rng } from './math.js';

export { crossEntropy } from './kernels/referenceOps.js';

export interface Param {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Recurrent state carried between calls: one LayerState per layer (forward direction). */
export interface RecurrentState {
  batch: number;
  layers: LayerState[];
}

interface DirectionParams {
  Wx: Param;
  b: Param;
  wx: ResidentMatrix;
  wxT: ResidentMatrix;
  rec: RecurrentMatrix[];
  recParams: Param[];
}

/** Everything the recurrent layers' forward pass keeps for the backward pass and for inspection. */
export interface EncoderPass {
  T: number;
  B: number;
  ids: Int32Array;
  /** Real length of each stream when the batch is padded at the end (null: all T). The backward
   * direction reads each stream from its last real token, so padding never reaches a real step. */
  lengths: Int32Array | null;
  /** Input of each layer (after dropout), T·B·width; layer 0's is null for one-hot input. */
  inputs: (Float32Array | null)[];
  inputWidths: number[];
  /** caches[layer][direction] */
  caches: SequenceCache[][];
  /** Merged output of each layer before dropout. */
  outputs: Float32Array[];
  dropoutMasks: (Float32Array | null)[];
  /** thinned[layer][direction]: the weight-drop copies of that direction's recurrent matrices the
   * pass ran, with their masks (NetworkOptions.weightDrop); null when it ran the weights as they are. */
  thinned: (ThinnedWeights | null)[][];
  /** Top layer output fed to the softmax layer (after dropout). */
  top: Float32Array;
  topMask: Float32Array | null;
  state: RecurrentState;
}

/** One direction's recurrent matrices thinned by weight drop for one training pass, and their masks
 * (0 or 1/(1 − p) per weight): ∂L/∂W = mask ⊙ ∂L/∂(thinned W). */
export interface ThinnedWeights {
  rec: RecurrentMatrix[];
  masks: Float32Array[];
}

/** A language-model forward pass: the encoder pass and the output layer's logits. */
export interface ForwardPass extends EncoderPass {
  logits: Float32Array;
}

export interface EncodeOptions {
  /** Initial forward-direction state (default zeros). */
  state?: RecurrentState | null;
  /** Draws dropout masks (training) when dropout > 0. */
  rng?: Rng;
  /** Real length of each stream of a padded batch (see EncoderPass.lengths). */
  lengths?: Int32Array | null;
  /** These B streams are streams from…to−1 of a larger batch (a data-parallel worker's share):
   * dropout draws what one network over the whole batch would. Default: the whole batch. */
  streams?: StreamSlice;
}

/** What a task head adds to backpropagation through the recurrent layers (the language model needs neither). */
export interface EncoderBackwardOptions {
  /** Extra ∂L/∂a of layer l, direction k, in that direction's own time (T·B·H), added to what comes from above: a head that reads lower layers' states. */
  layerGradients?: (readonly (Float32Array | null)[] | null)[];
  /** Filled with ∂L/∂state0 of each layer's forward direction (a decoder started from a bridge). */
  stateGradients?: LayerState[];
  /** Receives ∂L/∂x of the first layer's input, T·B·width (one-hot: V wide; embedding: E wide): saliency. */
  inputGradient?: { dx?: Float32Array };
  /** Like `flows`, for each layer's backward direction: Σ(∂L/∂a⟨t⟩)² in that direction's own (reversed) time. */
  backwardFlows?: Float64Array[];
}

export interface NetworkBuildOptions {
  /** Include the language-model output layer (output.Wy, output.by). Default true; a task head
   * (classification, tagging) that brings its own output layer builds the network without it. */
  outputLayer?: boolean;
}

export interface LossResult {
  /** Mean cross-entropy over counted targets, nats per token. */
  loss: number;
  /** Targets counted (targets < 0 are ignored). */
  count: number;
  state: RecurrentState;
}

export interface GradResult extends LossResult {
  /** One gradient array per parameter, in `params` order. */
  grads: Float32Array[];
}

export class Network {
  readonly config: NetworkConfig;
  readonly params: Param[] = [];
  readonly cell: Cell;
  /** Native or portable hot loops, chosen when the network is made (kernels/kernels.ts). */
  readonly kernels: Kernels;
  private readonly byName = new Map<string, Param>();
  private readonly dirs: DirectionParams[][] = [];
  private readonly embedding: Param | null;
  private readonly output: { Wy: Param; by: Param; wy: ResidentMatrix; wyT: ResidentMatrix } | null;
  private readonly transposes: { src: Param; dst: ResidentMatrix }[] = [];
  /** Buffers of a training step, reused by the next one of the same shape (lossAndGrads only:
   * its pass never leaves it), or of a pass `advance` reads (its own pool: sampling during
   * training leaves the step's buffers alone). Null outside those two, where every array is fresh. */
  private scratch: Map<string, Float32Array> | null = null;
  private readonly pool = new Map<string, Float32Array>();
  private readonly readingPool = new Map<string, Float32Array>();
  /** Weight-drop copies of the recurrent matrices, per direction and matrix: kept, so that their
   * backend tensors are reused and freed, not left to the garbage collector. */
  private readonly thinnedMatrices = new Map<string, { w: ResidentMatrix; wT: ResidentMatrix; mask: Float32Array }>();
  /** The view of a pooled buffer that buf() last handed out for a shorter request. */
  private readonly views = new WeakMap<Float32Array, Float32Array>();

  private constructor(config: NetworkConfig, init: (name: string, shape: number[]) => Float32Array, build: NetworkBuildOptions = {}) {
    this.config = config;
    this.kernels = currentKernels();
    this.cell = this.kernels.cell(config.cell);
    const { units: H, vocabSize: V, layers } = config;
    const G = this.cell.gates;
    this.embedding = config.input === 'embedding' ? this.add('embedding', [V, config.embeddingSize], init) : null;
    const directions = config.bidirectional ? ['fw', 'bw'] : ['fw'];
    for (let l = 0; l < layers; l++) {
      const inWidth = l === 0 ? (config.input === 'embedding' ? config.embeddingSize : V) : this.outputWidth();
      const perDir: DirectionParams[] = [];
      for (const d of directions) {
        const p = `layer${l}.${d}.`;
        const Wx = this.add(`${p}Wx`, [inWidth, G * H], init);
        const recParams = this.cell.recurrentShapes(H).map((s) => this.add(`${p}${s.name}`, [s.rows, s.cols], init));
        const b = this.add(`${p}b`, [G * H], init);
        const rec = recParams.map((rp) => ({
          name: rp.name,
          w: new ResidentMatrix(rp.data, rp.shape[0], rp.shape[1]),
          wT: this.transposeOf(rp),
        }));
        const wx = new ResidentMatrix(Wx.data, inWidth, G * H);
        perDir.push({ Wx, b, wx, wxT: this.transposeOf(Wx), rec, recParams });
      }
      this.dirs.push(perDir);
    }
    if (build.outputLayer ?? true) {
      const Wy = this.add('output.Wy', [this.outputWidth(), V], init);
      const by = this.add('output.by', [V], init);
      this.output = { Wy, by, wy: new ResidentMatrix(Wy.data, this.outputWidth(), V), wyT: this.transposeOf(Wy) };
    } else {
      this.output = null;
    }
    this.refresh();
  }

  /** A new network with seeded initialisation (Glorot input weights, orthogonal recurrent
   * weights, zero biases, LSTM forget-gate bias = forgetBias). */
  static create(config: NetworkConfig, seed: number, build: NetworkBuildOptions = {}): Network {
    if (config.cell !== 'lstm' && config.cell !== 'gru' && config.cell !== 'rnn') {
      throw new ConfigError(`unknown cell ${String(config.cell)}`);
    }
    const rng = new Rng(seed);
    const H = config.units;
    return new Network(
      config,
      (name, shape) => {
        const n = shape.reduce((x, y) => x * y, 1);
        const data = new Float32Array(n);
        const leaf = name.slice(name.lastIndexOf('.') + 1);
        if (name === 'embedding') {
          for (let i = 0; i < n; i++) data[i] = (rng.next() * 2 - 1) * 0.05;
        } else if (leaf === 'b' || leaf === 'by') {
          if (config.cell === 'lstm' && leaf === 'b') data.fill(config.forgetBias, H, 2 * H); // Γf block
        } else if (leaf.startsWith('Wh')) {
          orthogonalRows(data, shape[0], shape[1], rng);
        } else {
          const s = Math.sqrt(6 / (shape[0] + shape[1]));
          for (let i = 0; i < n; i++) data[i] = (rng.next() * 2 - 1) * s;
        }
        return data;
      },
      build,
    );
  }

  /** A network from stored parameters; names and shapes must match the config exactly. */
  static fromParams(config: NetworkConfig, params: readonly Param[], build: NetworkBuildOptions = {}): Network {
    const given = new Map(params.map((p) => [p.name, p]));
    const net = new Network(
      config,
      (name, shape) => {
        const p = given.get(name);
        if (!p) throw new ConfigError(`parameter ${name} is missing`);
        if (p.shape.length !== shape.length || p.shape.some((d, i) => d !== shape[i])) {
          throw new ConfigError(`parameter ${name} has shape [${p.shape}], expected [${shape}]`);
        }
        if (p.data.length !== shape.reduce((x, y) => x * y, 1)) throw new ConfigError(`parameter ${name} has the wrong size`);
        return p.data.slice();
      },
      build,
    );
    if (given.size !== net.params.length) {
      const extra = [...given.keys()].filter((k) => !net.byName.has(k));
      throw new ConfigError(`unexpected parameter ${extra[0]}`);
    }
    return net;
  }

  /** Parameter shapes a config implies, without allocating a network's backend tensors. */
  static paramShapes(config: NetworkConfig, build: NetworkBuildOptions = {}): { name: string; shape: number[] }[] {
    const shapes: { name: string; shape: number[] }[] = [];
    const { units: H, vocabSize: V, layers } = config;
    const cell = portableCell(config.cell);
    const G = cell.gates;
    const outWidth = config.bidirectional && config.merge === 'concat' ? 2 * H : H;
    if (config.input === 'embedding') shapes.push({ name: 'embedding', shape: [V, config.embeddingSize] });
    for (let l = 0; l < layers; l++) {
      const inWidth = l === 0 ? (config.input === 'embedding' ? config.embeddingSize : V) : outWidth;
      for (const d of config.bidirectional ? ['fw', 'bw'] : ['fw']) {
        shapes.push({ name: `layer${l}.${d}.Wx`, shape: [inWidth, G * H] });
        for (const s of cell.recurrentShapes(H)) shapes.push({ name: `layer${l}.${d}.${s.name}`, shape: [s.rows, s.cols] });
        shapes.push({ name: `layer${l}.${d}.b`, shape: [G * H] });
      }
    }
    if (build.outputLayer ?? true) shapes.push({ name: 'output.Wy', shape: [outWidth, V] }, { name: 'output.by', shape: [V] });
    return shapes;
  }

  parameterCount(): number {
    return this.params.reduce((n, p) => n + p.data.length, 0);
  }

  param(name: string): Param {
    const p = this.byName.get(name);
    if (!p) throw new Error(`no parameter ${name}`);
    return p;
  }

  /** Call after changing parameter values in place: re-derives transposes and backend copies. */
  refresh(): void {
    // The native kernels multiply by transposes in BLAS; only the portable path keeps copies.
    for (const { src, dst } of this.kernels.path === 'portable' ? this.transposes : []) {
      transpose(src.data, src.shape[0], src.shape[1], dst.data);
      dst.invalidate();
    }
    for (const layer of this.dirs) {
      for (const d of layer) {
        d.wx.invalidate();
        for (const r of d.rec) r.w.invalidate();
      }
    }
    this.output?.wy.invalidate();
  }

  /** Frees the backend copies of the weights (the network stays usable; they re-upload). */
  dispose(): void {
    this.refresh();
    for (const { dst } of this.transposes) dst.dispose();
    for (const { w, wT } of this.thinnedMatrices.values()) {
      w.dispose();
      wT.dispose();
    }
  }

  initialState(batch: number): RecurrentState {
    return { batch, layers: this.dirs.map(() => zeroState(batch, this.config.units, this.config.cell)) };
  }

  /**
   * Forward pass over T steps of B streams. ids is time-major: ids[t·B + b].
   * With `rng` and dropout > 0, dropout masks are drawn (training).
   */
  forward(ids: Int32Array, B: number, T: number, state: RecurrentState | null, rng?: Rng, streams?: StreamSlice): ForwardPass {
    const output = this.outputLayer();
    const pass = this.encode(ids, B, T, { state, rng, streams });
    const width = this.outputWidth();
    const logits = this.kernels.affine({ data: pass.top, rows: T * B, cols: width }, ids, T * B, output.wy, output.by.data, this.buf('logits', T * B * this.config.vocabSize));
    return { ...pass, logits };
  }

  /**
   * The recurrent layers alone over T steps of B streams (time-major ids[t·B + b]): what a task
   * head reads. With `lengths`, streams are padded at the end and padding never affects a real step.
   */
  encode(ids: Int32Array, B: number, T: number, options: EncodeOptions = {}): EncoderPass {
    const { units: H, vocabSize: V, layers } = this.config;
    const { state = null, rng, lengths = null } = options;
    const streams = options.streams ?? { batch: B, from: 0, to: B };
    if (streams.to - streams.from !== B || streams.from < 0 || streams.to > streams.batch) throw new Error(`streams ${streams.from}…${streams.to} of ${streams.batch} do not fit a batch of ${B}`);
    if (lengths && (lengths.length !== B || lengths.some((n) => !(n >= 1 && n <= T)))) {
      throw new Error(`expected ${B} stream lengths from 1 to ${T}`);
    }
    if (ids.length !== B * T) throw new Error(`expected ${B * T} ids, got ${ids.length}`);
    for (let i = 0; i < ids.length; i++) {
      if (!(ids[i] >= 0 && ids[i] < V)) throw new Error(`token id ${ids[i]} is outside the vocabulary of ${V}`);
    }
    const s0 = state && state.batch === B ? state : this.initialState(B);
    const inputs: (Float32Array | null)[] = [];
    const inputWidths: number[] = [];
    const caches: SequenceCache[][] = [];
    const outputs: Float32Array[] = [];
    const dropoutMasks: (Float32Array | null)[] = [];
    const thinned: (ThinnedWeights | null)[][] = [];
    let x: Float32Array | null = null;
    let width = V;
    if (this.embedding) {
      const E = this.config.embeddingSize;
      x = new Float32Array(T * B * E);
      for (let r = 0; r < T * B; r++) x.set(this.embedding.data.subarray(ids[r] * E, ids[r] * E + E), r * E);
      width = E;
    }
    const finals: LayerState[] = [];
    for (let l = 0; l < layers; l++) {
      let mask: Float32Array | null = null;
      if (l > 0 && rng && this.config.dropout > 0 && x) ({ x, mask } = this.dropout(`drop${l}`, x, T, width, rng, streams));
      dropoutMasks.push(mask);
      inputs.push(x);
      inputWidths.push(width);
      const layerCaches: SequenceCache[] = [];
      const layerThinned: (ThinnedWeights | null)[] = [];
      this.dirs[l].forEach((d, k) => {
        let xProj = this.project(d, x, ids, T, B, `${l}.${k}.xProj`);
        const backward = k === 1;
        if (backward) xProj = reverseStreams(xProj, T, B, this.cell.gates * H, lengths);
        const init = backward ? zeroState(B, H, this.config.cell) : s0.layers[l];
        const thin = rng && this.config.weightDrop > 0 ? this.thin(`${l}.${k}`, d, rng) : null;
        const candidateMask = rng && this.config.recurrentDropout > 0 ? this.candidateMask(`${l}.${k}`, T, B, rng, streams) : null;
        const cache = this.cell.forward(xProj, T, B, H, thin?.rec ?? d.rec, init, this.allocator(`${l}.${k}.`), candidateMask);
        layerCaches.push(cache);
        layerThinned.push(thin);
        if (!backward) finals.push(cache.final);
      });
      caches.push(layerCaches);
      thinned.push(layerThinned);
      const out = this.merge(layerCaches, T, B, lengths);
      outputs.push(out);
      x = out;
      width = this.outputWidth();
    }
    let top = x as Float32Array;
    let topMask: Float32Array | null = null;
    if (rng && this.config.dropout > 0) ({ x: top, mask: topMask } = this.dropout('dropTop', top, T, this.outputWidth(), rng, streams));
    return { T, B, ids, lengths, inputs, inputWidths, caches, outputs, dropoutMasks, thinned, top, topMask, state: { batch: B, layers: finals } };
  }

  /**
   * Feeds T steps of B streams (time-major ids[t·B + b]) and returns what comes next: the state
   * after them and the logits of the last step (B·V, a new array), equal to `forward`'s. The pass
   * itself is not kept, so its buffers are reused by the next call: sampling and completion
   * allocate no arrays per token but these two.
   */
  advance(ids: Int32Array, B: number, T: number, state: RecurrentState | null): { state: RecurrentState; logits: Float32Array } {
    const outer = this.scratch;
    this.scratch = this.readingPool;
    try {
      const pass = this.forward(ids, B, T, state);
      const V = this.config.vocabSize;
      return { state: pass.state, logits: pass.logits.slice((T - 1) * B * V, T * B * V) };
    } finally {
      this.scratch = outer;
    }
  }

  /** Mean cross-entropy of `targets` (time-major, −1 = not counted) without gradients. */
  loss(ids: Int32Array, targets: Int32Array, B: number, T: number, state: RecurrentState | null): LossResult {
    const pass = this.forward(ids, B, T, state);
    const { loss, count } = this.kernels.crossEntropy(pass.logits, targets, this.config.vocabSize, null);
    return { loss, count, state: pass.state };
  }

  /**
   * Loss and gradients of every parameter by backpropagation through time. With `streams`, the
   * B streams are a slice of a larger batch (a data-parallel worker's share; see EncodeOptions).
   */
  lossAndGrads(ids: Int32Array, targets: Int32Array, B: number, T: number, state: RecurrentState | null, rng?: Rng, streams?: StreamSlice): GradResult {
    this.scratch = this.pool;
    try {
      const pass = this.forward(ids, B, T, state, rng, streams);
      const V = this.config.vocabSize;
      const dLogits = this.buf('dLogits', pass.logits.length);
      const { loss, count } = this.kernels.crossEntropy(pass.logits, targets, V, dLogits);
      const grads = this.backward(pass, dLogits);
      return { loss, count, state: pass.state, grads };
    } finally {
      this.scratch = null;
    }
  }

  /**
   * Backward pass from ∂L/∂logits. With `flows` (one Float64Array(T) per layer), records
   * Σ(∂L/∂a⟨t⟩)² of each layer's forward direction.
   */
  backward(pass: ForwardPass, dLogits: Float32Array, flows?: Float64Array[]): Float32Array[] {
    const { T, B } = pass;
    const V = this.config.vocabSize;
    const output = this.outputLayer();
    const width = this.outputWidth();
    const dTop = this.kernels.matmulT({ data: dLogits, rows: T * B, cols: V }, output.wy, output.wyT, this.buf('dTop', T * B * width));
    const grads = this.backwardEncoder(pass, this.directionGradients(pass, dTop, this.scratch !== null), flows);
    grads.set('output.Wy', this.kernels.matmulTN({ data: pass.top, rows: T * B, cols: width }, { data: dLogits, rows: T * B, cols: V }));
    grads.set('output.by', this.kernels.columnSums(dLogits, T * B, V));
    return this.params.map((p) => {
      const g = grads.get(p.name);
      if (!g) throw new Error(`no gradient for ${p.name}`);
      return g;
    });
  }

  /** ∂L/∂(top output, T·B·outputWidth, after dropout) → ∂L/∂a of each top-layer direction in its own time. */
  directionGradients(pass: EncoderPass, dTop: Float32Array, inPlace = false): Float32Array[] {
    const mask = pass.topMask;
    let d = dTop;
    if (mask && inPlace) for (let i = 0; i < d.length; i++) d[i] *= mask[i];
    else if (mask) d = dTop.map((v, i) => v * mask[i]);
    return this.toCacheTime(this.unmerge(pass.caches[this.config.layers - 1], d, pass.T, pass.B, pass.lengths), pass);
  }

  /**
   * Backpropagation through the recurrent layers from ∂L/∂a of each top-layer direction, in that
   * direction's own time (T·B·H each). Returns the gradient of every encoder parameter by name.
   */
  backwardEncoder(pass: EncoderPass, dTopDirections: Float32Array[], flows?: Float64Array[], more: EncoderBackwardOptions = {}): Map<string, Float32Array> {
    const { T, B, ids, lengths } = pass;
    const { units: H, layers } = this.config;
    const G = this.cell.gates;
    const grads = new Map<string, Float32Array>();
    let dOuts = dTopDirections;
    for (let l = layers - 1; l >= 0; l--) {
      const extra = more.layerGradients?.[l];
      if (extra) dOuts = dOuts.map((d, k) => (extra[k] ? d.map((v, i) => v + (extra[k] as Float32Array)[i]) : d));
      const input = pass.inputs[l];
      const inWidth = pass.inputWidths[l];
      const needInputGrad = l > 0 || this.embedding !== null || more.inputGradient !== undefined;
      const dIn: Float32Array | null = needInputGrad ? this.buf(`${l}.dIn`, T * B * inWidth).fill(0) : null;
      this.dirs[l].forEach((d, k) => {
        const backward = k === 1;
        const flow = backward ? more.backwardFlows?.[l] : flows?.[l];
        const thin = pass.thinned[l]?.[k] ?? null;
        const rec = thin?.rec ?? d.rec;
        const r = this.cell.backward(pass.caches[l][k], dOuts[k], rec, flow, this.allocator(`${l}.${k}.`));
        if (more.stateGradients && !backward) {
          // The native cells do not return ∂L/∂state0; the reference cell reads the same cache layout.
          more.stateGradients[l] = r.dState0 ?? this.referenceStateGradient(pass.caches[l][k], dOuts[k], d, rec);
        }
        const dXProj = backward ? reverseStreams(r.dXProj, T, B, G * H, lengths) : r.dXProj;
        d.recParams.forEach((p, i) => {
          const g = r.dRecurrent[i];
          if (thin) for (let j = 0; j < g.length; j++) g[j] *= thin.masks[i][j];
          grads.set(p.name, g);
        });
        grads.set(d.b.name, this.kernels.columnSums(dXProj, T * B, G * H));
        if (input === null) {
          // One-hot input: Wx·x⟨t⟩ is a row lookup, so its gradient is a scatter-add of rows.
          grads.set(d.Wx.name, this.kernels.scatterRows(ids, dXProj, G * H, d.Wx.shape[0]));
          if (dIn) {
            const part = this.kernels.matmulT({ data: dXProj, rows: T * B, cols: G * H }, d.wx, d.wxT);
            for (let i = 0; i < part.length; i++) dIn[i] += part[i];
          }
        } else {
          grads.set(d.Wx.name, this.kernels.matmulTN({ data: input, rows: T * B, cols: inWidth }, { data: dXProj, rows: T * B, cols: G * H }));
          if (dIn) {
            const part = this.kernels.matmulT({ data: dXProj, rows: T * B, cols: G * H }, d.wx, d.wxT, this.buf(`${l}.dInPart`, T * B * inWidth));
            for (let i = 0; i < part.length; i++) dIn[i] += part[i];
          }
        }
      });
      const mask = pass.dropoutMasks[l];
      if (dIn && mask) for (let i = 0; i < dIn.length; i++) dIn[i] *= mask[i];
      if (l === 0 && more.inputGradient && dIn) more.inputGradient.dx = dIn;
      if (l === 0 && this.embedding && dIn) {
        const E = this.config.embeddingSize;
        grads.set('embedding', this.kernels.scatterRows(ids, dIn, E, this.embedding.shape[0]));
      }
      if (l > 0) dOuts = this.toCacheTime(this.unmerge(pass.caches[l - 1], dIn as Float32Array, T, B, lengths), pass);
    }
    return grads;
  }

  /** Gate/state trace of layer l, direction k, of a pass (the backward direction in its own, reversed time), as a T·B·H array. */
  trace(pass: EncoderPass, layer: number, direction: number, gate: GateName): Float32Array {
    return pass.caches[layer][direction].trace(gate);
  }

  outputWidth(): number {
    return this.config.bidirectional && this.config.merge === 'concat' ? 2 * this.config.units : this.config.units;
  }

  /** Per-direction gradients in position time → each direction's own time (the backward one reversed). */
  private toCacheTime(dirs: Float32Array[], pass: EncoderPass): Float32Array[] {
    return dirs.map((d, k) => (k === 1 ? reverseStreams(d, pass.T, pass.B, this.config.units, pass.lengths) : d));
  }

  /** ∂L/∂state0 by the reference cell, which reads the same cache layout, with the transposes the native path does not keep. */
  private referenceStateGradient(cache: SequenceCache, dA: Float32Array, d: DirectionParams, ran: RecurrentMatrix[]): LayerState {
    const rec = ran.map((r, i) => {
      const [rows, cols] = d.recParams[i].shape;
      const wT = new ResidentMatrix(new Float32Array(rows * cols), cols, rows);
      transpose(r.w.data, rows, cols, wT.data);
      return { name: r.name, w: r.w, wT };
    });
    try {
      return portableCell(this.config.cell).backward(cache, dA, rec).dState0 as LayerState;
    } finally {
      for (const r of rec) r.wT.dispose();
    }
  }

  private outputLayer(): NonNullable<Network['output']> {
    if (!this.output) throw new Error('this network has no language-model output layer (a task head reads it)');
    return this.output;
  }

  private add(name: string, shape: number[], init: (name: string, shape: number[]) => Float32Array): Param {
    const p = { name, shape, data: init(name, shape) };
    this.params.push(p);
    this.byName.set(name, p);
    return p;
  }

  private transposeOf(p: Param): ResidentMatrix {
    const dst = new ResidentMatrix(new Float32Array(p.data.length), p.shape[1], p.shape[0]);
    this.transposes.push({ src: p, dst });
    return dst;
  }

  /** x⟨t⟩·Wx + b for every step: T·B·(G·H). */
  private project(d: DirectionParams, x: Float32Array | null, ids: Int32Array, T: number, B: number, key: string): Float32Array {
    const out = this.buf(key, T * B * d.Wx.shape[1]);
    return this.kernels.affine(x === null ? null : { data: x, rows: T * B, cols: d.Wx.shape[0] }, ids, T * B, d.wx, d.b.data, out);
  }

  /**
   * A training step's (or a reading's) reused buffer of n values, contents left from an earlier
   * call, else a new zeroed one. A pooled buffer only grows: a shorter request gets a view of its
   * first n values, kept until the length changes, so reading alternately a long context and
   * single tokens (a cold completion, then its generated tokens) allocates nothing per token and
   * no buffer after the first long read.
   */
  private buf(key: string, n: number): Float32Array {
    if (!this.scratch) return new Float32Array(n);
    let b = this.scratch.get(key);
    if (!b || b.length < n) this.scratch.set(key, (b = new Float32Array(n)));
    if (b.length === n) return b;
    let view = this.views.get(b);
    if (!view || view.length !== n) this.views.set(b, (view = b.subarray(0, n)));
    return view;
  }

  /** The cells' buffer source under a key prefix: reused in a training step, fresh otherwise. */
  private allocator(prefix: string): ((key: string, n: number) => Float32Array) | undefined {
    return this.scratch ? (key, n) => this.buf(prefix + key, n) : undefined;
  }

  private dropout(key: string, x: Float32Array, T: number, width: number, rng: Rng, streams: StreamSlice): { x: Float32Array; mask: Float32Array } {
    const y = this.buf(`${key}.y`, x.length);
    const mask = this.buf(`${key}.mask`, x.length);
    this.kernels.dropout(x, this.config.dropout, rng, T, width, streams, y, mask);
    return { x: y, mask };
  }

  /** Weight drop: one direction's recurrent matrices thinned for a training pass. Every stream of
   * the pass, and every data-parallel worker's share of it, runs the same thinned weights: the
   * masks are drawn first, the same in every worker, as one network over the whole batch would. */
  private thin(key: string, d: DirectionParams, rng: Rng): ThinnedWeights {
    const whole: StreamSlice = { batch: 1, from: 0, to: 1 };
    const rec: RecurrentMatrix[] = [];
    const masks: Float32Array[] = [];
    d.rec.forEach((r, i) => {
      const [rows, cols] = d.recParams[i].shape;
      const n = rows * cols;
      let held = this.thinnedMatrices.get(`${key}.${i}`);
      if (!held) {
        held = { w: new ResidentMatrix(new Float32Array(n), rows, cols), wT: new ResidentMatrix(new Float32Array(n), cols, rows), mask: new Float32Array(n) };
        this.thinnedMatrices.set(`${key}.${i}`, held);
      }
      this.kernels.dropout(d.recParams[i].data, this.config.weightDrop, rng, 1, n, whole, held.w.data, held.mask);
      held.w.invalidate();
      // The portable cells multiply by the transpose; the native ones transpose in BLAS.
      if (this.kernels.path === 'portable') {
        transpose(held.w.data, rows, cols, held.wT.data);
        held.wT.invalidate();
      }
      rec.push({ name: r.name, w: held.w, wT: held.wT });
      masks.push(held.mask);
    });
    return { rec, masks };
  }

  /** A recurrent-dropout mask of c̃ for one direction of one layer (T·B·H, in that direction's
   * own time), drawn like the dropout masks: over the whole batch, this slice's streams kept. */
  private candidateMask(key: string, T: number, B: number, rng: Rng, streams: StreamSlice): Float32Array {
    const n = T * B * this.config.units;
    const ones = this.buf(`${key}.candidateOnes`, n).fill(1);
    const mask = this.buf(`${key}.candidateMask`, n);
    this.kernels.dropout(ones, this.config.recurrentDropout, rng, T, this.config.units, streams, this.buf(`${key}.candidateDropped`, n), mask);
    return mask;
  }

  private merge(caches: SequenceCache[], T: number, B: number, lengths: Int32Array | null): Float32Array {
    const H = this.config.units;
    const fw = caches[0].a;
    if (caches.length === 1) return fw;
    const bw = reverseStreams(caches[1].a, T, B, H, lengths);
    const n = T * B * H;
    switch (this.config.merge) {
      case 'concat': {
        const out = new Float32Array(2 * n);
        for (let r = 0; r < T * B; r++) {
          out.set(fw.subarray(r * H, r * H + H), r * 2 * H);
          out.set(bw.subarray(r * H, r * H + H), r * 2 * H + H);
        }
        return out;
      }
      case 'sum':
        return fw.map((v, i) => v + bw[i]);
      case 'mul':
        return fw.map((v, i) => v * bw[i]);
      case 'ave':
        return fw.map((v, i) => (v + bw[i]) / 2);
    }
  }

  /** ∂L/∂(merged output) → ∂L/∂a per direction (the backward direction in forward time). */
  private unmerge(caches: SequenceCache[], d: Float32Array, T: number, B: number, lengths: Int32Array | null): Float32Array[] {
    const H = this.config.units;
    if (caches.length === 1) return [d];
    const n = T * B * H;
    const fw = caches[0].a;
    const bw = reverseStreams(caches[1].a, T, B, H, lengths);
    const dFw = new Float32Array(n);
    const dBw = new Float32Array(n);
    switch (this.config.merge) {
      case 'concat':
        for (let r = 0; r < T * B; r++) {
          dFw.set(d.subarray(r * 2 * H, r * 2 * H + H), r * H);
          dBw.set(d.subarray(r * 2 * H + H, r * 2 * H + 2 * H), r * H);
        }
        break;
      case 'sum':
        dFw.set(d);
        dBw.set(d);
        break;
      case 'mul':
        for (let i = 0; i < n; i++) {
          dFw[i] = d[i] * bw[i];
          dBw[i] = d[i] * fw[i];
        }
        break;
      case 'ave':
        for (let i = 0; i < n; i++) dFw[i] = dBw[i] = d[i] / 2;
        break;
    }
    return [dFw, dBw];
  }
}

/** Reverses the order of T blocks of `block` values (time reversal, time-major layout). */
export function reverseTime(x: Float32Array, T: number, block: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let t = 0; t < T; t++) out.set(x.subarray(t * block, (t + 1) * block), (T - 1 - t) * block);
  return out;
}

/**
 * Reverses each stream in time within its length (positions past it stay where they are), T·B
 * rows of `width` values, time-major. Without lengths, the whole window is reversed. It is its own inverse.
 */
export function reverseStreams(x: Float32Array, T: number, B: number, width: number, lengths: Int32Array | null): Float32Array {
  if (!lengths) return reverseTime(x, T, B * width);
  const out = new Float32Array(x.length);
  for (let b = 0; b < B; b++) {
    const L = lengths[b];
    for (let t = 0; t < T; t++) {
      const src = (t * B + b) * width;
      const dst = ((t < L ? L - 1 - t : t) * B + b) * width;
      out.set(x.subarray(src, src + width), dst);
    }
  }
  return out;
}

/** Probabilities of one row of logits at a temperature (T → 0 is left to the caller). */
export function softmaxRow(logits: Float32Array, offset: number, V: number, temperature = 1): Float64Array {
  const p = new Float64Array(V);
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[offset + v]);
  let sum = 0;
  for (let v = 0; v < V; v++) {
    p[v] = Math.exp((logits[offset + v] - max) / temperature);
    sum += p[v];
  }
  for (let v = 0; v < V; v++) p[v] /= sum;
  return p;
}

/** Fills a rows×cols matrix with orthonormal rows (or columns when rows > cols), Gram–Schmidt on
 * Gaussian noise: the orthogonal initialisation Keras uses for recurrent kernels. */
function orthogonalRows(data: Float32Array, rows: number, cols: number, rng: Rng): void {
  const byRows = rows <= cols;
  const n = byRows ? rows : cols; // vectors
  const m = byRows ? cols : rows; // length
  const vecs = Array.from({ length: n }, () => Float64Array.from({ length: m }, () => rng.normal()));
  for (let i = 0; i < n; i++) {
    const v = vecs[i];
    for (let k = 0; k < i; k++) {
      const u = vecs[k];
      let dot = 0;
      for (let j = 0; j < m; j++) dot += v[j] * u[j];
      for (let j = 0; j < m; j++) v[j] -= dot * u[j];
    }
    let norm = 0;
    for (let j = 0; j < m; j++) norm += v[j] * v[j];
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < m; j++) v[j] /= norm;
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      if (byRows) data[i * cols + j] = vecs[i][j];
      else data[j * cols + i] = vecs[i][j];
    }
  }
}
