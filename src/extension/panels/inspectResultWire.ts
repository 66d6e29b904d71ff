// Packs a quantised inspection for the inspector webview: its trace bytes deflated into one
// base64 string (src/protocol/inspectWire.ts), its other numbers rounded to what is shown.

import { deflateRawSync } from 'node:zlib';
import type { QuantisedInspectResult, TaskInspection } from '../../engine/types.js';
import { traceBytes, wireLayers, type WireInspectResult } from '../../protocol/inspectWire.js';

const round3 = (v: number) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v);
// Gradient norms span many orders of magnitude: keep 4 significant digits, not decimals.
const sig4 = (v: number) => (Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(4)) : v);
const round4 = (v: number) => (Number.isFinite(v) ? Math.round(v * 10_000) / 10_000 : v);

/** A task model's part, its probabilities and attention weights to 4 decimals and its saliencies to 4 significant digits. */
function wireTask(t: TaskInspection): TaskInspection {
  if (t.task === 'classify') {
    return { ...t, probabilities: t.probabilities.map(round4), stepProbabilities: t.stepProbabilities.map((r) => r.map(round4)), saliency: t.saliency.map(sig4) };
  }
  if (t.task === 'tag') return { ...t, probabilities: t.probabilities.map((r) => r.map(round4)) };
  return { ...t, saliency: t.saliency.map((r) => r.map(sig4)), ...(t.attention ? { attention: t.attention.map((r) => r.map(round4)) } : {}) };
}

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
    ...(r.gradients ? { gradients: { position: r.gradients.position, norms: r.gradients.norms.map((row) => row.map(sig4)) } } : {}),
    ...(r.task ? { task: wireTask(r.task) } : {}),
    ...(r.decoderTokens ? { decoderTokens: r.decoderTokens } : {}),
    // Level 6: level 9 saves about 1% more for twice the time.
    traces: deflateRawSync(traceBytes(r), { level: 6 }).toString('base64'),
  };
}
