// Completion logic with real models (saved by saveModelFolder, loaded by loadModel, completed
// by the engine's Completer): context window, one step per typed character, type-through,
// cancellation, length limits, model switching, and a corrupt model reported once.

import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { initBackend } from '../../src/engine/backend.js';
import { resolveNetworkConfig } from '../../src/engine/config.js';
import { Network } from '../../src/engine/network.js';
import { Completer, sample } from '../../src/engine/sampler.js';
import { Vocabulary } from '../../src/engine/tokenizer.js';
import { resolveTrainConfig } from '../../src/training/config.js';
import { loadModel, saveModelFolder } from '../../src/training/checkpoint.js';
import { CompletionService, windowStart } from '../../src/extension/completionService.js';
import { COMPLETION_DEFAULTS } from '../../src/extension/settings.js';
import type { CompletionSettings } from '../../src/extension/settings.js';

const root = mkdtempSync(join(tmpdir(), 'rnnlab-complete-'));
after(() => rmSync(root, { recursive: true, force: true }));
const TEXT = 'the quick brown fox jumps over the lazy dog. hello world, said the cat.\n';

function save(name: string, seed: number): string {
  const vocab = Vocabulary.build(TEXT, { mode: 'char' });
  const network = resolveNetworkConfig({ cell: 'lstm', units: 24 }, vocab.size, 'char');
  const net = Network.create(network, seed);
  const dir = join(root, name);
  saveModelFolder(dir, {
    name, network, params: net.params.map((p) => ({ name: p.name, shape: p.shape.slice(), data: p.data })),
    vocabulary: vocab.toJSON(), train: resolveTrainConfig({ steps: 1 }), state: { step: 0, epoch: 0, bestValLoss: null }, history: {},
  });
  return dir;
}

/** The extension's loader, with the last Completer kept so tests can read how much it fed. */
function realLoader() {
  const made: Completer[] = [];
  const loads: string[] = [];
  const loader = async (dir: string) => {
    loads.push(dir);
    const { model } = await loadModel(dir);
    const completer = new Completer(model);
    made.push(completer);
    return { completer, tokenMode: model.vocab.mode };
  };
  return { loader, made, loads };
}

const settings: CompletionSettings = { ...COMPLETION_DEFAULTS, enabled: true, model: 'x', stopAtNewline: false, maxChars: 12 };

before(async () => {
  await initBackend('wasm', { wasmDir: join(__dirname, '..', '..', 'node_modules/@tensorflow/tfjs-backend-wasm/dist') });
});

describe('context window', () => {
  test('starts move in whole multiples of contextChars and keep at least contextChars of context', () => {
    assert.equal(windowStart(0, 256), 0);
    assert.equal(windowStart(255, 256), 0);
    assert.equal(windowStart(511, 256), 0);
    assert.equal(windowStart(512, 256), 256);
    assert.equal(windowStart(1000, 256), 512);
    for (let offset = 0; offset < 3000; offset += 37) {
      const start = windowStart(offset, 256);
      assert.ok(offset - start >= Math.min(offset, 256) && offset - start < 512, `offset ${offset}`);
      // Typing one more character keeps the start (so the fed text extends the previous one)
      // except when crossing a multiple of contextChars.
      if ((offset + 1) % 256 !== 0) assert.equal(windowStart(offset + 1, 256), start);
    }
  });
});

