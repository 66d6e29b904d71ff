// The model folder on disk: model.json + weights.bin (+ optimizer.bin), saved so a crash at
// any moment leaves a loadable model, and loaded with every field and byte checked.
//
// Save order (the commit point is the rename of model.json):
//   1. finish any save a crash interrupted (roll pending `*.bin.next` forward or drop them);
//   2. write weights.bin.next and optimizer.bin.next, each fsync'd;
//   3. write model.json atomically (temp, fsync, rename): it records each bin's size and CRC-32;
//   4. rename each `.next` over its bin, then fsync the folder.
// A reader takes, for each bin, whichever of `NAME` or `NAME.next` matches model.json, so the
// state after a crash between 3 and 4 still loads (as the new model), and before 3 the old one.

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { endianness } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';

import { ConfigError, resolveNetworkConfig } from '../engine/config.js';
import type { NetworkConfig, NetworkOptions, TokenMode } from '../engine/config.js';
import type { Model } from '../engine/model.js';
import { Network } from '../engine/network.js';
import { Vocabulary } from '../engine/tokenizer.js';
import type { VocabularyJSON } from '../engine/tokenizer.js';
import { resolveTrainConfig } from './config.js';
import type { OptimizerName, TrainConfig, TrainOptions } from './config.js';
import { fsyncDir, writeFileAtomic, writeFileSynced } from './atomicWrite.js';

export const MODEL_FORMAT = 'rnnlab-model';
export const MODEL_FORMAT_VERSION = 1;
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const OPTIMIZER_FILE = 'optimizer.bin';
const PENDING = '.next';

/** A corrupt, truncated, missing or incompatible model folder; the message is one sentence. */
export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
}

export type CheckpointKind = 'root' | 'latest' | 'best';

/** One tensor as plain data: row-major float32 values. */
export interface TensorData {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Where one tensor lives in a .bin file. `offset` and `length` are in bytes. */
export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  offset: number;
  length: number;
}

export interface BinManifest {
  file: string;
  bytes: number;
  /** CRC-32 of the whole file, 8 lowercase hex digits: tells a torn or stale file from the right one. */
  crc32: string;
  tensors: TensorEntry[];
}

export interface OptimizerManifest extends BinManifest {
  name: OptimizerName;
  step: number;
}

export interface OptimizerData {
  name: OptimizerName;
  /** Optimizer updates applied so far (Adam's bias correction needs it). */
  step: number;
  /** Moments named by the optimizer, e.g. `m/<param>` and `v/<param>`. */
  slots: TensorData[];
}

/** Where training stands; the trainer may keep more fields (RNG, data position) for exact resume. */
export interface TrainingState {
  step: number;
  epoch: number;
  bestValLoss: number | null;
  [key: string]: unknown;
}

/** A summary of past training, kept small; the trainer decides what goes in. */
export interface TrainingHistory {
  [key: string]: unknown;
}

/** model.json, parsed and validated. */
export interface ModelMeta {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  name: string;
  savedAt: string;
  network: NetworkConfig;
  train: TrainConfig;
  vocabulary: VocabularyJSON;
  parameters: number;
  state: TrainingState;
  history: TrainingHistory;
  weights: BinManifest;
  optimizer: OptimizerManifest | null;
}

export interface ModelFolderData {
  name: string;
  network: NetworkConfig;
  params: TensorData[];
  vocabulary: VocabularyJSON;
  train: TrainConfig;
  state: TrainingState;
  history: TrainingHistory;
  optimizer?: OptimizerData | null;
}

export interface LoadedFolder extends ModelFolderData {
  dir: string;
  meta: ModelMeta;
  optimizer: OptimizerData | null;
}

/** Stages of a save, in order; a test can make the save fail right before any of them. */
export type SaveStage = 'recover' | 'weights' | 'optimizer' | 'model.json' | 'rename-weights' | 'rename-optimizer' | 'done';

export interface SaveOptions {
  /** Called before each stage; throwing from it simulates a crash at that point. */
  beforeStage?: (stage: SaveStage) => void;
}

/** The folder holding a checkpoint of a model folder. */
export function checkpointDir(dir: string, checkpoint: CheckpointKind = 'root'): string {
  return checkpoint === 'root' ? dir : join(dir, 'checkpoints', checkpoint);
}

const fmt = (n: number) => n.toLocaleString('en-US');
const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

if (endianness() !== 'LE') {
  // Float32Array views use the host byte order; the format is little-endian.
  throw new Error('RNN Lab model files need a little-endian machine');
}

