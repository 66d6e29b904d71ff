// Durable file writes: write to a temporary name in the same folder, fsync, rename over the
// target, fsync the folder, so a crash leaves either the old file or the new one, never half.

import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/** A name in the same folder as `path` (rename is only atomic within one file system). */
export function tempPathFor(path: string): string {
  counter += 1;
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now().toString(36)}-${counter}`);
}

/** Writes every chunk to `path` and fsyncs it before returning; `path` is created or truncated. */
export function writeFileSynced(path: string, chunks: readonly Uint8Array[]): void {
  const fd = openSync(path, 'w', 0o644);
  try {
    for (const chunk of chunks) {
      let done = 0;
      while (done < chunk.byteLength) done += writeSync(fd, chunk, done, chunk.byteLength - done);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes renames and creations inside `dir` durable (their directory entries reach the disk). */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return; // some platforms (Windows) cannot open a folder; the rename is still atomic there
  }
  try {
    fsyncSync(fd);
  } catch {
    // fsync on a directory is refused by a few file systems; the data files were synced already
  } finally {
    closeSync(fd);
  }
}

/** Replaces `path` atomically with `chunks`: temp file, fsync, rename, fsync of the folder. */
export function writeFileAtomic(path: string, chunks: readonly Uint8Array[] | string): void {
  const data = typeof chunks === 'string' ? [Buffer.from(chunks, 'utf8')] : chunks;
  const temp = tempPathFor(path);
  try {
    writeFileSynced(temp, data);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  fsyncDir(dirname(path));
}
