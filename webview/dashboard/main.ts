// Training dashboard webview: loss and gradient-norm charts, run header, samples and training
// controls, fed by trainer events relayed by the extension host.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import type { VscodeProgressBar } from '@vscode-elements/elements/dist/vscode-progress-bar/vscode-progress-bar.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import uPlot from 'uplot';
import { appendEvent, downsampleIndices, emptySeries, type OverlayRun, type RunSeries } from '../../src/protocol/runSeries.js';
import { isObject } from '../../src/protocol/guards.js';
import { formatCount } from '../../src/protocol/labels.js';
import {
  HOST_TO_DASHBOARD,
  type HostToDashboard,
  type DashboardToHost,
  type DashboardSnapshot,
  type TrainingAction,
  type TrainingStatus,
} from '../../src/protocol/webview.js';
import type { StartEvent, TrainerEvent } from '../../src/training/events.js';
import { alignSeries, axis, followWidth, widthOf, type XYSeries } from '../common/chart.js';
import { byId, formatDuration, formatNumber, h } from '../common/dom.js';
import { runProgress } from '../../src/protocol/runProgress.js';
import { emaDebiased } from '../common/smoothing.js';
import { openPanelPage } from '../common/panelPage.js';
import type { ThemeColors } from '../common/theme.js';
import { nextTaskSeries } from '../../src/protocol/taskSeries.js';
import { createTaskMetricsView } from './taskMetrics.js';

type XAxis = 'step' | 'time' | 'tokens';

interface UiState {
  smoothing: number;
  xAxis: XAxis;
  log: boolean;
  temperature: number;
  /** Overlays ticked for the model shown. */
  overlays: string[];
  /** Overlays ticked for other models, by folder, restored when the dashboard shows them again. */
  overlaysByModel?: Record<string, string[]>;
  /** The model shown, so the host can restore the panel after a window reload. */
  modelDir?: string | null;
}

const isUiState = (v: unknown): v is UiState =>
  isObject(v) && typeof v.smoothing === 'number' && ['step', 'time', 'tokens'].includes(v.xAxis as string) &&
  typeof v.log === 'boolean' && typeof v.temperature === 'number' && Array.isArray(v.overlays);

const page = openPanelPage<HostToDashboard, DashboardToHost, UiState>(HOST_TO_DASHBOARD, isUiState, { smoothing: 0.6, xAxis: 'step', log: false, temperature: 0.8, overlays: [] });
const { ui, saveUi } = page;

let snap: DashboardSnapshot = {
  model: null, status: 'idle', start: null, lastStep: null, lastEval: null, done: null,
  series: emptySeries(), samples: [], nans: [], overlays: [],
};
let lastCheckpoint = '';
let theme: ThemeColors = page.theme;

// ─── layout ─────────────────────────────────────────────────────────────────────────────

const LOSS_HEIGHT = 280;
const GRAD_HEIGHT = 200;

const app = byId('app');
const button = (id: string, label: string, secondary = true) => {
  const b = h('vscode-button', { id, secondary }) as VscodeButton;
  b.textContent = label;
  return b;
};
const stopBtn = button('stop', 'Stop', false);
const pauseBtn = button('pause', 'Pause');
const checkpointBtn = button('checkpoint', 'Save checkpoint now');
const sampleBtn = button('sample-now', 'Sample now');
const csvBtn = button('save-csv', 'Save series as CSV…');
const jsonBtn = button('save-json', 'Save series as JSON…');
const tempInput = h('input', { type: 'range', id: 'temperature', min: 0, max: 2, step: 0.05, value: ui.temperature, 'aria-label': 'Sampling temperature' });
const tempValue = h('span', { id: 'temperature-value' });
const smoothInput = h('input', { type: 'range', id: 'smoothing', min: 0, max: 0.99, step: 0.01, value: ui.smoothing, 'aria-label': 'Smoothing' });
const smoothValue = h('span', { id: 'smoothing-value' });
const xSelect = h('vscode-single-select', { id: 'x-axis', 'aria-label': 'X axis' }) as VscodeSingleSelect;
for (const [v, label] of [['step', 'Step'], ['time', 'Relative time'], ['tokens', 'Tokens seen']] as const) {
  xSelect.append(h('vscode-option', { value: v, selected: ui.xAxis === v }, label));
}
const logBox = h('vscode-checkbox', { id: 'log-scale', label: 'Log scale', checked: ui.log }) as VscodeCheckbox;
const progress = h('vscode-progress-bar', { id: 'progress', class: 'progress', 'aria-label': 'Training progress' }) as VscodeProgressBar;
const lossEl = h('div', { id: 'loss-chart', class: 'chart' });
const gradEl = h('div', { id: 'grad-chart', class: 'chart' });
const taskView = createTaskMetricsView();

