// TF.js Layers import: a model built with tfjs-layers in the test → `importModel` → an RNN Lab
// model whose probabilities equal tfjs's and whose gate traces follow the course equations
// computed from the Keras weights; unmappable and broken exports are refused, nothing written.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { initBackend } from '../../src/engine/backend.js';
import type { CellType } from '../../src/engine/config.js';
import { inspect } from '../../src/engine/inspect.js';
import { sample } from '../../src/engine/sampler.js';
import { Vocabulary } from '../../src/engine/tokenizer.js';
import { exportModel } from '../../src/interop/exportModel.js';
import { importModel } from '../../src/interop/importModel.js';
import { openModelForUse } from '../../src/interop/modelAccess.js';
import { vocabularyFileText } from '../../src/interop/vocabularyFile.js';
import {
  engineProbabilities,
  fixtureModelFolder,
  fixtureNetwork,
  kerasProbabilities,
  maxAbsDiff,
  randomizeWeights,
  saveLayersModel,
  tempDir,
  TEST_TEXT,
} from './interopFixtures.js';

before(async () => {
  await initBackend('cpu');
});

const vocab = Vocabulary.build(TEST_TEXT, { mode: 'char' });
const V = vocab.size;
const H = 5;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function recurrent(cell: CellType, extra: Record<string, unknown> = {}): tfl.RNN {
  const common = { units: H, returnSequences: true, recurrentInitializer: 'glorotUniform' as const, ...extra };
  if (cell === 'rnn') return tfl.layers.simpleRNN(common);
  if (cell === 'gru') return tfl.layers.gru({ recurrentActivation: 'sigmoid', ...common });
  return tfl.layers.lstm({ recurrentActivation: 'sigmoid', ...common });
}

async function exportedFolder(layers: tfl.layers.Layer[], withVocab = true): Promise<{ dir: string; model: tfl.Sequential }> {
  const model = tfl.sequential({ layers });
  randomizeWeights(model, 17);
  const dir = join(tempDir('keras'), 'keras');
  await saveLayersModel(model, dir);
  if (withVocab) writeFileSync(join(dir, 'vocab.json'), vocabularyFileText(vocab.toJSON(), 'onehot'));
  return { dir, model };
}

