// Messages between the extension host and the three webview panels: one descriptor per
// message with a type guard, so both sides validate what arrives and narrow its payload.

import type { GateName } from '../engine/config.js';
import type { GradientFlow } from '../engine/types.js';
import type { ModelTask } from '../model/index.js';
import type { DoneEvent, EvalEvent, NanEvent, SampleEvent, StartEvent, StepEvent, TrainerEvent } from '../training/events.js';
import {
  isArrayOf,
  isCellType,
  isFiniteNumber,
  isGateName,
  isGradientFlow,
  isWireInspectResult,
  isNullOr,
  isNumber,
  isNumberArray,
  isObject,
  isString,
  isStringArray,
  isTrainerEvent,
  type Json,
} from './guards.js';
import type { WireInspectResult } from './inspectWire.js';
import { SERIES_FORMATS, type SeriesFormat } from './seriesExport.js';
import { isOverlayRunArray, isRunSeries, type OverlayRun, type RunSeries } from './runSeries.js';
import { isTaskSeries, type TaskSeries } from './taskSeries.js';

/** A message descriptor: its type tag, and a guard that checks the whole payload. */
export interface MessageType<T extends string, M extends { type: T }> {
  readonly type: T;
  is(m: unknown): m is M;
  /** Builds the message; typed so a host cannot post a payload that would fail `is`. */
  create(payload: Omit<M, 'type'>): M;
}

function messageType<M extends { type: string }>(type: M['type'], check: (m: Json) => boolean): MessageType<M['type'], M> {
  return {
    type,
    is: (m: unknown): m is M => isObject(m) && m.type === type && check(m),
    create: (payload) => ({ ...payload, type }) as M,
  };
}

/** A model the panels can name and choose between. */
export interface ModelRef {
  name: string;
  dir: string;
  cell: 'rnn' | 'gru' | 'lstm';
  layers: number;
  units: number;
  /** What the model does; absent means a language model (fixtures and saved states from before tasks). */
  task?: ModelTask;
}
// The value list of ModelTask (src/model is Node code: the webviews import only its types).
const TASKS: readonly ModelTask[] = ['lm', 'classify', 'tag', 'seq2seq', 'label-lm'];
export const isModelRef = (v: unknown): v is ModelRef =>
  isObject(v) && isString(v.name) && isString(v.dir) && isCellType(v.cell) && isNumber(v.layers) && isNumber(v.units) &&
  (v.task === undefined || TASKS.includes(v.task as ModelTask));

// ─── both directions ────────────────────────────────────────────────────────────────────

/** Webview → host: the page has loaded and listens; the host posts nothing before this. */
export interface ReadyMessage { type: 'ready' }
export const Ready = messageType<ReadyMessage>('ready', () => true);

/** Host → webview: a request failed; shown in the panel as one sentence. */
export interface ErrorMessage { type: 'error'; message: string }
export const ErrorMsg = messageType<ErrorMessage>('error', (m) => isString(m.message));

// ─── training dashboard ─────────────────────────────────────────────────────────────────

export type TrainingStatus = 'idle' | 'running' | 'paused' | 'stopped';
const STATUSES: readonly TrainingStatus[] = ['idle', 'running', 'paused', 'stopped'];
const isStatus = (v: unknown): v is TrainingStatus => STATUSES.includes(v as TrainingStatus);

/** Everything the dashboard draws, re-sent in full on every "ready". */
export interface DashboardSnapshot {
  model: { name: string; dir: string } | null;
  status: TrainingStatus;
  start: StartEvent | null;
  lastStep: StepEvent | null;
  lastEval: EvalEvent | null;
  done: DoneEvent | null;
  /** Downsampled by the host when long. */
  series: RunSeries;
  samples: SampleEvent[];
  nans: NanEvent[];
  overlays: OverlayRun[];
  /** A task run's metrics over steps and latest confusion matrix (absent for a language model). */
  task?: TaskSeries;
}

const isEventOf = <K extends TrainerEvent['event']>(kind: K) =>
  (v: unknown): v is Extract<TrainerEvent, { event: K }> => isTrainerEvent(v) && v.event === kind;

export const isDashboardSnapshot = (v: unknown): v is DashboardSnapshot =>
  isObject(v) &&
  isNullOr(v.model, (m): m is { name: string; dir: string } => isObject(m) && isString(m.name) && isString(m.dir)) &&
  isStatus(v.status) &&
  isNullOr(v.start, isEventOf('start')) &&
  isNullOr(v.lastStep, isEventOf('step')) &&
  isNullOr(v.lastEval, isEventOf('eval')) &&
  isNullOr(v.done, isEventOf('done')) &&
  isRunSeries(v.series) &&
  isArrayOf(v.samples, isEventOf('sample')) &&
  isArrayOf(v.nans, isEventOf('nan')) &&
  isOverlayRunArray(v.overlays) &&
  (v.task === undefined || isTaskSeries(v.task));

