// A TF.js Layers model (model.json + weight shards, as tfjs-layers saves it or
// tensorflowjs_converter writes it) → an RNN Lab snapshot. Accepted: a Sequential of
// [InputLayer] [Embedding] (SimpleRNN | GRU | LSTM | Bidirectional(one of them)) … [Dropout] Dense(softmax),
// all recurrent layers the same cell and width. Anything the engine cannot compute exactly
// (GRU reset_after true, hard_sigmoid, another activation, an unknown layer) is refused by name.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { ConfigError, resolveNetworkConfig } from '../engine/config.js';
import type { CellType, MergeMode, NetworkConfig } from '../engine/config.js';
import { Network } from '../engine/network.js';
import type { VocabularyJSON } from '../engine/tokenizer.js';
import { InteropError } from './exportFolder.js';
import { CELL_GATE_COUNT, fromKerasLayout } from './kerasLayout.js';
import type { ModelSnapshot, TensorData } from './modelAccess.js';
import { TFJS_MODEL_FILE } from './tfjsLayersExport.js';
import { readVocabularyFile, VOCAB_FILE } from './vocabularyFile.js';

type Json = Record<string, unknown>;

const CELL_OF: Record<string, CellType> = { SimpleRNN: 'rnn', GRU: 'gru', LSTM: 'lstm' };
const MERGES: readonly string[] = ['concat', 'sum', 'mul', 'ave'];

export interface ImportOptions {
  /** A vocabulary file instead of the vocab.json next to model.json. */
  vocab?: string;
  /** Name of the new model. Default: the export's own name, else the folder name. */
  name?: string;
}

