// `rnnlab bench`: training throughput of the engine against tfjs-layers (same backend, same
// process) and PyTorch (python3 with torch, when there) on three shapes, the GFLOP/s each reaches
// against the machine's sgemm peak, sampling speed, and ghost-text completion latency.

import { availableParallelism, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BackendChoice, BackendName } from '../src/engine/config.js';
import { resolveNetworkConfig } from '../src/engine/config.js';
import { initBackend } from '../src/engine/backend.js';
import type { KernelPath } from '../src/engine/kernels/kernels.js';
import { kernelInfo, setNativeThreads, useKernels } from '../src/engine/kernels/kernels.js';
import { loadNativeAddon } from '../src/engine/kernels/nativeAddon.js';
import { Rng } from '../src/engine/math.js';
import type { Model } from '../src/engine/model.js';
import type { RecurrentState } from '../src/engine/network.js';
import { Network } from '../src/engine/network.js';
import { Completer, sample } from '../src/engine/sampler.js';
import { inspectQuantised } from '../src/engine/inspect.js';
import { toWireInspectResult } from '../src/extension/panels/inspectResultWire.js';
import { Vocabulary } from '../src/engine/tokenizer.js';
import { startStepEngine } from '../src/training/dataParallel.js';
import { clipGradients, createOptimizer, globalNorm } from '../src/training/optimizers.js';
import type { TorchResult } from './pytorchBench.js';
import { findTorchPython, runTorch, TORCH_HINT } from './pytorchBench.js';
import type { TrainShape } from './trainShapes.js';
import { flopsPerToken, TRAIN_SHAPES, VOCAB } from './trainShapes.js';
import { benchTokenise } from './tokeniseBench.js';
import type { TokeniseResult } from './tokeniseBench.js';

export interface BenchOptions {
  backend?: BackendChoice;
  wasmDir?: string;
  /** Most timed training steps per contender and round (after warm-up). Default 12. */
  steps?: number;
  /** Completion requests for the latency figures. Default 200. */
  requests?: number;
  /** Progress lines (to stderr by the CLI). */
  log?: (line: string) => void;
}

export interface Throughput {
  tokensPerSecond: number;
  msPerStep: number;
  gflops: number;
}

export interface ShapeResult {
  shape: TrainShape;
  /** The engine on the kernels it picks (native when built), at its best number of data-parallel workers. */
  ours: Throughput & { path: KernelPath; threads: number; workers: number };
  /** The engine forced onto the portable kernels (TypeScript cells, products on the backend), at its best number of workers. */
  portable: Throughput & { workers: number };
  /** ours / portable. */
  vsPortable: number;
  tfjsLayers: Throughput;
  /** Best thread count's figure. */
  pytorch: (Throughput & { threads: number }) | null;
  /** ours / tfjs-layers and ours / PyTorch, in tokens/s. */
  vsLayers: number;
  vsPytorch: number | null;
}

export interface BenchResult {
  backend: BackendName;
  /** The kernels the engine picks here, and why not native when it does not. */
  kernels: { path: KernelPath; detail: string; reason?: string };
  /** 1-, 5- and 15-minute load averages when the run started (other processes share the cores). */
  loadAverage: number[];
  pytorch: { python: string; torch: string; blas: string; libraries: string[]; env: Record<string, string> } | { missing: string };
  /** The best sgemm rate measured on this machine in this run (1024² products). */
  sgemmPeak: { gflops: number; source: string } | null;
  shapes: ShapeResult[];
  sampling: { tokensPerSecond: number; units: number; layers: number };
  completion: {
    model: string;
    contextChars: number;
    maxChars: number;
    requests: number;
    /** Fresh contexts timed for the cold figures. */
    coldRequests: number;
    /** Typing one more character after the previous request (the cached-state path). */
    typingP50Ms: number;
    typingP95Ms: number;
    /** A fresh 256-character context (cache miss). */
    coldP50Ms: number;
    coldP95Ms: number;
  };
  /** The gate inspector over 500 characters of the completion model (quantised traces). */
  inspection: {
    model: string;
    chars: number;
    runs: number;
    /** inspectQuantised: the forward pass, traces, saturation and top-5 predictions. */
    engineP50Ms: number;
    engineP95Ms: number;
    /** Packing it for the webview (delta codes, deflate, base64). */
    wireP50Ms: number;
    /** The JSON message the inspector webview receives. */
    messageBytes: number;
  };
  /** The same inference figures on the portable kernels, when the native ones are what `auto` picks. */
  portableInference: InferenceResult | null;
  tokenise: TokeniseResult;
}

