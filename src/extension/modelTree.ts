// Pure Models-view content (no vscode import): a model's summary (src/model's tolerant
// reader) → plain tree-node descriptors (labels, descriptions, Markdown tooltips,
// contextValues) that a thin adapter turns into vscode.TreeItems.

import type { CheckpointSummary, ModelListing, ModelSummary, RunSummary, TensorSummary } from '../model/index.js';
import { architectureLabel, formatCount } from '../protocol/labels.js';
import { formatDuration } from '../protocol/runProgress.js';

export type TreeContext = 'model' | 'modelBroken' | 'modelTraining' | 'checkpoint' | 'layer' | 'group' | 'info';

export interface TreeNode {
  /** Stable across refreshes so VS Code keeps expansion state. */
  id: string;
  label: string;
  description?: string;
  /** Markdown text for a vscode.MarkdownString tooltip. */
  tooltip?: string;
  contextValue: TreeContext;
  /** Codicon id. */
  icon: string;
  children: TreeNode[];
  expanded?: boolean;
  /** The model folder this node belongs to (for commands run from its context menu). */
  modelDir: string;
  checkpoint?: 'latest' | 'best';
}

/** What the view knows about one folder under the models folder. */
export type ModelEntry = ModelListing & { training?: LiveTraining };

export interface LiveTraining {
  step: number;
  loss: number | null;
  paused: boolean;
}

export const LN2 = Math.LN2;
export const bits = (nats: number) => nats / LN2;

export function formatLoss(nats: number | null): string {
  return nats === null ? '—' : `${nats.toFixed(3)} nats (${bits(nats).toFixed(3)} bits/token)`;
}

/** How a token is shown in the view: whitespace made visible. */
export function showToken(t: string): string {
  if (t === '\n') return '⏎';
  if (t === ' ') return '␣';
  if (t === '\t') return '⇥';
  if (t === '\r') return '␍';
  return t;
}

const md = (s: string) => s.replace(/([\\`*_{}[\]()#+\-.!|<>])/g, '\\$1');

/** The metric the Models view shows for each task model (what picks its best checkpoint). */
const HEADLINE_METRIC: Partial<Record<ModelSummary['task'], string>> = { classify: 'accuracy', tag: 'entityF1', seq2seq: 'exactMatch' };

/** "classify · accuracy 0.98" for a task model, "classify" before its first evaluation; null for a language model. */
export function taskLabel(s: Pick<ModelSummary, 'task' | 'bestMetrics'>): string | null {
  if (s.task === 'lm') return null;
  const metrics = s.bestMetrics ?? {};
  const name = HEADLINE_METRIC[s.task] ?? Object.keys(metrics)[0];
  const value = name === undefined ? undefined : metrics[name];
  return value === undefined ? s.task : `${s.task} · ${name} ${value.toFixed(2)}`;
}

export function modelDescription(s: ModelSummary, training?: LiveTraining): string {
  const parts = [architectureLabel(s), `${formatCount(s.parameters)} params`];
  const task = taskLabel(s);
  if (task) parts.unshift(task);
  if (training) {
    parts.unshift(training.paused ? `paused at step ${training.step}` : `training… step ${training.step}`);
  }
  if (s.bestValLoss !== null) parts.push(`val ${s.bestValLoss.toFixed(3)} (${bits(s.bestValLoss).toFixed(2)} bits)`);
  return parts.join(' · ');
}

export function modelTooltip(s: ModelSummary, checkpoints: CheckpointSummary[], timeOptions: TimeOptions = {}): string {
  const rows: [string, string][] = [
    ...(s.task === 'lm' ? [] : [['Task', taskLabel(s)!] as [string, string]]),
    ...(s.labels ? [['Labels', s.labels.join(', ')] as [string, string]] : []),
    ['Cell', s.cell.toUpperCase()],
    ['Layers × units', `${s.layers} × ${s.units}`],
    ['Parameters', s.parameters.toLocaleString('en-US')],
    ['Tokens', `${s.tokenMode}, vocabulary ${s.vocabSize}`],
    ['Steps trained', String(s.step)],
    ['Best validation loss', formatLoss(s.bestValLoss)],
  ];
  if (s.bestValLoss !== null) rows.push(['Best validation perplexity', Math.exp(s.bestValLoss).toFixed(2)]);
  const last = s.runs[s.runs.length - 1];
  if (last) {
    rows.push(['Last run', [
      last.startedAt ? `started ${localTime(last.startedAt, timeOptions)}` : null,
      last.elapsedMs !== null ? formatDuration(last.elapsedMs) : null,
      last.tokensPerSecond ? `${Math.round(last.tokensPerSecond).toLocaleString('en-US')} tokens/s` : null,
      last.reason ? stopReasonText(last.reason) : null,
    ].filter(Boolean).join(', ')]);
  }
  for (const c of checkpoints) {
    rows.push([`Checkpoint ${c.kind}`, `step ${c.step ?? '?'}${c.valLoss === null ? '' : `, val ${c.valLoss.toFixed(3)}`}`]);
  }
  const table = rows.map(([k, v]) => `| ${md(k)} | ${md(v)} |`).join('\n');
  return `**${md(s.name)}**\n\n| | |\n|---|---|\n${table}\n\n\`${s.dir.replace(/`/g, '')}\``;
}

