// Activation must not load tfjs: bundle the extension as esbuild.mjs does and walk the import
// graph from the entry along static edges only. Modules behind a dynamic import() are wrapped
// lazily by esbuild and evaluate only when that import() runs (first sample/score/completion).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const root = join(__dirname, '..', '..');

async function importGraph() {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['src/extension/extension.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', '@tensorflow/tfjs-node'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return result.metafile!.inputs;
}

describe('extension activation', () => {
  test('no tfjs module is reachable from extension.ts without a dynamic import()', async () => {
    const inputs = await importGraph();
    const entry = 'src/extension/extension.ts';
    assert.ok(inputs[entry], 'the entry is in the bundle');
    const eager = new Set<string>([entry]);
    const queue = [entry];
    const lazyTargets = new Set<string>();
    while (queue.length) {
      const file = queue.pop()!;
      for (const imp of inputs[file]?.imports ?? []) {
        if (imp.external) continue;
        if (imp.kind === 'dynamic-import') {
          lazyTargets.add(imp.path);
          continue;
        }
        if (!eager.has(imp.path)) {
          eager.add(imp.path);
          queue.push(imp.path);
        }
      }
    }
    const tf = [...eager].filter((f) => f.includes('@tensorflow'));
    assert.deepEqual(tf, [], `loaded at activation: ${tf.slice(0, 3).join(', ')}`);
    assert.ok(!eager.has('src/engine/network.ts') && !eager.has('src/training/checkpoint.ts'), 'engine and loader stay lazy');
    // The check is not vacuous: tfjs is in the bundle, behind the engine's dynamic import.
    assert.ok(lazyTargets.has('src/extension/engineOps.ts'));
    assert.ok(Object.keys(inputs).some((f) => f.includes('@tensorflow/tfjs-core')));
    const eagerBytes = [...eager].reduce((n, f) => n + (inputs[f]?.bytes ?? 0), 0);
    console.log(`# activation path: ${eager.size} modules, ${(eagerBytes / 1024).toFixed(1)} kB of source`);
  });
});
