// The tag trainer on generated NUM spans (tagData.ts): held-out token accuracy and entity F1 of a
// bidirectional GRU within a test-sized budget, the saved model reloaded and resumed, padding
// invariance of its tag probabilities, and tokens of a text located for the editor.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { initBackend } from '../../src/engine/backend.js';
import { padBatch } from '../../src/engine/heads/paddedBatch.js';
import { readModelMeta } from '../../src/model/index.js';
import { loadNewestCheckpoint } from '../../src/training/checkpoint.js';
import type { TrainerEvent } from '../../src/training/events.js';
import { readTagged } from '../../src/training/tasks/tagReader.js';
import { encodeTokens, evaluateSentences, loadTagger, splitTokens, tagText } from '../../src/training/tasks/tagModel.js';
import { prepareTag, resumeTagger, trainTagger } from '../../src/training/tasks/tagTrainer.js';
import { conllText, NUMBER_TOKENS, numberSentences } from './tagData.js';

const work = mkdtempSync(join(tmpdir(), 'rnnlab-tag-'));
const model = join(work, 'gru');
const train = readTagged(conllText(numberSentences(400, 3)), 'train.conll');
const heldOut = readTagged(conllText(numberSentences(200, 99)), 'test.conll');

before(async () => {
  await initBackend('cpu');
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('tag trainer', () => {
  test('a bidirectional GRU tags NUM spans: held-out token accuracy ≥ 98% and entity F1 ≥ 0.95', async () => {
    const prepared = prepareTag(train, { cell: 'gru', units: 16, embeddingSize: 8, steps: 150, evalEvery: 50, lr: 0.02 });
    assert.equal(prepared.network.bidirectional, true, 'bidirectional by default');
    assert.equal(prepared.network.input, 'embedding', 'a learned embedding by default');
    assert.deepEqual(prepared.tags, ['O', 'B-NUM', 'I-NUM']);
    assert.deepEqual([prepared.train.ids.length, prepared.validation.ids.length], [360, 40]);
    const events: TrainerEvent[] = [];
    const done = await trainTagger(prepared, { modelDir: model, name: 'gru', backend: 'cpu', onEvent: (e) => events.push(e) });
    assert.equal(done.reason, 'steps');
    const evals = events.filter((e) => e.event === 'eval');
    assert.equal(evals.length, 3);
    assert.deepEqual(Object.keys(evals[0].metrics ?? {}), ['tokenAccuracy', 'entityF1', 'precision', 'recall']);
    const tagger = loadTagger(model);
    const r = evaluateSentences(tagger, heldOut.sentences, 'test.conll');
    console.log(
      `# held-out tokenAccuracy ${r.tokenAccuracy.toFixed(4)}, entityF1 ${r.entityF1.toFixed(4)} (P ${r.precision.toFixed(4)}, R ${r.recall.toFixed(4)}), ${(done.elapsedMs / 1000).toFixed(1)} s, ${Math.round(done.tokensPerSecond)} tokens/s`,
    );
    assert.ok(r.tokenAccuracy >= 0.98, `held-out token accuracy ${r.tokenAccuracy}`);
    assert.ok(r.entityF1 >= 0.95, `held-out entity F1 ${r.entityF1}`);
    assert.equal(r.sentences, 200);
    tagger.head.dispose();
  });

  test('model.json records the task and the tag set; best is picked by entity F1', () => {
    const meta = readModelMeta(model);
    assert.equal(meta.task, 'tag');
    assert.deepEqual(meta.labels, ['O', 'B-NUM', 'I-NUM']);
    assert.ok(meta.state.best && 'entityF1' in meta.state.best.metrics);
  });

  test("a sentence's tag probabilities are the same alone and in a batch with longer ones", () => {
    const { head, vocab } = loadTagger(model);
    const short = encodeTokens(vocab, ['the', NUMBER_TOKENS[0], 'cat']);
    const long = heldOut.sentences.slice(0, 3).map((s) => encodeTokens(vocab, s.tokens));
    const alone = head.probabilities(padBatch([short]))[0];
    const batched = head.probabilities(padBatch([long[0], short, long[1], long[2]]))[1];
    alone.forEach((p, t) => p.forEach((x, k) => assert.ok(Math.abs(x - batched[t][k]) < 1e-6, `token ${t} tag ${k}: ${x} vs ${batched[t][k]}`)));
    head.dispose();
  });

  test('tagText tags each whitespace-separated token of a text at its offsets', () => {
    const tagger = loadTagger(model);
    const text = '  the cat  ran 42 x7 home';
    const tags = tagText(tagger, text);
    assert.deepEqual(
      tags.map((t) => text.slice(t.start, t.end)),
      ['the', 'cat', 'ran', '42', 'x7', 'home'],
    );
    assert.ok(tags.every((t) => t.probability > 0 && t.probability <= 1));
    assert.equal(tagText(tagger, '   ').length, 0);
    assert.deepEqual(splitTokens('a  b'), [
      { token: 'a', start: 0, end: 1 },
      { token: 'b', start: 3, end: 4 },
    ]);
    tagger.head.dispose();
  });

  test('resume continues the tagger from its latest save', async () => {
    const { folder } = loadNewestCheckpoint(model);
    const { done } = resumeTagger(folder, train, { steps: 10, evalEvery: 10 }, { modelDir: model, name: 'gru', backend: 'cpu' });
    const d = await done;
    assert.equal(d.step, 160);
    assert.equal(readModelMeta(model).history.runs?.length, 2);
  });
});
