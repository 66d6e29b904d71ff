// Gate inspector webview: heatmaps of every gate/state of every layer over the inspected text,
// hover details with next-token predictions, Karpathy-style text colouring by a clicked unit,
// saturation summaries, "which units track this span?" ranking, and for a task model its answer
// (taskView.ts) with the encoder's and decoder's heatmaps of a seq2seq model one at a time.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextarea } from '@vscode-elements/elements/dist/vscode-textarea/vscode-textarea.js';
import type { GateName } from '../../src/engine/config.js';
import type { InspectResult, LayerTrace } from '../../src/engine/types.js';
import { isObject } from '../../src/protocol/guards.js';
import { decodeInspectResult } from '../../src/protocol/inspectWire.js';
import { architectureLabel } from '../../src/protocol/labels.js';
import { HOST_TO_INSPECTOR, type HostToInspector, type InspectorToHost, type ModelRef, type UnitSelection } from '../../src/protocol/webview.js';
import { colorFor, scaleKindOf, textColorOn, type ScaleKind } from '../common/colorScales.js';
import { byId, formatNumber, h, visibleChar } from '../common/dom.js';
import { drawSaturationHistogram, Heatmap } from '../common/heatmap.js';
import { openPanelPage } from '../common/panelPage.js';
import type { ThemeColors } from '../common/theme.js';
import { placeTooltip, renderTaskView, type TaskView } from './taskView.js';
import { rankUnits, unitStats } from './unitRanking.js';

type SortMode = 'index' | 'variance' | 'saturation';

interface Selected { layer: number; gate: GateName; unit: number }

interface UiState {
  modelDir: string | null;
  text: string;
  sort: SortMode;
  selected: Selected | null;
  /** Index of the one layer shown, or null for all (a 2×256 LSTM is 12 tall heatmaps). */
  layer?: number | null;
  /** A seq2seq model's heatmaps shown: the encoder's (over the source) or the decoder's (over the output). */
  part?: 'encoder' | 'decoder';
}

const isUiState = (v: unknown): v is UiState =>
  isObject(v) && (v.modelDir === null || typeof v.modelDir === 'string') && typeof v.text === 'string' &&
  ['index', 'variance', 'saturation'].includes(v.sort as string);

const page = openPanelPage<HostToInspector, InspectorToHost, UiState>(HOST_TO_INSPECTOR, isUiState, { modelDir: null, text: '', sort: 'index', selected: null });
const { ui, saveUi } = page;

const GATE_LABELS: Record<GateName, string> = {
  gammaU: 'Γu — update gate',
  gammaF: 'Γf — forget gate',
  gammaO: 'Γo — output gate',
  gammaR: 'Γr — relevance gate',
  cTilde: 'c̃ — candidate',
  c: 'c — memory cell',
  a: 'a — activation',
};

let theme: ThemeColors = page.theme;
let models: ModelRef[] = [];
let current: { model: ModelRef; text: string; result: InspectResult; inspectMs: number } | null = null;

// ─── layout ─────────────────────────────────────────────────────────────────────────────

const app = byId('app');
const modelSelect = h('vscode-single-select', { id: 'model', 'aria-label': 'Model' }) as VscodeSingleSelect;
const textArea = h('vscode-textarea', { id: 'input-text', rows: 3, placeholder: 'Type or paste text to run through the model…', 'aria-label': 'Text to inspect' }) as VscodeTextarea;
const runBtn = h('vscode-button', { id: 'run' }, 'Inspect') as VscodeButton;
const sortSelect = h('vscode-single-select', { id: 'sort', 'aria-label': 'Sort units by' }) as VscodeSingleSelect;
for (const [v, label] of [['index', 'Unit index'], ['variance', 'Variance'], ['saturation', 'Saturation']] as const) {
  sortSelect.append(h('vscode-option', { value: v, selected: ui.sort === v }, label));
}
const layerSelect = h('vscode-single-select', { id: 'layer', 'aria-label': 'Layers shown' }) as VscodeSingleSelect;
const partSelect = h('vscode-single-select', { id: 'part', 'aria-label': 'Encoder or decoder' }) as VscodeSingleSelect;
partSelect.append(h('vscode-option', { value: 'encoder', selected: ui.part !== 'decoder' }, 'Encoder'), h('vscode-option', { value: 'decoder', selected: ui.part === 'decoder' }, 'Decoder'));
const partLabel = h('label', { class: 'inline', id: 'part-label', hidden: true }, 'Network', partSelect);
const tooltip = h('div', { class: 'tooltip', id: 'tooltip', hidden: true, role: 'tooltip' });