// The page's HTML showed the heading and a loading line until now.
app.replaceChildren();
app.append(
  h('h1', { id: 'title' }, 'Training dashboard'),
  page.messageBox,
  h('div', { id: 'stats', class: 'stats' }),
  h('div', { class: 'row' }, progress, h('span', { id: 'progress-label', class: 'muted' }), h('span', { id: 'eta', class: 'muted' })),
  h('div', { class: 'row', id: 'controls' }, stopBtn, pauseBtn, checkpointBtn, sampleBtn,
    h('label', { class: 'inline' }, 'Temperature', tempInput, tempValue), h('span', { id: 'control-status', class: 'muted' })),
  h('h2', {}, 'Loss'),
  h('div', { class: 'row' }, h('label', { class: 'inline' }, 'Smoothing', smoothInput, smoothValue), h('label', { class: 'inline' }, 'X axis', xSelect), logBox, csvBtn, jsonBtn),
  h('div', { id: 'overlays', class: 'overlays' }),
  lossEl,
  taskView.element,
  h('h2', {}, 'Gradient norm and learning rate'),
  gradEl,
  h('ul', { id: 'nan-list', class: 'nan-list' }),
  h('h2', {}, 'Samples'),
  h('ul', { id: 'samples', class: 'samples' }),
);

// ─── controls ───────────────────────────────────────────────────────────────────────────

const control = (action: TrainingAction) =>
  page.post(action === 'sample' || action === 'temperature' ? { type: 'dashboard/control', action, temperature: ui.temperature } : { type: 'dashboard/control', action });
stopBtn.addEventListener('click', () => control('stop'));
pauseBtn.addEventListener('click', () => control(snap.status === 'paused' ? 'resume' : 'pause'));
checkpointBtn.addEventListener('click', () => control('checkpoint'));
sampleBtn.addEventListener('click', () => control('sample'));
// The host asks where to save and writes the run at full resolution (the chart's copy is downsampled).
csvBtn.addEventListener('click', () => page.post({ type: 'dashboard/export', format: 'csv' }));
jsonBtn.addEventListener('click', () => page.post({ type: 'dashboard/export', format: 'json' }));
tempInput.addEventListener('input', () => {
  ui.temperature = Number(tempInput.value);
  tempValue.textContent = ui.temperature.toFixed(2);
  saveUi();
});
// The periodic samples follow the slider once it is released (not on every pixel of a drag).
tempInput.addEventListener('change', () => control('temperature'));
smoothInput.addEventListener('input', () => {
  ui.smoothing = Number(smoothInput.value);
  smoothValue.textContent = ui.smoothing.toFixed(2);
  saveUi();
  scheduleCharts();
});
xSelect.addEventListener('change', () => {
  ui.xAxis = xSelect.value as XAxis;
  saveUi();
  rebuildCharts();
});
logBox.addEventListener('change', () => {
  ui.log = logBox.checked;
  saveUi();
  rebuildCharts();
});
tempValue.textContent = ui.temperature.toFixed(2);
smoothValue.textContent = ui.smoothing.toFixed(2);

// ─── charts ─────────────────────────────────────────────────────────────────────────────

let lossChart: uPlot | null = null;
let gradChart: uPlot | null = null;
/** Columns last given to the loss chart, so a rebuild is needed only when the series change. */
let lossShape = '';

const xOf = (s: RunSeries, axisKind: XAxis, val: boolean): number[] => {
  if (axisKind === 'step') return val ? s.valStep : s.step;
  if (axisKind === 'tokens') return val ? s.valTokens : s.tokens;
  return (val ? s.valElapsedMs : s.elapsedMs).map((ms) => ms / 1000);
};

