// Fixtures of the interop tests: seeded networks with non-trivial biases saved as model folders,
// the engine's next-token probabilities, and a loader for a TF.js Layers folder on disk.

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import type { NetworkOptions } from '../../src/engine/config.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import { Rng } from '../../src/engine/math.js';
import { Network, softmaxRow } from '../../src/engine/network.js';
import { Vocabulary } from '../../src/engine/tokenizer.js';
import { writeModelSnapshot } from '../../src/interop/modelAccess.js';
import type { ModelSnapshot } from '../../src/interop/modelAccess.js';

export const TEST_TEXT = 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `rnnlab-${prefix}-`));
}

/** A seeded network over TEST_TEXT's characters with random biases (so a bias mix-up shows). */
export function fixtureNetwork(options: NetworkOptions, seed = 3): { net: Network; vocab: Vocabulary } {
  const vocab = Vocabulary.build(TEST_TEXT, { mode: 'char' });
  const net = Network.create(resolveNetworkConfig({ dropout: 0, ...options }, vocab.size), seed);
  const rng = new Rng(seed + 100);
  for (const p of net.params) {
    if (p.name.endsWith('.b') || p.name === 'output.by') for (let i = 0; i < p.data.length; i++) p.data[i] = rng.next() - 0.5;
  }
  net.refresh();
  return { net, vocab };
}

export function snapshotOf(net: Network, vocab: Vocabulary, name = 'fixture'): ModelSnapshot {
  return {
    name,
    network: net.config,
    params: net.params.map((p) => ({ name: p.name, shape: p.shape.slice(), data: p.data.slice() })),
    vocabulary: vocab.toJSON(),
  };
}

/** Saves the network as a model folder and returns its path. */
export function fixtureModelFolder(net: Network, vocab: Vocabulary): string {
  const dir = join(tempDir('model'), 'model');
  writeModelSnapshot(dir, snapshotOf(net, vocab));
  return dir;
}

/** The engine's next-token probabilities after each token of `ids` (one stream): T·V. */
export function engineProbabilities(net: Network, ids: Int32Array): Float64Array {
  const V = net.config.vocabSize;
  const pass = net.forward(ids, 1, ids.length, null);
  const out = new Float64Array(ids.length * V);
  for (let t = 0; t < ids.length; t++) out.set(softmaxRow(pass.logits, t * V, V), t * V);
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** An IOHandler reading model.json and its shards from disk, as tfjs's http loader reads them. */
export function folderHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(modelJsonPath, 'utf8'));
      const weightSpecs = json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
      const buffers = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths.map((p) => readFileSync(join(dirname(modelJsonPath), p))));
      const all = Buffer.concat(buffers);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      return { modelTopology: json.modelTopology, weightSpecs, weightData, format: json.format };
    },
  };
}

/** Probabilities of a loaded Keras model for one stream of ids, T·V. */
export function kerasProbabilities(model: tfl.LayersModel, ids: Int32Array, V: number, embedding: boolean): Float32Array {
  const T = ids.length;
  let x: tf.Tensor;
  if (embedding) x = tf.tensor2d(Float32Array.from(ids), [1, T]);
  else {
    const oneHot = new Float32Array(T * V);
    ids.forEach((id, t) => (oneHot[t * V + id] = 1));
    x = tf.tensor3d(oneHot, [1, T, V]);
  }
  const y = model.predict(x) as tf.Tensor;
  const out = y.dataSync() as Float32Array;
  tf.dispose([x, y]);
  return out;
}

/** Saves a tfjs-layers model as tfjs's own writers lay it out: model.json + one shard. */
export async function saveLayersModel(model: tfl.LayersModel, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData as ArrayBuffer;
      writeFileSync(join(dir, 'group1-shard1of1.bin'), Buffer.from(weightData));
      const json = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: artifacts.weightSpecs }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Replaces every weight of a tfjs-layers model with seeded values in [−0.5, 0.5) (biases too). */
export function randomizeWeights(model: tfl.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (ws.length === 0) continue;
    layer.setWeights(
      ws.map((w) =>
        tf.tensor(
          Float32Array.from({ length: w.size }, () => rng.next() - 0.5),
          w.shape,
        ),
      ),
    );
  }
}
