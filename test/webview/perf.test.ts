// Measures, in headless Chromium, how fast the dashboard redraws with 100k points and how long
// the inspector takes to render 500 characters through a 2×256 LSTM; prints the figures.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { initBackend } from '../../src/engine/backend.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import { inspectQuantised } from '../../src/engine/inspect.js';
import { Network } from '../../src/engine/network.js';
import { Vocabulary } from '../../src/engine/tokenizer.js';
import { toWireInspectResult } from '../../src/extension/panels/inspectResultWire.js';
import { kernelInfo } from '../../src/engine/kernels/kernels.js';
import { RunStore } from '../../src/extension/panels/runStore.js';
import { appendEvent, emptySeries } from '../../src/protocol/runSeries.js';
import type { DashboardSnapshot, ModelRef } from '../../src/protocol/webview.js';
import type { StepEvent, TrainerEvent } from '../../src/training/events.js';
import { loadFixture, ROOT, usePanels } from './harness.js';
import { join } from 'node:path';

const POINTS = 100_000;
const open = usePanels();

/** A 100k-step run shaped like the recorded one: its loss curve stretched, with its noise. */
function longRun(): TrainerEvent[] {
  const rec = loadFixture<{ events: TrainerEvent[] }>('events-lstm.json').events;
  const start = rec[0]!;
  const steps = rec.filter((e): e is StepEvent => e.event === 'step');
  const out: TrainerEvent[] = [start];
  for (let i = 1; i <= POINTS; i++) {
    const r = steps[i % steps.length]!;
    const trend = 1.2 + 3 * Math.exp(-i / 15_000);
    out.push({ ...r, step: i, loss: trend + (r.loss - steps[0]!.loss) * 0.05, elapsedMs: i * 25, tokensSeen: i * 512 });
    if (i % 200 === 0) out.push({ event: 'eval', step: i, epoch: i / 1000, valLoss: trend + 0.1, valBitsPerToken: (trend + 0.1) / Math.LN2, valPerplexity: Math.exp(trend + 0.1), best: true });
  }
  return out;
}

