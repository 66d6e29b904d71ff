// The extension's polish without VS Code: where results go (Evaluate's report, samples' column
// and language), stop-after in seconds, settings written only where the user keeps them, the
// models folder's .gitignore, run tooltips and the vocabulary preview, and the manifest's
// settings sections, editor-menu titles, inline tree actions and walkthrough.

import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { resolveNetworkConfig } from '../../src/engine/config.js';
import { Network } from '../../src/engine/network.js';
import { Vocabulary } from '../../src/engine/tokenizer.js';
import { resolveTrainConfig } from '../../src/training/config.js';
import { saveModelFolder } from '../../src/training/checkpoint.js';
import { EDITOR_MENU_COMMANDS, TEXT_FILE_CONTEXT, editorMenuAlias, isTextFile } from '../../src/extension/contributions.js';
import { ensureModelsFolder, listModels, readEntry } from '../../src/extension/modelStore.js';
import { evaluationReport, languageForFileName, sampleColumn } from '../../src/extension/modelResults.js';
import { localTime, modelNode, runTooltip, stopReasonText, vocabularyRows } from '../../src/extension/modelTree.js';
import type { TreeNode } from '../../src/extension/modelTree.js';
import {
  PANEL_DEFAULTS, completionModelSetting, parseStopAfter, readPanelSettings, settingWriteScope,
} from '../../src/extension/settings.js';

const repo = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const root = mkdtempSync(join(tmpdir(), 'rnnlab-polish-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('stop after', () => {
  test('seconds are read as seconds, beside minutes, epochs and steps', () => {
    assert.deepEqual(parseStopAfter('40s'), { minutes: 40 / 60 });
    assert.deepEqual(parseStopAfter('90 seconds'), { minutes: 1.5 });
    assert.deepEqual(parseStopAfter('1 second'), { minutes: 1 / 60 });
    assert.deepEqual(parseStopAfter('30 sec'), { minutes: 0.5 });
    assert.deepEqual(parseStopAfter('2 min'), { minutes: 2 });
    assert.deepEqual(parseStopAfter('500 steps'), { steps: 500 });
    assert.deepEqual(parseStopAfter('1 step'), { steps: 1 });
    assert.deepEqual(parseStopAfter('2e'), { epochs: 2 });
    assert.match(parseStopAfter('40 parsecs') as string, /"40 seconds"/);
  });
});

describe('results', () => {
  test("Evaluate's report keeps loss, bits and perplexity for the log; the toast says them in one line", () => {
    const r = evaluationReport('notes-lstm', 'best', 'notes.md', { tokens: 12345, loss: 1.2, bitsPerToken: 1.2 / Math.LN2, perplexity: Math.exp(1.2), logProb: -14814 });
    assert.equal(r.summary, 'notes-lstm on notes.md: loss 1.2000 nats/token, 1.731 bits/token, perplexity 3.32 over 12,345 tokens.');
    assert.equal(r.lines[0], 'Evaluation of notes-lstm (checkpoint best) on notes.md:');
    const text = r.lines.join('\n');
    for (const figure of [/loss +1\.2000 nats\/token/, /bits +1\.731 bits\/token/, /perplexity +3\.32/, /tokens +12,345/]) assert.match(text, figure);
  });

  test("a sample opens in the training file's language, by the longest extension, plaintext otherwise", () => {
    const languages = [
      { id: 'python', extensions: ['.py', '.pyi', '.pyw'] },
      { id: 'typescript', extensions: ['.ts', '.mts'] },
      { id: 'dockerfile', extensions: ['.dockerfile'], filenames: ['Dockerfile'] },
      { id: 'text-spec', extensions: ['.spec.txt'] },
      { id: 'plaintext', extensions: ['.txt'] },
    ];
    assert.equal(languageForFileName('/ws/src/train.py', languages), 'python');
    assert.equal(languageForFileName('C:\\code\\MAIN.PY', languages), 'python');
    assert.equal(languageForFileName('/ws/Dockerfile', languages), 'dockerfile');
    assert.equal(languageForFileName('/ws/a.spec.txt', languages), 'text-spec');
    assert.equal(languageForFileName('/ws/notes.unknown', languages), 'plaintext');
    assert.equal(languageForFileName(undefined, languages), 'plaintext');
  });

  test('a sample opens beside a lone editor, and in another group already on screen rather than a third', () => {
    assert.equal(sampleColumn(1, [1]), 'beside');
    assert.equal(sampleColumn(1, [1, 2]), 2);
    assert.equal(sampleColumn(2, [1, 2]), 1);
    assert.equal(sampleColumn(2, [1, 2, 3]), 3);
    assert.equal(sampleColumn(undefined, [1, 2]), 1);
  });
});