interface RecurrentPlan {
  /** The layer's name in the topology (the Bidirectional wrapper's name when wrapped). */
  name: string;
  innerName: string;
  cell: CellType;
  units: number;
  useBias: boolean;
  merge: MergeMode | null;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InteropError(code === 'ENOENT' ? `${what} ${path} does not exist` : `cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InteropError(`${path} is corrupt: it is not valid JSON (${(error as Error).message})`);
  }
}

/** model.json of PATH (a folder or the file itself). */
export function tfjsModelJsonPath(path: string): string {
  if (existsSync(path) && statSync(path).isDirectory()) return join(path, TFJS_MODEL_FILE);
  return path;
}

function layerName(layer: Json, index: number): string {
  const config = isObject(layer.config) ? layer.config : {};
  return typeof config.name === 'string' ? config.name : `layer #${index}`;
}

function recurrentPlan(where: string, className: string, config: Json, merge: MergeMode | null, outerName: string): RecurrentPlan {
  const cell = CELL_OF[className];
  const name = typeof config.name === 'string' ? config.name : className;
  const refuse = (what: string) => {
    throw new InteropError(`${where}: ${className} layer "${name}" ${what}, which RNN Lab cannot map`);
  };
  const activation = config.activation ?? 'tanh';
  if (activation !== 'tanh') refuse(`uses activation "${String(activation)}" (RNN Lab's cells use tanh)`);
  if (cell !== 'rnn') {
    // Keras's default; tfjs-layers defaults to hard_sigmoid but always writes the value it used.
    const recurrentActivation = config.recurrent_activation ?? 'sigmoid';
    if (recurrentActivation !== 'sigmoid') refuse(`uses recurrent_activation "${String(recurrentActivation)}" (RNN Lab's gates use the logistic sigmoid)`);
  }
  if (cell === 'gru' && config.reset_after === true) refuse('has reset_after true (RNN Lab applies the reset gate before the product, reset_after false)');
  if (config.return_sequences === false) refuse('returns only its last step (return_sequences false)');
  if (config.go_backwards === true) refuse('has go_backwards true outside a Bidirectional wrapper');
  if (config.return_state === true) refuse('has return_state true');
  const units = config.units;
  if (!Number.isSafeInteger(units) || (units as number) < 1) refuse('has no valid units');
  return { name: outerName, innerName: name, cell, units: units as number, useBias: config.use_bias !== false, merge };
}

/** Parses the topology into the engine's network shape; throws InteropError naming any unmappable layer. */
function plan(where: string, topology: unknown) {
  if (!isObject(topology)) throw new InteropError(`${where} has no "modelTopology"`);
  // tensorflowjs_converter nests the model under model_config; tfjs-layers saves it directly.
  const model = isObject(topology.model_config) ? topology.model_config : topology;
  if (model.class_name !== 'Sequential') {
    throw new InteropError(`${where} holds a ${String(model.class_name)} model; only Sequential models can be imported`);
  }
  const config = model.config;
  const layers: unknown = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(layers) || layers.length === 0) throw new InteropError(`${where} lists no layers`);
  let embedding: { name: string; inputDim: number; outputDim: number } | null = null;
  let inputWidth: number | null = null;
  let dropout = 0;
  const recurrent: RecurrentPlan[] = [];
  let dense: { name: string; units: number; useBias: boolean } | null = null;
  layers.forEach((layer: unknown, i: number) => {
    if (!isObject(layer) || typeof layer.class_name !== 'string') throw new InteropError(`${where}: layer #${i} has no class_name`);
    const name = layerName(layer, i);
    const c = isObject(layer.config) ? layer.config : {};
    const shape = c.batch_input_shape ?? c.batch_shape;
    if (Array.isArray(shape) && typeof shape[shape.length - 1] === 'number' && shape.length === 3) inputWidth = shape[2] as number;
    if (dense) throw new InteropError(`${where}: layer "${name}" follows the output layer; the Dense softmax layer must be last`);
    switch (layer.class_name) {
      case 'InputLayer':
        return;
      case 'Dropout':
        if (typeof c.rate === 'number') dropout = Math.max(dropout, c.rate);
        return;
      case 'Embedding': {
        if (recurrent.length > 0 || embedding) throw new InteropError(`${where}: Embedding layer "${name}" must come first`);
        if (c.mask_zero === true) throw new InteropError(`${where}: Embedding layer "${name}" has mask_zero true, which RNN Lab cannot map`);
        if (!Number.isSafeInteger(c.input_dim) || !Number.isSafeInteger(c.output_dim))
          throw new InteropError(`${where}: Embedding layer "${name}" has no valid input_dim and output_dim`);
        embedding = { name, inputDim: c.input_dim as number, outputDim: c.output_dim as number };
        return;
      }
      case 'SimpleRNN':
      case 'GRU':
      case 'LSTM':
        recurrent.push(recurrentPlan(where, layer.class_name, c, null, name));
        return;
      case 'Bidirectional': {
        const inner = c.layer;
        if (!isObject(inner) || typeof inner.class_name !== 'string' || !(inner.class_name in CELL_OF) || !isObject(inner.config)) {
          const what = isObject(inner) ? String(inner.class_name) : 'nothing';
          throw new InteropError(`${where}: Bidirectional layer "${name}" wraps ${what}; only SimpleRNN, GRU and LSTM can be mapped`);
        }
        const merge = c.merge_mode;
        if (typeof merge !== 'string' || !MERGES.includes(merge)) {
          throw new InteropError(`${where}: Bidirectional layer "${name}" has merge_mode ${JSON.stringify(merge)}; RNN Lab maps concat, sum, mul and ave`);
        }
        recurrent.push(recurrentPlan(where, inner.class_name, inner.config, merge as MergeMode, name));
        return;
      }
      case 'TimeDistributed':
      case 'Dense': {
        const d = layer.class_name === 'Dense' ? c : isObject(c.layer) && c.layer.class_name === 'Dense' && isObject(c.layer.config) ? c.layer.config : null;
        if (!d) throw new InteropError(`${where}: TimeDistributed layer "${name}" does not wrap a Dense layer, which RNN Lab cannot map`);
        if (recurrent.length === 0) throw new InteropError(`${where}: Dense layer "${name}" comes before any recurrent layer`);
        if (d.activation !== 'softmax') {
          throw new InteropError(`${where}: Dense layer "${name}" has activation "${String(d.activation)}"; the output layer must be softmax`);
        }
        if (!Number.isSafeInteger(d.units)) throw new InteropError(`${where}: Dense layer "${name}" has no valid units`);
        dense = { name, units: d.units as number, useBias: d.use_bias !== false };
        return;
      }
      default:
        throw new InteropError(
          `${where}: layer "${name}" is a ${layer.class_name}, which RNN Lab cannot map (it maps Embedding, SimpleRNN, GRU, LSTM, Bidirectional, Dropout and Dense)`,
        );
    }
  });
  if (recurrent.length === 0) throw new InteropError(`${where} has no SimpleRNN, GRU or LSTM layer`);
  if (!dense) throw new InteropError(`${where} does not end in a Dense softmax layer`);
  const first = recurrent[0];
  for (const r of recurrent) {
    if (r.cell !== first.cell)
      throw new InteropError(
        `${where}: layer "${r.name}" is a ${r.cell.toUpperCase()} but "${first.name}" a ${first.cell.toUpperCase()}; RNN Lab stacks one cell type`,
      );
    if (r.units !== first.units)
      throw new InteropError(`${where}: layer "${r.name}" has ${r.units} units but "${first.name}" ${first.units}; RNN Lab stacks layers of one width`);
    if (r.merge !== first.merge)
      throw new InteropError(`${where}: layer "${r.name}" and "${first.name}" differ in being bidirectional or in merge mode; RNN Lab needs them alike`);
  }
  return {
    embedding: embedding as { name: string; inputDim: number; outputDim: number } | null,
    inputWidth: inputWidth as number | null,
    dropout,
    recurrent,
    dense: dense as { name: string; units: number; useBias: boolean },
  };
}

