// The one home of runtime type guards: the small ones (object, string, number…) and the
// validators of the engine's plain-JSON types (trainer events, inspect results), used wherever
// such a value crosses a process or webview boundary.

import type { CellType, GateName } from '../engine/config.js';
import type { GradientFlow, InspectResult, LayerTrace, Prediction, TaskInspection } from '../engine/types.js';
import type { StopReason, TrainerEvent } from '../training/events.js';
import type { WireInspectResult, WireLayerTrace, WireTraceRange } from './inspectWire.js';

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isString = (v: unknown): v is string => typeof v === 'string';
export const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
// NaN and ±Infinity do not survive JSON, but postMessage keeps them; a NaN loss is real data.
export const isNumber = (v: unknown): v is number => typeof v === 'number';
export const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNumber);
/**
 * A measured value that may be NaN/Infinity: VS Code serialises webview messages as JSON, which
 * turns those into null, so null is accepted and treated as "not finite" by the readers.
 */
export const isMeasured = (v: unknown): v is number => typeof v === 'number' || v === null;
export const isMeasuredArray = (v: unknown): v is number[] => Array.isArray(v) && v.every(isMeasured);
export const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
export const isNullOr = <T>(v: unknown, is: (x: unknown) => x is T): v is T | null => v === null || is(v);
export const isArrayOf = <T>(v: unknown, is: (x: unknown) => x is T): v is T[] => Array.isArray(v) && v.every(is);

const CELLS: readonly CellType[] = ['rnn', 'gru', 'lstm'];
const GATES: readonly GateName[] = ['gammaU', 'gammaF', 'gammaO', 'gammaR', 'cTilde', 'c', 'a'];
export const isCellType = (v: unknown): v is CellType => CELLS.includes(v as CellType);
export const isGateName = (v: unknown): v is GateName => GATES.includes(v as GateName);

type FieldCheck = (v: unknown) => boolean;

const isNetworkShape = (v: unknown) => isObject(v) && isCellType(v.cell) && isNumber(v.layers) && isNumber(v.units);
const optional = (is: FieldCheck): FieldCheck => (v) => v === undefined || is(v);
const isMetricRecord = (v: unknown) => isObject(v) && Object.values(v).every(isMeasured);
export const isCountMatrix = (v: unknown) => Array.isArray(v) && v.every(isNumberArray);
const STOP_REASONS: readonly StopReason[] = ['steps', 'epochs', 'minutes', 'aborted', 'nan'];

/**
 * Field checks per trainer event. Numbers may be NaN (a diverged run reports NaN losses);
 * measured values may also be null, which is what JSON (a webview message) makes of NaN.
 */
const EVENT_FIELDS: { [K in TrainerEvent['event']]: Record<Exclude<keyof Extract<TrainerEvent, { event: K }>, 'event'>, FieldCheck> } = {
  start: {
    task: optional(isString), labels: optional(isStringArray), modelDir: isString, backend: isString, network: isNetworkShape, train: isObject, parameters: isNumber,
    vocabSize: isNumber, trainTokens: isNumber, valTokens: isNumber, valScored: optional(isNumber), stepsPerEpoch: isNumber,
    startStep: isNumber, startElapsedMs: isNumber, totalSteps: (v) => isNullOr(v, isNumber), resumed: isBool,
    compute: optional((v) => isObject(v) && (v.kernels === 'native' || v.kernels === 'portable') && isNumber(v.workers)),
  },
  step: {
    step: isNumber, epoch: isNumber, loss: isMeasured, gradNorm: isMeasured, layerGradNorms: isMeasuredArray, lr: isNumber,
    tokensPerSecond: isNumber, tokensSeen: isNumber, elapsedMs: isNumber,
  },
  eval: {
    step: isNumber, epoch: isNumber, valLoss: isMeasured, valBitsPerToken: isMeasured, valPerplexity: isMeasured, best: isBool,
    metrics: optional(isMetricRecord), confusion: optional(isCountMatrix),
  },
  sample: { step: isNumber, temperature: isNumber, text: isString, label: optional(isString) },
  checkpoint: { step: isNumber, kind: (v) => v === 'latest' || v === 'best', dir: isString },
  nan: { step: isNumber, recentGradNorms: isMeasuredArray, message: isString },
  warning: { kind: (v) => v === 'small-text' || v === 'overfitting', step: isNumber, message: isString },
  done: {
    step: isNumber, epoch: isNumber, trainLoss: isMeasured, valLoss: isMeasured, bestValLoss: isMeasured,
    tokensPerSecond: isNumber, backend: isString, modelDir: isString,
    reason: (v) => STOP_REASONS.includes(v as StopReason), message: isString,
  },
};

/** Why `v` is not a well-formed trainer event, or null when it is one. */
export function trainerEventProblem(v: unknown): string | null {
  if (!isObject(v)) return 'trainer event is not an object';
  const kind = v.event;
  if (!isString(kind) || !Object.hasOwn(EVENT_FIELDS, kind)) return `unknown trainer event ${JSON.stringify(kind)}`;
  for (const [field, ok] of Object.entries(EVENT_FIELDS[kind as TrainerEvent['event']] as Record<string, FieldCheck>)) {
    if (!ok(v[field])) return `trainer event "${kind}" has a bad ${field}: ${JSON.stringify(v[field])}`;
  }
  return null;
}

export const isTrainerEvent = (v: unknown): v is TrainerEvent => trainerEventProblem(v) === null;

