// Training a many-to-one classifier from a classification file: a stratified validation split,
// word tokens and a learned embedding by default, a bidirectional encoder by default, the
// configured optimizer (Adam) with gradient clipping, accuracy and macro-F1 every evalEvery
// steps. The weights of the best evaluation are saved once, atomically; a diverged state never is.

import type { NetworkConfig } from '../../engine/config.js';
import { resolveNetworkConfig } from '../../engine/config.js';
import { ClassifierHead } from '../../engine/heads/classifierHead.js';
import { padBatch } from '../../engine/heads/paddedBatch.js';
import { Rng } from '../../engine/math.js';
import type { Vocabulary } from '../../engine/tokenizer.js';
import type { RunRecord } from '../../model/index.js';
import type { TensorData } from '../checkpoint.js';
import { saveModelFolder } from '../checkpoint.js';
import type { TrainConfig, TrainOptions } from '../config.js';
import { resolveTrainConfig } from '../config.js';
import { clipGradients, createOptimizer, globalNorm } from '../optimizers.js';
import { learningRate } from '../schedule.js';
import type { EncodedExamples } from './classifyEncoding.js';
import { buildClassifyVocabulary, encodeExamples } from './classifyEncoding.js';
import type { ClassifyData } from './classifyReader.js';
import type { ClassifierEvaluation } from './classifyModel.js';
import { evaluateIds } from './classifyModel.js';
import { stratifiedSplit } from './stratifiedSplit.js';

/** Passes over the training examples when no budget is given. */
export const DEFAULT_CLASSIFY_EPOCHS = 10;

export interface PreparedClassify {
  config: TrainConfig;
  network: NetworkConfig;
  labels: string[];
  vocab: Vocabulary;
  train: EncodedExamples;
  validation: EncodedExamples;
}

export type ClassifyEvent =
  | { type: 'start'; train: number; validation: number; vocabSize: number; parameters: number; network: NetworkConfig; config: TrainConfig }
  | { type: 'eval'; step: number; epoch: number; trainLoss: number; valLoss: number; accuracy: number; macroF1: number; tokensPerSecond: number }
  | { type: 'done'; reason: string; step: number; elapsedMs: number; tokensPerSecond: number; best: BestEval | null; saved: boolean };

export interface BestEval {
  step: number;
  valLoss: number;
  accuracy: number;
  macroF1: number;
}

export interface ClassifyRun {
  modelDir: string;
  name: string;
  /** The backend's name, for the run record. */
  backend: string;
  signal?: AbortSignal;
  onEvent?: (e: ClassifyEvent) => void;
}

/** Resolves the options and encodes the split; throws before anything is written. */
export function prepareClassify(data: ClassifyData, options: TrainOptions): PreparedClassify {
  const noBudget = options.steps === undefined && options.epochs === undefined && options.minutes === undefined;
  const config = resolveTrainConfig({ tokens: 'word', ...options, ...(noBudget ? { epochs: DEFAULT_CLASSIFY_EPOCHS } : {}) });
  const split = stratifiedSplit(
    data.examples.map((e) => e.label),
    { fraction: config.valFraction, seed: config.seed },
  );
  const trainExamples = split.train.map((i) => data.examples[i]);
  const vocab = buildClassifyVocabulary(
    trainExamples.map((e) => e.text),
    { tokens: config.tokens, minCount: config.minCount, maxVocab: config.maxVocab },
  );
  const network = resolveNetworkConfig({ ...options, bidirectional: options.bidirectional ?? true }, vocab.size, config.tokens);
  return {
    config,
    network,
    labels: data.labels,
    vocab,
    train: encodeExamples(vocab, data.labels, trainExamples),
    validation: encodeExamples(
      vocab,
      data.labels,
      split.validation.map((i) => data.examples[i]),
    ),
  };
}