describe('TF.js Layers import', () => {
  const layouts: { label: string; embedding: boolean; layers: number; bidirectional: boolean }[] = [
    { label: 'one-hot, 1 layer', embedding: false, layers: 1, bidirectional: false },
    { label: 'embedding, 2 stacked layers', embedding: true, layers: 2, bidirectional: false },
    { label: 'one-hot, bidirectional', embedding: false, layers: 1, bidirectional: true },
  ];
  for (const cell of ['rnn', 'gru', 'lstm'] as CellType[]) {
    for (const layout of layouts) {
      test(`${cell}, ${layout.label}: same probabilities after import`, async () => {
        const layers: tfl.layers.Layer[] = [];
        if (layout.embedding) layers.push(tfl.layers.embedding({ inputDim: V, outputDim: 4, inputShape: [null as unknown as number] }));
        for (let l = 0; l < layout.layers; l++) {
          const first = layers.length === 0 ? { inputShape: [null, V] as [null, number] } : {};
          const r = recurrent(cell, layout.bidirectional ? {} : first);
          layers.push(
            layout.bidirectional ? tfl.layers.bidirectional({ layer: r, mergeMode: 'concat', ...first } as Parameters<typeof tfl.layers.bidirectional>[0]) : r,
          );
        }
        layers.push(tfl.layers.dense({ units: V, activation: 'softmax' }));
        const { dir, model } = await exportedFolder(layers);
        const out = join(tempDir('imported'), 'model');
        importModel(dir, { out });
        const imported = await openModelForUse(out);
        const ids = vocab.encode(TEST_TEXT);
        const diff = maxAbsDiff(engineProbabilities(imported.network, ids), kerasProbabilities(model, ids, V, layout.embedding));
        assert.ok(diff <= 1e-5, `probabilities differ by ${diff}`);
        assert.equal(imported.network.config.cell, cell);
        assert.equal(imported.network.config.bidirectional, layout.bidirectional);
        model.dispose();
      });
    }

    test(`${cell}: the imported model's gate traces follow the equations computed from the Keras weights`, async () => {
      const layer = recurrent(cell, { inputShape: [null, V] });
      const { dir, model } = await exportedFolder([layer, tfl.layers.dense({ units: V, activation: 'softmax' })]);
      const out = join(tempDir('imported'), 'model');
      importModel(dir, { out });
      const imported = await openModelForUse(out);
      const text = TEST_TEXT.slice(0, 30);
      const ids = vocab.encode(text);
      const inspected = inspect(imported, text, { topK: 1, gradients: true });
      const trace = inspected.layers[0].gates;
      // Gradient flow through the imported weights: one finite, not all-zero norm per step.
      const norms = inspected.gradients!.norms[0];
      assert.ok(norms.length > 1 && norms.every(Number.isFinite) && norms.some((n) => n > 0));
      // The Keras layer's own outputs h⟨t⟩ and weights, read from tfjs.
      const oneHot = new Float32Array(ids.length * V);
      ids.forEach((id, t) => (oneHot[t * V + id] = 1));
      const x = tf.tensor3d(oneHot, [1, ids.length, V]);
      const hs = (tfl.model({ inputs: model.inputs, outputs: layer.output as tfl.SymbolicTensor }).predict(x) as tf.Tensor).arraySync() as number[][][];
      const [kernel, recurrentKernel, bias] = layer.getWeights().map((w) => w.arraySync() as number[][] & number[]);
      const G = cell === 'rnn' ? 1 : cell === 'gru' ? 3 : 4;
      // pre(t, k, j) = x⟨t⟩·kernel[:, kH + j] + h⟨t−1⟩·recurrent_kernel[:, kH + j] + bias[kH + j] (Keras block k)
      const pre = (t: number, k: number, j: number) => {
        let z = kernel[ids[t]][k * H + j] + (bias as unknown as number[])[k * H + j];
        if (t > 0) for (let i = 0; i < H; i++) z += hs[0][t - 1][i] * recurrentKernel[i][k * H + j];
        return z;
      };
      let worst = 0;
      let spread = 0;
      for (let t = 0; t < ids.length; t++) {
        for (let j = 0; j < H; j++) {
          if (cell === 'lstm') {
            worst = Math.max(worst, Math.abs(trace.gammaF![t][j] - sigmoid(pre(t, 1, j)))); // Γf = σ(Wf[a⟨t−1⟩, x⟨t⟩] + bf)
            worst = Math.max(worst, Math.abs(trace.gammaO![t][j] - sigmoid(pre(t, 3, j)))); // Γo, Keras block o
            worst = Math.max(worst, Math.abs(trace.gammaU![t][j] - sigmoid(pre(t, 0, j)))); // Γu, Keras block i
          } else if (cell === 'gru') {
            worst = Math.max(worst, Math.abs(trace.gammaU![t][j] - (1 - sigmoid(pre(t, 0, j))))); // Γu = 1 − z
            worst = Math.max(worst, Math.abs(trace.gammaR![t][j] - sigmoid(pre(t, 1, j)))); // Γr = r
          } else {
            worst = Math.max(worst, Math.abs(trace.a![t][j] - Math.tanh(pre(t, 0, j)))); // a⟨t⟩ = tanh(Wa[a⟨t−1⟩, x⟨t⟩] + ba)
          }
          spread = Math.max(spread, Math.abs(hs[0][t][j] - hs[0][0][j]));
        }
      }
      assert.ok(G > 0 && worst <= 1e-5, `gates differ from the equations by ${worst}`);
      assert.ok(spread > 1e-3, 'the states vary over the text');
      assert.ok(sample(imported, { prime: 'To', length: 20, seed: 2 }).generatedTokens === 20);
      tf.dispose(x);
      model.dispose();
    });
  }

  test('an RNN Lab export imports back to the same weights', () => {
    const { net, vocab: v } = fixtureNetwork({ cell: 'gru', layers: 2, units: 4, input: 'embedding', embeddingSize: 3 });
    const exported = join(tempDir('tfjs'), 'export');
    exportModel(fixtureModelFolder(net, v), { format: 'tfjs-layers', out: exported });
    const out = join(tempDir('imported'), 'model');
    const { snapshot } = importModel(exported, { out });
    for (const p of net.params) assert.deepEqual(snapshot.params.find((q) => q.name === p.name)?.data, p.data, p.name);
    assert.equal(snapshot.name, 'fixture');
  });
  test('a model.json shaped as tensorflowjs_converter writes Keras models (model_config, cell-scoped weight names) imports', async () => {
    const { net, vocab: v } = fixtureNetwork({ cell: 'lstm', layers: 2, units: 4, input: 'embedding', embeddingSize: 3 });
    const exported = join(tempDir('tfjs'), 'export');
    exportModel(fixtureModelFolder(net, v), { format: 'tfjs-layers', out: exported });
    const path = join(exported, 'model.json');
    const json = JSON.parse(readFileSync(path, 'utf8'));
    json.modelTopology = { keras_version: '2.15.0', backend: 'tensorflow', model_config: json.modelTopology };
    for (const w of json.weightsManifest[0].weights) w.name = `sequential/${w.name.replace(/^(lstm_\d)\//, '$1/lstm_cell/')}`;
    writeFileSync(path, JSON.stringify(json));
    const { snapshot } = importModel(exported, { out: join(tempDir('imported'), 'model') });
    for (const p of net.params) assert.deepEqual(snapshot.params.find((q) => q.name === p.name)?.data, p.data, p.name);
  });
});