/** Downsamples (x, y…) to about one min/max pair per pixel column. */
function thin(x: readonly number[], ys: readonly (readonly number[])[], buckets: number): { x: number[]; ys: number[][] } {
  const idx = downsampleIndices(x.length, ys, buckets);
  return { x: idx.map((i) => x[i]!), ys: ys.map((y) => idx.map((i) => y[i]!)) };
}

const visibleOverlays = (): OverlayRun[] => snap.overlays.filter((o) => ui.overlays.includes(o.id));

interface LossLine { label: string; stroke: string; width: number; dash?: number[]; points?: boolean; alpha?: number }

function lossData(buckets: number): { lines: LossLine[]; series: XYSeries[] } {
  const lines: LossLine[] = [];
  const series: XYSeries[] = [];
  const add = (run: RunSeries, name: string, color: string, main: boolean) => {
    const x = xOf(run, ui.xAxis, false);
    const smoothed = emaDebiased(run.loss, ui.smoothing);
    const t = thin(x, [smoothed, run.loss], buckets);
    if (main && ui.smoothing > 0) {
      lines.push({ label: `${name} train (raw)`, stroke: color, width: 1, alpha: 0.25 });
      series.push({ x: t.x, y: t.ys[1]! });
    }
    lines.push({ label: `${name} train`, stroke: color, width: main ? 2 : 1.5, dash: main ? undefined : [6, 4] });
    series.push({ x: t.x, y: t.ys[0]! });
    const v = thin(xOf(run, ui.xAxis, true), [run.valLoss], buckets);
    lines.push({ label: `${name} validation`, stroke: main ? theme.series[1]! : color, width: 2, dash: main ? undefined : [2, 3], points: true });
    series.push({ x: v.x, y: v.ys[0]! });
  };
  add(snap.series, snap.model?.name ?? 'this run', theme.series[0]!, true);
  visibleOverlays().forEach((o, i) => add(o.series, o.label, theme.series[(i + 2) % theme.series.length]!, false));
  return { lines, series };
}

const xLabel = () => (ui.xAxis === 'step' ? 'step' : ui.xAxis === 'tokens' ? 'tokens seen' : 'time');
const xValues = (_u: uPlot, splits: number[]) =>
  splits.map((v) => (ui.xAxis === 'time' ? formatDuration(v * 1000) : ui.xAxis === 'tokens' ? formatCount(v) : String(Math.round(v))));

const withAlpha = (color: string, alpha: number) => {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  return m ? `rgba(${parseInt(m[1]!, 16)},${parseInt(m[2]!, 16)},${parseInt(m[3]!, 16)},${alpha})` : color;
};

/** Vertical lines at NaN steps, drawn after the series so they stay visible. */
function nanMarkers(u: uPlot): void {
  if (snap.nans.length === 0) return;
  const ctx = u.ctx;
  ctx.save();
  ctx.strokeStyle = theme.error;
  ctx.fillStyle = theme.error;
  ctx.lineWidth = 2 * uPlot.pxRatio;
  ctx.setLineDash([4 * uPlot.pxRatio, 3 * uPlot.pxRatio]);
  ctx.font = `${11 * uPlot.pxRatio}px sans-serif`;
  for (const n of snap.nans) {
    const x = nanX(n.step);
    if (x === null) continue;
    const px = Math.round(u.valToPos(x, 'x', true));
    ctx.beginPath();
    ctx.moveTo(px, u.bbox.top);
    ctx.lineTo(px, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.fillText(`NaN @ ${n.step}`, px + 4 * uPlot.pxRatio, u.bbox.top + 12 * uPlot.pxRatio);
  }
  ctx.restore();
}

function nanX(step: number): number | null {
  const s = snap.series;
  if (ui.xAxis === 'step') return step;
  let i = s.step.findIndex((v) => v >= step);
  if (i < 0) i = s.step.length - 1;
  if (i < 0) return null;
  return ui.xAxis === 'tokens' ? s.tokens[i]! : s.elapsedMs[i]! / 1000;
}

/** Start of the current redraw; the draw hook publishes the time it took (for the perf test). */
const drawStart = { t: 0 };
let draws = 0;
function drawn(): void {
  lossEl.dataset.drawMs = (performance.now() - drawStart.t).toFixed(2);
  lossEl.dataset.draws = String(++draws);
  lossEl.dataset.points = String(snap.series.step.length);
}

function buildLossChart(lines: LossLine[], data: uPlot.AlignedData): void {
  lossChart?.destroy();
  lossChart = new uPlot(
    {
      width: widthOf(lossEl),
      height: LOSS_HEIGHT,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: { distr: ui.log ? 3 : 1 } },
      axes: [axis(theme, { label: xLabel(), values: xValues }), axis(theme, { label: 'loss (nats/token)', size: 60 })],
      series: [
        { label: xLabel(), value: (_u, v) => (v === null ? '—' : ui.xAxis === 'time' ? formatDuration(v * 1000) : formatCount(v)) },
        ...lines.map((l) => ({
          label: l.label,
          stroke: l.alpha ? withAlpha(l.stroke, l.alpha) : l.stroke,
          width: l.width,
          dash: l.dash,
          spanGaps: true,
          points: { show: l.points ?? false, size: 5 },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : formatNumber(v, 4)),
        })),
      ],
      hooks: { draw: [nanMarkers, drawn] },
    },
    data,
    lossEl,
  );
}

