// A save that failed on the file system (disk full, read-only, permissions): the half-written
// files it left are cleaned at once, and the user gets one plain sentence instead of a raw errno.

import { recoverFolder } from '../training/checkpoint.js';
import { checkpointDir } from './read.js';
import { fsReason } from './outDir.js';

const SAVE_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'ENOTDIR', 'ENOENT']);

/** Whether `error` is a file-system failure of a save (not a bug or bad input). */
export function isSaveFailure(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && SAVE_ERRORS.has(code) && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

/** Removes the pending and temporary files a failed save left in the model folder and its checkpoints. */
export function cleanAfterFailedSave(dir: string): void {
  for (const kind of ['root', 'latest', 'best'] as const) {
    try {
      recoverFolder(checkpointDir(dir, kind));
    } catch {
      // best effort: a load ignores such leftovers anyway
    }
  }
}

/** One sentence for a failed save of the model in `dir`. */
export function saveFailureMessage(error: unknown, dir: string): string {
  const reason = fsReason(error) ?? (error as Error).message;
  return `cannot save the model in ${dir}: ${reason}; training stopped, and the last complete save there is kept`;
}