describe('settings the extension writes', () => {
  test('into the scope that already holds a value, else the user settings, never a new workspace setting', () => {
    assert.equal(settingWriteScope(undefined), 'global');
    assert.equal(settingWriteScope({ globalValue: true }), 'global');
    assert.equal(settingWriteScope({ workspaceValue: false, globalValue: true }), 'workspace');
    assert.equal(settingWriteScope({ workspaceFolderValue: 'm' }), 'workspaceFolder');
  });

  test('the completing model is named in full in the user settings, by name in a workspace that holds it', () => {
    assert.equal(completionModelSetting('/ws/.rnnlab/models/m1', '/ws/.rnnlab/models', 'global'), '/ws/.rnnlab/models/m1');
    assert.equal(completionModelSetting('/ws/.rnnlab/models/m1', '/ws/.rnnlab/models/', 'workspace'), 'm1');
    assert.equal(completionModelSetting('/elsewhere/m1', '/ws/.rnnlab/models', 'workspace'), '/elsewhere/m1');
  });

  test('the Panels setting: the dashboard opens with a training unless turned off', () => {
    assert.deepEqual(readPanelSettings(() => undefined), { value: PANEL_DEFAULTS, warnings: [] });
    assert.equal(readPanelSettings((k) => (k === 'panels.openDashboardOnTraining' ? false : undefined)).value.openDashboardOnTraining, false);
    assert.equal(readPanelSettings(() => 'no').warnings.length, 1);
  });
});

describe('the models folder', () => {
  test('created with a .gitignore of *, which hides nothing from the listing; a folder the user made is left alone', () => {
    const dir = join(root, 'ws', '.rnnlab', 'models');
    assert.equal(ensureModelsFolder(dir), true);
    assert.match(readFileSync(join(dir, '.gitignore'), 'utf8'), /^\*$/m);
    assert.deepEqual(listModels(dir), []);
    assert.equal(ensureModelsFolder(dir), false);
    const mine = join(root, 'mine');
    mkdirSync(mine);
    assert.equal(ensureModelsFolder(mine), false);
    assert.ok(!existsSync(join(mine, '.gitignore')));
  });
});

describe('Models view tooltips and vocabulary', () => {
  const text = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789\n.,;:!?';
  const dir = join(root, 'models', 'm1');
  const vocab = Vocabulary.build(text, { mode: 'char' });
  const network = resolveNetworkConfig({ cell: 'gru', layers: 1, units: 4 }, vocab.size, 'char');
  const net = Network.create(network, 1);
  saveModelFolder(dir, {
    name: 'm1',
    network,
    params: net.params.map((p) => ({ name: p.name, shape: p.shape.slice(), data: p.data })),
    vocabulary: vocab.toJSON(),
    train: resolveTrainConfig({ steps: 10 }),
    state: { step: 400, epoch: 2, bestValLoss: 1.5 },
    history: { runs: [{ startStep: 0, endStep: 400, startedAt: '2026-12-01T23:05:09.123Z', reason: 'minutes', tokensPerSecond: 12345.6, elapsedMs: 118_000, bestValLoss: 1.5 }] },
  });
  const utc = { locale: 'en-GB', timeZone: 'UTC' };
  const find = (node: TreeNode, label: string) => node.children.find((c) => c.label === label)!;

  test('a run shows its start as a local date and time, its duration, speed and why it stopped', () => {
    assert.equal(localTime('2026-12-01T23:05:09.123Z', utc), '1 Dec 2026, 23:05');
    assert.equal(localTime('2026-12-01T23:05:09.123Z', { locale: 'en-GB', timeZone: 'Asia/Tokyo' }), '2 Dec 2026, 08:05');
    assert.equal(localTime('yesterday', utc), 'yesterday');
    const node = modelNode(readEntry(dir), utc);
    const run = find(node, 'Training history').children[0]!;
    assert.match(run.description!, /1 Dec 2026, 23:05$/);
    assert.ok(!run.description!.includes('T23:05:09'), 'no ISO time in the row');
    for (const part of ['1 Dec 2026, 23:05', '1m 58s', '12,346 tokens/s', 'time budget reached']) {
      assert.ok(run.tooltip!.includes(part), `run tooltip has "${part}": ${run.tooltip}`);
      assert.ok(node.tooltip!.includes(part), `model tooltip has "${part}": ${node.tooltip}`);
    }
    assert.equal(stopReasonText('aborted'), 'stopped on request');
    assert.equal(stopReasonText('weird'), 'stopped: weird');
    assert.ok(runTooltip({ index: 2, startStep: null, endStep: null, reason: null, startedAt: null, bestValLoss: null, elapsedMs: null, tokensPerSecond: null }).startsWith('**Run 2**'));
  });

  test('the vocabulary preview holds every token in rows short enough not to be cut off', () => {
    const rows = find(modelNode(readEntry(dir), utc), 'Vocabulary').children.map((c) => c.label);
    assert.ok(rows.length >= 3);
    assert.ok(rows.every((r) => [...r].length <= 24), JSON.stringify(rows));
    const shown = rows.join('');
    for (const ch of 'azAZ09.,;:!?') assert.ok(shown.includes(ch), `${ch} shown`);
    assert.ok(shown.includes('⏎') && shown.includes('␣'));
    const words = Array.from({ length: 1000 }, (_, i) => `w${i}`);
    const wordRows = vocabularyRows(words, 'word');
    assert.equal(wordRows.length, 41);
    assert.equal(wordRows[0], 'w0 w1 w2 w3 w4 w5 w6 w7');
    const listed = wordRows.slice(0, 40).join(' ').split(' ');
    assert.deepEqual(listed, words.slice(0, listed.length), 'rows list the words in order, none skipped');
    assert.equal(wordRows[40], `… ${1000 - listed.length} more`);
    assert.deepEqual(vocabularyRows(['a', 'b'], 'char'), ['ab']);
  });
});

