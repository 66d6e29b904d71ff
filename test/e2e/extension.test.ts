// The RNN Lab extension in a real VS Code (code-server): train from the palette, watch the
// Models view, the dashboard and the status bar, stay responsive, complete with ghost text,
// sample, inspect gates. Steps run in order on one session; each saves a screenshot.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VsCodeSession, repoRoot, waitFor } from './harness';

import { markerLines } from '../unit/classifyData.js';

const MODEL = 'e2e-lstm';
const CLASSIFIER = 'e2e-classifier';
const IMPORTED = 'e2e-imported';
const TRAIN_SECONDS = 45;

/** A few tens of kB of regular English-like prose from a seeded generator (not the shared corpus). */
function generatedText(bytes: number, seed = 7): string {
  let state = seed;
  const next = (n: number): number => {
    // LCG (Numerical Recipes constants): the same text on every run.
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
  const pick = <T>(items: readonly T[]): T => items[next(items.length)]!;
  const subjects = ['the cat', 'the dog', 'a small bird', 'the old man', 'my sister', 'the teacher', 'a red fox'];
  const verbs = ['sat on', 'looked at', 'walked past', 'ran to', 'jumped over', 'slept near', 'sang about'];
  const objects = ['the mat', 'the garden', 'the river', 'the house', 'a tall tree', 'the quiet road', 'the window'];
  const tails = ['in the morning', 'after dinner', 'every day', 'for a while', 'with great care', 'once again'];
  const paragraphs: string[] = [];
  let size = 0;
  while (size < bytes) {
    const sentences: string[] = [];
    for (let i = 0; i < 8; i++) {
      const sentence = `${pick(subjects)} ${pick(verbs)} ${pick(objects)} ${pick(tails)}.`;
      sentences.push(sentence[0]!.toUpperCase() + sentence.slice(1));
    }
    const paragraph = sentences.join(' ');
    paragraphs.push(paragraph);
    size += paragraph.length + 2;
  }
  return `${paragraphs.join('\n\n')}\n`;
}

/**
 * Types `count` letters one by one at the end of the focused editor, which already ends with
 * `tail`; returns the milliseconds until each letter shows.
 */
async function keystrokeLatencies(session: VsCodeSession, tail: string, count: number): Promise<number[]> {
  const latencies: number[] = [];
  // Earlier keys may still be on their way to the screen; start from a settled text.
  let typed = await waitFor(async () => {
    const text = await session.activeEditorText();
    return text.endsWith(tail) ? text : null;
  }, { timeout: 10_000, what: `the editor to end with "${tail}"` });
  for (let i = 0; i < count; i++) {
    const key = String.fromCharCode(97 + (i % 26));
    typed += key;
    const started = performance.now();
    await session.page.keyboard.press(key);
    const expected = typed;
    await waitFor(async () => (await session.activeEditorText()).endsWith(expected.slice(-12)), { timeout: 10_000, interval: 5, what: `key "${key}" on screen` });
    latencies.push(performance.now() - started);
  }
  return latencies;
}

/** CPU-bound child processes (a plain busy loop each), as a busy machine has beside VS Code. */
function startBusyProcesses(count: number): ChildProcess[] {
  return Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

/** When the dashboard first showed the model's heading and its first loss points (Date.now()). */
async function watchDashboard(session: VsCodeSession): Promise<{ headerAt: number; pointsAt: number }> {
  let headerAt = 0;
  const pointsAt = await waitFor(async () => {
    for (const frame of session.page.frames()) {
      if (frame === session.page.mainFrame()) continue;
      const title = await frame.$eval('#title', (el) => el.textContent ?? '').catch(() => '');
      if (!headerAt && title.includes(MODEL)) headerAt = Date.now();
      const points = await frame.$eval('#loss-chart', (el) => Number((el as HTMLElement).dataset.points ?? '0')).catch(() => 0);
      if (points > 0) return Date.now();
    }
    return null;
  }, { timeout: 60_000, interval: 20, what: 'the dashboard with its first loss points' });
  return { headerAt: headerAt || pointsAt, pointsAt };
}

/** Stops them by pid. */
function stopBusyProcesses(processes: ChildProcess[]): void {
  for (const child of processes) if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
};

describe('RNN Lab in a real VS Code', () => {
  let root = '';
  let workspace = '';
  let session: VsCodeSession;
  const suiteStarted = Date.now();
  const timings: Record<string, number> = {};
  let idleKeyP50 = 0;
  let idleCommandMs = 0;
  let trainStarted = 0;
  let nameEnteredAt = 0;
  let firstStepAt = 0;
  let busy: ChildProcess[] = [];
  let dashboard: Promise<{ headerAt: number; pointsAt: number }> = Promise.reject(new Error('step 2 did not start a training'));
  dashboard.catch(() => undefined);

  before(async () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { main?: string };
    const main = join(repoRoot, manifest.main ?? 'dist/extension.js');
    try {
      readFileSync(main);
    } catch {
      throw new Error(`${main} is missing: build the extension with \`node esbuild.mjs\` before the e2e suite.`);
    }
    root = mkdtempSync(join(tmpdir(), 'rnnlab-e2e-ws-'));
    workspace = join(root, 'workspace');
    mkdirSync(workspace);
    writeFileSync(join(workspace, 'stories.txt'), generatedText(40_000));
    writeFileSync(join(workspace, 'draft.txt'), 'Notes while the model trains.\n');
    writeFileSync(join(workspace, 'empty.txt'), '');
    writeFileSync(join(workspace, 'reviews.tsv'), `${markerLines(300, 11).join('\n')}\n`);
    writeFileSync(join(workspace, 'probe.txt'), `${markerLines(1, 12)[0]!.split('\t')[1]}\n`);
    writeFileSync(join(workspace, 'inspect.txt'), 'The cat sat on the mat in the morning. A small bird sang about the river after dinner.');
    writeFileSync(join(workspace, 'complete.txt'), 'The cat sat on the mat in the morning. The dog');
    const started = Date.now();
    session = await VsCodeSession.start({
      name: 'extension',
      workspace,
      extensions: [repoRoot],
      settings: {
        // Frequent evaluations and checkpoints so a 30-second run shows a validation loss.
        'rnnLab.training.evalEvery': 10,
        'rnnLab.training.checkpointEvery': 50,
        'rnnLab.training.sampleEvery': 50,
        'editor.inlineSuggest.enabled': true,
        'files.autoSave': 'off',
      },
    });
    timings.startup = Date.now() - started;
  });

  after(async () => {
    stopBusyProcesses(busy);
    await session?.stop();
    rmSync(root, { recursive: true, force: true });
    const total = (Date.now() - suiteStarted) / 1000;
    const parts = Object.entries(timings).map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`).join(', ');
    console.log(`e2e run time ${total.toFixed(1)} s (${parts})`);
  });

  test('1. the built extension is installed and the workspace text file opens', () => session.step('workspace', async () => {
    // Keystroke latency before any training, the baseline for step 4.
    await session.openFile('draft.txt');
    await session.focusEditorEnd();
    await session.page.keyboard.type(' idle ');
    const idle = await keystrokeLatencies(session, ' idle ', 15);
    idleKeyP50 = percentile(idle, 0.5);
    console.log(`keystroke to screen, idle: p50 ${idleKeyP50.toFixed(0)} ms, max ${Math.max(...idle).toFixed(0)} ms`);
    // Opening the view activates the extension; then the same extension-host round trip as in
    // step 4, before any training.
    await session.openView('Models');
    const enteredAt = await session.runCommand('RNN Lab: Show Log');
    await waitFor(async () => (await session.panelText()).includes('RNN Lab activated'), { timeout: 30_000, what: 'the RNN Lab log in the panel' });
    idleCommandMs = Date.now() - enteredAt;
    console.log(`command round trip, idle: ${idleCommandMs} ms`);
    // Known problem (reported): with the Output panel showing the RNN Lab log when a training
    // starts, code-server does not load the dashboard webview until the training ends. The
    // panel is put away here so step 3 tests the dashboard itself.
    await session.runCommand('View: Hide Panel');
    await session.openFile('stories.txt');
    await session.publishScreenshot('workspace', ['media/walkthrough/openFile.png']);
  }));

  test('2. Train Model on Active File… (Custom) starts training, with two busy processes beside VS Code', () => session.step('train', async () => {
    trainStarted = Date.now();
    await session.openFile('stories.txt');
    await session.runCommand('RNN Lab: Train Model on Active File…', { timeout: 60_000 });
    await session.pickQuickItem(/this looks like plain text.*train a language model\?/, 'Train a language model');
    await session.pickQuickItem(/Choose a preset/, 'Custom…');
    await session.pickQuickItem(/Recurrent cell/, 'LSTM');
    await session.typeQuickInput(/Number of layers/, '1');
    await session.typeQuickInput(/Hidden units per layer/, '48');
    await session.pickQuickItem(/Tokens: characters or words/, 'Characters');
    await session.typeQuickInput(/Sequence length/, '32');
    await session.typeQuickInput(/Stop after/, `${TRAIN_SECONDS / 60} minutes`);
    // The machine is made busy before the run starts: step 3 times the dashboard under load.
    busy = startBusyProcesses(2);
    await session.typeQuickInput(/Model name/, MODEL);
    nameEnteredAt = Date.now();
    // Watched from now on, beside the rest of the suite, so the times are what a user sees.
    dashboard = watchDashboard(session);
    const training = await waitFor(async () => (await session.statusBarItems()).find((item) => item.includes(MODEL) && /step \d+/.test(item)), {
      timeout: 60_000,
      interval: 20,
      what: `the status bar to show ${MODEL} training`,
    });
    firstStepAt = Date.now();
    assert.match(training, /loss \d/);
    await session.screenshot('training-status-bar');
  }));

  test('2b. activation took at most 500 ms and did not load the engine (from the extension log)', () => session.step('activation', async () => {
    const logs = join(session.userDataDir, 'logs');
    const line = await waitFor(() => {
      for (const file of readdirSync(logs, { recursive: true }) as string[]) {
        if (!file.endsWith(join('rnnlab.rnn-lab', 'RNN Lab.log'))) continue;
        const found = readFileSync(join(logs, file), 'utf8').split('\n').find((l) => l.includes('RNN Lab activated in'));
        if (found) return found;
      }
      return undefined;
    }, { timeout: 10_000, what: 'the "RNN Lab activated in" line in the extension log' });
    const match = /activated in ([\d.]+) ms .*engine loaded: (yes|no)/.exec(line);
    assert.ok(match, line);
    console.log(`extension activation: ${match[1]} ms, engine loaded at activation: ${match[2]}`);
    assert.equal(match[2], 'no', 'activation must not load tfjs');
    // A user notices half a second; the tight figure (tens of ms) is printed above and in the README.
    assert.ok(Number(match[1]) <= 500, `activation took ${match[1]} ms`);
  }));

  test('3. the dashboard shows its header at once and its first points within 5 s of the first step, with two busy processes beside VS Code', () => session.step('dashboard', async () => {
    try {
      // It opened by itself when the training was asked for.
      const { headerAt, pointsAt } = await dashboard;
      console.log(`dashboard with 2 busy processes: header ${headerAt - nameEnteredAt} ms after the name was entered, first step ${firstStepAt - nameEnteredAt} ms, first points ${pointsAt - firstStepAt} ms after the first step`);
      assert.ok(headerAt <= pointsAt, 'the header shows before the points');
      assert.ok(pointsAt - firstStepAt <= 5_000, `the dashboard's first points came ${pointsAt - firstStepAt} ms after the first step`);
    } finally {
      stopBusyProcesses(busy);
      busy = [];
    }
    await session.runCommand('RNN Lab: Open Training Dashboard');
    const frame = await session.webviewFrame('#loss-chart');
    const pointsNow = async (): Promise<number> => Number(await frame.$eval('#loss-chart', (el) => (el as HTMLElement).dataset.points ?? '0'));
    const first = await pointsNow();
    const later = await waitFor(async () => {
      const points = await pointsNow();
      return points > first ? points : null;
    }, { timeout: 20_000, what: `the loss chart to grow past ${first} points` });
    assert.ok(later > first);
    await session.publishScreenshot('dashboard', ['docs/images/vscode-training-dashboard.png', 'media/walkthrough/train.png']);
  }));

  test('3b. the model shows in the Models view with a validation loss', () => session.step('models-view', async () => {
    const row = await waitFor(async () => (await session.treeRows('Models')).find((r) => r.label === MODEL && /val \d/.test(r.description)), {
      timeout: 90_000,
      what: `${MODEL} with a validation loss in the Models view`,
    }).catch(async (error: Error) => {
      throw new Error(`${error.message}; the view shows ${JSON.stringify(await session.treeRows('Models'))}`);
    });
    assert.match(row.description, /LSTM 1×48/);
    timings.trainUntilValLoss = Date.now() - trainStarted;
    // The extension made the models folder, with a .gitignore: models are build outputs.
    assert.match(readFileSync(join(workspace, '.rnnlab', 'models', '.gitignore'), 'utf8'), /^\*$/m);
    await session.screenshot('models-view');
  }));

  test('4. the editor stays responsive while the model trains', () => session.step('responsive', async () => {
    const stepOf = async (): Promise<number> => {
      const item = (await session.statusBarItems()).find((text) => text.includes(MODEL));
      const match = item ? /step (\d+)/.exec(item) : null;
      return match ? Number(match[1]) : -1;
    };
    const stepBefore = await stepOf();
    assert.ok(stepBefore >= 0, 'the model is still training');

    // A round trip through the extension host: its command shows its own output channel.
    const started = await session.runCommand('RNN Lab: Show Log');
    await waitFor(async () => new RegExp(`${MODEL}: (step|saved|sample)`).test(await session.panelText()), { timeout: 10_000, what: 'the RNN Lab log in the panel' });
    const commandMs = Date.now() - started;

    // Keys typed in another editor reach the screen about as fast as with no training.
    await session.openFile('draft.txt');
    await session.focusEditorEnd();
    await session.page.keyboard.type(' busy ');
    const busy = await keystrokeLatencies(session, ' busy ', 15);
    const busyP50 = percentile(busy, 0.5);

    // The host kept relaying training steps meanwhile.
    const stepAfter = await waitFor(async () => {
      const step = await stepOf();
      return step > stepBefore ? step : null;
    }, { timeout: 10_000, what: 'the training step to advance' });
    console.log(`responsive during training: command round trip ${commandMs} ms (idle ${idleCommandMs} ms); keystroke to screen p50 ${busyP50.toFixed(0)} ms, max ${Math.max(...busy).toFixed(0)} ms (idle p50 ${idleKeyP50.toFixed(0)} ms); steps ${stepBefore} → ${stepAfter}`);
    assert.ok(commandMs < 10_000, `a command took ${commandMs} ms while training`);
    // A frozen editor shows keys seconds late. The figures are printed above; the bound is where
    // a user notices, so other load on a 2-core machine between step 1 and now does not fail it.
    assert.ok(busyP50 < Math.max(500, 4 * idleKeyP50), `keystrokes took ${busyP50.toFixed(0)} ms (p50) while training, ${idleKeyP50.toFixed(0)} ms idle`);
    await session.screenshot('responsive-while-training');
  }));

  test('5. training finishes with one message and the model stays in the view', () => session.step('training-done', async () => {
    await waitFor(async () => (await session.treeRows('Models')).find((r) => r.label === MODEL && !/training|paused/.test(r.description) && /val \d/.test(r.description)), {
      timeout: (TRAIN_SECONDS + 60) * 1000,
      what: `${MODEL} to finish training`,
    });
    // The toast may have hidden itself already; the notification center keeps it.
    const finished = new RegExp(`${MODEL}: trained at step \\d+, best validation loss [\\d.]+ nats \\([\\d.]+ bits/token\\)`);
    const messages = await waitFor(async () => {
      const all = await session.notificationHistory();
      return all.some((text) => finished.test(text)) ? all : null;
    }, { timeout: 15_000, what: 'the training-finished message' });
    assert.equal(messages.filter((text) => finished.test(text)).length, 1, 'one message says the training finished');
    await session.clearNotifications();
    await session.screenshot('trained');
    // The row's inline actions, and a run's tooltip: local start time, duration, speed, why it stopped.
    await session.clickTreeRow('Models', MODEL);
    await session.clickTreeRow('Models', 'Training history');
    const model = await session.hoverTreeRow('Models', MODEL, /Last run/);
    for (const action of ['Sample Text', 'Inspect Gates on Selection', 'Use Model for Completions']) {
      assert.ok(model.actions.some((a) => a.startsWith(action)), `inline action ${action} on the row: ${JSON.stringify(model.actions)}`);
    }
    const run = await session.hoverTreeRow('Models', 'Run 1', /Run 1\s[\s\S]*tokens\/s/);
    assert.match(run.hover, /Started[\s\S]*\d{1,2}:\d{2}/);
    assert.match(run.hover, /Duration[\s\S]*\d+m \d{2}s|Duration[\s\S]*\d+s/);
    assert.match(run.hover, /time budget reached/);
    await session.publishScreenshot('models-view', ['docs/images/vscode-models-view.png', 'media/walkthrough/explore.png']);
  }));

  test('6. an inline suggestion from the model shows as ghost text and Tab accepts it', () => session.step('completion', async () => {
    const started = Date.now();
    await session.runCommand('RNN Lab: Use Model for Completions');
    await session.pickQuickItem(/Model that completes as you type/, MODEL);
    await session.waitForNotification(new RegExp(`${MODEL} now completes as you type`));
    await session.publishScreenshot('completions-on', ['media/walkthrough/complete.png']);
    await session.clearNotifications();
    // The choice went to the user settings: nothing was written into the workspace unasked.
    assert.ok(!existsSync(join(workspace, '.vscode', 'settings.json')), '.vscode/settings.json was written');
    // One wide editor, so the screenshot shows the ghost text in full (README material).
    await session.runCommand('View: Single Column Editor Layout');
    await session.runCommand('View: Hide Panel');
    await session.openFile('complete.txt');
    await session.focusEditorEnd();
    const before = await session.activeEditorText();
    await session.page.keyboard.type(' ', { delay: 20 });
    const ghost = await waitFor(async () => {
      const text = await session.ghostText();
      return text.trim().length > 0 ? text : null;
    }, { timeout: 20_000, what: 'ghost text from the model' }).catch(async (error: Error) => {
      // The provider may wait for an explicit trigger; ask once, then wait again.
      await session.page.keyboard.press('Alt+Backslash');
      return waitFor(async () => {
        const text = await session.ghostText();
        return text.trim().length > 0 ? text : null;
      }, { timeout: 10_000, what: `ghost text from the model (after an explicit trigger; first wait: ${error.message})` });
    });
    await session.publishScreenshot('ghost-text', ['docs/images/vscode-ghost-text.png', 'media/walkthrough/accept.png']);
    await session.page.keyboard.press('Tab');
    const after = await waitFor(async () => {
      const text = await session.activeEditorText();
      return text.length > before.length + 1 ? text : null;
    }, { timeout: 5_000, what: 'the document to change after Tab' });
    assert.ok(after.startsWith(`${before} `), 'the accepted text follows what was typed');
    assert.ok(after.includes(ghost.trim().slice(0, 5)), `the accepted text holds the ghost text "${ghost}"`);
    timings.completion = Date.now() - started;
    await session.screenshot('completion-accepted');
  }));

  test('7. Sample Text… opens a new document with sampled text', () => session.step('sample', async () => {
    await session.page.keyboard.press('Escape');
    await session.runCommand('RNN Lab: Sample Text…');
    await session.typeQuickInput(/Prime text/, 'The cat');
    await session.typeQuickInput(/Tokens to generate/, '200');
    await session.typeQuickInput(/Temperature/, '0.5');
    await waitFor(async () => /^Untitled-\d+$/.test(await session.activeTabResource()), { timeout: 30_000, what: 'an untitled document with the sample' });
    const sample = await waitFor(async () => {
      const text = await session.activeEditorText();
      return text.length >= 100 ? text : null;
    }, { timeout: 10_000, what: 'the sampled text in the new document' });
    assert.ok(sample.startsWith('The cat'), `the sample continues the prime text: ${sample.slice(0, 40)}`);
    // Beside the one editor of step 6.
    assert.equal(await session.editorGroupCount(), 2, 'the sample opens beside the editor');
    await session.publishScreenshot('sample', ['media/walkthrough/sample.png']);
  }));

  test('7b. Evaluate on Active File reports the loss; Show Surprisal colours the text and Clear Surprisal removes it', () => session.step('surprisal', async () => {
    await session.page.keyboard.press('Escape');
    await session.openFile('stories.txt');
    await session.runCommand('RNN Lab: Evaluate on Active File');
    const evaluated = new RegExp(`${MODEL} on stories\\.txt: loss [\\d.]+ nats/token, [\\d.]+ bits/token, perplexity [\\d.]+`);
    const report = await session.waitForNotification(evaluated, 60_000);
    console.log(`evaluate: ${report}`);
    // The toast fades; Show brings the figures back from the log.
    await session.clickNotificationButton(evaluated, 'Show');
    await waitFor(async () => /Evaluation of e2e-lstm on stories\.txt:[\s\S]*perplexity +[\d.]+/.test(await session.panelText()), { timeout: 15_000, what: 'the evaluation in the RNN Lab log' });
    await session.runCommand('View: Hide Panel');
    // Background decorations render in the overlay layer, others inline: count both.
    const coloured = () => session.page.$$eval('.view-overlays [class*="ced-"], .view-line [class*="ced-"]', (els) => els.length);
    await session.runCommand('RNN Lab: Show Surprisal');
    const spans = await waitFor(async () => ((await coloured()) > 20 ? coloured() : null), { timeout: 60_000, what: 'surprisal colours on the visible text' });
    console.log(`surprisal: ${spans} coloured spans on screen`);
    await session.screenshot('surprisal');
    await session.runCommand('RNN Lab: Clear Surprisal');
    await waitFor(async () => ((await coloured()) === 0 ? true : null), { timeout: 15_000, what: 'the surprisal colours to be cleared' });
  }));

  test('8. the gate inspector draws a heatmap for a selection', () => session.step('inspector', async () => {
    await session.openFile('inspect.txt');
    await session.focusEditorEnd();
    await session.page.keyboard.press('Shift+Home');
    // The status bar says "(N selected)" once the editor holds the selection.
    await waitFor(async () => (await session.statusBarItems()).some((item) => /\(\d+ selected\)/.test(item)), {
      timeout: 15_000,
      what: 'the line of inspect.txt to be selected',
    });
    await session.runCommand('RNN Lab: Inspect Gates on Selection');
    const frame = await session.webviewFrame('#gates canvas', 30_000);
    const inked = await waitFor(async () => frame.$$eval('#gates canvas', (canvases) => {
      // Count canvases whose pixels hold more than one colour (something drew on them).
      let drawn = 0;
      for (const canvas of canvases as HTMLCanvasElement[]) {
        if (canvas.width === 0 || canvas.height === 0) continue;
        const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
        if (!data) continue;
        const colours = new Set<number>();
        for (let i = 0; i < data.length && colours.size < 3; i += 4) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
        if (colours.size >= 3) drawn++;
      }
      return drawn;
    }), { timeout: 30_000, what: 'a heatmap with drawn pixels in the gate inspector' });
    assert.ok(inked >= 1);
    await session.publishScreenshot('gate-inspector', ['docs/images/vscode-gate-inspector.png']);
    // The selection is still there: the gradient flow over it.
    await session.runCommand('RNN Lab: Show Gradient Flow');
    const flow = await session.webviewFrame('#gradient-chart canvas', 30_000);
    await waitFor(async () => (await flow.$eval('#gradient-chart .u-legend', (el) => el.textContent ?? '').catch(() => '')).includes(MODEL), {
      timeout: 30_000, what: `the gradient flow of ${MODEL}`,
    });
    await session.publishScreenshot('gradient-flow', ['docs/images/vscode-gradient-flow.png']);
  }));

  test('8b. Export Model… writes TF.js Layers, Import Model… brings it back: it shows in the Models view and samples', () => session.step('export-import', async () => {
    const exports = join(root, 'exports');
    mkdirSync(exports, { recursive: true });
    await session.clearNotifications();
    await session.runCommand('RNN Lab: Export Model…');
    await session.pickQuickItem(new RegExp(`Export ${MODEL} as`), 'TF.js Layers');
    await session.answerFileDialog(/Folder to write the TF\.js Layers export/, `${exports}/`);
    await session.waitForNotification(new RegExp(`Exported ${MODEL} as TF\\.js Layers to`), 60_000);
    const exported = join(exports, `${MODEL}-tfjs-layers`);
    const layers = JSON.parse(readFileSync(join(exported, 'model.json'), 'utf8')) as { format?: string };
    assert.equal(layers.format, 'layers-model');
    await session.clearNotifications();

    await session.runCommand('RNN Lab: Import Model…');
    await session.answerFileDialog(/TF\.js Layers or PyTorch export to import/, `${exported}/`);
    await session.typeQuickInput(/Name of the new model/, IMPORTED);
    await session.waitForNotification(new RegExp(`Imported ${IMPORTED} \\(LSTM 1×48\\) from TF\\.js Layers`), 60_000);
    const row = await waitFor(async () => (await session.treeRows('Models')).find((r) => r.label === IMPORTED), { timeout: 15_000, what: `${IMPORTED} in the Models view` });
    assert.match(row.description, /LSTM 1×48/);
    await session.clearNotifications();

    const groupsBefore = await session.editorGroupCount();
    await session.runCommand('RNN Lab: Sample Text…');
    await session.pickQuickItem(/Model to sample from/, IMPORTED);
    await session.typeQuickInput(/Prime text/, 'The dog');
    await session.typeQuickInput(/Tokens to generate/, '120');
    await session.typeQuickInput(/Temperature/, '0.5');
    const sample = await waitFor(async () => {
      const text = await session.activeEditorText();
      return /^Untitled-\d+$/.test(await session.activeTabResource()) && text.startsWith('The dog') && text.length >= 60 ? text : null;
    }, { timeout: 30_000, what: `a sample from ${IMPORTED}` });
    console.log(`sample from the imported model: ${JSON.stringify(sample.slice(0, 60))}`);
    // Groups already on screen (editors, the panels beside them): the sample goes into one of them.
    assert.equal(await session.editorGroupCount(), groupsBefore, `the sample opened a new editor group beside ${groupsBefore}`);
    await session.screenshot('imported-sample');
    // Step 10 acts on the one trained model: the imported one goes again.
    rmSync(join(workspace, '.rnnlab', 'models', IMPORTED), { recursive: true, force: true });
    await session.runCommand('RNN Lab: Refresh Models');
    await waitFor(async () => !(await session.treeRows('Models')).some((r) => r.label === IMPORTED), { timeout: 15_000, what: `${IMPORTED} to leave the Models view` });
  }));

  test('9. training on an empty document gives one clear message', () => session.step('empty-document', async () => {
    await session.clearNotifications();
    await session.openFile('empty.txt');
    await session.runCommand('RNN Lab: Train Model on Active File…');
    const message = await session.waitForNotification(/empty\.txt is empty/);
    assert.match(message, /open or type some text to train on/);
    // No quick pick follows the refusal (the palette itself may still be closing).
    await waitFor(async () => !(await session.quickInput()).visible, { timeout: 5_000, what: 'no quick pick after the refusal' });
    await session.screenshot('empty-document');
    await session.clearNotifications();
  }));

  test('9b. Train Model on Active File… with no editor open offers Open File…, and goes on with the chosen file', () => session.step('open-file', async () => {
    await session.closeAllEditors();
    await session.runCommand('RNN Lab: Train Model on Active File…');
    await session.clickNotificationButton(/Open a text file first/, 'Open File…');
    await session.answerFileDialog(/Text file to train a model on/, join(workspace, 'stories.txt'));
    await session.pickQuickItem(/train a language model\?/, 'Train a language model');
    const pick = await session.waitForQuickInput(/Choose a preset/);
    assert.match(pick.title, /on stories\.txt \(40,\d{3} characters\)/);
    assert.equal(await session.activeTabResource(), 'stories.txt');
    await session.closeQuickInput();
  }));

  test('10. a model folder deleted while shown gives one clear message and leaves the view', () => session.step('deleted-model', async () => {
    assert.ok((await session.treeRows('Models')).some((r) => r.label === MODEL), 'the model is shown before it is deleted');
    rmSync(join(workspace, '.rnnlab', 'models', MODEL), { recursive: true, force: true });
    await session.clearNotifications();
    // Whether or not the view has noticed yet, acting on the model says what happened.
    await session.runCommand('RNN Lab: Sample Text…');
    const message = await session.waitForNotification(new RegExp(`${MODEL} no longer exists|There is no trained model in .* yet`));
    assert.ok(message.length > 0);
    await waitFor(async () => !(await session.treeRows('Models')).some((r) => r.label === MODEL), {
      timeout: 15_000,
      what: `${MODEL} to leave the Models view`,
    });
    // Still alive: the palette runs the extension's commands.
    await session.closeQuickInput();
    await session.runCommand('RNN Lab: Refresh Models');
    await session.screenshot('deleted-model');
  }));

  test('11. Train Model proposes a classifier for a label<TAB>text file and trains it; the Models view shows its accuracy', () => session.step('train-classifier', async () => {
    await session.clearNotifications();
    await session.openFile('reviews.tsv');
    await session.runCommand('RNN Lab: Train Model on Active File…', { timeout: 60_000 });
    await session.pickQuickItem(/this looks like label<TAB>text, 300 lines, 2 labels.* — train a classifier\?/, 'Train a classifier');
    await session.pickQuickItem(/Choose a preset/, 'Custom…');
    await session.pickQuickItem(/Recurrent cell/, 'GRU');
    await session.typeQuickInput(/Number of layers/, '1');
    await session.typeQuickInput(/Hidden units per layer/, '16');
    await session.pickQuickItem(/Tokens: characters or words/, 'Words');
    await session.typeQuickInput(/Sequence length/, '32');
    await session.typeQuickInput(/Stop after/, '150 steps');
    await session.typeQuickInput(/Model name/, CLASSIFIER);
    const row = await waitFor(async () => (await session.treeRows('Models')).find((r) => r.label === CLASSIFIER && !/training|paused/.test(r.description) && /^classify · accuracy \d/.test(r.description)), {
      timeout: 180_000,
      what: `${CLASSIFIER} in the Models view with its accuracy`,
    });
    const accuracy = Number(/accuracy (\d\.\d+)/.exec(row.description)![1]);
    console.log(`classifier from the editor: ${row.description}`);
    assert.ok(accuracy >= 0.9, `validation accuracy ${accuracy} after 150 steps`);
    await session.screenshot('classifier-trained');
  }));

  test('12. Classify Selection shows the label and probabilities of the line', () => session.step('classify-selection', async () => {
    await session.clearNotifications();
    await session.openFile('probe.txt');
    await session.runCommand('RNN Lab: Classify Selection');
    const message = await session.waitForNotification(new RegExp(`${CLASSIFIER}: (pos|neg) \\(`), 60_000);
    console.log(`Classify Selection: ${message}`);
    assert.match(message, new RegExp(`${CLASSIFIER}: pos \\(pos [01]\\.\\d\\d · neg [01]\\.\\d\\d\\)`), 'the marker word of the probe line says pos');
    await session.screenshot('classify-selection');
  }));

  test('13. Inspect Gates on Selection with the classifier shows its answer and saliency, in the panel and in the editor', () => session.step('classify-inspector', async () => {
    await session.clearNotifications();
    await session.openFile('probe.txt');
    const index = await session.page.evaluate(() => Array.from(document.querySelectorAll('.editor-group-container')).findIndex((g) => g.classList.contains('active')));
    await session.page.locator('.editor-group-container').nth(Math.max(0, index)).locator('.monaco-editor .view-lines').first().click();
    // Selected from its end back to its start, so the editor shows the line from its first character.
    await session.page.keyboard.press('Control+Home');
    await session.page.keyboard.press('End');
    await session.page.keyboard.press('Shift+Home');
    await waitFor(async () => (await session.statusBarItems()).some((item) => /\(\d+ selected\)/.test(item)), { timeout: 15_000, what: 'the line of probe.txt to be selected' });
    // The classifier is the one model left (step 10 deleted the language model's folder): no quick pick.
    assert.deepEqual((await session.treeRows('Models')).map((r) => r.label), [CLASSIFIER]);
    await session.runCommand('RNN Lab: Inspect Gates on Selection');
    const frame = await session.webviewFrame('#predicted-label', 60_000);
    assert.equal(await frame.$eval('#title', (el) => el.textContent), `Gate inspector — ${CLASSIFIER}`);
    const label = await frame.$eval('#predicted-label', (el) => el.textContent);
    console.log(`classify inspector: ${await frame.$eval('#task-answer', (el) => el.textContent)}`);
    assert.equal(label, 'pos', 'the probe line\'s marker word says pos, as Classify Selection said');
    const tokens = await frame.$$eval('#saliency-text span.tok', (spans) => spans.map((s) => (s as HTMLElement).style.backgroundColor));
    assert.ok(tokens.length > 20, `${tokens.length} tokens in the panel`);
    assert.ok(new Set(tokens).size > 3, `the tokens are coloured by saliency (${new Set(tokens).size} colours)`);
    assert.equal(await frame.$$eval('#step-chart .u-legend .u-series', (rows) => rows.length), 3, 'the step chart: x and one series per label');
    assert.ok(await frame.$('#gates canvas.heatmap'), 'the gate heatmaps are there too');
    // The selection in the editor is coloured token by token (decorations render in the overlay layer or inline).
    const coloured = () => session.page.$$eval('.view-overlays [class*="ced-"], .view-line [class*="ced-"]', (els) => els.length);
    // Monaco renders only the lines in view: the line is brought into view first (a click's
    // scroll-into-view can leave it just above the editor's top).
    const colouredInView = async () => {
      await session.scrollEditorToStart('probe.txt');
      return coloured();
    };
    const spans = await waitFor(async () => ((await colouredInView()) > 10 ? coloured() : null), { timeout: 30_000, what: 'saliency colours on the selected line' })
      .catch(async (error: Error) => {
        // What the screen and the extension host's logs say, for the failure message.
        const groups = await session.editorGroups();
        const editors = await session.page.$$eval('.editor-group-container', (gs) => gs.map((g) => {
          const line = g.querySelector<HTMLElement>('.monaco-editor .view-line');
          const lines = g.querySelector<HTMLElement>('.monaco-editor .view-lines');
          return { lines: g.querySelectorAll('.monaco-editor .view-line').length, width: lines?.getBoundingClientRect().width ?? -1, dirty: !!g.querySelector('.tab.active.dirty'), first: (line?.textContent ?? '').slice(0, 40) };
        }));
        const log = session.extensionHostLogLines(/Gate inspector|error|warn|TextEditor/i);
        throw new Error(`${error.message}; ${await coloured()} coloured spans; editor groups ${JSON.stringify(groups)}; editors ${JSON.stringify(editors)}; extension host log: ${log.join(' | ') || '(nothing)'}`);
      });
    console.log(`classify inspector: ${spans} saliency-coloured spans in the editor`);
    // VS Code gives an editor that shows again no decorations: the colours follow the document back.
    await session.openFile('stories.txt');
    await session.openFile('probe.txt');
    const again = await waitFor(async () => ((await colouredInView()) > 10 ? coloured() : null), { timeout: 15_000, what: 'the saliency colours to come back with probe.txt' });
    assert.equal(again, spans, 'the same tokens are coloured after switching tabs');
    await frame.$eval('#task', (el) => el.scrollIntoView());
    await session.publishScreenshot('classify-inspector', ['docs/images/classify-inspector.png']);
  }));
});
