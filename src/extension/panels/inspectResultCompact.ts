// Rounds an inspection's numbers before it is posted to the webview: JSON of full-precision
// doubles is about three times larger than three decimals, finer than any heatmap colour.

import type { InspectResult } from '../../engine/types.js';

const round = (v: number, scale: number) => (Number.isFinite(v) ? Math.round(v * scale) / scale : v);

export function compactInspectResult(r: InspectResult, decimals = 3): InspectResult {
  const s = 10 ** decimals;
  const matrix = (m: number[][]) => m.map((row) => row.map((v) => round(v, s)));
  return {
    ...r,
    layers: r.layers.map((l) => ({
      ...l,
      gates: Object.fromEntries(Object.entries(l.gates).map(([k, m]) => [k, matrix(m)])),
      saturation: Object.fromEntries(Object.entries(l.saturation).map(([k, v]) => [k, { ...v, unitLow: v.unitLow.map((x) => round(x, s)), unitHigh: v.unitHigh.map((x) => round(x, s)) }])),
    })),
    predictions: r.predictions.map((ps) => ps.map((p) => ({ token: p.token, p: round(p.p, s) }))),
    // Gradient norms span many orders of magnitude: keep 4 significant digits, not decimals.
    gradients: r.gradients && { position: r.gradients.position, norms: r.gradients.norms.map((row) => row.map((v) => (Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(4)) : v))) },
  };
}
