// Columnar loss/gradient series of one training run, built from trainer events, and the
// min/max-per-bucket downsampling that keeps a 100k-step run cheap to send and to draw.

import { tolerantHistory } from '../model/summary.js';
import type { TrainerEvent } from '../training/events.js';
import { isArrayOf, isMeasuredArray, isNumberArray, isObject, isString, type Json } from './guards.js';

/** Train-step columns share one index; validation columns share another. */
export interface RunSeries {
  step: number[];
  elapsedMs: number[];
  tokens: number[];
  loss: number[];
  gradNorm: number[];
  lr: number[];
  valStep: number[];
  valElapsedMs: number[];
  valTokens: number[];
  valLoss: number[];
}

const TRAIN_KEYS = ['step', 'elapsedMs', 'tokens'] as const;
const VAL_KEYS = ['valStep', 'valElapsedMs', 'valTokens'] as const;
/** Measured columns: may hold NaN (null after JSON), and lr is NaN when a history lacks it. */
const TRAIN_MEASURED = ['loss', 'gradNorm', 'lr'] as const;
const VAL_MEASURED = ['valLoss'] as const;

export function emptySeries(): RunSeries {
  return { step: [], elapsedMs: [], tokens: [], loss: [], gradNorm: [], lr: [], valStep: [], valElapsedMs: [], valTokens: [], valLoss: [] };
}

export function isRunSeries(v: unknown): v is RunSeries {
  if (!isObject(v)) return false;
  const o: Json = v;
  const trainLen = Array.isArray(o.step) ? o.step.length : -1;
  const valLen = Array.isArray(o.valStep) ? o.valStep.length : -1;
  return (
    TRAIN_KEYS.every((k) => isNumberArray(o[k]) && (o[k] as number[]).length === trainLen) &&
    TRAIN_MEASURED.every((k) => isMeasuredArray(o[k]) && (o[k] as number[]).length === trainLen) &&
    VAL_KEYS.every((k) => isNumberArray(o[k]) && (o[k] as number[]).length === valLen) &&
    VAL_MEASURED.every((k) => isMeasuredArray(o[k]) && (o[k] as number[]).length === valLen)
  );
}

/** An earlier run (of this model or another one) the user can overlay on the loss chart. */
export interface OverlayRun {
  id: string;
  label: string;
  series: RunSeries;
}

export const isOverlayRun = (v: unknown): v is OverlayRun =>
  isObject(v) && isString(v.id) && isString(v.label) && isRunSeries(v.series);
export const isOverlayRunArray = (v: unknown): v is OverlayRun[] => isArrayOf(v, isOverlayRun);

/**
 * Appends one event to a series. Step and eval events carry no token count / time for evals,
 * so an eval borrows them from the last train step (evals run right after a step).
 */
export function appendEvent(s: RunSeries, e: TrainerEvent): void {
  if (e.event === 'step') {
    s.step.push(e.step);
    s.elapsedMs.push(e.elapsedMs);
    s.tokens.push(e.tokensSeen);
    s.loss.push(e.loss);
    s.gradNorm.push(e.gradNorm);
    s.lr.push(e.lr);
  } else if (e.event === 'eval') {
    const last = s.step.length - 1;
    s.valStep.push(e.step);
    s.valElapsedMs.push(last >= 0 ? s.elapsedMs[last]! : 0);
    s.valTokens.push(last >= 0 ? s.tokens[last]! : 0);
    s.valLoss.push(e.valLoss);
  }
}

/**
 * Indices to keep so that, split into `buckets` equal runs, each bucket keeps the first, last,
 * minimum and maximum point of every column in `ys` — extremes (spikes, NaNs) never vanish.
 */
