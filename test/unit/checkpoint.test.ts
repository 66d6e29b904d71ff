// Model folder I/O: round trip, crash safety (injected and real SIGKILL), and one clear
// sentence for every kind of corrupt, truncated or incompatible folder.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';

import { resolveNetworkConfig } from '../../src/engine/config.js';
import { initBackend } from '../../src/engine/backend.js';
import { Network } from '../../src/engine/network.js';
import { Vocabulary } from '../../src/engine/tokenizer.js';
import { resolveTrainConfig } from '../../src/training/config.js';
import { ModelFormatError, readModelMeta } from '../../src/model/index.js';
import { checkTensorsMatch, loadModel, loadModelFolder, saveModelFolder } from '../../src/training/checkpoint.js';
import type { ModelFolderData, SaveStage, TensorData } from '../../src/training/checkpoint.js';

const TEXT = 'the quick brown fox jumps over the lazy dog\nhello world\n';

/** A model's worth of data with deterministic values that differ per `seed`. */
function makeData(seed: number, units = 8): ModelFolderData {
  const vocab = Vocabulary.build(TEXT, { mode: 'char' });
  const network = resolveNetworkConfig({ cell: 'lstm', units }, vocab.size, 'char');
  const train = resolveTrainConfig({ steps: 10, seqLen: 8, batch: 2 });
  let x = seed * 7919 + 1;
  const rand = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648 - 0.5;
  };
  const tensor = (name: string, shape: number[]): TensorData => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = rand();
    return { name, shape, data };
  };
  const params = Network.paramShapes(network).map((p) => tensor(p.name, p.shape));
  return {
    name: `model-${seed}`,
    network,
    params,
    vocabulary: vocab.toJSON(),
    train,
    state: { step: seed * 10, epoch: seed / 2, bestValLoss: seed === 0 ? null : 1 / seed, rng: [seed, 2, 3] },
    history: { runs: [{ startStep: 0, endStep: seed * 10 }], losses: [[1, 4.1], [2, 3.9]] },
    optimizer: { name: 'adam', step: seed * 10, slots: params.flatMap((p) => [tensor(`m/${p.name}`, p.shape), tensor(`v/${p.name}`, p.shape)]) },
  };
}

function assertSameModel(loaded: ReturnType<typeof loadModelFolder>, expected: ModelFolderData): void {
  assert.equal(loaded.name, expected.name);
  assert.deepEqual(loaded.network, expected.network);
  assert.deepEqual(loaded.train, expected.train);
  assert.deepEqual(loaded.vocabulary, expected.vocabulary);
  assert.deepEqual(loaded.state, expected.state);
  assert.deepEqual(loaded.history, expected.history);
  assert.deepEqual(loaded.params.map((p) => [p.name, p.shape]), expected.params.map((p) => [p.name, p.shape]));
  for (let i = 0; i < expected.params.length; i++) assert.deepEqual(loaded.params[i]!.data, expected.params[i]!.data);
  if (expected.optimizer) {
    assert.ok(loaded.optimizer);
    assert.equal(loaded.optimizer.name, expected.optimizer.name);
    assert.equal(loaded.optimizer.step, expected.optimizer.step);
    assert.equal(loaded.optimizer.slots.length, expected.optimizer.slots.length);
    for (let i = 0; i < expected.optimizer.slots.length; i++) {
      assert.equal(loaded.optimizer.slots[i]!.name, expected.optimizer.slots[i]!.name);
      assert.deepEqual(loaded.optimizer.slots[i]!.data, expected.optimizer.slots[i]!.data);
    }
  } else {
    assert.equal(loaded.optimizer, null);
  }
}

/** Rewrites model.json through `edit` (the bins stay as they are). */
function editMeta(dir: string, edit: (meta: Record<string, any>) => void): void {
  const path = join(dir, 'model.json');
  const meta = JSON.parse(readFileSync(path, 'utf8'));
  edit(meta);
  writeFileSync(path, JSON.stringify(meta));
}

function loadError(dir: string): string {
  try {
    loadModelFolder(dir);
  } catch (error) {
    assert.ok(error instanceof ModelFormatError, `expected a ModelFormatError, got ${String(error)}`);
    assert.ok(!error.message.includes('\n'), 'the message is one line');
    return error.message;
  }
  assert.fail('the folder loaded but should not have');
}

