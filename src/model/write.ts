// Writing model.json: always atomically (temp file, fsync, rename, fsync of the folder), so a
// crash leaves the old file or the new one.

import { join } from 'node:path';

import { writeFileAtomic } from './atomicWrite.js';
import { checkpointDir, hasModelJson, readModelJsonText } from './read.js';
import { MODEL_FILE, ModelFormatError } from './schema.js';
import type { CheckpointKind, ModelMeta } from './schema.js';

/** Replaces model.json of `folder` atomically with `meta`. */
export function writeModelJson(folder: string, meta: ModelMeta): void {
  writeFileAtomic(join(folder, MODEL_FILE), JSON.stringify(meta, null, 1) + '\n');
}

/**
 * Rewrites the `name` in model.json of the folder and of each checkpoint (atomically each);
 * every other field is kept exactly as written.
 */
export function renameModelJson(dir: string, name: string): void {
  for (const kind of ['root', 'latest', 'best'] as CheckpointKind[]) {
    if (!hasModelJson(dir, kind)) continue;
    const folder = checkpointDir(dir, kind);
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(readModelJsonText(folder)) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof ModelFormatError) throw err;
      throw new ModelFormatError(`${join(folder, MODEL_FILE)} is corrupt: it is not valid JSON (${(err as Error).message})`);
    }
    json.name = name;
    writeFileAtomic(join(folder, MODEL_FILE), JSON.stringify(json, null, 1) + '\n');
  }
}
