// The three panels in VS Code's high-contrast theme: the page takes the theme's colours,
// charts and heatmaps still draw, and nothing errors.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunStore } from '../../src/extension/panels/runStore.js';
import type { GradientsStateMessage, ModelRef } from '../../src/protocol/webview.js';
import type { TrainerEvent } from '../../src/training/events.js';
import { allProblems, canvasStats, loadFixture, loadInspection, screenshot, usePanels } from './harness.js';

const open = usePanels();

const ready = () => (window as unknown as { __posted: unknown[] }).__posted.length > 0;

describe('high-contrast theme', () => {
  it('dashboard, inspector and gradient flow use the theme colours and draw', async () => {
    const run = loadFixture<{ model: ModelRef; events: TrainerEvent[] }>('events-gru.json');
    const store = new RunStore();
    for (const e of run.events) store.add(run.model.dir, e);
    const cases = [
      { panel: 'dashboard', message: { type: 'dashboard/state', snapshot: store.snapshot(run.model.dir, run.model.name, []) }, canvas: '#loss-chart canvas' },
      { panel: 'inspector', message: loadInspection('gru').message, canvas: 'canvas.heatmap' },
      { panel: 'gradients', message: loadFixture<GradientsStateMessage>('gradients-state.json'), canvas: '#gradient-chart canvas' },
    ] as const;
    for (const c of cases) {
      const p = await open(c.panel, { theme: 'high-contrast' });
      await p.waitFor(ready);
      await p.push(c.message);
      await p.waitFor((sel) => document.querySelector(sel) !== null, c.canvas);
      const colors = await p.page.evaluate(() => ({ bg: getComputedStyle(document.body).backgroundColor, fg: getComputedStyle(document.body).color }));
      assert.deepEqual(colors, { bg: 'rgb(0, 0, 0)', fg: 'rgb(255, 255, 255)' }, c.panel);
      const s = await canvasStats(p.page, c.canvas);
      assert.ok(s.nonBackground > 1000, `${c.panel} drew (${s.nonBackground} pixels)`);
      await screenshot(p, `${c.panel}-high-contrast`);
      assert.deepEqual(await allProblems(p), [], c.panel);
      await p.page.close();
    }
  });
});
