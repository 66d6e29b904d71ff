// The three panels in VS Code's high-contrast theme: the page takes the theme's colours,
// charts and heatmaps still draw, and nothing errors. Disabled buttons keep 3:1 text contrast.

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

/** WCAG contrast of each disabled button's text on what is behind it, composited as painted. */
function disabledContrasts(): { id: string; ratio: number }[] {
  const rgba = (css: string): number[] => {
    const m = /rgba?\(([^)]+)\)/.exec(css);
    const v = m ? m[1]!.split(/[ ,/]+/).filter(Boolean).map(Number) : [0, 0, 0, 0];
    return [v[0]!, v[1]!, v[2]!, v[3] ?? 1];
  };
  const over = (top: number[], under: number[], alpha = top[3]!) => [0, 1, 2].map((i) => top[i]! * alpha + under[i]! * (1 - alpha));
  const lum = (c: number[]) => {
    const [r, g, b] = c.map((x) => {
      const s = x / 255;
      return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const page = rgba(getComputedStyle(document.body).backgroundColor);
  return [...document.querySelectorAll('vscode-button')].filter((b) => (b as HTMLElement & { disabled: boolean }).disabled).map((b) => {
    const base = b.shadowRoot!.querySelector('.base') ?? b.shadowRoot!.firstElementChild!;
    const style = getComputedStyle(base);
    const opacity = Number(getComputedStyle(b).opacity);
    const back = over(rgba(style.backgroundColor), page);
    const text = over(rgba(style.color), back);
    const [l1, l2] = [lum(over([...text, 1], page, opacity)), lum(over([...back, 1], page, opacity))].sort((x, y) => y - x);
    return { id: b.id, ratio: (l1! + 0.05) / (l2! + 0.05) };
  });
}

describe('disabled buttons', () => {
  // Light+ (the classic light theme) on top of the harness's default light colours.
  const LIGHT_PLUS: Record<string, string> = {
    '--vscode-button-background': '#007acc', '--vscode-button-foreground': '#ffffff', '--vscode-button-secondaryBackground': '#5f6a79',
    '--vscode-button-secondaryForeground': '#ffffff', '--vscode-descriptionForeground': '#717171', '--vscode-foreground': '#616161',
  };
  for (const [name, theme, css] of [['Light+', 'light', LIGHT_PLUS], ['Light Modern', 'light', {}], ['Dark Modern', 'dark', {}]] as const) {
    it(`keep a text contrast of at least 3:1 in ${name}`, async () => {
      const p = await open('dashboard', { theme });
      await p.waitFor(ready);
      // The page's CSP allows no inline <style>; CSSOM is what VS Code's theme service uses too.
      await p.page.evaluate((vars: Record<string, string>) => {
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
      }, css);
      // A model with no run: Stop, Pause, Save checkpoint, Sample now and the downloads are disabled.
      await p.push({ type: 'dashboard/state', snapshot: { model: { name: 'idle', dir: '/models/idle' }, status: 'idle', start: null, lastStep: null, lastEval: null, done: null,
        series: { step: [], elapsedMs: [], tokens: [], loss: [], gradNorm: [], lr: [], valStep: [], valElapsedMs: [], valTokens: [], valLoss: [] }, samples: [], nans: [], overlays: [] } });
      await p.waitFor(() => (document.getElementById('stop') as HTMLElement & { disabled: boolean } | null)?.disabled === true);
      const ratios = await p.page.evaluate(disabledContrasts);
      assert.ok(ratios.length >= 5, `${ratios.length} disabled buttons`);
      for (const r of ratios) assert.ok(r.ratio >= 3, `${name}: #${r.id} has contrast ${r.ratio.toFixed(2)}:1`);
      await screenshot(p, `dashboard-disabled-${name.replace(/\W+/g, '-').toLowerCase()}`);
      assert.deepEqual(await allProblems(p), []);
      await p.page.close();
    });
  }
});