describe('TF.js Layers import refusals: one clear message, nothing written', () => {
  async function refused(dir: string, pattern: RegExp, vocabFile?: string): Promise<void> {
    const out = join(tempDir('refused'), 'model');
    assert.throws(
      () => importModel(dir, { out, ...(vocabFile ? { vocab: vocabFile } : {}) }),
      (error: Error) => {
        assert.match(error.message, pattern);
        assert.equal(error.message.split('\n').length, 1);
        return true;
      },
    );
    assert.equal(existsSync(out), false);
  }

  test('a GRU with reset_after true (as Keras writes it) is named', async () => {
    // tfjs-layers cannot build such a GRU; Keras's own default since TF 2 is reset_after true.
    const { dir } = await exportedFolder([
      recurrent('gru', { inputShape: [null, V], name: 'gru_after' }),
      tfl.layers.dense({ units: V, activation: 'softmax' }),
    ]);
    const path = join(dir, 'model.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"reset_after":false', '"reset_after":true'));
    await refused(dir, /GRU layer "gru_after" has reset_after true/);
  });

  test('a hard-sigmoid LSTM is named', async () => {
    const { dir } = await exportedFolder([
      tfl.layers.lstm({
        units: H,
        returnSequences: true,
        recurrentActivation: 'hardSigmoid',
        inputShape: [null, V],
        recurrentInitializer: 'glorotUniform',
        name: 'hard_lstm',
      }),
      tfl.layers.dense({ units: V, activation: 'softmax' }),
    ]);
    await refused(dir, /LSTM layer "hard_lstm" uses recurrent_activation "hard_sigmoid"/);
  });

  test('an unknown layer is named', async () => {
    const { dir } = await exportedFolder([
      tfl.layers.lstm({ units: H, returnSequences: true, recurrentActivation: 'sigmoid', inputShape: [null, V], recurrentInitializer: 'glorotUniform' }),
      tfl.layers.layerNormalization({ name: 'norm' }),
      tfl.layers.dense({ units: V, activation: 'softmax' }),
    ]);
    await refused(dir, /layer "norm" is a LayerNormalization, which RNN Lab cannot map/);
  });

  test('a truncated weight shard, a missing shard and a corrupt model.json', async () => {
    const mk = async () => (await exportedFolder([recurrent('lstm', { inputShape: [null, V] }), tfl.layers.dense({ units: V, activation: 'softmax' })])).dir;
    const truncated = await mk();
    truncateSync(join(truncated, 'group1-shard1of1.bin'), 100);
    await refused(truncated, /are truncated: 100 of \d+ bytes/);
    const missing = await mk();
    writeFileSync(join(missing, 'model.json'), readFileSync(join(missing, 'model.json'), 'utf8').replace('group1-shard1of1.bin', 'gone.bin'));
    await refused(missing, /gone\.bin, a weight file .* lists, is missing/);
    const corrupt = await mk();
    writeFileSync(join(corrupt, 'model.json'), readFileSync(join(corrupt, 'model.json'), 'utf8').slice(0, 200));
    await refused(corrupt, /model\.json is corrupt: it is not valid JSON/);
  });

  test('a vocabulary whose size does not match the output layer', async () => {
    const { dir } = await exportedFolder([recurrent('rnn', { inputShape: [null, V] }), tfl.layers.dense({ units: V, activation: 'softmax' })], false);
    await refused(dir, /has no vocab\.json; give the vocabulary with --vocab FILE/);
    const small = join(tempDir('vocab'), 'vocab.json');
    writeFileSync(small, JSON.stringify(['<UNK>', 'a', 'b']));
    await refused(dir, /has 3 tokens but the output layer "dense_Dense\d+" has \d+ units/, small);
  });
});