app.append(
  h('h1', { id: 'title' }, 'Gate inspector'),
  page.messageBox,
  h('div', { class: 'row' }, h('label', { class: 'inline' }, 'Model', modelSelect), runBtn, h('span', { id: 'status', class: 'muted' })),
  textArea,
  h('div', { id: 'task' }),
  h('h2', {}, 'Text'),
  h('div', { class: 'row muted', id: 'text-help' }, 'Click a unit in a heatmap to colour the text by it (Escape clears). Select part of the text to find the units that track it.'),
  h('div', { class: 'row', id: 'selection-info' }),
  h('div', { id: 'colored-text', class: 'colored-text', tabindex: 0 }),
  h('div', { id: 'ranking-box' }),
  h('div', { class: 'row' }, h('h2', {}, 'Gates and states'), partLabel, h('label', { class: 'inline' }, 'Layers', layerSelect), h('label', { class: 'inline' }, 'Sort units by', sortSelect), h('span', { id: 'legends', class: 'row' })),
  h('div', { id: 'gates', class: 'gate-grid' }),
  tooltip,
);
textArea.value = ui.text;

// ─── data helpers ───────────────────────────────────────────────────────────────────────

const traceOf = (layer: number, gate: GateName): number[][] | undefined => current?.result.layers[layer]?.gates[gate];

const isDecoder = (trace: LayerTrace) => trace.part === 'decoder';
/** Whether a layer is in the part shown (every layer of a model without a decoder). */
const inShownPart = (trace: LayerTrace) => isDecoder(trace) === (ui.part === 'decoder' && hasDecoder());
const hasDecoder = () => current?.result.layers.some(isDecoder) ?? false;
/** The tokens along a layer's time axis. */
const stepTokens = (trace: LayerTrace): string[] => (isDecoder(trace) ? current?.result.decoderTokens ?? [] : current?.result.tokens ?? []);
const layerName = (t: LayerTrace) => `${isDecoder(t) ? 'Decoder layer' : hasDecoder() ? 'Encoder layer' : 'Layer'} ${t.layer + 1}${t.direction === 'backward' ? ' (backward)' : ''}`;

/** Largest |value| of a signed trace, at least 1, so LSTM's unbounded c still fits the scale. */
function signedRange(m: readonly (readonly number[])[]): number {
  let max = 1;
  for (const row of m) for (const v of row) if (Number.isFinite(v) && Math.abs(v) > max) max = Math.abs(v);
  return max;
}

function unitOrder(trace: LayerTrace, gate: GateName): number[] {
  const order = Array.from({ length: trace.units }, (_, i) => i);
  if (ui.sort === 'variance') {
    const { variance } = unitStats(trace.gates[gate]!, trace.units);
    order.sort((a, b) => variance[b]! - variance[a]!);
  } else if (ui.sort === 'saturation') {
    const s = trace.saturation[gate];
    if (s) order.sort((a, b) => s.unitLow[b]! + s.unitHigh[b]! - (s.unitLow[a]! + s.unitHigh[a]!));
  }
  return order;
}

/** Value of each character of the text: a character takes the value of the token covering it. */
function charValues(values: readonly number[]): number[] {
  const r = current!.result;
  const out = new Array<number>(current!.text.length).fill(0);
  for (let t = 0; t < r.tokens.length; t++) {
    const end = r.offsets[t + 1] ?? current!.text.length;
    for (let i = r.offsets[t]!; i < end && i < out.length; i++) out[i] = values[t]!;
  }
  return out;
}

// ─── rendering ──────────────────────────────────────────────────────────────────────────

let heatmaps: { layer: number; gate: GateName; map: Heatmap }[] = [];

function renderLegends(): void {
  const box = byId('legends');
  box.replaceChildren();
  for (const [kind, label, lo, hi] of [['unit', 'gates', '0', '1'], ['signed', 'states', '−1', '+1']] as const) {
    const c = h('canvas', { class: 'legend-bar', width: 120, height: 10, 'data-scale': kind });
    const ctx = c.getContext('2d')!;
    for (let x = 0; x < 120; x++) {
      ctx.fillStyle = colorFor(kind, kind === 'unit' ? x / 119 : (x / 119) * 2 - 1);
      ctx.fillRect(x, 0, 1, 10);
    }
    box.append(h('span', { class: 'muted' }, `${label} ${lo}`), c, h('span', { class: 'muted' }, hi));
  }
}

