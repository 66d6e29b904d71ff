// The gate inspector's result on the wire: every trace a byte per value (QuantisedTrace), the
// traces of all layers in one deflate-raw stream as base64. A 2×256 LSTM over 500 characters
// is 1.5 M values: JSON numbers made it 9.4 MB, bytes make it 1.5 MB before deflate.

import type { GateName } from '../engine/config.js';
import { CELL_GATES } from '../engine/config.js';
import type { InspectResult, LayerTrace, QuantisedInspectResult, QuantisedLayerTrace } from '../engine/types.js';

/** A trace's range on the wire; its codes are in `WireInspectResult.traces`. */
export interface WireTraceRange { lo: number; hi: number }

export interface WireLayerTrace extends Omit<LayerTrace, 'gates'> {
  gates: Partial<Record<GateName, WireTraceRange>>;
}

export interface WireInspectResult extends Omit<InspectResult, 'layers'> {
  layers: WireLayerTrace[];
  /**
   * base64 of the deflate-raw stream of every trace's codes: layers in order, each layer's gates
   * in CELL_GATES order, each trace unit by unit with each code stored as its difference (mod 256)
   * from the step before, since a unit's value at t is close to its value at t − 1.
   */
  traces: string;
}

/** A layer's time steps: a seq2seq decoder layer runs over the output (decoderTokens), every other over the input. */
export const stepsOf = (r: { tokens: readonly string[]; decoderTokens?: readonly string[] }, l: { part?: 'decoder' }): number =>
  l.part === 'decoder' ? (r.decoderTokens?.length ?? 0) : r.tokens.length;

/** The gates a wire layer carries, in the order their codes follow each other. */
const gatesOf = (l: { cell: LayerTrace['cell']; gates: Partial<Record<GateName, unknown>> }): GateName[] =>
  CELL_GATES[l.cell].filter((g) => l.gates[g] !== undefined);

/** The codes of every trace, delta-coded unit by unit, in wire order (before deflate). */
export function traceBytes(result: QuantisedInspectResult): Uint8Array {
  const total = result.layers.reduce((n, l) => n + gatesOf(l).length * stepsOf(result, l) * l.units, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const l of result.layers) {
    const H = l.units;
    const T = stepsOf(result, l);
    for (const g of gatesOf(l)) {
      const codes = l.gates[g]!.codes;
      for (let j = 0; j < H; j++) {
        let prev = 0;
        for (let t = 0; t < T; t++) {
          const c = codes[t * H + j];
          out[o++] = (c - prev) & 255;
          prev = c;
        }
      }
    }
  }
  return out;
}

/** The wire result without its trace stream (the host adds `traces`, deflated). */
export function wireLayers(result: QuantisedInspectResult): WireLayerTrace[] {
  return result.layers.map((l: QuantisedLayerTrace) => ({
    ...l,
    gates: Object.fromEntries(gatesOf(l).map((g) => [g, { lo: l.gates[g]!.lo, hi: l.gates[g]!.hi }])),
  }));
}

/** Undoes traceBytes: the QuantisedInspectResult a wire result was made from. */
export function quantisedFromBytes(wire: WireInspectResult, bytes: Uint8Array): QuantisedInspectResult {
  let o = 0;
  const layers = wire.layers.map((l): QuantisedLayerTrace => {
    const H = l.units;
    const T = stepsOf(wire, l);
    const gates: QuantisedLayerTrace['gates'] = {};
    for (const g of gatesOf(l)) {
      if (o + T * H > bytes.length) throw new RangeError('the inspection\'s trace stream is shorter than its layers');
      const codes = new Uint8Array(T * H);
      for (let j = 0; j < H; j++) {
        let prev = 0;
        for (let t = 0; t < T; t++) {
          prev = (prev + bytes[o++]) & 255;
          codes[t * H + j] = prev;
        }
      }
      gates[g] = { ...l.gates[g]!, codes };
    }
    return { ...l, gates };
  });
  if (o !== bytes.length) throw new RangeError('the inspection\'s trace stream is longer than its layers');
  const { traces: _traces, ...rest } = wire;
  return { ...rest, layers };
}

/** Values back from codes (lo + code·(hi − lo)/255), as the [t][unit] arrays the panels read. */
export function dequantise(q: QuantisedInspectResult): InspectResult {
  return {
    ...q,
    layers: q.layers.map((l) => {
      const H = l.units;
      const T = stepsOf(q, l);
      const gates: LayerTrace['gates'] = {};
      for (const g of gatesOf(l)) {
        const { lo, hi, codes } = l.gates[g]!;
        const step = (hi - lo) / 255;
        gates[g] = Array.from({ length: T }, (_, t) => Array.from(codes.subarray(t * H, (t + 1) * H), (c) => lo + c * step));
      }
      return { ...l, gates };
    }),
  };
}

function base64Bytes(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Inflates a wire result into what the inspector draws (DecompressionStream: browsers and Node). */
export async function decodeInspectResult(wire: WireInspectResult): Promise<InspectResult> {
  const packed = base64Bytes(wire.traces);
  const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  return dequantise(quantisedFromBytes(wire, bytes));
}
