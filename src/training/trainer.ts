// The training loop: text → vocabulary → streams → truncated BPTT with clipping → events.
// Knows nothing of any UI: it reports through `onEvent` and is steered by an AbortSignal and a
// TrainerControl (pause, resume, save now, sample now). In parts: prepare (prepare.ts: a new
// model, or one resumed from its newest complete save), then a Session that steps, evaluates,
// samples and saves, and stops a diverged run at its last sane save.

import { initBackend } from '../engine/backend.js';
import type { BackendName } from '../engine/config.js';
import { evaluateSpread, spreadWindows } from '../engine/evaluate.js';
import { Rng } from '../engine/math.js';
import type { Model } from '../engine/model.js';
import type { Network, RecurrentState } from '../engine/network.js';
import { sample } from '../engine/sampler.js';
import type { Vocabulary } from '../engine/tokenizer.js';
import { saveHooksFromEnv, saveIntervalFromEnv } from '../model/faultHooks.js';
import { checkpointDir } from '../model/index.js';
import type { CheckpointKind, RunRecord } from '../model/index.js';
import { splitTokens, StreamBatcher } from './batches.js';
import type { Split } from './batches.js';
import type { TokenSequence } from './tokenSequence.js';
import type { CarryData } from './checkpoint.js';
import type { StepEngine } from './dataParallel.js';
import { singleEngine, startStepEngine } from './dataParallel.js';
import { loadModelFolder, saveModelFolder } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { gradDivergence, lossDivergence, RecentRange } from './divergence.js';
import type { DoneEvent, StopReason, TrainerEvent } from './events.js';
import type { Optimizer } from './optimizers.js';
import { clipGradients } from './optimizers.js';
import { prepareNew, prepareResume, TrainingError } from './prepare.js';
import type { History, LoopState, Prepared, PrepareInput } from './prepare.js';
import { RunClock } from './runClock.js';
import type { Now } from './runClock.js';
import { OverfitWatch, smallTextWarning } from './overfitting.js';
import { learningRate } from './schedule.js';
import type { TrainerControl } from './trainerControl.js';

export interface TrainRun extends PrepareInput {
  /** Continue from the newest complete save of modelDir (its configuration wins over
   * `options`, except RESUMABLE_KEYS and the budget). */
  resume?: boolean;
  signal?: AbortSignal;
  control?: TrainerControl;
  onEvent: (event: TrainerEvent) => void;
  /** Folder with the tfjs .wasm files. */
  wasmDir?: string;
  /** Least time between two periodic saves (default MIN_SAVE_INTERVAL_MS). */
  minSaveIntervalMs?: number;
  /** The clock the run's time is read from (default performance.now). */
  now?: Now;
  /** Engines per step, the batch's streams split between them (default: the cores, capped by the batch). */
  workers?: number;
}

/**
 * Periodic saves (every checkpointEvery steps, and each new best) are at most this frequent.
 * Each save fsyncs several files; a small model saving several times a second kept the disk
 * so busy that other programs' synchronous writes waited (in VS Code, the dashboard webview's
 * service-worker registration waited 19 s). A due save is made once the interval has passed, a
 * new best is kept in memory until then, and saves asked for and the final save are never held.
 */
export const MIN_SAVE_INTERVAL_MS = 10_000;

/** Fewest tokens an evaluation scores when the validation split has them (a loss from fewer is noise). */
export const MIN_VALIDATION_TOKENS = 8192;

/**
 * Tokens one evaluation scores at most: a quarter of the tokens trained between evaluations
 * (whose backward pass costs about twice the forward one), so evaluating takes under ~10% of a
 * run however big the validation split is; past it, evenly spread windows of the split are scored.
 */
export function validationBudget(config: Pick<TrainConfig, 'evalEvery' | 'batch' | 'seqLen'>): number {
  return Math.max(MIN_VALIDATION_TOKENS, Math.floor((config.evalEvery * config.batch * config.seqLen) / 4));
}