/** Groups weight tensors by the layer number in their name ("l0.", "layer1/", …). */
export function tensorsByLayer(tensors: readonly TensorSummary[], layers: number): { layer: number | null; tensors: TensorSummary[] }[] {
  const groups = new Map<number | null, TensorSummary[]>();
  for (let i = 0; i < layers; i++) groups.set(i, []);
  groups.set(null, []);
  for (const t of tensors) {
    const m = /(?:^|[^a-z])(?:layer|l)[_.\-/]?(\d+)(?![\d])/i.exec(t.name);
    const layer = m && Number(m[1]) < layers ? Number(m[1]) : null;
    groups.get(layer)!.push(t);
  }
  return [...groups.entries()].map(([layer, ts]) => ({ layer, tensors: ts }));
}

/** Characters per row of the vocabulary preview: a row the width of a side bar, never cut off. */
const VOCAB_ROW_CHARS = 24;
/** More rows than this end in "… N more": a 50,000-word vocabulary is not a view. */
const VOCAB_MAX_ROWS = 40;

/** The whole vocabulary (up to VOCAB_MAX_ROWS rows) in rows short enough for the view, whitespace made visible. */
export function vocabularyRows(vocabulary: readonly string[], tokenMode: 'char' | 'word'): string[] {
  const sep = tokenMode === 'word' ? ' ' : '';
  const rows: string[] = [];
  let row = '';
  let shown = 0;
  for (const token of vocabulary) {
    const t = showToken(token);
    const next = row === '' ? t : `${row}${sep}${t}`;
    if (row !== '' && [...next].length > VOCAB_ROW_CHARS) {
      rows.push(row);
      if (rows.length === VOCAB_MAX_ROWS) break;
      row = t;
    } else {
      row = next;
    }
    shown++;
  }
  // After a break the row is already in (and the list full).
  if (row !== '' && rows.length < VOCAB_MAX_ROWS) rows.push(row);
  if (shown < vocabulary.length) rows.push(`… ${(vocabulary.length - shown).toLocaleString('en-US')} more`);
  return rows;
}

const STOP_REASONS: Record<string, string> = {
  minutes: 'stopped: time budget reached',
  steps: 'stopped: step limit reached',
  epochs: 'stopped: epoch limit reached',
  aborted: 'stopped on request',
  nan: 'stopped: the loss diverged (NaN)',
  running: 'running, or ended without a save',
};

/** A run's stop reason in words ('minutes' → "stopped: time budget reached"). */
export function stopReasonText(reason: string): string {
  return STOP_REASONS[reason] ?? `stopped: ${reason}`;
}

/** An ISO time as the reader's local date and time ("2 Dec 2026, 00:12"); the text as it is when unreadable. */
export function localTime(iso: string, options: TimeOptions = {}): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Intl.DateTimeFormat(options.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: options.timeZone }).format(t);
}

/** A run's tooltip: start (local time), duration, speed, stop reason, best validation loss. */
export function runTooltip(r: RunSummary, timeOptions: TimeOptions = {}): string {
  const rows: [string, string][] = [];
  if (r.startedAt) rows.push(['Started', localTime(r.startedAt, timeOptions)]);
  if (r.elapsedMs !== null) rows.push(['Duration', formatDuration(r.elapsedMs)]);
  if (r.tokensPerSecond !== null && r.tokensPerSecond > 0) rows.push(['Speed', `${Math.round(r.tokensPerSecond).toLocaleString('en-US')} tokens/s`]);
  if (r.startStep !== null && r.endStep !== null) rows.push(['Steps', `${r.startStep}–${r.endStep}`]);
  if (r.reason) rows.push(['Outcome', stopReasonText(r.reason)]);
  if (r.bestValLoss !== null) rows.push(['Best validation loss', formatLoss(r.bestValLoss)]);
  return `**Run ${r.index}**\n\n| | |\n|---|---|\n${rows.map(([k, v]) => `| ${md(k)} | ${md(v)} |`).join('\n')}`;
}

const shapeText = (shape: readonly number[]) => `[${shape.join(' × ')}]`;

/** How run start times are written; tests fix the locale and zone, the view uses the machine's. */
export interface TimeOptions {
  locale?: string;
  timeZone?: string;
}

