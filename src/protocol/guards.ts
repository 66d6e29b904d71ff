// Runtime validators for the engine's plain-JSON types (trainer events, inspect results), used
// wherever such a value crosses a process or webview boundary.

import type { CellType, GateName } from '../engine/config.js';
import type { GradientFlow, InspectResult, LayerTrace, Prediction } from '../engine/types.js';
import type { TrainerEvent } from '../training/events.js';

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

/** True when every key in `numbers` holds a number (NaN allowed) and every key in `strings` a string. */
function hasFields(o: Json, numbers: readonly string[], strings: readonly string[] = [], measured: readonly string[] = []): boolean {
  return numbers.every((k) => isNumber(o[k])) && strings.every((k) => isString(o[k])) && measured.every((k) => isMeasured(o[k]));
}

export function isTrainerEvent(v: unknown): v is TrainerEvent {
  if (!isObject(v)) return false;
  switch (v.event) {
    case 'start':
      return (
        hasFields(v, ['parameters', 'vocabSize', 'trainTokens', 'valTokens', 'stepsPerEpoch', 'startStep'], ['modelDir', 'backend']) &&
        isObject(v.network) && isCellType(v.network.cell) && isNumber(v.network.layers) && isNumber(v.network.units) &&
        isObject(v.train) && isNullOr(v.totalSteps, isNumber) && isBool(v.resumed)
      );
    case 'step':
      return (
        hasFields(v, ['step', 'epoch', 'lr', 'tokensPerSecond', 'tokensSeen', 'elapsedMs'], [], ['loss', 'gradNorm']) &&
        isMeasuredArray(v.layerGradNorms)
      );
    case 'eval':
      return hasFields(v, ['step', 'epoch'], [], ['valLoss', 'valBitsPerToken', 'valPerplexity']) && isBool(v.best);
    case 'sample':
      return hasFields(v, ['step', 'temperature'], ['text']);
    case 'checkpoint':
      return hasFields(v, ['step'], ['dir']) && (v.kind === 'latest' || v.kind === 'best');
    case 'nan':
      return hasFields(v, ['step'], ['message']) && isMeasuredArray(v.recentGradNorms);
    case 'warning':
      return hasFields(v, ['step'], ['message']) && (v.kind === 'small-text' || v.kind === 'overfitting');
    case 'done':
      return (
        hasFields(v, ['step', 'epoch', 'tokensPerSecond'], ['backend', 'modelDir', 'reason', 'message']) &&
        isMeasured(v.trainLoss) && isMeasured(v.valLoss) && isMeasured(v.bestValLoss)
      );
    default:
      return false;
  }
}

const isPrediction = (v: unknown): v is Prediction => isObject(v) && isString(v.token) && isNumber(v.p);

const isMatrix = (v: unknown, rows: number, cols: number): v is number[][] =>
  Array.isArray(v) && v.length === rows && v.every((r) => Array.isArray(r) && r.length === cols && r.every(isMeasured));

function isLayerTrace(v: unknown, steps: number): v is LayerTrace {
  if (!isObject(v) || !isNumber(v.layer) || !isCellType(v.cell) || !isNumber(v.units)) return false;
  if (v.direction !== 'forward' && v.direction !== 'backward') return false;
  if (!isObject(v.gates) || !isObject(v.saturation)) return false;
  const units = v.units;
  for (const [name, m] of Object.entries(v.gates)) {
    if (!isGateName(name) || !isMatrix(m, steps, units)) return false;
  }
  for (const [name, s] of Object.entries(v.saturation)) {
    if (!isGateName(name) || !isObject(s)) return false;
    if (!isNumber(s.low) || !isNumber(s.high) || !isNumberArray(s.unitLow) || !isNumberArray(s.unitHigh)) return false;
  }
  return true;
}

export const isGradientFlow = (v: unknown): v is GradientFlow =>
  isObject(v) && isNumber(v.position) && Array.isArray(v.norms) && v.norms.every(isMeasuredArray);

/** Checks the shape as well as the types: every gate matrix is tokens × units. */
export function isInspectResult(v: unknown): v is InspectResult {
  if (!isObject(v) || !isStringArray(v.tokens) || !isNumberArray(v.offsets) || !isCellType(v.cell)) return false;
  const steps = v.tokens.length;
  if (v.offsets.length !== steps + 1 && v.offsets.length !== steps) return false;
  if (!Array.isArray(v.layers) || !v.layers.every((l) => isLayerTrace(l, steps))) return false;
  if (!Array.isArray(v.predictions) || !v.predictions.every((p) => isArrayOf(p, isPrediction))) return false;
  return v.gradients === undefined || isGradientFlow(v.gradients);
}