/** What showed that the run diverged, and at which step. */
interface Divergence {
  what: string;
  step: number;
}

/** What one save writes: the model folder's contents at one step. */
type SaveData = Parameters<typeof saveModelFolder>[1];

/** A new best held in memory until the save interval allows writing it. */
interface PendingBest {
  data: SaveData;
  step: number;
  valLoss: number | null;
}

/** A save of this model known to be sane: the state a diverged run falls back to. */
interface SaneSave {
  kind: CheckpointKind;
  step: number;
  valLoss: number | null;
}

const MAX_HISTORY_POINTS = 4000;
/** Seeds of asked-for samples sit this far from the periodic ones (a prime, past any step count). */
export const ASKED_SEED_STRIDE = 1_000_003;


/** One run of training over a prepared model: step, evaluate, sample, save, and the done event. */
class Session {
  readonly network: Network;
  readonly vocab: Vocabulary;
  readonly config: TrainConfig;
  readonly loop: LoopState;
  readonly history: History;
  readonly optimizer: Optimizer;
  readonly name: string;
  readonly split: Split<Int32Array | TokenSequence>;
  readonly batcher: StreamBatcher;
  readonly rng: Rng;
  readonly model: Model;
  readonly startStep: number;
  readonly targetStep: number | null;
  readonly record: RunRecord;
  private carry: RecurrentState | null;
  /** This run's training time, still while paused: the budget, the schedule and elapsedMs read it. */
  readonly clock: RunClock;
  private elapsedBefore = 0;
  private readonly recentTimes: number[] = [];
  private readonly recentNorms: number[] = [];
  /** Sane losses and gradient norms of the last steps: the range divergence is judged against. */
  private readonly losses = new RecentRange();
  private readonly norms = new RecentRange();
  private lastSane: SaneSave | null;
  /** Step of the last save to checkpoints/latest and the root (-1: none usable). */
  private latestStep: number;
  private tokensPerSecond = 0;
  /** Samples asked for so far, so that two at the same step differ too. */
  private askedSamples = 0;
  private lastEvalStep = -1;
  /** performance.now() of the last write of a checkpoint. */
  private lastSaveAt = -Infinity;
  /** A periodic save of checkpoints/latest was due but held by the save interval. */
  private latestDue = false;
  private pendingBest: PendingBest | null = null;
  private readonly minSaveIntervalMs: number;
  /** Training losses since the last evaluation: their mean is set against the validation loss. */
  private trainLossSum = 0;
  private trainLossCount = 0;
  private readonly overfit = new OverfitWatch();
  /** Step of this run's best evaluation (null before one). */
  private bestStep: number | null = null;
  /** Last good weights, restored when an update produces NaN or Infinity. */
  private readonly backupParams: Float32Array[];
  /** Runs each step's forward and backward passes: this thread's network, or it and worker threads. */
  engine: StepEngine;

