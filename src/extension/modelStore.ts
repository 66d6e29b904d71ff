// Reads the models folder for the Models view and the model pickers: one entry per sub-folder
// holding a model.json. Only model.json is read, by plain JSON parsing: checkpoint.ts (the
// strict loader) imports the engine and with it tfjs, which activation must not load.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
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

/** Parsed model.json of a folder; throws an Error whose message is one sentence. */
function readMetaJson(folder: string): unknown {
  const file = path.join(folder, 'model.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `no model at ${folder}: it has no model.json` : `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is corrupt: it is not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

export function readEntry(dir: string, name = path.basename(dir)): ModelEntry {
  try {
    const meta = readMetaJson(dir);
    const summary = summarizeModelJson(meta, dir, name);
    if (typeof summary === 'string') return { kind: 'broken', dir, name, problem: summary };
    const checkpoints: CheckpointSummary[] = [];
    for (const kind of ['latest', 'best'] as const) {
      if (!existsSync(path.join(dir, 'checkpoints', kind, 'model.json'))) continue;
      try {
        checkpoints.push(summarizeCheckpointJson(readMetaJson(path.join(dir, 'checkpoints', kind)), kind));
      } catch {
        checkpoints.push({ kind, step: null, valLoss: null });
      }
    }
    return { kind: 'ok', summary, checkpoints };
  } catch (err) {
    const problem = err instanceof Error ? err.message : String(err);
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