describe('panel performance', () => {
  it(`dashboard: redraw with ${POINTS / 1000}k points`, async (t) => {
    const events = longRun();
    const model = { name: 'long-run', dir: '/models/long-run' };

    // What a dashboard opened at step 100k receives: the host's downsampled snapshot.
    const store = new RunStore();
    for (const e of events) store.add(model.dir, e);
    const t0 = performance.now();
    const snap = store.snapshot(model.dir, model.name, []);
    const snapshotMs = performance.now() - t0;
    const bytes = JSON.stringify(snap).length;

    // Worst case: a dashboard open for the whole run holds every raw point.
    const full = emptySeries();
    for (const e of events) appendEvent(full, e);
    const raw: DashboardSnapshot = { ...snap, series: full };

    const p = await open('dashboard');
    await p.waitFor(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    const firstDraw = await p.page.evaluate(async (json) => {
      const message = JSON.parse(json) as unknown;
      const el = document.getElementById('loss-chart')!;
      const before = Number(el.dataset.draws ?? 0);
      const start = performance.now();
      window.postMessage(message, '*');
      while (Number(el.dataset.draws ?? 0) === before) {
        if (performance.now() - start > 30_000) throw new Error('the chart did not draw within 30 s');
        await new Promise((r) => requestAnimationFrame(r));
      }
      return performance.now() - start;
    }, JSON.stringify({ type: 'dashboard/state', snapshot: raw }));
    assert.equal(await p.page.evaluate(() => Number(document.getElementById('loss-chart')!.dataset.points)), POINTS);

    // Live batches on top of 100k points: each batch triggers one full redraw (EMA over all
    // points, min/max downsampling to the chart width, uPlot draw).
    const redraws: number[] = [];
    const last = events.filter((e): e is StepEvent => e.event === 'step').at(-1)!;
    for (let b = 0; b < 10; b++) {
      const batch: TrainerEvent[] = Array.from({ length: 10 }, (_, k) => ({ ...last, step: POINTS + b * 10 + k + 1 }));
      redraws.push(await p.page.evaluate(async (message) => {
        const el = document.getElementById('loss-chart')!;
        const before = Number(el.dataset.draws);
        const start = performance.now();
        window.postMessage(message, '*');
        while (Number(el.dataset.draws) === before) {
          if (performance.now() - start > 30_000) throw new Error('the chart did not redraw within 30 s');
          await new Promise((r) => requestAnimationFrame(r));
        }
        return Number(el.dataset.drawMs);
      }, { type: 'dashboard/events', events: batch }));
    }
    redraws.sort((a, b) => a - b);
    const median = redraws[5]!;
    const report = `dashboard, ${POINTS} points: host snapshot ${snapshotMs.toFixed(1)} ms → ${snap.series.step.length} points, ${(bytes / 1024).toFixed(0)} kB; ` +
      `first draw of all raw points ${firstDraw.toFixed(0)} ms; live redraw median ${median.toFixed(1)} ms, max ${redraws[9]!.toFixed(1)} ms`;
    t.diagnostic(report);
    console.log(report);
    assert.ok(snap.series.step.length < 20_000, 'the host downsamples a long run');
    // The figures are printed above (README, docs/TESTING.md); the bound is where a user would see
    // the chart freeze, so a busy machine does not fail a correct dashboard.
    assert.ok(median < 1000, `a live redraw with ${POINTS} points takes ${median} ms`);
    assert.deepEqual(p.problems, []);
    await p.page.close();
  });

  it('inspector: 500 characters through a 2×256 LSTM', async (t) => {
    await initBackend('auto', { wasmDir: join(ROOT, 'dist') });
    const corpus = readFileSync('/work/shared/data/tinyshakespeare.txt', 'utf8');
    const text = corpus.slice(100_000, 100_500);
    const vocab = Vocabulary.build(corpus.slice(0, 200_000), { mode: 'char' });
    // Untrained weights: render time depends on the shape of the traces, not their values.
    const network = Network.create(resolveNetworkConfig({ cell: 'lstm', layers: 2, units: 256 }, vocab.size), 1);
    let t0 = performance.now();
    const result = inspectQuantised({ network, vocab }, text, { topK: 5 });
    const inspectMs = performance.now() - t0;
    t0 = performance.now();
    const compact = toWireInspectResult(result);
    const compactMs = performance.now() - t0;
    const model: ModelRef = { name: 'lstm-2x256', dir: '/models/lstm-2x256', cell: 'lstm', layers: 2, units: 256 };
    const message = { type: 'inspector/result', model, text, result: compact, inspectMs };
    const bytes = JSON.stringify(message).length;

    const p = await open('inspector');
    await p.waitFor(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    const total = await p.page.evaluate(async (json) => {
      const m = JSON.parse(json) as unknown;
      const start = performance.now();
      window.postMessage(m, '*');
      const gates = document.getElementById('gates')!;
      while (gates.dataset.renderMs === undefined) {
        if (performance.now() - start > 60_000) throw new Error('the inspector did not render within 60 s');
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => requestAnimationFrame(r));
      return performance.now() - start;
    }, JSON.stringify(message));
    const renderMs = await p.page.evaluate(() => Number(document.getElementById('gates')!.dataset.renderMs));
    assert.equal(await p.page.locator('canvas.heatmap').count(), 12);
    const report = `inspector, 500 chars, LSTM 2×256: engine inspect ${inspectMs.toFixed(0)} ms (${kernelInfo().path} kernels, ${(await initBackend('auto')).name}); ` +
      `packing ${compactMs.toFixed(0)} ms; message ${(bytes / 1e6).toFixed(2)} MB; webview heatmaps ${renderMs.toFixed(0)} ms; message to painted ${total.toFixed(0)} ms`;
    t.diagnostic(report);
    console.log(report);
    // Printed above; the bound only catches a panel that hangs (a busy 2-core machine took 3 s).
    assert.ok(renderMs < 15_000, `the heatmaps render in ${renderMs} ms`);
    assert.deepEqual(p.problems, []);
    await p.page.close();
  });
});