  constructor(
    private readonly run: TrainRun,
    prepared: Prepared,
    readonly backend: BackendName,
  ) {
    ({ network: this.network, vocab: this.vocab, config: this.config, loop: this.loop, history: this.history, optimizer: this.optimizer, name: this.name } = prepared);
    const ids = run.corpus?.tokens ?? this.vocab.encode(run.text ?? '');
    this.split = splitTokens(ids, this.config.valFraction, this.config.seqLen, this.config.valTokensMax, this.config.valSplit);
    this.batcher = new StreamBatcher(this.split.train, this.config.batch, this.config.seqLen);
    if (run.resume && this.loop.window >= this.batcher.windowsPerEpoch) {
      throw new TrainingError('cannot continue training on this text: it is shorter than the text the model was trained on, so the saved data position does not exist in it');
    }
    this.carry = prepared.carry && prepared.carry.batch === this.batcher.batch ? prepared.carry : null;
    this.rng = new Rng(this.loop.rng);
    this.model = { network: this.network, vocab: this.vocab };
    this.startStep = this.loop.step;
    if (this.loop.targetStep === null) {
      // A new budget counts from where this run starts.
      const c = this.config;
      const budget = c.steps ?? (c.epochs !== null ? Math.ceil(c.epochs * this.batcher.windowsPerEpoch) : null);
      this.loop.scheduleStart = this.startStep;
      this.loop.targetStep = budget === null ? null : this.startStep + budget;
    }
    this.targetStep = this.loop.targetStep;
    this.record = { startedAt: new Date().toISOString(), startStep: this.startStep, endStep: this.startStep, reason: 'running', backend, tokensPerSecond: 0, bestValLoss: null };
    this.history.runs.push(this.record);
    this.backupParams = this.network.params.map((p) => new Float32Array(p.data.length));
    const from = prepared.resumedFrom;
    this.lastSane = from ? { kind: from, step: this.startStep, valLoss: this.loop.lastValLoss } : null;
    this.latestStep = from === 'latest' || from === 'root' ? this.startStep : -1;
    this.minSaveIntervalMs = run.minSaveIntervalMs ?? saveIntervalFromEnv() ?? MIN_SAVE_INTERVAL_MS;
    this.clock = new RunClock(run.now);
    this.engine = singleEngine(this.network);
  }

  private emit(event: TrainerEvent): void {
    this.run.onEvent(event);
  }

  start(): void {
    this.emit({
      event: 'start',
      modelDir: this.run.modelDir,
      backend: this.backend,
      network: this.network.config,
      train: { ...this.config, batch: this.batcher.batch },
      parameters: this.network.parameterCount(),
      vocabSize: this.vocab.size,
      trainTokens: this.split.train.length,
      valTokens: this.split.val.length,
      valScored: this.validationScored(),
      stepsPerEpoch: this.batcher.windowsPerEpoch,
      startStep: this.startStep,
      startElapsedMs: this.loop.elapsedMs,
      totalSteps: this.targetStep,
      resumed: this.run.resume === true,
      compute: { kernels: this.network.kernels.path, workers: this.engine.workers },
    });
    const small = smallTextWarning(this.split.train.length, this.network.parameterCount());
    if (small) this.emit({ event: 'warning', kind: 'small-text', step: this.startStep, message: small });
    this.clock.start();
    this.elapsedBefore = this.loop.elapsedMs;
  }

  private fractionalEpoch(): number {
    return this.loop.epoch + this.loop.window / this.batcher.windowsPerEpoch;
  }

  /** Why the run ends before the next step, if it does. */
  stopBeforeStep(): { reason: StopReason; message: string } | null {
    const { loop, config } = this;
    if (this.run.signal?.aborted) return { reason: 'aborted', message: `stopped at step ${loop.step} on request; the model is saved` };
    if (this.targetStep !== null && loop.step >= this.targetStep) {
      return { reason: config.steps !== null ? 'steps' : 'epochs', message: `finished ${loop.step} steps` };
    }
    if (config.minutes !== null && this.clock.elapsedMs() >= config.minutes * 60_000) {
      return { reason: 'minutes', message: `stopped after ${formatMinutes(config.minutes)} at step ${loop.step}` };
    }
    return null;
  }

