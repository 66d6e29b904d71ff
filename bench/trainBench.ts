// `rnnlab bench`: training throughput of the engine against a tfjs-layers LSTM on the same
// backend in the same process, sampling speed, and ghost-text completion latency.

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BackendChoice, BackendName } from '../src/engine/config.js';
import { resolveNetworkConfig } from '../src/engine/config.js';
import { initBackend } from '../src/engine/backend.js';
import { Rng } from '../src/engine/math.js';
import type { Model } from '../src/engine/model.js';
import type { RecurrentState } from '../src/engine/network.js';
import { Network } from '../src/engine/network.js';
import { Completer, sample } from '../src/engine/sampler.js';
import { Vocabulary } from '../src/engine/tokenizer.js';
import { clipGradients, createOptimizer, globalNorm } from '../src/training/optimizers.js';

export interface BenchOptions {
  backend?: BackendChoice;
  wasmDir?: string;
  /** Timed training steps per contender (after warm-up). Default 12. */
  steps?: number;
  /** Completion requests for the latency figures. Default 200. */
  requests?: number;
  /** Progress lines (to stderr by the CLI). */
  log?: (line: string) => void;
}

export interface BenchResult {
  backend: BackendName;
  config: { cell: 'lstm'; layers: number; units: number; vocabSize: number; batch: number; seqLen: number; optimizer: 'adam' };
  ours: { tokensPerSecond: number; msPerStep: number };
  tfjsLayers: { tokensPerSecond: number; msPerStep: number };
  ratio: number;
  sampling: { tokensPerSecond: number; units: number; layers: number };
  completion: {
    model: string;
    contextChars: number;
    maxChars: number;
    requests: number;
    /** Typing one more character after the previous request (the cached-state path). */
    typingP50Ms: number;
    typingP95Ms: number;
    /** A fresh 256-character context (cache miss). */
    coldP50Ms: number;
    coldP95Ms: number;
  };
}

const V = 65;
const H = 128;
const B = 64;
const T = 40;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Seconds per step of our engine on the reference configuration. */
function benchOurs(steps: number): number {
  const net = Network.create(resolveNetworkConfig({ cell: 'lstm', units: H }, V), 1);
  const opt = createOptimizer('adam', net.params);
  const rng = new Rng(1);
  const stream = Int32Array.from({ length: B * T + B }, () => rng.int(V));
  const ids = stream.subarray(0, B * T);
  const targets = stream.subarray(B, B * T + B);
  let state: RecurrentState | null = null;
  const step = () => {
    const r = net.lossAndGrads(ids, targets, B, T, state, rng);
    clipGradients(r.grads, 'norm', 5, globalNorm(r.grads));
    opt.apply(net.params, r.grads, 2e-3);
    net.refresh();
    state = r.state;
  };
  for (let i = 0; i < 2; i++) step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const dt = (performance.now() - t0) / steps / 1000;
  net.dispose();
  return dt;
}

/** Seconds per step of tfjs-layers: LSTM(128, returnSequences) + time-distributed dense softmax. */
async function benchLayers(steps: number): Promise<number> {
  const model = tfl.sequential({
    layers: [
      tfl.layers.lstm({ units: H, returnSequences: true, inputShape: [T, V], recurrentInitializer: 'glorotUniform' }),
      tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: V, activation: 'softmax' }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(2e-3), loss: 'categoricalCrossentropy' });
  const rng = new Rng(2);
  const x = tf.tidy(() => tf.reshape(tf.oneHot(tf.tensor1d(Array.from({ length: B * T }, () => rng.int(V)), 'int32'), V), [B, T, V]));
  const y = tf.tidy(() => tf.reshape(tf.oneHot(tf.tensor1d(Array.from({ length: B * T }, () => rng.int(V)), 'int32'), V), [B, T, V]));
  for (let i = 0; i < 2; i++) await model.trainOnBatch(x, y);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y);
  const dt = (performance.now() - t0) / steps / 1000;
  tf.dispose([x, y]);
  model.dispose();
  return dt;
}

function randomModel(layers: number, units: number, text: string): Model {
  const vocab = Vocabulary.build(text, { mode: 'char' });
  return { network: Network.create(resolveNetworkConfig({ cell: 'lstm', layers, units }, vocab.size), 3), vocab };
}

export async function runBench(options: BenchOptions = {}): Promise<BenchResult> {
  const log = options.log ?? (() => {});
  const info = await initBackend(options.backend ?? 'auto', { wasmDir: options.wasmDir });
  const steps = options.steps ?? 12;
  log(`backend ${info.name}; reference config: char LM, 1-layer LSTM ${H} units, vocabulary ${V}, batch ${B}, T ${T}, Adam`);
  // Interleave the contenders so a noisy neighbour hurts both alike.
  const ours: number[] = [];
  const layers: number[] = [];
  for (let round = 0; round < 2; round++) {
    ours.push(benchOurs(Math.ceil(steps / 2)));
    log(`  ours        ${((B * T) / ours[ours.length - 1]).toFixed(0)} tokens/s`);
    layers.push(await benchLayers(Math.ceil(steps / 2)));
    log(`  tfjs-layers ${((B * T) / layers[layers.length - 1]).toFixed(0)} tokens/s`);
  }
  const oursStep = Math.min(...ours);
  const layersStep = Math.min(...layers);

  const corpus = 'The quick brown fox jumps over the lazy dog; 0123456789 {}[]()=+-*/.,:!?\n\t"\'';
  const sampler = randomModel(1, H, corpus);
  sample(sampler, { length: 20 });
  const t0 = performance.now();
  const n = 400;
  sample(sampler, { length: n, temperature: 1 });
  const samplingRate = n / ((performance.now() - t0) / 1000);
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
  for (let i = 0; i < Math.max(10, Math.floor(requests / 10)); i++) {
    const fresh = new Completer(completionModel);
    const ctx = Array.from({ length: 256 }, () => chars[rng.int(chars.length)]).join('');
    const s = performance.now();
    fresh.complete(ctx, opts);
    cold.push(performance.now() - s);
  }
  completionModel.network.dispose();
  sampler.network.dispose();
  const completion = {
    model: '2×256 LSTM',
    contextChars: 256,
    maxChars: 40,
    requests,
    typingP50Ms: percentile(typing, 50),
    typingP95Ms: percentile(typing, 95),
    coldP50Ms: percentile(cold, 50),
    coldP95Ms: percentile(cold, 95),
  };
  log(`  completion  typing p50 ${completion.typingP50Ms.toFixed(1)} ms, p95 ${completion.typingP95Ms.toFixed(1)} ms; cold 256-char context p50 ${completion.coldP50Ms.toFixed(1)} ms, p95 ${completion.coldP95Ms.toFixed(1)} ms`);
  return {
    backend: info.name,
    config: { cell: 'lstm', layers: 1, units: H, vocabSize: V, batch: B, seqLen: T, optimizer: 'adam' },
    ours: { tokensPerSecond: (B * T) / oursStep, msPerStep: oursStep * 1000 },
    tfjsLayers: { tokensPerSecond: (B * T) / layersStep, msPerStep: layersStep * 1000 },
    ratio: layersStep / oursStep,
    sampling: { tokensPerSecond: samplingRate, units: H, layers: 1 },
    completion,
  };
}
