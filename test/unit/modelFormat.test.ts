// The model-format module (src/model): strict reader faults, tolerant reader, the migration
// of a folder in the layout written before the `carry` field, and atomic writes.

import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { crc32 } from 'node:zlib';

import { resolveNetworkConfig } from '../../src/engine/config.js';
import { Network } from '../../src/engine/network.js';
import { Vocabulary } from '../../src/engine/tokenizer.js';
import {
  ModelFormatError,
  parseModelMeta,
  readModelHistory,
  readModelListing,
  readModelMeta,
  renameModelJson,
  summarizeModelJson,
  tolerantHistory,
  writeFileAtomic,
  writeModelJson,
} from '../../src/model/index.js';
import { loadModelFolder, saveModelFolder } from '../../src/training/checkpoint.js';
import type { ModelFolderData, TensorData } from '../../src/training/checkpoint.js';
import { resolveTrainConfig } from '../../src/training/config.js';
import type { StepEvent, TrainerEvent } from '../../src/training/events.js';
import { train } from '../../src/training/trainer.js';
import { wasmDir } from './helpers.js';

const TEXT = 'the quick brown fox jumps over the lazy dog\nhello world\n';
const root = mkdtempSync(join(tmpdir(), 'rnnlab-format-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `m${++n}`);

function tensor(name: string, shape: number[], seed: number): TensorData {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(seed * 31 + i) / 2;
  return { name, shape, data };
}

function makeData(seed: number): ModelFolderData {
  const vocab = Vocabulary.build(TEXT, { mode: 'char' });
  const network = resolveNetworkConfig({ cell: 'lstm', units: 4, layers: 2 }, vocab.size, 'char');
  const params = Network.paramShapes(network).map((p, i) => tensor(p.name, p.shape, seed + i));
  return {
    name: `model-${seed}`,
    network,
    params,
    vocabulary: vocab.toJSON(),
    train: resolveTrainConfig({ steps: 10, seqLen: 8, batch: 2 }),
    state: { step: 7, epoch: 0.5, bestValLoss: 2.5 },
    history: { runs: [{ startStep: 0, endStep: 7, reason: 'steps' }], steps: [[7, 2.4, 0.3, 100, 112]], evals: [[7, 2.5]] },
    optimizer: { name: 'adam', step: 7, slots: params.flatMap((p, i) => [tensor(`m/${p.name}`, p.shape, i), tensor(`v/${p.name}`, p.shape, i + 1)]) },
  };
}

function metaText(dir: string): Record<string, any> {
  return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
}

function strictError(text: string): string {
  try {
    parseModelMeta(text, '/m/model.json');
  } catch (error) {
    assert.ok(error instanceof ModelFormatError, `a ModelFormatError, got ${String(error)}`);
    assert.ok(!error.message.includes('\n'), 'one line');
    assert.equal(error.message.match(/\. /g), null, `one sentence: ${error.message}`);
    return error.message;
  }
  assert.fail('the text was accepted');
}

describe('strict reader', () => {
  const dir = fresh();
  saveModelFolder(dir, makeData(1));
  const good = readFileSync(join(dir, 'model.json'), 'utf8');
  const edited = (edit: (m: Record<string, any>) => void) => {
    const m = JSON.parse(good);
    edit(m);
    return JSON.stringify(m);
  };

  test('a saved model.json reads back with its task and carried state defaulted', () => {
    const meta = parseModelMeta(good, 'model.json');
    assert.equal(meta.task, 'lm');
    assert.equal(meta.carry, null);
    assert.deepEqual(meta.state, makeData(1).state);
    assert.deepEqual(meta.history, makeData(1).history);
  });

  test('garbage and truncated text', () => {
    assert.equal(strictError('\u0000\u0001PK garbage'), '/m/model.json is corrupt: it holds binary data, not JSON');
    assert.match(strictError('{"format": rnnlab'), /^\/m\/model\.json is corrupt: it is not valid JSON \(.+\)$/);
    assert.match(strictError(good.slice(0, good.length - 40)), /is corrupt: it is not valid JSON/);
    assert.match(strictError(''), /is corrupt: it is not valid JSON/);
    assert.match(strictError('"a string"'), /is not a JSON object$/);
  });

  test('wrong types name the field', () => {
    assert.match(strictError(edited((m) => (m.state.step = 'seven'))), /\(state\) has no valid "step" \(expected a whole number\)$/);
    assert.match(strictError(edited((m) => (m.state.rng = 'abc'))), /\(state\) has no valid "rng" \(expected a list of numbers\)$/);
    assert.match(strictError(edited((m) => (m.history.runs = 3))), /\(history\) has no valid "runs" \(expected a list\)$/);
    assert.match(strictError(edited((m) => (m.history.runs[0].endStep = -1))), /\(history\) run #1 has no valid "endStep"/);
    assert.match(strictError(edited((m) => (m.history.steps = [[1, 'x']]))), /\(history\) has no valid "steps"/);
    assert.match(strictError(edited((m) => (m.name = 42))), /has no valid "name" \(expected a string\)$/);
    assert.match(strictError(edited((m) => (m.weights.tensors = {}))), /\(weights\) has no "tensors" list$/);
    assert.match(strictError(edited((m) => (m.task = 'translate'))), /has task "translate", which this RNN Lab does not know$/);
    assert.match(strictError(edited((m) => (m.optimizer.name = 'lion'))), /names an unknown optimizer "lion"$/);
  });

  test('a future format version asks for an update', () => {
    assert.match(strictError(edited((m) => (m.formatVersion = 7))), /has format version 7, newer than the version 1 this RNN Lab reads; update RNN Lab$/);
    assert.match(strictError(edited((m) => (m.formatVersion = '1'))), /has no valid "formatVersion"$/);
  });

  test('a carried state that does not fit the network is refused', () => {
    const withCarry = fresh();
    const data = makeData(2);
    saveModelFolder(withCarry, { ...data, carry: { batch: 2, tensors: ['layer0/a', 'layer0/c', 'layer1/a', 'layer1/c'].map((t, i) => tensor(t, [2, 4], i)) } });
    const text = readFileSync(join(withCarry, 'model.json'), 'utf8');
    const m = JSON.parse(text);
    assert.equal(m.carry.file, 'carry.bin');
    m.carry.tensors.pop();
    assert.match(
      strictError(JSON.stringify(m)),
      /\(carry\) holds tensors layer0\/a, layer0\/c, layer1\/a but a 2-layer lstm carries layer0\/a, layer0\/c, layer1\/a, layer1\/c$/,
    );
  });
});

describe('tolerant reader', () => {
  test('junk gives a sentence, never a throw', () => {
    assert.equal(summarizeModelJson(null, '/d', 'd'), 'model.json does not hold a JSON object.');
    assert.equal(summarizeModelJson({ network: { cell: 'lstm' } }, '/d', 'd'), 'model.json lacks the number of layers or units.');
    assert.equal(summarizeModelJson({ formatVersion: 9, network: {} }, '/d', 'd'), 'model.json has format version 9; this RNN Lab reads version 1.');
  });

  test('a model.json the strict reader refuses still lists, with what can be shown', () => {
    const dir = fresh();
    saveModelFolder(dir, makeData(3));
    const m = metaText(dir);
    m.parameters = 'many';
    m.history.runs.push({ startStep: 'x' }, 5);
    m.history.steps.push(['junk']);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(m));
    assert.throws(() => readModelMeta(dir), ModelFormatError);
    const listing = readModelListing(dir);
    assert.equal(listing.kind, 'ok');
    assert.ok(listing.kind === 'ok' && listing.summary.runs.length === 1 && listing.summary.lastValLoss === 2.5);
    assert.deepEqual(readModelHistory(dir), { runs: [{ startStep: 0, endStep: 7, reason: 'steps' }], steps: [[7, 2.4, 0.3, 100, 112]], evals: [[7, 2.5]] });
    assert.deepEqual(tolerantHistory('junk'), { runs: [], steps: [], evals: [] });
  });

  test('an unreadable folder is listed as broken with its reason', () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.json'), '{"format": "rnnlab-mo');
    const listing = readModelListing(dir);
    assert.ok(listing.kind === 'broken' && /model\.json is corrupt: it is not valid JSON/.test(listing.problem), JSON.stringify(listing));
    assert.equal(readModelHistory(dir), undefined);
  });
});

/**
 * A folder as RNN Lab wrote it before the `carry` field: the carried state as optimizer slots
 * `carry/layer<l>/a|c` after the moments in optimizer.bin, no `task`, no `carry`.
 */
function writeLegacyFolder(dir: string, data: ModelFolderData, carry: TensorData[]): void {
  mkdirSync(dir, { recursive: true });
  const bin = (file: string, tensors: TensorData[]) => {
    let offset = 0;
    const entries = tensors.map((t) => {
      const e = { name: t.name, shape: t.shape, dtype: 'float32', offset, length: t.data.byteLength };
      offset += t.data.byteLength;
      return e;
    });
    const bytes = Buffer.concat(tensors.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
    writeFileSync(join(dir, file), bytes);
    return { file, bytes: bytes.byteLength, crc32: (crc32(bytes) >>> 0).toString(16).padStart(8, '0'), tensors: entries };
  };
  const weights = bin('weights.bin', data.params);
  const optimizer = bin('optimizer.bin', [...data.optimizer!.slots, ...carry]);
  const meta = {
    format: 'rnnlab-model',
    formatVersion: 1,
    name: data.name,
    savedAt: '2026-11-30T10:00:00.000Z',
    network: data.network,
    train: data.train,
    vocabulary: data.vocabulary,
    parameters: data.params.reduce((s, p) => s + p.data.length, 0),
    state: data.state,
    history: data.history,
    weights,
    optimizer: { name: data.optimizer!.name, step: data.optimizer!.step, ...optimizer },
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(meta, null, 1) + '\n');
}

describe('migration of the layout before the carry field', () => {
  const carryNames = ['layer0/a', 'layer0/c', 'layer1/a', 'layer1/c'];

  test('the carried state moves out of the optimizer slots, with the same values', () => {
    const dir = fresh();
    const data = makeData(4);
    const carry = carryNames.map((c, i) => tensor(`carry/${c}`, [2, 4], 40 + i));
    writeLegacyFolder(dir, data, carry);
    const meta = readModelMeta(dir);
    assert.equal(meta.task, 'lm');
    assert.equal(meta.carry?.file, 'optimizer.bin');
    assert.equal(meta.carry?.batch, 2);
    assert.ok(meta.optimizer!.tensors.every((t) => !t.name.startsWith('carry/')));
    const loaded = loadModelFolder(dir);
    assert.equal(loaded.optimizer!.slots.length, data.optimizer!.slots.length);
    assert.deepEqual(
      loaded.carry!.tensors.map((t) => t.name),
      carryNames,
    );
    loaded.carry!.tensors.forEach((t, i) => assert.deepEqual(t.data, carry[i]!.data));
    // The next save writes the current layout and drops nothing.
    saveModelFolder(dir, loaded);
    assert.deepEqual(readdirSync(dir).sort(), ['carry.bin', 'model.json', 'optimizer.bin', 'weights.bin']);
    assert.equal(metaText(dir).carry.file, 'carry.bin');
    loadModelFolder(dir).carry!.tensors.forEach((t, i) => assert.deepEqual(t.data, carry[i]!.data));
  });

  test('a legacy folder without carried state migrates to carry null', () => {
    const dir = fresh();
    writeLegacyFolder(dir, makeData(5), []);
    assert.equal(readModelMeta(dir).carry, null);
    assert.equal(loadModelFolder(dir).carry, null);
  });

  test('training resumed from a legacy folder continues exactly as from the current layout', async () => {
    const text = Array.from({ length: 120 }, (_, i) => `line ${i % 7}: a fox ${i % 3 ? 'jumps' : 'naps'}.\n`).join('');
    const options = {
      cell: 'lstm' as const,
      units: 6,
      layers: 2,
      seqLen: 8,
      batch: 2,
      steps: 3,
      evalEvery: 1000,
      sampleEvery: 0,
      checkpointEvery: 1000,
      backend: 'cpu' as const,
      stateReset: 0,
    };
    const current = fresh();
    const onEvent = () => undefined;
    await train({ text, modelDir: current, options, wasmDir, onEvent });
    const folder = loadModelFolder(current, 'latest');
    assert.ok(folder.carry && folder.carry.tensors.some((t) => t.data.some((x) => x !== 0)), 'a non-zero carried state was saved');
    // The same checkpoint as the old code wrote it.
    const legacy = fresh();
    writeLegacyFolder(
      join(legacy, 'checkpoints', 'latest'),
      folder,
      folder.carry.tensors.map((t) => ({ ...t, name: `carry/${t.name}` })),
    );
    // And without its carried state, to show that the carried state matters.
    const zero = fresh();
    cpSync(current, zero, { recursive: true });
    const zeroMeta = metaText(join(zero, 'checkpoints', 'latest'));
    zeroMeta.carry = null;
    writeFileSync(join(zero, 'checkpoints', 'latest', 'model.json'), JSON.stringify(zeroMeta));
    const resume = async (dir: string) => {
      const events: TrainerEvent[] = [];
      await train({ text, modelDir: dir, options: { steps: 2 }, resume: true, wasmDir, onEvent: (e) => events.push(e) });
      return events.filter((e): e is StepEvent => e.event === 'step').map((e) => e.loss);
    };
    const fromCurrent = await resume(current);
    assert.deepEqual(await resume(legacy), fromCurrent);
    assert.notDeepEqual(await resume(zero), fromCurrent);
  });
});

describe('atomic writes', () => {
  test('a write that fails midway leaves the old file and no temporary file', () => {
    const dir = fresh();
    mkdirSync(dir);
    const path = join(dir, 'model.json');
    writeFileSync(path, 'old content');
    // A chunk that fails when read stands for an I/O error after the first chunk reached the temp file.
    const failing = {
      get byteLength(): number {
        throw new Error('simulated I/O error');
      },
    } as unknown as Uint8Array;
    assert.throws(() => writeFileAtomic(path, [Buffer.from('new '), failing]), /simulated I\/O error/);
    assert.equal(readFileSync(path, 'utf8'), 'old content');
    assert.deepEqual(readdirSync(dir), ['model.json']);
  });

  test('a model.json that cannot be written leaves the saved one loadable', () => {
    const dir = fresh();
    const data = makeData(6);
    saveModelFolder(dir, data);
    const before = readFileSync(join(dir, 'model.json'), 'utf8');
    const meta = readModelMeta(dir);
    // A value JSON cannot hold makes the write fail before anything reaches the disk.
    assert.throws(() => writeModelJson(dir, { ...meta, parameters: 1n as unknown as number }), /BigInt/);
    assert.equal(readFileSync(join(dir, 'model.json'), 'utf8'), before);
    assert.equal(loadModelFolder(dir).name, 'model-6');
  });

  test('renaming rewrites only the name, in the root and every checkpoint', () => {
    const dir = fresh();
    saveModelFolder(dir, makeData(7));
    saveModelFolder(join(dir, 'checkpoints', 'best'), makeData(8));
    const bestBefore = metaText(join(dir, 'checkpoints', 'best'));
    renameModelJson(dir, 'renamed');
    assert.equal(readModelMeta(dir).name, 'renamed');
    assert.deepEqual(metaText(join(dir, 'checkpoints', 'best')), { ...bestBefore, name: 'renamed' });
    loadModelFolder(dir, 'best');
  });
});