  /** One optimizer step on the next window; what showed divergence, if it diverged. */
  async step(): Promise<Divergence | null> {
    const { network, batcher, loop, config, recentNorms } = this;
    const t0 = performance.now();
    const batch = batcher.window(loop.window);
    const result = await this.engine.lossAndGrads(batch.ids, batch.targets, batcher.batch, batcher.seqLen, this.carry, this.rng);
    const { gradNorm, layerGradNorms } = gradientNorms(network, result.grads);
    recentNorms.push(gradNorm);
    if (recentNorms.length > 20) recentNorms.shift();
    // Nothing was applied yet, but these weights (the last update's) gave the bad loss.
    const diverged = lossDivergence('loss', result.loss, this.losses, this.vocab.size) ?? gradDivergence(gradNorm, this.norms);
    if (diverged) return { what: diverged, step: loop.step + 1 };
    clipGradients(result.grads, config.clipMode, config.clip, gradNorm);
    const lr = learningRate(config, loop.step, loop.scheduleStart, this.targetStep, this.clock.elapsedMs() / 60_000);
    network.params.forEach((p, k) => this.backupParams[k].set(p.data));
    this.optimizer.apply(network.params, result.grads, lr);
    if (!network.params.every((p) => allFinite(p.data))) {
      network.params.forEach((p, k) => p.data.set(this.backupParams[k]));
      network.refresh();
      return { what: `the weights overflowed (learning rate ${lr} is too high for these gradients, norm ${gradNorm.toPrecision(4)})`, step: loop.step + 1 };
    }
    this.losses.push(result.loss);
    this.norms.push(gradNorm);
    network.refresh();
    this.carry = result.state;
    if (config.stateReset > 0) {
      // Occasionally start a stream afresh so reading from a zero state stays in-distribution.
      const H = network.config.units;
      for (let b = 0; b < batcher.batch; b++) {
        if (this.rng.next() >= config.stateReset) continue;
        for (const layer of this.carry.layers) {
          layer.a.fill(0, b * H, (b + 1) * H);
          layer.c.fill(0, b * H, (b + 1) * H);
        }
      }
    }
    const tokensPerStep = batcher.batch * batcher.seqLen;
    loop.step++;
    loop.window++;
    loop.tokensSeen += tokensPerStep;
    loop.lastTrainLoss = result.loss;
    this.trainLossSum += result.loss;
    this.trainLossCount++;
    if (loop.window >= batcher.windowsPerEpoch) {
      loop.window = 0;
      loop.epoch++;
      this.carry = null; // each epoch starts from a zero state
    }
    const t1 = performance.now();
    this.recentTimes.push(t1 - t0);
    if (this.recentTimes.length > 20) this.recentTimes.shift();
    this.tokensPerSecond = (tokensPerStep * this.recentTimes.length * 1000) / this.recentTimes.reduce((a, b) => a + b, 0);
    const elapsedMs = this.elapsedBefore + this.clock.elapsedMs();
    this.history.steps.push([loop.step, round(result.loss), round(gradNorm), Math.round(elapsedMs), loop.tokensSeen]);
    this.emit({
      event: 'step',
      step: loop.step,
      epoch: this.fractionalEpoch(),
      loss: result.loss,
      gradNorm,
      layerGradNorms,
      lr,
      tokensPerSecond: this.tokensPerSecond,
      tokensSeen: loop.tokensSeen,
      elapsedMs,
    });
    return null;
  }

  /** The evaluations, samples and saves due after the step just taken; a divergence they show. */
  afterStep(): Divergence | null {
    const { loop, config } = this;
    if (loop.step % config.evalEvery === 0) {
      const diverged = this.evaluate();
      if (diverged) return diverged;
    }
    if (config.sampleEvery > 0 && loop.step % config.sampleEvery === 0) this.sample(this.run.control?.sampleTemperature ?? config.sampleTemperature);
    if (loop.step % config.checkpointEvery === 0) this.latestDue = true;
    return this.savesDue();
  }

  private saveIntervalPassed(): boolean {
    return performance.now() - this.lastSaveAt >= this.minSaveIntervalMs;
  }

  /** Writes a held best and a due periodic save once the save interval has passed. */
  private savesDue(): Divergence | null {
    if (!this.saveIntervalPassed()) return null;
    if (this.latestDue) return this.save('latest');
    this.flushBest();
    return null;
  }

  /** Writes the best held in memory, if any (it was judged sane when it was evaluated). */
  private flushBest(): void {
    const pending = this.pendingBest;
    if (!pending) return;
    this.pendingBest = null;
    this.write('best', pending.data, pending.step, pending.valLoss);
  }

