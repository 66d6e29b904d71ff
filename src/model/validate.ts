// The strict reader of model.json content: every field checked, every fault one
// ModelFormatError sentence naming the file. Pure (no file access), so it also checks text
// that came from elsewhere.

import { ATTENTION_KINDS, ConfigError, resolveNetworkConfig } from '../engine/config.js';
import type { AttentionKind, NetworkConfig, NetworkOptions, TokenMode } from '../engine/config.js';
import { Vocabulary } from '../engine/tokenizer.js';
import { isObject, type Json } from '../protocol/guards.js';
import { resolveTrainConfig } from '../training/config.js';
import type { OptimizerName, TrainConfig, TrainOptions } from '../training/config.js';
import { migrateModelJson } from './migrate.js';
import { CARRY_FILE, DEFAULT_TASK, MODEL_FORMAT, MODEL_FORMAT_VERSION, MODEL_TASKS, ModelFormatError, OPTIMIZER_FILE, WEIGHTS_FILE } from './schema.js';
import type { BinManifest, CarryManifest, ModelMeta, ModelTask, OptimizerManifest, TensorEntry, TrainingHistory, TrainingState } from './schema.js';

const fmt = (n: number) => n.toLocaleString('en-US');

function bad(where: string, message: string): never {
  throw new ModelFormatError(`${where} ${message}`);
}

function field<T>(where: string, obj: Json, key: string, test: (v: unknown) => v is T, what: string): T {
  const v = obj[key];
  if (!test(v)) bad(where, `has no valid "${key}" (expected ${what})`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isNullableNumber = (v: unknown): v is number | null => v === null || isNumber(v);
const isNullableCount = (v: unknown): v is number | null => v === null || isCount(v);
const isNullableString = (v: unknown): v is string | null => v === null || isString(v);
const isNumberList = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNumber);
/** History rows: numbers, or null where JSON turned a NaN or Infinity into null. */
const isRowList = (v: unknown): v is number[][] => Array.isArray(v) && v.every((r) => Array.isArray(r) && r.every((x) => x === null || isNumber(x)));

// Config fields added after a model was saved take their defaults (which must reproduce the
// old behaviour); fields that define the weights' shapes must be present.
function validateNetwork(where: string, raw: unknown, tokens: TokenMode): NetworkConfig {
  if (!isObject(raw)) bad(where, 'has no "network" object');
  const w = `${where} (network)`;
  const optional = <T>(key: string, test: (v: unknown) => v is T, what: string): T | undefined =>
    raw[key] === undefined ? undefined : field(w, raw, key, test, what);
  const options: NetworkOptions = {
    cell: field(w, raw, 'cell', isString, 'rnn, gru or lstm') as NetworkConfig['cell'],
    layers: field(w, raw, 'layers', isCount, 'a whole number'),
    units: field(w, raw, 'units', isCount, 'a whole number'),
  };
  const vocabSize = field(w, raw, 'vocabSize', isCount, 'a whole number');
  const input = optional('input', isString, 'onehot or embedding');
  if (input !== undefined) options.input = input as NetworkConfig['input'];
  const embeddingSize = optional('embeddingSize', isCount, 'a whole number');
  if (embeddingSize !== undefined) options.embeddingSize = embeddingSize;
  const dropout = optional('dropout', isNumber, 'a number');
  if (dropout !== undefined) options.dropout = dropout;
  const recurrentDropout = optional('recurrentDropout', isNumber, 'a number');
  if (recurrentDropout !== undefined) options.recurrentDropout = recurrentDropout;
  const weightDrop = optional('weightDrop', isNumber, 'a number');
  if (weightDrop !== undefined) options.weightDrop = weightDrop;
  const bidirectional = optional('bidirectional', isBool, 'true or false');
  if (bidirectional !== undefined) options.bidirectional = bidirectional;
  const merge = optional('merge', isString, 'concat, sum, mul or ave');
  if (merge !== undefined) options.merge = merge as NetworkConfig['merge'];
  const forgetBias = optional('forgetBias', isNumber, 'a number');
  if (forgetBias !== undefined) options.forgetBias = forgetBias;
  try {
    // The same rules as a new model's options: a config that could not be created cannot load.
    return resolveNetworkConfig(options, vocabSize, tokens);
  } catch (error) {
    if (error instanceof ConfigError) bad(where, `has an invalid network config: ${error.message}`);
    throw error;
  }
}

function validateTrain(where: string, raw: unknown): TrainConfig {
  if (!isObject(raw)) bad(where, 'has no "train" object');
  const options: Json = {};
  for (const [k, v] of Object.entries(raw)) if (v !== null) options[k] = v;
  try {
    // Stored values win; a field this version added since the save gets its default.
    return resolveTrainConfig(options as TrainOptions);
  } catch (error) {
    if (error instanceof ConfigError) bad(where, `has an invalid training config: ${error.message}`);
    throw error;
  }
}

function validateManifest(where: string, raw: unknown, key: string, expectedFiles: readonly string[]): BinManifest {
  if (!isObject(raw)) bad(where, `has no "${key}" manifest`);
  const w = `${where} (${key})`;
  const file = field(w, raw, 'file', isString, `"${expectedFiles[0]}"`);
  if (!expectedFiles.includes(file)) bad(w, `names the file "${file}" instead of "${expectedFiles[0]}"`);
  const bytes = field(w, raw, 'bytes', isCount, 'a byte count');
  const crc = field(w, raw, 'crc32', isString, 'a CRC-32 in hex');
  if (!/^[0-9a-f]{8}$/.test(crc)) bad(w, `has a malformed crc32 "${crc}"`);
  const list = raw.tensors;
  if (!Array.isArray(list)) bad(w, 'has no "tensors" list');
  const names = new Set<string>();
  const tensors: TensorEntry[] = list.map((t: unknown, i: number) => {
    if (!isObject(t)) bad(w, `tensor #${i} is not an object`);
    const name = field(w, t, 'name', isString, 'a tensor name');
    const tw = `${where}: tensor ${name} in ${key}`;
    if (names.has(name)) bad(w, `lists tensor ${name} twice`);
    names.add(name);
    const shape = t.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 1)) {
      throw new ModelFormatError(`${tw} has an invalid shape`);
    }
    if (t.dtype !== 'float32') throw new ModelFormatError(`${tw} has dtype ${String(t.dtype)}, only float32 is supported`);
    const offset = field(tw, t, 'offset', isCount, 'a byte offset');
    const length = field(tw, t, 'length', isCount, 'a byte length');
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (length !== count * 4) {
      throw new ModelFormatError(`${tw} is ${fmt(length)} bytes long but its shape [${shape.join(', ')}] needs ${fmt(count * 4)}`);
    }
    if (offset % 4 !== 0) throw new ModelFormatError(`${tw} starts at byte ${fmt(offset)}, not a multiple of 4`);
    if (offset + length > bytes) {
      throw new ModelFormatError(`${tw} ends at byte ${fmt(offset + length)}, past the ${fmt(bytes)} bytes of ${file}`);
    }
    return { name, shape: shape as number[], dtype: 'float32', offset, length };
  });
  return { file, bytes, crc32: crc, tensors };
}

