// The output layer of a task head: logits = x·Wy + by, and its backward pass. On the native
// kernels the products are BLAS calls; on the portable path plain loops (a TensorFlow.js product
// per call costs more than these small matrices).

import type { Kernels } from '../kernels/kernels.js';
import { currentKernels } from '../kernels/kernels.js';
import { transpose } from '../linalg.js';
import type { Param } from '../network.js';
import type { Rng } from '../math.js';

const NO_IDS = new Int32Array(0);

export class DenseLayer {
  readonly Wy: Param;
  readonly by: Param;
  readonly inWidth: number;
  readonly outWidth: number;
  private readonly kernels: Kernels;

  constructor(prefix: string, inWidth: number, outWidth: number, data?: { Wy: Float32Array; by: Float32Array }) {
    this.inWidth = inWidth;
    this.outWidth = outWidth;
    this.Wy = { name: `${prefix}.Wy`, shape: [inWidth, outWidth], data: data?.Wy ?? new Float32Array(inWidth * outWidth) };
    this.by = { name: `${prefix}.by`, shape: [outWidth], data: data?.by ?? new Float32Array(outWidth) };
    this.kernels = currentKernels();
  }

  /** Glorot-uniform weights, zero bias (as the network initialises its input weights). */
  initialise(rng: Rng): void {
    const s = Math.sqrt(6 / (this.inWidth + this.outWidth));
    for (let i = 0; i < this.Wy.data.length; i++) this.Wy.data[i] = (rng.next() * 2 - 1) * s;
  }

  /** rows × outWidth logits of rows × inWidth inputs. */
  forward(x: Float32Array, rows: number): Float32Array {
    const { inWidth: I, outWidth: K } = this;
    const W = this.Wy.data;
    if (this.kernels.path === 'native') return this.kernels.affine({ data: x, rows, cols: I }, NO_IDS, rows, { data: W, rows: I, cols: K }, this.by.data);
    const out = new Float32Array(rows * K);
    for (let r = 0; r < rows; r++) {
      const o = r * K;
      out.set(this.by.data, o);
      for (let i = 0; i < I; i++) {
        const xi = x[r * I + i];
        if (xi === 0) continue;
        for (let k = 0; k < K; k++) out[o + k] += xi * W[i * K + k];
      }
    }
    return out;
  }

  /** Gradients of Wy and by, and ∂L/∂x, from ∂L/∂logits. */
  backward(x: Float32Array, rows: number, dLogits: Float32Array): { dWy: Float32Array; dby: Float32Array; dX: Float32Array } {
    const { inWidth: I, outWidth: K } = this;
    const W = this.Wy.data;
    if (this.kernels.path === 'native') {
      return {
        dWy: this.kernels.matmulTN({ data: x, rows, cols: I }, { data: dLogits, rows, cols: K }),
        dby: this.kernels.columnSums(dLogits, rows, K),
        dX: this.kernels.matmul({ data: dLogits, rows, cols: K }, { data: transpose(W, I, K), rows: K, cols: I }),
      };
    }
    const dWy = new Float32Array(I * K);
    const dby = new Float32Array(K);
    const dX = new Float32Array(rows * I);
    for (let r = 0; r < rows; r++) {
      const d = r * K;
      for (let k = 0; k < K; k++) dby[k] += dLogits[d + k];
      for (let i = 0; i < I; i++) {
        const xi = x[r * I + i];
        let s = 0;
        for (let k = 0; k < K; k++) {
          dWy[i * K + k] += xi * dLogits[d + k];
          s += W[i * K + k] * dLogits[d + k];
        }
        dX[r * I + i] = s;
      }
    }
    return { dWy, dby, dX };
  }
}