describe('the manifest', () => {
  const commands = pkg.contributes.commands as { command: string; title: string; icon?: string }[];
  const byId = new Map(commands.map((c) => [c.command, c]));

  test('display name, and settings in sections titled Training, Completions, Models, Panels', () => {
    assert.equal(pkg.displayName, 'RNN Lab');
    const sections = pkg.contributes.configuration as { title: string; properties: Record<string, { type: unknown; description: string }> }[];
    assert.deepEqual(sections.map((s) => s.title), ['Training', 'Completions', 'Models', 'Panels']);
    const prefix: Record<string, RegExp> = { Training: /^rnnLab\.training\./, Completions: /^rnnLab\.completions\./, Models: /^rnnLab\.modelsDirectory$/, Panels: /^rnnLab\.panels\./ };
    for (const s of sections) {
      assert.ok(Object.keys(s.properties).length > 0, s.title);
      for (const [key, p] of Object.entries(s.properties)) {
        assert.match(key, prefix[s.title]!, `${key} in ${s.title}`);
        const nullable = Array.isArray(p.type) && p.type.includes('null');
        if (!nullable) assert.ok(!/\bnull\b/.test(p.description), `${key} cannot be null, so its description does not offer it`);
      }
    }
    assert.match(sections[2]!.properties['rnnLab.modelsDirectory']!.description, /\.gitignore/);
  });

  test('editor context-menu entries read "RNN Lab: …" and run aliases hidden from the palette', () => {
    const entries = pkg.contributes.menus['editor/context'] as { command: string }[];
    assert.deepEqual(entries.map((e) => e.command), EDITOR_MENU_COMMANDS.map(editorMenuAlias));
    const palette = pkg.contributes.menus.commandPalette as { command: string; when: string }[];
    for (const id of EDITOR_MENU_COMMANDS) {
      const alias = byId.get(editorMenuAlias(id))!;
      assert.equal(alias.title, `RNN Lab: ${byId.get(id)!.title}`);
      assert.equal(palette.find((p) => p.command === alias.command)?.when, 'false');
    }
  });

  test('model rows carry inline Sample, Inspect and Use for Completions actions with icons', () => {
    const items = pkg.contributes.menus['view/item/context'] as { command: string; when: string; group: string }[];
    for (const id of ['rnnLab.sample', 'rnnLab.inspectSelection', 'rnnLab.useForCompletions']) {
      const inline = items.find((i) => i.command === id && i.group.startsWith('inline'));
      assert.ok(inline, `${id} inline`);
      assert.match(inline.when, /viewItem =~ \/\^model\(Training\)\?\$\//);
      assert.match(byId.get(id)!.icon ?? '', /^\$\([a-z-]+\)$/, `${id} has an icon`);
    }
  });

  test('Train Model on Active File is in the palette with no editor open (it offers Open File…)', () => {
    const palette = pkg.contributes.menus.commandPalette as { command: string }[];
    assert.ok(!palette.some((p) => p.command === 'rnnLab.train'));
  });

  test('the walkthrough: step 1 waits for a text file (not the Welcome tab), every step has its screenshot', () => {
    const steps = pkg.contributes.walkthroughs[0].steps as { id: string; completionEvents: string[]; media: { image?: string; altText?: string } }[];
    assert.deepEqual(steps[0]!.completionEvents, [`onContext:${TEXT_FILE_CONTEXT}`]);
    assert.ok(isTextFile('file') && !isTextFile(undefined) && !isTextFile('untitled') && !isTextFile('output'));
    for (const st of steps) {
      assert.match(st.media.image ?? '', /^media\/walkthrough\/[a-zA-Z]+\.png$/);
      assert.ok(st.media.altText && st.media.altText.length > 10, `${st.id} alt text`);
      const file = join(repo, st.media.image!);
      assert.ok(existsSync(file), `${file} exists (written by the e2e run)`);
      // A PNG, not a placeholder.
      assert.equal(readFileSync(file).subarray(1, 4).toString('latin1'), 'PNG');
    }
  });
});
