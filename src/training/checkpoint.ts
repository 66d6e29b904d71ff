// Tensors ⇄ files of a model folder: weights.bin (+ optimizer.bin, + carry.bin), saved so a
// crash at any moment leaves a loadable model, and loaded with every byte checked. What
// model.json holds, and reading and writing it, is src/model's.
//
// Save order (the commit point is the rename of model.json):
//   1. finish any save a crash interrupted (roll pending `*.bin.next` forward or drop them);
//   2. write weights.bin.next, optimizer.bin.next and carry.bin.next, each fsync'd;
//   3. write model.json atomically (temp, fsync, rename): it records each bin's size and CRC-32;
//   4. rename each `.next` over its bin, then fsync the folder.
// A reader takes, for each bin, whichever of `NAME` or `NAME.next` matches model.json, so the
// state after a crash between 3 and 4 still loads (as the new model), and before 3 the old one.

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { endianness } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';

import { ConfigError } from '../engine/config.js';
import type { AttentionKind, NetworkConfig } from '../engine/config.js';
import type { Model } from '../engine/model.js';
import { ClassifierHead } from '../engine/heads/classifierHead.js';
import { Seq2seqHead } from '../engine/heads/seq2seqHead.js';
import { LabelLmHead } from '../engine/heads/labelLmHead.js';
import { TaggerHead } from '../engine/heads/taggerHead.js';
import { Network } from '../engine/network.js';
import { Vocabulary } from '../engine/tokenizer.js';
import type { VocabularyJSON } from '../engine/tokenizer.js';
import {
  CARRY_FILE,
  checkpointDir,
  DEFAULT_TASK,
  fsyncDir,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  ModelFormatError,
  modelJsonChanged,
  OPTIMIZER_FILE,
  PENDING_SUFFIX as PENDING,
  readModelMeta,
  readModelMetaSnapshot,
  savedCheckpoints,
  WEIGHTS_FILE,
  writeFileSynced,
  writeModelJson,
} from '../model/index.js';
import type { BinManifest, CheckpointKind, ModelMeta, ModelTask, TensorEntry, TrainingHistory, TrainingState } from '../model/index.js';
import type { OptimizerName, TrainConfig } from './config.js';

/** One tensor as plain data: row-major float32 values. */
export interface TensorData {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface OptimizerData {
  name: OptimizerName;
  /** Optimizer updates applied so far (Adam's bias correction needs it). */
  step: number;
  /** Moments named by the optimizer, e.g. `m/<param>` and `v/<param>`. */
  slots: TensorData[];
}

export interface ModelFolderData {
  /** Default 'lm'. */
  task?: ModelTask;
  /** The labels of a classify model, in output order. */
  labels?: string[];
  /** A seq2seq model's decoder attention. */
  attention?: AttentionKind;
  name: string;
  network: NetworkConfig;
  params: TensorData[];
  vocabulary: VocabularyJSON;
  train: TrainConfig;
  state: TrainingState;
  history: TrainingHistory;
  optimizer?: OptimizerData | null;
  carry?: CarryData | null;
}

/** The recurrent state carried between training windows: tensors `layer<l>/a` (and `/c`), each [batch, units]. */
export interface CarryData {
  batch: number;
  tensors: TensorData[];
}

export interface LoadedFolder extends ModelFolderData {
  dir: string;
  meta: ModelMeta;
  optimizer: OptimizerData | null;
  carry: CarryData | null;
}

/** Stages of a save, in order; a test can make the save fail right before any of them. */
export type SaveStage =
  | 'recover'
  | 'weights'
  | 'optimizer'
  | 'carry'
  | 'model.json'
  | 'rename-weights'
  | 'rename-optimizer'
  | 'rename-carry'
  | 'done';

export interface SaveOptions {
  /** Called before each stage; throwing from it simulates a crash at that point. */
  beforeStage?: (stage: SaveStage) => void;
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
  if (data.carry) checkTensors('the carried state', data.carry.tensors);
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
  const carry = data.carry ? pack(CARRY_FILE, data.carry.tensors) : null;
  const meta: ModelMeta = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    task: data.task ?? DEFAULT_TASK,
    ...(data.labels ? { labels: data.labels.slice() } : {}),
    ...(data.attention ? { attention: data.attention } : {}),
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
    carry: carry && data.carry ? { batch: data.carry.batch, ...carry.manifest } : null,
  };

  stage('weights');
  writeFileSynced(join(dir, WEIGHTS_FILE + PENDING), weights.chunks);
  if (optimizer) {
    stage('optimizer');
    writeFileSynced(join(dir, OPTIMIZER_FILE + PENDING), optimizer.chunks);
  }
  if (carry) {
    stage('carry');
    writeFileSynced(join(dir, CARRY_FILE + PENDING), carry.chunks);
  }
  fsyncDir(dir);

  stage('model.json');
  writeModelJson(dir, meta);

