// The inspector's wire form for task models: a seq2seq result's decoder layers run over the
// decoder's steps (not the source's), and the task part and decoderTokens survive the trip.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GateName } from '../../src/engine/config.js';
import type { QuantisedInspectResult, QuantisedLayerTrace, TaskInspection } from '../../src/engine/types.js';
import { toWireInspectResult } from '../../src/extension/panels/inspectResultWire.js';
import { isInspectResult, isWireInspectResult } from '../../src/protocol/guards.js';
import { decodeInspectResult, dequantise, quantisedFromBytes, traceBytes, wireLayers } from '../../src/protocol/inspectWire.js';

/** A deterministic byte sequence (no Math.random: a failure must reproduce). */
function codes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

function gruLayer(layer: number, steps: number, units: number, seed: number, part?: 'decoder'): QuantisedLayerTrace {
  const gates: QuantisedLayerTrace['gates'] = {};
  (['gammaU', 'gammaR', 'cTilde', 'c'] as GateName[]).forEach((g, i) => {
    gates[g] = { lo: g.startsWith('gamma') ? 0 : -1, hi: 1, codes: codes(steps * units, seed + i) };
  });
  return { layer, ...(part ? { part } : {}), direction: 'forward', cell: 'gru', units, gates, saturation: {} };
}

const source = ['t', 'h', 'e', ' ', 'c', 'a', 't'];
const output = ['l', 'e', ' ', 'c', 'h', 'a', 't', '<EOS>'];

function seq2seqResult(): QuantisedInspectResult {
  const task: TaskInspection = { task: 'seq2seq', output: 'le chat', saliency: output.map((_, j) => source.map((_, i) => (j + 1) * 0.001 + i * 1e-5)) };
  return {
    tokens: source,
    offsets: source.map((_, i) => i).concat([source.length]),
    cell: 'gru',
    layers: [gruLayer(0, source.length, 6, 1), gruLayer(1, source.length, 6, 11), gruLayer(0, output.length, 6, 21, 'decoder'), gruLayer(1, output.length, 6, 31, 'decoder')],
    predictions: [],
    task,
    decoderTokens: output,
  };
}

