// `rnnlab export` and `rnnlab import` through the command line (run from source with tsx):
// a model exported and imported back samples the same text; bad input fails in one line.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';

import { fixtureModelFolder, fixtureNetwork, tempDir } from './interopFixtures.js';

const REPO = resolve(__dirname, '..', '..');

function rnnlab(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli', 'rnnlab.ts'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('rnnlab export / import', () => {
  const { net, vocab } = fixtureNetwork({ cell: 'lstm', layers: 2, units: 8 });
  const model = fixtureModelFolder(net, vocab);
  const work = tempDir('cli');
  const sampleArgs = ['--prime', 'To be', '--length', '30', '--seed', '4', '--backend', 'cpu'];
  let original: string | null = null;

  for (const format of ['tfjs-layers', 'pytorch']) {
    test(`${format}: export, import, and the imported model samples the same text`, () => {
      const out = join(work, `${format}-export`);
      const exported = rnnlab(['export', model, '--format', format, '--out', out, '--backend', 'cpu']);
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(exported.stdout, new RegExp(`^exported .* as ${format} to `));
      const back = join(work, `${format}-back`);
      const imported = rnnlab(['import', out, '--out', back]);
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /LSTM 2×8, one-hot input/);
      if (original === null) {
        const a = rnnlab(['sample', model, ...sampleArgs]);
        assert.equal(a.code, 0, a.stderr);
        original = a.stdout;
      }
      const b = rnnlab(['sample', back, ...sampleArgs]);
      assert.equal(b.stdout, original);
      assert.equal(original.length > 'To be'.length + 10, true);
    });
  }

  test('bad input: one line on stderr, nothing written', () => {
    const busy = join(work, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'keep.txt'), 'mine');
    let r = rnnlab(['export', model, '--format', 'tfjs-layers', '--out', busy]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `rnnlab: ${busy} is not empty; choose a new or empty --out folder\n`);
    const empty = join(work, 'empty-export');
    mkdirSync(empty);
    r = rnnlab(['import', empty, '--out', join(work, 'never')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^rnnlab: the TF\.js model .*model\.json does not exist\n$/);
    assert.equal(existsSync(join(work, 'never')), false);
    r = rnnlab(['export', model, '--format', 'onnx', '--out', join(work, 'onnx')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^rnnlab: option '--format <format>' argument 'onnx' is invalid/);
  });
});
