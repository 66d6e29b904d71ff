// Training commands: Train Model on Active File… (preset → Custom questions → name), Continue
// Training, Stop / Pause / Resume, Save Checkpoint Now and Sample Now.

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CellType, TokenMode } from '../engine/config.js';
import { resolveNetworkConfig } from '../engine/config.js';
import { resolveTrainConfig } from '../training/config.js';
import type { TrainOptions } from '../training/config.js';
import { errorText, nodeArg, pickModel, reportError, settingsReader } from './lab.js';
import type { Lab } from './lab.js';
import { ensureModelsFolder } from './modelStore.js';
import { PRESETS, defaultStopAfter, parseIntInRange, parseStopAfter, readPanelSettings, readTrainingSettings, trainOptionsFor, trainingWorkers } from './settings.js';
import type { CustomAnswers, PresetId, StopAfter, TrainingSettings } from './settings.js';
import { AlreadyTrainingError } from './trainerClient.js';
import type { TrainingRun } from './trainerClient.js';
import { continuationChoices, defaultModelName, modelNameProblem, textSize, trainingTextProblem } from './trainingInput.js';
import type { TextCandidate } from './trainingInput.js';
import type { TrainingUi } from './trainingUi.js';
import type { ModelTask } from '../model/index.js';
import { taskTrainOptions } from './taskChoices.js';
import { askTask } from './taskStep.js';
import { appliesTo } from './modelUses.js';

const TITLE = 'RNN Lab: Train Model';
const SOURCE_KEY = (modelDir: string) => `rnnLab.trainingSource:${modelDir}`;

/** The file `modelDir` last finished a run on in this workspace (a URI string), if any. */
export function rememberedTrainingSource(lab: Lab, modelDir: string): string | undefined {
  return lab.context.workspaceState.get<string>(SOURCE_KEY(modelDir));
}

function documentName(doc: vscode.TextDocument): string {
  return doc.isUntitled ? doc.uri.path : path.basename(doc.fileName);
}

function readSettings(lab: Lab, scope?: vscode.Uri): TrainingSettings {
  const { value, warnings } = readTrainingSettings(settingsReader(scope));
  for (const w of warnings) lab.log.warn(w);
  if (warnings.length) void vscode.window.showWarningMessage(warnings[0]!);
  return value;
}

async function askInt(prompt: string, name: string, value: number, min: number, max: number): Promise<number | undefined> {
  const answer = await vscode.window.showInputBox({
    title: TITLE, prompt, value: String(value), ignoreFocusOut: true,
    validateInput: (v) => {
      const r = parseIntInRange(v, name, min, max);
      return typeof r === 'string' ? r : null;
    },
  });
  if (answer === undefined) return undefined;
  const r = parseIntInRange(answer, name, min, max);
  return typeof r === 'number' ? r : undefined;
}

async function askStopAfter(defaultValue: string, title = TITLE): Promise<StopAfter | undefined> {
  const answer = await vscode.window.showInputBox({
    title, prompt: 'Stop after (for example 40 seconds, 2 minutes, 3 epochs or 500 steps)', value: defaultValue, ignoreFocusOut: true,
    validateInput: (v) => {
      const r = parseStopAfter(v);
      return typeof r === 'string' ? r : null;
    },
  });
  if (answer === undefined) return undefined;
  const r = parseStopAfter(answer);
  return typeof r === 'string' ? undefined : r;
}

/** Custom flow: cell, layers, units, tokens, sequence length, stop after. */
async function askCustom(s: TrainingSettings): Promise<CustomAnswers | undefined> {
  const cells: { label: string; cell: CellType; detail: string }[] = [
    { label: 'LSTM', cell: 'lstm', detail: 'Long short-term memory: update, forget and output gates' },
    { label: 'GRU', cell: 'gru', detail: 'Gated recurrent unit: update and relevance gates' },
    { label: 'RNN', cell: 'rnn', detail: 'Vanilla tanh RNN: watch its gradient vanish' },
  ];
  cells.sort((a, b) => Number(b.cell === s.cell) - Number(a.cell === s.cell));
  const cell = await vscode.window.showQuickPick(cells, { title: TITLE, placeHolder: 'Recurrent cell', ignoreFocusOut: true });
  if (!cell) return undefined;
  const layers = await askInt('Number of layers (1–16)', 'Layers', s.layers, 1, 16);
  if (layers === undefined) return undefined;
  const units = await askInt('Hidden units per layer (1–4096)', 'Units', s.units, 1, 4096);
  if (units === undefined) return undefined;
  const tokenItems: { label: string; tokens: TokenMode; detail: string }[] = [
    { label: 'Characters', tokens: 'char', detail: 'One token per character (char-rnn)' },
    { label: 'Words', tokens: 'word', detail: 'One token per word or punctuation mark, rare words become <UNK>' },
  ];
  tokenItems.sort((a, b) => Number(b.tokens === s.tokens) - Number(a.tokens === s.tokens));
  const tokens = await vscode.window.showQuickPick(tokenItems, { title: TITLE, placeHolder: 'Tokens: characters or words', ignoreFocusOut: true });
  if (!tokens) return undefined;
  const seqLen = await askInt('Sequence length (truncated BPTT window, 1–4096)', 'Sequence length', s.seqLen, 1, 4096);
  if (seqLen === undefined) return undefined;
  const stopAfter = await askStopAfter(defaultStopAfter(s));
  if (!stopAfter) return undefined;
  return { cell: cell.cell, layers, units, tokens: tokens.tokens, seqLen, stopAfter };
}

