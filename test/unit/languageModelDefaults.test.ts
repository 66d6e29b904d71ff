// A new language model gets LANGUAGE_MODEL_DEFAULTS for what its options leave out; given options
// win, the tasks keep the general defaults, and a folder saved before weight decay keeps none.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { LANGUAGE_MODEL_ADAM_LR, LANGUAGE_MODEL_DEFAULTS, LANGUAGE_MODEL_WIDE_UNITS, resolveTrainConfig, withLanguageModelDefaults } from '../../src/training/config.js';
import { prepareNew } from '../../src/training/prepare.js';

const root = mkdtempSync(join(tmpdir(), 'rnnlab-lmdefaults-'));
after(() => rmSync(root, { recursive: true, force: true }));
const text = 'to be, or not to be: that is the question.\n'.repeat(40);

describe('language-model defaults', () => {
  test('a run with no options gets the measured GRU 2×192, dropout 0.25, weight decay and the schedule to 1%', () => {
    const p = prepareNew({ text, modelDir: join(root, 'plain'), options: {} });
    assert.equal(p.network.config.cell, 'gru');
    assert.equal(p.network.config.units, 192);
    assert.equal(p.network.config.layers, 2);
    assert.equal(p.network.config.dropout, 0.25);
    assert.equal(p.config.batch, 16);
    assert.equal(p.config.weightDecay, 0.1);
    assert.equal(p.config.lrFinalFactor, 0.01);
    assert.equal(p.config.optimizer, 'adam');
    assert.equal(p.config.lr, 1e-2);
  });

  test("Adam's lower language-model rate goes to 256 units and more, not to narrower models, RMSprop or SGD", () => {
    const lr = (options: Parameters<typeof withLanguageModelDefaults>[0]) => resolveTrainConfig(withLanguageModelDefaults(options)).lr;
    assert.equal(lr({ units: 384 }), LANGUAGE_MODEL_ADAM_LR);
    assert.equal(lr({ units: LANGUAGE_MODEL_WIDE_UNITS }), LANGUAGE_MODEL_ADAM_LR);
    assert.equal(lr({ units: LANGUAGE_MODEL_WIDE_UNITS - 1 }), resolveTrainConfig({}).lr);
    assert.equal(lr({ cell: 'lstm', layers: 1, units: 128 }), 1e-2);
    for (const optimizer of ['rmsprop', 'sgd'] as const) {
      const p = prepareNew({ text, modelDir: join(root, optimizer), options: { optimizer, units: 320 } });
      assert.equal(p.config.lr, resolveTrainConfig({ optimizer }).lr);
      assert.notEqual(p.config.lr, LANGUAGE_MODEL_ADAM_LR);
    }
    assert.equal(prepareNew({ text, modelDir: join(root, 'adam-given'), options: { optimizer: 'adam', lr: 2e-2, units: 320 } }).config.lr, 2e-2);
    assert.equal(prepareNew({ text, modelDir: join(root, 'adam-wide'), options: { units: 320 } }).config.lr, LANGUAGE_MODEL_ADAM_LR);
  });

  test('given options win over every default, zero included', () => {
    const p = prepareNew({ text, modelDir: join(root, 'given'), options: { cell: 'lstm', layers: 1, units: 64, dropout: 0, batch: 4, weightDecay: 0, lrFinalFactor: 0.1 } });
    assert.equal(p.network.config.cell, 'lstm');
    assert.equal(p.network.config.layers, 1);
    assert.equal(p.network.config.units, 64);
    assert.equal(p.network.config.dropout, 0);
    assert.equal(p.config.batch, 4);
    assert.equal(p.config.weightDecay, 0);
    assert.equal(p.config.lrFinalFactor, 0.1);
    assert.deepEqual(withLanguageModelDefaults({ cell: undefined }).cell, LANGUAGE_MODEL_DEFAULTS.cell);
  });

  test('the general trainer defaults (what the tasks and folders saved before weight decay read) keep none', () => {
    const general = resolveTrainConfig({});
    assert.equal(general.weightDecay, 0);
    assert.equal(general.lrFinalFactor, 0.1);
  });
});
