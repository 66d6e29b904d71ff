// The gradient-flow panel in headless Chromium, fed with ‖∂L⟨T⟩/∂a⟨t⟩‖ recorded from real
// tiny RNN, GRU and LSTM models over the same text.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GradientsState, type GradientsStateMessage } from '../../src/protocol/webview.js';
import { allProblems, canvasStats, loadFixture, screenshot, type PanelPage, type RecordedInspection, usePanels } from './harness.js';

const state = loadFixture<GradientsStateMessage>('gradients-state.json');
const CHART = '#gradient-chart canvas';

const open = usePanels();

async function openWith(theme: 'light' | 'dark' = 'dark', message: GradientsStateMessage = state): Promise<PanelPage> {
  const p = await open('gradients', { theme });
  await p.waitFor(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  assert.ok(GradientsState.is(message));
  await p.push(message);
  await p.waitFor(() => document.querySelector('#gradient-chart canvas') !== null);
  return p;
}

/** The gradient flow a task model's recorded inspection holds, as the host posts it for that model alone. */
function taskState(task: 'classify' | 'tag'): GradientsStateMessage {
  const r = loadFixture<RecordedInspection>(`inspect-${task}.json`);
  const flow = r.result.gradients!;
  return { type: 'gradients/state', text: r.text, tokens: r.result.tokens, position: flow.position, models: [r.model], series: [{ model: r.model, flow }] };
}

describe('gradient flow', () => {
  it('plots a classifier\'s and a tagger\'s flow and says what their loss is', async () => {
    for (const task of ['classify', 'tag'] as const) {
      const m = taskState(task);
      const p = await openWith('dark', m);
      const legend = (await p.page.textContent('#gradient-chart .u-legend')) ?? '';
      assert.match(legend, new RegExp(`${m.models[0]!.name} \\(GRU\\) layer 1`));
      assert.ok((await canvasStats(p.page, CHART)).nonBackground > 1000, `${task}: the chart drew`);
      const used = (await p.page.textContent('#used')) ?? '';
      assert.match(used, task === 'classify' ? /−log p of the model's answer .* after the whole text/ : /L⟨T⟩ is −log p of the tag predicted for token T/);
      assert.match(used, new RegExp(`position T = ${m.position} .* of ${m.tokens.length} tokens`));
      assert.deepEqual(await allProblems(p), []);
      await p.page.close();
    }
  });

  it('plots one curve per model and layer on a log axis, with the explanation', async () => {
    const p = await openWith();
    assert.deepEqual((await p.posted())[0], { type: 'ready' });
    assert.equal(await p.page.textContent('#title'), 'Gradient flow through time');
    const legend = (await p.page.textContent('#gradient-chart .u-legend')) ?? '';
    for (const s of state.series) {
      for (let l = 0; l < s.flow.norms.length; l++) assert.match(legend, new RegExp(`${s.model.name} \\(${s.model.cell.toUpperCase()}\\) layer ${l + 1}`));
    }
    assert.match(legend, /distance T − t/);
    assert.match((await p.page.textContent('#explain')) ?? '', /vanishing gradient/);
    assert.equal(await p.page.locator('#models vscode-checkbox').count(), state.models.length);
    assert.equal(await p.page.locator('#models vscode-checkbox[checked]').count(), state.series.length);
    assert.match((await p.page.textContent('#position-label')) ?? '', new RegExp(`T = ${state.position}`));
    const s = await canvasStats(p.page, CHART);
    assert.ok(s.nonBackground > 3000, `chart drew (${s.nonBackground} pixels)`);
    await screenshot(p, 'gradients-initial');
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('says which text and position the curves were computed from, and keeps saying it when the slider moves', async () => {
    const p = await openWith('dark', { ...state, source: 'the selection in notes/hamlet.txt' });
    const used = (await p.page.textContent('#used')) ?? '';
    assert.ok(used.startsWith(`Computed at position T = ${state.position} (token “`), used);
    assert.ok(used.endsWith(`” ) of ${state.tokens.length} tokens, over the selection in notes/hamlet.txt.`.replace('” )', '”)')), used);
    await p.page.locator('#position').fill('3');
    await p.waitFor(() => /T = 3,/.test(document.getElementById('position-label')?.textContent ?? ''));
    assert.equal(await p.page.textContent('#used'), used, 'the computed position stays named until the curves are recomputed');
    await p.push(state);
    await p.waitFor(() => /over a text of \d+ characters\./.test(document.getElementById('used')?.textContent ?? ''));
    await p.page.close();
  });

  it('redraws when the host sends curves for other models', async () => {
    const p = await openWith();
    const all = await canvasStats(p.page, CHART);
    await p.push({ ...state, series: state.series.slice(0, 1) });
    await p.waitFor(() => !/tiny-gru/.test(document.querySelector('#gradient-chart .u-legend')?.textContent ?? ''));
    const one = await canvasStats(p.page, CHART);
    assert.notEqual(one.hash, all.hash);
    assert.ok(one.nonBackground > 1000);
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('asks the host to compute the chosen models at the chosen position', async () => {
    const p = await openWith();
    await p.page.locator('#models vscode-checkbox').nth(1).click(); // drop the GRU
    await p.page.locator('#position').fill('40');
    assert.match((await p.page.textContent('#position-label')) ?? '', new RegExp(`T = 40, token “.”`));
    await p.page.click('#compute');
    await p.waitFor(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'gradients/compute'));
    const compute = (await p.posted()).find((m) => m.type === 'gradients/compute');
    assert.deepEqual(compute, { type: 'gradients/compute', modelDirs: [state.models[0]!.dir, state.models[2]!.dir], position: 40 });
    await p.push({ type: 'gradients/busy' });
    await p.waitFor(() => /Computing gradients/.test(document.getElementById('message')!.textContent ?? ''));
    await p.push({ type: 'error', message: 'tiny-gru returned no gradient flow.' });
    await p.waitFor(() => document.getElementById('message')!.classList.contains('error'));
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('redraws in the new colours when VS Code switches theme', async () => {
    const p = await openWith('dark');
    const dark = await canvasStats(p.page, CHART);
    await p.page.evaluate(() => {
      document.documentElement.style.setProperty('--vscode-editor-background', '#ffffff');
      document.body.className = 'vscode-light';
    });
    await p.waitFor((h) => {
      const c = document.querySelector<HTMLCanvasElement>('#gradient-chart canvas');
      if (!c) return false;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let x = 2166136261;
      for (let i = 0; i < d.length; i += 4) x = Math.imul(x ^ ((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!) ^ d[i + 3]!, 16777619) >>> 0;
      return x !== h;
    }, dark.hash);
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  });

  it('is readable in the light and the dark theme', async () => {
    for (const theme of ['light', 'dark'] as const) {
      const p = await openWith(theme);
      await screenshot(p, `gradients-${theme}`, true);
      assert.deepEqual(await allProblems(p), []);
      await p.page.close();
    }
  });
});
