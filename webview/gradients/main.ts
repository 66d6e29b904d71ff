// Gradient-flow webview: ‖∂L⟨T⟩/∂a⟨t⟩‖ against the distance T − t on a log scale, one curve
// per model and layer, so RNN, GRU and LSTM trained on the same text can be compared.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import uPlot from 'uplot';
import { isObject } from '../../src/protocol/guards.js';
import { architectureLabel } from '../../src/protocol/labels.js';
import { HOST_TO_GRADIENTS, type HostToGradients, type GradientsToHost, type GradientsStateMessage } from '../../src/protocol/webview.js';
import { axis, followWidth, widthOf } from '../common/chart.js';
import { byId, formatNumber, h, visibleChar } from '../common/dom.js';
import { openPanelPage } from '../common/panelPage.js';
import type { ThemeColors } from '../common/theme.js';

interface UiState {
  modelDirs: string[];
  position: number | null;
  /** Kept so the host can recompute after a window reload. */
  text?: string;
}
const isUiState = (v: unknown): v is UiState => isObject(v) && Array.isArray(v.modelDirs) && (v.position === null || typeof v.position === 'number');

const page = openPanelPage<HostToGradients, GradientsToHost, UiState>(HOST_TO_GRADIENTS, isUiState, { modelDirs: [], position: null });
const { ui, saveUi } = page;

let theme: ThemeColors = page.theme;
let state: GradientsStateMessage | null = null;
let chart: uPlot | null = null;
const HEIGHT = 340;

const app = byId('app');
const positionInput = h('input', { type: 'range', id: 'position', min: 0, max: 0, step: 1, value: 0, 'aria-label': 'Text position T' });
const computeBtn = h('vscode-button', { id: 'compute' }, 'Compute') as VscodeButton;
const chartEl = h('div', { id: 'gradient-chart', class: 'chart' });
app.append(
  h('h1', { id: 'title' }, 'Gradient flow through time'),
  page.messageBox,
  h('div', { id: 'models', class: 'overlays' }),
  h('div', { class: 'row' }, h('label', { class: 'inline' }, 'Position T', positionInput), h('span', { id: 'position-label', class: 'muted' }), computeBtn),
  h('p', { id: 'used', class: 'muted' }),
  h('pre', { id: 'context', class: 'text' }),
  chartEl,
  h('p', { id: 'explain', class: 'explain muted' },
    'Each curve shows how strongly the loss at the chosen position T is influenced by the hidden state a⟨t⟩ a distance T − t earlier (the gradient norm ‖∂L⟨T⟩/∂a⟨t⟩‖, log scale): a curve that falls steeply is the vanishing gradient — the model cannot learn from that far back — while gated cells (GRU, LSTM) keep it flatter.'),
);

function positionLabel(): void {
  if (!state) return;
  const t = Number(positionInput.value);
  byId('position-label').textContent = `T = ${t}, token “${visibleChar(state.tokens[t] ?? '')}”`;
  // The text up to T, with the token at T marked, so the user sees what is being predicted from.
  const before = state.tokens.slice(Math.max(0, t - 60), t).join('');
  byId('context').textContent = `…${before}[${state.tokens[t] ?? ''}]`;
}

function renderModels(): void {
  const box = byId('models');
  box.replaceChildren(h('span', { class: 'muted' }, 'Models:'));
  for (const m of state?.models ?? []) {
    const cb = h('vscode-checkbox', { label: `${m.name} (${architectureLabel(m)})`, 'data-dir': m.dir, checked: ui.modelDirs.includes(m.dir) }) as VscodeCheckbox;
    cb.addEventListener('change', () => {
      ui.modelDirs = cb.checked ? [...new Set([...ui.modelDirs, m.dir])] : ui.modelDirs.filter((d) => d !== m.dir);
      saveUi();
    });
    box.append(cb);
  }
}

