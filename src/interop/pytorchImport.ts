// A PyTorch folder (as `rnnlab export --format pytorch` or train_ddp.py writes it) → an RNN Lab snapshot.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ConfigError, resolveNetworkConfig } from '../engine/config.js';
import type { NetworkConfig, NetworkOptions } from '../engine/config.js';
import { InteropError } from './exportFolder.js';
import type { ModelSnapshot } from './modelAccess.js';
import { PYTORCH_CONFIG_FILE, PYTORCH_FORMAT, PYTORCH_WEIGHTS_FILE } from './pytorchExport.js';
import { fromPytorchTensors } from './pytorchLayout.js';
import { decodeSafetensors } from './safetensors.js';
import { checkEngineShapes } from './tfjsLayersImport.js';
import type { ImportOptions } from './tfjsLayersImport.js';
import { readVocabularyFile, VOCAB_FILE } from './vocabularyFile.js';

function readFileOrRefuse(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InteropError(code === 'ENOENT' ? `${path} is missing (${what})` : `cannot read ${path}: ${(error as Error).message}`);
  }
}

export function importPytorch(folder: string, options: ImportOptions = {}): ModelSnapshot {
  const configPath = join(folder, PYTORCH_CONFIG_FILE);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileOrRefuse(configPath, 'the network config').toString('utf8'));
  } catch (error) {
    if (error instanceof InteropError) throw error;
    throw new InteropError(`${configPath} is corrupt: it is not valid JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || raw.format !== PYTORCH_FORMAT)
    throw new InteropError(`${configPath} is not an RNN Lab PyTorch config (its "format" is not "${PYTORCH_FORMAT}")`);
  const vocabPath = options.vocab ?? join(folder, VOCAB_FILE);
  if (!options.vocab && !existsSync(vocabPath)) throw new InteropError(`${folder} has no ${VOCAB_FILE}; give the vocabulary with --vocab FILE`);
  const vocabulary = readVocabularyFile(vocabPath);
  const V = vocabulary.tokens.length;
  if (raw.vocabSize !== V)
    throw new InteropError(`the vocabulary ${vocabPath} has ${V} tokens but ${configPath} says the output layer has ${String(raw.vocabSize)}`);
  let network: NetworkConfig;
  try {
    network = resolveNetworkConfig(
      { cell: raw.cell, layers: raw.layers, units: raw.units, input: raw.input, embeddingSize: raw.embeddingSize, dropout: raw.dropout } as NetworkOptions,
      V,
      vocabulary.mode,
    );
  } catch (error) {
    if (error instanceof ConfigError) throw new InteropError(`${configPath} describes a network RNN Lab cannot build: ${error.message}`);
    throw error;
  }
  const weightsPath = join(folder, PYTORCH_WEIGHTS_FILE);
  const { tensors } = decodeSafetensors(readFileOrRefuse(weightsPath, 'the weights'), weightsPath);
  const params = fromPytorchTensors(weightsPath, network, tensors);
  const used = new Set([
    'embedding.weight',
    'output.weight',
    'output.bias',
    ...Array.from({ length: network.layers }, (_, l) => ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((n) => `rnn.${n}_l${l}`)).flat(),
  ]);
  const extra = [...tensors.keys()].find((k) => !used.has(k) || (k.startsWith('rnn.bias_hh') && network.cell === 'gru'));
  if (extra) throw new InteropError(`${weightsPath} has a tensor ${extra} that a ${network.cell} network of this config does not use`);
  checkEngineShapes(weightsPath, network, params);
  return { name: options.name ?? (typeof raw.name === 'string' ? raw.name : 'imported'), network, params, vocabulary };
}