describe('completion service', () => {
  const a = save('model-a', 1);
  const b = save('model-b', 2);

  test('no model: no completions', () => {
    const svc = new CompletionService(realLoader().loader);
    assert.equal(svc.complete({ docKey: 'd', text: 'the ', settings }), null);
  });

  test('greedy completion equals the engine sampler, and one typed character costs one step', async () => {
    const { loader, made } = realLoader();
    const svc = new CompletionService(loader);
    await svc.setModel(a);
    assert.deepEqual(svc.state, { kind: 'ready', modelDir: a });
    const context = 'the quick brown fox jumps over the ';
    const first = svc.complete({ docKey: 'd', text: context, settings })!;
    assert.equal(first.length, 12);
    const { model } = await loadModel(a);
    assert.equal(first, sample(model, { prime: context, length: 12, temperature: 0 }).generated);
    assert.equal(made[0]!.lastFedTokens, context.length);
    // The user types something other than the suggestion: the engine feeds only that character.
    const other = first[0] === 'z' ? 'q' : 'z';
    const second = svc.complete({ docKey: 'd', text: context + other, settings })!;
    assert.equal(made[0]!.lastFedTokens, 1);
    assert.equal(second, sample(model, { prime: context + other, length: 12, temperature: 0 }).generated);
    assert.equal(svc.stats.computed, 2);
  });

  test('typing the suggested characters reuses the suggestion without running the model', async () => {
    const svc = new CompletionService(realLoader().loader);
    await svc.setModel(a);
    const s = svc.complete({ docKey: 'd', text: 'hello ', settings })!;
    assert.equal(svc.complete({ docKey: 'd', text: 'hello ' + s.slice(0, 3), settings }), s.slice(3));
    assert.equal(svc.stats.typedThrough, 1);
    assert.equal(svc.stats.computed, 1);
    // Another document never reuses it.
    svc.complete({ docKey: 'other', text: 'hello ' + s.slice(0, 3), settings });
    assert.equal(svc.stats.computed, 2);
  });

  test('cancellation between tokens ends generation early; maxChars caps the length', async () => {
    const svc = new CompletionService(realLoader().loader);
    await svc.setModel(a);
    let polls = 0;
    const cut = svc.complete({ docKey: 'd', text: 'the lazy ', settings: { ...settings, maxChars: 40 }, isCancelled: () => ++polls > 3 })!;
    assert.ok(cut.length < 40 && cut.length <= 3, `got ${JSON.stringify(cut)}`);
    assert.equal(svc.complete({ docKey: 'e', text: 'the lazy ', settings: { ...settings, maxChars: 5 } })!.length, 5);
  });

  test('switching models: the last request wins and completions come from the new model', async () => {
    const { loader, loads } = realLoader();
    const svc = new CompletionService(loader);
    const p1 = svc.setModel(a);
    const p2 = svc.setModel(b);
    await Promise.all([p1, p2]);
    assert.deepEqual(svc.state, { kind: 'ready', modelDir: b });
    assert.deepEqual(loads, [a, b]);
    const { model } = await loadModel(b);
    assert.equal(svc.complete({ docKey: 'd', text: 'the ', settings }), sample(model, { prime: 'the ', length: 12, temperature: 0 }).generated);
    await svc.setModel(null);
    assert.deepEqual(svc.state, { kind: 'none' });
    assert.equal(svc.complete({ docKey: 'd', text: 'the ', settings }), null);
  });

  test('a corrupt model is refused with one sentence and serves nothing', async () => {
    const bad = save('model-bad', 3);
    truncateSync(join(bad, 'weights.bin'), 100);
    const svc = new CompletionService(realLoader().loader);
    await assert.rejects(svc.setModel(bad), /weights\.bin is truncated: 100 of [\d,]+ bytes/);
    assert.equal(svc.state.kind, 'error');
    assert.equal(svc.complete({ docKey: 'd', text: 'the ', settings }), null);
    await assert.rejects(svc.setModel(join(root, 'missing')), /no model at/);
  });
});

describe('a completing model deleted from disk', () => {
  test('stops completing, says so once, and the state no longer serves it; another model can be chosen', async () => {
    const gone = save('model-gone', 3);
    const other = save('model-other', 4);
    const svc = new CompletionService(realLoader().loader);
    const told: string[] = [];
    svc.onGone = (dir) => told.push(dir);
    await svc.setModel(gone);
    assert.equal(typeof svc.complete({ docKey: 'd', text: 'the ', settings }), 'string');
    assert.equal(svc.checkGone(), false, 'still there');
    rmSync(gone, { recursive: true, force: true });
    // Its weights are still in memory, but it must not go on completing.
    assert.equal(svc.complete({ docKey: 'd', text: 'the q', settings }), null);
    assert.deepEqual(svc.state, { kind: 'gone', modelDir: gone });
    assert.equal(svc.complete({ docKey: 'd', text: 'the qu', settings }), null);
    assert.equal(svc.checkGone(), false);
    assert.deepEqual(told, [gone], 'said once');
    await svc.setModel(other);
    assert.equal(typeof svc.complete({ docKey: 'd', text: 'the ', settings }), 'string');
  });

  test('a folder deleted while its model loads does not come back when the load finishes', async () => {
    const dir = save('model-vanishing', 5);
    const svc = new CompletionService(realLoader().loader);
    const loading = svc.setModel(dir);
    rmSync(dir, { recursive: true, force: true });
    assert.equal(svc.checkGone(), true);
    await loading.catch(() => undefined);
    assert.deepEqual(svc.state, { kind: 'gone', modelDir: dir });
  });
});
