// Checks, before any training, that a model folder can be written: every part of the path is
// a folder (or can be made one) and a probe file can be created, written, fsync'd and removed.
// Otherwise a bad destination is found only at the first save, after the training is done.

import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The model folder cannot be written; the message is one sentence. */
export class OutDirError extends Error {
  override name = 'OutDirError';
}

/** A plain phrase for a file-system error code, or null when there is none better than Node's message. */
export function fsReason(error: unknown): string | null {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EROFS':
      return 'the file system is read-only';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'the disk is full';
    case 'EDQUOT':
      return 'the disk quota is used up';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'ELOOP':
      return 'the path has a loop of symbolic links';
    default:
      return null;
  }
}

function because(error: unknown): string {
  return fsReason(error) ?? (error as Error).message;
}

/** The folders from `dir` up to (not including) the first one that exists, outermost first. */
function missingParts(dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    let isLink: boolean;
    try {
      isLink = lstatSync(d).isSymbolicLink();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new OutDirError(`cannot save the model in ${dir}: ${because(error)}`);
      if (dirname(d) === d) break;
      missing.unshift(d);
      continue;
    }
    let target;
    try {
      target = statSync(d);
    } catch (error) {
      if (isLink && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new OutDirError(`cannot save the model in ${dir}: ${d} is a symbolic link to something that does not exist`);
      }
      throw new OutDirError(`cannot save the model in ${dir}: ${because(error)}`);
    }
    if (!target.isDirectory()) throw new OutDirError(`cannot save the model in ${dir}: ${d} is a file, not a folder`);
    break;
  }
  return missing;
}

/**
 * Makes `dir` (and missing parents) and proves it writable with a probe file; throws OutDirError.
 * Folders are made one at a time: a recursive mkdir can spin forever on paths like /proc/1/m.
 */
export function ensureWritableDir(dir: string): void {
  const abs = resolve(dir);
  for (const part of missingParts(abs)) {
    try {
      mkdirSync(part);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && statSync(part, { throwIfNoEntry: false })?.isDirectory()) continue;
      throw new OutDirError(`cannot create the model folder ${abs}: ${because(error)}`);
    }
  }
  const probe = join(abs, `.rnnlab-probe-${process.pid}`);
  let fd: number | null = null;
  try {
    fd = openSync(probe, 'w');
    writeSync(fd, 'rnnlab write probe\n');
    fsyncSync(fd);
  } catch (error) {
    throw new OutDirError(`cannot write in the model folder ${abs}: ${because(error)}`);
  } finally {
    if (fd !== null) closeSync(fd);
    rmSync(probe, { force: true });
  }
}