/** [key, test, what is expected, whether it must be present]: a table of fields checked alike. */
type FieldSpec = readonly [key: string, test: (v: unknown) => boolean, what: string, required: boolean];

function checkFields(where: string, obj: Json, specs: readonly FieldSpec[]): void {
  for (const [key, test, what, required] of specs) {
    if (required || obj[key] !== undefined) field(where, obj, key, (v): v is unknown => test(v), what);
  }
}

const STATE_FIELDS: readonly FieldSpec[] = [
  ['step', isCount, 'a whole number', true],
  ['epoch', isNumber, 'a number', true],
  ['bestValLoss', isNullableNumber, 'a number or null', true],
  ['window', isCount, 'a whole number', false],
  ['rng', isNumberList, 'a list of numbers', false],
  ['lastValLoss', isNullableNumber, 'a number or null', false],
  ['lastTrainLoss', isNullableNumber, 'a number or null', false],
  ['tokensSeen', isCount, 'a whole number', false],
  ['elapsedMs', isNumber, 'a number', false],
  ['scheduleStart', isCount, 'a whole number', false],
  ['targetStep', isNullableCount, 'a whole number or null', false],
  ['best', isNullableBest, 'null or {step, valLoss, metrics}', false],
];

function isNullableBest(v: unknown): boolean {
  if (v === null) return true;
  if (!isObject(v) || !isCount(v.step) || !isNumber(v.valLoss) || !isObject(v.metrics)) return false;
  return Object.values(v.metrics).every(isNumber);
}

