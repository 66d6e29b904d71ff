// The one place the engine chooses how its hot loops run: native (the N-API addon over OpenBLAS,
// when built) > portable (the TypeScript cells, matrix products on the TensorFlow.js backend:
// wasm, else cpu). A Network takes its kernels when it is made and keeps them.

import type { CellType } from '../config.js';
import type { Cell } from '../cells/cell.js';
import { gruCell } from '../cells/gru.js';
import { lstmCell } from '../cells/lstm.js';
import { rnnCell } from '../cells/rnn.js';
import type { Mat, ResidentMatrix } from '../linalg.js';
import type { Rng } from '../math.js';
import { matmul, matmulTN } from '../linalg.js';
import { loadNativeAddon } from './nativeAddon.js';
import type { NativeAddon } from './nativeAddon.js';
import { nativeCells } from './nativeCells.js';
import type { StreamSlice } from './referenceOps.js';
import { adamUpdate, crossEntropy, dropout } from './referenceOps.js';

export type KernelPath = 'native' | 'portable';
export type KernelChoice = 'auto' | KernelPath;

/**
 * The hot loops of a network. A product given `out` (of the right length) writes its result
 * there and returns it, so a training step reuses its buffers.
 */
export interface Kernels {
  readonly path: KernelPath;
  cell(type: CellType): Cell;
  /** a·b */
  matmul(a: Mat, b: Mat | ResidentMatrix, out?: Float32Array): Float32Array;
  /** a·wᵀ, with wT the transposed copy the portable path multiplies by. */
  matmulT(a: Mat, w: Mat, wT: ResidentMatrix, out?: Float32Array): Float32Array;
  /** aᵀ·b */
  matmulTN(a: Mat, b: Mat): Float32Array;
  /** x·W + b for each of `rows` rows; with x null, row ids[r] of W (one-hot input) + b. */
  affine(x: Mat | null, ids: Int32Array, rows: number, W: Mat | ResidentMatrix, b: Float32Array, out?: Float32Array): Float32Array;
  /** Mean softmax cross-entropy of rows of V logits against targets (−1 skipped), ∂/∂logits into dLogits when given. */
  crossEntropy(logits: Float32Array, targets: Int32Array, V: number, dLogits: Float32Array | null): { loss: number; count: number };
  /** Inverted dropout of T rows × slice streams × width values into y, its mask into mask (see referenceOps.dropout). */
  dropout(x: Float32Array, p: number, rng: Rng, T: number, width: number, slice: StreamSlice, y: Float32Array, mask: Float32Array): void;
  /** One Adam update in place (see referenceOps.adamUpdate): the same bits on either path. */
  adam(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, alpha: number, beta1: number, beta2: number, eps: number): void;
  /** Σ over rows of a rows×cols array (bias gradients). */
  columnSums(x: Float32Array, rows: number, cols: number): Float32Array;
  /** A W.rows×width array with row ids[r] += x[r] (gradient of a row lookup). */
  scatterRows(ids: Int32Array, x: Float32Array, width: number, outRows: number): Float32Array;
}

export interface KernelInfo {
  path: KernelPath;
  /** What runs the products: "OpenBLAS …" for native, "TensorFlow.js" for portable. */
  detail: string;
  /** Why the native path is not in use, when it is not. */
  reason?: string;
}

const PORTABLE_CELLS: Record<CellType, Cell> = { rnn: rnnCell, gru: gruCell, lstm: lstmCell };

/** The TypeScript reference cell of a type (shapes and layouts every path shares). */
export function portableCell(type: CellType): Cell {
  return PORTABLE_CELLS[type];
}

const portable: Kernels = {
  path: 'portable',
  cell: (type) => PORTABLE_CELLS[type],
  matmul,
  matmulT: (a, _w, wT, out) => matmul(a, wT, out),
  matmulTN,
  crossEntropy,
  dropout,
  adam: adamUpdate,
  affine(x, ids, rows, W, b, given) {
    const width = W.cols;
    let out: Float32Array;
    if (x === null) {
      out = given && given.length === rows * width ? given : new Float32Array(rows * width);
      for (let r = 0; r < rows; r++) out.set(W.data.subarray(ids[r] * width, ids[r] * width + width), r * width);
    } else {
      out = matmul(x, W, given);
    }
    for (let r = 0; r < rows; r++) {
      const o = r * width;
      for (let j = 0; j < width; j++) out[o + j] += b[j];
    }
    return out;
  },
  columnSums(x, rows, cols) {
    const out = new Float32Array(cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let j = 0; j < cols; j++) out[j] += x[o + j];
    }
    return out;
  },
  scatterRows(ids, x, width, outRows) {
    const out = new Float32Array(outRows * width);
    for (let r = 0; r < ids.length; r++) {
      const row = ids[r] * width;
      const src = r * width;
      for (let j = 0; j < width; j++) out[row + j] += x[src + j];
    }
    return out;
  },
};

