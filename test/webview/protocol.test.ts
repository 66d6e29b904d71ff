// Node-side checks of what the panels share with the host: message guards (on recorded
// messages and on broken ones), downsampling, smoothing, overlays from model.json history,
// the run store, unit ranking, colour levels, the inspection's wire form and the page's CSP.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GateName } from '../../src/engine/config.js';
import type { InspectResult } from '../../src/engine/types.js';
import { EventBatcher } from '../../src/extension/panels/eventBatcher.js';
import { decodeInspectResult } from '../../src/protocol/inspectWire.js';
import { RunStore, SNAPSHOT_BUCKETS } from '../../src/extension/panels/runStore.js';
import { LEVELS, levelOf, levelRuns } from '../../src/extension/panels/unitColorLevels.js';
import { contentSecurityPolicy, renderPanelHtml } from '../../src/extension/panels/webviewHtml.js';
import { isInspectResult, isTrainerEvent, isWireInspectResult } from '../../src/protocol/guards.js';
import { downsampleIndices, isRunSeries, overlayRunsFromHistory } from '../../src/protocol/runSeries.js';
import {
  HOST_TO_DASHBOARD,
  DashboardControl,
  DashboardEvents,
  GradientsCompute,
  GradientsState,
  InspectorResult,
  InspectorRun,
  InspectorSelectUnit,
  validate,
  type GradientsStateMessage,
  type ModelRef,
} from '../../src/protocol/webview.js';
import type { TrainerEvent } from '../../src/training/events.js';
import { emaDebiased } from '../../webview/common/smoothing.js';
import { rankUnits } from '../../webview/inspector/unitRanking.js';
import { loadFixture, loadInspection, type RecordedInspection } from './harness.js';

const runs = (['lstm', 'gru', 'rnn'] as const).map((c) => loadFixture<{ model: ModelRef; events: TrainerEvent[] }>(`events-${c}.json`));
const inspections = (['lstm', 'gru', 'rnn'] as const).map((c) => loadFixture<RecordedInspection>(`inspect-${c}.json`));
const posted = (['lstm', 'gru', 'rnn'] as const).map((c) => loadInspection(c).message);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('message guards', () => {
  it('accept every recorded trainer event and inspection', () => {
    for (const r of runs) for (const e of r.events) assert.ok(isTrainerEvent(e), `${e.event} event of ${r.model.name}`);
    for (const m of posted) assert.ok(InspectorResult.is(m), m.model.name);
    assert.ok(GradientsState.is(loadFixture<GradientsStateMessage>('gradients-state.json')));
  });

  it('accept a NaN loss after JSON turned it into null', () => {
    const step = clone(runs[0]!.events.find((e) => e.event === 'step')!) as unknown as Record<string, unknown>;
    step.loss = NaN;
    const afterJson = JSON.parse(JSON.stringify(step)) as Record<string, unknown>;
    assert.equal(afterJson.loss, null);
    assert.ok(isTrainerEvent(afterJson));
  });

  it('reject events and results with a missing or mistyped field or a wrong shape', () => {
    const step = clone(runs[0]!.events.find((e) => e.event === 'step')!) as unknown as Record<string, unknown>;
    assert.equal(isTrainerEvent({ ...step, step: '3' }), false);
    const { tokensSeen: _drop, ...noTokens } = step;
    assert.equal(isTrainerEvent(noTokens), false);
    assert.equal(isTrainerEvent({ ...step, event: 'steps' }), false);
    assert.equal(DashboardEvents.is({ type: 'dashboard/events', events: [step, { event: 'eval' }] }), false);

    const r = clone(inspections[0]!.result) as InspectResult;
    r.layers[0]!.gates.gammaF![3]!.pop();
    assert.equal(isInspectResult(r), false, 'a short gate row');
    const r2 = clone(inspections[0]!.result) as InspectResult;
    r2.tokens.push('x');
    assert.equal(isInspectResult(r2), false, 'one more token than trace steps');
    const r3 = clone(inspections[0]!.result) as unknown as { layers: { gates: Record<string, unknown> }[] };
    r3.layers[0]!.gates.gammaZ = [];
    assert.equal(isInspectResult(r3), false, 'an unknown gate name');
  });

  it('check the webview → host messages', () => {
    assert.ok(DashboardControl.is({ type: 'dashboard/control', action: 'sample', temperature: 0.7 }));
    assert.equal(DashboardControl.is({ type: 'dashboard/control', action: 'restart' }), false);
    assert.equal(DashboardControl.is({ type: 'dashboard/control', action: 'sample', temperature: -1 }), false);
    assert.ok(InspectorRun.is({ type: 'inspector/run', modelDir: '/m', text: 'abc' }));
    assert.equal(InspectorRun.is({ type: 'inspector/run', modelDir: '/m', text: '' }), false);
    assert.ok(GradientsCompute.is({ type: 'gradients/compute', modelDirs: ['/a'], position: 4 }));
    assert.equal(GradientsCompute.is({ type: 'gradients/compute', modelDirs: [], position: 4 }), false);
    assert.equal(GradientsCompute.is({ type: 'gradients/compute', modelDirs: ['/a'], position: 1.5 }), false);
    const sel = { layer: 0, gate: 'a', unit: 2, text: 'ab', charValues: [0.1, -0.2], scale: 'signed' };
    assert.ok(InspectorSelectUnit.is({ type: 'inspector/selectUnit', selection: sel }));
    assert.ok(InspectorSelectUnit.is({ type: 'inspector/selectUnit', selection: null }));
    assert.equal(InspectorSelectUnit.is({ type: 'inspector/selectUnit', selection: { ...sel, charValues: [1] } }), false, 'one value per character');
  });

  it('validate() picks the matching descriptor and rejects the rest', () => {
    const m = validate(HOST_TO_DASHBOARD, { type: 'dashboard/status', status: 'paused' });
    assert.deepEqual(m, { type: 'dashboard/status', status: 'paused' });
    assert.equal(validate(HOST_TO_DASHBOARD, { type: 'dashboard/status', status: 'sleeping' }), null);
    assert.equal(validate(HOST_TO_DASHBOARD, { type: 'inspector/busy', text: 'x' }), null, 'another panel\'s message');
    assert.equal(validate(HOST_TO_DASHBOARD, 'ready'), null);
  });
});

