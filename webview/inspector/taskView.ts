// What a task model's inspection adds above the gate heatmaps: a classifier's answer, its
// probabilities step by step and the tokens coloured by saliency; a tagger's tag per token with
// the runners-up; a seq2seq model's output, its source × output saliency map and, when it attends, its attention weights.

import uPlot from 'uplot';
import type { ClassifyInspection, InspectResult, Seq2seqInspection, TagInspection } from '../../src/engine/types.js';
import { axis, followWidth, widthOf } from '../common/chart.js';
import { colorFor, textColorOn } from '../common/colorScales.js';
import { formatNumber, h, visibleChar } from '../common/dom.js';
import type { ThemeColors } from '../common/theme.js';

export interface TaskShown {
  text: string;
  result: InspectResult;
}

/** Places the shared tooltip next to the mouse (kept inside the window). */
export function placeTooltip(tooltip: HTMLElement, e: MouseEvent): void {
  tooltip.hidden = false;
  const x = Math.min(e.clientX + 14, window.innerWidth - tooltip.offsetWidth - 8);
  const y = e.clientY + 16 + tooltip.offsetHeight > window.innerHeight ? e.clientY - tooltip.offsetHeight - 8 : e.clientY + 16;
  tooltip.style.left = `${x}px`;
  tooltip.style.top = `${y}px`;
}

const percent = (p: number) => `${(p * 100).toFixed(1)}%`;
const finiteMax = (xs: Iterable<number>) => {
  let m = 0;
  for (const x of xs) if (Number.isFinite(x) && x > m) m = x;
  return m;
};

/** A bar as long as the probability (set through CSSOM: the page's CSP refuses style attributes). */
function probBar(p: number): HTMLElement {
  const bar = h('span', { class: 'prob-bar' });
  bar.style.width = `${Math.round(p * 120)}px`;
  return bar;
}

/** Indices of `row` by decreasing value. */
const ranked = (row: readonly number[]) => row.map((_, i) => i).sort((a, b) => row[b]! - row[a]!);

/** A colour bar from 0 to `max` on the magnitude scale, with its end values. */
function magnitudeLegend(id: string, label: string, max: number): HTMLElement {
  const c = h('canvas', { class: 'legend-bar', width: 120, height: 10, 'data-scale': 'magnitude' });
  const ctx = c.getContext('2d')!;
  for (let x = 0; x < 120; x++) {
    ctx.fillStyle = colorFor('magnitude', x / 119);
    ctx.fillRect(x, 0, 1, 10);
  }
  return h('span', { class: 'row', id }, h('span', { class: 'muted' }, `${label} 0`), c, h('span', { class: 'muted' }, formatNumber(max)));
}

/** The task part of the inspector; `redraw` repaints after a theme change. */
export interface TaskView {
  redraw(theme: ThemeColors): void;
  dispose(): void;
}

export function renderTaskView(box: HTMLElement, shown: TaskShown, theme: ThemeColors, tooltip: HTMLElement): TaskView | null {
  box.replaceChildren();
  const task = shown.result.task;
  if (!task) return null;
  if (task.task === 'classify') return classifyView(box, shown, task, theme, tooltip);
  if (task.task === 'tag') return tagView(box, shown, task);
  return seq2seqView(box, shown, task, theme, tooltip);
}

// ─── classify ───────────────────────────────────────────────────────────────────────────

const CHART_HEIGHT = 200;

