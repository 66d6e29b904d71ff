// The training loop every supervised task shares (classify, tag, seq2seq, …): shuffled
// mini-batches of examples, the configured optimizer with clipping and schedule, an evaluation
// every evalEvery steps with the task's metrics, periodic saves (latest = the root, and best by
// the task's headline metric) at most one per MIN_SAVE_INTERVAL_MS, samples of a task that
// writes text every sampleEvery steps, pause / save-now / sample-now / abort, exact resume, and
// divergence that stops the run without saving the diverged state.
//
// A task plugs in as a TaskLearner; the loop emits the same TrainerEvents as the language-model
// trainer (with `task` and `metrics`), so the CLI, the extension and the dashboard read one stream.

import type { AttentionKind, BackendName, NetworkConfig } from '../../engine/config.js';
import { currentKernels } from '../../engine/kernels/kernels.js';
import { Rng } from '../../engine/math.js';
import type { Param } from '../../engine/network.js';
import type { VocabularyJSON } from '../../engine/tokenizer.js';
import type { ModelTask, RunRecord, TrainingHistory } from '../../model/index.js';
import { checkpointDir } from '../../model/index.js';
import { saveHooksFromEnv } from '../../model/faultHooks.js';
import type { LoadedFolder, ModelFolderData, TensorData } from '../checkpoint.js';
import { saveModelFolder } from '../checkpoint.js';
import type { TrainConfig } from '../config.js';
import { gradDivergence, lossDivergence, RecentRange } from '../divergence.js';
import type { DoneEvent, StopReason, TrainerEvent } from '../events.js';
import { clipGradients, createOptimizer, globalNorm } from '../optimizers.js';
import { RunClock } from '../runClock.js';
import type { Now } from '../runClock.js';
import { learningRate } from '../schedule.js';
import type { TrainerControl } from '../trainerControl.js';
import { ASKED_SEED_STRIDE, MIN_SAVE_INTERVAL_MS } from '../trainer.js';

export interface TaskBatchResult {
  /** Mean loss of the batch (nats per example or per real token, as the task counts). */
  loss: number;
  /** One gradient per parameter, in `params` order. */
  grads: Float32Array[];
  /** Real (unpadded) input tokens the batch read, for tokens/s. */
  tokens: number;
}

export interface TaskScore {
  /** Mean validation loss, nats (same unit as the batch loss). */
  loss: number;
  /** The task's metrics under their stable names (accuracy, macroF1, tokenAccuracy, entityF1, exactMatch, cer …). */
  metrics: Record<string, number>;
  /** A classifier's confusion matrix (rows: true label), shown by the dashboard. */
  confusion?: number[][];
}

/** What a task gives the shared loop. */
export interface TaskLearner {
  readonly task: ModelTask;
  readonly network: NetworkConfig;
  /** Every trainable tensor, updated in place by the optimizer. */
  readonly params: Param[];
  readonly trainCount: number;
  readonly validationCount: number;
  readonly vocabSize: number;
  /** Classes of the output (labels, tags or target tokens): a uniform guess scores ln(outputs). */
  readonly outputs: number;
  /** The metric that picks the best checkpoint; `higherIsBetter` false for error rates (cer). */
  readonly headline: { name: string; higherIsBetter: boolean };
  /** Loss and gradients over the training examples with these indices. */
  lossAndGrads(indices: readonly number[], rng: Rng): TaskBatchResult;
  /** Scores the validation examples. */
  evaluate(): TaskScore;
  /** Called after every parameter update (heads that cache transposes refresh them). */
  refresh(): void;
  dispose(): void;
  /** What model.json records besides the common fields. */
  folder(): { vocabulary: VocabularyJSON; labels?: string[]; attention?: AttentionKind };
  /** Text the model writes now (a label-lm model: a line for each of a few labels); absent when the task does not generate. */
  sample?(options: { temperature: number; length: number; seed: number; round: number }): TaskSample[];
}

export interface TaskSample {
  /** The label the text was generated from. */
  label?: string;
  text: string;
}

export interface TaskRun {
  modelDir: string;
  name: string;
  backend: BackendName;
  signal?: AbortSignal;
  control?: TrainerControl;
  onEvent?: (event: TrainerEvent) => void;
  /** The folder this run continues (its parameters are already in the learner). */
  resumeFrom?: LoadedFolder;
  /** Least time between two periodic saves (default MIN_SAVE_INTERVAL_MS). */
  minSaveIntervalMs?: number;
  now?: Now;
}

