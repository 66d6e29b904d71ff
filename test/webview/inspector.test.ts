// The gate inspector in headless Chromium, fed with inspections recorded from real tiny
// LSTM/GRU/RNN models: heatmaps per layer and gate, hover details, unit colouring (and the
// message the host turns into editor decorations), span ranking, sorting, themes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CELL_GATES } from '../../src/engine/config.js';
import { isUnitSelection, type InspectorResultMessage } from '../../src/protocol/webview.js';
import { allProblems, canvasStats, loadInspection, screenshot, showInspection, type PanelPage, usePanels } from './harness.js';

const lstmRecorded = loadInspection('lstm');
const lstm = lstmRecorded.message;
const gru = loadInspection('gru').message;
const rnn = loadInspection('rnn').message;
const models = [lstm.model, gru.model, rnn.model];

const open = usePanels();

function openWith(result: InspectorResultMessage, theme: 'light' | 'dark' = 'dark', initialState?: unknown): Promise<PanelPage> {
  return showInspection(open, models, result, { theme, initialState });
}

/** Page position of (step, unit) in heatmap `index`, scrolled into view; rows are units in index order. */
async function cellPoint(p: PanelPage, index: number, step: number, unit: number, units: number): Promise<{ x: number; y: number }> {
  const heat = p.page.locator('canvas.heatmap').nth(index);
  await heat.scrollIntoViewIfNeeded();
  const box = (await heat.boundingBox())!;
  const rowH = (box.height - 14) / units; // 14: the character axis under the map
  return { x: box.x + step * 7 + 3, y: box.y + unit * rowH + rowH / 2 };
}

/** Background colours of the coloured-text spans, as a set. */
const spanColors = (p: PanelPage) =>
  p.page.evaluate(() => [...document.querySelectorAll<HTMLElement>('#colored-text span.tok')].map((s) => s.style.backgroundColor));

