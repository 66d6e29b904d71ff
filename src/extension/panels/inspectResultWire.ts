// Packs a quantised inspection for the inspector webview: its trace bytes deflated into one
// base64 string (src/protocol/inspectWire.ts), its other numbers rounded to what is shown.

import { deflateRawSync } from 'node:zlib';
import type { QuantisedInspectResult } from '../../engine/types.js';
import { traceBytes, wireLayers, type WireInspectResult } from '../../protocol/inspectWire.js';

const round3 = (v: number) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v);

export function toWireInspectResult(r: QuantisedInspectResult): WireInspectResult {
  return {
    tokens: r.tokens,
    offsets: r.offsets,
    cell: r.cell,
    layers: wireLayers(r).map((l) => ({
      ...l,
      saturation: Object.fromEntries(Object.entries(l.saturation).map(([k, v]) => [k, { ...v, unitLow: v.unitLow.map(round3), unitHigh: v.unitHigh.map(round3) }])),
    })),
    predictions: r.predictions.map((ps) => ps.map((p) => ({ token: p.token, p: round3(p.p) }))),
    // Gradient norms span many orders of magnitude: keep 4 significant digits, not decimals.
    ...(r.gradients ? { gradients: { position: r.gradients.position, norms: r.gradients.norms.map((row) => row.map((v) => (Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(4)) : v))) } } : {}),
    // Level 6: level 9 saves about 1% more for twice the time.
    traces: deflateRawSync(traceBytes(r), { level: 6 }).toString('base64'),
  };
}