function existingNames(lab: Lab): string[] {
  return lab.listModels().map((e) => (e.kind === 'ok' ? path.basename(e.summary.dir) : e.name));
}

/** Checks options with the real resolvers before a worker starts; a sentence on failure. */
function optionsProblem(options: TrainOptions): string | null {
  try {
    const train = resolveTrainConfig(options);
    resolveNetworkConfig(options, 2, train.tokens);
    return null;
  } catch (err) {
    return errorText(err);
  }
}

/**
 * How long a new run waits for its dashboard to load before it starts anyway. code-server can
 * take seconds to start a webview, and longer while a fast model trains beside it: the panel is
 * loaded first so it shows the run from its first step.
 */
export const DASHBOARD_WAIT_MS = 10_000;

export async function startTraining(
  lab: Lab, ui: TrainingUi,
  run: { text: string; modelDir: string; options: TrainOptions; name: string; resume: boolean; source?: vscode.Uri; task?: ModelTask; workers?: number },
): Promise<TrainingRun | undefined> {
  const existing = lab.trainer.runFor(run.modelDir);
  if (existing) {
    void vscode.window.showWarningMessage(`${existing.name} is already training: stop it first or wait for it to finish.`);
    return undefined;
  }
  if (!run.resume && ensureModelsFolder(path.dirname(run.modelDir))) lab.log.info(`Created ${path.dirname(run.modelDir)} (with a .gitignore: models are build outputs)`);
  // The dashboard opens with every training (unless turned off), and the run starts once it listens.
  if (readPanelSettings(settingsReader()).value.openDashboardOnTraining) {
    const started = Date.now();
    const loaded = await lab.panels.openDashboardLoaded(run.modelDir, DASHBOARD_WAIT_MS);
    lab.log.info(`${run.name}: dashboard ${loaded ? 'loaded' : 'not loaded yet'} after ${Date.now() - started} ms; starting the run`);
  }
  let r: TrainingRun;
  try {
    const file = run.source ? path.basename(run.source.path) : undefined;
    r = lab.trainer.start({ text: run.text, modelDir: run.modelDir, options: run.options, name: run.name, resume: run.resume, task: run.task, file, workers: run.workers }, run.name);
  } catch (err) {
    if (err instanceof AlreadyTrainingError) {
      void vscode.window.showWarningMessage(err.message);
      return undefined;
    }
    reportError(lab, `Cannot start training ${run.name}: ${errorText(err)}`);
    return undefined;
  }
  const source = run.source;
  lab.log.info(`${run.name}: ${run.resume ? 'continuing' : 'training'} on ${source ? path.basename(source.path) : 'the given text'} (${textSize(run.text.length)})`);
  if (source && !source.scheme.startsWith('untitled')) {
    // Remembered only once a run on it finished: a text that failed (another vocabulary) is not offered again.
    void r.outcome.then((o) => {
      if (o.kind === 'done' && o.done.reason !== 'nan') void lab.context.workspaceState.update(SOURCE_KEY(r.modelDir), source.toString());
    });
  }
  ui.attach(r);
  return r;
}