const isPrediction = (v: unknown): v is Prediction => isObject(v) && isString(v.token) && isNumber(v.p);

const isMatrix = (v: unknown, rows: number, cols: number): v is number[][] =>
  Array.isArray(v) && v.length === rows && v.every((r) => Array.isArray(r) && r.length === cols && r.every(isMeasured));

const isPart = (v: unknown) => v === undefined || v === 'decoder';

function isLayerTrace(v: unknown, tokens: number, decoderTokens: number): v is LayerTrace {
  if (!isObject(v) || !isNumber(v.layer) || !isCellType(v.cell) || !isNumber(v.units) || !isPart(v.part)) return false;
  const steps = v.part === 'decoder' ? decoderTokens : tokens;
  if (v.direction !== 'forward' && v.direction !== 'backward') return false;
  if (!isObject(v.gates) || !isObject(v.saturation)) return false;
  const units = v.units;
  for (const [name, m] of Object.entries(v.gates)) {
    if (!isGateName(name) || !isMatrix(m, steps, units)) return false;
  }
  return isSaturations(v.saturation);
}

const isSaturations = (v: Json): boolean =>
  Object.entries(v).every(([name, s]) => isGateName(name) && isObject(s) && isNumber(s.low) && isNumber(s.high) && isNumberArray(s.unitLow) && isNumberArray(s.unitHigh));

const isTraceRange = (v: unknown): v is WireTraceRange => isObject(v) && isFiniteNumber(v.lo) && isFiniteNumber(v.hi) && v.hi > v.lo;

function isWireLayer(v: unknown): v is WireLayerTrace {
  if (!isObject(v) || !isNumber(v.layer) || !isCellType(v.cell) || !isNumber(v.units) || !isPart(v.part)) return false;
  if (v.direction !== 'forward' && v.direction !== 'backward') return false;
  if (!isObject(v.gates) || !Object.entries(v.gates).every(([g, r]) => isGateName(g) && isTraceRange(r))) return false;
  return isObject(v.saturation) && isSaturations(v.saturation);
}

/** The inspector's wire result; the length of its trace stream is checked when it is inflated. */
export function isWireInspectResult(v: unknown): v is WireInspectResult {
  if (!isObject(v) || !isStringArray(v.tokens) || !isNumberArray(v.offsets) || !isCellType(v.cell) || !isString(v.traces)) return false;
  const steps = v.tokens.length;
  if (v.offsets.length !== steps + 1 && v.offsets.length !== steps) return false;
  if (!Array.isArray(v.layers) || !v.layers.every(isWireLayer)) return false;
  if (!Array.isArray(v.predictions) || !v.predictions.every((p) => isArrayOf(p, isPrediction))) return false;
  return isTaskParts(v, steps) && (v.gradients === undefined || isGradientFlow(v.gradients));
}

const isIndex = (v: unknown, n: number): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < n;

/** A task inspection whose rows match the text's `steps` tokens and the decoder's `outputs` steps. */
export function isTaskInspection(v: unknown, steps: number, outputs: number): v is TaskInspection {
  if (!isObject(v)) return false;
  if (v.task === 'classify') {
    if (!isStringArray(v.labels) || !isMeasuredArray(v.probabilities) || !isMeasuredArray(v.saliency)) return false;
    const k = v.labels.length;
    return v.probabilities.length === k && isIndex(v.predicted, k) && isMatrix(v.stepProbabilities, steps, k) && v.saliency.length === steps;
  }
  if (v.task === 'tag') {
    if (!isStringArray(v.tags) || !Array.isArray(v.predicted)) return false;
    const k = v.tags.length;
    return isMatrix(v.probabilities, steps, k) && v.predicted.length === steps && v.predicted.every((p) => isIndex(p, k));
  }
  if (v.task === 'seq2seq') return isString(v.output) && isMatrix(v.saliency, outputs, steps) && (v.attention === undefined || isMatrix(v.attention, outputs, steps));
  return false;
}

/** decoderTokens and task agree with the layers and the text (shared by both result guards). */
function isTaskParts(v: Json, steps: number): boolean {
  if (v.decoderTokens !== undefined && !isStringArray(v.decoderTokens)) return false;
  const outputs = (v.decoderTokens as string[] | undefined)?.length;
  // A decoder layer's steps are the decoder tokens: they must be there.
  if (outputs === undefined && (v.layers as Json[]).some((l) => l.part === 'decoder')) return false;
  return v.task === undefined || isTaskInspection(v.task, steps, outputs ?? 0);
}

export const isGradientFlow = (v: unknown): v is GradientFlow =>
  isObject(v) && isNumber(v.position) && Array.isArray(v.norms) && v.norms.every(isMeasuredArray);

/** Checks the shape as well as the types: every gate matrix is tokens × units. */
export function isInspectResult(v: unknown): v is InspectResult {
  if (!isObject(v) || !isStringArray(v.tokens) || !isNumberArray(v.offsets) || !isCellType(v.cell)) return false;
  const steps = v.tokens.length;
  if (v.offsets.length !== steps + 1 && v.offsets.length !== steps) return false;
  const outputs = isStringArray(v.decoderTokens) ? v.decoderTokens.length : 0;
  if (!Array.isArray(v.layers) || !v.layers.every((l) => isLayerTrace(l, steps, outputs))) return false;
  if (!Array.isArray(v.predictions) || !v.predictions.every((p) => isArrayOf(p, isPrediction))) return false;
  return isTaskParts(v, steps) && (v.gradients === undefined || isGradientFlow(v.gradients));
}