describe('series', () => {
  it('downsampling keeps each bucket\'s first, last, min, max and first NaN', () => {
    const n = 10_000;
    const y = Array.from({ length: n }, (_, i) => Math.sin(i / 50));
    y[1234] = 50; // a spike
    y[5678] = -50;
    y[7000] = NaN;
    const idx = downsampleIndices(n, [y], 100);
    assert.ok(idx.length <= 100 * 5 && idx.length > 200, `${idx.length} points`);
    for (const must of [0, n - 1, 1234, 5678, 7000]) assert.ok(idx.includes(must), `keeps index ${must}`);
    assert.deepEqual(idx, [...new Set(idx)].sort((a, b) => a - b), 'sorted, no duplicates');
    assert.deepEqual(downsampleIndices(150, [y.slice(0, 150)], 100), Array.from({ length: 150 }, (_, i) => i), 'short series untouched');
  });

  it('debiased EMA starts at the first value, keeps constants, skips NaN', () => {
    const s = emaDebiased([5, 5, 5, 5], 0.9);
    for (const v of s) assert.ok(Math.abs(v - 5) < 1e-12);
    assert.equal(emaDebiased([3, 1], 0.5)[0], 3);
    assert.ok(Math.abs(emaDebiased([3, 1], 0.5)[1]! - (0.5 * 0.5 * 3 + 0.5 * 1) / (1 - 0.25)) < 1e-12);
    const withNan = emaDebiased([2, NaN, 2], 0.6);
    assert.ok(Number.isNaN(withNan[1]!));
    assert.ok(Math.abs(withNan[2]! - 2) < 1e-12, 'NaN does not poison later values');
    assert.deepEqual(emaDebiased([1, 2, 3], 0), [1, 2, 3]);
  });

  it('overlays come from a recorded model.json history, and junk gives none', () => {
    const h = loadFixture<{ model: ModelRef; history: { steps: number[][]; evals: number[][] } }>('history-gru.json');
    const o = overlayRunsFromHistory(h.model.name, h.model.dir, h.history);
    assert.equal(o.length, 1);
    assert.ok(isRunSeries(o[0]!.series));
    assert.equal(o[0]!.series.step.length, h.history.steps.length);
    assert.equal(o[0]!.series.valStep.length, h.history.evals.length);
    assert.equal(o[0]!.series.elapsedMs[0], 0, 'time is relative to the run start');
    assert.match(o[0]!.label, /^tiny-gru run 1/);
    assert.deepEqual(overlayRunsFromHistory('x', '/x', null), []);
    assert.deepEqual(overlayRunsFromHistory('x', '/x', { steps: 'no', runs: 3 }), []);
  });

  it('the run store replays a recorded run and downsamples long ones', () => {
    const r = runs[2]!;
    const store = new RunStore();
    for (const e of r.events) store.add(r.model.dir, e);
    const snap = store.snapshot(r.model.dir, r.model.name, []);
    const steps = r.events.filter((e) => e.event === 'step').length;
    assert.equal(snap.series.step.length, steps);
    assert.equal(snap.series.valStep.length, r.events.filter((e) => e.event === 'eval').length);
    assert.equal(snap.status, 'stopped');
    assert.equal(snap.samples[0]!.step, Math.max(...r.events.filter((e) => e.event === 'sample').map((e) => e.step)));
    assert.equal(store.latest, r.model.dir);

    const long = new RunStore();
    const step = r.events.find((e) => e.event === 'step')!;
    for (let i = 0; i < SNAPSHOT_BUCKETS * 10; i++) long.add('/l', { ...step, step: i + 1, loss: Math.random() } as TrainerEvent);
    const ls = long.snapshot('/l', 'l', []);
    assert.ok(ls.series.step.length < SNAPSHOT_BUCKETS * 10 && ls.series.step.length >= SNAPSHOT_BUCKETS * 2);
    long.add('/l', r.events[0]!);
    assert.equal(long.snapshot('/l', 'l', []).series.step.length, 0, 'a new start resets the run');
  });

  it('the run store follows a renamed model and forgets a deleted one', () => {
    const r = runs[0]!;
    const store = new RunStore();
    for (const e of r.events) store.add(r.model.dir, e);
    const before = store.snapshot(r.model.dir, r.model.name, []);
    store.move(r.model.dir, '/models/renamed');
    assert.equal(store.get(r.model.dir), undefined, 'nothing left under the old folder');
    assert.equal(store.latest, '/models/renamed');
    const after = store.snapshot('/models/renamed', 'renamed', []);
    assert.deepEqual(after.series, before.series, 'the run is the renamed model\'s');
    assert.equal(after.model!.name, 'renamed');
    store.move('/models/renamed', null);
    assert.equal(store.get('/models/renamed'), undefined);
    assert.equal(store.latest, null);
  });
});

