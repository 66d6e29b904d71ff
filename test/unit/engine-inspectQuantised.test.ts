// The gate inspector's fast path: quantised traces (native kernels when built) against the
// TypeScript reference inspection, the wire form's round trip, and the message size of
// 500 characters through a 2×256 LSTM.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { initBackend } from '../../src/engine/backend.js';
import type { CellType, GateName } from '../../src/engine/config.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import { inspect, inspectQuantised } from '../../src/engine/inspect.js';
import { kernelInfo, useKernels } from '../../src/engine/kernels/kernels.js';
import { Network } from '../../src/engine/network.js';
import { Vocabulary } from '../../src/engine/tokenizer.js';
import { toWireInspectResult } from '../../src/extension/panels/inspectResultWire.js';
import { decodeInspectResult } from '../../src/protocol/inspectWire.js';
import { InspectorResult } from '../../src/protocol/webview.js';
import { wasmDir } from './helpers.js';

before(async () => {
  await initBackend('wasm', { wasmDir });
});
after(() => {
  useKernels('auto');
});

const PROSE = 'It was the best of times, it was the worst of times; the lamp burned low and the clock struck nine.\n';
const fast = kernelInfo();

/** A portable network (the reference) and the same weights on the default kernels. */
function pair(cell: CellType, units: number, layers: number, bidirectional: boolean, vocab: Vocabulary) {
  const config = resolveNetworkConfig({ cell, units, layers, bidirectional, dropout: 0 }, vocab.size);
  useKernels('portable');
  const reference = Network.create(config, 7);
  useKernels('auto');
  return { reference, quick: Network.fromParams(config, reference.params) };
}

describe(`quantised inspection (${fast.path} kernels${fast.reason ? `: ${fast.reason}` : ''})`, () => {
  const vocab = Vocabulary.build(PROSE, { mode: 'char' });
  const text = PROSE.repeat(2).slice(0, 150);
  for (const [cell, bidirectional] of [['lstm', true], ['gru', false], ['rnn', false]] as const) {
    test(`${cell}${bidirectional ? ', bidirectional' : ''}: every code is within one step of the reference value, and so is the decoded wire`, async () => {
      const { reference, quick } = pair(cell, 19, 2, bidirectional, vocab);
      const ref = inspect({ network: reference, vocab }, text);
      const q = inspectQuantised({ network: quick, vocab }, text);
      assert.deepEqual(q.tokens, ref.tokens);
      assert.deepEqual(q.predictions.map((p) => p.map((x) => x.token)), ref.predictions.map((p) => p.map((x) => x.token)));
      const decoded = await decodeInspectResult(toWireInspectResult(q));
      assert.equal(q.layers.length, ref.layers.length);
      ref.layers.forEach((layer, l) => {
        assert.deepEqual(Object.keys(q.layers[l]!.gates), Object.keys(layer.gates));
        for (const [g, rows] of Object.entries(layer.gates) as [GateName, number[][]][]) {
          const { lo, hi, codes } = q.layers[l]!.gates[g]!;
          const step = (hi - lo) / 255;
          if (g.startsWith('gamma')) assert.deepEqual([lo, hi], [0, 1], `${g}: a sigmoid's range`);
          else assert.equal(lo, -hi, `${g}: a symmetric range`);
          rows.forEach((row, t) => row.forEach((v, j) => {
            const back = lo + codes[t * layer.units + j]! * step;
            if (!(Math.abs(back - v) <= step)) assert.fail(`layer ${l} ${g}[${t}][${j}]: code gives ${back}, reference ${v}`);
            assert.equal(decoded.layers[l]!.gates[g]![t]![j], back);
          }));
          const s = layer.saturation[g];
          if (s) assert.ok(Math.abs(q.layers[l]!.saturation[g]!.low - s.low) < 0.02, `${g}: saturation low`);
        }
      });
    });
  }

  test('an LSTM\'s unbounded c gets a scale that holds its largest value', () => {
    const { quick } = pair('lstm', 8, 1, false, vocab);
    const q = inspectQuantised({ network: quick, vocab }, text);
    const ref = inspect({ network: quick, vocab }, text);
    const max = Math.max(1, ...ref.layers[0]!.gates.c!.flat().map(Math.abs));
    assert.ok(Math.abs(q.layers[0]!.gates.c!.hi - max) < 1e-5);
  });

  test('500 characters through a 2×256 LSTM: the message is at most 1 MB and passes the guard', () => {
    const big = Vocabulary.build(PROSE + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!?-:', { mode: 'char' });
    const network = Network.create(resolveNetworkConfig({ cell: 'lstm', units: 256, layers: 2 }, big.size), 1);
    const chars = PROSE.repeat(6).slice(0, 500);
    const q = inspectQuantised({ network, vocab: big }, chars, { topK: 5 });
    const message = InspectorResult.create({ model: { name: 'm', dir: '/m', cell: 'lstm', layers: 2, units: 256 }, text: chars, result: toWireInspectResult(q), inspectMs: 1 });
    assert.ok(InspectorResult.is(message));
    const bytes = JSON.stringify(message).length;
    console.log(`# inspector message for 500 characters, LSTM 2×256: ${(bytes / 1e6).toFixed(3)} MB`);
    assert.ok(bytes <= 1_000_000, `the message is ${bytes} bytes`);
  });
});