interface ManifestWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Reads every weight of the manifest, with its shard files checked for presence and size. */
function readWeights(where: string, folder: string, manifest: unknown): ManifestWeight[] {
  if (!Array.isArray(manifest) || manifest.length === 0) throw new InteropError(`${where} has no "weightsManifest"`);
  const weights: ManifestWeight[] = [];
  for (const group of manifest) {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights))
      throw new InteropError(`${where} has a malformed weightsManifest group`);
    const shards = group.paths.map((p: unknown) => {
      if (typeof p !== 'string') throw new InteropError(`${where} has a weightsManifest path that is not a string`);
      const file = join(folder, p);
      try {
        return readFileSync(file);
      } catch {
        throw new InteropError(`${file}, a weight file ${where} lists, is missing`);
      }
    });
    const bytes = Buffer.concat(shards);
    let offset = 0;
    const specs = group.weights.map((w: unknown) => {
      if (!isObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        throw new InteropError(`${where} has a malformed weight entry in its weightsManifest`);
      }
      if ((w.dtype ?? 'float32') !== 'float32' || w.quantization !== undefined) {
        throw new InteropError(`${where}: weight ${w.name} is ${String(w.dtype)}${w.quantization ? ' (quantized)' : ''}; only float32 weights can be imported`);
      }
      return { name: w.name, shape: w.shape as number[] };
    });
    const needed = specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
    const files = group.paths.join(', ');
    if (bytes.byteLength < needed)
      throw new InteropError(`the weight files ${files} are truncated: ${bytes.byteLength} of ${needed} bytes that ${where} describes`);
    if (bytes.byteLength > needed)
      throw new InteropError(`the weight files ${files} are ${bytes.byteLength} bytes, more than the ${needed} that ${where} describes`);
    for (const s of specs) {
      const count = s.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(count);
      new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + 4 * count));
      offset += 4 * count;
      if (!data.every(Number.isFinite)) throw new InteropError(`${where}: weight ${s.name} holds NaN or Infinity`);
      weights.push({ name: s.name.replace(/:0$/, ''), shape: s.shape, data });
    }
  }
  return weights;
}