describe('inspector helpers', () => {
  it('ranks first the unit that is high inside the span and low outside', () => {
    const steps = 20;
    const units = 4;
    const gates = Array.from({ length: steps }, (_, t) => Array.from({ length: units }, (_, u) => (u === 2 ? (t >= 5 && t <= 9 ? 1 : 0) : Math.sin(t * (u + 1)) * 0.3)));
    const result: InspectResult = {
      tokens: Array.from({ length: steps }, () => 'x'),
      offsets: Array.from({ length: steps + 1 }, (_, i) => i),
      cell: 'rnn',
      layers: [{ layer: 0, direction: 'forward', cell: 'rnn', units, gates: { a: gates }, saturation: {} }],
      predictions: [],
    };
    const ranked = rankUnits(result, 5, 9);
    assert.equal(ranked[0]!.unit, 2);
    assert.equal(ranked[0]!.inside, 1);
    assert.equal(ranked[0]!.outside, 0);
    assert.deepEqual(rankUnits(result, 0, steps - 1), [], 'the whole text has no outside');
    const real = rankUnits(inspections[0]!.result, 10, 30);
    assert.equal(real.length, 10);
    for (let i = 1; i < real.length; i++) assert.ok(real[i - 1]!.score >= real[i]!.score);
  });

  it('colour levels: ends map to the first and last level, runs merge and skip newlines', () => {
    assert.equal(levelOf('signed', -1), 0);
    assert.equal(levelOf('signed', 1), LEVELS - 1);
    assert.equal(levelOf('signed', 0), (LEVELS - 1) / 2);
    assert.equal(levelOf('unit', 0), 0);
    assert.equal(levelOf('unit', 7), LEVELS - 1, 'clamped');
    assert.deepEqual(levelRuns('ab\ncd', [1, 1, 0, 1, -1], 'signed'), [[0, 2, LEVELS - 1], [3, 4, LEVELS - 1], [4, 5, 0]]);
  });

  it('the posted inspection decodes to the recorded one within one quantisation step', async () => {
    const big = inspections[0]!.result;
    const wire = posted[0]!.result;
    assert.ok(!isWireInspectResult({ ...wire, layers: [{ ...wire.layers[0]!, gates: { gammaU: { lo: 1, hi: 0 } } }] }), 'a range must not be empty');
    const shown = await decodeInspectResult(wire);
    for (const [l, layer] of big.layers.entries()) {
      for (const [g, rows] of Object.entries(layer.gates)) {
        const { lo, hi } = wire.layers[l]!.gates[g as GateName]!;
        const got = shown.layers[l]!.gates[g as GateName]!;
        rows.forEach((row, t) => row.forEach((v, j) => assert.ok(Math.abs(got[t]![j]! - v) <= (hi - lo) / 255, `layer ${l} ${g} [${t}][${j}]`)));
      }
    }
    assert.ok(JSON.stringify(posted[0]).length < JSON.stringify(inspections[0]).length / 2);
  });
});