function classifyView(box: HTMLElement, shown: TaskShown, c: ClassifyInspection, theme: ThemeColors, tooltip: HTMLElement): TaskView {
  const r = shown.result;
  const order = ranked(c.probabilities);
  const max = finiteMax(c.saliency);
  const probs = h('table', { id: 'class-probs', class: 'probs' }, ...order.map((k) =>
    h('tr', { 'data-label': c.labels[k]!, class: k === c.predicted ? 'predicted' : undefined },
      h('td', {}, c.labels[k]!),
      h('td', {}, probBar(c.probabilities[k]!)),
      h('td', { class: 'num' }, percent(c.probabilities[k]!)))));
  const text = h('div', { id: 'saliency-text', class: 'colored-text', tabindex: 0 });
  for (let t = 0; t < r.tokens.length; t++) {
    const end = r.offsets[t + 1] ?? shown.text.length;
    const span = h('span', { class: 'tok', 'data-t': t, 'data-saliency': c.saliency[t]! }, shown.text.slice(r.offsets[t]!, end) || r.tokens[t]!);
    const bg = colorFor('magnitude', max > 0 ? c.saliency[t]! / max : 0);
    span.style.backgroundColor = bg;
    span.style.color = textColorOn(bg);
    text.append(span);
  }
  const chartEl = h('div', { id: 'step-chart', class: 'chart', 'data-series': c.labels.length });
  box.append(
    h('h2', { id: 'task-answer' }, 'Predicted: ', h('b', { id: 'predicted-label' }, c.labels[c.predicted]!), ` · ${percent(c.probabilities[c.predicted]!)}`),
    probs,
    h('h3', {}, 'Which words moved the decision'),
    h('div', { class: 'row muted' }, `Each token coloured by ‖∂ log p(${c.labels[c.predicted]})/∂x⟨t⟩‖, the gradient of the answer's log probability with respect to its input. Hover for the value and what the model would answer had the text stopped there.`),
    magnitudeLegend('saliency-legend', '‖∂ log p/∂x⟨t⟩‖', max),
    text,
    h('h3', {}, 'Class probabilities after each token'),
    chartEl,
  );
  text.addEventListener('mousemove', (e) => {
    const span = (e.target as HTMLElement).closest<HTMLElement>('span.tok');
    if (!span) return void (tooltip.hidden = true);
    const t = Number(span.dataset.t);
    const row = c.stepProbabilities[t]!;
    tooltip.replaceChildren(
      h('div', {}, h('b', {}, `“${visibleChar(r.tokens[t]!)}”`), ` · step ${t}`),
      h('div', {}, `‖∂ log p(${c.labels[c.predicted]})/∂x⟨t⟩‖ = ${formatNumber(c.saliency[t]!)}`),
      h('div', { class: 'muted' }, 'Had the text stopped here:'),
      h('table', {}, ...ranked(row).slice(0, 5).map((k) => h('tr', {}, h('td', {}, c.labels[k]!), h('td', {}, percent(row[k]!))))),
    );
    placeTooltip(tooltip, e);
  });
  text.addEventListener('mouseleave', () => (tooltip.hidden = true));

  let chart: uPlot | null = null;
  const draw = (th: ThemeColors) => {
    chart?.destroy();
    const x = r.tokens.map((_, t) => t);
    const series: uPlot.Series[] = [{ label: 'step', value: (_u, v) => (v === null ? '—' : `${v} “${visibleChar(r.tokens[v] ?? '')}”`) }];
    c.labels.forEach((label, k) => series.push({ label, stroke: th.series[k % th.series.length]!, width: k === c.predicted ? 2.5 : 1.5, value: (_u, v) => (v === null ? '—' : percent(v)) }));
    chart = new uPlot(
      {
        width: widthOf(chartEl),
        height: CHART_HEIGHT,
        scales: { x: { time: false }, y: { range: [0, 1] } },
        axes: [axis(th, { label: 'after token t' }), axis(th, { label: 'p(label)', size: 50, values: (_u, s) => s.map((v) => `${Math.round(v * 100)}%`) })],
        series,
      },
      [x, ...c.labels.map((_, k) => c.stepProbabilities.map((row) => row[k]!))] as uPlot.AlignedData,
      chartEl,
    );
  };
  draw(theme);
  followWidth(chartEl, () => chart, CHART_HEIGHT);
  return { redraw: draw, dispose: () => chart?.destroy() };
}

// ─── tag ────────────────────────────────────────────────────────────────────────────────

/** Runners-up shown beside each token's tag. */
const RUNNERS_UP = 2;

function tagView(box: HTMLElement, shown: TaskShown, t: TagInspection): TaskView {
  const r = shown.result;
  const rows = r.tokens.map((token, i) => {
    const row = t.probabilities[i]!;
    const p = t.predicted[i]!;
    const others = ranked(row).filter((k) => k !== p).slice(0, RUNNERS_UP);
    return h('tr', { 'data-t': i },
      h('td', { class: 'mono' }, visibleChar(token)),
      h('td', { class: 'tag' }, h('b', {}, t.tags[p]!)),
      h('td', { class: 'num' }, percent(row[p]!)),
      h('td', { class: 'muted' }, others.map((k) => `${t.tags[k]} ${percent(row[k]!)}`).join(' · ')));
  });
  box.append(
    h('h2', { id: 'task-answer' }, `Tags of ${r.tokens.length} tokens`),
    h('table', { id: 'tag-table', class: 'probs' },
      h('thead', {}, h('tr', {}, h('th', {}, 'token'), h('th', {}, 'tag'), h('th', {}, 'p'), h('th', {}, 'runners-up'))),
      h('tbody', {}, ...rows)),
  );
  return { redraw: () => undefined, dispose: () => undefined };
}

// ─── seq2seq ────────────────────────────────────────────────────────────────────────────

const CELL = 14;
const LABEL_W = 56;
const AXIS_H = 16;

/**
 * m[j][i] as a grid, output tokens down the side, source tokens along the bottom. `perRow`
 * scales each row by its own largest value (saliency: rows differ by orders of magnitude along
 * the output); otherwise the colour is the value itself in [0, 1] (attention weights).
 */
