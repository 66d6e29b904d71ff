// A run's series as a file a spreadsheet or a script reads: CSV with one row per step (the
// validation loss on the rows of the steps it was measured at), or JSON with both columns sets.

import type { RunSeries } from './runSeries.js';

export type SeriesFormat = 'csv' | 'json';
export const SERIES_FORMATS: readonly SeriesFormat[] = ['csv', 'json'];

export const CSV_COLUMNS = ['step', 'elapsed_s', 'tokens', 'loss', 'grad_norm', 'lr', 'val_loss'] as const;

/** A measured value, or empty when it was not measured (NaN: a diverged step, null after JSON). */
const cell = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '' : String(v));

/** One row per train step in step order; an evaluation at a step with no train row gets a row of its own. */
export function seriesCsv(s: RunSeries): string {
  const rows = new Map<number, (number | null | undefined)[]>();
  s.step.forEach((step, i) => rows.set(step, [step, s.elapsedMs[i] / 1000, s.tokens[i], s.loss[i], s.gradNorm[i], s.lr[i], undefined]));
  s.valStep.forEach((step, i) => {
    const row = rows.get(step) ?? [step, s.valElapsedMs[i] / 1000, s.valTokens[i], undefined, undefined, undefined, undefined];
    row[6] = s.valLoss[i];
    rows.set(step, row);
  });
  const lines = [...rows.values()].sort((a, b) => (a[0] as number) - (b[0] as number)).map((r) => r.map(cell).join(','));
  return `${[CSV_COLUMNS.join(','), ...lines].join('\n')}\n`;
}

/** The model, then the train-step and validation columns by name (null where not measured). */
export function seriesJson(model: { name: string; dir: string }, s: RunSeries): string {
  const measured = (xs: number[]) => xs.map((v) => (Number.isFinite(v) ? v : null));
  return `${JSON.stringify({
    model: model.name,
    modelDir: model.dir,
    train: { step: s.step, elapsedMs: s.elapsedMs, tokens: s.tokens, loss: measured(s.loss), gradNorm: measured(s.gradNorm), lr: measured(s.lr) },
    validation: { step: s.valStep, elapsedMs: s.valElapsedMs, tokens: s.valTokens, loss: measured(s.valLoss) },
  }, null, 1)}\n`;
}