const RUN_FIELDS: readonly FieldSpec[] = [
  ['startStep', isCount, 'a whole number', true],
  ['endStep', isCount, 'a whole number', true],
  ['startedAt', isString, 'a date', false],
  ['reason', isNullableString, 'a stop reason', false],
  ['backend', isString, 'a backend name', false],
  ['tokensPerSecond', isNumber, 'a number', false],
  ['elapsedMs', isNumber, 'a number', false],
  ['bestValLoss', isNullableNumber, 'a number or null', false],
];

function validateState(where: string, state: unknown): TrainingState {
  if (!isObject(state)) bad(where, 'has no "state" object');
  checkFields(`${where} (state)`, state, STATE_FIELDS);
  return state as unknown as TrainingState;
}

function validateHistory(where: string, history: unknown): TrainingHistory {
  if (!isObject(history)) bad(where, 'has no "history" object');
  const w = `${where} (history)`;
  checkFields(w, history, [
    ['steps', isRowList, 'a list of number rows', false],
    ['evals', isRowList, 'a list of number rows', false],
  ]);
  if (history.runs !== undefined) {
    if (!Array.isArray(history.runs)) bad(w, 'has no valid "runs" (expected a list)');
    history.runs.forEach((r: unknown, i: number) => {
      if (!isObject(r)) bad(w, `run #${i + 1} is not an object`);
      checkFields(`${w} run #${i + 1}`, r, RUN_FIELDS);
    });
  }
  return history as TrainingHistory;
}

function validateOptimizer(where: string, raw: unknown): OptimizerManifest | null {
  if (raw === null || raw === undefined) return null;
  const m = validateManifest(where, raw, 'optimizer', [OPTIMIZER_FILE]);
  const o = raw as Json;
  const name = field(`${where} (optimizer)`, o, 'name', isString, 'adam, rmsprop or sgd');
  if (!['adam', 'rmsprop', 'sgd'].includes(name)) bad(`${where} (optimizer)`, `names an unknown optimizer "${name}"`);
  const step = field(`${where} (optimizer)`, o, 'step', isCount, 'a whole number');
  return { ...m, name: name as OptimizerName, step };
}

/** The carried state must be one [batch, units] tensor per layer and kind of state the cell has. */
function validateCarry(where: string, raw: unknown, network: NetworkConfig, optimizer: OptimizerManifest | null): CarryManifest | null {
  if (raw === null || raw === undefined) return null;
  const w = `${where} (carry)`;
  const m = validateManifest(where, raw, 'carry', [CARRY_FILE, OPTIMIZER_FILE]);
  if (m.file === OPTIMIZER_FILE && (!optimizer || optimizer.bytes !== m.bytes || optimizer.crc32 !== m.crc32)) {
    bad(w, `points into ${OPTIMIZER_FILE} but does not match its manifest`);
  }
  const batch = field(w, raw as Json, 'batch', isCount, 'a whole number');
  const kinds = network.cell === 'lstm' ? ['a', 'c'] : ['a'];
  const expected = Array.from({ length: network.layers }, (_, l) => kinds.map((k) => `layer${l}/${k}`)).flat();
  const names = m.tensors.map((t) => t.name);
  if (names.length !== expected.length || !expected.every((n) => names.includes(n))) {
    bad(w, `holds tensors ${names.join(', ') || 'none'} but a ${network.layers}-layer ${network.cell} carries ${expected.join(', ')}`);
  }
  for (const t of m.tensors) {
    if (t.shape.length !== 2 || t.shape[0] !== batch || t.shape[1] !== network.units) {
      bad(w, `has tensor ${t.name} of shape [${t.shape.join(', ')}] instead of [${batch}, ${network.units}]`);
    }
  }
  return { ...m, batch };
}

/** A seq2seq model may record its decoder attention ('none' or 'luong'; absent: none, as before the field); no other task has one. */
function validateAttention(where: string, task: ModelTask, raw: unknown): AttentionKind | undefined {
  if (raw === undefined) return undefined;
  if (task !== 'seq2seq') bad(where, `has "attention" but is a ${task} model (only a seq2seq model has one)`);
  if (!ATTENTION_KINDS.includes(raw as AttentionKind)) bad(where, `has attention ${JSON.stringify(raw)}, expected "none" or "luong"`);
  return raw as AttentionKind;
}

