// Reads the models folder for the Models view and the model pickers: one entry per sub-folder
// holding a model.json, validated by readModelMeta (no weights read, no tfjs loaded).

import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { ModelFormatError, readModelMeta } from '../training/checkpoint.js';
import { summarizeCheckpointJson, summarizeModelJson } from './modelTree.js';
import type { CheckpointSummary, ModelEntry } from './modelTree.js';

/** Model folders under `modelsDir`, sorted by name; broken ones included with their problem. */
export function listModels(modelsDir: string): ModelEntry[] {
  let names: string[];
  try {
    names = readdirSync(modelsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort((a, b) => a.localeCompare(b));
  } catch {
    return []; // no models folder yet: the view shows its welcome content
  }
  return names.flatMap((name): ModelEntry[] => {
    const dir = path.join(modelsDir, name);
    // A folder without model.json may be a training run that has not saved yet, or clutter.
    if (!existsSync(path.join(dir, 'model.json'))) return [];
    return [readEntry(dir, name)];
  });
}

export function readEntry(dir: string, name = path.basename(dir)): ModelEntry {
  try {
    const meta = readModelMeta(dir);
    const summary = summarizeModelJson(meta, dir, name);
    if (typeof summary === 'string') return { kind: 'broken', dir, name, problem: summary };
    const checkpoints: CheckpointSummary[] = [];
    for (const kind of ['latest', 'best'] as const) {
      if (!existsSync(path.join(dir, 'checkpoints', kind, 'model.json'))) continue;
      try {
        checkpoints.push(summarizeCheckpointJson(readModelMeta(dir, kind), kind));
      } catch {
        checkpoints.push({ kind, step: null, valLoss: null });
      }
    }
    return { kind: 'ok', summary, checkpoints };
  } catch (err) {
    const problem = err instanceof ModelFormatError || err instanceof Error ? err.message : String(err);
    return { kind: 'broken', dir, name, problem };
  }
}

/** Whether `dir` still holds a model (it may have been deleted while shown). */
export function modelExists(dir: string): boolean {
  try {
    return statSync(path.join(dir, 'model.json')).isFile();
  } catch {
    return false;
  }
}
