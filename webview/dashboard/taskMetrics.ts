// The dashboard's section for task runs: each metric over steps (accuracy, macroF1 … on [0, 1],
// with the validation loss on its own axis) and the confusion matrix of the latest evaluation.

import uPlot from 'uplot';
import type { RunSeries } from '../../src/protocol/runSeries.js';
import { hasTaskMetrics, type TaskSeries } from '../../src/protocol/taskSeries.js';
import { alignSeries, axis, followWidth, widthOf } from '../common/chart.js';
import { formatNumber, h } from '../common/dom.js';
import type { ThemeColors } from '../common/theme.js';

const HEIGHT = 220;
/** Metrics that are not shares of [0, 1]: perplexity is exp(validation loss), which the chart draws already. */
const OFF_CHART = new Set(['perplexity']);

export interface TaskMetricsView {
  /** The section, hidden until a task run has evaluated. */
  element: HTMLElement;
  /** Redraws from the task series and the run's validation losses (null hides the section). */
  update(task: TaskSeries | null | undefined, series: RunSeries, theme: ThemeColors): void;
}

export function createTaskMetricsView(): TaskMetricsView {
  const chartEl = h('div', { id: 'task-chart', class: 'chart' });
  const confusionEl = h('div', { id: 'confusion', class: 'confusion' });
  const element = h('section', { id: 'task-metrics', hidden: true },
    h('h2', {}, 'Task metrics'), chartEl,
    h('h3', { id: 'confusion-title' }, 'Confusion matrix'), confusionEl);
  let chart: uPlot | null = null;
  let shape = '';
  followWidth(chartEl, () => chart, HEIGHT);

  function draw(task: TaskSeries, series: RunSeries, theme: ThemeColors): void {
    const names = Object.keys(task.metrics).filter((n) => !OFF_CHART.has(n));
    const data = alignSeries([
      ...names.map((n) => ({ x: task.step, y: task.metrics[n]! })),
      { x: series.valStep, y: series.valLoss },
    ]);
    const key = JSON.stringify([names, theme.series[0], theme.dark]);
    if (chart && key === shape) {
      chart.setData(data);
    } else {
      chart?.destroy();
      chart = new uPlot({
        width: widthOf(chartEl),
        height: HEIGHT,
        scales: { x: { time: false }, y: { range: [0, 1] }, loss: {} },
        axes: [
          axis(theme, { label: 'step' }),
          axis(theme, { label: 'metric', size: 50 }),
          axis(theme, { scale: 'loss', side: 1, label: 'validation loss', size: 60, grid: { show: false } }),
        ],
        series: [
          { label: 'step' },
          ...names.map((n, i) => ({ label: n, stroke: theme.series[i % theme.series.length]!, width: 2, spanGaps: true, points: { show: true, size: 5 }, value: (_u: uPlot, v: number | null) => (v === null ? '—' : formatNumber(v, 4)) })),
          { label: 'validation loss', scale: 'loss', stroke: theme.muted, width: 1.5, dash: [4, 3], spanGaps: true, value: (_u: uPlot, v: number | null) => (v === null ? '—' : formatNumber(v, 4)) },
        ],
      }, data, chartEl);
      shape = key;
    }
    chartEl.dataset.metrics = names.join(',');
    chartEl.dataset.points = String(task.step.length);
  }

  function drawConfusion(task: TaskSeries, theme: ThemeColors): void {
    const m = task.confusion;
    byTitle(element).hidden = !m;
    confusionEl.replaceChildren();
    if (!m) return;
    const labels = task.labels && task.labels.length === m.length ? task.labels : m.map((_, k) => `class ${k + 1}`);
    const max = Math.max(1, ...m.flat());
    const table = h('table', { id: 'confusion-table', 'aria-label': `Confusion matrix at step ${task.confusionStep}: rows are the true label, columns the predicted one` });
    table.append(h('tr', {}, h('th', { class: 'muted' }, 'true \\ predicted'), ...labels.map((l) => h('th', {}, l))));
    m.forEach((row, i) => {
      const total = row.reduce((a, b) => a + b, 0);
      table.append(h('tr', {}, h('th', {}, labels[i]!), ...row.map((count, j) => {
        const cell = h('td', { title: `${count} of ${total} “${labels[i]}” predicted “${labels[j]}”`, 'data-count': count }, String(count));
        // Shade by count; the diagonal (right answers) in the accent colour, mistakes in the error colour.
        cell.style.background = mix(i === j ? theme.accent : theme.error, count / max);
        return cell;
      })));
    });
    confusionEl.append(table, h('p', { class: 'muted' }, `Validation set at step ${task.confusionStep}: rows are the true label, columns the predicted one.`));
  }

  return {
    element,
    update(task, series, theme) {
      element.hidden = !hasTaskMetrics(task);
      if (!hasTaskMetrics(task)) return;
      draw(task, series, theme);
      drawConfusion(task, theme);
    },
  };
}

const byTitle = (section: HTMLElement) => section.querySelector<HTMLElement>('#confusion-title')!;

/** `color` (#rrggbb) at `share` of full strength, as a translucent background. */
function mix(color: string, share: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  const alpha = (0.08 + 0.6 * share).toFixed(3);
  return m ? `rgba(${parseInt(m[1]!, 16)},${parseInt(m[2]!, 16)},${parseInt(m[3]!, 16)},${alpha})` : color;
}