export type InferenceResult = Pick<BenchResult, 'sampling' | 'completion' | 'inspection'>;

const V = VOCAB;
const H = 128;
/** Each contender's timing stops after this long once it has MIN_STEPS steps. */
const BUDGET_SECONDS = 1.5;
const MIN_STEPS = 2;
const PYTORCH_THREADS = [1, 2];

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Seconds per step: two warm-up steps, then at least MIN_STEPS, at most maxSteps, within the budget. */
async function secondsPerStep(step: () => unknown, maxSteps: number): Promise<number> {
  for (let i = 0; i < 2; i++) await step();
  const t0 = performance.now();
  let n = 0;
  while (n < MIN_STEPS || (n < maxSteps && performance.now() - t0 < BUDGET_SECONDS * 1000)) {
    await step();
    n++;
  }
  return (performance.now() - t0) / n / 1000;
}

interface Variant {
  path: KernelPath;
  threads: number;
  /** Data-parallel engines per step (the trainer's --workers). */
  workers: number;
}

/** Our engine as the trainer runs it: forward, backward (split over `workers` engines), clip and Adam step, the recurrent state carried. */
async function benchOurs(s: TrainShape, maxSteps: number, v: Variant, backend: BackendName, wasmDir: string | undefined): Promise<number> {
  useKernels(v.path);
  if (v.path === 'native') setNativeThreads(v.threads);
  const net = Network.create(resolveNetworkConfig({ cell: 'lstm', layers: s.layers, units: s.units, dropout: s.dropout }, V), 1);
  const opt = createOptimizer('adam', net.params);
  const rng = new Rng(1);
  const { batch: B, seqLen: T } = s;
  const stream = Int32Array.from({ length: B * T + B }, () => rng.int(V));
  const ids = stream.subarray(0, B * T);
  const targets = stream.subarray(B, B * T + B);
  let state: RecurrentState | null = null;
  const engine = await startStepEngine(net, { workers: v.workers, batch: B, backend, wasmDir });
  try {
    return await secondsPerStep(async () => {
      const r = await engine.lossAndGrads(ids, targets, B, T, state, rng);
      clipGradients(r.grads, 'norm', 5, globalNorm(r.grads));
      opt.apply(net.params, r.grads, 2e-3);
      net.refresh();
      state = r.state;
    }, maxSteps);
  } finally {
    await engine.close();
    net.dispose();
  }
}

