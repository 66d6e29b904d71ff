// The CLI's text-file gate: UTF-8 validation byte by byte, and one sentence for every file
// that cannot be trained on or scored.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { InputError } from '../../src/cli/cliErrors.js';
import { firstInvalidUtf8, readTextFile } from '../../src/cli/readTextFile.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnlab-text-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('firstInvalidUtf8', () => {
  test('accepts ASCII and 2-, 3- and 4-byte sequences, as Node decodes them', () => {
    for (const s of ['', 'plain', 'héllo', '€ and ✓', '𝄞 clef', 'mixed é€𝄞 end']) {
      assert.equal(firstInvalidUtf8(Buffer.from(s, 'utf8')), -1, s);
    }
  });

  test('finds the first byte that breaks UTF-8', () => {
    const cases: [number[], number][] = [
      [[0x61, 0xff], 1], // never valid
      [[0x61, 0x80], 1], // continuation byte without a lead
      [[0x61, 0x62, 0xe2, 0x82], 2], // sequence cut by the end of the file
      [[0xc0, 0x80], 0], // overlong NUL
      [[0xe0, 0x80, 0x80], 0], // overlong
      [[0xed, 0xa0, 0x80], 0], // UTF-16 surrogate D800
      [[0xf4, 0x90, 0x80, 0x80], 0], // past U+10FFFF
      [[0x63, 0x61, 0x66, 0xe9, 0x20], 3], // Latin-1 "café "
      [[0xc3, 0xa9, 0xc3, 0x28], 2], // bad continuation
    ];
    for (const [bytes, at] of cases) assert.equal(firstInvalidUtf8(Uint8Array.from(bytes)), at, JSON.stringify(bytes));
  });

  test('agrees with a strict TextDecoder on random byte strings', () => {
    let x = 12345;
    const next = () => (x = (x * 1103515245 + 12345) % 2147483648);
    const strict = new TextDecoder('utf-8', { fatal: true });
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: 1 + (next() % 8) }, () => (next() % 4 === 0 ? next() % 256 : 0x80 + (next() % 0x50)));
      let valid = true;
      try {
        strict.decode(bytes);
      } catch {
        valid = false;
      }
      assert.equal(firstInvalidUtf8(bytes) === -1, valid, JSON.stringify([...bytes]));
    }
  });
});

describe('readTextFile', () => {
  test('returns the text, without a byte-order mark', () => {
    assert.equal(readTextFile(file('ok.txt', 'to be or not\n')), 'to be or not\n');
    assert.equal(readTextFile(file('bom.txt', '\ufeffhello')), 'hello');
  });

  const refuses = (path: string, pattern: RegExp) => {
    assert.throws(
      () => readTextFile(path, 'text file to train on'),
      (e: unknown) => e instanceof InputError && pattern.test(e.message) && !e.message.includes('\n'),
    );
  };

  test('refuses what is not text, in one sentence', () => {
    refuses(join(dir, 'missing.txt'), /missing\.txt does not exist$/);
    refuses(join(dir, 'ok.txt', 'below-a-file'), /does not exist$/);
    mkdirSync(join(dir, 'folder'));
    refuses(join(dir, 'folder'), /folder is a folder, not a text file to train on$/);
    refuses(file('empty.txt', ''), /empty\.txt is empty; give a text file to train on with some text in it$/);
    refuses(file('only-bom.txt', '\ufeff'), /only-bom\.txt is empty/);
    refuses(file('nul.txt', Buffer.from('abc\0def')), /nul\.txt looks binary \(a NUL byte at offset 3\); give a UTF-8 text file to train on$/);
    refuses(file('utf16.txt', Buffer.from('\ufeffhi', 'utf16le')), /utf16\.txt looks binary \(a NUL byte at offset 3\)/);
    refuses(file('latin1.txt', Buffer.from('na\xefve', 'latin1')), /latin1\.txt is not UTF-8 text \(invalid byte at offset 2\); give a UTF-8 text file to train on$/);
  });
});
