// Settings resolution without VS Code: rnnLab.* values → presets and TrainOptions that the real
// resolveTrainConfig / resolveNetworkConfig accept; the manifest's defaults match the code's.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { resolveNetworkConfig } from '../../src/engine/config.js';
import { LANGUAGE_MODEL_DEFAULTS, resolveTrainConfig } from '../../src/training/config.js';
import {
  COMPLETION_DEFAULTS, PRESETS, TRAINING_DEFAULTS, defaultStopAfter, languageMatches, parseIntInRange,
  parseStopAfter, readCompletionSettings, readTrainingSettings, resolveModelsDirectory, trainOptionsFor, trainingWorkers,
} from '../../src/extension/settings.js';

const reader = (values: Record<string, unknown>) => (key: string) => values[key];

describe('training settings', () => {
  test('unset settings give the documented defaults and no warnings', () => {
    const r = readTrainingSettings(reader({}));
    assert.deepEqual(r.value, TRAINING_DEFAULTS);
    assert.deepEqual(r.warnings, []);
  });

  test('an invalid setting is ignored with one sentence naming it', () => {
    const r = readTrainingSettings(reader({ 'training.units': 0, 'training.cell': 'transformer', 'training.layers': 3 }));
    assert.equal(r.value.units, 128);
    assert.equal(r.value.cell, 'lstm');
    assert.equal(r.value.layers, 3);
    assert.equal(r.warnings.length, 2);
    assert.match(r.warnings[0]!, /^Setting rnnLab\.training\.cell must be rnn, gru or lstm; using "lstm" instead of "transformer"\.$/);
  });

  test('training workers: one engine by default (the editor keeps a core), 0 for all cores, else a warning', () => {
    assert.equal(TRAINING_DEFAULTS.workers, 1);
    assert.equal(trainingWorkers(readTrainingSettings(reader({})).value), 1);
    assert.equal(trainingWorkers(readTrainingSettings(reader({ 'training.workers': 2 })).value), 2);
    assert.equal(trainingWorkers(readTrainingSettings(reader({ 'training.workers': 0 })).value), undefined, "0: the trainer's default, every core");
    const bad = readTrainingSettings(reader({ 'training.workers': 1.5 }));
    assert.equal(bad.value.workers, 1);
    assert.deepEqual(bad.warnings, ['Setting rnnLab.training.workers must be a whole number from 0 (all cores) to 256; using 1 instead of 1.5.']);
  });

  test('Quick and Standard presets fix the architecture and take their length from the preset unless set', () => {
    const s = readTrainingSettings(reader({ 'training.seqLen': 32, 'training.cell': 'gru' })).value;
    const quick = trainOptionsFor('quick', s);
    assert.deepEqual([quick.cell, quick.layers, quick.units, quick.minutes, quick.seqLen], ['lstm', 1, 128, 2, 32]);
    assert.equal(quick.dropout, 0.1);
    // Standard is the CLI's default language model, measured best for ten minutes.
    const standard = trainOptionsFor('standard', s);
    assert.deepEqual([standard.cell, standard.layers, standard.units, standard.dropout, standard.minutes],
      [LANGUAGE_MODEL_DEFAULTS.cell, LANGUAGE_MODEL_DEFAULTS.layers, LANGUAGE_MODEL_DEFAULTS.units, LANGUAGE_MODEL_DEFAULTS.dropout, 10]);
    assert.equal(trainOptionsFor('standard', { ...s, dropout: 0.4 }).dropout, 0.4, 'a dropout setting wins over the preset');
    const bad = readTrainingSettings(reader({ 'training.dropout': 1 }));
    assert.equal(bad.value.dropout, null);
    assert.deepEqual(bad.warnings, ['Setting rnnLab.training.dropout must be in [0, 1) or null; using null instead of 1.']);
    const short = trainOptionsFor('quick', readTrainingSettings(reader({ 'training.minutes': 0.5, 'training.steps': 40 })).value);
    assert.equal(short.minutes, 0.5);
    assert.equal(short.steps, 40);
    assert.equal(short.lr, undefined);
  });

  test('Custom answers override the settings and resolve to a valid config', () => {
    const s = readTrainingSettings(reader({ 'training.lr': 0.01, 'training.evalEvery': 25 })).value;
    const o = trainOptionsFor('custom', s, { cell: 'rnn', layers: 2, units: 32, tokens: 'word', seqLen: 16, stopAfter: { epochs: 3 } });
    assert.deepEqual([o.cell, o.layers, o.units, o.tokens, o.seqLen, o.epochs, o.minutes, o.lr, o.evalEvery],
      ['rnn', 2, 32, 'word', 16, 3, undefined, 0.01, 25]);
    const train = resolveTrainConfig(o);
    assert.equal(train.epochs, 3);
    assert.equal(train.evalEvery, 25);
    const net = resolveNetworkConfig(o, 50, train.tokens);
    assert.equal(net.input, 'embedding');
    assert.throws(() => trainOptionsFor('custom', s), /needs the answers/);
  });

  test('every preset resolves through the real config resolvers', () => {
    const s = TRAINING_DEFAULTS;
    for (const p of PRESETS.filter((x) => x.id !== 'custom')) {
      const o = trainOptionsFor(p.id, s);
      assert.doesNotThrow(() => resolveTrainConfig(o));
      assert.doesNotThrow(() => resolveNetworkConfig(o, 60, 'char'));
    }
  });

  test('"stop after" parses minutes, epochs and steps, and says what is wrong otherwise', () => {
    assert.deepEqual(parseStopAfter('2 minutes'), { minutes: 2 });
    assert.deepEqual(parseStopAfter('0.5m'), { minutes: 0.5 });
    assert.deepEqual(parseStopAfter('5'), { minutes: 5 });
    assert.deepEqual(parseStopAfter('3 epochs'), { epochs: 3 });
    assert.deepEqual(parseStopAfter('1 epoch'), { epochs: 1 });
    assert.deepEqual(parseStopAfter('500 steps'), { steps: 500 });
    assert.match(parseStopAfter('1.5 steps') as string, /whole number/);
    assert.match(parseStopAfter('0 minutes') as string, /more than zero/);
    assert.match(parseStopAfter('soon') as string, /for example/);
    assert.match(parseStopAfter('3 hours') as string, /for example/);
    assert.equal(defaultStopAfter(TRAINING_DEFAULTS), '2 minutes');
    assert.equal(defaultStopAfter({ ...TRAINING_DEFAULTS, epochs: 4 }), '4 epochs');
    assert.equal(parseIntInRange(' 64 ', 'Units', 1, 4096), 64);
    assert.equal(parseIntInRange('0', 'Units', 1, 4096), 'Units must be a whole number from 1 to 4096.');
    assert.equal(parseIntInRange('', 'Units', 1, 4096), 'Units must be a whole number from 1 to 4096.');
  });
});