  /** Tokens each evaluation scores (all of the split unless it is beyond validationBudget). */
  private validationScored(): number {
    const spread = spreadWindows(this.split.val.length, this.config.batch, this.config.seqLen, validationBudget(this.config));
    return spread ? spread.starts.length * spread.length : Math.max(0, this.split.val.length - 1);
  }

  /** Measures the validation loss (and saves a new best); a divergence it shows. */
  evaluate(): Divergence | null {
    const { loop } = this;
    const r = evaluateSpread(this.network, this.split.val, this.config.batch, this.config.seqLen, validationBudget(this.config));
    this.lastEvalStep = loop.step;
    loop.lastValLoss = r.loss;
    const diverged = lossDivergence('validation loss', r.loss, this.losses, this.vocab.size);
    const best = diverged === null && (loop.bestValLoss === null || r.loss < loop.bestValLoss);
    if (best) loop.bestValLoss = r.loss;
    if (r.loss < (this.record.bestValLoss ?? Infinity)) this.record.bestValLoss = r.loss;
    this.history.evals.push([loop.step, r.loss]);
    this.emit({ event: 'eval', step: loop.step, epoch: this.fractionalEpoch(), valLoss: r.loss, valBitsPerToken: r.loss / Math.LN2, valPerplexity: Math.exp(r.loss), best });
    if (best) this.bestStep = loop.step;
    const trainLoss = this.trainLossCount > 0 ? this.trainLossSum / this.trainLossCount : null;
    this.trainLossSum = 0;
    this.trainLossCount = 0;
    const overfitting = diverged ? null : this.overfit.observe(trainLoss, r.loss, best, this.bestStep);
    if (overfitting) this.emit({ event: 'warning', kind: 'overfitting', step: loop.step, message: overfitting });
    if (diverged) return { what: diverged, step: loop.step };
    if (!best) return null;
    if (this.saveIntervalPassed()) return this.save('best');
    // The weights move on with the next step: the best is copied now and written when allowed.
    this.pendingBest = { data: structuredClone(this.saveData()), step: loop.step, valLoss: loop.lastValLoss };
    return null;
  }

  /**
   * A sample at this step; `asked` (Sample Now) draws from a seed of its own, else it would
   * repeat word for word the periodic sample of the same step (seed + step).
   */
  sample(temperature: number, asked = false): void {
    const seed = this.config.seed + this.loop.step + (asked ? ASKED_SEED_STRIDE * ++this.askedSamples : 0);
    const s = sample(this.model, { length: this.config.sampleLength, temperature, seed });
    this.emit({ event: 'sample', step: this.loop.step, temperature, text: s.text });
  }

  /** Whether the weights in memory may be saved: the step's evaluation, or a forward pass on the next window, is sane. */
  private checkSaveable(): Divergence | null {
    const { loop } = this;
    if (this.lastEvalStep === loop.step && loop.lastValLoss !== null) return null; // evaluate() judged it
    const batch = this.batcher.window(loop.window);
    const probe = this.network.loss(batch.ids, batch.targets, this.batcher.batch, this.batcher.seqLen, null).loss;
    const diverged = lossDivergence('loss of the weights about to be saved', probe, this.losses, this.vocab.size);
    return diverged ? { what: diverged, step: loop.step } : null;
  }

  /** best → checkpoints/best; latest → checkpoints/latest and the folder's root. Refuses a diverged state. */
  save(kind: 'latest' | 'best'): Divergence | null {
    const diverged = this.checkSaveable();
    if (diverged) return diverged;
    const { loop } = this;
    if (kind === 'best') this.pendingBest = null;
    // A save of latest also writes a best held by the interval, so nothing evaluated waits longer.
    else this.flushBest();
    this.write(kind, this.saveData(), loop.step, this.lastEvalStep === loop.step ? loop.lastValLoss : null);
    return null;
  }

