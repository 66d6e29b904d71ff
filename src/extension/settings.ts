// Pure settings resolution (no vscode import): `rnnLab.*` values → training presets and
// TrainOptions, completion settings, the models folder. Unit-tested without VS Code.

import * as path from 'node:path';
import type { BackendChoice, CellType, TokenMode } from '../engine/config.js';
import { LANGUAGE_MODEL_DEFAULTS, resolveTrainConfig } from '../training/config.js';
import type { TrainOptions } from '../training/config.js';

export type PresetId = 'quick' | 'standard' | 'custom';

export interface TrainingSettings {
  preset: PresetId;
  /** null = the preset's own duration. */
  minutes: number | null;
  epochs: number | null;
  steps: number | null;
  cell: CellType;
  layers: number;
  units: number;
  tokens: TokenMode;
  seqLen: number;
  batch: number;
  /** null = the optimizer's default. */
  lr: number | null;
  /** null = the preset's own (Quick and Custom 0.1, Standard the CLI's 0.25). */
  dropout: number | null;
  evalEvery: number;
  sampleEvery: number;
  checkpointEvery: number;
  backend: BackendChoice;
  /** Engines per language-model step (data-parallel threads); 0 = all cores, capped by the batch. */
  workers: number;
}

/** The trainer's own defaults: the extension trains as the CLI does unless told otherwise. */
const TRAINER_DEFAULTS = resolveTrainConfig({});

/** The defaults the manifest declares for `rnnLab.training.*` (a unit test keeps them in sync). */
export const TRAINING_DEFAULTS: TrainingSettings = {
  preset: 'quick',
  minutes: null,
  epochs: null,
  steps: null,
  cell: 'lstm',
  layers: 1,
  units: 128,
  tokens: 'char',
  seqLen: TRAINER_DEFAULTS.seqLen,
  batch: TRAINER_DEFAULTS.batch,
  lr: null,
  dropout: null,
  evalEvery: TRAINER_DEFAULTS.evalEvery,
  sampleEvery: TRAINER_DEFAULTS.sampleEvery,
  checkpointEvery: TRAINER_DEFAULTS.checkpointEvery,
  backend: 'auto',
  // One engine, unlike the CLI's all cores: two made the editor's keystroke latency p50 244 ms (92 ms with one) on 2 cores.
  workers: 1,
};

export interface Preset {
  id: PresetId;
  label: string;
  detail: string;
  cell?: CellType;
  layers?: number;
  units?: number;
  dropout?: number;
  minutes?: number;
}

/** Dropout of the Quick preset and of Custom runs when rnnLab.training.dropout is null. */
const PRESET_DROPOUT = 0.1;
const LM = LANGUAGE_MODEL_DEFAULTS;

export const PRESETS: readonly Preset[] = [
  { id: 'quick', label: 'Quick', detail: '1×128 LSTM, about 2 minutes', cell: 'lstm', layers: 1, units: 128, minutes: 2 },
  // The CLI's default language model, chosen by 10-minute runs on tiny-shakespeare (README "Learning quality").
  { id: 'standard', label: 'Standard', detail: `${LM.layers}×${LM.units} GRU, dropout ${LM.dropout}, about 10 minutes`, cell: LM.cell, layers: LM.layers, units: LM.units, dropout: LM.dropout, minutes: 10 },
  { id: 'custom', label: 'Custom…', detail: 'Choose cell, layers, units, tokens, sequence length and when to stop' },
];

export interface CompletionSettings {
  enabled: boolean;
  /** Model folder name (under the models folder) or an absolute path; '' = none chosen. */
  model: string;
  languages: string[];
  contextChars: number;
  maxChars: number;
  temperature: number;
  stopAtNewline: boolean;
}

export const COMPLETION_DEFAULTS: CompletionSettings = {
  enabled: false,
  model: '',
  languages: ['*'],
  contextChars: 256,
  maxChars: 40,
  temperature: 0,
  stopAtNewline: true,
};

/** Reads one setting by its key below the section (`get('training.units')`). */
export type SettingsReader = (key: string) => unknown;

export interface Resolved<T> {
  value: T;
  /** One sentence per setting that was ignored because its value was invalid. */
  warnings: string[];
}

function pick<T>(
  get: SettingsReader,
  key: string,
  fallback: T,
  ok: (x: unknown) => boolean,
  what: string,
  warnings: string[],
): T {
  const raw = get(key);
  if (raw === undefined) return fallback;
  if (ok(raw)) return raw as T;
  warnings.push(`Setting rnnLab.${key} must be ${what}; using ${JSON.stringify(fallback)} instead of ${JSON.stringify(raw)}.`);
  return fallback;
}