function drawTokenMap(canvas: HTMLCanvasElement, m: readonly (readonly number[])[], perRow: boolean, source: readonly string[], output: readonly string[], theme: ThemeColors): void {
  const rows = m.length;
  const cols = source.length;
  const w = LABEL_W + cols * CELL;
  const hgt = rows * CELL + AXIS_H;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = w * dpr;
  canvas.height = hgt * dpr;
  canvas.style.width = `${w}px`;
  canvas.style.height = `${hgt}px`;
  canvas.dataset.rows = String(rows);
  canvas.dataset.cols = String(cols);
  const ctx = canvas.getContext('2d')!;
  ctx.scale(dpr, dpr);
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, w, hgt);
  ctx.font = '10px var(--vscode-editor-font-family, monospace)';
  ctx.textBaseline = 'middle';
  for (let j = 0; j < rows; j++) {
    const row = m[j]!;
    const scale = perRow ? finiteMax(row) : 1;
    for (let i = 0; i < cols; i++) {
      ctx.fillStyle = colorFor('magnitude', scale > 0 ? Math.min(1, row[i]! / scale) : 0);
      ctx.fillRect(LABEL_W + i * CELL, j * CELL, CELL - 1, CELL - 1);
    }
    ctx.fillStyle = theme.foreground;
    ctx.textAlign = 'right';
    ctx.fillText(visibleChar(output[j] ?? '').slice(0, 8), LABEL_W - 4, j * CELL + CELL / 2);
  }
  ctx.textAlign = 'center';
  for (let i = 0; i < cols; i++) ctx.fillText(visibleChar(source[i] ?? '').slice(0, 2), LABEL_W + i * CELL + CELL / 2, rows * CELL + AXIS_H / 2);
}

/** Hover on a token map: which output and source tokens, and the value `describe` writes for them. */
function hoverMap(canvas: HTMLCanvasElement, rows: number, source: readonly string[], output: readonly string[], tooltip: HTMLElement, describe: (j: number, i: number) => string): void {
  canvas.addEventListener('mousemove', (e) => {
    const b = canvas.getBoundingClientRect();
    const i = Math.floor((e.clientX - b.left - LABEL_W) / CELL);
    const j = Math.floor((e.clientY - b.top) / CELL);
    if (i < 0 || i >= source.length || j < 0 || j >= rows) return void (tooltip.hidden = true);
    tooltip.replaceChildren(h('div', {}, `output ${j} “${visibleChar(output[j] ?? '')}” · source ${i} “${visibleChar(source[i]!)}”`), h('div', {}, describe(j, i)));
    placeTooltip(tooltip, e);
  });
  canvas.addEventListener('mouseleave', () => (tooltip.hidden = true));
}

function seq2seqView(box: HTMLElement, shown: TaskShown, s: Seq2seqInspection, theme: ThemeColors, tooltip: HTMLElement): TaskView {
  const r = shown.result;
  const output = r.decoderTokens ?? [];
  const canvas = h('canvas', { id: 'saliency-map', class: 'saliency-map', role: 'img', 'aria-label': 'Saliency of each source token for each output token' });
  box.append(
    h('h2', { id: 'task-answer' }, 'Output: ', h('span', { id: 'seq2seq-output', class: 'mono' }, s.output)),
    h('h3', {}, 'Which source tokens each output token read'),
    h('div', { class: 'row muted' }, 'Row j, column i: ‖∂ log p(y⟨j⟩)/∂x⟨i⟩‖, how strongly source token i moved output token j; each row scaled to its largest value. Hover for the values.'),
    magnitudeLegend('saliency-legend', 'share of the row\'s largest', 1),
    h('div', { class: 'gate-grid' }, canvas),
  );
  drawTokenMap(canvas, s.saliency, true, r.tokens, output, theme);
  hoverMap(canvas, s.saliency.length, r.tokens, output, tooltip, (j, i) => `‖∂ log p(y⟨${j}⟩)/∂x⟨${i}⟩‖ = ${formatNumber(s.saliency[j]![i]!)}`);
  const attention = s.attention;
  let attentionCanvas: HTMLCanvasElement | null = null;
  if (attention) {
    attentionCanvas = h('canvas', { id: 'attention-map', class: 'saliency-map', role: 'img', 'aria-label': 'Attention weight of each source token at each output step' });
    box.append(
      h('h3', {}, 'Where the decoder attended'),
      h('div', { class: 'row muted' }, 'Row j, column i: α⟨j,i⟩, the attention weight output step j gave source token i (each row sums to 1). Hover for the values.'),
      magnitudeLegend('attention-legend', 'α⟨j,i⟩', 1),
      h('div', { class: 'gate-grid' }, attentionCanvas),
    );
    drawTokenMap(attentionCanvas, attention, false, r.tokens, output, theme);
    hoverMap(attentionCanvas, attention.length, r.tokens, output, tooltip, (j, i) => `α⟨${j},${i}⟩ = ${formatNumber(attention[j]![i]!)}`);
  }
  return {
    redraw: (th) => {
      drawTokenMap(canvas, s.saliency, true, r.tokens, output, th);
      if (attentionCanvas && attention) drawTokenMap(attentionCanvas, attention, false, r.tokens, output, th);
    },
    dispose: () => undefined,
  };
}
