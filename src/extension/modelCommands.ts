// Commands on a trained model: Sample Text…, Evaluate on Active File, Rename, Delete, Reveal,
// Refresh and Show Log. Models load in the host lazily (engine on first use).

import * as path from 'node:path';
import * as vscode from 'vscode';
import { deleteModelFolder, modelJsonPath, readModelMeta, renameModelFolder } from '../model/index.js';
import type { ModelMeta } from '../model/index.js';
import { ModelLockedError } from '../model/lock.js';
import { forgetModel } from './hostModels.js';
import { CancelledError } from './cancelledError.js';
import { errorText, pickModel, reportError } from './lab.js';
import type { Lab, ModelRef } from './lab.js';
import { modelExists } from './modelStore.js';
import { modelUseProblem, noModelFor, pickableFor } from './modelUses.js';
import type { ModelUse } from './modelUses.js';
import { evaluationReport, languageForFileName, sampleColumn } from './modelResults.js';
import type { LanguageContribution } from './modelResults.js';
import { rememberedTrainingSource } from './trainCommands.js';
import { sampleInWorker, scoreInWorker } from './trainerClient.js';
import { modelNameProblem, trainingTextProblem } from './trainingInput.js';

const SAMPLE_TITLE = 'RNN Lab: Sample Text';
const SHOW = 'Show';

/** Every language the installed extensions (built-in ones included) contribute. */
function contributedLanguages(): LanguageContribution[] {
  return vscode.extensions.all.flatMap((e) => {
    const langs = (e.packageJSON as { contributes?: { languages?: unknown } } | undefined)?.contributes?.languages;
    if (!Array.isArray(langs)) return [];
    const strings = (x: unknown) => (Array.isArray(x) ? x.filter((v): v is string => typeof v === 'string') : []);
    return langs.flatMap((l: { id?: unknown; extensions?: unknown; filenames?: unknown } | null) =>
      (typeof l?.id === 'string' ? [{ id: l.id, extensions: strings(l.extensions), filenames: strings(l.filenames) }] : []));
  });
}

const USE_VERB: Record<ModelUse, string> = { sample: 'sample from', evaluate: 'evaluate', surprisal: 'show the surprisal of' };

function checkStillThere(lab: Lab, ref: ModelRef): boolean {
  if (modelExists(ref.dir)) return true;
  lab.refreshModels();
  reportError(lab, `The model ${ref.name} no longer exists at ${ref.dir}: it was moved or deleted.`);
  return false;
}

/** The model Sample, Evaluate or Show Surprisal acts on: the pickers list only models it applies to; a tree item of another task is refused in one sentence. */
export async function pickModelFor(lab: Lab, arg: unknown, use: ModelUse, placeHolder: string): Promise<{ ref: ModelRef; meta: ModelMeta } | undefined> {
  const ref = await pickModel(lab, arg, placeHolder, pickableFor(use), noModelFor(use, lab.listModels(), lab.modelsDir()));
  if (!ref || !checkStillThere(lab, ref)) return undefined;
  let meta: ModelMeta;
  try {
    meta = readModelMeta(ref.dir, ref.checkpoint);
  } catch (err) {
    reportError(lab, `Cannot ${USE_VERB[use]} ${ref.name}: ${errorText(err)}`);
    return undefined;
  }
  const problem = modelUseProblem(use, ref.name, meta.task);
  if (problem) {
    void vscode.window.showWarningMessage(problem);
    return undefined;
  }
  return { ref, meta };
}

