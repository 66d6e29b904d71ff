// How far one run is through its own budget, and when it ends. A resumed model's events carry
// its whole history's step and time; progress counts only this run's share of them.

import type { StartEvent, StepEvent } from '../training/events.js';

export interface RunProgress {
  /** 0..1 through this run's budget (the nearer of its steps and minutes), null when it has none. */
  fraction: number | null;
  /** Milliseconds this run has trained (paused time left out). */
  runMs: number;
  /** This run's minutes budget in milliseconds, null when it has none. */
  budgetMs: number | null;
  /** Estimated milliseconds to the end of the run, null when unknown. */
  etaMs: number | null;
}

export function runProgress(start: Pick<StartEvent, 'startStep' | 'startElapsedMs' | 'totalSteps' | 'train'>, last: Pick<StepEvent, 'step' | 'elapsedMs'>): RunProgress {
  const runMs = Math.max(0, last.elapsedMs - start.startElapsedMs);
  const stepsDone = last.step - start.startStep;
  const budgetMs = start.train.minutes === null ? null : start.train.minutes * 60_000;
  const fractions: number[] = [];
  const etas: number[] = [];
  if (start.totalSteps !== null) {
    fractions.push(stepsDone / Math.max(1, start.totalSteps - start.startStep));
    if (stepsDone > 0) etas.push(((start.totalSteps - last.step) * runMs) / stepsDone);
  }
  if (budgetMs !== null) {
    fractions.push(runMs / budgetMs);
    etas.push(budgetMs - runMs);
  }
  return {
    fraction: fractions.length ? Math.min(1, Math.max(0, ...fractions)) : null,
    runMs,
    budgetMs,
    etaMs: etas.length ? Math.max(0, Math.min(...etas)) : null,
  };
}

/** 45_000 → "45s", 75_000 → "1m 15s", 4_000_000 → "1h 06m". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}