function renderText(): void {
  const box = byId('colored-text');
  box.replaceChildren();
  if (!current) return;
  const r = current.result;
  // A decoder unit runs over the output, not over this text: it colours nothing here.
  const sel = ui.selected && !isDecoder(r.layers[ui.selected.layer]!) ? ui.selected : null;
  const m = sel ? traceOf(sel.layer, sel.gate) : undefined;
  const kind: ScaleKind = sel ? scaleKindOf(sel.gate) : 'unit';
  const range = m && kind === 'signed' ? signedRange(m) : 1;
  const frag = document.createDocumentFragment();
  for (let t = 0; t < r.tokens.length; t++) {
    const end = r.offsets[t + 1] ?? current.text.length;
    const span = h('span', { class: 'tok', 'data-t': t }, current.text.slice(r.offsets[t]!, end) || r.tokens[t]!);
    if (m && sel) {
      const bg = colorFor(kind, m[t]![sel.unit]! / range);
      span.style.backgroundColor = bg;
      span.style.color = textColorOn(bg);
    }
    frag.append(span);
  }
  box.append(frag);
  const info = byId('selection-info');
  info.textContent = sel ? `Coloured by ${layerName(r.layers[sel.layer]!).toLowerCase()} · ${GATE_LABELS[sel.gate]} · unit ${sel.unit}` : '';
}

function renderGates(): void {
  const t0 = performance.now();
  const box = byId('gates');
  box.replaceChildren();
  heatmaps = [];
  if (!current) return;
  const r = current.result;
  r.layers.forEach((trace, li) => {
    if (!inShownPart(trace) || (ui.layer !== null && ui.layer !== undefined && ui.layer !== li)) return;
    box.append(h('h3', {}, `${layerName(trace)} — ${trace.cell.toUpperCase()}, ${trace.units} units`));
    for (const [gate, m] of Object.entries(trace.gates) as [GateName, number[][]][]) {
      const kind = scaleKindOf(gate);
      const sat = trace.saturation[gate];
      const block = h('div', { class: 'gate-block', 'data-layer': li, 'data-gate': gate });
      const hist = h('canvas', { class: 'saturation', 'aria-label': `Saturation histogram of ${gate}` });
      const satText = sat
        ? `saturated: ${(sat.low * 100).toFixed(1)}% ${kind === 'unit' ? '< 0.1' : '< −0.9'}, ${(sat.high * 100).toFixed(1)}% > 0.9`
        : '';
      const histHelp = `Units by fraction of time saturated: bars up > 0.9, bars down ${kind === 'unit' ? '< 0.1' : '< −0.9'} (0 → 1 left to right)`;
      hist.title = histHelp;
      block.append(h('div', { class: 'gate-head' }, h('b', { class: 'gate-title' }, GATE_LABELS[gate]), h('span', { class: 'muted' }, satText),
        sat ? hist : null, sat ? h('span', { class: 'muted hist-caption' }, histCaption(kind)) : null));
      box.append(block);
      if (sat) drawSaturationHistogram(hist, sat.unitLow, sat.unitHigh, theme);
      const map = new Heatmap(block, `Heatmap of ${GATE_LABELS[gate]}, layer ${li + 1}: units by time steps`);
      map.draw(m, kind, unitOrder(trace, gate), stepTokens(trace), theme, selectedUnitFor(li, gate), kind === 'signed' ? signedRange(m) : 1);
      heatmaps.push({ layer: li, gate, map });
    }
  });
  box.dataset.renderMs = (performance.now() - t0).toFixed(1);
}

/** The saturation histogram's legend in words: bins of units by the share of steps they spend saturated. */
const histCaption = (kind: ScaleKind): string =>
  `number of units by share of steps saturated (0 → 100%, left to right): ▲ above 0.9, ▼ below ${kind === 'unit' ? '0.1' : '−0.9'}`;

const selectedUnitFor = (layer: number, gate: GateName): number | null =>
  ui.selected && ui.selected.layer === layer && ui.selected.gate === gate ? ui.selected.unit : null;

function redrawHeatmaps(): void {
  if (!current) return;
  for (const { layer, gate, map } of heatmaps) {
    const trace = current.result.layers[layer]!;
    const m = trace.gates[gate]!;
    const kind = scaleKindOf(gate);
    map.draw(m, kind, unitOrder(trace, gate), stepTokens(trace), theme, selectedUnitFor(layer, gate), kind === 'signed' ? signedRange(m) : 1);
  }
}

