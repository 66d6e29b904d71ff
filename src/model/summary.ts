// The tolerant reader: model.json content of any quality → what a listing can show, or one
// sentence saying why it cannot. Full validation is validate.ts's job when a model is used.
// Pure (no file access), so webview-side code may import it.

import type { CellType } from '../engine/config.js';
import { isObject, type Json } from '../protocol/guards.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, MODEL_TASKS } from './schema.js';
import type { ModelTask, RunRecord, TrainingHistory } from './schema.js';

export interface TensorSummary {
  name: string;
  shape: number[];
}

export interface RunSummary {
  index: number;
  startStep: number | null;
  endStep: number | null;
  reason: string | null;
  startedAt: string | null;
  bestValLoss: number | null;
  /** Active training time of the run, ms (absent in early folders). */
  elapsedMs: number | null;
  tokensPerSecond: number | null;
}

export interface CheckpointSummary {
  kind: 'latest' | 'best';
  step: number | null;
  /** Validation loss, nats/token: latest → the last measured before that save, best → the best. */
  valLoss: number | null;
  /** Training loss of the last step before that save (absent in early folders). */
  trainLoss: number | null;
}

export interface ModelSummary {
  name: string;
  dir: string;
  cell: CellType;
  layers: number;
  units: number;
  vocabSize: number;
  input: string;
  embeddingSize: number | null;
  tokenMode: 'char' | 'word';
  parameters: number;
  step: number;
  epoch: number | null;
  bestValLoss: number | null;
  /** Validation loss of the last evaluation, when model.json records it. */
  lastValLoss: number | null;
  tensors: TensorSummary[];
  vocabulary: string[];
  runs: RunSummary[];
  /** What the model does ('lm' when model.json does not say). */
  task: ModelTask;
  /** A classifier's labels, in output order (null for other tasks). */
  labels: string[] | null;
  /** A task model's best evaluation (accuracy, macroF1 …), when model.json records it. */
  bestMetrics: Record<string, number> | null;
}

/** A record of finite numbers, keeping only the entries that are. */
function metricRecord(x: unknown): Record<string, number> | null {
  const o = obj(x);
  if (!o) return null;
  const out = Object.fromEntries(Object.entries(o).filter((e): e is [string, number] => num(e[1]) !== null));
  return Object.keys(out).length > 0 ? out : null;
}

const obj = (x: unknown): Json | null => (isObject(x) ? x : null);
const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);

/** History rows kept: lists of numbers (null where JSON turned NaN into null), at least [step, value]. */
function rows(v: unknown): number[][] {
  return Array.isArray(v) ? v.filter((r): r is number[] => Array.isArray(r) && r.length >= 2 && r.every((x) => typeof x === 'number' || x === null)) : [];
}

/** A history of any quality → the typed history, malformed rows and runs dropped; never throws. */
export function tolerantHistory(raw: unknown): TrainingHistory {
  const h = obj(raw);
  if (!h) return { runs: [], steps: [], evals: [] };
  const runs: RunRecord[] = (Array.isArray(h.runs) ? h.runs : []).flatMap((r): RunRecord[] => {
    const o = obj(r);
    const startStep = num(o?.startStep);
    const endStep = num(o?.endStep);
    if (!o || startStep === null || endStep === null) return [];
    const run: RunRecord = { startStep, endStep };
    if (str(o.startedAt) !== null) run.startedAt = o.startedAt as string;
    if (str(o.reason) !== null) run.reason = o.reason as string;
    if (str(o.backend) !== null) run.backend = o.backend as string;
    if (num(o.tokensPerSecond) !== null) run.tokensPerSecond = o.tokensPerSecond as number;
    if (num(o.elapsedMs) !== null) run.elapsedMs = o.elapsedMs as number;
    if (num(o.bestValLoss) !== null) run.bestValLoss = o.bestValLoss as number;
    return [run];
  });
  return { runs, steps: rows(h.steps), evals: rows(h.evals) };
}

