// Looking inside a model: every gate, c̃, c and a per layer and time step, saturation per gate,
// top-k next-token predictions, and gradient flow through time ‖∂L⟨T⟩/∂a⟨t⟩‖.

import type { GateName } from './config.js';
import { CELL_GATES } from './config.js';
import type { Model } from './model.js';
import { crossEntropy } from './network.js';
import { topPredictions } from './sampler.js';
import type { GateSaturation, GradientFlow, InspectResult, LayerTrace, QuantisedInspectResult, QuantisedTrace } from './types.js';

export interface InspectOptions {
  /** Predictions per step. Default 5. */
  topK?: number;
  /** Also compute gradient flow. Default false. */
  gradients?: boolean;
  /** Token position T whose loss is differentiated. Default: the last token that has a successor. */
  position?: number;
  /** Refuse texts longer than this many tokens. Default 5000. */
  maxTokens?: number;
}

const SIGMOID_GATES: ReadonlySet<GateName> = new Set(['gammaU', 'gammaF', 'gammaO', 'gammaR']);

/** Fraction of values near the ends of the range: gates (0, 1) below 0.1 / above 0.9; tanh
 * values (c̃, a) below −0.9 / above 0.9. c is unbounded and has none. */
export function saturation(values: readonly ArrayLike<number>[], gate: GateName): GateSaturation | null {
  if (gate === 'c') return null;
  const lowAt = SIGMOID_GATES.has(gate) ? 0.1 : -0.9;
  const T = values.length;
  const H = T > 0 ? values[0].length : 0;
  const unitLow = new Array<number>(H).fill(0);
  const unitHigh = new Array<number>(H).fill(0);
  for (const row of values) {
    for (let j = 0; j < H; j++) {
      if (row[j] < lowAt) unitLow[j]++;
      else if (row[j] > 0.9) unitHigh[j]++;
    }
  }
  const total = Math.max(1, T * H);
  const low = unitLow.reduce((a, b) => a + b, 0) / total;
  const high = unitHigh.reduce((a, b) => a + b, 0) / total;
  return { low, high, unitLow: unitLow.map((n) => n / Math.max(1, T)), unitHigh: unitHigh.map((n) => n / Math.max(1, T)) };
}

/** What one forward pass over the text gives every kind of inspection, traces aside. */
interface Inspection<G> extends Omit<InspectResult, 'layers'> {
  layers: (Omit<LayerTrace, 'gates'> & { gates: Partial<Record<GateName, G>> })[];
}

/**
 * Runs the network over `text` once and hands each gate trace, T×H in text order, to `take`
 * (the native kernels' forward when they are loaded: the network chose its kernels when made).
 */
function runInspection<G>(model: Model, text: string, options: InspectOptions, take: (rows: Float32Array[], gate: GateName) => G): Inspection<G> {
  const { network, vocab } = model;
  const { ids, offsets } = vocab.encodeWithOffsets(text);
  const T = ids.length;
  const maxTokens = options.maxTokens ?? 5000;
  if (T === 0) throw new RangeError('there is no text to inspect');
  if (T > maxTokens) throw new RangeError(`the text has ${T} tokens; inspect at most ${maxTokens} at a time`);
  const H = network.config.units;
  const V = network.config.vocabSize;
  const pass = network.forward(ids, 1, T, null);
  const layers: Inspection<G>['layers'] = [];
  const gates = CELL_GATES[network.config.cell];
  for (let l = 0; l < network.config.layers; l++) {
    pass.caches[l].forEach((_, k) => {
      const trace: Inspection<G>['layers'][number] = {
        layer: l,
        direction: k === 0 ? 'forward' : 'backward',
        cell: network.config.cell,
        units: H,
        gates: {},
        saturation: {},
      };
      for (const g of gates) {
        const flat = network.trace(pass, l, k, g);
        // The backward direction ran over reversed time: put its steps back in text order.
        const rows = Array.from({ length: T }, (_, t) => {
          const src = k === 0 ? t : T - 1 - t;
          return flat.subarray(src * H, (src + 1) * H);
        });
        trace.gates[g] = take(rows, g);
        const sat = saturation(rows, g);
        if (sat) trace.saturation[g] = sat;
      }
      layers.push(trace);
    });
  }
  const topK = options.topK ?? 5;
  const predictions = Array.from({ length: T }, (_, t) => topPredictions(model, pass.logits.subarray(t * V, (t + 1) * V), topK).map((p) => ({ token: p.token, p: round6(p.p) })));
  const tokens = Array.from(ids, (_, i) => text.slice(offsets[i], offsets[i + 1]));
  const result: Inspection<G> = { tokens, offsets, cell: network.config.cell, layers, predictions };
  if (options.gradients) result.gradients = gradientFlow(model, ids, options.position);
  return result;
}

/** The reference inspection: every trace as [t][unit] numbers to six decimals (CLI --json, tests). */
export function inspect(model: Model, text: string, options: InspectOptions = {}): InspectResult {
  return runInspection(model, text, options, (rows) => rows.map((row) => Array.from(row, round6)));
}

/** The inspector's inspection: the same pass with each trace quantised to a byte per value. */
export function inspectQuantised(model: Model, text: string, options: InspectOptions = {}): QuantisedInspectResult {
  return runInspection(model, text, options, quantiseTrace);
}

/** Byte codes of a trace over its colour range (see QuantisedTrace). */
export function quantiseTrace(rows: readonly ArrayLike<number>[], gate: GateName): QuantisedTrace {
  const T = rows.length;
  const H = T > 0 ? rows[0].length : 0;
  let lo = 0;
  let hi = 1;
  if (!SIGMOID_GATES.has(gate)) {
    let r = 1;
    for (const row of rows) for (let j = 0; j < H; j++) if (Math.abs(row[j]) > r) r = Math.abs(row[j]);
    lo = -r;
    hi = r;
  }
  const codes = new Uint8Array(T * H);
  const perStep = 255 / (hi - lo);
  for (let t = 0; t < T; t++) {
    const row = rows[t];
    const o = t * H;
    // NaN → 0 via the Uint8Array store; the engine's divergence guard keeps NaN out of saved models.
    for (let j = 0; j < H; j++) codes[o + j] = Math.round((Math.min(hi, Math.max(lo, row[j])) - lo) * perStep);
  }
  return { lo, hi, codes };
}

/**
 * ‖∂L⟨T⟩/∂a⟨t⟩‖ for t ≤ T, per layer: how much the loss at position T still "hears" step t.
 * For a plain RNN it typically shrinks geometrically with T − t (vanishing gradients).
 */
export function gradientFlow(model: Model, ids: Int32Array, position?: number): GradientFlow {
  const network = model.network;
  const last = ids.length - 2;
  if (last < 0) throw new RangeError('gradient flow needs at least two tokens');
  const T = position ?? last;
  if (!Number.isInteger(T) || T < 0 || T > last) throw new RangeError(`position must be from 0 to ${last}, got ${position}`);
  const input = ids.subarray(0, T + 1);
  const targets = new Int32Array(T + 1).fill(-1);
  targets[T] = ids[T + 1];
  const pass = network.forward(input, 1, T + 1, null);
  const dLogits = new Float32Array(pass.logits.length);
  crossEntropy(pass.logits, targets, network.config.vocabSize, dLogits);
  const flows = Array.from({ length: network.config.layers }, () => new Float64Array(T + 1));
  network.backward(pass, dLogits, flows);
  return { position: T, norms: flows.map((f) => Array.from(f, (s) => Math.sqrt(s))) };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