function renderLayerChoice(): void {
  const layers = current?.result.layers ?? [];
  if (ui.layer !== null && ui.layer !== undefined && (ui.layer >= layers.length || !inShownPart(layers[ui.layer]!))) ui.layer = null;
  const options = [h('vscode-option', { value: 'all', selected: ui.layer === null || ui.layer === undefined }, 'All')];
  layers.forEach((t, l) => {
    if (inShownPart(t)) options.push(h('vscode-option', { value: String(l), selected: ui.layer === l }, layerName(t)));
  });
  layerSelect.replaceChildren(...options);
  partLabel.hidden = !hasDecoder();
  partSelect.value = ui.part === 'decoder' ? 'decoder' : 'encoder';
}

let taskView: TaskView | null = null;

function renderAll(): void {
  taskView?.dispose();
  taskView = current ? renderTaskView(byId('task'), current, theme, tooltip) : null;
  renderLayerChoice();
  renderText();
  renderGates();
  byId('status').textContent = current
    ? `${current.result.tokens.length} tokens · ${current.model.name} (${architectureLabel(current.model)}) · inspect ${current.inspectMs.toFixed(0)} ms · render ${byId('gates').dataset.renderMs} ms`
    : '';
}

// ─── selection of a unit ────────────────────────────────────────────────────────────────

function selectUnit(sel: Selected | null): void {
  ui.selected = sel;
  saveUi();
  renderText();
  redrawHeatmaps();
  let selection: UnitSelection | null = null;
  const m = sel ? traceOf(sel.layer, sel.gate) : undefined;
  // The editor shows the source: a decoder unit's values do not belong to its characters.
  if (sel && m && current && !isDecoder(current.result.layers[sel.layer]!)) {
    const kind = scaleKindOf(sel.gate);
    const range = kind === 'signed' ? signedRange(m) : 1;
    selection = { layer: sel.layer, gate: sel.gate, unit: sel.unit, text: current.text, charValues: charValues(m.map((row) => row[sel.unit]! / range)), scale: kind };
  }
  page.post({ type: 'inspector/selectUnit', selection });
}

function mapAt(target: EventTarget | null): (typeof heatmaps)[number] | undefined {
  return heatmaps.find((x) => x.map.canvas === target);
}

const gatesBox = byId('gates');
gatesBox.addEventListener('click', (e) => {
  const hm = mapAt(e.target);
  const cell = hm?.map.hit(e.clientX, e.clientY);
  if (hm && cell) selectUnit({ layer: hm.layer, gate: hm.gate, unit: cell.unit });
});
gatesBox.addEventListener('mousemove', (e) => {
  const hm = mapAt(e.target);
  const cell = hm?.map.hit(e.clientX, e.clientY);
  if (!hm || !cell || !current) {
    tooltip.hidden = true;
    return;
  }
  const trace = current.result.layers[hm.layer]!;
  const v = trace.gates[hm.gate]![cell.step]![cell.unit]!;
  // Next-token predictions are a language model's; a task model's answer is in the panel above.
  const preds = current.result.task ? [] : current.result.predictions[cell.step] ?? [];
  tooltip.replaceChildren(
    h('div', {}, h('b', {}, `${GATE_LABELS[hm.gate]}`), ` · ${hasDecoder() ? layerName(trace).toLowerCase() : `layer ${hm.layer + 1}`}`),
    h('div', {}, `unit ${cell.unit} · step ${cell.step} · char “${visibleChar(stepTokens(trace)[cell.step] ?? '')}” · value ${formatNumber(v)}`),
    ...(preds.length ? [
      h('div', { class: 'muted' }, 'Next-token predictions:'),
      h('table', {}, ...preds.slice(0, 5).map((p) => h('tr', {}, h('td', {}, `“${visibleChar(p.token)}”`), h('td', {}, `${(p.p * 100).toFixed(1)}%`)))),
    ] : []),
  );
  placeTooltip(tooltip, e);
});
gatesBox.addEventListener('mouseleave', () => (tooltip.hidden = true));
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && ui.selected) selectUnit(null);
});

// ─── "which units track this span?" ─────────────────────────────────────────────────────

function tokenRangeOfSelection(): [number, number] | null {
  const s = window.getSelection();
  const box = byId('colored-text');
  if (!s || s.isCollapsed || s.rangeCount === 0) return null;
  const tokenOf = (n: Node | null): number | null => {
    const el = n instanceof HTMLElement ? n : n?.parentElement;
    const span = el?.closest('span.tok');
    return span && box.contains(span) ? Number((span as HTMLElement).dataset.t) : null;
  };
  const r = s.getRangeAt(0);
  const a = tokenOf(r.startContainer);
  const b = tokenOf(r.endContainer);
  if (a === null || b === null) return null;
  return [Math.min(a, b), Math.max(a, b)];
}

