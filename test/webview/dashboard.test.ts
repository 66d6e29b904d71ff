// The training dashboard in headless Chromium, fed with trainer events recorded from real
// runs (through the host's own RunStore and overlay code), checked on DOM, pixels and the
// messages it sends back.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunStore } from '../../src/extension/panels/runStore.js';
import { overlayRunsFromHistory } from '../../src/protocol/runSeries.js';
import { DashboardEvents, DashboardExport, DashboardState, type DashboardSnapshot, type ModelRef } from '../../src/protocol/webview.js';
import type { TrainerEvent } from '../../src/training/events.js';
import { allProblems, canvasStats, loadFixture, screenshot, waitUntil, type PanelPage, usePanels } from './harness.js';

interface EventsFixture { model: ModelRef; events: TrainerEvent[] }
interface HistoryFixture { model: ModelRef; history: unknown }

const lstm = loadFixture<EventsFixture>('events-lstm.json');
const overlays = (['gru', 'rnn'] as const).flatMap((c) => {
  const h = loadFixture<HistoryFixture>(`history-${c}.json`);
  return overlayRunsFromHistory(h.model.name, h.model.dir, h.history);
});

/** The snapshot the host would send after the first `n` events of the recorded LSTM run. */
function snapshotAfter(n: number): DashboardSnapshot {
  const store = new RunStore();
  for (const e of lstm.events.slice(0, n)) store.add(lstm.model.dir, e);
  return store.snapshot(lstm.model.dir, lstm.model.name, overlays);
}

const half = Math.floor(lstm.events.length / 2);
const LOSS_CANVAS = '#loss-chart canvas';
const GRAD_CANVAS = '#grad-chart canvas';

const open = usePanels();

