// What a listing (the Models view, the model pickers) knows of one model folder: read
// tolerantly, so a broken folder is shown with its problem instead of failing the list.

import { basename, join } from 'node:path';

import { checkpointDir, hasModelJson, readModelJsonText } from './read.js';
import { MODEL_FILE, ModelFormatError } from './schema.js';
import { summarizeCheckpointJson, summarizeModelJson } from './summary.js';
import type { CheckpointSummary, ModelSummary } from './summary.js';

export type ModelListing =
  { kind: 'ok'; summary: ModelSummary; checkpoints: CheckpointSummary[] } | { kind: 'broken'; dir: string; name: string; problem: string };

/** model.json parsed as plain JSON; a ModelFormatError with one sentence when it is not. */
function readJson(folder: string): unknown {
  const text = readModelJsonText(folder);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ModelFormatError(`${join(folder, MODEL_FILE)} is corrupt: it is not valid JSON (${(err as Error).message})`);
  }
}

/** Never throws: a folder that cannot be read is listed as broken, with the reason. */
export function readModelListing(dir: string, name = basename(dir)): ModelListing {
  if (!hasModelJson(dir)) {
    const left = (['latest', 'best'] as const).filter((kind) => hasModelJson(dir, kind));
    if (left.length > 0) {
      const kept = left.map((k) => `checkpoints/${k}`).join(' and ');
      return {
        kind: 'broken',
        dir,
        name,
        problem: `${MODEL_FILE} is missing but ${kept} ${left.length === 1 ? 'remains' : 'remain'}; rnnlab train FILE --out DIR --resume recovers the model.`,
      };
    }
  }
  try {
    const summary = summarizeModelJson(readJson(dir), dir, name);
    if (typeof summary === 'string') return { kind: 'broken', dir, name, problem: summary };
    const checkpoints: CheckpointSummary[] = [];
    for (const kind of ['latest', 'best'] as const) {
      if (!hasModelJson(dir, kind)) continue;
      try {
        checkpoints.push(summarizeCheckpointJson(readJson(checkpointDir(dir, kind)), kind));
      } catch {
        checkpoints.push({ kind, step: null, valLoss: null });
      }
    }
    return { kind: 'ok', summary, checkpoints };
  } catch (err) {
    return { kind: 'broken', dir, name, problem: err instanceof Error ? err.message : String(err) };
  }
}