const intIn = (min: number, max: number) => (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
const positiveOrNull = (x: unknown) => x === null || (typeof x === 'number' && Number.isFinite(x) && x > 0);
const positiveIntOrNull = (x: unknown) => x === null || (typeof x === 'number' && Number.isInteger(x) && x > 0);
const oneOf = (...values: unknown[]) => (x: unknown) => values.includes(x);

export function readTrainingSettings(get: SettingsReader): Resolved<TrainingSettings> {
  const w: string[] = [];
  const d = TRAINING_DEFAULTS;
  const value: TrainingSettings = {
    preset: pick(get, 'training.preset', d.preset, oneOf('quick', 'standard', 'custom'), 'quick, standard or custom', w),
    minutes: pick(get, 'training.minutes', d.minutes, positiveOrNull, 'a positive number or null', w),
    epochs: pick(get, 'training.epochs', d.epochs, positiveOrNull, 'a positive number or null', w),
    steps: pick(get, 'training.steps', d.steps, positiveIntOrNull, 'a positive whole number or null', w),
    cell: pick(get, 'training.cell', d.cell, oneOf('rnn', 'gru', 'lstm'), 'rnn, gru or lstm', w),
    layers: pick(get, 'training.layers', d.layers, intIn(1, 16), 'a whole number from 1 to 16', w),
    units: pick(get, 'training.units', d.units, intIn(1, 4096), 'a whole number from 1 to 4096', w),
    tokens: pick(get, 'training.tokens', d.tokens, oneOf('char', 'word'), 'char or word', w),
    seqLen: pick(get, 'training.seqLen', d.seqLen, intIn(1, 4096), 'a whole number from 1 to 4096', w),
    batch: pick(get, 'training.batch', d.batch, intIn(1, 4096), 'a whole number from 1 to 4096', w),
    lr: pick(get, 'training.lr', d.lr, positiveOrNull, 'a positive number or null', w),
    dropout: pick(get, 'training.dropout', d.dropout, (x) => x === null || (typeof x === 'number' && x >= 0 && x < 1), 'in [0, 1) or null', w),
    evalEvery: pick(get, 'training.evalEvery', d.evalEvery, intIn(1, 1e9), 'a positive whole number', w),
    sampleEvery: pick(get, 'training.sampleEvery', d.sampleEvery, intIn(0, 1e9), 'a whole number ≥ 0', w),
    checkpointEvery: pick(get, 'training.checkpointEvery', d.checkpointEvery, intIn(1, 1e9), 'a positive whole number', w),
    backend: pick(get, 'training.backend', d.backend, oneOf('auto', 'wasm', 'cpu', 'tensorflow'), 'auto, wasm, cpu or tensorflow', w),
    workers: pick(get, 'training.workers', d.workers, intIn(0, 256), 'a whole number from 0 (all cores) to 256', w),
  };
  return { value, warnings: w };
}

/** The engines a run asks the trainer for: undefined (the trainer's default, all cores) for 0. */
export function trainingWorkers(s: Pick<TrainingSettings, 'workers'>): number | undefined {
  return s.workers === 0 ? undefined : s.workers;
}

export function readCompletionSettings(get: SettingsReader): Resolved<CompletionSettings> {
  const w: string[] = [];
  const d = COMPLETION_DEFAULTS;
  const value: CompletionSettings = {
    enabled: pick(get, 'completions.enabled', d.enabled, (x) => typeof x === 'boolean', 'true or false', w),
    model: pick(get, 'completions.model', d.model, (x) => typeof x === 'string', 'a model name or folder path', w),
    languages: pick(
      get, 'completions.languages', d.languages,
      (x) => Array.isArray(x) && x.every((s) => typeof s === 'string'), 'a list of language ids', w,
    ),
    contextChars: pick(get, 'completions.contextChars', d.contextChars, intIn(1, 100_000), 'a whole number from 1 to 100000', w),
    maxChars: pick(get, 'completions.maxChars', d.maxChars, intIn(1, 1000), 'a whole number from 1 to 1000', w),
    temperature: pick(get, 'completions.temperature', d.temperature, (x) => typeof x === 'number' && x >= 0 && x <= 10, 'a number from 0 to 10', w),
    stopAtNewline: pick(get, 'completions.stopAtNewline', d.stopAtNewline, (x) => typeof x === 'boolean', 'true or false', w),
  };
  return { value, warnings: w };
}

/** Answers of the Custom quick-pick flow. */
export interface CustomAnswers {
  cell: CellType;
  layers: number;
  units: number;
  tokens: TokenMode;
  seqLen: number;
  stopAfter: StopAfter;
}

export type StopAfter = { minutes: number } | { epochs: number } | { steps: number };

/** Settings + preset (+ Custom answers) → the options handed to `train()`. */
export function trainOptionsFor(preset: PresetId, s: TrainingSettings, custom?: CustomAnswers): TrainOptions {
  const common: TrainOptions = {
    tokens: s.tokens,
    seqLen: s.seqLen,
    batch: s.batch,
    dropout: s.dropout ?? PRESET_DROPOUT,
    evalEvery: s.evalEvery,
    sampleEvery: s.sampleEvery,
    checkpointEvery: s.checkpointEvery,
    backend: s.backend,
    ...(s.lr === null ? {} : { lr: s.lr }),
  };
  if (preset === 'custom') {
    if (!custom) throw new Error('The Custom preset needs the answers of the Custom flow.');
    return {
      ...common,
      cell: custom.cell,
      layers: custom.layers,
      units: custom.units,
      tokens: custom.tokens,
      seqLen: custom.seqLen,
      ...custom.stopAfter,
    };
  }
  const p = PRESETS.find((x) => x.id === preset);
  if (!p) throw new Error(`Unknown preset ${preset}.`);
  return {
    ...common,
    cell: p.cell,
    layers: p.layers,
    units: p.units,
    dropout: s.dropout ?? p.dropout ?? PRESET_DROPOUT,
    minutes: s.minutes ?? p.minutes,
    ...(s.epochs === null ? {} : { epochs: s.epochs }),
    ...(s.steps === null ? {} : { steps: s.steps }),
  };
}

/** The Custom flow's "stop after" default, from the settings. */
export function defaultStopAfter(s: TrainingSettings): string {
  if (s.steps !== null) return `${s.steps} steps`;
  if (s.epochs !== null) return `${s.epochs} epochs`;
  return `${s.minutes ?? 2} minutes`;
}

/** "40s", "90 seconds", "5m", "5 minutes", "3 epochs", "1000 steps" → StopAfter; a clear sentence when unreadable. */
export function parseStopAfter(input: string): StopAfter | string {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(input);
  const bad = 'Write how long to train as a number and a unit, for example "40 seconds", "2 minutes", "3 epochs" or "500 steps".';
  if (!m) return bad;
  const n = Number(m[1]);
  if (!(n > 0)) return 'The training length must be more than zero.';
  const unit = m[2]!.toLowerCase();
  // The trainer's budget is in minutes; seconds are a way of writing short ones.
  if (/^(s|secs?|seconds?)$/.test(unit)) return { minutes: n / 60 };
  if (unit === '' || /^(m|mins?|minutes?)$/.test(unit)) return { minutes: n };
  if (/^(e|epochs?)$/.test(unit)) return { epochs: n };
  if (/^steps?$/.test(unit)) {
    if (!Number.isInteger(n)) return 'The number of steps must be a whole number.';
    return { steps: n };
  }
  return bad;
}

/** A whole number from `min` to `max`, or a sentence saying what is wrong. */
export function parseIntInRange(input: string, name: string, min: number, max: number): number | string {
  const n = Number(input.trim());
  if (input.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    return `${name} must be a whole number from ${min} to ${max}.`;
  }
  return n;
}

/** Whether a document of `languageId` gets completions under the `languages` setting. */
export function languageMatches(languages: readonly string[], languageId: string): boolean {
  return languages.includes('*') || languages.includes(languageId);
}

/**
 * The models folder: the setting (absolute, `~/…`, or relative to the first workspace folder),
 * else `.rnnlab/models` in the first workspace folder, else the extension's global storage.
 */
export function resolveModelsDirectory(
  setting: string,
  workspaceFolder: string | undefined,
  globalStorage: string,
  home: string,
): string {
  const s = setting.trim();
  if (s !== '') {
    if (s === '~' || s.startsWith('~/')) return path.join(home, s.slice(1));
    if (path.isAbsolute(s)) return path.normalize(s);
    return path.resolve(workspaceFolder ?? globalStorage, s);
  }
  return workspaceFolder ? path.join(workspaceFolder, '.rnnlab', 'models') : path.join(globalStorage, 'models');
}

export interface PanelSettings {
  /** Open the dashboard when a training starts. */
  openDashboardOnTraining: boolean;
}

export const PANEL_DEFAULTS: PanelSettings = { openDashboardOnTraining: true };

export function readPanelSettings(get: SettingsReader): Resolved<PanelSettings> {
  const w: string[] = [];
  const value: PanelSettings = {
    openDashboardOnTraining: pick(get, 'panels.openDashboardOnTraining', PANEL_DEFAULTS.openDashboardOnTraining, (x) => typeof x === 'boolean', 'true or false', w),
  };
  return { value, warnings: w };
}

/** Where a setting stands: the values VS Code's `inspect()` reports per scope. */
export interface SettingScopes {
  workspaceFolderValue?: unknown;
  workspaceValue?: unknown;
  globalValue?: unknown;
}

/**
 * Where the extension writes a setting it changes on the user's behalf: the scope that already
 * holds a value (a workspace value would otherwise hide the change), else the user settings, so
 * `.vscode/settings.json` is never created or edited unasked.
 */
export function settingWriteScope(scopes: SettingScopes | undefined): 'workspaceFolder' | 'workspace' | 'global' {
  if (scopes?.workspaceFolderValue !== undefined) return 'workspaceFolder';
  if (scopes?.workspaceValue !== undefined) return 'workspace';
  return 'global';
}

/**
 * What rnnLab.completions.model holds for `modelDir`: its bare name only in a workspace's own
 * setting when it lies in the models folder; the user settings apply in every window, so they
 * name the folder in full.
 */
export function completionModelSetting(modelDir: string, modelsDir: string, scope: 'workspaceFolder' | 'workspace' | 'global'): string {
  const inModels = path.resolve(path.dirname(modelDir)) === path.resolve(modelsDir);
  return inModels && scope !== 'global' ? path.basename(modelDir) : path.resolve(modelDir);
}
