// Per-unit statistics of a trace and the LSTMVis-style ranking of units by how differently
// they behave inside a selected span of the text than outside it.

import type { GateName } from '../../src/engine/config.js';
import type { InspectResult } from '../../src/engine/types.js';

export function unitStats(m: readonly (readonly number[])[], units: number): { mean: number[]; variance: number[] } {
  const mean = new Array<number>(units).fill(0);
  const sq = new Array<number>(units).fill(0);
  for (const row of m) for (let u = 0; u < units; u++) { mean[u]! += row[u]!; sq[u]! += row[u]! * row[u]!; }
  const n = Math.max(1, m.length);
  return { mean: mean.map((s) => s / n), variance: sq.map((s, u) => s / n - (mean[u]! / n) ** 2) };
}

export interface Ranked { layer: number; gate: GateName; unit: number; score: number; inside: number; outside: number }

/**
 * LSTMVis-style match: units whose mean inside the span differs most from their mean outside,
 * in units of the unit's overall standard deviation.
 */
export function rankUnits(result: InspectResult, from: number, to: number, top = 10): Ranked[] {
  const out: Ranked[] = [];
  const steps = result.tokens.length;
  const nIn = to - from + 1;
  const nOut = steps - nIn;
  if (nIn <= 0 || nOut <= 0) return out;
  result.layers.forEach((trace, li) => {
    // A seq2seq decoder runs over the output: a span of the source says nothing about it.
    if (trace.part === 'decoder') return;
    for (const [gate, m] of Object.entries(trace.gates) as [GateName, number[][]][]) {
      const { mean, variance } = unitStats(m, trace.units);
      for (let u = 0; u < trace.units; u++) {
        let sumIn = 0;
        for (let t = from; t <= to; t++) sumIn += m[t]![u]!;
        const inside = sumIn / nIn;
        const outside = (mean[u]! * steps - sumIn) / nOut;
        const score = Math.abs(inside - outside) / (Math.sqrt(Math.max(variance[u]!, 0)) + 1e-6);
        out.push({ layer: li, gate, unit: u, score, inside, outside });
      }
    }
  });
  return out.sort((a, b) => b.score - a.score).slice(0, top);
}