describe('completion settings', () => {
  test('defaults are those of the issue: all languages, 256 context, 40 chars, greedy, stop at newline', () => {
    const r = readCompletionSettings(reader({}));
    assert.deepEqual(r.value, { enabled: false, model: '', languages: ['*'], contextChars: 256, maxChars: 40, temperature: 0, stopAtNewline: true });
    const bad = readCompletionSettings(reader({ 'completions.languages': 'markdown', 'completions.maxChars': 0 }));
    assert.deepEqual(bad.value.languages, ['*']);
    assert.equal(bad.value.maxChars, 40);
    assert.equal(bad.warnings.length, 2);
  });
  test('language filter', () => {
    assert.ok(languageMatches(['*'], 'python'));
    assert.ok(languageMatches(['markdown', 'plaintext'], 'plaintext'));
    assert.ok(!languageMatches(['markdown'], 'python'));
    assert.ok(!languageMatches([], 'python'));
  });
});

describe('models folder', () => {
  test('default under the first workspace folder, else global storage; relative and ~ paths', () => {
    assert.equal(resolveModelsDirectory('', '/ws', '/gs', '/home/u'), '/ws/.rnnlab/models');
    assert.equal(resolveModelsDirectory('  ', undefined, '/gs', '/home/u'), '/gs/models');
    assert.equal(resolveModelsDirectory('models', '/ws', '/gs', '/home/u'), '/ws/models');
    assert.equal(resolveModelsDirectory('~/rnn', '/ws', '/gs', '/home/u'), '/home/u/rnn');
    assert.equal(resolveModelsDirectory('/abs/m/', '/ws', '/gs', '/home/u'), '/abs/m/');
  });
});

