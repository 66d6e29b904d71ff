// The training loop: text → vocabulary → streams → truncated BPTT with clipping → events.
// Knows nothing of any UI: it reports through `onEvent` and is steered by an AbortSignal and a
// TrainerControl (pause, resume, save now, sample now).

import { initBackend } from '../engine/backend.js';
import type { NetworkConfig } from '../engine/config.js';
import { ConfigError, resolveNetworkConfig } from '../engine/config.js';
import { evaluateStream } from '../engine/evaluate.js';
import { Rng } from '../engine/math.js';
import type { Model } from '../engine/model.js';
import type { RecurrentState } from '../engine/network.js';
import { Network } from '../engine/network.js';
import { sample } from '../engine/sampler.js';
import { Vocabulary } from '../engine/tokenizer.js';
import { saveHooksFromEnv } from '../model/faultHooks.js';
import { DataError, splitTokens, StreamBatcher } from './batches.js';
import type { TensorData } from './checkpoint.js';
import { checkpointDir, loadModelFolder, ModelFormatError, saveModelFolder } from './checkpoint.js';
import type { TrainConfig, TrainOptions } from './config.js';
import { resolveTrainConfig } from './config.js';
import type { Corpus } from './corpus.js';
import type { DoneEvent, StopReason, TrainerEvent } from './events.js';
import type { Optimizer } from './optimizers.js';
import { clipGradients, createOptimizer, globalNorm } from './optimizers.js';

/** Steers a running training from outside (the CLI's signals, the extension's buttons). */
export class TrainerControl {
  private pausedFlag = false;
  private wake: (() => void) | null = null;
  /** Set by checkpointNow(); the trainer clears it after saving. */
  checkpointRequested = false;
  /** Set by sampleNow(); the trainer clears it after sampling. */
  sampleRequested: { temperature: number } | null = null;
  /** Temperature of the periodic samples from now on (null: the run's configured one). */
  sampleTemperature: number | null = null;

  get paused(): boolean {
    return this.pausedFlag;
  }

  pause(): void {
    this.pausedFlag = true;
  }

  resume(): void {
    this.pausedFlag = false;
    this.poke();
  }

  checkpointNow(): void {
    this.checkpointRequested = true;
    this.poke();
  }

  sampleNow(temperature?: number): void {
    this.sampleRequested = { temperature: temperature ?? -1 };
    this.poke();
  }

  /** Resolves at the next resume, request or abort. */
  waitForChange(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}

export interface TrainRun {
  /** The training text (the whole of it; the end is held out for validation). */
  text?: string;
  /** Or the text already tokenised, of any size (training/corpus.ts); its vocabulary is used. */
  corpus?: Corpus;
  /** Model folder to create, or to continue with `resume`. */
  modelDir: string;
  options: TrainOptions;
  /** Display name stored in model.json. Default: the folder name. */
  name?: string;
  /** Continue from checkpoints/latest of modelDir (its configuration wins over `options`,
   * except the stopping criteria). */
  resume?: boolean;
  signal?: AbortSignal;
  control?: TrainerControl;
  onEvent: (event: TrainerEvent) => void;
  /** Folder with the tfjs .wasm files. */
  wasmDir?: string;
}

/** Saved training state: everything besides weights and moments that exact resume needs. */
interface LoopState {
  step: number;
  /** Completed passes over the training text. */
  epoch: number;
  /** Next window within the epoch. */
  window: number;
  rng: number[];
  bestValLoss: number | null;
  lastValLoss: number | null;
  lastTrainLoss: number | null;
  tokensSeen: number;
  elapsedMs: number;
  /** The step this run's budget (and learning-rate schedule) started from, and where it ends. */
  scheduleStart: number;
  targetStep: number | null;
}

interface RunSummary {
  startedAt: string;
  startStep: number;
  endStep: number;
  reason: StopReason | 'running';
  backend: string;
  tokensPerSecond: number;
}

interface History {
  runs: RunSummary[];
  /** [step, loss, gradNorm, elapsedMs, tokensSeen] */
  steps: number[][];
  /** [step, valLoss] */
  evals: number[][];
}

const MAX_HISTORY_POINTS = 4000;

export class TrainingError extends Error {
  override name = 'TrainingError';
}

function basename(dir: string): string {
  const parts = dir.replace(/[\\/]+$/, '').split(/[\\/]/);
  return parts[parts.length - 1] || 'model';
}

/** The fraction of tokens of `text` the vocabulary does not know, and a few examples. */
function unknownSymbols(vocab: Vocabulary, text: string): { fraction: number; examples: string[] } {
  const { ids, offsets } = vocab.encodeWithOffsets(text);
  const examples = new Set<string>();
  let unknown = 0;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] !== vocab.unk) continue;
    const piece = text.slice(offsets[i], offsets[i + 1]);
    if (piece === '<UNK>') continue;
    unknown++;
    if (examples.size < 5) examples.add(piece);
  }
  return { fraction: ids.length ? unknown / ids.length : 0, examples: [...examples] };
}