function showRanking(from: number, to: number): void {
  if (!current) return;
  const ranked = rankUnits(current.result, from, to);
  const box = byId('ranking-box');
  const span = current.result.tokens.slice(from, to + 1).join('');
  const best = ranked[0];
  const bestBtn = h('vscode-button', { id: 'colour-best' }, 'Colour by the best') as VscodeButton;
  if (best) bestBtn.addEventListener('click', () => selectUnit(best));
  box.replaceChildren(
    h('h3', {}, `Units that track “${span.length > 40 ? `${span.slice(0, 40)}…` : span}”`),
    best ? bestBtn : h('span', { class: 'muted' }, 'Select a span shorter than the whole text.'),
    h('ol', { class: 'ranking', id: 'ranking' }, ...ranked.map((r) => {
      const a = h('a', { href: '#', 'data-unit': r.unit }, `layer ${r.layer + 1} · ${GATE_LABELS[r.gate]} · unit ${r.unit}`);
      a.addEventListener('click', (e) => {
        e.preventDefault();
        selectUnit(r);
      });
      return h('li', {}, a, h('span', { class: 'muted' }, ` inside ${formatNumber(r.inside)} vs outside ${formatNumber(r.outside)} (score ${formatNumber(r.score, 2)})`));
    })),
  );
}

byId('colored-text').addEventListener('mouseup', () => {
  const range = tokenRangeOfSelection();
  if (range) showRanking(range[0], range[1]);
});

// ─── controls and inbound ───────────────────────────────────────────────────────────────

function renderModels(): void {
  modelSelect.replaceChildren(...models.map((m) => h('vscode-option', { value: m.dir, selected: m.dir === ui.modelDir }, `${m.name} (${architectureLabel(m)})`)));
  if (ui.modelDir) modelSelect.value = ui.modelDir;
}

modelSelect.addEventListener('change', () => {
  ui.modelDir = modelSelect.value || null;
  saveUi();
});
layerSelect.addEventListener('change', () => {
  ui.layer = layerSelect.value === 'all' ? null : Number(layerSelect.value);
  saveUi();
  renderGates();
});
partSelect.addEventListener('change', () => {
  ui.part = partSelect.value === 'decoder' ? 'decoder' : 'encoder';
  ui.layer = null;
  saveUi();
  renderLayerChoice();
  renderGates();
});
sortSelect.addEventListener('change', () => {
  ui.sort = sortSelect.value as SortMode;
  saveUi();
  redrawHeatmaps();
});
runBtn.addEventListener('click', () => {
  const text = textArea.value;
  const dir = ui.modelDir ?? models[0]?.dir;
  if (!dir) return page.showMessage('No model to run: train one first.', true);
  if (!text) return page.showMessage('Type some text to inspect first.', true);
  ui.text = text;
  saveUi();
  page.post({ type: 'inspector/run', modelDir: dir, text });
});

/** Shows a decoded inspection (the host's result, inflated). */
function showResult(shown: NonNullable<typeof current>): void {
  page.hideMessage();
  current = shown;
  ui.modelDir = shown.model.dir;
  ui.text = shown.text;
  textArea.value = shown.text;
  // A unit choice survives a reload (the state comes back with the same model and text).
  if (ui.selected && traceOf(ui.selected.layer, ui.selected.gate)?.[0]?.[ui.selected.unit] === undefined) ui.selected = null;
  saveUi();
  byId('title').textContent = `Gate inspector — ${shown.model.name}`;
  byId('ranking-box').replaceChildren();
  renderModels();
  renderAll();
}

let resultTicket = 0;

renderLegends();

page.start({
  onMessage(m) {
    switch (m.type) {
      case 'inspector/models':
        models = m.models;
        ui.modelDir = m.selected ?? ui.modelDir ?? models[0]?.dir ?? null;
        saveUi();
        renderModels();
        break;
      case 'inspector/busy':
        page.showMessage(`Running the model over ${m.text.length} characters…`, false);
        break;
      case 'inspector/result': {
        // Inflating is asynchronous: a newer result that arrives meanwhile wins.
        const ticket = ++resultTicket;
        void decodeInspectResult(m.result).then(
          (result) => {
            if (ticket === resultTicket) showResult({ model: m.model, text: m.text, result, inspectMs: m.inspectMs });
          },
          (err: unknown) => page.showMessage(`The inspection could not be read: ${err instanceof Error ? err.message : String(err)}.`, true),
        );
        break;
      }
    }
  },
  onTheme(colors) {
    theme = colors;
    renderLegends();
    redrawHeatmaps();
    taskView?.redraw(colors);
  },
});