function renderChart(): void {
  chart?.destroy();
  chart = null;
  if (!state || state.series.length === 0) return;
  const T = Math.max(...state.series.map((s) => s.flow.position));
  const x = Array.from({ length: T + 1 }, (_, d) => d);
  const series: uPlot.Series[] = [{ label: 'distance T − t' }];
  const data: (number | null)[][] = [];
  const dashes = [undefined, [8, 4], [2, 3], [12, 4, 2, 4]];
  state.series.forEach((s, mi) => {
    s.flow.norms.forEach((norms, layer) => {
      const p = s.flow.position;
      // norms[t] for t = 0 … T, plotted against d = T − t as log10: vanishing gradients reach
      // 1e-24 and below, under what uPlot's own log scale can tick. Zeros cannot be shown.
      data.push(x.map((d) => {
        const v = d <= p ? norms[p - d] : undefined;
        return v !== undefined && v !== null && Number.isFinite(v) && v > 0 ? Math.log10(v) : null;
      }));
      series.push({
        label: `${s.model.name} (${s.model.cell.toUpperCase()}) layer ${layer + 1}`,
        stroke: theme.series[mi % theme.series.length]!,
        width: 2,
        dash: dashes[layer % dashes.length],
        spanGaps: false,
        value: (_u, v) => (v === null ? '—' : formatNumber(10 ** v)),
      });
    });
  });
  chart = new uPlot(
    {
      width: widthOf(chartEl),
      height: HEIGHT,
      scales: { x: { time: false }, y: {} },
      axes: [
        axis(theme, { label: 'distance T − t (tokens back)' }),
        axis(theme, { label: '‖∂L⟨T⟩/∂a⟨t⟩‖ (log scale)', size: 70, incrs: [1, 2, 5, 10, 20], values: (_u, s) => s.map((v) => (Number.isInteger(v) ? `1e${v}` : '')) }),
      ],
      series,
    },
    [x, ...data] as uPlot.AlignedData,
    chartEl,
  );
}

followWidth(chartEl, () => chart, HEIGHT);

positionInput.addEventListener('input', () => {
  ui.position = Number(positionInput.value);
  saveUi();
  positionLabel();
});
computeBtn.addEventListener('click', () => {
  if (ui.modelDirs.length === 0) return page.showMessage('Choose at least one model.', true);
  page.post({ type: 'gradients/compute', modelDirs: ui.modelDirs, position: Number(positionInput.value) });
});

/** Which text and position the curves on the chart were computed from (the slider may have moved on). */
function usedLine(m: GradientsStateMessage): string {
  const at = `position T = ${m.position} (token “${visibleChar(m.tokens[m.position] ?? '')}”) of ${m.tokens.length} tokens`;
  return `Computed at ${at}, over ${m.source ?? `a text of ${m.text.length} characters`}.${taskNote(m)}`;
}

/** What L⟨T⟩ is for the task models on the chart (a language model's is −log p of token T + 1). */
function taskNote(m: GradientsStateMessage): string {
  const named = (tasks: string[]) => m.series.filter((s) => s.model.task && tasks.includes(s.model.task)).map((s) => s.model.name);
  const whole = named(['classify', 'seq2seq']);
  const tag = named(['tag']);
  return (whole.length ? ` ${whole.join(', ')}: L is −log p of the model's answer (the predicted label, or the output) after the whole text, so T is its last token.` : '') +
    (tag.length ? ` ${tag.join(', ')}: L⟨T⟩ is −log p of the tag predicted for token T.` : '');
}

page.start({
  onMessage(m) {
    switch (m.type) {
      case 'gradients/state':
        state = m;
        page.hideMessage();
        ui.modelDirs = m.series.length > 0 ? m.series.map((s) => s.model.dir) : ui.modelDirs;
        ui.position = m.position;
        ui.text = m.text;
        saveUi();
        positionInput.max = String(Math.max(0, m.tokens.length - 1));
        positionInput.value = String(m.position);
        renderModels();
        positionLabel();
        byId('used').textContent = usedLine(m);
        renderChart();
        break;
      case 'gradients/busy':
        page.showMessage('Computing gradients…', false);
        break;
    }
  },
  onTheme(colors) {
    theme = colors;
    renderChart();
  },
});