/**
 * Trains (or continues training) a model on `text` and saves it to `modelDir`. Resolves with
 * the done event; rejects only for bad input (ConfigError, DataError, ModelFormatError,
 * TrainingError) before any file is written.
 */
export async function train(run: TrainRun): Promise<DoneEvent> {
  const emit = run.onEvent;
  let network: Network;
  let vocab: Vocabulary;
  let config: TrainConfig;
  let loop: LoopState;
  let history: History;
  let optimizer: Optimizer;
  let carry: RecurrentState | null = null;
  let name = run.name ?? basename(run.modelDir);

  if (run.resume) {
    let folder;
    try {
      folder = loadModelFolder(run.modelDir, 'latest');
    } catch (err) {
      if (err instanceof ModelFormatError) throw new TrainingError(`cannot continue training: ${err.message}`);
      throw err;
    }
    vocab = Vocabulary.fromJSON(folder.vocabulary);
    const unknown = run.corpus
      ? { fraction: run.corpus.unknown / Math.max(1, run.corpus.tokens.length), examples: run.corpus.unknownExamples }
      : unknownSymbols(vocab, run.text ?? '');
    const limit = vocab.mode === 'char' ? 0 : 0.1;
    if (unknown.fraction > limit) {
      throw new TrainingError(
        `cannot continue training on this text: ${(unknown.fraction * 100).toFixed(1)}% of it is outside the model's vocabulary (for example ${unknown.examples.map((e) => JSON.stringify(e)).join(', ')}); train a new model on it instead`,
      );
    }
    network = Network.fromParams(folder.network, folder.params);
    // The model fixes the architecture, data and optimizer; this call may change the stopping
    // criteria and the step size (e.g. a lower learning rate after exploding gradients).
    const o = run.options;
    const overrides = resolveTrainConfig({ ...folder.train, ...o, steps: undefined, epochs: undefined, minutes: undefined });
    config = {
      ...folder.train,
      lr: overrides.lr,
      lrDecay: overrides.lrDecay,
      lrDecayEvery: overrides.lrDecayEvery,
      lrSchedule: overrides.lrSchedule,
      lrFinalFactor: overrides.lrFinalFactor,
      clip: overrides.clip,
      clipMode: overrides.clipMode,
      evalEvery: overrides.evalEvery,
      sampleEvery: overrides.sampleEvery,
      sampleLength: overrides.sampleLength,
      sampleTemperature: overrides.sampleTemperature,
      checkpointEvery: overrides.checkpointEvery,
      steps: o.steps ?? null,
      epochs: o.epochs ?? null,
      minutes: o.minutes ?? null,
    };
    const continuing = config.steps === null && config.epochs === null && config.minutes === null;
    if (continuing) {
      // No new budget: finish the interrupted one, on the same schedule.
      config = { ...config, steps: folder.train.steps, epochs: folder.train.epochs, minutes: folder.train.minutes };
    }
    name = run.name ?? folder.name;
    const s = folder.state as Partial<LoopState>;
    loop = {
      step: s.step ?? 0,
      epoch: s.epoch ?? 0,
      window: s.window ?? 0,
      rng: Array.isArray(s.rng) ? s.rng : new Rng(config.seed).state,
      bestValLoss: s.bestValLoss ?? null,
      lastValLoss: s.lastValLoss ?? null,
      lastTrainLoss: s.lastTrainLoss ?? null,
      tokensSeen: s.tokensSeen ?? 0,
      elapsedMs: s.elapsedMs ?? 0,
      scheduleStart: continuing ? (s.scheduleStart ?? 0) : (s.step ?? 0),
      targetStep: continuing ? (s.targetStep ?? null) : null,
    };
    const h = folder.history as Partial<History>;
    history = { runs: h.runs ?? [], steps: h.steps ?? [], evals: h.evals ?? [] };
    optimizer = createOptimizer(config.optimizer, network.params, { momentum: config.momentum });
    if (folder.optimizer) {
      optimizer.load(folder.optimizer.step, folder.optimizer.slots);
      carry = restoreCarry(network, folder.optimizer.slots, config);
    }
  } else {
    config = resolveTrainConfig(run.options);
    if (config.steps === null && config.epochs === null && config.minutes === null) config.epochs = 1;
    if (!run.corpus && !run.text) throw new DataError('the text is empty');
    vocab = run.corpus?.vocab ?? Vocabulary.build(run.text ?? '', { mode: config.tokens, minCount: config.minCount, maxVocab: config.maxVocab, charEos: config.charEos });
    const netConfig: NetworkConfig = resolveNetworkConfig(run.options, vocab.size, config.tokens);
    if (netConfig.bidirectional) {
      throw new ConfigError(
        'a bidirectional network reads each sequence backwards too, so it would see the very tokens it must predict; language models must be unidirectional',
      );
    }
    network = Network.create(netConfig, config.seed);
    loop = { step: 0, epoch: 0, window: 0, rng: new Rng(config.seed + 1).state, bestValLoss: null, lastValLoss: null, lastTrainLoss: null, tokensSeen: 0, elapsedMs: 0, scheduleStart: 0, targetStep: null };
    history = { runs: [], steps: [], evals: [] };
    optimizer = createOptimizer(config.optimizer, network.params, { momentum: config.momentum });
  }

  const backend = (await initBackend(run.options.backend ?? config.backend, { wasmDir: run.wasmDir })).name;
  const ids = run.corpus?.tokens ?? vocab.encode(run.text ?? '');
  const split = splitTokens(ids, config.valFraction, config.seqLen);
  const batcher = new StreamBatcher(split.train, config.batch, config.seqLen);
  if (run.resume && loop.window >= batcher.windowsPerEpoch) {
    throw new TrainingError('cannot continue training on this text: it is shorter than the text the model was trained on, so the saved data position does not exist in it');
  }
  if (carry && carry.batch !== batcher.batch) carry = null;
  const rng = new Rng(loop.rng);
  const model: Model = { network, vocab };
  const startStep = loop.step;
  if (loop.targetStep === null) {
    // A new budget counts from where this run starts.
    const budget = config.steps ?? (config.epochs !== null ? Math.ceil(config.epochs * batcher.windowsPerEpoch) : null);
    loop.scheduleStart = startStep;
    loop.targetStep = budget === null ? null : startStep + budget;
  }
  const targetStep = loop.targetStep;
  const runSummary: RunSummary = { startedAt: new Date().toISOString(), startStep, endStep: startStep, reason: 'running', backend, tokensPerSecond: 0 };
  history.runs.push(runSummary);

  emit({
    event: 'start',
    modelDir: run.modelDir,
    backend,
    network: network.config,
    train: { ...config, batch: batcher.batch },
    parameters: network.parameterCount(),
    vocabSize: vocab.size,
    trainTokens: split.train.length,
    valTokens: split.val.length,
    stepsPerEpoch: batcher.windowsPerEpoch,
    startStep,
    totalSteps: targetStep,
    resumed: run.resume === true,
  });

  const tokensPerStep = batcher.batch * batcher.seqLen;
  const started = performance.now();
  const elapsedBefore = loop.elapsedMs;
  const recentTimes: number[] = [];
  const recentNorms: number[] = [];
  let tokensPerSecond = 0;
  let lastEvalStep = -1;
  // Last good weights and moments, restored when a step produces NaN or Infinity.
  const backupParams = network.params.map((p) => new Float32Array(p.data.length));
  let reason: StopReason | null = null;
  let message = '';
  const control = run.control;

  const fractionalEpoch = () => loop.epoch + loop.window / batcher.windowsPerEpoch;

  const save = (kind: 'latest' | 'best') => {
    loop.elapsedMs = elapsedBefore + (performance.now() - started);
    loop.rng = rng.state;
    const slots: TensorData[] = optimizer.slots().map((s) => ({ name: s.name, shape: s.shape, data: s.data }));
    if (carry) {
      carry.layers.forEach((st, l) => {
        slots.push({ name: `carry/layer${l}/a`, shape: [carry!.batch, network.config.units], data: st.a });
        if (network.config.cell === 'lstm') slots.push({ name: `carry/layer${l}/c`, shape: [carry!.batch, network.config.units], data: st.c });
      });
    }
    runSummary.endStep = loop.step;
    runSummary.tokensPerSecond = Math.round(tokensPerSecond);
    const data = {
      name,
      network: network.config,
      params: network.params.map((p) => ({ name: p.name, shape: p.shape, data: p.data })),
      vocabulary: vocab.toJSON(),
      train: config,
      state: { ...loop },
      history: { runs: history.runs, steps: thin(history.steps), evals: history.evals },
      optimizer: { name: config.optimizer, step: optimizer.step, slots },
    };
    const dirs = kind === 'best' ? [checkpointDir(run.modelDir, 'best')] : [checkpointDir(run.modelDir, 'latest'), run.modelDir];
    for (const dir of dirs) saveModelFolder(dir, data, saveHooksFromEnv());
    emit({ event: 'checkpoint', step: loop.step, kind, dir: dirs[0] });
  };

  const evaluate = () => {
    const r = evaluateStream(network, split.val, config.batch, config.seqLen);
    lastEvalStep = loop.step;
    loop.lastValLoss = r.loss;
    const best = loop.bestValLoss === null || r.loss < loop.bestValLoss;
    if (best) loop.bestValLoss = r.loss;
    history.evals.push([loop.step, r.loss]);
    emit({ event: 'eval', step: loop.step, epoch: fractionalEpoch(), valLoss: r.loss, valBitsPerToken: r.loss / Math.LN2, valPerplexity: Math.exp(r.loss), best });
    if (best) save('best');
  };

  const emitSample = (temperature: number) => {
    const s = sample(model, { length: config.sampleLength, temperature, seed: config.seed + loop.step });
    emit({ event: 'sample', step: loop.step, temperature, text: s.text });
  };

  const handleRequests = () => {
    if (!control) return;
    if (control.checkpointRequested) {
      control.checkpointRequested = false;
      save('latest');
    }
    if (control.sampleRequested) {
      const t = control.sampleRequested.temperature;
      control.sampleRequested = null;
      emitSample(t >= 0 ? t : config.sampleTemperature);
    }
  };

  for (;;) {
    if (run.signal?.aborted) {
      reason = 'aborted';
      message = `stopped at step ${loop.step} on request; the model is saved`;
      break;
    }
    if (targetStep !== null && loop.step >= targetStep) {
      reason = config.steps !== null ? 'steps' : 'epochs';
      message = `finished ${loop.step} steps`;
      break;
    }
    if (config.minutes !== null && performance.now() - started >= config.minutes * 60_000) {
      reason = 'minutes';
      message = `stopped after ${formatMinutes(config.minutes)} at step ${loop.step}`;
      break;
    }
    handleRequests();
    while (control?.paused && !run.signal?.aborted) {
      await control.waitForChange(run.signal);
      handleRequests();
    }
    if (run.signal?.aborted) continue;

    const t0 = performance.now();
    const batch = batcher.window(loop.window);
    const result = network.lossAndGrads(batch.ids, batch.targets, batcher.batch, batcher.seqLen, carry, rng);
    const gradNorm = globalNorm(result.grads);
    recentNorms.push(gradNorm);
    if (recentNorms.length > 20) recentNorms.shift();
    if (!Number.isFinite(result.loss) || !Number.isFinite(gradNorm)) {
      // Nothing was applied yet: the weights and moments in memory are the last good ones.
      const norms = recentNorms.map((n) => (Number.isFinite(n) ? Number(n.toPrecision(4)) : n));
      message =
        `the ${Number.isFinite(result.loss) ? 'gradient' : 'loss'} became ${Number.isNaN(result.loss) || Number.isNaN(gradNorm) ? 'NaN' : 'infinite'} at step ${loop.step + 1} (exploding gradients; recent gradient norms ${norms.join(', ')}). ` +
        `The weights of step ${loop.step} were kept and nothing saved before was touched. Try a lower learning rate (now ${config.lr}) or stronger clipping (now ${config.clip > 0 ? `${config.clipMode} ${config.clip}` : 'off'}).`;
      emit({ event: 'nan', step: loop.step + 1, recentGradNorms: norms, message });
      reason = 'nan';
      break;
    }
    const layerGradNorms = groupNorms(network, result.grads);
    clipGradients(result.grads, config.clipMode, config.clip, gradNorm);
    const lr = learningRate(config, loop.step, loop.scheduleStart, targetStep, (performance.now() - started) / 60_000);
    network.params.forEach((p, k) => backupParams[k].set(p.data));
    optimizer.apply(network.params, result.grads, lr);
    if (!network.params.every((p) => allFinite(p.data))) {
      network.params.forEach((p, k) => p.data.set(backupParams[k]));
      network.refresh();
      message = `the weights overflowed at step ${loop.step + 1} (learning rate ${lr} is too high for these gradients, norm ${gradNorm.toPrecision(4)}); the weights of step ${loop.step} were restored and nothing saved before was touched. Try a lower learning rate or stronger clipping.`;
      emit({ event: 'nan', step: loop.step + 1, recentGradNorms: recentNorms.slice(), message });
      reason = 'nan';
      break;
    }
    network.refresh();
    carry = result.state;
    if (config.stateReset > 0) {
      // Occasionally start a stream afresh so reading from a zero state stays in-distribution.
      const H = network.config.units;
      for (let b = 0; b < batcher.batch; b++) {
        if (rng.next() >= config.stateReset) continue;
        for (const layer of carry.layers) {
          layer.a.fill(0, b * H, (b + 1) * H);
          layer.c.fill(0, b * H, (b + 1) * H);
        }
      }
    }
    loop.step++;
    loop.window++;
    loop.tokensSeen += tokensPerStep;
    loop.lastTrainLoss = result.loss;
    if (loop.window >= batcher.windowsPerEpoch) {
      loop.window = 0;
      loop.epoch++;
      carry = null; // each epoch starts from a zero state
    }
    const t1 = performance.now();
    recentTimes.push(t1 - t0);
    if (recentTimes.length > 20) recentTimes.shift();
    tokensPerSecond = (tokensPerStep * recentTimes.length * 1000) / recentTimes.reduce((a, b) => a + b, 0);
    const elapsedMs = elapsedBefore + (t1 - started);
    history.steps.push([loop.step, round(result.loss), round(gradNorm), Math.round(elapsedMs), loop.tokensSeen]);
    emit({
      event: 'step',
      step: loop.step,
      epoch: fractionalEpoch(),
      loss: result.loss,
      gradNorm,
      layerGradNorms,
      lr,
      tokensPerSecond,
      tokensSeen: loop.tokensSeen,
      elapsedMs,
    });
    if (loop.step % config.evalEvery === 0) evaluate();
    if (config.sampleEvery > 0 && loop.step % config.sampleEvery === 0) emitSample(control?.sampleTemperature ?? config.sampleTemperature);
    if (loop.step % config.checkpointEvery === 0) save('latest');
    // Let the event loop deliver abort signals and control messages between steps.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  if (reason !== 'nan') {
    if (lastEvalStep !== loop.step && loop.step > startStep) evaluate();
    runSummary.reason = reason;
    save('latest');
  }
  runSummary.reason = reason;
  const done: DoneEvent = {
    event: 'done',
    step: loop.step,
    epoch: fractionalEpoch(),
    trainLoss: loop.lastTrainLoss,
    valLoss: loop.lastValLoss,
    bestValLoss: loop.bestValLoss,
    tokensPerSecond,
    backend,
    modelDir: run.modelDir,
    reason,
    message,
  };
  emit(done);
  network.dispose();
  return done;
}

