// Writing a whole export or import folder at once: every file goes into a temporary sibling
// folder (each fsync'd), which is renamed into place, so OUT is either complete or absent.

import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

import { fsyncDir, writeFileSynced } from '../model/index.js';

/** Bad input to an export or import; the message is one sentence and nothing was written. */
export class InteropError extends Error {
  override name = 'InteropError';
}

export interface OutputFile {
  name: string;
  data: Uint8Array | string;
}

/** Refuses an OUT that exists and is not an empty folder, so nothing is ever overwritten. */
export function checkOutputFree(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new InteropError(`${out} exists and is not a folder; choose a new --out`);
  if (readdirSync(out).length > 0) throw new InteropError(`${out} is not empty; choose a new or empty --out folder`);
}

/** Fills a fresh temporary sibling of `out` by `fill`, then renames it to `out`. */
export function writeFolderAtomically(out: string, fill: (tempDir: string) => void): void {
  const target = resolve(out);
  checkOutputFree(target);
  mkdirSync(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(temp);
  try {
    fill(temp);
    fsyncDir(temp);
    if (existsSync(target)) rmdirSync(target); // an empty folder, checked above
    renameSync(temp, target);
    fsyncDir(dirname(target));
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Writes files into a folder, each fsync'd (used inside writeFolderAtomically's `fill`). */
export function writeFiles(dir: string, files: readonly OutputFile[]): void {
  for (const f of files) {
    const bytes = typeof f.data === 'string' ? Buffer.from(f.data, 'utf8') : f.data;
    writeFileSynced(join(dir, f.name), [bytes]);
  }
}

/** Little-endian float32 bytes of a list of arrays, back to back. */
export function float32Bytes(arrays: readonly Float32Array[]): Uint8Array {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const out = new Float32Array(total);
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return new Uint8Array(out.buffer);
}
