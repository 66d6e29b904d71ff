// Rename and delete of a model folder (the extension's Rename Model… and Delete Model…) take the
// folder's lock: a folder whose lock a live process holds is refused in one sentence and kept.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { deleteModelFolder, readModelMeta, renameModelFolder } from '../../src/model/index.js';
import { LOCK_FILE, ModelLockedError } from '../../src/model/lock.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import { Network } from '../../src/engine/network.js';
import { Vocabulary } from '../../src/engine/tokenizer.js';
import { saveModelFolder } from '../../src/training/checkpoint.js';
import type { ModelFolderData } from '../../src/training/checkpoint.js';
import { resolveTrainConfig } from '../../src/training/config.js';

const work = mkdtempSync(join(tmpdir(), 'rnnlab-manage-'));
after(() => rmSync(work, { recursive: true, force: true }));

function makeData(): ModelFolderData {
  const vocab = Vocabulary.build('a small text', { mode: 'char' });
  const network = resolveNetworkConfig({ cell: 'gru', units: 4 }, vocab.size, 'char');
  const params = Network.paramShapes(network).map((p) => ({ name: p.name, shape: p.shape, data: new Float32Array(p.shape.reduce((a, b) => a * b, 1)).fill(0.1) }));
  return { name: 'm', network, params, vocabulary: vocab.toJSON(), train: resolveTrainConfig({}), state: { step: 3, epoch: 0, bestValLoss: null }, history: {}, optimizer: null };
}

/** A child process that takes the real lock of `dir` and holds it until killed. */
async function holdLock(dir: string): Promise<ChildProcess> {
  const lockModule = join(__dirname, '..', '..', 'src', 'model', 'lock.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', `require(${JSON.stringify(lockModule)}).acquireModelLock(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000);`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)));
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('rename and delete of a model folder under its lock', () => {
  test('a folder being trained (lock held by a live process) is refused with one sentence, and kept', async () => {
    const dir = join(work, 'busy');
    saveModelFolder(dir, makeData());
    const child = await holdLock(dir);
    try {
      const sentence = new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is being trained by a running RNN Lab run \\(pid ${child.pid}, started [^)]+ UTC\\); stop it before (renaming|deleting) it\\.$`);
      assert.throws(() => renameModelFolder(dir, join(work, 'moved'), 'moved'), (e: unknown) => e instanceof ModelLockedError && sentence.test(e.message));
      assert.throws(() => deleteModelFolder(dir), (e: unknown) => e instanceof ModelLockedError && /stop it before deleting it\.$/.test(e.message));
      assert.ok(existsSync(join(dir, 'weights.bin')));
      assert.equal(existsSync(join(work, 'moved')), false);
      assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, child.pid, 'the holder keeps its lock');
    } finally {
      await stop(child);
    }
  });

  test('once the holder is gone, rename moves the folder and renames the model; delete removes it; no lock is left', async () => {
    const dir = join(work, 'was-busy');
    saveModelFolder(dir, makeData());
    await stop(await holdLock(dir)); // a stale lock, as kill -9 leaves it
    const target = join(work, 'renamed');
    renameModelFolder(dir, target, 'renamed');
    assert.equal(existsSync(dir), false);
    assert.equal(readModelMeta(target).name, 'renamed');
    assert.equal(existsSync(join(target, LOCK_FILE)), false);
    deleteModelFolder(target);
    assert.equal(existsSync(target), false);
    deleteModelFolder(target); // already gone: nothing to do
  });
});