/**
 * Step decay (lrDecay every lrDecayEvery steps) times the cosine schedule over this run's
 * budget: progress is the larger of steps done / steps planned and minutes spent / minutes
 * allowed.
 */
export function learningRate(config: TrainConfig, step: number, scheduleStart: number, targetStep: number | null, minutesSpent: number): number {
  let lr = config.lr * Math.pow(config.lrDecay, Math.floor(step / config.lrDecayEvery));
  if (config.lrSchedule === 'cosine') {
    let progress = 0;
    if (targetStep !== null && targetStep > scheduleStart) progress = Math.max(progress, (step - scheduleStart) / (targetStep - scheduleStart));
    if (config.minutes !== null) progress = Math.max(progress, minutesSpent / config.minutes);
    progress = Math.min(1, progress);
    const f = config.lrFinalFactor;
    lr *= f + (1 - f) * 0.5 * (1 + Math.cos(Math.PI * progress));
  }
  return lr;
}

/** 0.75 → "45 seconds", 1 → "1 minute", 2.5 → "2.5 minutes". */
export function formatMinutes(minutes: number): string {
  if (minutes < 1) {
    const seconds = Math.round(minutes * 60);
    return `${seconds} second${seconds === 1 ? '' : 's'}`;
  }
  const m = Number(minutes.toFixed(2));
  return `${m} minute${m === 1 ? '' : 's'}`;
}