function gradData(buckets: number): uPlot.AlignedData {
  const s = snap.series;
  const t = thin(xOf(s, ui.xAxis, false), [s.gradNorm, s.lr], buckets);
  const clip = snap.start && snap.start.train.clip > 0 && snap.start.train.clipMode === 'norm' ? snap.start.train.clip : null;
  return [t.x, t.ys[0]!.map((v) => (Number.isFinite(v) ? v : null)), t.x.map(() => clip), t.ys[1]!];
}

function buildGradChart(data: uPlot.AlignedData): void {
  gradChart?.destroy();
  gradChart = new uPlot(
    {
      width: widthOf(gradEl),
      height: GRAD_HEIGHT,
      scales: { x: { time: false }, y: { distr: ui.log ? 3 : 1 }, lr: {} },
      axes: [
        axis(theme, { label: xLabel(), values: xValues }),
        axis(theme, { label: 'global grad norm', size: 60 }),
        axis(theme, { scale: 'lr', side: 1, label: 'learning rate', size: 70, grid: { show: false }, values: (_u, s) => s.map((v) => v.toExponential(1)) }),
      ],
      series: [
        { label: xLabel() },
        { label: 'grad norm (before clipping)', stroke: theme.series[0]!, width: 1.5, spanGaps: true, value: (_u, v) => (v === null ? '—' : formatNumber(v)) },
        { label: 'clip threshold', stroke: theme.error, width: 1, dash: [6, 4], points: { show: false }, value: (_u, v) => (v === null ? '—' : formatNumber(v)) },
        { label: 'learning rate', scale: 'lr', stroke: theme.series[2]!, width: 1.5, points: { show: false }, value: (_u, v) => (v === null ? '—' : v.toExponential(2)) },
      ],
      hooks: { draw: [nanMarkers] },
    },
    data,
    gradEl,
  );
}

function rebuildCharts(): void {
  lossShape = '';
  drawCharts();
}

/** Recomputes chart data (smoothing, downsampling) and redraws; rebuilds only when needed. */
function drawCharts(): void {
  drawStart.t = performance.now();
  const buckets = Math.max(100, widthOf(lossEl));
  const { lines, series } = lossData(buckets);
  const data = alignSeries(series);
  const shape = JSON.stringify([lines.map((l) => l.label), ui.log, ui.xAxis, theme.series[0]]);
  if (shape !== lossShape || !lossChart) {
    buildLossChart(lines, data);
    buildGradChart(gradData(buckets));
    lossShape = shape;
  } else {
    lossChart.setData(data);
    gradChart?.setData(gradData(buckets));
  }
  taskView.update(snap.task, snap.series, theme);
}

let chartsPending = false;
function scheduleCharts(): void {
  if (chartsPending) return;
  chartsPending = true;
  requestAnimationFrame(() => {
    chartsPending = false;
    drawCharts();
  });
}

followWidth(lossEl, () => lossChart, LOSS_HEIGHT);
followWidth(gradEl, () => gradChart, GRAD_HEIGHT);

// ─── header, samples, overlays ──────────────────────────────────────────────────────────

function stat(label: string, value: string, id: string): HTMLElement {
  return h('span', { class: 'stat', id }, h('span', { class: 'muted' }, label), h('b', {}, value));
}

