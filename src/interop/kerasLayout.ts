// The engine's recurrent weights in Keras's layout and back. Both multiply row vectors
// (x·kernel, h·recurrent_kernel) and keep one bias; only the gate blocks differ:
//   LSTM: engine [Γu | Γf | Γo | c̃], Keras [i | f | c | o]  (i = Γu, f = Γf, c = c̃, o = Γo);
//   GRU:  engine [Γu | Γr | c̃], Keras [z | r | h] with resetAfter false and z = 1 − Γu,
//         and σ(−x) = 1 − σ(x), so the z block is the negated Γu block;
//   RNN:  one block, identical.

import type { CellType } from '../engine/config.js';

/** One direction of a Keras recurrent layer: kernel [in, G·H], recurrent_kernel [H, G·H], bias [G·H]. */
export interface KerasRecurrentWeights {
  kernel: Float32Array;
  recurrentKernel: Float32Array;
  bias: Float32Array;
}

/** One direction of an engine layer: Wx [in, G·H], the cell's recurrent matrices, b [G·H]. */
export interface EngineRecurrentWeights {
  Wx: Float32Array;
  /** RNN and LSTM: [Wh]; GRU: [Wh_ur (H×2H), Wh_c (H×H)]. */
  recurrent: Float32Array[];
  b: Float32Array;
}

export const CELL_GATE_COUNT: Record<CellType, number> = { rnn: 1, gru: 3, lstm: 4 };

/** Keras block k comes from engine block ORDER[k] (the LSTM permutation is its own inverse). */
const LSTM_ORDER = [0, 1, 3, 2];

/** The G column blocks (each rows×H) of a rows×(G·H) matrix. */
export function splitColumns(m: Float32Array, rows: number, G: number, H: number): Float32Array[] {
  const blocks = Array.from({ length: G }, () => new Float32Array(rows * H));
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < G; k++) blocks[k].set(m.subarray(r * G * H + k * H, r * G * H + (k + 1) * H), r * H);
  }
  return blocks;
}

/** The inverse of splitColumns: blocks (each rows×H) side by side. */
export function joinColumns(blocks: readonly Float32Array[], rows: number, H: number): Float32Array {
  const G = blocks.length;
  const out = new Float32Array(rows * G * H);
  for (let r = 0; r < rows; r++) blocks.forEach((b, k) => out.set(b.subarray(r * H, (r + 1) * H), r * G * H + k * H));
  return out;
}

const negated = (m: Float32Array): Float32Array => m.map((v) => -v);

export function toKerasLayout(cell: CellType, H: number, inWidth: number, w: EngineRecurrentWeights): KerasRecurrentWeights {
  if (cell === 'rnn') return { kernel: w.Wx.slice(), recurrentKernel: w.recurrent[0].slice(), bias: w.b.slice() };
  if (cell === 'lstm') {
    const reorder = (m: Float32Array, rows: number) => {
      const blocks = splitColumns(m, rows, 4, H);
      return joinColumns(
        LSTM_ORDER.map((k) => blocks[k]),
        rows,
        H,
      );
    };
    return { kernel: reorder(w.Wx, inWidth), recurrentKernel: reorder(w.recurrent[0], H), bias: reorder(w.b, 1) };
  }
  // GRU: z = 1 − Γu, so negate the Γu pre-activation: [−u | r | c̃].
  const gru = (m: Float32Array, rows: number) => {
    const [u, r, c] = splitColumns(m, rows, 3, H);
    return joinColumns([negated(u), r, c], rows, H);
  };
  const [uh, rh] = splitColumns(w.recurrent[0], H, 2, H);
  return {
    kernel: gru(w.Wx, inWidth),
    recurrentKernel: joinColumns([negated(uh), rh, w.recurrent[1]], H, H),
    bias: gru(w.b, 1),
  };
}

export function fromKerasLayout(cell: CellType, H: number, inWidth: number, k: KerasRecurrentWeights): EngineRecurrentWeights {
  if (cell === 'rnn') return { Wx: k.kernel.slice(), recurrent: [k.recurrentKernel.slice()], b: k.bias.slice() };
  if (cell === 'lstm') {
    const back = toKerasLayout('lstm', H, inWidth, { Wx: k.kernel, recurrent: [k.recurrentKernel], b: k.bias });
    return { Wx: back.kernel, recurrent: [back.recurrentKernel], b: back.bias };
  }
  const gru = (m: Float32Array, rows: number) => {
    const [z, r, c] = splitColumns(m, rows, 3, H);
    return joinColumns([negated(z), r, c], rows, H);
  };
  const [zh, rh, ch] = splitColumns(k.recurrentKernel, H, 3, H);
  return { Wx: gru(k.kernel, inWidth), recurrent: [joinColumns([negated(zh), rh], H, H), ch], b: gru(k.bias, 1) };
}

/** rows×cols row-major → cols×rows. */
export function transposed(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}
