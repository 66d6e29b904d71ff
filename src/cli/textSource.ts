// A text file read as a stream of checked UTF-8 chunks, of any size and of any kind: a regular
// file, a pipe (`<(cat a b)`), a /proc file. Whatever stat says about its size is not trusted:
// the file is read. A stream that cannot be read twice is copied aside on the first pass.

import { closeSync, openSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';

import type { TextSource } from '../training/corpus.js';
import { InputError } from './cliErrors.js';
import { firstInvalidUtf8 } from './readTextFile.js';

const CHUNK = 1 << 22;
const fmt = (n: number) => n.toLocaleString('en-US');

/** Bytes at the end of `b` that start a UTF-8 sequence the chunk does not finish. */
function unfinishedTail(b: Uint8Array): number {
  for (let k = 1; k <= Math.min(3, b.length); k++) {
    const c = b[b.length - k]!;
    if ((c & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > k ? k : 0;
  }
  return 0;
}

export interface FileTextSource extends TextSource {
  close(): void;
}

/** Opens `path` for reading as text; refuses a missing path or a folder. `what` names its role. */
export function openTextSource(path: string, what = 'text file'): FileTextSource {
  let regular: boolean;
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new InputError(`${path} is a folder, not a ${what}`);
    regular = st.isFile();
    size = st.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError(`${path} does not exist`);
    throw new InputError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const openOrFail = (p: string) => {
    try {
      return openSync(p, 'r');
    } catch (error) {
      throw new InputError(`cannot read ${path}: ${(error as Error).message}`);
    }
  };
  // A /proc file says it is regular and empty; only reading tells its length, so it is copied too.
  const rereadable = regular && size > 0;
  let spool: number | null = null;
  let spooled = 0;
  let passes = 0;

  function* read(fd: number, onBytes: (n: number) => void, positioned: boolean, copyTo: number | null): Generator<Uint8Array> {
    // Room for a chunk plus the unfinished sequence carried from the one before.
    const buffer = Buffer.allocUnsafe(CHUNK + 4);
    let offset = 0; // file offset of buffer[held]
    let held = 0; // bytes of an unfinished sequence at the start of the buffer
    let text = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer, held, CHUNK, positioned ? offset : null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw new InputError(`cannot read ${path}: ${(error as Error).message}`);
      }
      if (n === 0) break;
      const fresh = buffer.subarray(held, held + n);
      if (copyTo !== null) {
        let done = 0;
        while (done < n) done += writeSync(copyTo, fresh, done, n - done, spooled + done);
        spooled += n;
      }
      const nul = fresh.indexOf(0);
      if (nul >= 0) throw new InputError(`${path} looks binary (a NUL byte at offset ${fmt(offset + nul)}); give a UTF-8 ${what}`);
      const all = buffer.subarray(0, held + n);
      const tail = unfinishedTail(all);
      let chunk = all.subarray(0, all.length - tail);
      if (!isUtf8(chunk)) {
        throw new InputError(`${path} is not UTF-8 text (invalid byte at offset ${fmt(offset - held + firstInvalidUtf8(chunk))}); give a UTF-8 ${what}`);
      }
      // The byte-order mark is a marker, not text.
      if (offset === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      onBytes(n);
      text += chunk.length;
      if (chunk.length > 0) yield chunk;
      offset += n;
      buffer.copy(buffer, 0, all.length - tail, all.length);
      held = tail;
    }
    if (held > 0) throw new InputError(`${path} is not UTF-8 text (invalid byte at offset ${fmt(offset - held)}); give a UTF-8 ${what}`);
    if (text === 0) throw new InputError(`${path} is empty; give a ${what} with some text in it`);
  }

  return {
    totalBytes: rereadable ? size : null,
    *chunks(onBytes) {
      passes++;
      if (!rereadable && passes > 1) {
        yield* read(spool!, onBytes, true, null);
        return;
      }
      if (!rereadable) {
        const name = join(tmpdir(), `rnnlab-text-${process.pid}-${randomBytes(4).toString('hex')}`);
        spool = openSync(name, 'w+', 0o600);
        unlinkSync(name); // gone with the process, whatever happens
      }
      const fd = openOrFail(path);
      try {
        yield* read(fd, onBytes, rereadable, rereadable ? null : spool);
      } finally {
        closeSync(fd);
      }
    },
    close() {
      if (spool !== null) closeSync(spool);
      spool = null;
    },
  };
}