export function downsampleIndices(length: number, ys: readonly (readonly number[])[], buckets: number): number[] {
  if (length <= buckets * 2 || buckets < 1) return Array.from({ length }, (_, i) => i);
  const keep: number[] = [];
  const size = length / buckets;
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor(b * size);
    const hi = Math.min(length, Math.floor((b + 1) * size));
    if (hi <= lo) continue;
    const chosen = new Set<number>([lo, hi - 1]);
    for (const y of ys) {
      let iMin = -1;
      let iMax = -1;
      let iBad = -1;
      for (let i = lo; i < hi; i++) {
        const v = y[i]!;
        if (!Number.isFinite(v)) {
          // The first NaN/Inf (null after JSON) of a bucket is kept: the user must see it.
          if (iBad < 0) iBad = i;
          continue;
        }
        if (iMin < 0 || v < y[iMin]!) iMin = i;
        if (iMax < 0 || v > y[iMax]!) iMax = i;
      }
      if (iMin >= 0) chosen.add(iMin);
      if (iMax >= 0) chosen.add(iMax);
      if (iBad >= 0) chosen.add(iBad);
    }
    keep.push(...[...chosen].sort((a, b2) => a - b2));
  }
  return keep;
}

const pick = (a: readonly number[], idx: readonly number[]): number[] => idx.map((i) => a[i]!);

/** A copy of `s` with at most about `buckets` × (2 + 2·columns) points per part. */
export function downsampleSeries(s: RunSeries, buckets: number): RunSeries {
  const ti = downsampleIndices(s.step.length, [s.loss, s.gradNorm, s.lr], buckets);
  const vi = downsampleIndices(s.valStep.length, [s.valLoss], buckets);
  return {
    step: pick(s.step, ti),
    elapsedMs: pick(s.elapsedMs, ti),
    tokens: pick(s.tokens, ti),
    loss: pick(s.loss, ti),
    gradNorm: pick(s.gradNorm, ti),
    lr: pick(s.lr, ti),
    valStep: pick(s.valStep, vi),
    valElapsedMs: pick(s.valElapsedMs, vi),
    valTokens: pick(s.valTokens, vi),
    valLoss: pick(s.valLoss, vi),
  };
}

/**
 * Earlier runs recorded in a model.json `history` (read by src/model's tolerant reader), one
 * overlay per run, labelled with the model name. Anything malformed is skipped, never thrown.
 */
export function overlayRunsFromHistory(modelName: string, modelDir: string, raw: unknown): OverlayRun[] {
  if (!isObject(raw)) return [];
  const history = tolerantHistory(raw);
  const steps = history.steps!;
  const evals = history.evals!;
  const runs = history.runs!.map((r) => ({ startStep: r.startStep, endStep: r.endStep, startedAt: r.startedAt ?? '' }));
  if (runs.length === 0) runs.push({ startStep: 0, endStep: Infinity, startedAt: '' });
  const out: OverlayRun[] = [];
  runs.forEach((run, k) => {
    const inRun = (step: number) => step > run.startStep && step <= run.endStep;
    const s = emptySeries();
    let t0: number | null = null;
    for (const [step, loss, gradNorm, elapsedMs, tokens] of steps) {
      if (!inRun(step!)) continue;
      t0 ??= elapsedMs ?? 0;
      s.step.push(step!);
      s.loss.push(loss ?? NaN);
      s.gradNorm.push(gradNorm ?? NaN);
      s.lr.push(NaN);
      s.elapsedMs.push((elapsedMs ?? 0) - t0);
      s.tokens.push(tokens ?? 0);
    }
    for (const [step, valLoss] of evals) {
      if (!inRun(step!)) continue;
      // Time and tokens of an eval: those of the last recorded train step at or before it.
      let i = s.step.length - 1;
      while (i > 0 && s.step[i]! > step!) i--;
      s.valStep.push(step!);
      s.valLoss.push(valLoss ?? NaN);
      s.valElapsedMs.push(i >= 0 ? s.elapsedMs[i]! : 0);
      s.valTokens.push(i >= 0 ? s.tokens[i]! : 0);
    }
    if (s.step.length === 0 && s.valStep.length === 0) return;
    const when = run.startedAt ? ` ${run.startedAt.slice(0, 16).replace('T', ' ')}` : '';
    out.push({ id: `${modelDir}#${k}`, label: `${modelName} run ${k + 1}${when}`, series: s });
  });
  return out;
}
