// Luong (multiplicative) attention of a decoder over its encoder's top-layer outputs. For decoder
// step j of stream b, with query q = a_dec⟨j⟩ (H) and memory h⟨i⟩ (the encoder's merged top
// output, E wide) for the stream's real source steps i < L_b (padding masked):
//   e⟨j,i⟩ = q · (Wa·h⟨i⟩)            the score (Wa: E × H, so the keys k⟨i⟩ = h⟨i⟩·Wa are computed once)
//   α⟨j,i⟩ = softmax_i(e⟨j,i⟩)        the attention weights
//   c⟨j⟩   = Σ_i α⟨j,i⟩ h⟨i⟩          the context (E)
//   ã⟨j⟩   = tanh(Wc·[c⟨j⟩; q] + bc)  the attentional hidden state (H) the output layer reads.
// No input feeding: the decoder's recurrence does not read ã, so teacher forcing stays one pass of
// the decoder network (its kernels). The products run on the network's kernels; the per-stream
// scores and contexts are plain loops (T_dec·T_src·B·(H + E) multiply-adds a batch).

import type { Kernels } from '../kernels/kernels.js';
import { currentKernels } from '../kernels/kernels.js';
import { transpose } from '../linalg.js';
import type { Rng } from '../math.js';
import type { Param } from '../network.js';

export type { AttentionKind } from '../config.js';
export { ATTENTION_KINDS } from '../config.js';

/** The encoder outputs attended over: time-major rows (i·B + b), with each stream's real length. */
export interface AttentionMemory {
  T: number;
  B: number;
  lengths: Int32Array;
  /** T·B × E encoder outputs h. */
  values: Float32Array;
  /** T·B × H keys h·Wa. */
  keys: Float32Array;
}

export interface AttentionPass {
  /** Tq·B × Ts attention weights (zero at padded source steps). */
  alpha: Float32Array;
  /** Tq·B × (E + H): [context; query] rows, what Wc reads. */
  joined: Float32Array;
  /** Tq·B × H attentional hidden states ã. */
  hidden: Float32Array;
}

export interface AttentionGrads {
  dQuery: Float32Array;
  dValues: Float32Array;
  dWa: Float32Array;
  dWc: Float32Array;
  dbc: Float32Array;
}

export class LuongAttention {
  /** attention.Wa (E × H), attention.Wc (E + H × H), attention.bc (H). */
  readonly Wa: Param;
  readonly Wc: Param;
  readonly bc: Param;
  readonly params: Param[];
  private readonly kernels: Kernels;

  constructor(
    readonly E: number,
    readonly H: number,
    data?: { Wa: Float32Array; Wc: Float32Array; bc: Float32Array },
  ) {
    this.Wa = { name: 'attention.Wa', shape: [E, H], data: data?.Wa ?? new Float32Array(E * H) };
    this.Wc = { name: 'attention.Wc', shape: [E + H, H], data: data?.Wc ?? new Float32Array((E + H) * H) };
    this.bc = { name: 'attention.bc', shape: [H], data: data?.bc ?? new Float32Array(H) };
    this.params = [this.Wa, this.Wc, this.bc];
    this.kernels = currentKernels();
  }

  static paramShapes(E: number, H: number): { name: string; shape: number[] }[] {
    return [
      { name: 'attention.Wa', shape: [E, H] },
      { name: 'attention.Wc', shape: [E + H, H] },
      { name: 'attention.bc', shape: [H] },
    ];
  }

