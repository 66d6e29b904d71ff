// Reads the models folder for the Models view and the model pickers: one entry per sub-folder
// holding a model.json, read by src/model's tolerant reader (no tfjs, which activation must
// not load; full validation happens when a model is used).

import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { hasModelJson, readModelListing, savedCheckpoints } from '../model/index.js';
import type { ModelEntry } from './modelTree.js';

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
    // A folder without any save may be a training run that has not saved yet, or clutter; one
    // with checkpoints but no root model.json is listed (broken), so its name stays taken.
    if (savedCheckpoints(dir).length === 0) return [];
    return [readEntry(dir, name)];
  });
}

export function readEntry(dir: string, name = path.basename(dir)): ModelEntry {
  return readModelListing(dir, name);
}

/** Whether `dir` still holds a model (it may have been deleted while shown). */
export function modelExists(dir: string): boolean {
  return hasModelJson(dir);
}

/**
 * Creates the models folder if it is missing, with a `.gitignore` of `*`: models are build
 * outputs, so a workspace under git does not offer megabytes of weights for a commit. A folder
 * the user made is left as it is. Returns whether it was created.
 */
export function ensureModelsFolder(modelsDir: string): boolean {
  if (existsSync(modelsDir)) return false;
  mkdirSync(modelsDir, { recursive: true });
  writeFileSync(path.join(modelsDir, '.gitignore'), '# Written by RNN Lab: trained models are build outputs.\n*\n');
  return true;
}
