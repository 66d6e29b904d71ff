// Matrix products on the TensorFlow.js backend (XNNPACK on wasm); everything elementwise
// stays in JavaScript typed arrays. Weights stay resident as tensors between products and
// are re-uploaded only after the optimizer changes them.

import * as tf from '@tensorflow/tfjs-core';

/** A row-major matrix in a typed array. */
export interface Mat {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** A matrix whose tensor copy lives on the backend until `invalidate()`. */
export class ResidentMatrix implements Mat {
  private tensor: tf.Tensor2D | null = null;

  constructor(
    public data: Float32Array,
    public readonly rows: number,
    public readonly cols: number,
  ) {
    if (data.length !== rows * cols) throw new Error(`matrix data has ${data.length} values, expected ${rows}×${cols}`);
  }

  /** The backend tensor, uploaded on first use after a change. */
  get(): tf.Tensor2D {
    if (!this.tensor) this.tensor = tf.tensor2d(this.data, [this.rows, this.cols]);
    return this.tensor;
  }

  /** Call after changing `data` in place. */
  invalidate(): void {
    this.tensor?.dispose();
    this.tensor = null;
  }

  dispose(): void {
    this.invalidate();
  }
}

/** What the wasm backend exposes of a tensor's place in its heap (tfjs-backend-wasm's BackendWasm). */
interface WasmHeapBackend {
  dataIdMap: { get(id: object): { memoryOffset: number | null } | undefined };
  wasm: { HEAPU8: Uint8Array };
}

/** The values of a float32 tensor copied into `out`: straight from the wasm heap when the
 * backend is wasm (dataSync would allocate a new array for every product), else by dataSync. */
function readInto(t: tf.Tensor, out: Float32Array): void {
  const backend = tf.backend() as unknown as Partial<WasmHeapBackend>;
  const at = tf.getBackend() === 'wasm' ? backend.dataIdMap?.get(t.dataId)?.memoryOffset : null;
  const heap = backend.wasm?.HEAPU8;
  if (typeof at === 'number' && heap) out.set(new Float32Array(heap.buffer, heap.byteOffset + at, out.length));
  else out.set(t.dataSync() as Float32Array);
}

/** C[m×n] = A[m×k] · B[k×n], into `out` when it is given and holds m·n values. A plain Mat is uploaded for this product only. */
export function matmul(a: Mat, b: Mat | ResidentMatrix, out?: Float32Array): Float32Array {
  if (a.cols !== b.rows) throw new Error(`matmul shapes ${a.rows}×${a.cols} · ${b.rows}×${b.cols} do not fit`);
  const at = tf.tensor2d(a.data, [a.rows, a.cols]);
  const bt = b instanceof ResidentMatrix ? b.get() : tf.tensor2d(b.data, [b.rows, b.cols]);
  const ct = tf.matMul(at, bt);
  let result: Float32Array;
  if (out && out.length === a.rows * b.cols) {
    readInto(ct, out);
    result = out;
  } else {
    result = ct.dataSync() as Float32Array;
  }
  at.dispose();
  ct.dispose();
  if (!(b instanceof ResidentMatrix)) bt.dispose();
  return result;
}

/** Transpose of a row-major rows×cols matrix (into `out` if given). */
export function transpose(data: Float32Array, rows: number, cols: number, out: Float32Array = new Float32Array(rows * cols)): Float32Array {
  // Blocked so both reads and writes stay within cache lines.
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(rows, i0 + B);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(cols, j0 + B);
      for (let i = i0; i < i1; i++) {
        const r = i * cols;
        for (let j = j0; j < j1; j++) out[j * rows + i] = data[r + j];
      }
    }
  }
  return out;
}

/** Where matmulTN transposes A: reused, since the product is uploaded before it returns. */
let transposed = new Float32Array(0);

/** Aᵀ·B where A is m×k and B is m×n, without a transposed product on the backend. */
export function matmulTN(a: Mat, b: Mat): Float32Array {
  if (a.rows !== b.rows) throw new Error(`matmulTN rows ${a.rows} and ${b.rows} differ`);
  const n = a.rows * a.cols;
  if (transposed.length < n) transposed = new Float32Array(n);
  const aT = transposed.subarray(0, n);
  return matmul({ data: transpose(a.data, a.rows, a.cols, aT), rows: a.cols, cols: a.rows }, b);
}