async function openWithState(theme: 'light' | 'dark' = 'dark', initialState?: unknown): Promise<PanelPage> {
  const p = await open('dashboard', { theme, initialState });
  await p.waitFor(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  const state = DashboardState.create({ snapshot: snapshotAfter(half) });
  assert.ok(DashboardState.is(state), 'the host-built snapshot passes the protocol guard');
  await p.push(state);
  await p.waitFor(() => Number(document.getElementById('loss-chart')?.dataset.draws ?? 0) > 0);
  return p;
}

const draws = (p: PanelPage) => p.page.evaluate(() => Number(document.getElementById('loss-chart')!.dataset.draws ?? 0));

describe('training dashboard', () => {
  it('says ready first, then draws the recorded run: header, legends, non-blank charts', async () => {
    const p = await open('dashboard');
    await p.waitFor(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    assert.deepEqual(await p.posted(), [{ type: 'ready' }]);
    assert.match(await p.page.textContent('#stats') ?? '', /No training run yet/);
    // The HTML's own heading and loading line gave way to the panel the script built.
    assert.equal(await p.page.locator('#loading').count(), 0);
    assert.equal(await p.page.locator('#title').count(), 1);
    await p.push(DashboardState.create({ snapshot: snapshotAfter(half) }));
    await p.waitFor(() => Number(document.getElementById('loss-chart')?.dataset.draws ?? 0) > 0);

    assert.equal(await p.page.textContent('#title'), `Training dashboard — ${lstm.model.name}`);
    const stats = (await p.page.textContent('#stats')) ?? '';
    assert.match(stats, /LSTM/);
    assert.match(stats, /2 × 24/);
    assert.match(stats, /Kernels\s*wasm/, 'a start event without a kernels field names its backend');
    const legend = (await p.page.textContent('#loss-chart .u-legend')) ?? '';
    assert.match(legend, /tiny-lstm train/);
    assert.match(legend, /tiny-lstm validation/);
    assert.match((await p.page.textContent('#grad-chart .u-legend')) ?? '', /grad norm \(before clipping\).*clip threshold.*learning rate/);
    for (const label of ['Stop', 'Pause', 'Save checkpoint now', 'Sample now']) {
      assert.equal(await p.page.locator('vscode-button', { hasText: label }).count(), 1, `button ${label}`);
    }
    const loss = await canvasStats(p.page, LOSS_CANVAS);
    const grad = await canvasStats(p.page, GRAD_CANVAS);
    assert.ok(loss.nonBackground > 2000, `loss chart drew (${loss.nonBackground} pixels)`);
    assert.ok(grad.nonBackground > 2000, `gradient chart drew (${grad.nonBackground} pixels)`);
    const firstSample = lstm.events.slice(0, half).filter((e) => e.event === 'sample').at(-1);
    if (firstSample && firstSample.event === 'sample') {
      assert.match((await p.page.textContent('#samples li')) ?? '', new RegExp(`step ${firstSample.step}`));
    }
    await screenshot(p, 'dashboard-initial');
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('grows the loss chart as live event batches arrive, newest sample first', async () => {
    const p = await openWithState();
    const before = await canvasStats(p.page, LOSS_CANVAS);
    const pointsBefore = await p.page.evaluate(() => Number(document.getElementById('loss-chart')!.dataset.points));
    const rest = lstm.events.slice(half);
    for (let i = 0; i < rest.length; i += 20) {
      const n = await draws(p);
      await p.push(DashboardEvents.create({ events: rest.slice(i, i + 20) }));
      if (rest.slice(i, i + 20).some((e) => e.event === 'step' || e.event === 'eval')) {
        await p.waitFor((k) => Number(document.getElementById('loss-chart')!.dataset.draws) > k, n);
      }
    }
    const pointsAfter = await p.page.evaluate(() => Number(document.getElementById('loss-chart')!.dataset.points));
    const steps = lstm.events.filter((e) => e.event === 'step').length;
    assert.equal(pointsAfter, steps, 'every recorded step is in the series');
    assert.ok(pointsAfter > pointsBefore);
    const afterStats = await canvasStats(p.page, LOSS_CANVAS);
    assert.notEqual(afterStats.hash, before.hash, 'the chart changed');
    const samples = lstm.events.filter((e) => e.event === 'sample');
    const tags = await p.page.locator('#samples .tag').allTextContents();
    assert.equal(tags.length, samples.length);
    assert.match(tags[0]!, new RegExp(`step ${samples.at(-1)!.step}\\b`), 'newest sample first');
    assert.match((await p.page.textContent('#eta')) ?? '', /.+/, 'the done message replaces the ETA');
    assert.equal(await p.page.locator('#stop').evaluate((b) => (b as HTMLButtonElement & { disabled: boolean }).disabled), true, 'controls are off after done');
    await screenshot(p, 'dashboard-live');
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('sends the sample temperature, Stop / Pause / Resume / Save checkpoint / Sample now (with the temperature) to the host', async () => {
    const p = await openWithState();
    await p.page.locator('#temperature').fill('1.25');
    await p.page.click('#pause');
    await p.push({ type: 'dashboard/status', status: 'paused' });
    await p.waitFor(() => document.getElementById('pause')!.textContent === 'Resume');
    await p.page.click('#pause');
    await p.page.click('#checkpoint');
    await p.page.click('#sample-now');
    await p.page.click('#stop');
    const posted = (await p.posted()).slice(1);
    assert.deepEqual(posted, [
      { type: 'dashboard/control', action: 'temperature', temperature: 1.25 },
      { type: 'dashboard/control', action: 'pause' },
      { type: 'dashboard/control', action: 'resume' },
      { type: 'dashboard/control', action: 'checkpoint' },
      { type: 'dashboard/control', action: 'sample', temperature: 1.25 },
      { type: 'dashboard/control', action: 'stop' },
    ]);
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('overlays earlier runs, switches x axis and log scale, and keeps those choices across a reload', async () => {
    const p = await openWithState();
    const base = await canvasStats(p.page, LOSS_CANVAS);
    const boxes = p.page.locator('#overlays vscode-checkbox');
    assert.equal(await boxes.count(), overlays.length);
    assert.match((await boxes.first().getAttribute('label')) ?? '', /tiny-gru run 1/);
    await boxes.first().click();
    await p.waitFor(() => /tiny-gru run 1.*train/.test(document.querySelector('#loss-chart .u-legend')?.textContent ?? ''));
    const withOverlay = await canvasStats(p.page, LOSS_CANVAS);
    assert.notEqual(withOverlay.hash, base.hash);

    await p.page.click('#log-scale');
    await p.page.locator('#smoothing').fill('0.9');
    await p.page.evaluate(() => {
      const s = document.getElementById('x-axis') as HTMLElement & { value: string };
      s.value = 'tokens';
      s.dispatchEvent(new Event('change'));
    });
    await p.waitFor(() => /tokens seen/.test(document.querySelector('#loss-chart .u-legend')?.textContent ?? ''));
    const state = (await p.state()) as { log: boolean; xAxis: string; smoothing: number; overlays: string[]; modelDir: string };
    assert.equal(state.log, true);
    assert.equal(state.xAxis, 'tokens');
    assert.equal(state.smoothing, 0.9);
    assert.deepEqual(state.overlays, [overlays[0]!.id]);
    assert.equal(state.modelDir, lstm.model.dir);
    await screenshot(p, 'dashboard-overlay-log');
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();

    // A hidden-then-shown panel (or a window reload) starts a new page with the saved state.
    const again = await openWithState('dark', state);
    assert.equal(await again.page.locator('#log-scale').evaluate((c) => (c as HTMLElement & { checked: boolean }).checked), true);
    assert.equal(await again.page.inputValue('#smoothing'), '0.9');
    assert.match((await again.page.textContent('#loss-chart .u-legend')) ?? '', /tiny-gru run 1/);
    assert.deepEqual(await allProblems(again), []);
    await again.page.close();
  });

  it('names the kernel path of the run in the header: native, else the portable backend (wasm / cpu), and the engines per step', async () => {
    const p = await open('dashboard', { theme: 'dark' });
    await p.waitFor(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    const start = lstm.events[0]!;
    assert.equal(start.event, 'start');
    const cases = [['native', 1, 'wasm', 'native'], ['native', 2, 'wasm', 'native ×2'], ['portable', 1, 'wasm', 'wasm'], ['portable', 1, 'cpu', 'cpu']] as const;
    for (const [kernels, workers, backend, shown] of cases) {
      const store = new RunStore();
      store.add(lstm.model.dir, { ...start, compute: { kernels, workers }, backend } as TrainerEvent);
      const state = DashboardState.create({ snapshot: store.snapshot(lstm.model.dir, lstm.model.name, []) });
      assert.ok(DashboardState.is(state));
      await p.push(state);
      await p.waitFor((want) => document.getElementById('stat-kernels')?.textContent === `Kernels${want}`, shown);
    }
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('asks the host to save the series as CSV or JSON, and offers it only when there is a series', async () => {
    const p = await open('dashboard', { theme: 'dark' });
    await p.waitFor(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    await p.push(DashboardState.create({ snapshot: snapshotAfter(1) }));
    await p.waitFor(() => (document.getElementById('save-csv') as HTMLElement & { disabled: boolean }).disabled);
    assert.equal(await p.page.locator('#save-json').evaluate((b) => (b as HTMLElement & { disabled: boolean }).disabled), true, 'no steps yet: nothing to save');
    await p.push(DashboardState.create({ snapshot: snapshotAfter(half) }));
    await p.waitFor(() => !(document.getElementById('save-csv') as HTMLElement & { disabled: boolean }).disabled);
    await p.page.click('#save-csv');
    await p.page.click('#save-json');
    const posted = (await p.posted()).slice(1);
    assert.deepEqual(posted, [{ type: 'dashboard/export', format: 'csv' }, { type: 'dashboard/export', format: 'json' }]);
    assert.ok(posted.every((m) => DashboardExport.is(m)), 'the host accepts what the page sends');
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('once the run stops, Stop and the other controls look disabled — no fill, a dashed outline — and a late status does not bring them back', async () => {
    const p = await openWithState();
    const look = () => p.page.$$eval('#controls vscode-button', (bs) => bs.map((b) => {
      const base = getComputedStyle(b.shadowRoot!.querySelector('.base')!);
      return { id: b.id, disabled: (b as HTMLElement & { disabled: boolean }).disabled, aria: b.getAttribute('aria-disabled'), background: base.backgroundColor, border: base.borderTopStyle, color: base.color };
    }));
    const running = await look();
    assert.deepEqual(running.map((b) => [b.id, b.disabled, b.aria, b.border]), [['stop', false, 'false', 'solid'], ['pause', false, 'false', 'solid'], ['checkpoint', false, 'false', 'solid'], ['sample-now', false, 'false', 'solid']]);
    assert.ok(running.every((b) => !/^rgba\(0, 0, 0, 0\)$/.test(b.background)), `filled while training: ${JSON.stringify(running)}`);
    await p.page.click('#stop');
    await p.push(DashboardEvents.create({ events: lstm.events.slice(half) }));
    await p.waitFor(() => (document.getElementById('stop') as HTMLElement & { disabled: boolean }).disabled);
    const stopped = await look();
    const muted = await p.page.evaluate(() => getComputedStyle(document.getElementById('empty') ?? document.querySelector('.muted')!).color);
    for (const [b, before] of stopped.map((b, i) => [b, running[i]!] as const)) {
      assert.deepEqual([b.disabled, b.aria, b.background, b.border], [true, 'true', 'rgba(0, 0, 0, 0)', 'dashed'], `#${b.id} after the run: ${JSON.stringify(b)}`);
      assert.equal(b.color, muted, `#${b.id} has the muted text colour`);
      assert.notEqual(b.color, before.color, `#${b.id} text changed colour`);
    }
    assert.equal(await p.page.getAttribute('#stop', 'title'), 'The run has stopped.');
    // A pause acknowledged while the run was ending arrives after its done event.
    await p.push({ type: 'dashboard/status', status: 'paused' });
    await p.push({ type: 'dashboard/status', status: 'running' });
    await p.waitFor(() => document.getElementById('stat-status')?.textContent?.includes('stopped') === true);
    assert.deepEqual((await look()).map((b) => b.disabled), [true, true, true, true]);
    assert.equal(await p.page.textContent('#pause'), 'Pause');
    // The host's store keeps it stopped too, so a reopened dashboard agrees.
    const store = new RunStore();
    for (const e of lstm.events) store.add(lstm.model.dir, e);
    store.setStatus(lstm.model.dir, 'paused');
    assert.equal(store.snapshot(lstm.model.dir, lstm.model.name, []).status, 'stopped');
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('a run that ended without a done event (failed or crashed) is stopped by the host\'s status: the controls turn off', async () => {
    const p = await openWithState();
    assert.equal(await p.page.locator('#stop').evaluate((b) => (b as HTMLElement & { disabled: boolean }).disabled), false);
    await p.push({ type: 'dashboard/status', status: 'stopped' });
    await p.waitFor(() => (document.getElementById('stop') as HTMLElement & { disabled: boolean }).disabled);
    assert.equal(await p.page.getAttribute('#stop', 'aria-disabled'), 'true');
    assert.equal(await p.page.getAttribute('#stop', 'title'), 'The run has stopped.');
    await p.page.close();
  });

  it('disables the temperature slider once the run is over (nothing samples any more)', async () => {
    const p = await openWithState();
    assert.equal(await p.page.locator('#temperature').isDisabled(), false, 'enabled while training');
    const store = new RunStore();
    for (const e of lstm.events) store.add(lstm.model.dir, e);
    await p.push(DashboardState.create({ snapshot: store.snapshot(lstm.model.dir, lstm.model.name, overlays) }));
    await p.waitFor(() => (document.getElementById('temperature') as HTMLInputElement).disabled);
    assert.equal(await p.page.locator('#sample-now').evaluate((b) => (b as HTMLElement & { disabled: boolean }).disabled), true);
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('keeps panel state per model: another model shows neither this one\'s checkpoint line nor its ticked overlays', async () => {
    const p = await openWithState();
    const step = snapshotAfter(half).lastStep!.step;
    await p.push(DashboardEvents.create({ events: [{ event: 'checkpoint', step, kind: 'latest', dir: `${lstm.model.dir}/checkpoints/latest` }] }));
    await p.waitFor(() => /Saved latest checkpoint/.test(document.getElementById('control-status')!.textContent ?? ''));
    await p.page.locator('#overlays vscode-checkbox').first().click();
    await p.waitFor(() => /tiny-gru run 1.*train/.test(document.querySelector('#loss-chart .u-legend')?.textContent ?? ''));

    const other = { name: 'other-model', dir: '/models/other-model' };
    const store = new RunStore();
    for (const e of lstm.events.slice(0, half)) store.add(other.dir, e);
    await p.push(DashboardState.create({ snapshot: store.snapshot(other.dir, other.name, overlays) }));
    await p.waitFor((name) => document.getElementById('title')!.textContent!.endsWith(name), other.name);
    assert.equal(await p.page.textContent('#control-status'), '');
    const ticked = () => p.page.locator('#overlays vscode-checkbox').evaluateAll((boxes) => boxes.filter((b) => (b as HTMLElement & { checked: boolean }).checked).length);
    assert.equal(await ticked(), 0, 'no overlay ticked on the other model');
    assert.doesNotMatch((await p.page.textContent('#loss-chart .u-legend')) ?? '', /tiny-gru run 1/);

    // Back on the first model, its own choice is still there.
    await p.push(DashboardState.create({ snapshot: snapshotAfter(half) }));
    await p.waitFor((name) => document.getElementById('title')!.textContent!.endsWith(name), lstm.model.name);
    assert.equal(await ticked(), 1);
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('marks a NaN on both charts with its explanation', async () => {
    const p = await openWithState();
    const lastStep = lstm.events.slice(0, half).filter((e) => e.event === 'step').at(-1)!;
    const before = await canvasStats(p.page, GRAD_CANVAS);
    const nan: TrainerEvent = { event: 'nan', step: lastStep.step + 1, recentGradNorms: [1.5, 2.5, 1e9], message: 'The loss became NaN at step ' + (lastStep.step + 1) + '; lower the learning rate or the clip threshold.' };
    await p.push(DashboardEvents.create({ events: [nan] }));
    await p.waitFor(() => (document.getElementById('nan-list')?.textContent ?? '').includes('NaN at step'));
    await p.waitFor((h) => {
      const c = document.querySelector<HTMLCanvasElement>('#grad-chart canvas')!;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let x = 0;
      for (let i = 0; i < d.length; i += 4) x = Math.imul(x ^ ((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!), 16777619) >>> 0;
      return x !== h;
    }, before.hash);
    assert.match((await p.page.textContent('#nan-list')) ?? '', /lower the learning rate/);
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('drops a malformed message with a warning and keeps working', async () => {
    const p = await openWithState();
    await p.push({ type: 'dashboard/events', events: [{ event: 'step', step: 'x' }] });
    await p.push({ type: 'no-such-message' });
    await waitUntil(() => p.problems.length >= 2, 'two warnings');
    const problems = await allProblems(p);
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.ok(problems.every((m) => m.startsWith('console.warning: RNN Lab: ignored an invalid or unknown message')));
    assert.equal(await p.page.textContent('#title'), `Training dashboard — ${lstm.model.name}`);
    await p.page.close();
  });

  it('is readable in the light and the dark theme', async () => {
    for (const theme of ['light', 'dark'] as const) {
      const p = await openWithState(theme);
      const bg = await p.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(bg, theme === 'light' ? 'rgb(255, 255, 255)' : 'rgb(31, 31, 31)');
      await screenshot(p, `dashboard-${theme}`, true);
      assert.deepEqual(await allProblems(p), []);
      await p.page.close();
    }
  });
});