/** Host → dashboard: the full state (on ready, and when a new run starts). */
export interface DashboardStateMessage { type: 'dashboard/state'; snapshot: DashboardSnapshot }
export const DashboardState = messageType<DashboardStateMessage>('dashboard/state', (m) => isDashboardSnapshot(m.snapshot));

/** Host → dashboard: trainer events since the last batch (batches are ≤ 10 per second). */
export interface DashboardEventsMessage { type: 'dashboard/events'; events: TrainerEvent[] }
export const DashboardEvents = messageType<DashboardEventsMessage>('dashboard/events', (m) => isArrayOf(m.events, isTrainerEvent));

/** Host → dashboard: training was paused, resumed or stopped. */
export interface DashboardStatusMessage { type: 'dashboard/status'; status: TrainingStatus }
export const DashboardStatus = messageType<DashboardStatusMessage>('dashboard/status', (m) => isStatus(m.status));

/** `temperature` sets the temperature of the periodic samples from now on. */
export type TrainingAction = 'stop' | 'pause' | 'resume' | 'checkpoint' | 'sample' | 'temperature';
const ACTIONS: readonly TrainingAction[] = ['stop', 'pause', 'resume', 'checkpoint', 'sample', 'temperature'];

/** Dashboard → host: a training control button; `temperature` goes with "sample". */
export interface DashboardControlMessage { type: 'dashboard/control'; action: TrainingAction; temperature?: number }
export const DashboardControl = messageType<DashboardControlMessage>(
  'dashboard/control',
  (m) => ACTIONS.includes(m.action as TrainingAction) && (m.temperature === undefined || (isFiniteNumber(m.temperature) && m.temperature >= 0)),
);

// ─── gate inspector ─────────────────────────────────────────────────────────────────────

/** Host → inspector: the models to choose from and the one in use. */
export interface InspectorModelsMessage { type: 'inspector/models'; models: ModelRef[]; selected: string | null }
export const InspectorModels = messageType<InspectorModelsMessage>(
  'inspector/models',
  (m) => isArrayOf(m.models, isModelRef) && isNullOr(m.selected, isString),
);

/** Host → inspector: an inspection is running for this text. */
export interface InspectorBusyMessage { type: 'inspector/busy'; text: string }
export const InspectorBusy = messageType<InspectorBusyMessage>('inspector/busy', (m) => isString(m.text));

/** Host → inspector: the traces of `model` over `text`. */
export interface InspectorResultMessage {
  type: 'inspector/result';
  model: ModelRef;
  text: string;
  /** Quantised traces (src/protocol/inspectWire.ts); decodeInspectResult gives the values. */
  result: WireInspectResult;
  /** Engine time for the inspection, for the status line. */
  inspectMs: number;
}
export const InspectorResult = messageType<InspectorResultMessage>(
  'inspector/result',
  (m) => isModelRef(m.model) && isString(m.text) && isWireInspectResult(m.result) && isNumber(m.inspectMs),
);

/** Inspector → host: run `modelDir` over text typed in the panel. */
export interface InspectorRunMessage { type: 'inspector/run'; modelDir: string; text: string }
export const InspectorRun = messageType<InspectorRunMessage>('inspector/run', (m) => isString(m.modelDir) && isString(m.text) && m.text.length > 0);

/** Which trace a unit selection came from, and the per-character values to colour by. */
export interface UnitSelection {
  layer: number;
  gate: GateName;
  unit: number;
  /** The text the values belong to (the host checks it is still what the editor shows). */
  text: string;
  /** charValues[i] colours text[i]; a character inherits the value of its token. */
  charValues: number[];
  /** `signed`: values in [−1, 1] (tanh states); `unit`: values in [0, 1] (gates). */
  scale: 'signed' | 'unit';
}
export const isUnitSelection = (v: unknown): v is UnitSelection =>
  isObject(v) && isNumber(v.layer) && isGateName(v.gate) && isNumber(v.unit) && isString(v.text) &&
  isNumberArray(v.charValues) && v.charValues.length === v.text.length && (v.scale === 'signed' || v.scale === 'unit');

/** Inspector → host: a unit was clicked (colour the editor), or `null` after Escape (clear). */
export interface InspectorSelectUnitMessage { type: 'inspector/selectUnit'; selection: UnitSelection | null }
export const InspectorSelectUnit = messageType<InspectorSelectUnitMessage>('inspector/selectUnit', (m) => isNullOr(m.selection, isUnitSelection));

// ─── gradient flow ──────────────────────────────────────────────────────────────────────

/** One model's ‖∂L⟨T⟩/∂a⟨t⟩‖ curve per layer. */
export interface GradientSeries {
  model: ModelRef;
  flow: GradientFlow;
}
const isGradientSeries = (v: unknown): v is GradientSeries => isObject(v) && isModelRef(v.model) && isGradientFlow(v.flow);