/** native (the C++ addon over OpenBLAS), else the TensorFlow.js backend the portable cells run on: wasm or cpu. */
/** "native ×2": the kernel path (the backend when portable) and the engines per step. */
const kernelsLabel = (s: StartEvent): string => `${s.compute?.kernels === 'native' ? 'native' : s.backend}${(s.compute?.workers ?? 1) > 1 ? ` ×${s.compute!.workers}` : ''}`;

function renderHeader(): void {
  const s = snap.start;
  const last = snap.lastStep;
  byId('title').textContent = snap.model ? `Training dashboard — ${snap.model.name}` : 'Training dashboard';
  const stats = byId('stats');
  stats.replaceChildren();
  if (!s) {
    stats.append(h('span', { class: 'muted', id: 'empty' }, snap.series.step.length > 0
      ? 'Not training now: the chart shows the last run recorded in the model folder.'
      : 'No training run yet. Run “RNN Lab: Train Model on Active File…” to start one.'));
  } else {
    const n = s.network;
    stats.append(
      stat('Cell', n.cell.toUpperCase(), 'stat-cell'),
      stat('Layers × units', `${n.layers} × ${n.units}`, 'stat-size'),
      stat('Parameters', formatCount(s.parameters), 'stat-params'),
      stat('Kernels', kernelsLabel(s), 'stat-kernels'),
      stat('Tokens/s', last ? formatCount(last.tokensPerSecond) : '—', 'stat-speed'),
      stat('Step', last ? String(last.step) : String(s.startStep), 'stat-step'),
      stat('Loss', last ? formatNumber(last.loss) : '—', 'stat-loss'),
      stat('Val loss', snap.lastEval ? `${formatNumber(snap.lastEval.valLoss)} (${formatNumber(snap.lastEval.valBitsPerToken)} bits)` : '—', 'stat-val'),
      stat('Status', snap.status, 'stat-status'),
    );
  }
  // Progress: overall when the run has a known end, else within the current epoch.
  let fraction: number | null = null;
  let label = '';
  let eta = '';
  if (s && last) {
    // This run's share only: a resumed model's steps and time include its earlier runs.
    const run = runProgress({ ...s, startElapsedMs: s.startElapsedMs ?? 0 }, last);
    const eta_ = run.etaMs === null ? '' : `ETA ${formatDuration(run.etaMs)}`;
    if (s.totalSteps) {
      fraction = run.fraction;
      label = `step ${last.step} of ${s.totalSteps} · epoch ${last.epoch.toFixed(2)}`;
      eta = eta_;
    } else if (run.budgetMs !== null) {
      fraction = run.fraction;
      label = `${formatDuration(run.runMs)} of ${formatDuration(run.budgetMs)} · epoch ${last.epoch.toFixed(2)}`;
      eta = eta_;
    } else {
      fraction = last.epoch - Math.floor(last.epoch);
      label = `epoch ${Math.floor(last.epoch) + 1}: ${Math.round(fraction * 100)}%`;
    }
  }
  if (snap.done) {
    fraction = 1;
    eta = snap.done.message;
  }
  progress.max = 100;
  progress.value = fraction === null ? 0 : Math.max(0, Math.min(100, fraction * 100));
  byId('progress-label').textContent = label;
  byId('eta').textContent = eta;
  // A run that has its done event is over, whatever status message came after it.
  const running = !snap.done && (snap.status === 'running' || snap.status === 'paused');
  // A classifier, tagger or seq2seq run writes no text samples: Sample now has nothing to do.
  const task = snap.start?.task;
  const samples = task === undefined || task === 'lm' || task === 'label-lm';
  for (const b of [stopBtn, pauseBtn, checkpointBtn, sampleBtn]) {
    const off = !running || (b === sampleBtn && !samples);
    b.disabled = off;
    b.setAttribute('aria-disabled', String(off));
    b.title = !running ? (snap.done || snap.status === 'stopped' ? 'The run has stopped.' : 'No run is training.') : off ? `A ${task} run writes no text samples.` : '';
  }
  csvBtn.disabled = jsonBtn.disabled = snap.series.step.length + snap.series.valStep.length === 0;
  // The slider sets the temperature of the run's samples: with no run (or no samples) there is nothing to set.
  tempInput.disabled = !running || !samples;
  pauseBtn.textContent = snap.status === 'paused' ? 'Resume' : 'Pause';
  byId('control-status').textContent = lastCheckpoint;
}