export interface TaskDone extends DoneEvent {
  /** The best evaluation of the model (this run or an earlier one), null when none was made. */
  best: { step: number; valLoss: number; metrics: Record<string, number> } | null;
  /** Whether anything was written to modelDir. */
  saved: boolean;
  /** This run's training time (pauses left out). */
  elapsedMs: number;
}

interface Snapshot {
  step: number;
  epoch: number;
  valLoss: number;
  metrics: Record<string, number>;
  params: TensorData[];
}

const copyParams = (params: readonly Param[]): TensorData[] => params.map((p) => ({ name: p.name, shape: p.shape.slice(), data: p.data.slice() }));

/** Trains `learner` under `config`; resolves with the done event once everything due is saved. */
export async function trainTask(learner: TaskLearner, config: TrainConfig, run: TaskRun): Promise<TaskDone> {
  const emit = run.onEvent ?? (() => undefined);
  const clock = new RunClock(run.now);
  const minSaveMs = run.minSaveIntervalMs ?? MIN_SAVE_INTERVAL_MS;
  const prior = run.resumeFrom ?? null;
  const optimizer = createOptimizer(config.optimizer, learner.params, { momentum: config.momentum, weightDecay: config.weightDecay });
  if (prior?.optimizer && prior.optimizer.name === config.optimizer) optimizer.load(prior.optimizer.step, prior.optimizer.slots);

  const n = learner.trainCount;
  const B = Math.min(config.batch, n);
  const perEpoch = Math.ceil(n / B);
  const startStep = prior?.state.step ?? 0;
  const startElapsedMs = prior?.state.elapsedMs ?? 0;
  const budget = config.steps ?? (config.epochs !== null ? Math.ceil(config.epochs * perEpoch) : null);
  const targetStep = budget === null ? null : startStep + budget;
  const parameters = learner.params.reduce((s, q) => s + q.data.length, 0);
  // Shuffles are seeded by the step the run starts at, so a resumed run does not replay the same order.
  const rng = new Rng(config.seed + 2 + startStep);
  emit({
    event: 'start',
    task: learner.task,
    ...(learner.folder().labels ? { labels: learner.folder().labels } : {}),
    modelDir: run.modelDir,
    backend: run.backend,
    compute: { kernels: currentKernels().path, workers: 1 },
    network: learner.network,
    train: config,
    parameters,
    vocabSize: learner.vocabSize,
    trainTokens: n,
    valTokens: learner.validationCount,
    stepsPerEpoch: perEpoch,
    startStep,
    startElapsedMs,
    totalSteps: targetStep,
    resumed: prior !== null,
  });

  const earlier = prior?.history;
  const history: Required<TrainingHistory> = { runs: (earlier?.runs ?? []).map((r) => ({ ...r })), steps: (earlier?.steps ?? []).slice(), evals: (earlier?.evals ?? []).slice() };
  const record: RunRecord = { startStep, endStep: startStep, startedAt: new Date().toISOString(), reason: 'running', backend: run.backend, bestValLoss: null };
  history.runs.push(record);
  const newSteps: number[][] = [];
  const better = (a: Snapshot | { metrics: Record<string, number>; valLoss: number }, b: { metrics: Record<string, number>; valLoss: number } | null): boolean => {
    if (!b) return true;
    const x = a.metrics[learner.headline.name] ?? NaN;
    const y = b.metrics[learner.headline.name] ?? NaN;
    if (x !== y) return learner.headline.higherIsBetter ? x > y : x < y;
    return a.valLoss <= b.valLoss; // a later equal one wins: it has trained longer
  };
  let best: { step: number; valLoss: number; metrics: Record<string, number> } | null = prior?.state.best ?? null;
  let pendingBest: Snapshot | null = null;
  let lastSaveAt = -Infinity;
  let saved = false;

  let step = startStep;
  let at = 0;
  let order = Array.from({ length: n }, (_, i) => i);
  let tokens = prior?.state.tokensSeen ?? 0;
  let runTokens = 0;
  let computeMs = 0;
  let lastLoss: number | null = prior?.state.lastTrainLoss ?? null;
  let lastValLoss: number | null = prior?.state.lastValLoss ?? null;
  let evaluatedAt = -1;
  let reason: StopReason;
  let message = '';
  const losses = new RecentRange();
  const norms = new RecentRange();
  const tokensPerSecond = () => (computeMs > 0 ? (runTokens * 1000) / computeMs : 0);
  const elapsedMs = () => startElapsedMs + clock.elapsedMs();

  const folderData = (params: TensorData[], at: { step: number; epoch: number }, withOptimizer: boolean): ModelFolderData => ({
    task: learner.task,
    ...learner.folder(),
    name: run.name,
    network: learner.network,
    params,
    train: config,
    state: {
      step: at.step,
      epoch: at.epoch,
      bestValLoss: best?.valLoss ?? null,
      best,
      lastValLoss,
      lastTrainLoss: lastLoss,
      tokensSeen: tokens,
      elapsedMs: elapsedMs(),
    },
    history: { runs: history.runs.map((r) => ({ ...r })), steps: thinned([...history.steps, ...newSteps]), evals: history.evals.slice() },
    optimizer: withOptimizer ? { name: optimizer.name, step: optimizer.step, slots: optimizer.slots() } : null,
  });
  const write = (kind: 'latest' | 'best', data: ModelFolderData) => {
    const dirs = kind === 'best' ? [checkpointDir(run.modelDir, 'best')] : [checkpointDir(run.modelDir, 'latest'), run.modelDir];
    for (const dir of dirs) saveModelFolder(dir, data, saveHooksFromEnv());
    saved = true;
    lastSaveAt = clock.elapsedMs();
    emit({ event: 'checkpoint', step: data.state.step, kind, dir: dirs[0] });
  };
  const flushBest = () => {
    if (!pendingBest) return;
    const b = pendingBest;
    pendingBest = null;
    write('best', folderData(b.params, b, false));
  };
  const saveLatest = () => {
    Object.assign(record, { endStep: step, tokensPerSecond: Math.round(tokensPerSecond()), bestValLoss: best?.valLoss ?? null });
    write('latest', folderData(copyParams(learner.params), { step, epoch: step / perEpoch }, true));
    flushBest();
  };
  // Samples, as the language-model trainer makes them: every sampleEvery steps and when asked for.
  let sampleRounds = 0;
  let askedSamples = 0;
  const sample = (temperature: number, asked: boolean) => {
    if (!learner.sample) return;
    const seed = config.seed + step + (asked ? ASKED_SEED_STRIDE * ++askedSamples : 0);
    for (const s of learner.sample({ temperature, length: config.sampleLength, seed, round: sampleRounds++ })) {
      emit({ event: 'sample', step, temperature, text: s.text, ...(s.label !== undefined ? { label: s.label } : {}) });
    }
  };
  const askedSample = (control: TrainerControl) => {
    const t = control.sampleRequested!.temperature;
    control.sampleRequested = null;
    sample(t >= 0 ? t : config.sampleTemperature, true);
  };
  const evaluate = () => {
    const score = learner.evaluate();
    evaluatedAt = step;
    if (!Number.isFinite(score.loss)) return `the validation loss became ${Number.isNaN(score.loss) ? 'NaN' : 'infinite'}`;
    lastValLoss = score.loss;
    history.evals.push([step, score.loss, ...Object.values(score.metrics)]);
    const isBest = better({ valLoss: score.loss, metrics: score.metrics }, best);
    if (isBest) {
      best = { step, valLoss: score.loss, metrics: score.metrics };
      pendingBest = { step, epoch: step / perEpoch, valLoss: score.loss, metrics: score.metrics, params: copyParams(learner.params) };
    }
    emit({
      event: 'eval',
      step,
      epoch: step / perEpoch,
      valLoss: score.loss,
      valBitsPerToken: score.loss / Math.LN2,
      valPerplexity: Math.exp(score.loss),
      best: isBest,
      metrics: score.metrics,
      ...(score.confusion ? { confusion: score.confusion } : {}),
    });
    return null;
  };

  clock.start();
  try {
    for (;;) {
      if (targetStep !== null && step >= targetStep) {
        reason = config.steps === null && config.epochs !== null ? 'epochs' : 'steps';
        break;
      }
      if (config.minutes !== null && clock.elapsedMs() >= config.minutes * 60_000) {
        reason = 'minutes';
        break;
      }
      if (run.signal?.aborted) {
        reason = 'aborted';
        break;
      }
      const control = run.control;
      if (control?.checkpointRequested) {
        control.checkpointRequested = false;
        saveLatest();
      }
      if (control?.sampleRequested) askedSample(control);
      if (control?.paused) {
        clock.pause();
        while (control.paused && !run.signal?.aborted) {
          await control.waitForChange(run.signal);
          // Save Checkpoint Now while paused saves the step the run is paused at.
          if (control.checkpointRequested) {
            control.checkpointRequested = false;
            saveLatest();
          }
          if (control.sampleRequested) askedSample(control);
        }
        clock.resume();
        continue;
      }
      if (at === 0) order = shuffled(order, rng);
      const chunk = order.slice(at, at + B);
      at = at + B >= n ? 0 : at + B;
      const t0 = performance.now();
      const r = learner.lossAndGrads(chunk, rng);
      const norm = globalNorm(r.grads);
      const diverged = lossDivergence('training loss', r.loss, losses, learner.outputs) ?? gradDivergence(norm, norms);
      if (diverged) {
        reason = 'nan';
        message = `${diverged} at step ${step + 1}`;
        emit({ event: 'nan', step: step + 1, recentGradNorms: norms.all.slice(), message });
        break;
      }
      losses.push(r.loss);
      norms.push(norm);
      clipGradients(r.grads, config.clipMode, config.clip, norm);
      const lr = learningRate(config, step, startStep, targetStep, clock.elapsedMs() / 60_000);
      optimizer.apply(learner.params, r.grads, lr);
      learner.refresh();
      step++;
      computeMs += performance.now() - t0;
      tokens += r.tokens;
      runTokens += r.tokens;
      lastLoss = r.loss;
      newSteps.push([step, r.loss, norm, elapsedMs(), tokens]);
      emit({
        event: 'step',
        step,
        epoch: step / perEpoch,
        loss: r.loss,
        gradNorm: norm,
        layerGradNorms: [],
        lr,
        tokensPerSecond: tokensPerSecond(),
        tokensSeen: tokens,
        elapsedMs: elapsedMs(),
      });
      if (step % config.evalEvery === 0) {
        const bad = evaluate();
        if (bad) {
          reason = 'nan';
          message = `${bad} at step ${step}`;
          emit({ event: 'nan', step, recentGradNorms: norms.all.slice(), message });
          break;
        }
        if (clock.elapsedMs() - lastSaveAt >= minSaveMs) saveLatest();
      }
      if (config.sampleEvery > 0 && step % config.sampleEvery === 0) sample(run.control?.sampleTemperature ?? config.sampleTemperature, false);
      // Let the event loop run: abort signals, control messages and worker posts arrive between steps.
      if (step % 8 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }

    if (reason !== 'nan') {
      if (evaluatedAt !== step && step > startStep) {
        const bad = evaluate();
        if (bad) {
          reason = 'nan';
          message = `${bad} at step ${step}`;
        }
      }
    }
    if (reason === 'nan') {
      // The diverged weights are never written; a best held in memory from before is still good.
      flushBest();
    } else if (step > startStep || !saved) {
      saveLatest();
    }
  } finally {
    learner.dispose();
  }
  Object.assign(record, { endStep: step, reason, tokensPerSecond: Math.round(tokensPerSecond()), bestValLoss: best?.valLoss ?? null });
  const done: TaskDone = {
    event: 'done',
    step,
    epoch: step / perEpoch,
    trainLoss: lastLoss,
    valLoss: lastValLoss,
    bestValLoss: best?.valLoss ?? null,
    tokensPerSecond: tokensPerSecond(),
    backend: run.backend,
    modelDir: run.modelDir,
    reason,
    message: message || `finished (${reason}) at step ${step}`,
    best,
    saved,
    elapsedMs: clock.elapsedMs(),
  };
  emit(done);
  return done;
}

/** A seeded Fisher–Yates shuffle of a copy. */
export function shuffled(items: readonly number[], rng: Rng): number[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** At most ~500 step rows in model.json: every k-th, and the last. */
export function thinned(rows: number[][]): number[][] {
  const k = Math.ceil(rows.length / 500);
  return rows.filter((_, i) => i % k === 0 || i === rows.length - 1);
}
