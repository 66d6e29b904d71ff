// Canvas heatmap of one trace (units × time steps) with the characters along the time axis,
// painted through ImageData and scaled without smoothing, plus hit testing for hover/click.

import { colorTable, scalePosition, type ScaleKind } from './colorScales.js';
import { visibleChar } from './dom.js';
import type { ThemeColors } from './theme.js';

export interface HeatmapCell {
  step: number;
  /** Unit index in the trace (not the display row). */
  unit: number;
}

const tables: Partial<Record<ScaleKind, Uint8ClampedArray>> = {};
const tableFor = (kind: ScaleKind) => (tables[kind] ??= colorTable(kind));

export const AXIS_HEIGHT = 14;

export class Heatmap {
  readonly canvas: HTMLCanvasElement;
  private readonly offscreen = document.createElement('canvas');
  private order: number[] = [];
  private steps = 0;
  cellW = 7;
  cellH = 2;

  constructor(parent: HTMLElement, label: string) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'heatmap';
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', label);
    parent.append(this.canvas);
  }

  /**
   * Paints `matrix[t][unit]` with units in `order` (top to bottom) and the characters of
   * `tokens` under their columns; `selectedUnit` gets an outline.
   */
  draw(matrix: readonly (readonly number[])[], kind: ScaleKind, order: number[], tokens: readonly string[], theme: ThemeColors, selectedUnit: number | null, signedRange = 1): void {
    const steps = matrix.length;
    const units = order.length;
    this.order = order;
    this.steps = steps;
    this.cellW = steps <= 600 ? 7 : 3;
    this.cellH = units <= 32 ? 8 : units <= 64 ? 5 : units <= 128 ? 3 : 2;
    if (steps === 0 || units === 0) {
      this.canvas.width = 0;
      this.canvas.height = 0;
      return;
    }
    const table = tableFor(kind);
    const img = new ImageData(steps, units);
    const px = img.data;
    for (let row = 0; row < units; row++) {
      const u = order[row]!;
      for (let t = 0; t < steps; t++) {
        const raw = matrix[t]![u]!;
        const o = (row * steps + t) * 4;
        if (!Number.isFinite(raw)) {
          px[o] = px[o + 1] = px[o + 2] = 128;
        } else {
          const v = kind === 'signed' ? raw / signedRange : raw;
          const i = Math.round(scalePosition(kind, v) * 255) * 3;
          px[o] = table[i]!;
          px[o + 1] = table[i + 1]!;
          px[o + 2] = table[i + 2]!;
        }
        px[o + 3] = 255;
      }
    }
    this.offscreen.width = steps;
    this.offscreen.height = units;
    this.offscreen.getContext('2d')!.putImageData(img, 0, 0);

    const w = steps * this.cellW;
    const hMap = units * this.cellH;
    const axis = this.cellW >= 7 ? AXIS_HEIGHT : 0;
    this.canvas.width = w;
    this.canvas.height = hMap + axis;
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${hMap + axis}px`;
    const ctx = this.canvas.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.offscreen, 0, 0, w, hMap);
    if (axis) {
      ctx.fillStyle = theme.background;
      ctx.fillRect(0, hMap, w, axis);
      ctx.fillStyle = theme.foreground;
      ctx.font = '10px var(--vscode-editor-font-family, monospace)';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      for (let t = 0; t < steps; t++) ctx.fillText(visibleChar(tokens[t] ?? '').slice(0, 1), t * this.cellW + this.cellW / 2, hMap + 2);
    }
    if (selectedUnit !== null) {
      const row = order.indexOf(selectedUnit);
      if (row >= 0) {
        ctx.strokeStyle = theme.accent;
        ctx.lineWidth = 1;
        ctx.strokeRect(0.5, row * this.cellH - 0.5, w - 1, this.cellH + 1);
      }
    }
  }

  /** The cell under a mouse position, or null outside the map. */
  hit(clientX: number, clientY: number): HeatmapCell | null {
    const r = this.canvas.getBoundingClientRect();
    const step = Math.floor((clientX - r.left) / this.cellW);
    const row = Math.floor((clientY - r.top) / this.cellH);
    if (step < 0 || step >= this.steps || row < 0 || row >= this.order.length) return null;
    return { step, unit: this.order[row]! };
  }
}

/**
 * Karpathy et al. (2015) saturation summary: histograms of the fraction of time each unit is
 * left-saturated (< 0.1) and right-saturated (> 0.9), 10 bins each, drawn as mirrored bars.
 */
export function drawSaturationHistogram(canvas: HTMLCanvasElement, unitLow: readonly number[], unitHigh: readonly number[], theme: ThemeColors): void {
  const bins = 10;
  const count = (xs: readonly number[]) => {
    const c = new Array<number>(bins).fill(0);
    for (const x of xs) c[Math.min(bins - 1, Math.max(0, Math.floor(x * bins)))]!++;
    return c;
  };
  const low = count(unitLow);
  const high = count(unitHigh);
  const max = Math.max(1, ...low, ...high);
  const w = 160;
  const h = 48;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = w * dpr;
  canvas.height = h * dpr;
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.scale(dpr, dpr);
  ctx.clearRect(0, 0, w, h);
  const mid = h / 2;
  const bw = w / bins;
  for (let b = 0; b < bins; b++) {
    const up = (high[b]! / max) * (mid - 2);
    const down = (low[b]! / max) * (mid - 2);
    ctx.fillStyle = theme.series[1]!;
    ctx.fillRect(b * bw + 1, mid - up, bw - 2, up);
    ctx.fillStyle = theme.series[0]!;
    ctx.fillRect(b * bw + 1, mid, bw - 2, down);
  }
  ctx.strokeStyle = theme.muted;
  ctx.beginPath();
  ctx.moveTo(0, mid + 0.5);
  ctx.lineTo(w, mid + 0.5);
  ctx.stroke();
}