/** tfjs-layers: stacked LSTM(returnSequences) + time-distributed dense softmax. */
async function benchLayers(s: TrainShape, maxSteps: number): Promise<number> {
  const { batch: B, seqLen: T } = s;
  const lstms = Array.from({ length: s.layers }, (_, l) =>
    tfl.layers.lstm({ units: s.units, returnSequences: true, recurrentInitializer: 'glorotUniform', ...(l === 0 ? { inputShape: [T, V] } : {}) }),
  );
  const model = tfl.sequential({ layers: [...lstms, tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: V, activation: 'softmax' }) })] });
  model.compile({ optimizer: tf.train.adam(2e-3), loss: 'categoricalCrossentropy' });
  const rng = new Rng(2);
  const oneHot = () =>
    tf.tidy(() =>
      tf.reshape(
        tf.oneHot(
          tf.tensor1d(
            Int32Array.from({ length: B * T }, () => rng.int(V)),
            'int32',
          ),
          V,
        ),
        [B, T, V],
      ),
    );
  const x = oneHot();
  const y = oneHot();
  try {
    return await secondsPerStep(() => model.trainOnBatch(x, y), maxSteps);
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

/** cblas_sgemm through the native addon on 1024² products, GFLOP/s at `threads` BLAS threads. */
function nativeSgemmGflops(threads: number): number | null {
  const { addon } = loadNativeAddon();
  if (!addon) return null;
  addon.setThreads(threads);
  const n = 1024;
  const rng = new Rng(5);
  const a = Float32Array.from({ length: n * n }, () => rng.next());
  const b = Float32Array.from({ length: n * n }, () => rng.next());
  const c = new Float32Array(n * n);
  addon.gemm(false, false, n, n, n, a, b, c, 0);
  let reps = 0;
  const t0 = performance.now();
  while (reps < 3 || performance.now() - t0 < 500) {
    addon.gemm(false, false, n, n, n, a, b, c, 0);
    reps++;
  }
  const gflops = (2 * n ** 3 * reps) / ((performance.now() - t0) / 1000) / 1e9;
  addon.setThreads(0);
  return gflops;
}

function throughput(s: TrainShape, seconds: number): Throughput {
  const tokens = s.batch * s.seqLen;
  return { tokensPerSecond: tokens / seconds, msPerStep: seconds * 1000, gflops: (flopsPerToken(s) * tokens) / seconds / 1e9 };
}

function randomModel(layers: number, units: number, text: string): Model {
  const vocab = Vocabulary.build(text, { mode: 'char' });
  return { network: Network.create(resolveNetworkConfig({ cell: 'lstm', layers, units }, vocab.size), 3), vocab };
}

/**
 * Sampling, completion latency and the gate inspector on the kernels `useKernels` last chose,
 * measured before any training contender (they used to run after the training loop, on whatever
 * kernels its last variant had left: the portable ones).
 */
function benchInference(log: (line: string) => void, options: BenchOptions): InferenceResult {
  const corpus = 'The quick brown fox jumps over the lazy dog; 0123456789 {}[]()=+-*/.,:!?\n\t"\'';
  const sampler = randomModel(1, H, corpus);
  // 3,000 tokens first: until V8 has optimised the per-token path (1,500–2,000 tokens here), a
  // run measures the compiler as much as the engine (the old engine's bench sampled after its
  // training contenders had warmed up the shared code).
  sample(sampler, { length: 3000 });
  // Median of five runs of 400 tokens: one run is 10–20 ms, too short to stand alone.
  const n = 400;
  const rates = Array.from({ length: 5 }, () => {
    const t0 = performance.now();
    sample(sampler, { length: n, temperature: 1 });
    return n / ((performance.now() - t0) / 1000);
  });
  const samplingRate = percentile(rates, 50);
  log(`  sampling    ${samplingRate.toFixed(0)} tokens/s at batch 1 (1×${H} LSTM)`);

  const requests = options.requests ?? 200;
  const completionModel = randomModel(2, 256, corpus);
  const rng = new Rng(4);
  const chars = [...corpus];
  let text = Array.from({ length: 256 }, () => chars[rng.int(chars.length)]).join('');
  const completer = new Completer(completionModel);
  const opts = { contextChars: 256, maxTokens: 40, temperature: 0, stopAtNewline: false };
  completer.complete(text, opts);
  const typing: number[] = [];
  for (let i = 0; i < requests; i++) {
    text += chars[rng.int(chars.length)];
    const s = performance.now();
    completer.complete(text, opts);
    typing.push(performance.now() - s);
  }
  const cold: number[] = [];
  // Sixty or more, so that the p95 is not simply the slowest request.
  const coldRequests = Math.max(60, Math.floor(requests / 3));
  for (let i = 0; i < coldRequests; i++) {
    const fresh = new Completer(completionModel);
    const ctx = Array.from({ length: 256 }, () => chars[rng.int(chars.length)]).join('');
    const s = performance.now();
    fresh.complete(ctx, opts);
    cold.push(performance.now() - s);
  }
  const inspectText = Array.from({ length: 500 }, () => chars[rng.int(chars.length)]).join('');
  const engineMs: number[] = [];
  const wireMs: number[] = [];
  let messageBytes = 0;
  inspectQuantised(completionModel, inspectText, { topK: 5 });
  for (let i = 0; i < 10; i++) {
    const s = performance.now();
    const q = inspectQuantised(completionModel, inspectText, { topK: 5 });
    const m = performance.now();
    const wire = toWireInspectResult(q);
    wireMs.push(performance.now() - m);
    engineMs.push(m - s);
    messageBytes = Buffer.byteLength(JSON.stringify(wire));
  }
  const inspection = {
    model: '2×256 LSTM',
    chars: inspectText.length,
    runs: engineMs.length,
    engineP50Ms: percentile(engineMs, 50),
    engineP95Ms: percentile(engineMs, 95),
    wireP50Ms: percentile(wireMs, 50),
    messageBytes,
  };
  log(`  inspection  ${inspection.chars} chars: engine p50 ${inspection.engineP50Ms.toFixed(1)} ms, p95 ${inspection.engineP95Ms.toFixed(1)} ms; wire ${inspection.wireP50Ms.toFixed(1)} ms, ${(messageBytes / 1e6).toFixed(2)} MB`);
  completionModel.network.dispose();
  sampler.network.dispose();
  const completion = {
    model: '2×256 LSTM',
    contextChars: 256,
    maxChars: 40,
    requests,
    coldRequests,
    typingP50Ms: percentile(typing, 50),
    typingP95Ms: percentile(typing, 95),
    coldP50Ms: percentile(cold, 50),
    coldP95Ms: percentile(cold, 95),
  };
  log(
    `  completion  typing p50 ${completion.typingP50Ms.toFixed(1)} ms, p95 ${completion.typingP95Ms.toFixed(1)} ms; cold 256-char context (${coldRequests} requests) p50 ${completion.coldP50Ms.toFixed(1)} ms, p95 ${completion.coldP95Ms.toFixed(1)} ms`,
  );
  return { sampling: { tokensPerSecond: samplingRate, units: H, layers: 1 }, completion, inspection };
}

export async function runBench(options: BenchOptions = {}): Promise<BenchResult> {
  const log = options.log ?? (() => {});
  const loadAverage = loadavg();
  const info = await initBackend(options.backend ?? 'auto', { wasmDir: options.wasmDir });
  const maxSteps = options.steps ?? 12;
  log(`backend ${info.name}; load average ${loadAverage.map((x) => x.toFixed(2)).join(' ')}`);
  const python = findTorchPython();
  if (!python) log(TORCH_HINT);
  // Two rounds, each contender in turn, best of the two: a noisy neighbour hurts all alike.
  const kernels = kernelInfo();
  log(kernels.path === 'native' ? `native kernels: ${kernels.detail}` : `native kernels not in use: ${kernels.reason}`);
  const inference = benchInference(log, options);
  let portableInference: InferenceResult | null = null;
  if (kernels.path === 'native') {
    useKernels('portable');
    log('  portable kernels:');
    portableInference = benchInference(log, options);
    useKernels('auto');
  }
  // One engine and one per core (data-parallel workers), native when built, then portable.
  const cores = availableParallelism();
  const workerCounts = cores > 1 ? [1, cores] : [1];
  const paths: KernelPath[] = kernels.path === 'native' ? ['native', 'portable'] : ['portable'];
  const variants: Variant[] = paths.flatMap((path) => workerCounts.map((workers) => ({ path, threads: 0, workers })));
  const ours = TRAIN_SHAPES.map(() => variants.map(() => Infinity));
  const layers = TRAIN_SHAPES.map(() => Infinity);
  let torch: TorchResult | null = null;
  const torchBest = TRAIN_SHAPES.map(() => ({ seconds: Infinity, threads: 0 }));
  for (let round = 0; round < 2; round++) {
    for (const [i, s] of TRAIN_SHAPES.entries()) {
      for (const [k, v] of variants.entries()) {
        const sec = await benchOurs(s, maxSteps, v, info.name, options.wasmDir);
        ours[i][k] = Math.min(ours[i][k], sec);
        log(`  ${s.name.padEnd(9)} ours ${v.path} ×${v.workers} ${((s.batch * s.seqLen) / sec).toFixed(0)} tokens/s`);
      }
      // tfjs-layers is an order of magnitude slower: a second round of it only where it is quick.
      if (round === 0 || layers[i] < 2) {
        layers[i] = Math.min(layers[i], await benchLayers(s, maxSteps));
        log(`  ${s.name.padEnd(9)} tfjs-layers ${((s.batch * s.seqLen) / layers[i]).toFixed(0)} tokens/s`);
      }
    }
    if (python) {
      const r = runTorch(python, TRAIN_SHAPES, {
        vocabSize: V,
        threads: PYTORCH_THREADS,
        minSteps: MIN_STEPS,
        maxSteps,
        budgetSeconds: BUDGET_SECONDS,
        peak: round === 0,
      });
      torch = torch ?? r;
      r.configs.forEach((c, i) => {
        for (const [threads, seconds] of Object.entries(c.secondsPerStep)) {
          if (seconds < torchBest[i].seconds) torchBest[i] = { seconds, threads: Number(threads) };
        }
        const s = TRAIN_SHAPES[i];
        log(
          `  ${s.name.padEnd(9)} PyTorch     ${Object.entries(c.secondsPerStep)
            .map(([n, sec]) => `${((s.batch * s.seqLen) / sec).toFixed(0)} tokens/s (${n} thread${n === '1' ? '' : 's'})`)
            .join(', ')}`,
        );
      });
    }
  }
  const shapes: ShapeResult[] = TRAIN_SHAPES.map((s, i) => {
    const pt = torch ? { ...throughput(s, torchBest[i].seconds), threads: torchBest[i].threads } : null;
    const best = ours[i].indexOf(Math.min(...ours[i]));
    const oursSec = ours[i][best];
    const portableRuns = variants.map((v, k) => ({ v, sec: ours[i][k] })).filter((r) => r.v.path === 'portable');
    const portableBest = portableRuns.reduce((a, b) => (b.sec < a.sec ? b : a));
    const portableSec = portableBest.sec;
    return {
      shape: s,
      ours: { ...throughput(s, oursSec), ...variants[best] },
      portable: { ...throughput(s, portableSec), workers: portableBest.v.workers },
      vsPortable: portableSec / oursSec,
      tfjsLayers: throughput(s, layers[i]),
      pytorch: pt,
      vsLayers: layers[i] / oursSec,
      vsPytorch: pt ? torchBest[i].seconds / oursSec : null,
    };
  });
  const peaks = Object.entries(torch?.sgemmGflops ?? {}).map(([n, g]) => ({ gflops: g, source: `PyTorch torch.mm, ${n} thread${n === '1' ? '' : 's'}` }));
  for (const threads of [1, 2]) {
    const g = nativeSgemmGflops(threads);
    if (g !== null) peaks.push({ gflops: g, source: `cblas_sgemm in the native addon, ${threads} thread${threads === 1 ? '' : 's'}` });
  }
  if (peaks.length) log(`  sgemm 1024²: ${peaks.map((p) => `${p.gflops.toFixed(1)} GFLOP/s (${p.source})`).join('; ')}`);
  const sgemmPeak = peaks.length ? peaks.reduce((a, b) => (b.gflops > a.gflops ? b : a)) : null;

  const tokenise = benchTokenise();
  log(`  tokenise    ${tokenise.streamingMbPerSecond.toFixed(0)} MB/s streaming, ${tokenise.stringMbPerSecond.toFixed(1)} MB/s as a string`);
  return {
    backend: info.name,
    kernels,
    loadAverage,
    pytorch: torch
      ? { python: torch.python, torch: torch.torch, blas: torch.blasInfo, libraries: torch.blasLibraries, env: torch.env }
      : { missing: TORCH_HINT },
    sgemmPeak,
    shapes,
    ...inference,
    portableInference,
    tokenise,
  };
}