async function sampleCommand(lab: Lab, arg: unknown): Promise<void> {
  const picked = await pickModelFor(lab, arg, 'sample', 'Model to sample from');
  if (!picked) return;
  const { ref, meta } = picked;
  // A model trained with --condition label generates a line from a label instead of continuing a prime.
  let label: string | undefined;
  let prime = '';
  if (meta.task === 'label-lm') {
    label = await vscode.window.showQuickPick(meta.labels ?? [], { title: SAMPLE_TITLE, placeHolder: `Label to generate a line for (${ref.name} was trained on labelled lines)`, ignoreFocusOut: true });
    if (label === undefined) return;
  } else {
    const typed = await vscode.window.showInputBox({
      title: SAMPLE_TITLE, prompt: 'Prime text: the model continues it (leave empty to start fresh)', value: '', ignoreFocusOut: true,
    });
    if (typed === undefined) return;
    prime = typed;
  }
  const lengthText = await vscode.window.showInputBox({
    title: SAMPLE_TITLE, prompt: 'Tokens to generate (1–20000)', value: '300', ignoreFocusOut: true,
    validateInput: (v) => (/^\d+$/.test(v.trim()) && +v >= 1 && +v <= 20000 ? null : 'Write a whole number from 1 to 20000.'),
  });
  if (lengthText === undefined) return;
  const temperatureText = await vscode.window.showInputBox({
    title: SAMPLE_TITLE, prompt: 'Temperature (0 = always the most likely token, 1 = as learned, higher = wilder)', value: '0.8', ignoreFocusOut: true,
    validateInput: (v) => (v.trim() !== '' && Number.isFinite(+v) && +v >= 0 && +v <= 10 ? null : 'Write a number from 0 to 10.'),
  });
  if (temperatureText === undefined) return;
  const length = Number(lengthText);
  try {
    const started = performance.now();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `RNN Lab: sampling ${length} tokens from ${ref.name}`, cancellable: true },
      (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return sampleInWorker(path.join(lab.distDir, 'trainerWorker.js'), {
          modelDir: ref.dir, checkpoint: ref.checkpoint,
          options: { prime, length, temperature: Number(temperatureText), seed: (Date.now() % 2_147_483_647) >>> 0 },
          ...(label !== undefined ? { label } : {}),
        }, abort.signal);
      },
    );
    lab.log.info(`Sampled ${result.generatedTokens} tokens from ${ref.name} at temperature ${temperatureText} in ${Math.round(performance.now() - started)} ms`);
    // In the training file's language (a Python corpus samples Python), beside the editor.
    const source = rememberedTrainingSource(lab, ref.dir);
    const language = languageForFileName(source && vscode.Uri.parse(source).path, contributedLanguages());
    const doc = await vscode.workspace.openTextDocument({ content: result.text, language });
    const column = sampleColumn(vscode.window.activeTextEditor?.viewColumn, vscode.window.tabGroups.all.map((g) => g.viewColumn));
    await vscode.window.showTextDocument(doc, { preview: false, viewColumn: column === 'beside' ? vscode.ViewColumn.Beside : column });
  } catch (err) {
    if (err instanceof CancelledError) return;
    reportError(lab, `Cannot sample from ${ref.name}: ${errorText(err)}`);
  }
}

async function evaluateCommand(lab: Lab, arg: unknown): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showErrorMessage('Open the text file to evaluate the model on first.');
    return;
  }
  const picked = await pickModelFor(lab, arg, 'evaluate', 'Model to evaluate on the active file');
  if (!picked) return;
  const { ref } = picked;
  const doc = editor.document;
  const docName = path.basename(doc.uri.path);
  const text = doc.getText();
  const problem = trainingTextProblem(text, docName);
  if (problem) {
    reportError(lab, problem);
    return;
  }
  const workerFile = path.join(lab.distDir, 'trainerWorker.js');
  try {
    // Scoring a long file takes seconds: it runs in a worker so the editor never waits.
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `RNN Lab: evaluating ${ref.name} on ${docName}`, cancellable: true },
      (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return scoreInWorker(workerFile, { modelDir: ref.dir, checkpoint: ref.checkpoint, text }, abort.signal);
      },
    );
    const report = evaluationReport(ref.name, ref.checkpoint, docName, r);
    for (const line of report.lines) lab.log.info(line);
    // The toast fades; the log keeps the figures, and Show brings them back.
    void vscode.window.showInformationMessage(report.summary, SHOW).then((choice) => {
      if (choice === SHOW) lab.log.show(true);
    });
  } catch (err) {
    if (err instanceof CancelledError) return;
    reportError(lab, `Cannot evaluate ${ref.name}: ${errorText(err)}`);
  }
}