/** The active editor's document; with none, the file the user opens from the message's button. */
async function documentToTrainOn(lab: Lab): Promise<vscode.TextDocument | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (editor) return editor.document;
  const open = 'Open File…';
  const choice = await vscode.window.showInformationMessage('Open a text file first: RNN Lab trains on the text of the active editor.', open);
  if (choice !== open) return undefined;
  const files = await vscode.window.showOpenDialog({ title: 'Text file to train a model on', canSelectMany: false, openLabel: 'Train on It' });
  if (!files?.[0]) return undefined;
  const found = await candidate(files[0]);
  if (!found) {
    reportError(lab, `Cannot open ${path.basename(files[0].fsPath)} as text.`);
    return undefined;
  }
  await vscode.window.showTextDocument(found.doc, { preview: false });
  return found.doc;
}

async function trainOnActiveFile(lab: Lab, ui: TrainingUi): Promise<void> {
  const doc = await documentToTrainOn(lab);
  if (!doc) return;
  const text = doc.getText();
  const problem = trainingTextProblem(text, documentName(doc));
  if (problem) {
    reportError(lab, problem);
    return;
  }
  const task = await askTask(`${TITLE} on ${documentName(doc)} (${textSize(text.length)})`, text, documentName(doc));
  if (!task) return;
  const s = readSettings(lab, doc.uri);
  const presets = [...PRESETS].sort((a, b) => Number(b.id === s.preset) - Number(a.id === s.preset));
  const preset = await vscode.window.showQuickPick(
    presets.map((p) => ({ label: p.label, detail: p.detail, id: p.id as PresetId })),
    { title: `${TITLE} on ${documentName(doc)} (${textSize(text.length)})`, placeHolder: 'Choose a preset', ignoreFocusOut: true },
  );
  if (!preset) return;
  let custom: CustomAnswers | undefined;
  if (preset.id === 'custom') {
    custom = await askCustom(s);
    if (!custom) return;
  }
  const options = taskTrainOptions(task, trainOptionsFor(preset.id, s, custom), preset.id === 'custom');
  const bad = optionsProblem(options);
  if (bad) {
    reportError(lab, `Cannot train with these settings: ${bad}`);
    return;
  }
  const existing = existingNames(lab);
  const name = await vscode.window.showInputBox({
    title: TITLE, prompt: 'Model name', ignoreFocusOut: true,
    value: defaultModelName(documentName(doc), { cell: options.cell ?? 'lstm', layers: options.layers ?? 1, units: options.units ?? 128 }, existing),
    validateInput: (v) => modelNameProblem(v, existingNames(lab)),
  });
  if (name === undefined || modelNameProblem(name, existingNames(lab))) return;
  // Re-read the buffer: the user may have typed while answering the questions.
  await startTraining(lab, ui, {
    text: doc.isClosed ? text : doc.getText(), modelDir: path.join(lab.modelsDir(), name), options, name, resume: false, source: doc.uri, task, workers: trainingWorkers(s),
  });
}

/** A document as a candidate text, or null when it cannot be opened. */
async function candidate(uri: vscode.Uri): Promise<{ doc: vscode.TextDocument; c: TextCandidate } | null> {
  try {
    const doc = await vscode.workspace.openTextDocument(uri);
    return { doc, c: { uri: doc.uri.toString(), name: documentName(doc), chars: doc.getText().length } };
  } catch {
    return null;
  }
}

/** The text to continue on, chosen in a pick: the active editor's by default, the remembered file by name. */
async function continuationText(lab: Lab, modelDir: string, name: string): Promise<{ text: string; uri: vscode.Uri; label: string } | undefined> {
  const docs = new Map<string, vscode.TextDocument>();
  const editor = vscode.window.activeTextEditor;
  let active: TextCandidate | null = null;
  if (editor) {
    const doc = editor.document;
    active = { uri: doc.uri.toString(), name: documentName(doc), chars: doc.getText().length };
    docs.set(active.uri, doc);
  }
  let remembered: TextCandidate | null = null;
  const saved = rememberedTrainingSource(lab, modelDir);
  if (saved && saved !== active?.uri) {
    const found = await candidate(vscode.Uri.parse(saved));
    if (found) {
      remembered = found.c;
      docs.set(found.c.uri, found.doc);
    } else {
      lab.log.warn(`The text ${saved} that ${name} last trained on is gone; it is not offered.`);
    }
  } else if (saved && active) {
    remembered = active;
  }
  const choices = continuationChoices(active, remembered);
  const picked = await vscode.window.showQuickPick(choices, { title: `RNN Lab: Continue Training ${name}`, placeHolder: `Text to continue training ${name} on`, ignoreFocusOut: true });
  if (!picked) return undefined;
  let doc = picked.uri === null ? undefined : docs.get(picked.uri);
  if (picked.uri === null) {
    const files = await vscode.window.showOpenDialog({ title: `Text to continue training ${name} on`, canSelectMany: false, openLabel: 'Continue Training' });
    if (!files?.[0]) return undefined;
    const found = await candidate(files[0]);
    if (!found) {
      reportError(lab, `Cannot open ${path.basename(files[0].fsPath)} as text.`);
      return undefined;
    }
    doc = found.doc;
  }
  if (!doc) return undefined;
  const text = doc.getText();
  return { text, uri: doc.uri, label: `${documentName(doc)} (${textSize(text.length)})` };
}