describe('live event batching', () => {
  it('sends at most one batch per 100 ms, in order, losing nothing (on a mocked clock)', (t) => {
    // A mocked clock makes the timing exact: no dependence on how loaded the machine is.
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const batches: { at: number; items: number[] }[] = [];
    const b = new EventBatcher<number>(100, (items) => batches.push({ at: Date.now(), items }));
    const t0 = Date.now();
    let n = 0;
    // A fast trainer: an event every 2 ms for a second.
    for (let ms = 0; ms < 1000; ms += 2) {
      b.push(n++);
      t.mock.timers.tick(2);
    }
    t.mock.timers.tick(200);
    assert.deepEqual(batches.flatMap((x) => x.items), Array.from({ length: n }, (_, i) => i));
    assert.ok(batches[0]!.at - t0 <= 2, 'the first event of a quiet period is not held back');
    for (let i = 1; i < batches.length; i++) assert.ok(batches[i]!.at - batches[i - 1]!.at >= 100, 'batches are ≥ 100 ms apart');
    assert.ok(batches.length >= 10 && batches.length <= 11, `${batches.length} batches in one second`);
    b.dispose();
  });
});

describe('panel page', () => {
  it('has a strict CSP: nothing by default, scripts by nonce only, no eval or inline', () => {
    const html = renderPanelHtml({ title: 'T <x>', cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: 'abc123', scriptUri: 'https://r/dist/webview/dashboard.js', styleUris: ['https://r/media/webview.css'] });
    const csp = contentSecurityPolicy('https://file+.vscode-resource.vscode-cdn.net', 'abc123');
    assert.ok(html.includes(`content="${csp}"`));
    assert.match(csp, /^default-src 'none'; script-src 'nonce-abc123';/);
    assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline|\*/);
    assert.match(html, /<script nonce="abc123" src="https:\/\/r\/dist\/webview\/dashboard.js"><\/script>/);
    assert.equal((html.match(/<script/g) ?? []).length, 1, 'one script, no inline code');
    assert.match(html, /<title>T &lt;x><\/title>/);
  });

  it('a page with a loading state shows its heading in the HTML itself, before any script runs', () => {
    const html = renderPanelHtml({ title: 'T', cspSource: 'https://c', nonce: 'n', scriptUri: 'https://r/d.js', styleUris: [], loading: { heading: 'Training dashboard — a<b>', message: 'Loading…' } });
    assert.match(html, /<div id="app"><h1 id="title">Training dashboard — a&lt;b><\/h1><p id="loading" class="muted" role="status">Loading…<\/p><\/div>/);
    const plain = renderPanelHtml({ title: 'T', cspSource: 'https://c', nonce: 'n', scriptUri: 'https://r/d.js', styleUris: [] });
    assert.match(plain, /<div id="app"><\/div>/);
  });
});
