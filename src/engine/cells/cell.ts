// What every recurrent cell provides to the network: a whole-sequence forward pass that keeps
// what backpropagation through time needs, the backward pass, and per-step traces.
// Notation and equations: Coursera *Sequence Models* (DeepLearning.AI, Andrew Ng), week 1.

import type { CellType, GateName } from '../config.js';
import type { ResidentMatrix } from '../linalg.js';

/** Recurrent state of one layer for B sequences: a⟨t⟩ and c⟨t⟩ (c is a for RNN and GRU). */
export interface LayerState {
  a: Float32Array;
  c: Float32Array;
}

/** A recurrent weight matrix as the forward pass (W) and the backward pass (Wᵀ) want it. */
export interface RecurrentMatrix {
  name: string;
  w: ResidentMatrix;
  wT: ResidentMatrix;
}

/** Forward results over T steps, time-major: element (t, b, j) is at (t·B + b)·H + j. */
export interface SequenceCache {
  T: number;
  B: number;
  H: number;
  /** The forward pass's candidateMask (T·B·H), or null without recurrent dropout. */
  candidateMask: Float32Array | null;
  /** a⟨t⟩ for every step: the layer's output. */
  a: Float32Array;
  /** State after the last step (carried to the next truncated-BPTT window). */
  final: LayerState;
  /** The gates and states the cell has, for inspection, each T·B·H. */
  trace(gate: GateName): Float32Array;
}

export interface BackwardResult {
  /** ∂L/∂(input pre-activations): T·B·(G·H), the same layout as the input projection. */
  dXProj: Float32Array;
  /** Gradients of the recurrent matrices, in the order of `recurrentShapes`. */
  dRecurrent: Float32Array[];
  /** ∂L/∂state0 (B·H each; for RNN and GRU `a` and `c` are one array, the whole gradient). The
   * TypeScript cells give it; a cell without it leaves it to the network (network.ts). */
  dState0?: LayerState;
}

/**
 * A cell whose forward pass keeps a cache of type C that only its own backward pass reads.
 * The network holds one cell, so the caches it hands back are always that cell's: it can use
 * `Cell` (over SequenceCache) without a cast.
 */
export interface Cell<C extends SequenceCache = SequenceCache> {
  readonly type: CellType;
  /** Pre-activation blocks per unit fed by the input projection: RNN 1, GRU 3, LSTM 4. */
  readonly gates: number;
  /** Names and shapes of the recurrent matrices for H units. */
  recurrentShapes(H: number): { name: string; rows: number; cols: number }[];
  /** Runs T steps. xProj = x·Wx + b for every step, T·B·(G·H). `alloc`, when given, hands out
   * the buffers of the cache (reused between training steps; contents undefined). `candidateMask`
   * (T·B·H, training with recurrent dropout; GRU and LSTM) multiplies each step's c̃ where it
   * enters c⟨t⟩: 0 drops it, 1/(1 − p) keeps it (see NetworkOptions.recurrentDropout). The cache
   * keeps it for the backward pass; the traces show c̃ itself. */
  forward(xProj: Float32Array, T: number, B: number, H: number, rec: RecurrentMatrix[], state0: LayerState, alloc?: Alloc, candidateMask?: Float32Array | null): C;
  /**
   * Backpropagation through time. dA (T·B·H) is ∂L/∂a⟨t⟩ from above; it is not modified.
   * `flow`, when given (length T), receives Σ over batch and units of (∂L/∂a⟨t⟩)², total
   * gradient including the recurrent path: the vanishing-gradient picture.
   */
  backward(cache: C, dA: Float32Array, rec: RecurrentMatrix[], flow?: Float64Array, alloc?: Alloc): BackwardResult;
}

/** A buffer of n values under a name, which a cell may fill as it likes (see Cell.forward). */
export type Alloc = (key: string, n: number) => Float32Array;

/** The Alloc outside a training step: a new zeroed buffer each time. */
export const fresh: Alloc = (_key, n) => new Float32Array(n);

export function zeroState(B: number, H: number, cell: CellType): LayerState {
  const a = new Float32Array(B * H);
  return { a, c: cell === 'lstm' ? new Float32Array(B * H) : a };
}

/** Index of each gate block in a row of G·H pre-activations, e.g. LSTM { gammaU: 0, gammaF: 1, gammaO: 2, cTilde: 3 }. */
export type GateBlocks = Readonly<Partial<Record<GateName, number>>>;

/** The trace of a named gate: its block of every row of the T·B rows of `acts`. */
export function gateTrace(acts: Float32Array, blocks: GateBlocks, gate: GateName, T: number, B: number, H: number, cellName: string): Float32Array {
  const k = blocks[gate];
  if (k === undefined) throw new Error(`${cellName} has no ${gate}`);
  return gateBlock(acts, T * B, Object.keys(blocks).length, H, k);
}

/** Block k (H wide) of every row of a rows×(G·H) activation array, as a rows×H array. */
function gateBlock(acts: Float32Array, rows: number, G: number, H: number, k: number): Float32Array {
  const out = new Float32Array(rows * H);
  const width = G * H;
  for (let r = 0; r < rows; r++) out.set(acts.subarray(r * width + k * H, r * width + (k + 1) * H), r * H);
  return out;
}

/** Rows of `a` shifted one step later in time, with state0 first: a⟨t−1⟩ for t = 0 … T−1. */
export function previous(a: Float32Array, first: Float32Array, T: number, BH: number, out: Float32Array = new Float32Array(T * BH)): Float32Array {
  out.set(first, 0);
  out.set(a.subarray(0, (T - 1) * BH), BH);
  return out;
}