describe('gate inspector', () => {
  it('draws a heatmap for every layer and gate of the LSTM, with the text and legends', async () => {
    const p = await openWith(lstm);
    assert.deepEqual((await p.posted())[0], { type: 'ready' });
    assert.equal(await p.page.textContent('#title'), `Gate inspector — ${lstm.model.name}`);
    const titles = await p.page.locator('.gate-title').allTextContents();
    assert.equal(titles.length, lstm.result.layers.length * CELL_GATES.lstm.length);
    for (const label of ['Γu — update gate', 'Γf — forget gate', 'Γo — output gate', 'c̃ — candidate', 'c — memory cell', 'a — activation']) {
      assert.ok(titles.includes(label), `heatmap titled ${label}`);
    }
    assert.equal(await p.page.locator('#colored-text span.tok').count(), lstm.result.tokens.length);
    assert.equal(await p.page.textContent('#colored-text'), lstm.text);
    assert.equal(await p.page.locator('#legends canvas').count(), 2);
    const n = await p.page.locator('canvas.heatmap').count();
    for (let i = 0; i < n; i++) {
      const s = await canvasStats(p.page, 'canvas.heatmap', i);
      assert.equal(s.width, lstm.result.tokens.length * 7, 'one 7-pixel column per character');
      assert.ok(s.distinctColors > 20, `heatmap ${i} shows many values (${s.distinctColors} colours)`);
    }
    assert.match((await p.page.textContent('#status')) ?? '', new RegExp(`${lstm.result.tokens.length} tokens`));
    assert.match((await p.page.textContent('.gate-block')) ?? '', /saturated: \d+\.\d% < 0\.1, \d+\.\d% > 0\.9/);
    const captions = await p.page.locator('.hist-caption').allTextContents();
    assert.equal(captions[0], 'number of units by share of steps saturated (0 → 100%, left to right): ▲ above 0.9, ▼ below 0.1');
    assert.ok(captions.includes('number of units by share of steps saturated (0 → 100%, left to right): ▲ above 0.9, ▼ below −0.9'), 'tanh states name their own threshold');
    await screenshot(p, 'inspector-initial');
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('shows unit, step, character, value and the top-5 predictions on hover', async () => {
    const p = await openWith(lstm);
    const step = 10;
    const unit = 3;
    const pt = await cellPoint(p, 0, step, unit, lstm.model.units);
    await p.page.mouse.move(pt.x, pt.y);
    await p.waitFor(() => !document.getElementById('tooltip')!.hidden);
    const tip = (await p.page.textContent('#tooltip')) ?? '';
    const v = lstmRecorded.shown.layers[0]!.gates.gammaU![step]![unit]!;
    assert.match(tip, new RegExp(`unit ${unit} · step ${step}`));
    assert.match(tip, new RegExp(`value ${v.toFixed(3)}`));
    assert.equal(await p.page.locator('#tooltip tr').count(), 5);
    const top = lstm.result.predictions[step]![0]!;
    assert.match(tip, new RegExp(`${(top.p * 100).toFixed(1)}%`));
    await screenshot(p, 'inspector-hover');
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('colours the text by a clicked unit, tells the host (per-character values), and clears with Escape', async () => {
    const p = await openWith(lstm);
    assert.equal(new Set(await spanColors(p)).size, 1, 'uncoloured at first');
    const before = await canvasStats(p.page, 'canvas.heatmap', 5); // layer 1, a (signed)
    const pt = await cellPoint(p, 5, 3, 7, lstm.model.units);
    await p.page.mouse.click(pt.x, pt.y);
    await p.waitFor(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'inspector/selectUnit'));
    const colors = await spanColors(p);
    assert.ok(new Set(colors).size > 5, `the text shows the unit's values (${new Set(colors).size} colours)`);
    const after1 = await canvasStats(p.page, 'canvas.heatmap', 5);
    assert.notEqual(after1.hash, before.hash, 'the selected row is outlined');
    const sel = (await p.posted()).find((m) => m.type === 'inspector/selectUnit') as unknown as { selection: unknown };
    assert.ok(isUnitSelection(sel.selection));
    assert.equal(sel.selection.gate, 'a');
    assert.equal(sel.selection.unit, 7);
    assert.equal(sel.selection.layer, 0);
    assert.equal(sel.selection.scale, 'signed');
    assert.equal(sel.selection.charValues.length, lstm.text.length);
    assert.match((await p.page.textContent('#selection-info')) ?? '', /layer 1 · a — activation · unit 7/);
    await screenshot(p, 'inspector-unit');

    await p.page.keyboard.press('Escape');
    await p.waitFor(() => (window as unknown as { __posted: { type: string; selection?: unknown }[] }).__posted.at(-1)?.selection === null);
    assert.equal(new Set(await spanColors(p)).size, 1, 'Escape clears the colouring');
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('ranks the units that track a selected span and colours by the best in one click', async () => {
    const p = await openWith(lstm);
    // Select the first line of the text (a span of tokens) as a user would with the mouse.
    const lineEnd = lstm.text.indexOf('\n') > 5 ? lstm.text.indexOf('\n') : 20;
    await p.page.evaluate((end) => {
      const spans = document.querySelectorAll('#colored-text span.tok');
      const r = document.createRange();
      r.setStart(spans[0]!.firstChild!, 0);
      r.setEnd(spans[end - 1]!.firstChild!, 1);
      const s = window.getSelection()!;
      s.removeAllRanges();
      s.addRange(r);
      document.getElementById('colored-text')!.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
    }, lineEnd);
    await p.waitFor(() => document.querySelectorAll('#ranking li').length > 0);
    assert.equal(await p.page.locator('#ranking li').count(), 10);
    const first = (await p.page.locator('#ranking li').first().textContent()) ?? '';
    assert.match(first, /layer \d · .+ · unit \d+ inside -?\d/);
    // Links take the theme's link colour, not the browser's dark blue (unreadable on dark).
    assert.equal(await p.page.locator('#ranking a').first().evaluate((a) => getComputedStyle(a).color), 'rgb(77, 170, 252)');
    await p.page.click('#colour-best');
    await p.waitFor(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'inspector/selectUnit'));
    assert.ok(new Set(await spanColors(p)).size > 1);
    await screenshot(p, 'inspector-ranking');
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('reorders units by variance and by saturation', async () => {
    const p = await openWith(lstm);
    const byIndex = await canvasStats(p.page, 'canvas.heatmap', 0);
    const sortBy = async (v: string) => {
      await p.page.evaluate((value) => {
        const s = document.getElementById('sort') as HTMLElement & { value: string };
        s.value = value;
        s.dispatchEvent(new Event('change'));
      }, v);
    };
    await sortBy('variance');
    await p.waitFor((h) => {
      const c = document.querySelector<HTMLCanvasElement>('canvas.heatmap')!;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let x = 2166136261;
      for (let i = 0; i < d.length; i += 4) x = Math.imul(x ^ ((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!) ^ d[i + 3]!, 16777619) >>> 0;
      return x !== h;
    }, byIndex.hash);
    const byVariance = await canvasStats(p.page, 'canvas.heatmap', 0);
    assert.notEqual(byVariance.hash, byIndex.hash);
    assert.equal(byVariance.distinctColors > 20, true);
    await sortBy('saturation');
    const state = (await p.state()) as { sort: string };
    assert.equal(state.sort, 'saturation');
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('shows one layer at a time when asked', async () => {
    const p = await openWith(lstm);
    assert.deepEqual(await p.page.locator('#layer vscode-option').allTextContents(), ['All', 'Layer 1', 'Layer 2']);
    await p.page.evaluate(() => {
      const s = document.getElementById('layer') as HTMLElement & { value: string };
      s.value = '1';
      s.dispatchEvent(new Event('change'));
    });
    await p.waitFor(() => document.querySelectorAll('.gate-block').length === 6);
    const layers = await p.page.locator('.gate-block').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.layer));
    assert.deepEqual(layers, ['1', '1', '1', '1', '1', '1']);
    assert.equal(((await p.state()) as { layer: number }).layer, 1);
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('shows the gates each cell has: GRU Γu Γr c̃ c, RNN a', async () => {
    const p = await openWith(gru);
    assert.deepEqual(await p.page.locator('.gate-title').allTextContents(), ['Γu — update gate', 'Γr — relevance gate', 'c̃ — candidate', 'c — memory cell']);
    await p.push(rnn);
    await p.waitFor(() => document.querySelectorAll('.gate-title').length === 1);
    assert.deepEqual(await p.page.locator('.gate-title').allTextContents(), ['a — activation']);
    assert.equal(await p.page.textContent('#title'), `Gate inspector — ${rnn.model.name}`);
    const s = await canvasStats(p.page, 'canvas.heatmap');
    assert.ok(s.distinctColors > 20);
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('asks the host to inspect text typed in the panel with the chosen model, and shows errors', async () => {
    const p = await openWith(lstm);
    await p.page.evaluate(() => {
      const t = document.getElementById('input-text') as HTMLElement & { value: string };
      t.value = 'To be, or not to be';
    });
    await p.page.click('#run');
    await p.waitFor(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'inspector/run'));
    const run = (await p.posted()).find((m) => m.type === 'inspector/run');
    assert.deepEqual(run, { type: 'inspector/run', modelDir: lstm.model.dir, text: 'To be, or not to be' });
    await p.push({ type: 'inspector/busy', text: 'To be, or not to be' });
    await p.waitFor(() => /Running the model over 19 characters/.test(document.getElementById('message')!.textContent ?? ''));
    await p.push({ type: 'error', message: 'There is no model at /models/gone any more.' });
    await p.waitFor(() => document.getElementById('message')!.classList.contains('error'));
    assert.equal(await p.page.textContent('#message'), 'There is no model at /models/gone any more.');
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('restores the model, text and chosen unit after a reload', async () => {
    const saved = { modelDir: lstm.model.dir, text: lstm.text, sort: 'variance', selected: { layer: 1, gate: 'c', unit: 2 } };
    const p = await openWith(lstm, 'dark', saved);
    assert.match((await p.page.textContent('#selection-info')) ?? '', /layer 2 · c — memory cell · unit 2/);
    assert.ok(new Set(await spanColors(p)).size > 1);
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('is readable in the light and the dark theme', async () => {
    for (const theme of ['light', 'dark'] as const) {
      const p = await openWith(lstm, theme);
      const pt = await cellPoint(p, 2, 4, 4, lstm.model.units);
      await p.page.mouse.click(pt.x, pt.y);
      await p.waitFor(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'inspector/selectUnit'));
      await p.page.evaluate(() => window.scrollTo(0, 0));
      const hover = await cellPoint(p, 0, 12, 9, lstm.model.units);
      await p.page.mouse.move(hover.x, hover.y);
      await p.waitFor(() => !document.getElementById('tooltip')!.hidden);
      await screenshot(p, `inspector-${theme}`);
      assert.deepEqual(await allProblems(p), []);
      await p.page.close();
    }
  });
});