  /** The folder's contents now (typed arrays shared with the live network). */
  private saveData(): SaveData {
    const { loop, network } = this;
    loop.elapsedMs = this.elapsedBefore + this.clock.elapsedMs();
    loop.rng = this.rng.state;
    this.record.endStep = loop.step;
    this.record.tokensPerSecond = Math.round(this.tokensPerSecond);
    this.record.elapsedMs = Math.round(this.clock.elapsedMs());
    return {
      name: this.name,
      network: network.config,
      params: network.params.map((p) => ({ name: p.name, shape: p.shape, data: p.data })),
      vocabulary: this.vocab.toJSON(),
      train: this.config,
      state: { ...loop },
      history: { runs: this.history.runs, steps: thin(this.history.steps), evals: this.history.evals },
      optimizer: { name: this.config.optimizer, step: this.optimizer.step, slots: this.optimizer.slots().map((s) => ({ name: s.name, shape: s.shape, data: s.data })) },
      carry: this.carry ? carryData(network, this.carry) : null,
    };
  }

  private write(kind: 'latest' | 'best', data: SaveData, step: number, valLoss: number | null): void {
    const dirs = kind === 'best' ? [checkpointDir(this.run.modelDir, 'best')] : [checkpointDir(this.run.modelDir, 'latest'), this.run.modelDir];
    for (const dir of dirs) saveModelFolder(dir, data, saveHooksFromEnv());
    this.lastSaveAt = performance.now();
    // A held best written after a newer latest does not become the state a divergence falls back to.
    if (!this.lastSane || step >= this.lastSane.step) this.lastSane = { kind, step, valLoss };
    if (kind === 'latest') {
      this.latestStep = step;
      this.latestDue = false;
    }
    this.emit({ event: 'checkpoint', step, kind, dir: dirs[0] });
  }

  /** Saves and samples asked for through the TrainerControl; a divergence the save found. */
  handleRequests(): Divergence | null {
    const control = this.run.control;
    if (!control) return null;
    let diverged: Divergence | null = null;
    if (control.checkpointRequested) {
      control.checkpointRequested = false;
      diverged = this.save('latest');
    }
    if (control.sampleRequested) {
      const t = control.sampleRequested.temperature;
      control.sampleRequested = null;
      this.sample(t >= 0 ? t : this.config.sampleTemperature, true);
    }
    return diverged;
  }

  /**
   * The run diverged: the folder falls back to the newest sane save (best becomes latest and
   * the root when it is newer), the nan event says so, and the message is returned.
   */
  diverge({ what, step }: Divergence): string {
    const { config } = this;
    const norms = this.recentNorms.map((n) => (Number.isFinite(n) ? Number(n.toPrecision(4)) : n));
    let kept = 'Nothing was saved: no state of this run was known to be sane.';
    this.flushBest();
    const sane = this.lastSane;
    if (sane) {
      const where = sane.kind === 'root' ? 'the model folder' : `checkpoints/${sane.kind}`;
      kept = `The model stays at step ${sane.step} (${where}${sane.valLoss === null ? '' : `, validation loss ${sane.valLoss.toFixed(4)}`}); nothing diverged was saved.`;
      if (sane.kind === 'best' && sane.step > this.latestStep) {
        try {
          const best = loadModelFolder(this.run.modelDir, 'best');
          for (const dir of [checkpointDir(this.run.modelDir, 'latest'), this.run.modelDir]) saveModelFolder(dir, best, saveHooksFromEnv());
          kept = `The model rolls back to step ${sane.step} (checkpoints/best, now also checkpoints/latest and the model folder); nothing diverged was saved.`;
        } catch (error) {
          kept += ` Restoring checkpoints/best as the model failed: ${(error as Error).message}.`;
        }
      }
    }
    const message =
      `${what} at step ${step} (recent gradient norms ${norms.join(', ')}). ${kept} ` +
      `Try a lower learning rate (now ${config.lr}) or stronger clipping (now ${config.clip > 0 ? `${config.clipMode} ${config.clip}` : 'off'}).`;
    this.emit({ event: 'nan', step, recentGradNorms: norms, message });
    return message;
  }

