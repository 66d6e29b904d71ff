// The learning-rate schedule of a run.

import type { TrainConfig } from './config.js';

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
