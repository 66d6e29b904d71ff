// A task run's metrics over steps (accuracy, macroF1, entityF1, cer …, one column per name)
// and its latest confusion matrix, built from trainer events for the dashboard.

import type { TrainerEvent } from '../training/events.js';
import { isCountMatrix, isMeasuredArray, isNullOr, isNumber, isNumberArray, isObject, isStringArray } from './guards.js';

export interface TaskSeries {
  /** Steps of the evaluations; every metric column has one value per step (NaN when absent). */
  step: number[];
  metrics: Record<string, number[]>;
  /** A classifier's labels (rows and columns of the confusion matrix). */
  labels: string[] | null;
  /** The confusion matrix of the latest evaluation that had one, and its step. */
  confusion: number[][] | null;
  confusionStep: number | null;
}

export function emptyTaskSeries(): TaskSeries {
  return { step: [], metrics: {}, labels: null, confusion: null, confusionStep: null };
}

export const isTaskSeries = (v: unknown): v is TaskSeries =>
  isObject(v) &&
  isNumberArray(v.step) &&
  isObject(v.metrics) &&
  Object.values(v.metrics).every((c) => isMeasuredArray(c) && c.length === (v.step as number[]).length) &&
  isNullOr(v.labels, isStringArray) &&
  isNullOr(v.confusion, isCountMatrix) &&
  isNullOr(v.confusionStep, isNumber);

/** Appends a start (labels) or eval (metrics, confusion) event; other events leave `s` alone. */
export function appendTaskEvent(s: TaskSeries, e: TrainerEvent): void {
  if (e.event === 'start') {
    if (e.labels) s.labels = e.labels.slice();
    return;
  }
  if (e.event !== 'eval' || !e.metrics) return;
  const n = s.step.length;
  s.step.push(e.step);
  for (const name of Object.keys(e.metrics)) s.metrics[name] ??= Array.from({ length: n }, () => NaN);
  for (const [name, column] of Object.entries(s.metrics)) column.push(e.metrics[name] ?? NaN);
  if (e.confusion) {
    s.confusion = e.confusion.map((row) => row.slice());
    s.confusionStep = e.step;
  }
}

/** The task series after `e`: a start event of a task run begins a new one, of a language model none. */
export function nextTaskSeries(s: TaskSeries | undefined, e: TrainerEvent): TaskSeries | undefined {
  if (e.event === 'start') s = e.task && e.task !== 'lm' ? emptyTaskSeries() : undefined;
  if (s) appendTaskEvent(s, e);
  return s;
}

/** Whether `s` has anything to draw. */
export const hasTaskMetrics = (s: TaskSeries | null | undefined): s is TaskSeries => !!s && s.step.length > 0;