describe('the manifest matches the code', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
  const props = Object.assign({}, ...pkg.contributes.configuration.map((c: { properties: object }) => c.properties)) as Record<string, { default: unknown; description: string }>;
  test('every rnnLab.training.* and rnnLab.completions.* default equals the code default, each with a description', () => {
    for (const [key, value] of Object.entries(TRAINING_DEFAULTS)) {
      assert.deepEqual(props[`rnnLab.training.${key}`]?.default, value, `rnnLab.training.${key}`);
    }
    for (const [key, value] of Object.entries(COMPLETION_DEFAULTS)) {
      assert.deepEqual(props[`rnnLab.completions.${key}`]?.default, value, `rnnLab.completions.${key}`);
    }
    for (const [key, p] of Object.entries(props)) {
      assert.ok(p.description && p.description.length > 10, `${key} has a description`);
      assert.ok('default' in p, `${key} has a default`);
    }
  });
  test('every command is titled under the RNN Lab category and every menu entry names a declared command', () => {
    const ids = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
    for (const c of pkg.contributes.commands) assert.equal(c.category, 'RNN Lab');
    for (const id of ['rnnLab.train', 'rnnLab.stopTraining', 'rnnLab.pauseTraining', 'rnnLab.resumeTraining', 'rnnLab.continueTraining',
      'rnnLab.sample', 'rnnLab.evaluate', 'rnnLab.showSurprisal', 'rnnLab.clearSurprisal', 'rnnLab.useForCompletions',
      'rnnLab.disableCompletions', 'rnnLab.renameModel', 'rnnLab.deleteModel', 'rnnLab.revealModel', 'rnnLab.refreshModels',
      'rnnLab.openDashboard', 'rnnLab.inspectSelection', 'rnnLab.showGradientFlow', 'rnnLab.exportModel', 'rnnLab.importModel']) {
      assert.ok(ids.has(id), id);
    }
    assert.equal(pkg.contributes.commands.find((c: { command: string }) => c.command === 'rnnLab.train').title, 'Train Model on Active File…');
    for (const entries of Object.values(pkg.contributes.menus) as { command: string }[][]) {
      for (const e of entries) assert.ok(ids.has(e.command), e.command);
    }
  });
  test('lazy activation, the Models view with its welcome button, a walkthrough to an accepted completion, honest trust', () => {
    const root = join(__dirname, '..', '..');
    assert.equal(pkg.main, './dist/extension.js');
    assert.equal(pkg.engines.vscode, '^1.90.0');
    for (const eager of ['*', 'onStartupFinished']) assert.ok(!pkg.activationEvents.includes(eager), eager);
    assert.deepEqual(pkg.contributes.viewsContainers.activitybar.map((c: { id: string }) => c.id), ['rnnLab']);
    assert.deepEqual(pkg.contributes.views.rnnLab.map((v: { id: string; name: string }) => [v.id, v.name]), [['rnnLab.models', 'Models']]);
    assert.match(pkg.contributes.viewsWelcome[0].contents, /\[Train on Active File\]\(command:rnnLab\.train\)/);
    const steps = pkg.contributes.walkthroughs[0].steps as { id: string; media: { image: string } }[];
    assert.equal(steps[0]!.id, 'openFile');
    assert.equal(steps[steps.length - 1]!.id, 'accept');
    for (const st of steps) assert.ok(existsSync(join(root, st.media.image)), st.media.image);
    for (const icon of [pkg.icon, pkg.contributes.viewsContainers.activitybar[0].icon]) assert.ok(existsSync(join(root, icon)), icon);
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, false);
    assert.ok(pkg.capabilities.untrustedWorkspaces.description.length > 20);
  });
});
