// Pure Models-view content (no vscode import): a model's summary (src/model's tolerant
// reader) → plain tree-node descriptors (labels, descriptions, Markdown tooltips,
// contextValues) that a thin adapter turns into vscode.TreeItems.

import type { CheckpointSummary, ModelListing, ModelSummary, TensorSummary } from '../model/index.js';
import { architectureLabel, formatCount } from '../protocol/labels.js';

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

export function modelTooltip(s: ModelSummary, checkpoints: CheckpointSummary[]): string {
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

const shapeText = (shape: readonly number[]) => `[${shape.join(' × ')}]`;

export function modelNode(entry: ModelEntry): TreeNode {
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

  const preview = s.vocabulary.slice(0, 60).map(showToken).join(s.tokenMode === 'word' ? ' ' : '');
  const vocabulary: TreeNode = {
    id: id('vocabulary'),
    label: 'Vocabulary',
    description: `${s.vocabSize} ${s.tokenMode === 'word' ? 'words' : 'characters'}`,
    tooltip: `\`${preview.replace(/`/g, 'ˋ')}\`${s.vocabulary.length > 60 ? ' …' : ''}`,
    contextValue: 'group',
    icon: 'symbol-text',
    children: s.vocabulary.length ? [leaf('vocabulary:preview', preview + (s.vocabulary.length > 60 ? ' …' : ''), undefined, 'symbol-key')] : [],
    modelDir: dir,
  };

  const history: TreeNode = {
    id: id('history'),
    label: 'Training history',
    description: `${s.runs.length} run${s.runs.length === 1 ? '' : 's'}, ${s.step} steps`,
    contextValue: 'group',
    icon: 'graph-line',
    children: s.runs.map((r) => leaf(
      `run:${r.index}`,
      `Run ${r.index}`,
      [
        r.startStep !== null && r.endStep !== null ? `steps ${r.startStep}–${r.endStep}` : null,
        r.reason ? `stopped: ${r.reason}` : null,
        r.bestValLoss !== null ? `best val ${r.bestValLoss.toFixed(3)}` : null,
        r.startedAt,
      ].filter(Boolean).join(' · '),
      'debug-start',
    )),
    modelDir: dir,
  };

  return {
    id: `model:${dir}`,
    label: s.name,
    description: modelDescription(s, entry.training),
    tooltip: modelTooltip(s, entry.checkpoints),
    contextValue: entry.training ? 'modelTraining' : 'model',
    icon: entry.training ? 'loading~spin' : 'symbol-class',
    children: [architecture, checkpoints, vocabulary, history],
    modelDir: dir,
  };
}