  /** Evaluates and saves unless the run diverged, then reports the end of the run. */
  finish(stopReason: StopReason, stopMessage: string): DoneEvent {
    const { loop } = this;
    let reason = stopReason;
    let message = stopMessage;
    if (reason !== 'nan') {
      let diverged: Divergence | null = null;
      if (this.lastEvalStep !== loop.step && loop.step > this.startStep) diverged = this.evaluate();
      this.record.reason = reason;
      diverged ??= this.save('latest');
      if (diverged) {
        reason = 'nan';
        message = this.diverge(diverged);
      }
    }
    this.record.reason = reason;
    const done: DoneEvent = {
      event: 'done',
      step: loop.step,
      epoch: this.fractionalEpoch(),
      trainLoss: loop.lastTrainLoss,
      valLoss: loop.lastValLoss,
      bestValLoss: loop.bestValLoss,
      tokensPerSecond: this.tokensPerSecond,
      backend: this.backend,
      modelDir: this.run.modelDir,
      reason,
      message,
    };
    this.emit(done);
    this.network.dispose();
    return done;
  }
}

/**
 * Trains (or continues training) a model on `text` and saves it to `modelDir`. Resolves with
 * the done event; rejects only for bad input (ConfigError, DataError, ModelFormatError,
 * TrainingError) before any file is written.
 */
export async function train(run: TrainRun): Promise<DoneEvent> {
  const prepared = run.resume ? prepareResume(run) : prepareNew(run);
  const backend = (await initBackend(run.options.backend ?? prepared.config.backend, { wasmDir: run.wasmDir })).name;
  const session = new Session(run, prepared, backend);
  session.engine = await startStepEngine(session.network, { workers: run.workers, batch: session.batcher.batch, backend, wasmDir: run.wasmDir });
  try {
    return await trainSession(run, session);
  } finally {
    await session.engine.close();
  }
}

async function trainSession(run: TrainRun, session: Session): Promise<DoneEvent> {
  session.start();
  const control = run.control;
  const stopDiverged = (d: Divergence) => session.finish('nan', session.diverge(d));
  for (;;) {
    const stop = session.stopBeforeStep();
    if (stop) return session.finish(stop.reason, stop.message);
    let diverged = session.handleRequests();
    while (!diverged && control?.paused && !run.signal?.aborted) {
      session.clock.pause();
      await control.waitForChange(run.signal);
      diverged = session.handleRequests();
    }
    session.clock.resume();
    if (diverged) return stopDiverged(diverged);
    if (run.signal?.aborted) continue;
    diverged = (await session.step()) ?? session.afterStep();
    if (diverged) return stopDiverged(diverged);
    // Let the event loop deliver abort signals and control messages between steps.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
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

/** The global gradient norm and the norm per group (embedding, each recurrent layer, output), in
 * one pass over the gradients: the step's serial part, while the other engines wait. */
function gradientNorms(network: Network, grads: readonly Float32Array[]): { gradNorm: number; layerGradNorms: number[] } {
  const groups = new Map<string, number>();
  let total = 0;
  network.params.forEach((p, k) => {
    const group = p.name.split('.')[0];
    const g = grads[k];
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
    total += s;
    groups.set(group, (groups.get(group) ?? 0) + s);
  });
  return { gradNorm: Math.sqrt(total), layerGradNorms: [...groups.values()].map(Math.sqrt) };
}

/** The carried state as the format stores it: `layer<l>/a` (and `/c` for an LSTM), each [batch, units]. */
function carryData(network: Network, carry: RecurrentState): CarryData {
  const shape = [carry.batch, network.config.units];
  return {
    batch: carry.batch,
    tensors: carry.layers.flatMap((st, l) => [
      { name: `layer${l}/a`, shape, data: st.a },
      ...(network.config.cell === 'lstm' ? [{ name: `layer${l}/c`, shape, data: st.c }] : []),
    ]),
  };
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
