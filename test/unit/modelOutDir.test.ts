// ensureWritableDir: a model folder that cannot be written is refused in one sentence, fast.

import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { ensureWritableDir, OutDirError } from '../../src/model/outDir.js';

const work = mkdtempSync(join(tmpdir(), 'rnnlab-outdir-'));
after(() => rmSync(work, { recursive: true, force: true }));

function refused(dir: string, pattern: RegExp): void {
  assert.throws(
    () => ensureWritableDir(dir),
    (e: unknown) => e instanceof OutDirError && pattern.test(e.message) && !e.message.includes('\n'),
  );
}

describe('ensureWritableDir', () => {
  test('creates missing folders and leaves no probe behind', () => {
    const dir = join(work, 'a', 'b', 'model');
    ensureWritableDir(dir);
    assert.deepEqual(readdirSync(dir), []);
    ensureWritableDir(dir); // an existing folder is fine too
  });

  test('refuses a file, a path through a file and a dangling symlink', () => {
    const file = join(work, 'f');
    writeFileSync(file, 'x');
    refused(file, /is a file, not a folder/);
    refused(join(file, 'sub'), /is a file, not a folder/);
    const link = join(work, 'dangling');
    symlinkSync(join(work, 'nowhere'), link);
    refused(link, /symbolic link to something that does not exist/);
    refused(join(link, 'm'), /symbolic link to something that does not exist/);
  });

  test('a path inside /proc fails at once instead of looping', { skip: process.platform !== 'linux' ? 'needs /proc (Linux)' : false }, () => {
    refused('/proc/1/m', /cannot create the model folder \/proc\/1\/m/);
  });

  test('refuses a read-only folder', () => {
    // /proc/self is not writable even by root; /sys is mounted read-only in containers and hosts.
    refused('/proc/self/rnnlab-model', /cannot create the model folder/);
    refused('/sys/rnnlab-model', /cannot create the model folder \/sys\/rnnlab-model: (the file system is read-only|permission denied)/);
  });
});
