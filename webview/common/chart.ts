// uPlot helpers shared by the dashboard and gradient-flow charts: theme-coloured axes, width
// that follows the container, and merging series with different x values onto one x axis.

import type uPlot from 'uplot';
import type { ThemeColors } from './theme.js';

export function axis(theme: ThemeColors, extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return {
    stroke: theme.muted,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
    font: '11px var(--vscode-font-family, sans-serif)',
    labelFont: '11px var(--vscode-font-family, sans-serif)',
    ...extra,
  };
}

/** Width of `el`'s content box, at least `min` pixels. */
export const widthOf = (el: HTMLElement, min = 240): number => Math.max(min, Math.floor(el.clientWidth));

/** Keeps a chart as wide as its container. */
export function followWidth(el: HTMLElement, getChart: () => uPlot | null, height: number): void {
  new ResizeObserver(() => {
    const chart = getChart();
    const w = widthOf(el);
    if (chart && Math.abs(chart.width - w) > 1) chart.setSize({ width: w, height });
  }).observe(el);
}

export interface XYSeries {
  x: readonly number[];
  y: readonly (number | null)[];
}

/**
 * Merges sorted-by-x series onto their union of x values (uPlot's aligned data); each series
 * gets null where it has no point, and non-finite y values become null (gaps).
 */
export function alignSeries(series: readonly XYSeries[]): uPlot.AlignedData {
  const xs = new Set<number>();
  for (const s of series) for (const x of s.x) xs.add(x);
  const x = Float64Array.from(xs).sort();
  const index = new Map<number, number>();
  x.forEach((v, i) => index.set(v, i));
  const ys = series.map((s) => {
    const y = new Array<number | null>(x.length).fill(null);
    for (let i = 0; i < s.x.length; i++) {
      const v = s.y[i];
      y[index.get(s.x[i]!)!] = v === null || v === undefined || !Number.isFinite(v) ? null : v;
    }
    return y;
  });
  return [Array.from(x), ...ys];
}