function checkTensors(what: string, tensors: readonly TensorData[]): void {
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new Error(`cannot save ${what}: tensor ${t.name} appears twice`);
    seen.add(t.name);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(`cannot save ${what}: tensor ${t.name} has ${t.data.length} values but shape [${t.shape.join(', ')}]`);
    }
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i])) {
        throw new Error(`refusing to save ${what}: tensor ${t.name} holds NaN or Infinity`);
      }
    }
  }
}

/** Lays tensors out back to back and returns the manifest and the byte chunks to write. */
function pack(file: string, tensors: readonly TensorData[]): { manifest: BinManifest; chunks: Uint8Array[] } {
  const entries: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  let crc = 0;
  for (const t of tensors) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    entries.push({ name: t.name, shape: t.shape.slice(), dtype: 'float32', offset, length: bytes.byteLength });
    chunks.push(bytes);
    crc = crc32(bytes, crc);
    offset += bytes.byteLength;
  }
  return { manifest: { file, bytes: offset, crc32: hex(crc), tensors: entries }, chunks };
}

/**
 * Saves a model folder atomically (see the file comment for the order). Creates `dir` if needed.
 * Refuses tensors holding NaN or Infinity, so a saved model is always finite.
 */
export function saveModelFolder(dir: string, data: ModelFolderData, options: SaveOptions = {}): ModelMeta {
  const stage = options.beforeStage ?? (() => undefined);
  checkTensors('the weights', data.params);
  if (data.optimizer) checkTensors('the optimizer state', data.optimizer.slots);
  const created = mkdirSync(dir, { recursive: true });
  if (created !== undefined) {
    // New folders must reach the disk too, or a crash could lose the whole folder entry.
    for (let d = dir; ; d = dirname(d)) {
      fsyncDir(dirname(d));
      if (d === created || dirname(d) === d) break;
    }
  }

  stage('recover');
  recoverFolder(dir);

  const weights = pack(WEIGHTS_FILE, data.params);
  const optimizer = data.optimizer ? pack(OPTIMIZER_FILE, data.optimizer.slots) : null;
  const meta: ModelMeta = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    name: data.name,
    savedAt: new Date().toISOString(),
    network: data.network,
    train: data.train,
    vocabulary: data.vocabulary,
    parameters: data.params.reduce((n, p) => n + p.data.length, 0),
    state: data.state,
    history: data.history,
    weights: weights.manifest,
    optimizer:
      optimizer && data.optimizer
        ? { name: data.optimizer.name, step: data.optimizer.step, ...optimizer.manifest }
        : null,
  };

  stage('weights');
  writeFileSynced(join(dir, WEIGHTS_FILE + PENDING), weights.chunks);
  if (optimizer) {
    stage('optimizer');
    writeFileSynced(join(dir, OPTIMIZER_FILE + PENDING), optimizer.chunks);
  }
  fsyncDir(dir);

  stage('model.json');
  writeFileAtomic(join(dir, MODEL_FILE), JSON.stringify(meta, null, 1) + '\n');

  stage('rename-weights');
  renameSync(join(dir, WEIGHTS_FILE + PENDING), join(dir, WEIGHTS_FILE));
  stage('rename-optimizer');
  if (optimizer) renameSync(join(dir, OPTIMIZER_FILE + PENDING), join(dir, OPTIMIZER_FILE));
  else rmSync(join(dir, OPTIMIZER_FILE), { force: true });
  fsyncDir(dir);
  stage('done');
  return meta;
}

/** CRC-32 and size of a file, or null when it does not exist. */
function fileDigest(path: string): { bytes: number; crc32: string; data: Buffer } | null {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return { bytes: data.byteLength, crc32: hex(crc32(data)), data };
}

/**
 * Completes a save that a crash interrupted: a pending `.next` bin that model.json already
 * describes is renamed into place; any other pending or temporary file is removed.
 */
export function recoverFolder(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const pending = names.filter((n) => n.endsWith(PENDING));
  const temps = names.filter((n) => n.startsWith('.') && n.includes('.tmp-'));
  for (const t of temps) rmSync(join(dir, t), { force: true });
  if (pending.length === 0) {
    if (temps.length > 0) fsyncDir(dir);
    return;
  }
  let meta: ModelMeta | null;
  try {
    meta = readModelMeta(dir);
  } catch {
    meta = null;
  }
  for (const name of pending) {
    const base = name.slice(0, -PENDING.length);
    const manifest = base === WEIGHTS_FILE ? meta?.weights : base === OPTIMIZER_FILE ? meta?.optimizer : undefined;
    const next = fileDigest(join(dir, name));
    if (manifest && next && next.bytes === manifest.bytes && next.crc32 === manifest.crc32) {
      const current = fileDigest(join(dir, base));
      if (!current || current.crc32 !== manifest.crc32 || current.bytes !== manifest.bytes) {
        renameSync(join(dir, name), join(dir, base));
        continue;
      }
    }
    rmSync(join(dir, name), { force: true });
  }
  fsyncDir(dir);
}