async function continueTraining(lab: Lab, ui: TrainingUi, arg: unknown): Promise<void> {
  const ref = await pickModel(lab, arg, 'Model to continue training', (e) => e.kind === 'ok' && !lab.trainer.runFor(e.summary.dir));
  if (!ref) return;
  if (lab.trainer.runFor(ref.dir)) {
    void vscode.window.showWarningMessage(`${ref.name} is already training: stop it first or wait for it to finish.`);
    return;
  }
  const source = await continuationText(lab, ref.dir, ref.name);
  if (!source) return;
  const problem = trainingTextProblem(source.text, path.basename(source.uri.path));
  if (problem) {
    reportError(lab, problem);
    return;
  }
  const s = readSettings(lab, source.uri);
  const stopAfter = await askStopAfter(defaultStopAfter(s), `RNN Lab: Continue Training ${ref.name} on ${source.label}`);
  if (!stopAfter) return;
  const entry = lab.listModels().find((e) => e.kind === 'ok' && e.summary.dir === ref.dir);
  const task = entry?.kind === 'ok' ? entry.summary.task : 'lm';
  await startTraining(lab, ui, { text: source.text, modelDir: ref.dir, options: { ...stopAfter }, name: ref.name, resume: true, source: source.uri, task, workers: trainingWorkers(s) });
}

/** The run a Stop/Pause/… command targets: the tree item's, the only one, or a pick. */
async function pickRun(lab: Lab, arg: unknown, verb: string, filter: (r: TrainingRun) => boolean = () => true): Promise<TrainingRun | undefined> {
  const node = nodeArg(arg);
  if (node) {
    const r = lab.trainer.runFor(node.modelDir);
    if (!r) void vscode.window.showInformationMessage(`${path.basename(node.modelDir)} is not training.`);
    return r;
  }
  const runs = lab.trainer.runs().filter(filter);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(`No training to ${verb}.`);
    return undefined;
  }
  if (runs.length === 1) return runs[0];
  const picked = await vscode.window.showQuickPick(runs.map((r) => ({ label: r.name, description: r.lastStep ? `step ${r.lastStep.step}` : 'starting', run: r })), {
    title: 'RNN Lab', placeHolder: `Training to ${verb}`,
  });
  return picked?.run;
}

export function registerTrainCommands(lab: Lab, ui: TrainingUi): vscode.Disposable[] {
  const reg = vscode.commands.registerCommand;
  return [
    reg('rnnLab.train', () => trainOnActiveFile(lab, ui)),
    reg('rnnLab.continueTraining', (arg?: unknown) => continueTraining(lab, ui, arg)),
    reg('rnnLab.stopTraining', async (arg?: unknown) => {
      const r = await pickRun(lab, arg, 'stop');
      if (!r) return;
      lab.log.info(`${r.name}: stop requested; saving checkpoints/latest`);
      await r.stop();
    }),
    reg('rnnLab.pauseTraining', async (arg?: unknown) => (await pickRun(lab, arg, 'pause', (r) => !r.paused))?.pause()),
    reg('rnnLab.resumeTraining', async (arg?: unknown) => (await pickRun(lab, arg, 'resume', (r) => r.paused))?.resumeTraining()),
    reg('rnnLab.checkpointNow', async (arg?: unknown) => (await pickRun(lab, arg, 'save'))?.checkpointNow()),
    reg('rnnLab.sampleNow', async (arg?: unknown, temperature?: unknown) => {
      // Only runs that write text sample; a classifier, tagger or seq2seq run from the tree says why not.
      const r = await pickRun(lab, arg, 'sample from', (run) => appliesTo('sample', run.task));
      if (r && !appliesTo('sample', r.task)) {
        void vscode.window.showInformationMessage(`${r.name} is a ${r.task} run: it writes no text samples.`);
        return;
      }
      r?.sampleNow(typeof temperature === 'number' ? temperature : undefined);
    }),
  ];
}
