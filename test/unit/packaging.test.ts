// The VSIX variants (scripts/package.mjs): vsce's own file list over the built bundle, with the
// prebuilt native addon in the linux-x64 VSIX and none in the portable one; both carry the
// data-parallel worker. vsce's listFiles reads .vscodeignore as `vsce package` does, offline.

import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureCliBuilt } from './helpers.js';

interface PackageScript {
  ADDON: string;
  VARIANTS: Record<string, { target: string | undefined; native: boolean }>;
  vsixName(variant: string, manifest: { name: string; version: string }): string;
  stageDist(variant: string, root: string, addon?: string): void;
  packagedFiles(variant: string, root: string, addon?: string): Promise<string[]>;
}

const repo = resolve(__dirname, '..', '..');
const builtAddon = join(repo, 'native', 'build', 'Release', 'rnnlab_native.node');
const root = mkdtempSync(join(tmpdir(), 'rnnlab-vsix-'));
let script: PackageScript;

before(async () => {
  ensureCliBuilt();
  // A copy of what vsce reads: the manifest, the ignore rules, the docs and the built bundle.
  for (const f of ['package.json', '.vscodeignore', 'README.md', 'CHANGELOG.md']) copyFileSync(join(repo, f), join(root, f));
  cpSync(join(repo, 'dist'), join(root, 'dist'), { recursive: true, filter: (src) => !src.endsWith('rnnlab_native.node') });
  mkdirSync(join(root, 'native', 'build', 'Release'), { recursive: true });
  script = (await import(join(repo, 'scripts', 'package.mjs'))) as PackageScript;
});
after(() => rmSync(root, { recursive: true, force: true }));

const BUNDLE = ['dist/extension.js', 'dist/trainerWorker.js', 'dist/parallelWorker.js', 'dist/cli.js'];

describe('VSIX variants', () => {
  test('names: the portable VSIX for every platform, the linux-x64 one marked with its target', () => {
    const manifest = { name: 'rnn-lab', version: '0.1.0' };
    assert.equal(script.vsixName('portable', manifest), 'rnn-lab-0.1.0.vsix');
    assert.equal(script.vsixName('linux-x64', manifest), 'rnn-lab-linux-x64-0.1.0.vsix');
    assert.deepEqual(script.VARIANTS['linux-x64'], { target: 'linux-x64', native: true });
  });

  test('the portable VSIX packs the bundle and the data-parallel worker, no native code, no benchmark or source maps', async () => {
    const files = await script.packagedFiles('portable', root);
    for (const f of BUNDLE) assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
    assert.ok(
      files.some((f) => f.endsWith('.wasm')),
      'the tfjs wasm binaries',
    );
    assert.ok(!files.some((f) => f.endsWith('.node')), 'no native addon');
    assert.ok(!files.some((f) => f.endsWith('bench.js') || f.endsWith('.map') || f.startsWith('src/')), files.join(', '));
  });

  test('the linux-x64 VSIX packs the prebuilt addon beside the bundle, where the engine loads it first', async (t) => {
    if (!existsSync(builtAddon)) {
      t.diagnostic(`native addon not built here (${builtAddon}): only the refusal is tested`);
      assert.throws(() => script.stageDist('linux-x64', root, builtAddon), /the linux-x64 VSIX needs the native addon/);
      return;
    }
    const files = await script.packagedFiles('linux-x64', root, builtAddon);
    for (const f of [...BUNDLE, 'dist/rnnlab_native.node']) assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
    // Staging the portable variant afterwards takes the addon out again.
    assert.ok(!(await script.packagedFiles('portable', root)).some((f) => f.endsWith('.node')));
  });

  test('a native variant without a built addon is refused in one sentence, and an unknown variant too', () => {
    assert.throws(
      () => script.stageDist('linux-x64', root, join(root, 'missing.node')),
      /^Error: the linux-x64 VSIX needs the native addon, and .*missing\.node is not built: run npm run build:native \(needs g\+\+ and libopenblas-dev\)$/,
    );
    assert.throws(() => script.stageDist('win32-x64', root), /unknown VSIX variant win32-x64: use linux-x64 or portable/);
  });
});
