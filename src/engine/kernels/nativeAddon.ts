// Loads the optional native addon (native/, N-API over OpenBLAS) when it was built, and says why
// not otherwise. Found next to the bundle (a prebuilt copy in dist/) or in native/build/Release.

/** The addon's functions; every array is written or read in place (layouts: see native/src). */
export interface NativeAddon {
  /** True when the GRU and LSTM functions take a recurrent-dropout mask of c̃ (an older build: undefined). */
  candidateDropout?: boolean;
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array, beta: number): void;
  lstmForward(
    T: number,
    B: number,
    H: number,
    xProj: Float32Array,
    Wh: Float32Array,
    a0: Float32Array,
    c0: Float32Array,
    acts: Float32Array,
    c: Float32Array,
    tanhC: Float32Array,
    a: Float32Array,
    candidateMask?: Float32Array | null,
  ): void;
  lstmBackward(
    T: number,
    B: number,
    H: number,
    acts: Float32Array,
    c: Float32Array,
    tanhC: Float32Array,
    a: Float32Array,
    a0: Float32Array,
    c0: Float32Array,
    dA: Float32Array,
    Wh: Float32Array,
    dZ: Float32Array,
    dWh: Float32Array,
    flow: Float64Array | null,
    dA0?: Float32Array | null,
    dC0?: Float32Array | null,
    candidateMask?: Float32Array | null,
  ): void;
  gruForward(
    T: number,
    B: number,
    H: number,
    xProj: Float32Array,
    WhUr: Float32Array,
    WhC: Float32Array,
    c0: Float32Array,
    acts: Float32Array,
    rc: Float32Array,
    c: Float32Array,
    candidateMask?: Float32Array | null,
  ): void;
  gruBackward(
    T: number,
    B: number,
    H: number,
    acts: Float32Array,
    rc: Float32Array,
    c: Float32Array,
    c0: Float32Array,
    dA: Float32Array,
    WhUr: Float32Array,
    WhC: Float32Array,
    dZ: Float32Array,
    dWhUr: Float32Array,
    dWhC: Float32Array,
    flow: Float64Array | null,
    dC0?: Float32Array | null,
    candidateMask?: Float32Array | null,
  ): void;
  rnnForward(T: number, B: number, H: number, xProj: Float32Array, Wh: Float32Array, a0: Float32Array, a: Float32Array): void;
  rnnBackward(
    T: number,
    B: number,
    H: number,
    a: Float32Array,
    a0: Float32Array,
    dA: Float32Array,
    Wh: Float32Array,
    dZ: Float32Array,
    dWh: Float32Array,
    flow: Float64Array | null,
    dA0?: Float32Array | null,
  ): void;
  /** out[r] = (x[r]·W or, with x null, W[ids[r]]) + b. */
  affine(
    rows: number,
    inWidth: number,
    width: number,
    x: Float32Array | null,
    ids: Int32Array | null,
    W: Float32Array,
    b: Float32Array,
    out: Float32Array,
  ): void;
  columnSums(rows: number, cols: number, x: Float32Array, out: Float32Array): void;
  /** out[ids[r]] += x[r]. */
  scatterAddRows(rows: number, width: number, ids: Int32Array, x: Float32Array, out: Float32Array, outRows: number): void;
  /** Σ −log softmax(logits[r])[targets[r]] over rows with a target ≥ 0; ∂(mean)/∂logits into dLogits (zero rows where skipped). */
  softmaxCrossEntropy(rows: number, V: number, logits: Float32Array, targets: Int32Array, dLogits: Float32Array | null): number;
  /** One Adam update of n values in place, α the bias-corrected step size. */
  adam(n: number, w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, alpha: number, beta1: number, beta2: number, eps: number): void;
  /** Inverted dropout over a T×Bfull×W batch drawn from the Rng state in place, keeping streams b0…b1−1. */
  dropout(T: number, Bfull: number, b0: number, b1: number, W: number, keep: number, x: Float32Array, y: Float32Array, mask: Float32Array, rngState: Uint32Array): void;
  /** n ≥ 1 fixes OpenBLAS's thread count; 0 (the default) picks one thread for small products, all for large ones. */
  setThreads(n: number): number;
  /**
   * Whether products on one thread run the addon's own AVX-512 kernel (the per-step recurrent
   * products above all) rather than OpenBLAS; `on` sets it (no effect without AVX-512). An older
   * build lacks it.
   */
  ownGemm?(on?: boolean): boolean;
  /** OpenBLAS's build configuration, "OpenBLAS 0.3.21 … Haswell MAX_THREADS=64". */
  blasConfig(): string;
}

export type AddonLoad = { addon: NativeAddon; file: string } | { addon: null; reason: string };

const FILE = 'rnnlab_native.node';

let loaded: AddonLoad | null = null;

/** The addon, loaded once per process (per worker thread); RNNLAB_NATIVE=0 turns it off. */
export function loadNativeAddon(): AddonLoad {
  if (loaded) return loaded;
  if (process.env.RNNLAB_NATIVE === '0') return (loaded = { addon: null, reason: 'RNNLAB_NATIVE=0 turns it off' });
  // Plain path strings and `require`: the engine imports no node:* module.
  const candidates = [`${__dirname}/${FILE}`, `${__dirname}/../native/build/Release/${FILE}`, `${__dirname}/../../../native/build/Release/${FILE}`];
  let failure = '';
  for (const file of candidates) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (loaded = { addon: require(file) as NativeAddon, file });
    } catch (err) {
      const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
      // A missing file is the normal case; anything else (a broken build) is worth saying.
      if (!/Cannot find module/.test(message)) failure = message;
    }
  }
  return (loaded = {
    addon: null,
    reason: failure
      ? `the native addon failed to load (${failure})`
      : 'the native addon is not built (npm run build:native; needs a C++ compiler and libopenblas-dev)',
  });
}