// ---------------------------------------------------------------------------------------------
// Validation of model.json: every check ends in one ModelFormatError sentence.

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

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

function validateManifest(where: string, raw: unknown, key: string, expectedFile: string): BinManifest {
  if (!isObject(raw)) bad(where, `has no "${key}" manifest`);
  const w = `${where} (${key})`;
  const file = field(w, raw, 'file', isString, `"${expectedFile}"`);
  if (file !== expectedFile) bad(w, `names the file "${file}" instead of "${expectedFile}"`);
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

/** Validates parsed model.json content; `where` names the file in messages. */
export function validateModelMeta(raw: unknown, where: string): ModelMeta {
  if (!isObject(raw)) bad(where, 'is not a JSON object');
  if (raw.format !== MODEL_FORMAT) bad(where, `is not an RNN Lab model (its "format" is not "${MODEL_FORMAT}")`);
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

  const state = raw.state;
  if (!isObject(state)) bad(where, 'has no "state" object');
  field(`${where} (state)`, state, 'step', isCount, 'a whole number');
  field(`${where} (state)`, state, 'epoch', isNumber, 'a number');
  field(`${where} (state)`, state, 'bestValLoss', isNullableNumber, 'a number or null');
  const history = raw.history;
  if (!isObject(history)) bad(where, 'has no "history" object');

  const weights = validateManifest(where, raw.weights, 'weights', WEIGHTS_FILE);
  const parameters = weights.tensors.reduce((n, t) => n + t.length / 4, 0);
  if (raw.parameters !== parameters) {
    bad(where, `says ${String(raw.parameters)} parameters but its weights manifest holds ${fmt(parameters)}`);
  }
  let optimizer: OptimizerManifest | null = null;
  if (raw.optimizer !== null && raw.optimizer !== undefined) {
    const m = validateManifest(where, raw.optimizer, 'optimizer', OPTIMIZER_FILE);
    const o = raw.optimizer as Json;
    const oname = field(`${where} (optimizer)`, o, 'name', isString, 'adam, rmsprop or sgd');
    if (!['adam', 'rmsprop', 'sgd'].includes(oname)) bad(`${where} (optimizer)`, `names an unknown optimizer "${oname}"`);
    const step = field(`${where} (optimizer)`, o, 'step', isCount, 'a whole number');
    optimizer = { ...m, name: oname as OptimizerName, step };
  }
  return {
    format: MODEL_FORMAT,
    formatVersion: version,
    name,
    savedAt,
    network,
    train,
    vocabulary: vocab.toJSON(),
    parameters,
    state: state as TrainingState,
    history: history as TrainingHistory,
    weights,
    optimizer,
  };
}

/** Reads and validates model.json of a model folder (no weights are read). */
export function readModelMeta(dir: string, checkpoint: CheckpointKind = 'root'): ModelMeta {
  const folder = checkpointDir(dir, checkpoint);
  const path = join(folder, MODEL_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (!existsSync(folder)) throw new ModelFormatError(`no model at ${folder}: the folder does not exist`);
      throw new ModelFormatError(`no model at ${folder}: it has no ${MODEL_FILE}`);
    }
    if (code === 'ENOTDIR') throw new ModelFormatError(`${folder} is a file, not a model folder`);
    throw new ModelFormatError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseModelMeta(text, path);
}

function parseModelMeta(text: string, path: string): ModelMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ModelFormatError(`${path} is corrupt: it is not valid JSON (${(error as Error).message})`);
  }
  return validateModelMeta(raw, path);
}

/** Reads one bin file described by `manifest`, preferring the committed name over a pending one. */
function readBin(folder: string, manifest: BinManifest): Buffer {
  const path = join(folder, manifest.file);
  const first = fileDigest(path);
  if (first && first.bytes === manifest.bytes && first.crc32 === manifest.crc32) return first.data;
  // A save that crashed after committing model.json leaves the new bin under its pending name.
  const pending = fileDigest(path + PENDING);
  if (pending && pending.bytes === manifest.bytes && pending.crc32 === manifest.crc32) return pending.data;
  // Or a concurrent save renamed it into place between the two reads above.
  const again = pending ? null : fileDigest(path);
  if (again && again.bytes === manifest.bytes && again.crc32 === manifest.crc32) return again.data;
  const found = again ?? first;
  if (!found) throw new ModelFormatError(`${path} is missing`);
  if (found.bytes < manifest.bytes) {
    throw new ModelFormatError(`${path} is truncated: ${fmt(found.bytes)} of ${fmt(manifest.bytes)} bytes`);
  }
  if (found.bytes > manifest.bytes) {
    throw new ModelFormatError(`${path} is ${fmt(found.bytes)} bytes, longer than the ${fmt(manifest.bytes)} model.json describes`);
  }
  throw new ModelFormatError(`${path} is corrupt: its checksum does not match model.json`);
}