/** The weight of `layer` whose name ends in `/role` (and holds `part` when given, e.g. "forward"). */
function weightOf(where: string, weights: readonly ManifestWeight[], layer: string, role: string, shape: number[], part?: string): Float32Array {
  // tfjs names weights `layer/kernel`; Keras through tensorflowjs_converter `layer/lstm_cell/kernel`,
  // sometimes under the model's own name first.
  const found = weights.filter((w) => {
    const at = w.name.startsWith(`${layer}/`) ? 0 : w.name.includes(`/${layer}/`) ? w.name.indexOf(`/${layer}/`) + 1 : -1;
    return at >= 0 && w.name.endsWith(`/${role}`) && (!part || w.name.slice(at + layer.length).includes(`/${part}`));
  });
  const label = `${layer}${part ? ` (${part})` : ''} ${role}`;
  if (found.length !== 1) throw new InteropError(`${where}: the weightsManifest has ${found.length === 0 ? 'no' : 'more than one'} weight for ${label}`);
  const w = found[0];
  if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
    throw new InteropError(`${where}: weight ${w.name} has shape [${w.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  return w.data;
}

export function importTfjsLayers(path: string, options: ImportOptions = {}): ModelSnapshot {
  const jsonPath = tfjsModelJsonPath(path);
  const folder = dirname(jsonPath);
  const raw = readJson(jsonPath, 'the TF.js model');
  if (!isObject(raw)) throw new InteropError(`${jsonPath} is not a JSON object`);
  if (raw.format !== undefined && raw.format !== 'layers-model') {
    throw new InteropError(`${jsonPath} is a "${String(raw.format)}" model; only TF.js Layers models ("layers-model") can be imported`);
  }
  const shape = plan(jsonPath, raw.modelTopology);
  const weights = readWeights(jsonPath, folder, raw.weightsManifest);

  const vocabPath = options.vocab ?? join(folder, VOCAB_FILE);
  if (!options.vocab && !existsSync(vocabPath)) throw new InteropError(`${folder} has no ${VOCAB_FILE}; give the vocabulary with --vocab FILE`);
  const vocabulary: VocabularyJSON = readVocabularyFile(vocabPath);
  const V = vocabulary.tokens.length;
  if (shape.dense.units !== V) {
    throw new InteropError(`the vocabulary ${vocabPath} has ${V} tokens but the output layer "${shape.dense.name}" has ${shape.dense.units} units`);
  }
  if (shape.embedding && shape.embedding.inputDim !== V) {
    throw new InteropError(`the vocabulary ${vocabPath} has ${V} tokens but the Embedding layer "${shape.embedding.name}" takes ${shape.embedding.inputDim}`);
  }
  if (!shape.embedding && shape.inputWidth !== null && shape.inputWidth !== V) {
    throw new InteropError(`the vocabulary ${vocabPath} has ${V} tokens but the model's one-hot input is ${shape.inputWidth} wide`);
  }
  const first = shape.recurrent[0];
  let network: NetworkConfig;
  try {
    network = resolveNetworkConfig(
      {
        cell: first.cell,
        layers: shape.recurrent.length,
        units: first.units,
        input: shape.embedding ? 'embedding' : 'onehot',
        ...(shape.embedding ? { embeddingSize: shape.embedding.outputDim } : {}),
        dropout: shape.dropout,
        bidirectional: first.merge !== null,
        merge: first.merge ?? 'concat',
      },
      V,
      vocabulary.mode,
    );
  } catch (error) {
    if (error instanceof ConfigError) throw new InteropError(`${jsonPath} describes a network RNN Lab cannot build: ${error.message}`);
    throw error;
  }
  const { cell, units: H } = network;
  const G = CELL_GATE_COUNT[cell];
  const params: TensorData[] = [];
  if (shape.embedding)
    params.push({
      name: 'embedding',
      shape: [V, network.embeddingSize],
      data: weightOf(jsonPath, weights, shape.embedding.name, 'embeddings', [V, network.embeddingSize]),
    });
  const outWidth = network.bidirectional && network.merge === 'concat' ? 2 * H : H;
  shape.recurrent.forEach((r, l) => {
    const inWidth = l === 0 ? (shape.embedding ? network.embeddingSize : V) : outWidth;
    for (const d of network.bidirectional ? (['fw', 'bw'] as const) : (['fw'] as const)) {
      const part = network.bidirectional ? (d === 'fw' ? 'forward' : 'backward') : undefined;
      const engine = fromKerasLayout(cell, H, inWidth, {
        kernel: weightOf(jsonPath, weights, r.name, 'kernel', [inWidth, G * H], part),
        recurrentKernel: weightOf(jsonPath, weights, r.name, 'recurrent_kernel', [H, G * H], part),
        bias: r.useBias ? weightOf(jsonPath, weights, r.name, 'bias', [G * H], part) : new Float32Array(G * H),
      });
      const prefix = `layer${l}.${d}.`;
      params.push({ name: `${prefix}Wx`, shape: [inWidth, G * H], data: engine.Wx });
      if (cell === 'gru') {
        params.push({ name: `${prefix}Wh_ur`, shape: [H, 2 * H], data: engine.recurrent[0] });
        params.push({ name: `${prefix}Wh_c`, shape: [H, H], data: engine.recurrent[1] });
      } else params.push({ name: `${prefix}Wh`, shape: [H, G * H], data: engine.recurrent[0] });
      params.push({ name: `${prefix}b`, shape: [G * H], data: engine.b });
    }
  });
  params.push({ name: 'output.Wy', shape: [outWidth, V], data: weightOf(jsonPath, weights, shape.dense.name, 'kernel', [outWidth, V]) });
  params.push({ name: 'output.by', shape: [V], data: shape.dense.useBias ? weightOf(jsonPath, weights, shape.dense.name, 'bias', [V]) : new Float32Array(V) });
  checkEngineShapes(jsonPath, network, params);
  const meta = isObject(raw.userDefinedMetadata) && isObject(raw.userDefinedMetadata.rnnlab) ? raw.userDefinedMetadata.rnnlab : {};
  const name = options.name ?? (typeof meta.name === 'string' ? meta.name : (folder.split(/[\\/]/).pop() ?? 'imported'));
  return { name, network, params, vocabulary };
}

/** The parameters must be exactly those the engine builds for the config, in its order. */
export function checkEngineShapes(where: string, network: NetworkConfig, params: readonly TensorData[]): void {
  const expected = Network.paramShapes(network);
  const ok = expected.length === params.length && expected.every((e, i) => e.name === params[i].name && e.shape.join() === params[i].shape.join());
  if (!ok) throw new InteropError(`${where} does not give the parameters an RNN Lab ${network.cell} network needs`);
}
