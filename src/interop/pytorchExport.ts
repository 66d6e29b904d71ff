// An RNN Lab model as a PyTorch folder: model.safetensors (state_dict names, see pytorchLayout),
// config.json, vocab.json, reference.safetensors (ids and the engine's probabilities, which
// train_ddp.py checks on start) and train_ddp.py itself.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Rng } from '../engine/math.js';
import { Network, softmaxRow } from '../engine/network.js';
import { InteropError } from './exportFolder.js';
import type { OutputFile } from './exportFolder.js';
import type { ModelSnapshot } from './modelAccess.js';
import { toPytorchTensors } from './pytorchLayout.js';
import { encodeSafetensors } from './safetensors.js';
import { VOCAB_FILE, vocabularyFileText } from './vocabularyFile.js';

export const PYTORCH_FORMAT = 'rnnlab-pytorch';
export const PYTORCH_WEIGHTS_FILE = 'model.safetensors';
export const PYTORCH_CONFIG_FILE = 'config.json';
export const REFERENCE_FILE = 'reference.safetensors';
export const TRAIN_SCRIPT_FILE = 'train_ddp.py';

/** config.json: what train_ddp.py needs to rebuild the network. */
export interface PytorchConfig {
  format: typeof PYTORCH_FORMAT;
  formatVersion: 1;
  name: string;
  cell: 'rnn' | 'gru' | 'lstm';
  layers: number;
  units: number;
  vocabSize: number;
  input: 'onehot' | 'embedding';
  embeddingSize: number;
  dropout: number;
  tokens: 'char' | 'word';
}

const REFERENCE_BATCH = 2;
const REFERENCE_STEPS = 16;

/** The script ships in media/interop; from dist/ and from src/interop alike. */
export function trainScriptPath(): string {
  const candidates = [join(__dirname, '..', 'media', 'interop', TRAIN_SCRIPT_FILE), join(__dirname, '..', '..', 'media', 'interop', TRAIN_SCRIPT_FILE)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new InteropError(`${TRAIN_SCRIPT_FILE} is missing from this RNN Lab installation (looked in ${candidates.join(' and ')})`);
  return found;
}

/** The engine's probabilities on a seeded batch of ids (batch-major [B, T] and [B, T, V]). Needs the backend. */
export function referenceBatch(snapshot: ModelSnapshot): { ids: Int32Array; probs: Float32Array } {
  const net = Network.fromParams(snapshot.network, snapshot.params);
  const V = snapshot.network.vocabSize;
  const B = REFERENCE_BATCH;
  const T = REFERENCE_STEPS;
  const rng = new Rng(7);
  const ids = Int32Array.from({ length: B * T }, () => rng.int(V)); // batch-major
  const timeMajor = new Int32Array(B * T);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) timeMajor[t * B + b] = ids[b * T + t];
  const pass = net.forward(timeMajor, B, T, null);
  const probs = new Float32Array(B * T * V);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) probs.set(softmaxRow(pass.logits, (t * B + b) * V, V), (b * T + t) * V);
  net.dispose();
  return { ids, probs };
}

export function pytorchExportFiles(snapshot: ModelSnapshot): OutputFile[] {
  const net = snapshot.network;
  const tensors = toPytorchTensors(net, snapshot.params);
  const config: PytorchConfig = {
    format: PYTORCH_FORMAT,
    formatVersion: 1,
    name: snapshot.name,
    cell: net.cell,
    layers: net.layers,
    units: net.units,
    vocabSize: net.vocabSize,
    input: net.input,
    embeddingSize: net.embeddingSize,
    dropout: net.dropout,
    tokens: snapshot.vocabulary.mode,
  };
  const { ids, probs } = referenceBatch(snapshot);
  const V = net.vocabSize;
  return [
    {
      name: PYTORCH_WEIGHTS_FILE,
      data: encodeSafetensors(
        tensors.map((t) => ({ name: t.name, dtype: 'F32', shape: t.shape, data: t.data })),
        { format: PYTORCH_FORMAT, config: JSON.stringify(config) },
      ),
    },
    {
      name: REFERENCE_FILE,
      data: encodeSafetensors(
        [
          { name: 'ids', dtype: 'I32', shape: [REFERENCE_BATCH, REFERENCE_STEPS], data: ids },
          { name: 'probs', dtype: 'F32', shape: [REFERENCE_BATCH, REFERENCE_STEPS, V], data: probs },
        ],
        { format: 'rnnlab-reference' },
      ),
    },
    { name: VOCAB_FILE, data: vocabularyFileText(snapshot.vocabulary, net.input) },
    { name: TRAIN_SCRIPT_FILE, data: readFileSync(trainScriptPath(), 'utf8') },
    { name: PYTORCH_CONFIG_FILE, data: JSON.stringify(config, null, 1) + '\n' },
  ];
}
