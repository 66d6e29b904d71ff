// How a model's architecture and large counts are written, the same on both sides of the
// webview boundary: the Models view, quick picks, the status bar, the log and the panels.

import type { CellType } from '../engine/config.js';

/** "LSTM 2×128": the cell and its layers × units. */
export function architectureLabel(m: { cell: CellType; layers: number; units: number }): string {
  return `${m.cell.toUpperCase()} ${m.layers}×${m.units}`;
}

const COUNT_UNITS: readonly [number, string][] = [[1e9, 'B'], [1e6, 'M'], [1e3, 'k']];

/** 1234567 → "1.23M", 12345 → "12.3k", 999 → "999": three significant digits past a thousand. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  for (let i = 0; i < COUNT_UNITS.length; i++) {
    const [unit, suffix] = COUNT_UNITS[i]!;
    if (Math.abs(n) < unit) continue;
    const digits = (n / unit).toPrecision(3);
    // 999 950 rounds to "1.00e+3k": write it with the next unit up instead.
    if (Math.abs(Number(digits)) >= 1000 && i > 0) return `${(n / COUNT_UNITS[i - 1]![0]).toPrecision(3)}${COUNT_UNITS[i - 1]![1]}`;
    return `${digits}${suffix}`;
  }
  return String(Math.round(n));
}