  /** Glorot-uniform Wa and Wc, zero bc. */
  initialise(rng: Rng): void {
    for (const W of [this.Wa, this.Wc]) {
      const [fanIn, fanOut] = W.shape;
      const s = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < W.data.length; i++) W.data[i] = (rng.next() * 2 - 1) * s;
    }
  }

  /** The memory of encoder outputs (T·B × E, time-major; copied), its keys computed. */
  memory(values: Float32Array, T: number, B: number, lengths: Int32Array): AttentionMemory {
    const own = values.slice();
    const keys = this.kernels.matmul({ data: own, rows: T * B, cols: this.E }, { data: this.Wa.data, rows: this.E, cols: this.H });
    return { T, B, lengths: lengths.slice(), values: own, keys: keys.slice() };
  }

  /** The rows `rows` of a memory, in that order (a beam's survivors). */
  pick(m: AttentionMemory, rows: readonly number[]): AttentionMemory {
    const n = rows.length;
    const take = (x: Float32Array, w: number) => {
      const out = new Float32Array(m.T * n * w);
      for (let i = 0; i < m.T; i++) rows.forEach((r, b) => out.set(x.subarray((i * m.B + r) * w, (i * m.B + r + 1) * w), (i * n + b) * w));
      return out;
    };
    return { T: m.T, B: n, lengths: Int32Array.from(rows, (r) => m.lengths[r]), values: take(m.values, this.E), keys: take(m.keys, this.H) };
  }

  /** ã for Tq·B queries (time-major, stream b of row j·B + b attends to stream b of the memory). */
  forward(query: Float32Array, Tq: number, m: AttentionMemory): AttentionPass {
    const { E, H } = this;
    const { B, T: Ts, lengths, values, keys } = m;
    const rows = Tq * B;
    const W = E + H;
    const alpha = new Float32Array(rows * Ts);
    const joined = new Float32Array(rows * W);
    const scores = new Float64Array(Ts);
    for (let j = 0; j < Tq; j++) {
      for (let b = 0; b < B; b++) {
        const r = j * B + b;
        const q = r * H;
        const L = lengths[b];
        let max = -Infinity;
        for (let i = 0; i < L; i++) {
          const k = (i * B + b) * H;
          let e = 0;
          for (let h = 0; h < H; h++) e += query[q + h] * keys[k + h];
          scores[i] = e;
          if (e > max) max = e;
        }
        let sum = 0;
        for (let i = 0; i < L; i++) sum += (scores[i] = Math.exp(scores[i] - max));
        const out = r * W;
        for (let i = 0; i < L; i++) {
          const a = scores[i] / sum;
          alpha[r * Ts + i] = a;
          const v = (i * B + b) * E;
          for (let e = 0; e < E; e++) joined[out + e] += a * values[v + e];
        }
        joined.set(query.subarray(q, q + H), out + E);
      }
    }
    const hidden = this.kernels.matmul({ data: joined, rows, cols: W }, { data: this.Wc.data, rows: W, cols: H }).slice();
    const bc = this.bc.data;
    for (let r = 0; r < rows; r++) for (let h = 0; h < H; h++) hidden[r * H + h] = Math.tanh(hidden[r * H + h] + bc[h]);
    return { alpha, joined, hidden };
  }

  /** Gradients of Wa, Wc, bc, and ∂L/∂query and ∂L/∂values (the encoder outputs), from ∂L/∂ã. */
  backward(query: Float32Array, Tq: number, m: AttentionMemory, pass: AttentionPass, dHidden: Float32Array): AttentionGrads {
    const { E, H } = this;
    const { B, T: Ts, lengths, values, keys } = m;
    const rows = Tq * B;
    const W = E + H;
    // ∂L/∂(Wc·[c; q] + bc) through tanh.
    const dPre = new Float32Array(rows * H);
    for (let i = 0; i < dPre.length; i++) dPre[i] = dHidden[i] * (1 - pass.hidden[i] * pass.hidden[i]);
    const dWc = this.kernels.matmulTN({ data: pass.joined, rows, cols: W }, { data: dPre, rows, cols: H }).slice();
    const dbc = this.kernels.columnSums(dPre, rows, H).slice();
    const dJoined = this.kernels.matmul({ data: dPre, rows, cols: H }, { data: transpose(this.Wc.data, W, H), rows: H, cols: W }).slice();
    const dQuery = new Float32Array(rows * H);
    const dValues = new Float32Array(Ts * B * E);
    const dKeys = new Float32Array(Ts * B * H);
    const dAlpha = new Float64Array(Ts);
    for (let j = 0; j < Tq; j++) {
      for (let b = 0; b < B; b++) {
        const r = j * B + b;
        const dc = r * W;
        const q = r * H;
        const L = lengths[b];
        // c = Σ α_i h_i: ∂L/∂α_i = ∂L/∂c · h_i, ∂L/∂h_i += α_i ∂L/∂c.
        let dot = 0;
        for (let i = 0; i < L; i++) {
          const v = (i * B + b) * E;
          const a = pass.alpha[r * Ts + i];
          let s = 0;
          for (let e = 0; e < E; e++) {
            s += dJoined[dc + e] * values[v + e];
            dValues[v + e] += a * dJoined[dc + e];
          }
          dAlpha[i] = s;
          dot += a * s;
        }
        for (let h = 0; h < H; h++) dQuery[q + h] = dJoined[dc + E + h];
        // Softmax: ∂L/∂e_i = α_i (∂L/∂α_i − Σ_k α_k ∂L/∂α_k); e_i = q · k_i.
        for (let i = 0; i < L; i++) {
          const de = pass.alpha[r * Ts + i] * (dAlpha[i] - dot);
          const k = (i * B + b) * H;
          for (let h = 0; h < H; h++) {
            dQuery[q + h] += de * keys[k + h];
            dKeys[k + h] += de * query[q + h];
          }
        }
      }
    }
    // keys = values·Wa.
    const dWa = this.kernels.matmulTN({ data: values, rows: Ts * B, cols: E }, { data: dKeys, rows: Ts * B, cols: H }).slice();
    const fromKeys = this.kernels.matmul({ data: dKeys, rows: Ts * B, cols: H }, { data: transpose(this.Wa.data, E, H), rows: H, cols: E });
    for (let i = 0; i < dValues.length; i++) dValues[i] += fromKeys[i];
    return { dQuery, dValues, dWa, dWc, dbc };
  }
}