function renderSamples(): void {
  byId('samples').replaceChildren(
    ...snap.samples.map((e) =>
      h('li', e.label !== undefined ? { 'data-label': e.label } : {},
        h('span', { class: 'tag muted' }, `step ${e.step} · temperature ${e.temperature.toFixed(2)}${e.label !== undefined ? ` · label ${e.label}` : ''}`), h('pre', {}, e.text)),
    ),
  );
  byId('nan-list').replaceChildren(
    ...snap.nans.map((n) => h('li', {}, `NaN at step ${n.step}: ${n.message} (last gradient norms: ${n.recentGradNorms.map((g) => formatNumber(g, 2)).join(', ')})`)),
  );
}

function renderOverlays(): void {
  const box = byId('overlays');
  box.replaceChildren();
  if (snap.overlays.length === 0) return;
  box.append(h('span', { class: 'muted' }, 'Overlay:'));
  for (const o of snap.overlays) {
    const cb = h('vscode-checkbox', { label: o.label, 'data-run': o.id, checked: ui.overlays.includes(o.id) }) as VscodeCheckbox;
    cb.addEventListener('change', () => {
      ui.overlays = cb.checked ? [...new Set([...ui.overlays, o.id])] : ui.overlays.filter((id) => id !== o.id);
      saveUi();
      rebuildCharts();
    });
    box.append(cb);
  }
}

// ─── inbound ────────────────────────────────────────────────────────────────────────────

/** Panel state is per model: switching models puts away this one's overlays and messages. */
function showModel(dir: string | null): void {
  lastCheckpoint = '';
  if (dir === (ui.modelDir ?? null)) return;
  const byModel = { ...ui.overlaysByModel };
  if (ui.modelDir) byModel[ui.modelDir] = ui.overlays;
  ui.overlays = (dir && byModel[dir]) || [];
  if (dir) delete byModel[dir];
  ui.overlaysByModel = byModel;
  ui.modelDir = dir;
}

function applyEvent(e: TrainerEvent): { samples: boolean } {
  snap.task = nextTaskSeries(snap.task, e);
  switch (e.event) {
    case 'start':
      snap = { ...snap, start: e, status: 'running', lastStep: null, lastEval: null, done: null, series: emptySeries(), samples: [], nans: [] };
      return { samples: true };
    case 'step':
      snap.lastStep = e;
      appendEvent(snap.series, e);
      return { samples: false };
    case 'eval':
      snap.lastEval = e;
      appendEvent(snap.series, e);
      return { samples: false };
    case 'sample':
      snap.samples.unshift(e);
      if (snap.samples.length > 50) snap.samples.length = 50;
      return { samples: true };
    case 'nan':
      snap.nans.push(e);
      return { samples: true };
    case 'checkpoint':
      lastCheckpoint = `Saved ${e.kind} checkpoint at step ${e.step}.`;
      return { samples: false };
    case 'warning':
      page.showMessage(`Step ${e.step}: ${e.message}`, false);
      return { samples: false };
    case 'done':
      snap.done = e;
      snap.status = 'stopped';
      return { samples: false };
  }
}

renderHeader();
rebuildCharts();

page.start({
  onMessage(m) {
    switch (m.type) {
      case 'dashboard/state':
        snap = m.snapshot;
        showModel(snap.model?.dir ?? null);
        saveUi();
        page.hideMessage();
        renderOverlays();
        renderSamples();
        renderHeader();
        rebuildCharts();
        break;
      case 'dashboard/events': {
        let samples = false;
        for (const e of m.events) samples = applyEvent(e).samples || samples;
        if (samples) renderSamples();
        renderHeader();
        scheduleCharts();
        break;
      }
      case 'dashboard/status':
        // A pause acknowledged while the run was ending arrives after its done event: the run stays stopped.
        if (!snap.done || m.status === 'stopped') snap.status = m.status satisfies TrainingStatus;
        renderHeader();
        break;
    }
  },
  onTheme(colors) {
    theme = colors;
    rebuildCharts();
  },
});
