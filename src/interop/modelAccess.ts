// The one place the interop code reaches the RNN Lab model folder: reads a model for export and
// writes an imported one, through src/model and the checkpoint module's own load and save functions.

import type { NetworkConfig } from '../engine/config.js';
import type { Model } from '../engine/model.js';
import type { VocabularyJSON } from '../engine/tokenizer.js';
import { resolveTrainConfig } from '../training/config.js';
import { ModelFormatError } from '../model/index.js';
import type { CheckpointKind } from '../model/index.js';
import { loadModel, loadModelFolder, saveModelFolder } from '../training/checkpoint.js';
import type { TensorData } from '../training/checkpoint.js';

export type { CheckpointKind, TensorData };
export { ModelFormatError };

/** What an export needs of a model and an import produces: config, weights, vocabulary. */
export interface ModelSnapshot {
  name: string;
  network: NetworkConfig;
  /** The engine's parameters by name (`layer0.fw.Wx`, `output.Wy`, …), row-major float32. */
  params: TensorData[];
  vocabulary: VocabularyJSON;
}

/** Reads and validates a model folder (or one of its checkpoints). Throws ModelFormatError. */
export function readModelSnapshot(dir: string, checkpoint: CheckpointKind = 'root'): ModelSnapshot {
  const folder = loadModelFolder(dir, checkpoint);
  return { name: folder.name, network: folder.network, params: folder.params, vocabulary: folder.vocabulary };
}

/** Saves a snapshot as a new model folder with default training settings and no training state. */
export function writeModelSnapshot(dir: string, snapshot: ModelSnapshot): void {
  saveModelFolder(dir, {
    name: snapshot.name,
    network: snapshot.network,
    params: snapshot.params,
    vocabulary: snapshot.vocabulary,
    train: resolveTrainConfig({ tokens: snapshot.vocabulary.mode }),
    state: { step: 0, epoch: 0, bestValLoss: null },
    history: {},
    optimizer: null,
  });
}

/** Loads a model folder ready for sampling, scoring and inspection (the backend must be up). */
export async function openModelForUse(dir: string): Promise<Model> {
  return (await loadModel(dir)).model;
}