/** A classify, tag or label-lm model needs at least two distinct, non-empty labels; a language model and a seq2seq model (its outputs are tokens) have none. */
function validateLabels(where: string, task: ModelTask, raw: unknown): string[] | undefined {
  if (task === 'lm' || task === 'seq2seq') {
    if (raw !== undefined) bad(where, `has "labels" but is a ${task === 'lm' ? 'language' : 'seq2seq'} model (task ${task})`);
    return undefined;
  }
  if (!Array.isArray(raw) || !raw.every((l) => typeof l === 'string' && l !== '')) bad(where, `has no valid "labels" (expected a list of label names for task ${task})`);
  if (raw.length < 2) bad(where, `has ${raw.length} label${raw.length === 1 ? '' : 's'}, but a ${task} model needs at least 2`);
  if (new Set(raw).size !== raw.length) bad(where, 'lists a label twice in "labels"');
  return raw.slice() as string[];
}

/** Validates parsed model.json content (migrating an older layout first); `where` names the file in messages. */
export function validateModelMeta(parsed: unknown, where: string): ModelMeta {
  if (!isObject(parsed)) bad(where, 'is not a JSON object');
  if (parsed.format !== MODEL_FORMAT) bad(where, `is not an RNN Lab model (its "format" is not "${MODEL_FORMAT}")`);
  const raw = migrateModelJson(parsed);
  const version = raw.formatVersion;
  if (!isCount(version)) bad(where, 'has no valid "formatVersion"');
  if (version !== MODEL_FORMAT_VERSION) {
    bad(
      where,
      version > MODEL_FORMAT_VERSION
        ? `has format version ${version}, newer than the version ${MODEL_FORMAT_VERSION} this RNN Lab reads; update RNN Lab`
        : `has format version ${version}, which this RNN Lab (version ${MODEL_FORMAT_VERSION}) cannot read`,
    );
  }
  const task = raw.task === undefined ? DEFAULT_TASK : raw.task;
  if (!MODEL_TASKS.includes(task as ModelTask)) bad(where, `has task ${JSON.stringify(task)}, which this RNN Lab does not know`);
  const labels = validateLabels(where, task as ModelTask, raw.labels);
  const attention = validateAttention(where, task as ModelTask, raw.attention);
  const name = field(where, raw, 'name', isString, 'a string');
  const savedAt = field(where, raw, 'savedAt', isString, 'a date');
  const train = validateTrain(where, raw.train);
  const network = validateNetwork(where, raw.network, train.tokens);

  let vocab: Vocabulary;
  try {
    vocab = Vocabulary.fromJSON(raw.vocabulary);
  } catch (error) {
    bad(where, `has an invalid vocabulary: ${(error as Error).message}`);
  }
  if (vocab.size !== network.vocabSize) {
    bad(where, `has a vocabulary of ${fmt(vocab.size)} tokens but a network for ${fmt(network.vocabSize)}`);
  }
  if (vocab.mode !== train.tokens) bad(where, `has a ${vocab.mode} vocabulary but trains on ${train.tokens} tokens`);

  const state = validateState(where, raw.state);
  const history = validateHistory(where, raw.history);
  const weights = validateManifest(where, raw.weights, 'weights', [WEIGHTS_FILE]);
  const parameters = weights.tensors.reduce((n, t) => n + t.length / 4, 0);
  if (raw.parameters !== parameters) {
    bad(where, `says ${String(raw.parameters)} parameters but its weights manifest holds ${fmt(parameters)}`);
  }
  const optimizer = validateOptimizer(where, raw.optimizer);
  const carry = validateCarry(where, raw.carry, network, optimizer);
  return {
    format: MODEL_FORMAT,
    formatVersion: version,
    task: task as ModelTask,
    ...(labels ? { labels } : {}),
    ...(attention ? { attention } : {}),
    name,
    savedAt,
    network,
    train,
    vocabulary: vocab.toJSON(),
    parameters,
    state,
    history,
    weights,
    optimizer,
    carry,
  };
}

/** Parses and validates model.json text; `where` (its path) names the file in messages. */
export function parseModelMeta(text: string, where: string): ModelMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // Quoting the parser's snippet of binary junk would print unreadable bytes.
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text)) throw new ModelFormatError(`${where} is corrupt: it holds binary data, not JSON`);
    throw new ModelFormatError(`${where} is corrupt: it is not valid JSON (${(error as Error).message})`);
  }
  return validateModelMeta(raw, where);
}
