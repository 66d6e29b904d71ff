// Models loaded in the extension host for sampling, scoring and completion, cached by folder
// and reloaded when model.json changes (a training run saved a newer version).

import { statSync } from 'node:fs';
import * as path from 'node:path';
import { modelJsonPath } from '../model/index.js';
import type { LoadedModel } from '../training/checkpoint.js';
import { loadEngine } from './engineLoader.js';
import type { ModelRef } from './lab.js';

const cache = new Map<string, { mtimeMs: number; loaded: Promise<LoadedModel> }>();

/** Loads (or reuses) a model; rejects with an Error whose message is one sentence. */
export async function getModel(ref: Pick<ModelRef, 'dir' | 'checkpoint'>, wasmDir: string): Promise<LoadedModel> {
  const file = modelJsonPath(ref.dir, ref.checkpoint);
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    throw new Error(`There is no model at ${path.dirname(file)} any more: it was moved or deleted.`);
  }
  const key = `${ref.dir}\u0000${ref.checkpoint}`;
  const hit = cache.get(key);
  if (hit && hit.mtimeMs === mtimeMs) return hit.loaded;
  const loaded = loadEngine().then((engine) => engine.openModel(ref.dir, wasmDir, ref.checkpoint));
  cache.set(key, { mtimeMs, loaded });
  loaded.catch(() => cache.delete(key));
  return loaded;
}

export function forgetModel(dir: string): void {
  for (const key of [...cache.keys()]) if (key.startsWith(`${dir}\u0000`)) cache.delete(key);
}
