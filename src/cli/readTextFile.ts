// Reads a training or evaluation text file and refuses, in one sentence, what cannot be text:
// a missing path, a folder, an empty file, NUL bytes, or bytes that are not UTF-8.

import { readFileSync, statSync } from 'node:fs';

import { InputError } from './cliErrors.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** Offset of the first byte that breaks UTF-8, or −1 when the buffer is valid UTF-8. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need >= n) return i; // the sequence runs past the end
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += need + 1;
  }
  return -1;
}

/** The file's text (a leading byte-order mark dropped). `what` names the file's role in messages. */
export function readTextFile(path: string, what = 'text file'): string {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new InputError(`${path} is a folder, not a ${what}`);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError(`${path} does not exist`);
    throw new InputError(`cannot read ${path}: ${(error as Error).message}`);
  }
  // No size check: pipes and /proc files say 0 bytes and still hold text; reading tells.
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new InputError(`${path} looks binary (a NUL byte at offset ${fmt(nul)}); give a UTF-8 ${what}`);
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) throw new InputError(`${path} is not UTF-8 text (invalid byte at offset ${fmt(bad)}); give a UTF-8 ${what}`);
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) throw new InputError(`${path} is empty; give a ${what} with some text in it`);
  return text;
}