  stage('rename-weights');
  renameSync(join(dir, WEIGHTS_FILE + PENDING), join(dir, WEIGHTS_FILE));
  stage('rename-optimizer');
  if (optimizer) renameSync(join(dir, OPTIMIZER_FILE + PENDING), join(dir, OPTIMIZER_FILE));
  else rmSync(join(dir, OPTIMIZER_FILE), { force: true });
  stage('rename-carry');
  if (carry) renameSync(join(dir, CARRY_FILE + PENDING), join(dir, CARRY_FILE));
  else rmSync(join(dir, CARRY_FILE), { force: true });
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
    const manifest = [meta?.weights, meta?.optimizer, meta?.carry].find((m) => m?.file === base);
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

/** Reads a whole model folder (model.json, weights, optimizer and carried state), fully validated. */
export function loadModelFolder(dir: string, checkpoint: CheckpointKind = 'root'): LoadedFolder {
  const folder = checkpointDir(dir, checkpoint);
  // A save running in another process may replace the files while we read: retry on a new model.json.
  for (let attempt = 0; ; attempt++) {
    const { meta, text } = readModelMetaSnapshot(folder);
    try {
      // Folders from before the carry field keep it inside optimizer.bin: read each file once.
      const bins = new Map<string, Buffer>();
      const bin = (m: BinManifest) => bins.get(m.file) ?? bins.set(m.file, readBin(folder, m)).get(m.file)!;
      const params = unpack(folder, meta.weights, bin(meta.weights));
      checkTensorsMatch(join(folder, WEIGHTS_FILE), expectedShapes(meta), params);
      const optimizer = meta.optimizer
        ? { name: meta.optimizer.name, step: meta.optimizer.step, slots: unpack(folder, meta.optimizer, bin(meta.optimizer)) }
        : null;
      const carry = meta.carry ? { batch: meta.carry.batch, tensors: unpack(folder, meta.carry, bin(meta.carry)) } : null;
      return {
        dir: folder,
        meta,
        task: meta.task,
        ...(meta.labels ? { labels: meta.labels } : {}),
        ...(meta.attention ? { attention: meta.attention } : {}),
        name: meta.name,
        network: meta.network,
        params,
        vocabulary: meta.vocabulary,
        train: meta.train,
        state: meta.state,
        history: meta.history,
        optimizer,
        carry,
      };
    } catch (error) {
      if (!(error instanceof ModelFormatError) || attempt >= 2 || !modelJsonChanged(folder, text)) throw error;
    }
  }
}

/** The tensors a model's task and config imply. */
function expectedShapes(meta: ModelMeta): { name: string; shape: number[] }[] {
  if (meta.task === 'seq2seq') return Seq2seqHead.paramShapes(meta.network, { attention: meta.attention ?? 'none' });
  if (meta.task === 'classify') return ClassifierHead.paramShapes(meta.network, meta.labels?.length ?? 0);
  if (meta.task === 'tag') return TaggerHead.paramShapes(meta.network, meta.labels?.length ?? 0);
  if (meta.task === 'label-lm') return LabelLmHead.paramShapes(meta.network, meta.labels?.length ?? 0);
  return Network.paramShapes(meta.network);
}

export interface NewestCheckpoint {
  kind: CheckpointKind;
  folder: LoadedFolder;
  /** Newer or equal saves that could not be used, each with its one-sentence problem. */
  skipped: { kind: CheckpointKind; problem: string }[];
}

/**
 * The newest save of a model folder that loads completely (by step; at a tie latest, then the
 * root, then best), so a torn or deleted model.json costs at most the steps since another save.
 * Throws ModelFormatError when none loads.
 */
export function loadNewestCheckpoint(dir: string): NewestCheckpoint {
  const kinds = savedCheckpoints(dir);
  if (kinds.length === 0) readModelMeta(dir, 'latest'); // throws the sentence for a folder with no model
  const skipped: NewestCheckpoint['skipped'] = [];
  const problem = (kind: CheckpointKind, error: unknown) => {
    if (!(error instanceof ModelFormatError)) throw error;
    skipped.push({ kind, problem: error.message });
  };
  const candidates: { kind: CheckpointKind; step: number }[] = [];
  for (const kind of kinds) {
    try {
      candidates.push({ kind, step: readModelMeta(dir, kind).state.step });
    } catch (error) {
      problem(kind, error);
    }
  }
  candidates.sort((a, b) => b.step - a.step); // stable: ties keep the latest, root, best order
  for (const { kind } of candidates) {
    try {
      return { kind, folder: loadModelFolder(dir, kind), skipped };
    } catch (error) {
      problem(kind, error);
    }
  }
  throw new ModelFormatError(`no save of ${dir} loads: ${skipped.map((s) => s.problem).join('; ')}`);
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
  if (meta.task !== 'lm') throw new ModelFormatError(`${dir} is a ${meta.task} model, not a language model`);
  const weightsPath = join(folder.dir, WEIGHTS_FILE);
  let network: Network;
  try {
    network = Network.fromParams(meta.network, folder.params);
  } catch (error) {
    if (error instanceof ConfigError) throw new ModelFormatError(`${weightsPath} does not fit the model config: ${error.message}`);
    throw error;
  }
  // Finite weights can still be diverged ones (huge values whose outputs overflow): refuse those too.
  const V = meta.network.vocabSize;
  const T = 8;
  const ids = Int32Array.from({ length: T }, (_, t) => t % V);
  const targets = Int32Array.from({ length: T }, (_, t) => (t + 1) % V);
  const probe = network.loss(ids, targets, 1, T, null).loss;
  if (!Number.isFinite(probe)) {
    network.dispose();
    throw new ModelFormatError(`${weightsPath} holds weights whose outputs are not finite (the training diverged); use an earlier checkpoint or train again with a lower learning rate`);
  }
  return { model: { network, vocab: Vocabulary.fromJSON(meta.vocabulary) }, meta };
}