/** model.json content → summary, or one sentence saying why it cannot be shown. */
export function summarizeModelJson(json: unknown, dir: string, folderName: string): ModelSummary | string {
  const m = obj(json);
  if (!m) return 'model.json does not hold a JSON object.';
  if (m.format !== undefined && m.format !== MODEL_FORMAT) return `model.json is not an RNN Lab model (format ${JSON.stringify(m.format)}).`;
  if (typeof m.formatVersion === 'number' && m.formatVersion > MODEL_FORMAT_VERSION) {
    return `model.json has format version ${m.formatVersion}; this RNN Lab reads version ${MODEL_FORMAT_VERSION}.`;
  }
  const net = obj(m.network);
  if (!net) return 'model.json has no network section.';
  const cell = net.cell;
  if (cell !== 'rnn' && cell !== 'gru' && cell !== 'lstm') return `model.json names an unknown cell ${JSON.stringify(cell)}.`;
  const layers = num(net.layers);
  const units = num(net.units);
  if (layers === null || units === null) return 'model.json lacks the number of layers or units.';
  const vocab = obj(m.vocabulary);
  const tokens = Array.isArray(vocab?.tokens) ? (vocab!.tokens as unknown[]).filter((t): t is string => typeof t === 'string') : [];
  const state = obj(m.state) ?? {};
  const weights = obj(m.weights);
  const tensors: TensorSummary[] = Array.isArray(weights?.tensors)
    ? (weights!.tensors as unknown[]).flatMap((t) => {
        const o = obj(t);
        const shape = Array.isArray(o?.shape) ? (o!.shape as unknown[]).filter((n): n is number => typeof n === 'number') : null;
        return o && typeof o.name === 'string' && shape ? [{ name: o.name, shape }] : [];
      })
    : [];
  const parameters = num(m.parameters) ?? tensors.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
  const history = tolerantHistory(m.history);
  const runs: RunSummary[] = history.runs!.map((r, i) => ({
    index: i + 1,
    startStep: r.startStep,
    endStep: r.endStep,
    reason: r.reason ?? null,
    startedAt: r.startedAt ?? null,
    bestValLoss: r.bestValLoss ?? null,
    elapsedMs: r.elapsedMs ?? null,
    tokensPerSecond: r.tokensPerSecond ?? null,
  }));
  const tail = history.evals![history.evals!.length - 1];
  const lastEvalLoss = tail ? num(tail[1]) : null;
  const vocabSize = num(net.vocabSize) ?? tokens.length;
  return {
    name: str(m.name) ?? folderName,
    dir,
    cell,
    layers,
    units,
    vocabSize,
    input: str(net.input) ?? 'onehot',
    embeddingSize: net.input === 'embedding' ? num(net.embeddingSize) : null,
    tokenMode: vocab?.mode === 'word' ? 'word' : 'char',
    parameters,
    step: num(state.step) ?? 0,
    epoch: num(state.epoch),
    bestValLoss: num(state.bestValLoss),
    lastValLoss: num(state.lastValLoss) ?? lastEvalLoss,
    tensors,
    vocabulary: tokens,
    runs,
    task: MODEL_TASKS.includes(m.task as ModelTask) ? (m.task as ModelTask) : 'lm',
    labels: Array.isArray(m.labels) ? (m.labels as unknown[]).filter((l): l is string => typeof l === 'string') : null,
    bestMetrics: metricRecord(obj(state.best)?.metrics),
  };
}

/** A checkpoint folder's model.json content → its step and best validation loss. */
export function summarizeCheckpointJson(json: unknown, kind: 'latest' | 'best'): CheckpointSummary {
  const state = obj(obj(json)?.state) ?? {};
  // The latest row shows where training is now, which on an overfitting run is far from the best.
  const valLoss = kind === 'latest' ? (num(state.lastValLoss) ?? num(state.bestValLoss)) : num(state.bestValLoss);
  return { kind, step: num(state.step), valLoss, trainLoss: num(state.lastTrainLoss) };
}