/** Host → gradients: the text, the models available, which are overlaid and their curves. */
export interface GradientsStateMessage {
  type: 'gradients/state';
  text: string;
  /** Token strings of `text` (from the first model), to show the chosen position. */
  tokens: string[];
  position: number;
  /** Where `text` came from, in words ("the selection in notes.txt"); absent after a reload. */
  source?: string;
  models: ModelRef[];
  series: GradientSeries[];
}
export const GradientsState = messageType<GradientsStateMessage>(
  'gradients/state',
  (m) => isString(m.text) && isStringArray(m.tokens) && isNumber(m.position) && (m.source === undefined || isString(m.source)) &&
    isArrayOf(m.models, isModelRef) && isArrayOf(m.series, isGradientSeries),
);

/** Host → gradients: a computation is running. */
export interface GradientsBusyMessage { type: 'gradients/busy' }
export const GradientsBusy = messageType<GradientsBusyMessage>('gradients/busy', () => true);

/** Gradients → host: compute the curves of these models at this text position. */
export interface GradientsComputeMessage { type: 'gradients/compute'; modelDirs: string[]; position: number }
export const GradientsCompute = messageType<GradientsComputeMessage>(
  'gradients/compute',
  (m) => isStringArray(m.modelDirs) && m.modelDirs.length > 0 && Number.isInteger(m.position) && (m.position as number) >= 0,
);

// ─── revive state ───────────────────────────────────────────────────────────────────────
// What each webview keeps in its saved state (part of its UI state) so that the host can
// reopen the panel after a window reload; the host reads it from an untyped saved object.

/** Dashboard: the model shown. */
export interface DashboardReviveState { modelDir: string | null }
export const readDashboardRevive = (saved: Json): DashboardReviveState => ({ modelDir: isString(saved.modelDir) ? saved.modelDir : null });

/** Gate inspector: the model and the text inspected. */
export interface InspectorReviveState { modelDir: string | null; text: string }
export const readInspectorRevive = (saved: Json): InspectorReviveState => ({
  modelDir: isString(saved.modelDir) ? saved.modelDir : null,
  text: isString(saved.text) ? saved.text : '',
});

/** Gradient flow: the models overlaid, the position T and the text. */
export interface GradientsReviveState {
  modelDirs: string[];
  position: number | null;
  /** Empty before the first result. */
  text: string;
}
export const readGradientsRevive = (saved: Json): GradientsReviveState => ({
  modelDirs: Array.isArray(saved.modelDirs) ? saved.modelDirs.filter(isString) : [],
  position: isNumber(saved.position) ? saved.position : null,
  text: isString(saved.text) ? saved.text : '',
});

// ─── dispatch ───────────────────────────────────────────────────────────────────────────
// Unions and descriptor lists are named by direction, as HostToWorkerMessage is.

/** Dashboard → host: save the shown run's series as a file (the host asks where). */
export interface DashboardExportMessage { type: 'dashboard/export'; format: SeriesFormat }
export const DashboardExport = messageType<DashboardExportMessage>('dashboard/export', (m) => SERIES_FORMATS.includes(m.format as SeriesFormat));

export type HostToDashboard = DashboardStateMessage | DashboardEventsMessage | DashboardStatusMessage | ErrorMessage;
export type DashboardToHost = ReadyMessage | DashboardControlMessage | DashboardExportMessage;
export type HostToInspector = InspectorModelsMessage | InspectorBusyMessage | InspectorResultMessage | ErrorMessage;
export type InspectorToHost = ReadyMessage | InspectorRunMessage | InspectorSelectUnitMessage;
export type HostToGradients = GradientsStateMessage | GradientsBusyMessage | ErrorMessage;
export type GradientsToHost = ReadyMessage | GradientsComputeMessage;

/** Descriptors each side accepts; anything else is dropped (and logged, or warned about in the console). */
export const HOST_TO_DASHBOARD = [DashboardState, DashboardEvents, DashboardStatus, ErrorMsg] as const;
export const DASHBOARD_TO_HOST = [Ready, DashboardControl, DashboardExport] as const;
export const HOST_TO_INSPECTOR = [InspectorModels, InspectorBusy, InspectorResult, ErrorMsg] as const;
export const INSPECTOR_TO_HOST = [Ready, InspectorRun, InspectorSelectUnit] as const;
export const HOST_TO_GRADIENTS = [GradientsState, GradientsBusy, ErrorMsg] as const;
export const GRADIENTS_TO_HOST = [Ready, GradientsCompute] as const;

type Guarded<D> = D extends MessageType<string, infer M> ? M : never;

/** The message if one of `descriptors` accepts it, else null. */
export function validate<const D extends readonly MessageType<string, { type: string }>[]>(
  descriptors: D,
  message: unknown,
): Guarded<D[number]> | null {
  for (const d of descriptors) if (d.is(message)) return message as Guarded<D[number]>;
  return null;
}

/** A short description of a rejected message for logs, without dumping a large payload. */
export function describeRejected(message: unknown): string {
  const type = isObject(message) && isString(message.type) ? message.type : typeof message;
  return `ignored an invalid or unknown message (${type})`;
}