function nativeKernels(addon: NativeAddon): Kernels {
  const cells = nativeCells(addon);
  const gemm = (transA: boolean, transB: boolean, M: number, N: number, K: number, A: Float32Array, B: Float32Array, out?: Float32Array): Float32Array => {
    const C = out && out.length === M * N ? out : new Float32Array(M * N);
    addon.gemm(transA, transB, M, N, K, A, B, C, 0);
    return C;
  };
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`${what} shapes do not fit`);
  };
  return {
    path: 'native',
    cell: (type) => cells[type],
    matmul(a, b, out) {
      check(a.cols === b.rows, 'matmul');
      return gemm(false, false, a.rows, b.cols, a.cols, a.data, b.data, out);
    },
    matmulT(a, w, _wT, out) {
      check(a.cols === w.cols, 'matmulT');
      return gemm(false, true, a.rows, w.rows, a.cols, a.data, w.data, out);
    },
    matmulTN(a, b) {
      check(a.rows === b.rows, 'matmulTN');
      return gemm(true, false, a.cols, b.cols, a.rows, a.data, b.data);
    },
    affine(x, ids, rows, W, b, given) {
      check(x === null || (x.cols === W.rows && x.rows === rows), 'affine');
      const out = given && given.length === rows * W.cols ? given : new Float32Array(rows * W.cols);
      addon.affine(rows, W.rows, W.cols, x ? x.data : null, x ? null : ids, W.data, b, out);
      return out;
    },
    crossEntropy(logits, targets, V, dLogits) {
      check(logits.length === targets.length * V && (dLogits === null || dLogits.length === logits.length), 'crossEntropy');
      let count = 0;
      for (let r = 0; r < targets.length; r++) if (targets[r] >= 0) count++;
      const total = addon.softmaxCrossEntropy(targets.length, V, logits, targets, dLogits);
      return { loss: count > 0 ? total / count : NaN, count };
    },
    dropout(x, p, rng, T, width, slice, y, mask) {
      addon.dropout(T, slice.batch, slice.from, slice.to, width, 1 - p, x, y, mask, rng.words());
    },
    adam(w, g, m, v, alpha, beta1, beta2, eps) {
      check(g.length === w.length && m.length === w.length && v.length === w.length, 'adam');
      addon.adam(w.length, w, g, m, v, alpha, beta1, beta2, eps);
    },
    columnSums(x, rows, cols) {
      const out = new Float32Array(cols);
      addon.columnSums(rows, cols, x, out);
      return out;
    },
    scatterRows(ids, x, width, outRows) {
      const out = new Float32Array(outRows * width);
      addon.scatterAddRows(ids.length, width, ids, x, out, outRows);
      return out;
    },
  };
}

let choice: KernelChoice = 'auto';
let native: Kernels | null = null;

/** Chooses the kernels of networks made from now on; 'native' throws, saying why, when it cannot load. */
export function useKernels(next: KernelChoice): KernelInfo {
  if (next !== 'auto' && next !== 'native' && next !== 'portable') throw new Error(`kernels must be auto, native or portable, got ${String(next)}`);
  const info = describe(next);
  if (next === 'native' && info.path !== 'native') throw new Error(`cannot use the native kernels: ${info.reason}`);
  choice = next;
  return info;
}

function describe(c: KernelChoice): KernelInfo {
  if (c === 'portable') return { path: 'portable', detail: 'TensorFlow.js', reason: 'the portable kernels were chosen' };
  const load = loadNativeAddon();
  if (!load.addon) return { path: 'portable', detail: 'TensorFlow.js', reason: load.reason };
  const own = load.addon.ownGemm?.() ? ' + AVX-512 one-thread products' : '';
  return { path: 'native', detail: `${load.addon.blasConfig()}${own}` };
}

/** Which kernels new networks get, and why not native when they do not. */
export function kernelInfo(): KernelInfo {
  return describe(choice);
}

/** "kernels: native (OpenBLAS …)" or "kernels: portable (why not native)", for the CLI. */
export function kernelLine(info: KernelInfo = kernelInfo()): string {
  return info.path === 'native' ? `kernels: native (${info.detail})` : `kernels: portable (${info.reason})`;
}

/** The kernels for a network made now. */
export function currentKernels(): Kernels {
  if (choice === 'portable') return portable;
  const load = loadNativeAddon();
  if (!load.addon) return portable;
  native ??= nativeKernels(load.addon);
  return native;
}

/** Fixes the native path's BLAS thread count (0: by product size, the default); null without the addon. */
export function setNativeThreads(n: number): number | null {
  const load = loadNativeAddon();
  return load.addon ? load.addon.setThreads(n) : null;
}