async function renameCommand(lab: Lab, arg: unknown, onRenamed: (from: string, to: string) => Promise<void>): Promise<void> {
  const ref = await pickModel(lab, arg, 'Model to rename');
  if (!ref || !checkStillThere(lab, ref)) return;
  if (lab.trainer.runFor(ref.dir)) {
    void vscode.window.showWarningMessage(`${ref.name} is training: stop it before renaming it.`);
    return;
  }
  const others = () => lab.listModels().map((e) => (e.kind === 'ok' ? path.basename(e.summary.dir) : e.name)).filter((n) => n !== path.basename(ref.dir));
  const name = await vscode.window.showInputBox({
    title: `RNN Lab: Rename ${ref.name}`, prompt: 'New model name', value: path.basename(ref.dir), ignoreFocusOut: true,
    validateInput: (v) => modelNameProblem(v, others()),
  });
  if (name === undefined || name === path.basename(ref.dir) || modelNameProblem(name, others())) return;
  const target = path.join(path.dirname(ref.dir), name);
  try {
    // Under the folder's lock: a run in another window or a terminal may be training it.
    renameModelFolder(ref.dir, target, name);
    forgetModel(ref.dir);
    await onRenamed(ref.dir, target);
    lab.log.info(`Renamed ${ref.name} to ${name}`);
  } catch (err) {
    if (err instanceof ModelLockedError) void vscode.window.showWarningMessage(err.message);
    else reportError(lab, `Cannot rename ${ref.name}: ${errorText(err)}`);
  }
  lab.refreshModels();
}

async function deleteCommand(lab: Lab, arg: unknown, onDeleted: (dir: string) => Promise<void>): Promise<void> {
  const ref = await pickModel(lab, arg, 'Model to delete');
  if (!ref) return;
  if (lab.trainer.runFor(ref.dir)) {
    void vscode.window.showWarningMessage(`${ref.name} is training: stop it before deleting it.`);
    return;
  }
  const choice = await vscode.window.showWarningMessage(
    `Delete the model ${ref.name} and all its checkpoints? This cannot be undone.`, { modal: true }, 'Delete',
  );
  if (choice !== 'Delete') return;
  try {
    deleteModelFolder(ref.dir);
    forgetModel(ref.dir);
    await onDeleted(ref.dir);
    lab.log.info(`Deleted ${ref.name} (${ref.dir})`);
  } catch (err) {
    if (err instanceof ModelLockedError) void vscode.window.showWarningMessage(err.message);
    else reportError(lab, `Cannot delete ${ref.name}: ${errorText(err)}`);
  }
  lab.refreshModels();
}

async function revealCommand(lab: Lab, arg: unknown): Promise<void> {
  const ref = await pickModel(lab, arg, 'Model to reveal');
  if (!ref || !checkStillThere(lab, ref)) return;
  const uri = vscode.Uri.file(modelJsonPath(ref.dir, ref.checkpoint));
  try {
    // The OS file manager exists on desktop VS Code only; remote and web fall back below.
    if (vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop) {
      await vscode.commands.executeCommand('revealFileInOS', uri);
      return;
    }
  } catch {
    // fall through
  }
  if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.window.showTextDocument(uri, { preview: true });
}

export function registerModelCommands(
  lab: Lab,
  hooks: { onRenamed: (from: string, to: string) => Promise<void>; onDeleted: (dir: string) => Promise<void> },
): vscode.Disposable[] {
  const reg = vscode.commands.registerCommand;
  return [
    reg('rnnLab.sample', (arg?: unknown) => sampleCommand(lab, arg)),
    reg('rnnLab.evaluate', (arg?: unknown) => evaluateCommand(lab, arg)),
    reg('rnnLab.renameModel', (arg?: unknown) => renameCommand(lab, arg, hooks.onRenamed)),
    reg('rnnLab.deleteModel', (arg?: unknown) => deleteCommand(lab, arg, hooks.onDeleted)),
    reg('rnnLab.revealModel', (arg?: unknown) => revealCommand(lab, arg)),
    reg('rnnLab.refreshModels', () => lab.refreshModels()),
    reg('rnnLab.showLog', () => lab.log.show(true)),
  ];
}