describe('inspection wire form with decoder layers', () => {
  it('gives each decoder layer decoderTokens.length steps and round-trips every code', async () => {
    const q = seq2seqResult();
    const bytes = traceBytes(q);
    // 4 gates × 6 units × (7 + 7 + 8 + 8) steps.
    assert.equal(bytes.length, 4 * 6 * (2 * source.length + 2 * output.length));
    const back = quantisedFromBytes({ ...q, layers: wireLayers(q), traces: '' }, bytes);
    back.layers.forEach((l, i) => {
      for (const g of Object.keys(q.layers[i]!.gates) as GateName[]) assert.deepEqual(l.gates[g]!.codes, q.layers[i]!.gates[g]!.codes, `layer ${i} ${g}`);
    });

    const wire = toWireInspectResult(q);
    assert.ok(isWireInspectResult(JSON.parse(JSON.stringify(wire))), 'the wire result passes its guard after JSON');
    const shown = await decodeInspectResult(JSON.parse(JSON.stringify(wire)));
    assert.ok(isInspectResult(shown), 'the decoded result passes its guard');
    assert.deepEqual(shown.decoderTokens, output);
    assert.equal(shown.task?.task, 'seq2seq');
    assert.deepEqual((shown.task as { saliency: number[][] }).saliency.map((r) => r.length), output.map(() => source.length));
    for (const [i, l] of shown.layers.entries()) {
      const steps = l.part === 'decoder' ? output.length : source.length;
      const a = l.gates.c!;
      assert.equal(a.length, steps, `layer ${i} has one row per step`);
      // Oracle: lo + code·(hi − lo)/255 from the original codes.
      const c = q.layers[i]!.gates.c!.codes;
      for (let t = 0; t < steps; t++) for (let u = 0; u < 6; u++) assert.ok(Math.abs(a[t]![u]! - (-1 + (c[t * 6 + u]! * 2) / 255)) < 1e-12);
    }
  });

  it('refuses a stream cut at the decoder, a decoder layer without decoderTokens and task rows of the wrong size', () => {
    const q = seq2seqResult();
    const bytes = traceBytes(q);
    const wire = { ...q, layers: wireLayers(q), traces: '' };
    assert.throws(() => quantisedFromBytes(wire, bytes.subarray(0, bytes.length - 1)), RangeError);
    const packed = toWireInspectResult(q);
    const { decoderTokens: _drop, ...noDecoder } = packed;
    assert.equal(isWireInspectResult(noDecoder), false, 'decoder layers need decoderTokens');
    const dq = dequantise(q);
    assert.ok(isInspectResult(dq));
    assert.equal(isInspectResult({ ...dq, decoderTokens: output.slice(1) }), false, 'decoder rows must match decoderTokens');
    const shortSaliency = { task: 'seq2seq', output: 'le chat', saliency: (q.task as { saliency: number[][] }).saliency.slice(1) };
    assert.equal(isWireInspectResult({ ...packed, task: shortSaliency }), false, 'saliency rows are the output tokens');
    const task = q.task as { saliency: number[][] };
    const uniform = output.map(() => source.map(() => 1 / source.length));
    assert.equal(isWireInspectResult({ ...packed, task: { ...task, attention: uniform.slice(1) } }), false, 'attention rows are the output tokens');
    assert.equal(isWireInspectResult({ ...packed, task: { ...task, attention: uniform.map((r) => r.slice(1)) } }), false, 'attention columns are the source tokens');
  });

  it('carries a seq2seq model\'s attention weights, to 4 decimals', async () => {
    const q = seq2seqResult();
    const attention = output.map((_, j) => source.map((_, i) => (i === j % source.length ? 0.5 : 0.5 / (source.length - 1)) + 1e-7));
    const wire = toWireInspectResult({ ...q, task: { ...(q.task as object), attention } as TaskInspection });
    assert.ok(isWireInspectResult(JSON.parse(JSON.stringify(wire))));
    const shown = await decodeInspectResult(JSON.parse(JSON.stringify(wire)));
    const back = (shown.task as { attention: number[][] }).attention;
    assert.deepEqual(back, attention.map((r) => r.map((a) => Math.round(a * 10_000) / 10_000)));
  });

  it('carries a classifier\'s and a tagger\'s part, rounded, and checks their shapes', () => {
    const base: QuantisedInspectResult = { tokens: source, offsets: source.map((_, i) => i).concat([7]), cell: 'gru', layers: [gruLayer(0, 7, 4, 5)], predictions: [] };
    const classify: TaskInspection = {
      task: 'classify', labels: ['neg', 'pos'], probabilities: [0.123456, 0.876544], predicted: 1,
      stepProbabilities: source.map((_, t) => [0.5 - t / 20, 0.5 + t / 20]), saliency: source.map((_, t) => 1.23456789e-3 * (t + 1)),
    };
    const w = toWireInspectResult({ ...base, task: classify });
    assert.ok(isWireInspectResult(w));
    const c = w.task as typeof classify;
    assert.deepEqual(c.probabilities, [0.1235, 0.8765]);
    assert.equal(c.saliency[0], 0.001235);
    assert.equal(isWireInspectResult({ ...w, task: { ...c, predicted: 2 } }), false, 'predicted names a label');
    assert.equal(isWireInspectResult({ ...w, task: { ...c, saliency: c.saliency.slice(1) } }), false, 'one saliency per token');
    assert.equal(isWireInspectResult({ ...w, task: { ...c, stepProbabilities: c.stepProbabilities.map((r) => r.slice(1)) } }), false, 'one probability per label');
    const tag: TaskInspection = { task: 'tag', tags: ['DET', 'NOUN', 'VERB'], probabilities: source.map(() => [0.2, 0.7, 0.1]), predicted: source.map(() => 1) };
    const wt = toWireInspectResult({ ...base, task: tag });
    assert.ok(isWireInspectResult(wt));
    assert.equal(isWireInspectResult({ ...wt, task: { ...tag, predicted: tag.predicted.slice(1) } }), false, 'a tag per token');
  });
});
