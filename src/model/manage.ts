// Renaming and deleting a whole model folder, under its lock: a folder a live run is training
// is refused in one sentence instead of being moved or removed under the writer.

import { existsSync, renameSync, rmSync } from 'node:fs';

import { acquireModelLock, describeHolder, ModelLockedError, releaseOwnLock } from './lock.js';
import type { ModelLock } from './lock.js';
import { renameModelJson } from './write.js';

function lockFor(dir: string, doing: string): ModelLock {
  try {
    return acquireModelLock(dir);
  } catch (error) {
    if (!(error instanceof ModelLockedError)) throw error;
    throw new ModelLockedError(`${dir} is being trained by a running RNN Lab run (${describeHolder(error.holder)}); stop it before ${doing} it.`, error.holder);
  }
}

/**
 * Moves model folder `dir` to `target` and writes `name` into each of its model.json files.
 * Throws ModelLockedError when a live process trains it.
 */
export function renameModelFolder(dir: string, target: string, name: string): void {
  const lock = lockFor(dir, 'renaming');
  try {
    // Folder rename first (atomic): a crash before the name rewrite leaves a valid model.
    renameSync(dir, target);
  } catch (error) {
    lock.release();
    throw error;
  }
  try {
    renameModelJson(target, name);
  } finally {
    // The lock file moved with the folder.
    releaseOwnLock(target);
    lock.release();
  }
}

/** Deletes model folder `dir` and its checkpoints. Throws ModelLockedError when a live process trains it. */
export function deleteModelFolder(dir: string): void {
  if (!existsSync(dir)) return; // already gone: nothing to delete, nothing to lock
  const lock = lockFor(dir, 'deleting');
  try {
    rmSync(dir, { recursive: true, force: true });
  } finally {
    lock.release();
  }
}