function unpack(folder: string, manifest: BinManifest, data: Buffer): TensorData[] {
  const path = join(folder, manifest.file);
  return manifest.tensors.map((t) => {
    // Copy into a fresh, aligned buffer: the caller owns the arrays.
    const values = new Float32Array(t.length / 4);
    new Uint8Array(values.buffer).set(data.subarray(t.offset, t.offset + t.length));
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) throw new ModelFormatError(`${path} holds NaN or Infinity in tensor ${t.name}`);
    }
    return { name: t.name, shape: t.shape.slice(), data: values };
  });
}

function readTextOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Reads a whole model folder (model.json, weights, optimizer state), fully validated. */
export function loadModelFolder(dir: string, checkpoint: CheckpointKind = 'root'): LoadedFolder {
  const folder = checkpointDir(dir, checkpoint);
  // A save running in another process may replace the files while we read: retry on a new model.json.
  for (let attempt = 0; ; attempt++) {
    const metaText = readTextOrEmpty(join(folder, MODEL_FILE));
    const meta = metaText === '' ? readModelMeta(folder) : parseModelMeta(metaText, join(folder, MODEL_FILE));
    try {
      const params = unpack(folder, meta.weights, readBin(folder, meta.weights));
      checkTensorsMatch(join(folder, WEIGHTS_FILE), Network.paramShapes(meta.network), params);
      const optimizer = meta.optimizer
        ? { name: meta.optimizer.name, step: meta.optimizer.step, slots: unpack(folder, meta.optimizer, readBin(folder, meta.optimizer)) }
        : null;
      return {
        dir: folder,
        meta,
        name: meta.name,
        network: meta.network,
        params,
        vocabulary: meta.vocabulary,
        train: meta.train,
        state: meta.state,
        history: meta.history,
        optimizer,
      };
    } catch (error) {
      if (!(error instanceof ModelFormatError) || attempt >= 2) throw error;
      let changed: boolean;
      try {
        changed = readFileSync(join(folder, MODEL_FILE), 'utf8') !== metaText;
      } catch {
        changed = false;
      }
      if (!changed) throw error;
    }
  }
}

/**
 * Checks loaded tensors against the names and shapes a network needs, in order.
 * `what` names the file in the message (e.g. the weights.bin path).
 */
export function checkTensorsMatch(
  what: string,
  expected: readonly { name: string; shape: readonly number[] }[],
  actual: readonly { name: string; shape: readonly number[] }[],
): void {
  const byName = new Map(actual.map((t) => [t.name, t]));
  for (const e of expected) {
    const a = byName.get(e.name);
    if (!a) throw new ModelFormatError(`${what} has no tensor ${e.name}, which the model config needs`);
    if (a.shape.length !== e.shape.length || a.shape.some((d, i) => d !== e.shape[i])) {
      throw new ModelFormatError(
        `${what} does not fit the model config: tensor ${e.name} has shape [${a.shape.join(', ')}] but the config needs [${e.shape.join(', ')}]`,
      );
    }
  }
  if (actual.length !== expected.length) {
    const extra = actual.find((t) => !expected.some((e) => e.name === t.name));
    throw new ModelFormatError(`${what} has a tensor ${extra?.name ?? '?'} that the model config does not use`);
  }
}

// ---------------------------------------------------------------------------------------------
// Models: a folder loaded into a ready Network and Vocabulary.

export interface LoadedModel {
  model: Model;
  meta: ModelMeta;
}

/**
 * Loads a model folder (or one of its checkpoints) for sampling, scoring and inspection.
 * The backend must be initialised first (initBackend). Throws ModelFormatError on a bad folder.
 */
export async function loadModel(dir: string, options: { checkpoint?: CheckpointKind } = {}): Promise<LoadedModel> {
  const folder = loadModelFolder(dir, options.checkpoint ?? 'root');
  const meta = folder.meta;
  const weightsPath = join(folder.dir, WEIGHTS_FILE);
  let network: Network;
  try {
    network = Network.fromParams(meta.network, folder.params);
  } catch (error) {
    if (error instanceof ConfigError) throw new ModelFormatError(`${weightsPath} does not fit the model config: ${error.message}`);
    throw error;
  }
  return { model: { network, vocab: Vocabulary.fromJSON(meta.vocabulary) }, meta };
}