export async function trainClassifier(p: PreparedClassify, run: ClassifyRun): Promise<Extract<ClassifyEvent, { type: 'done' }>> {
  const { config } = p;
  const emit = run.onEvent ?? (() => undefined);
  const head = ClassifierHead.create(p.network, p.labels.length, config.seed);
  const optimizer = createOptimizer(config.optimizer, head.params, { momentum: config.momentum });
  const rng = new Rng(config.seed + 2);
  const n = p.train.ids.length;
  const B = Math.min(config.batch, n);
  const perEpoch = Math.ceil(n / B);
  const targetStep = config.steps ?? (config.epochs !== null ? Math.ceil(config.epochs * perEpoch) : null);
  const parameters = head.params.reduce((s, q) => s + q.data.length, 0);
  emit({ type: 'start', train: n, validation: p.validation.ids.length, vocabSize: p.vocab.size, parameters, network: p.network, config });

  const started = Date.now();
  const record: RunRecord = { startStep: 0, endStep: 0, startedAt: new Date(started).toISOString(), reason: 'running', backend: run.backend, bestValLoss: null };
  const steps: number[][] = [];
  const evals: number[][] = [];
  let best: (BestEval & { params: TensorData[]; epoch: number }) | null = null;
  let order = Array.from({ length: n }, (_, i) => i);
  let [step, at, tokens, stepMs, lastLoss] = [0, 0, 0, 0, NaN];
  let reason = 'steps';
  const tokensPerSecond = () => (stepMs > 0 ? (tokens * 1000) / stepMs : 0);
  const evaluate = () => {
    const r: ClassifierEvaluation = evaluateIds(head, p.labels, p.validation.ids, p.validation.labelIds);
    evals.push([step, r.loss, r.accuracy, r.macroF1]);
    emit({ type: 'eval', step, epoch: step / perEpoch, trainLoss: lastLoss, valLoss: r.loss, accuracy: r.accuracy, macroF1: r.macroF1, tokensPerSecond: tokensPerSecond() });
    // Best = highest accuracy, then lowest loss; a later equal one wins (it has trained longer).
    if (!best || r.accuracy > best.accuracy || (r.accuracy === best.accuracy && r.loss <= best.valLoss)) {
      best = { step, epoch: step / perEpoch, valLoss: r.loss, accuracy: r.accuracy, macroF1: r.macroF1, params: head.params.map((q) => ({ name: q.name, shape: q.shape.slice(), data: q.data.slice() })) };
    }
  };

  for (;;) {
    if (targetStep !== null && step >= targetStep) break;
    if (config.minutes !== null && Date.now() - started >= config.minutes * 60_000) {
      reason = 'minutes';
      break;
    }
    if (run.signal?.aborted) {
      reason = 'aborted';
      break;
    }
    if (at === 0) order = shuffled(order, rng);
    const chunk = order.slice(at, at + B);
    at = at + B >= n ? 0 : at + B;
    const t0 = Date.now();
    const batch = padBatch(chunk.map((i) => p.train.ids[i]));
    const r = head.lossAndGrads(batch, Int32Array.from(chunk, (i) => p.train.labelIds[i]), rng);
    const norm = globalNorm(r.grads);
    if (!Number.isFinite(r.loss) || !Number.isFinite(norm)) {
      reason = 'nan';
      break;
    }
    clipGradients(r.grads, config.clipMode, config.clip, norm);
    optimizer.apply(head.params, r.grads, learningRate(config, step, 0, targetStep, (Date.now() - started) / 60_000));
    head.refresh();
    step++;
    stepMs += Date.now() - t0;
    tokens += batch.lengths.reduce((s, l) => s + l, 0);
    lastLoss = r.loss;
    steps.push([step, r.loss, norm, Date.now() - started, tokens]);
    if (step % config.evalEvery === 0) evaluate();
  }
  if (reason !== 'nan' && evals.at(-1)?.[0] !== step) evaluate();
  if (config.epochs !== null && reason === 'steps' && config.steps === null) reason = 'epochs';

  const elapsedMs = Date.now() - started;
  const b = best as (BestEval & { params: TensorData[]; epoch: number }) | null;
  Object.assign(record, { endStep: step, reason, tokensPerSecond: Math.round(tokensPerSecond()), bestValLoss: b?.valLoss ?? null });
  if (b) {
    saveModelFolder(run.modelDir, {
      task: 'classify',
      labels: p.labels,
      name: run.name,
      network: p.network,
      params: b.params,
      vocabulary: p.vocab.toJSON(),
      train: config,
      state: { step: b.step, epoch: b.epoch, bestValLoss: b.valLoss, lastValLoss: evals.at(-1)?.[1] ?? null, lastTrainLoss: Number.isFinite(lastLoss) ? lastLoss : null, tokensSeen: tokens, elapsedMs },
      history: { runs: [record], steps: thinned(steps), evals },
      optimizer: null,
    });
  }
  head.dispose();
  const bestEval = b ? { step: b.step, valLoss: b.valLoss, accuracy: b.accuracy, macroF1: b.macroF1 } : null;
  const done = { type: 'done' as const, reason, step, elapsedMs, tokensPerSecond: tokensPerSecond(), best: bestEval, saved: b !== null };
  emit(done);
  return done;
}

/** A seeded Fisher–Yates shuffle of a copy. */
function shuffled(items: number[], rng: Rng): number[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** At most ~500 step rows in model.json: every k-th, and the last. */
function thinned(rows: number[][]): number[][] {
  const k = Math.ceil(rows.length / 500);
  return rows.filter((_, i) => i % k === 0 || i === rows.length - 1);
}
