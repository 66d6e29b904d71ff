// Perceptual colour scales from d3-scale-chromatic: diverging for values in [−1, 1] (tanh
// states), sequential for gates in [0, 1], a second sequential one for magnitudes in [0, 1]
// (saliency, scaled by its largest value); plus a readable text colour for any background.

import { interpolateRdBu, interpolateViridis, interpolateYlOrRd } from 'd3-scale-chromatic';
import type { GateName } from '../../src/engine/config.js';

/** `magnitude`: a non-negative value over its largest (saliency), distinct from the gates' colours. */
export type ScaleKind = 'signed' | 'unit' | 'magnitude';

/** Gates are sigmoids in [0, 1]; cTilde, c and a are (around) tanh values in [−1, 1]. */
export const scaleKindOf = (gate: GateName): Exclude<ScaleKind, 'magnitude'> => (gate.startsWith('gamma') ? 'unit' : 'signed');

const clamp01 = (t: number) => (t < 0 ? 0 : t > 1 ? 1 : t);

/** Position of `v` on [0, 1] along the scale (−1 → 0, 0 → 0.5, 1 → 1 for signed). */
export const scalePosition = (kind: ScaleKind, v: number): number => clamp01(kind === 'signed' ? (v + 1) / 2 : v);

/** CSS colour for `v`. Signed: blue for negative, red for positive (RdBu reversed). */
export function colorFor(kind: ScaleKind, v: number): string {
  if (!Number.isFinite(v)) return 'rgb(128,128,128)';
  return interpolate(kind, scalePosition(kind, v));
}

const interpolate = (kind: ScaleKind, t: number): string =>
  kind === 'unit' ? interpolateViridis(t) : kind === 'magnitude' ? interpolateYlOrRd(t) : interpolateRdBu(1 - t);

/** RGB triples for 256 scale positions, for fast ImageData painting. */
export function colorTable(kind: ScaleKind): Uint8ClampedArray {
  const table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    const css = interpolate(kind, t);
    const [r, g, b] = parseRgb(css);
    table[i * 3] = r;
    table[i * 3 + 1] = g;
    table[i * 3 + 2] = b;
  }
  return table;
}

/** d3 interpolators return `rgb(r, g, b)` or `#rrggbb`. */
export function parseRgb(css: string): [number, number, number] {
  const m = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(css);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  const h = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(css);
  if (h) return [parseInt(h[1]!, 16), parseInt(h[2]!, 16), parseInt(h[3]!, 16)];
  return [128, 128, 128];
}

/** Black or white, whichever reads better on `background` (WCAG relative luminance). */
export function textColorOn(background: string): string {
  const [r, g, b] = parseRgb(background).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
  }) as [number, number, number];
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return lum > 0.3 ? '#000000' : '#ffffff';
}
