// Models loaded in the extension host for sampling, scoring, completion and inspection, cached
// by folder and reloaded when model.json changes (a training run saved a newer version).

import { statSync } from 'node:fs';
import * as path from 'node:path';
import { modelJsonPath } from '../model/index.js';
import type { LoadedModel } from '../training/checkpoint.js';
import { loadEngine } from './engineLoader.js';
import type { TaskInspector } from './engineOps.js';
import type { ModelRef } from './lab.js';

const cache = new Map<string, { mtimeMs: number; loaded: Promise<LoadedModel> }>();

/** Loads (or reuses) a model; rejects with an Error whose message is one sentence. */
export async function getModel(ref: Pick<ModelRef, 'dir' | 'checkpoint'>, wasmDir: string): Promise<LoadedModel> {
  const file = modelJsonPath(ref.dir, ref.checkpoint);
  const mtimeMs = modelTime(file);
  const key = `${ref.dir}\u0000${ref.checkpoint}`;
  const hit = cache.get(key);
  if (hit && hit.mtimeMs === mtimeMs) return hit.loaded;
  const loaded = loadEngine().then((engine) => engine.openModel(ref.dir, wasmDir, ref.checkpoint));
  cache.set(key, { mtimeMs, loaded });
  loaded.catch(() => cache.delete(key));
  return loaded;
}

/** model.json's modification time, or an Error naming the missing folder. */
function modelTime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    throw new Error(`There is no model at ${path.dirname(file)} any more: it was moved or deleted.`);
  }
}

const inspectors = new Map<string, { mtimeMs: number; loaded: Promise<TaskInspector> }>();

function dropInspector(dir: string): void {
  const hit = inspectors.get(dir);
  inspectors.delete(dir);
  hit?.loaded.then((i) => i.dispose(), () => undefined);
}

/** A task model's inspector (classify, tag, seq2seq), loaded once per folder and version of model.json. */
export async function getTaskInspector(dir: string, wasmDir: string): Promise<TaskInspector> {
  const mtimeMs = modelTime(modelJsonPath(dir, 'root'));
  const hit = inspectors.get(dir);
  if (hit && hit.mtimeMs === mtimeMs) return hit.loaded;
  if (hit) dropInspector(dir);
  const loaded = loadEngine().then((engine) => engine.openTaskInspector(dir, wasmDir));
  inspectors.set(dir, { mtimeMs, loaded });
  loaded.catch(() => {
    if (inspectors.get(dir)?.loaded === loaded) inspectors.delete(dir);
  });
  return loaded;
}

export function forgetModel(dir: string): void {
  for (const key of [...cache.keys()]) if (key.startsWith(`${dir}\u0000`)) cache.delete(key);
  dropInspector(dir);
}