const CRASH_CHILD = process.env.RNNLAB_CHECKPOINT_CRASH_CHILD;

if (CRASH_CHILD) {
  // Child mode for the SIGKILL test: save ever-changing models into one folder until killed.
  const dir = CRASH_CHILD;
  writeFileSync(join(dir, 'child-ready'), 'ready');
  for (let seed = 1; ; seed++) saveModelFolder(dir, makeData(seed, 48));
} else {
  const root = mkdtempSync(join(tmpdir(), 'rnnlab-checkpoint-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const fresh = () => join(root, `m${++n}`);

  describe('model folder round trip', () => {
    test('weights, optimizer state, config, vocabulary, state and history come back exactly', () => {
      const dir = fresh();
      const data = makeData(3);
      const meta = saveModelFolder(dir, data);
      assert.deepEqual(readdirSync(dir).sort(), ['model.json', 'optimizer.bin', 'weights.bin']);
      assertSameModel(loadModelFolder(dir), data);
      assert.equal(meta.parameters, data.params.reduce((s, p) => s + p.data.length, 0));
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      assert.equal(json.format, 'rnnlab-model');
      assert.equal(json.formatVersion, 1);
      assert.equal(json.weights.file, 'weights.bin');
      assert.equal(json.weights.bytes, readFileSync(join(dir, 'weights.bin')).byteLength);
      assert.deepEqual(json.weights.tensors[2], { name: 'layer0.fw.b', shape: [32], dtype: 'float32', offset: json.weights.tensors[0].length + json.weights.tensors[1].length, length: 128 });
      // weights.bin is plain little-endian float32 at the manifest offsets.
      const bin = readFileSync(join(dir, 'weights.bin'));
      const t = json.weights.tensors[2];
      assert.equal(bin.readFloatLE(t.offset + 4), data.params[2]!.data[1]);
      assert.deepEqual(readModelMeta(dir).state, data.state);
    });

    test('a save without optimizer state removes the old optimizer.bin', () => {
      const dir = fresh();
      saveModelFolder(dir, makeData(1));
      const data = { ...makeData(2), optimizer: null };
      saveModelFolder(dir, data);
      assert.equal(existsSync(join(dir, 'optimizer.bin')), false);
      assertSameModel(loadModelFolder(dir), data);
    });

    test('checkpoint folders load through the checkpoint option', () => {
      const dir = fresh();
      const best = makeData(4);
      saveModelFolder(join(dir, 'checkpoints', 'best'), best);
      assertSameModel(loadModelFolder(dir, 'best'), best);
      assert.match(loadErrorOf(() => loadModelFolder(dir, 'latest')), /^no model at .*checkpoints\/latest: the folder does not exist$/);
    });

    test('tensors holding NaN or Infinity are refused on save, and the old model stays', () => {
      const dir = fresh();
      const old = makeData(1);
      saveModelFolder(dir, old);
      const bad = makeData(2);
      bad.params[2]!.data[3] = Number.NaN;
      assert.throws(() => saveModelFolder(dir, bad), /refusing to save the weights: tensor layer0\.fw\.b holds NaN or Infinity/);
      const badSlot = makeData(2);
      badSlot.optimizer!.slots[0]!.data[0] = Number.POSITIVE_INFINITY;
      assert.throws(() => saveModelFolder(dir, badSlot), /refusing to save the optimizer state/);
      assertSameModel(loadModelFolder(dir), old);
    });
  });

  describe('loadModel', () => {
    test('a saved Network loads back into a Network that computes the same loss', async () => {
      await initBackend('cpu');
      const vocab = Vocabulary.build(TEXT, { mode: 'char' });
      const config = resolveNetworkConfig({ cell: 'gru', units: 6, layers: 2 }, vocab.size, 'char');
      const net = Network.create(config, 11);
      const dir = fresh();
      const data = { ...makeData(1), network: config, params: net.params, optimizer: null };
      saveModelFolder(join(dir, 'checkpoints', 'latest'), data);
      const { model, meta } = await loadModel(dir, { checkpoint: 'latest' });
      assert.equal(meta.network.cell, 'gru');
      assert.deepEqual(model.vocab.tokens, vocab.tokens);
      assert.equal(model.network.parameterCount(), net.parameterCount());
      const ids = vocab.encode(TEXT.slice(0, 20));
      const targets = vocab.encode(TEXT.slice(1, 21));
      const before = net.loss(ids, targets, 1, 20, null).loss;
      assert.ok(Number.isFinite(before));
      assert.equal(model.network.loss(ids, targets, 1, 20, null).loss, before);
    });
  });

  describe('crash safety', () => {
    const stages: SaveStage[] = ['recover', 'weights', 'optimizer', 'model.json', 'rename-weights', 'rename-optimizer', 'done'];
    for (const [i, crashAt] of stages.entries()) {
      test(`a crash before stage "${crashAt}" leaves a loadable model, and the next save cleans up`, () => {
        const dir = fresh();
        const oldData = makeData(1);
        const newData = makeData(2);
        saveModelFolder(dir, oldData);
        assert.throws(
          () =>
            saveModelFolder(dir, newData, {
              beforeStage: (s) => {
                if (s === crashAt) throw new Error('simulated crash');
              },
            }),
          /simulated crash/,
        );
        // Before model.json is renamed the old model is the folder's content, after it the new one.
        const committed = i > stages.indexOf('model.json');
        assertSameModel(loadModelFolder(dir), committed ? newData : oldData);
        const third = makeData(3);
        saveModelFolder(dir, third);
        assertSameModel(loadModelFolder(dir), third);
        assert.deepEqual(readdirSync(dir).sort(), ['model.json', 'optimizer.bin', 'weights.bin']);
      });
    }

    test('a crash that left a half-written pending file does not hide the committed model', () => {
      const dir = fresh();
      const data = makeData(5);
      saveModelFolder(dir, data);
      writeFileSync(join(dir, 'weights.bin.next'), Buffer.alloc(100, 7));
      writeFileSync(join(dir, '.model.json.tmp-1-x-1'), '{"half');
      assertSameModel(loadModelFolder(dir), data);
    });

    test('a saving process killed with SIGKILL at random moments always leaves a loadable model', async () => {
      const dir = fresh();
      saveModelFolder(dir, makeData(0, 48));
      for (let round = 0; round < 4; round++) {
        rmSync(join(dir, 'child-ready'), { force: true });
        const child = spawn(process.execPath, ['--import', 'tsx', __filename], {
          env: { ...process.env, RNNLAB_CHECKPOINT_CRASH_CHILD: dir },
          stdio: 'ignore',
        });
        const deadline = Date.now() + 20_000;
        while (!existsSync(join(dir, 'child-ready'))) {
          assert.ok(Date.now() < deadline, 'the child process started saving');
          await new Promise((r) => setTimeout(r, 10));
        }
        // Let it save for a while, a different time each round, then kill it mid-whatever.
        const saveFor = 150 + round * 97;
        await new Promise((r) => setTimeout(r, saveFor));
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
        const loaded = loadModelFolder(dir);
        const expected = makeData(Number(loaded.name.slice('model-'.length)), 48);
        assertSameModel(loaded, expected);
      }
    });
  });

  describe('bad folders give one clear sentence', () => {
    test('truncated weights.bin', () => {
      const dir = fresh();
      saveModelFolder(dir, makeData(1));
      const bytes = readFileSync(join(dir, 'weights.bin')).byteLength;
      truncateSync(join(dir, 'weights.bin'), 1000);
      assert.equal(loadError(dir), `${join(dir, 'weights.bin')} is truncated: 1,000 of ${bytes.toLocaleString('en-US')} bytes`);
    });

    test('a weights.bin longer than the manifest', () => {
      const dir = fresh();
      saveModelFolder(dir, makeData(1));
      writeFileSync(join(dir, 'weights.bin'), Buffer.concat([readFileSync(join(dir, 'weights.bin')), Buffer.alloc(8)]));
      assert.match(loadError(dir), /weights\.bin is [\d,]+ bytes, longer than the [\d,]+ model\.json describes$/);
    });

    test('a flipped byte in weights.bin', () => {
      const dir = fresh();
      saveModelFolder(dir, makeData(1));
      const bin = readFileSync(join(dir, 'weights.bin'));
      bin[77] = bin[77]! ^ 0x10;
      writeFileSync(join(dir, 'weights.bin'), bin);
      assert.match(loadError(dir), /weights\.bin is corrupt: its checksum does not match model\.json$/);
    });

    test('truncated optimizer.bin and missing weights.bin', () => {
      const dir = fresh();
      saveModelFolder(dir, makeData(1));
      truncateSync(join(dir, 'optimizer.bin'), 4096);
      assert.match(loadError(dir), /optimizer\.bin is truncated: 4,096 of [\d,]+ bytes$/);
      rmSync(join(dir, 'weights.bin'));
      assert.match(loadError(dir), /weights\.bin is missing$/);
    });

    test('NaN stored in weights.bin (with a matching checksum) is refused', () => {
      const dir = fresh();
      saveModelFolder(dir, makeData(1));
      const bin = readFileSync(join(dir, 'weights.bin'));
      bin.writeFloatLE(Number.NaN, 8);
      writeFileSync(join(dir, 'weights.bin'), bin);
      editMeta(dir, (m) => (m.weights.crc32 = (crc32(bin) >>> 0).toString(16).padStart(8, '0')));
      assert.match(loadError(dir), /weights\.bin holds NaN or Infinity in tensor layer0\.fw\.Wx$/);
    });

    test('corrupted or missing model.json, missing folder', () => {
      const dir = fresh();
      saveModelFolder(dir, makeData(1));
      const text = readFileSync(join(dir, 'model.json'), 'utf8');
      writeFileSync(join(dir, 'model.json'), text.slice(0, text.length / 2));
      assert.match(loadError(dir), /model\.json is corrupt: it is not valid JSON \(.*\)$/);
      writeFileSync(join(dir, 'model.json'), '[1, 2]');
      assert.match(loadError(dir), /model\.json is not a JSON object$/);
      rmSync(join(dir, 'model.json'));
      assert.match(loadError(dir), /^no model at .*: it has no model\.json$/);
      assert.match(loadError(join(dir, 'nope')), /^no model at .*nope: the folder does not exist$/);
      writeFileSync(join(root, 'plain-file'), 'x');
      assert.match(loadError(join(root, 'plain-file')), /plain-file is a file, not a model folder$/);
    });

    test('wrong format name and version', () => {
      const dir = fresh();
      saveModelFolder(dir, makeData(1));
      editMeta(dir, (m) => (m.formatVersion = 2));
      assert.match(loadError(dir), /has format version 2, newer than the version 1 this RNN Lab reads; update RNN Lab$/);
      editMeta(dir, (m) => (m.formatVersion = 0));
      assert.match(loadError(dir), /has format version 0, which this RNN Lab \(version 1\) cannot read$/);
      editMeta(dir, (m) => (m.format = 'keras'));
      assert.match(loadError(dir), /is not an RNN Lab model/);
    });

    test('invalid config fields and vocabulary', () => {
      const dir = fresh();
      saveModelFolder(dir, makeData(1));
      editMeta(dir, (m) => (m.network.units = 0));
      assert.match(loadError(dir), /has an invalid network config: units must be a whole number from 1 to 4096, got 0$/);
      editMeta(dir, (m) => {
        m.network.units = 8;
        delete m.network.cell;
      });
      assert.match(loadError(dir), /\(network\) has no valid "cell"/);
      editMeta(dir, (m) => {
        m.network.cell = 'lstm';
        m.train.seqLen = -3;
      });
      assert.match(loadError(dir), /has an invalid training config: seqLen must be a whole number ≥ 1, got -3$/);
      editMeta(dir, (m) => {
        m.train.seqLen = 8;
        m.vocabulary.tokens.push('Z');
      });
      assert.match(loadError(dir), /has a vocabulary of \d+ tokens but a network for \d+$/);
      editMeta(dir, (m) => (m.vocabulary.tokens = ['a', 'a']));
      assert.match(loadError(dir), /has an invalid vocabulary: /);
      editMeta(dir, (m) => (m.vocabulary = { mode: 'char', tokens: makeData(1).vocabulary.tokens, charEos: false }));
      editMeta(dir, (m) => delete m.state.step);
      assert.match(loadError(dir), /\(state\) has no valid "step"/);
    });

    test('a model.json saved before a config field existed loads with its default; shape fields must be there', () => {
      const dir = fresh();
      const data = makeData(1);
      saveModelFolder(dir, data);
      editMeta(dir, (m) => {
        delete m.train.clipMode;
        delete m.network.forgetBias;
      });
      const loaded = loadModelFolder(dir);
      assert.equal(loaded.train.clipMode, 'norm');
      assert.equal(loaded.network.forgetBias, 1);
      assert.deepEqual(loaded.params[0]!.data, data.params[0]!.data);
      editMeta(dir, (m) => delete m.network.units);
      assert.match(loadError(dir), /\(network\) has no valid "units" \(expected a whole number\)$/);
      editMeta(dir, (m) => {
        m.network.units = 8;
        m.network.dropout = 'lots';
      });
      assert.match(loadError(dir), /\(network\) has no valid "dropout" \(expected a number\)$/);
    });

    test('manifest entries: shape against length, offsets past the end, dtype, duplicate names', () => {
      const dir = fresh();
      saveModelFolder(dir, makeData(1));
      const original = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      const reset = () => writeFileSync(join(dir, 'model.json'), JSON.stringify(original));
      editMeta(dir, (m) => (m.weights.tensors[2].shape = [33]));
      assert.match(loadError(dir), /tensor layer0\.fw\.b in weights is 128 bytes long but its shape \[33\] needs 132$/);
      reset();
      editMeta(dir, (m) => (m.weights.tensors[4].offset += 4));
      assert.match(loadError(dir), /tensor output\.by in weights ends at byte [\d,]+, past the [\d,]+ bytes of weights\.bin$/);
      reset();
      editMeta(dir, (m) => (m.weights.tensors[0].dtype = 'float16'));
      assert.match(loadError(dir), /tensor layer0\.fw\.Wx in weights has dtype float16, only float32 is supported$/);
      reset();
      editMeta(dir, (m) => (m.weights.tensors[1].name = 'layer0.fw.Wx'));
      assert.match(loadError(dir), /lists tensor layer0\.fw\.Wx twice$/);
      reset();
      editMeta(dir, (m) => (m.weights.tensors[3].shape = [...m.weights.tensors[3].shape].reverse()));
      assert.match(loadError(dir), /weights\.bin does not fit the model config: tensor output\.Wy has shape \[\d+, 8\] but the config needs \[8, \d+\]$/);
      reset();
      editMeta(dir, (m) => (m.weights.tensors[4].name = 'output.bias'));
      assert.match(loadError(dir), /weights\.bin has no tensor output\.by, which the model config needs$/);
      reset();
      editMeta(dir, (m) => (m.parameters = 5));
      assert.match(loadError(dir), /says 5 parameters but its weights manifest holds [\d,]+$/);
      reset();
      assert.equal(loadModelFolder(dir).name, 'model-1');
    });

    test('tensors are checked against the names and shapes the network needs', () => {
      const expected = [
        { name: 'a', shape: [2, 3] },
        { name: 'b', shape: [3] },
      ];
      checkTensorsMatch('w.bin', expected, [{ name: 'b', shape: [3] }, { name: 'a', shape: [2, 3] }]);
      assert.throws(() => checkTensorsMatch('w.bin', expected, [{ name: 'a', shape: [3, 2] }, { name: 'b', shape: [3] }]),
        /^ModelFormatError: w\.bin does not fit the model config: tensor a has shape \[3, 2\] but the config needs \[2, 3\]$/);
      assert.throws(() => checkTensorsMatch('w.bin', expected, [{ name: 'a', shape: [2, 3] }]), /w\.bin has no tensor b, which the model config needs/);
      assert.throws(() => checkTensorsMatch('w.bin', expected, [...expected, { name: 'c', shape: [1] }]), /w\.bin has a tensor c that the model config does not use/);
    });
  });
}

function loadErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ModelFormatError);
    return error.message;
  }
  assert.fail('expected a ModelFormatError');
}