export function modelNode(entry: ModelEntry, timeOptions: TimeOptions = {}): TreeNode {
  if (entry.kind === 'broken') {
    return {
      id: `model:${entry.dir}`,
      label: entry.name,
      description: 'cannot be read',
      tooltip: `**${md(entry.name)}** cannot be read: ${md(entry.problem)}`,
      contextValue: 'modelBroken',
      icon: 'warning',
      children: [],
      modelDir: entry.dir,
    };
  }
  const s = entry.summary;
  const dir = s.dir;
  const id = (suffix: string) => `model:${dir}:${suffix}`;
  const leaf = (suffix: string, label: string, description?: string, icon = 'circle-small'): TreeNode => ({
    id: id(suffix), label, description, contextValue: 'info', icon, children: [], modelDir: dir,
  });

  const layerNodes: TreeNode[] = tensorsByLayer(s.tensors, s.layers).flatMap(({ layer, tensors }) => {
    if (layer === null) {
      return tensors.map((t) => leaf(`tensor:${t.name}`, t.name, shapeText(t.shape), 'symbol-array'));
    }
    const params = tensors.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
    return [{
      id: id(`layer:${layer}`),
      label: `Layer ${layer + 1}`,
      description: `${s.cell.toUpperCase()}, ${s.units} units${params ? `, ${formatCount(params)} params` : ''}`,
      tooltip: tensors.map((t) => `\`${t.name}\` ${shapeText(t.shape)}`).join('  \n') || undefined,
      contextValue: 'layer' as const,
      icon: 'layers',
      children: tensors.map((t) => leaf(`tensor:${t.name}`, t.name, shapeText(t.shape), 'symbol-array')),
      modelDir: dir,
    }];
  });
  const architecture: TreeNode = {
    id: id('architecture'),
    label: 'Architecture',
    description: `${architectureLabel(s)}, ${s.input === 'embedding' ? `embedding ${s.embeddingSize ?? '?'}` : 'one-hot'} input`,
    contextValue: 'group',
    icon: 'circuit-board',
    children: layerNodes,
    modelDir: dir,
  };

  const checkpoints: TreeNode = {
    id: id('checkpoints'),
    label: 'Checkpoints',
    description: entry.checkpoints.length ? entry.checkpoints.map((c) => c.kind).join(', ') : 'none yet',
    contextValue: 'group',
    icon: 'history',
    children: entry.checkpoints.map((c) => ({
      id: id(`checkpoint:${c.kind}`),
      label: c.kind,
      description: `step ${c.step ?? '?'}${c.kind === 'latest' && c.trainLoss !== null ? ` · loss ${c.trainLoss.toFixed(3)}` : ''}${c.valLoss === null ? '' : ` · val ${c.valLoss.toFixed(3)} (${bits(c.valLoss).toFixed(2)} bits)`}`,
      contextValue: 'checkpoint' as const,
      icon: c.kind === 'best' ? 'star-full' : 'save',
      children: [],
      modelDir: dir,
      checkpoint: c.kind,
    })),
    modelDir: dir,
  };

  const vocabRows = vocabularyRows(s.vocabulary, s.tokenMode);
  const vocabulary: TreeNode = {
    id: id('vocabulary'),
    label: 'Vocabulary',
    description: `${s.vocabSize} ${s.tokenMode === 'word' ? 'words' : 'characters'}`,
    tooltip: vocabRows.length ? vocabRows.map((r) => `\`${r.replace(/`/g, 'ˋ')}\``).join('  \n') : undefined,
    contextValue: 'group',
    icon: 'symbol-text',
    children: vocabRows.map((row, i) => leaf(`vocabulary:${i}`, row, undefined, 'symbol-key')),
    modelDir: dir,
  };

  const history: TreeNode = {
    id: id('history'),
    label: 'Training history',
    description: `${s.runs.length} run${s.runs.length === 1 ? '' : 's'}, ${s.step} steps`,
    contextValue: 'group',
    icon: 'graph-line',
    children: s.runs.map((r) => ({
      ...leaf(
        `run:${r.index}`,
        `Run ${r.index}`,
        [
          r.startStep !== null && r.endStep !== null ? `steps ${r.startStep}–${r.endStep}` : null,
          r.reason ? stopReasonText(r.reason) : null,
          r.bestValLoss !== null ? `best val ${r.bestValLoss.toFixed(3)}` : null,
          r.startedAt ? localTime(r.startedAt, timeOptions) : null,
        ].filter(Boolean).join(' · '),
        'debug-start',
      ),
      tooltip: runTooltip(r, timeOptions),
    })),
    modelDir: dir,
  };

  return {
    id: `model:${dir}`,
    label: s.name,
    description: modelDescription(s, entry.training),
    tooltip: modelTooltip(s, entry.checkpoints, timeOptions),
    contextValue: entry.training ? 'modelTraining' : 'model',
    icon: entry.training ? 'loading~spin' : 'symbol-class',
    children: [architecture, checkpoints, vocabulary, history],
    modelDir: dir,
  };
}
