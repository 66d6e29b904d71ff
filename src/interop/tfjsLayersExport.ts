// An RNN Lab model as a TF.js Layers model: model.json (format "layers-model", a Sequential
// topology in Keras's JSON, a weightsManifest) + one weight shard, loadable by plain
// @tensorflow/tfjs-layers `loadLayersModel` and by `tensorflowjs_converter` into Keras.
//   [Embedding] → (Bidirectional(RNN) | RNN) × layers → Dense(softmax)
// RNN is SimpleRNN, GRU (reset_after false) or LSTM; recurrent_activation is written as
// 'sigmoid' explicitly because tfjs defaults to hard sigmoid.

import type { CellType, NetworkConfig } from '../engine/config.js';
import type { ModelSnapshot, TensorData } from './modelAccess.js';
import { float32Bytes, InteropError } from './exportFolder.js';
import type { OutputFile } from './exportFolder.js';
import { toKerasLayout } from './kerasLayout.js';
import { VOCAB_FILE, vocabularyFileText } from './vocabularyFile.js';

export const TFJS_MODEL_FILE = 'model.json';
export const TFJS_WEIGHTS_FILE = 'group1-shard1of1.bin';

export const KERAS_CLASS: Record<CellType, string> = { rnn: 'SimpleRNN', gru: 'GRU', lstm: 'LSTM' };

type Json = Record<string, unknown>;

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

// Initialisers only matter to someone training the exported model from scratch; the weights
// are loaded over them. Glorot-uniform for both kernels (plain tfjs-core lacks the chained ops
// tfjs's Orthogonal initialiser calls).
const GLOROT = { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null } };
const ZEROS = { class_name: 'Zeros', config: {} };

function recurrentLayerConfig(cell: CellType, name: string, units: number): Json {
  const config: Json = {
    name,
    trainable: true,
    dtype: 'float32',
    units,
    activation: 'tanh',
    use_bias: true,
    kernel_initializer: GLOROT,
    recurrent_initializer: GLOROT,
    bias_initializer: ZEROS,
    dropout: 0,
    recurrent_dropout: 0,
    return_sequences: true,
    return_state: false,
    go_backwards: false,
    stateful: false,
    unroll: false,
  };
  if (cell !== 'rnn') config.recurrent_activation = 'sigmoid';
  if (cell === 'lstm') config.unit_forget_bias = false;
  if (cell === 'gru') config.reset_after = false;
  return config;
}

function param(params: readonly TensorData[], name: string): Float32Array {
  const p = params.find((t) => t.name === name);
  if (!p) throw new InteropError(`the model has no parameter ${name}`);
  return p.data;
}

/** The files of a TF.js Layers export: model.json, the weight shard and vocab.json. */
export function tfjsLayersExportFiles(snapshot: ModelSnapshot): OutputFile[] {
  const net: NetworkConfig = snapshot.network;
  const { cell, units: H, vocabSize: V, layers } = net;
  const specs: WeightSpec[] = [];
  const values: Float32Array[] = [];
  const add = (name: string, shape: number[], data: Float32Array) => {
    specs.push({ name, shape, dtype: 'float32' });
    values.push(data);
  };
  const topology: Json[] = [];
  const firstShape = net.input === 'embedding' ? [null, null] : [null, null, V];
  if (net.input === 'embedding') {
    topology.push({
      class_name: 'Embedding',
      config: {
        name: 'embedding',
        trainable: true,
        dtype: 'float32',
        batch_input_shape: firstShape,
        input_dim: V,
        output_dim: net.embeddingSize,
        mask_zero: false,
        embeddings_initializer: { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } },
      },
    });
    add('embedding/embeddings', [V, net.embeddingSize], param(snapshot.params, 'embedding'));
  }
  const outWidth = net.bidirectional && net.merge === 'concat' ? 2 * H : H;
  const G = { rnn: 1, gru: 3, lstm: 4 }[cell];
  for (let l = 0; l < layers; l++) {
    const inWidth = l === 0 ? (net.input === 'embedding' ? net.embeddingSize : V) : outWidth;
    const inner = `${cell}_${l}`;
    const directions = net.bidirectional ? (['fw', 'bw'] as const) : (['fw'] as const);
    const outer = net.bidirectional ? `bidirectional_${l}` : inner;
    const layerConfig = recurrentLayerConfig(cell, inner, H);
    let entry: Json = { class_name: KERAS_CLASS[cell], config: layerConfig };
    if (net.bidirectional) {
      entry = { class_name: 'Bidirectional', config: { name: outer, trainable: true, merge_mode: net.merge, layer: entry } };
    }
    if (topology.length === 0) (entry.config as Json).batch_input_shape = firstShape;
    topology.push(entry);
    for (const d of directions) {
      const prefix = `layer${l}.${d}.`;
      const recNames = cell === 'gru' ? ['Wh_ur', 'Wh_c'] : ['Wh'];
      const k = toKerasLayout(cell, H, inWidth, {
        Wx: param(snapshot.params, `${prefix}Wx`),
        recurrent: recNames.map((n) => param(snapshot.params, prefix + n)),
        b: param(snapshot.params, `${prefix}b`),
      });
      const base = net.bidirectional ? `${outer}/${d === 'fw' ? 'forward' : 'backward'}_${inner}` : inner;
      add(`${base}/kernel`, [inWidth, G * H], k.kernel);
      add(`${base}/recurrent_kernel`, [H, G * H], k.recurrentKernel);
      add(`${base}/bias`, [G * H], k.bias);
    }
  }
  topology.push({
    class_name: 'Dense',
    config: {
      name: 'output',
      trainable: true,
      dtype: 'float32',
      units: V,
      activation: 'softmax',
      use_bias: true,
      kernel_initializer: GLOROT,
      bias_initializer: ZEROS,
    },
  });
  add('output/kernel', [outWidth, V], param(snapshot.params, 'output.Wy'));
  add('output/bias', [V], param(snapshot.params, 'output.by'));

  const modelJson = {
    format: 'layers-model',
    generatedBy: 'RNN Lab',
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: { name: snapshot.name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'rnnlab', layers: topology },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: specs }],
    userDefinedMetadata: { rnnlab: { name: snapshot.name, input: net.input, tokens: snapshot.vocabulary.mode, vocabulary: VOCAB_FILE } },
  };
  return [
    { name: TFJS_WEIGHTS_FILE, data: float32Bytes(values) },
    { name: VOCAB_FILE, data: vocabularyFileText(snapshot.vocabulary, net.input) },
    { name: TFJS_MODEL_FILE, data: JSON.stringify(modelJson, null, 1) + '\n' },
  ];
}