function allFinite(x: Float32Array): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/** Gradient norm per group: embedding, each recurrent layer, output. */
function groupNorms(network: Network, grads: readonly Float32Array[]): number[] {
  const groups = new Map<string, number>();
  network.params.forEach((p, k) => {
    const group = p.name.split('.')[0];
    let s = groups.get(group) ?? 0;
    const g = grads[k];
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
    groups.set(group, s);
  });
  return [...groups.values()].map(Math.sqrt);
}

function restoreCarry(network: Network, slots: readonly TensorData[], config: TrainConfig): RecurrentState | null {
  const byName = new Map(slots.map((s) => [s.name, s]));
  const layers = [];
  for (let l = 0; l < network.config.layers; l++) {
    const a = byName.get(`carry/layer${l}/a`);
    if (!a) return null;
    const c = network.config.cell === 'lstm' ? byName.get(`carry/layer${l}/c`) : a;
    if (!c) return null;
    layers.push({ a: a.data.slice(), c: c === a ? a.data.slice() : c.data.slice() });
  }
  if (network.config.cell !== 'lstm') for (const s of layers) s.c = s.a;
  const batch = byName.get('carry/layer0/a')?.shape[0] ?? config.batch;
  return { batch, layers };
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}

/** Keeps at most MAX_HISTORY_POINTS evenly spaced points (always the last). */
function thin(points: number[][]): number[][] {
  if (points.length <= MAX_HISTORY_POINTS) return points;
  const stride = points.length / MAX_HISTORY_POINTS;
  const out: number[][] = [];
  for (let i = 0; i < MAX_HISTORY_POINTS - 1; i++) out.push(points[Math.floor(i * stride)]);
  out.push(points[points.length - 1]);
  return out;
}
