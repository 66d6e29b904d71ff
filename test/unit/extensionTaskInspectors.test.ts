// The extension host's task inspectors (hostModels.ts): one per model folder, reused while
// model.json is unchanged, replaced (and the old one disposed) when a save changes it, and
// dropped when the model is renamed or deleted.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initBackend } from '../../src/engine/backend.js';
import { forgetModel, getTaskInspector } from '../../src/extension/hostModels.js';
import { modelJsonPath } from '../../src/model/index.js';
import { readClassify } from '../../src/training/tasks/classifyReader.js';
import { prepareClassify, trainClassifier } from '../../src/training/tasks/classifyTrainer.js';
import { markerLines } from './classifyData.js';

const work = mkdtempSync(join(tmpdir(), 'rnnlab-host-inspectors-'));
const dir = join(work, 'classifier');
const wasmDir = join(__dirname, '..', '..', 'dist');

before(async () => {
  await initBackend('cpu');
  const prepared = prepareClassify(readClassify(markerLines(120, 5).join('\n'), 'train.tsv'), { cell: 'gru', units: 8, embeddingSize: 4, steps: 5, evalEvery: 5 });
  await trainClassifier(prepared, { modelDir: dir, name: 'classifier', backend: 'cpu' });
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('host task inspectors', () => {
  const line = markerLines(1, 9)[0]!.split('\t')[1]!;

  test('one inspector per folder while model.json is unchanged; it answers with the classifier\'s part', async () => {
    const a = await getTaskInspector(dir, wasmDir);
    const b = await getTaskInspector(dir, wasmDir);
    assert.equal(a, b, 'the second call reuses the loaded inspector');
    assert.equal(a.task, 'classify');
    const r = a.inspectQuantised(line, { topK: 5 });
    assert.equal(r.task?.task, 'classify');
    assert.equal(r.tokens.length, line.split(' ').length);
  });

  test('a newer model.json loads a new inspector; forgetModel drops it', async () => {
    const first = await getTaskInspector(dir, wasmDir);
    const later = new Date(Date.now() + 5_000);
    utimesSync(modelJsonPath(dir, 'root'), later, later);
    const second = await getTaskInspector(dir, wasmDir);
    assert.notEqual(second, first, 'a save reloads the model');
    assert.equal(await getTaskInspector(dir, wasmDir), second);
    forgetModel(dir);
    const third = await getTaskInspector(dir, wasmDir);
    assert.notEqual(third, second, 'a renamed or deleted model is loaded afresh');
    assert.equal(third.inspect(line, {}).task?.task, 'classify');
  });

  test('a folder that is gone gives one sentence', async () => {
    await assert.rejects(getTaskInspector(join(work, 'missing'), wasmDir), /There is no model at .*missing any more/);
  });
});
