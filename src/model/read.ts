// Reading model.json from a model folder: strictly (every command that uses a model) or
// tolerantly (listings that must show what they can).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { MODEL_FILE, ModelFormatError } from './schema.js';
import type { CheckpointKind, ModelMeta, TrainingHistory } from './schema.js';
import { tolerantHistory } from './summary.js';
import { parseModelMeta } from './validate.js';

/** The folder holding a checkpoint of a model folder. */
export function checkpointDir(dir: string, checkpoint: CheckpointKind = 'root'): string {
  return checkpoint === 'root' ? dir : join(dir, 'checkpoints', checkpoint);
}

/** The model.json of a model folder or of one of its checkpoints. */
export function modelJsonPath(dir: string, checkpoint: CheckpointKind = 'root'): string {
  return join(checkpointDir(dir, checkpoint), MODEL_FILE);
}

/** Whether the folder (or checkpoint) has a model.json file at all; says nothing of its content. */
export function hasModelJson(dir: string, checkpoint: CheckpointKind = 'root'): boolean {
  try {
    return statSync(modelJsonPath(dir, checkpoint)).isFile();
  } catch {
    return false;
  }
}

/** The saves of a model folder that have a model.json (complete or not): latest, root, best. */
export function savedCheckpoints(dir: string): CheckpointKind[] {
  return (['latest', 'root', 'best'] as const).filter((kind) => hasModelJson(dir, kind));
}

/** model.json's text, or a ModelFormatError saying in one sentence why there is none. */
export function readModelJsonText(folder: string): string {
  const path = join(folder, MODEL_FILE);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (!existsSync(folder)) throw new ModelFormatError(`no model at ${folder}: the folder does not exist`);
      throw new ModelFormatError(`no model at ${folder}: it has no ${MODEL_FILE}`);
    }
    if (code === 'ENOTDIR') throw new ModelFormatError(`${folder} is a file, not a model folder`);
    throw new ModelFormatError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Reads and validates model.json of a model folder (no weights are read). */
export function readModelMeta(dir: string, checkpoint: CheckpointKind = 'root'): ModelMeta {
  return readModelMetaSnapshot(checkpointDir(dir, checkpoint)).meta;
}

/** The validated model.json of `folder` with the exact text it came from (to notice a concurrent save). */
export function readModelMetaSnapshot(folder: string): { meta: ModelMeta; text: string } {
  const text = readModelJsonText(folder);
  return { meta: parseModelMeta(text, join(folder, MODEL_FILE)), text };
}

/** Whether model.json of `folder` now holds something else than `text` (false when unreadable). */
export function modelJsonChanged(folder: string, text: string): boolean {
  try {
    return readFileSync(join(folder, MODEL_FILE), 'utf8') !== text;
  } catch {
    return false;
  }
}

/** The training history of a model, tolerantly (malformed parts dropped); undefined when unreadable. */
export function readModelHistory(dir: string): TrainingHistory | undefined {
  try {
    return tolerantHistory((JSON.parse(readModelJsonText(dir)) as { history?: unknown }).history);
  } catch {
    return undefined;
  }
}
