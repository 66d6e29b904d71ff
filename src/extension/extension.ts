// Entry point of the VS Code extension: wires the Models view, training commands, model
// commands, surprisal, completions and the webview panels. Activation loads no tfjs: the
// engine comes in through engineLoader.ts on first use. Activation time goes to the log.

import { loadedAt } from './activationClock.js';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readModelHistory, readModelMeta } from '../model/index.js';
import type { TrainerEvent } from '../training/events.js';
import { CompletionController } from './completions.js';
import { engineRequested, loadEngine } from './engineLoader.js';
import { getModel, getTaskInspector } from './hostModels.js';
import { registerInteropCommands } from './interopCommands.js';
import { chooseModel } from './lab.js';
import type { Lab, LabServices } from './lab.js';
import { registerModelCommands } from './modelCommands.js';
import { ModelExplorer } from './modelExplorer.js';
import { registerPanels } from './panels/index.js';
import type { PanelDeps } from './panels/index.js';
import { EDITOR_MENU_COMMANDS, TEXT_FILE_CONTEXT, editorMenuAlias, isTextFile } from './contributions.js';
import { resolveModelsDirectory } from './settings.js';
import { SurprisalController } from './surprisal.js';
import { ClassifySelection } from './classifySelection.js';
import { TagSelectionController } from './tagSelection.js';
import { registerTrainCommands } from './trainCommands.js';
import { TrainerClient } from './trainerClient.js';
import { TrainingUi } from './trainingUi.js';
import { registerTransduceSelection } from './transduceSelection.js';

/** Every import above has been evaluated by now (bundled ESM keeps that order). */
const evaluatedAt = performance.now();

let trainer: TrainerClient | null = null;
let log: vscode.LogOutputChannel | null = null;

/** How long a training run gets to save when the window closes or reloads. */
const SHUTDOWN_GRACE_MS = 4_000;

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  log = vscode.window.createOutputChannel('RNN Lab', { log: true });
  context.subscriptions.push(log);
  const distDir = path.join(context.extensionPath, 'dist');
  trainer = new TrainerClient(path.join(distDir, 'trainerWorker.js'));

  const modelsDir = () => {
    const setting = vscode.workspace.getConfiguration('rnnLab').get<string>('modelsDirectory') ?? '';
    return resolveModelsDirectory(setting, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, context.globalStorageUri.fsPath, os.homedir());
  };
  const explorer = new ModelExplorer(modelsDir, (line) => log?.info(line));
  const services: LabServices = {
    context,
    log,
    trainer,
    distDir,
    modelsDir,
    listModels: () => explorer.list(),
    refreshModels: () => explorer.refresh(0),
  };
  // The panels exist before the training UI whose events they show: a relay joins the two.
  const trainerEvents = new vscode.EventEmitter<{ modelDir: string; event: TrainerEvent }>();
  const lab: Lab = { ...services, panels: registerPanels(context, panelDeps(services, trainerEvents.event)) };

  const ui = new TrainingUi(lab, explorer);
  ui.sinks.add((modelDir, event) => trainerEvents.fire({ modelDir, event }));
  const completions = new CompletionController(lab);
  const surprisal = new SurprisalController(lab);
  const tagSelection = new TagSelectionController(lab);
  const view = vscode.window.createTreeView('rnnLab.models', { treeDataProvider: explorer, showCollapseAll: true });
  explorer.watch();
  // The watcher refreshes the view on any change: a completing model deleted from outside stops then.
  context.subscriptions.push(explorer.onDidChangeTreeData(() => completions.checkModel()));

  context.subscriptions.push(
    trainerEvents,
    explorer,
    view,
    ui,
    completions,
    surprisal,
    new ClassifySelection(lab),
    tagSelection,
    ...registerTrainCommands(lab, ui),
    ...registerModelCommands(lab, {
      onRenamed: async (from, to) => {
        explorer.invalidate();
        lab.panels.modelMoved(from, to);
        await completions.modelMoved(from, to);
      },
      onDeleted: async (dir) => {
        explorer.invalidate();
        lab.panels.modelMoved(dir, null);
        await completions.modelMoved(dir, null);
      },
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('rnnLab.modelsDirectory')) explorer.watch();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => explorer.watch()),
    // Changes made while the watcher could not see them (another tool, a folder that did not
    // exist yet) show up at the latest when the user looks again.
    view.onDidChangeVisibility((e) => {
      if (e.visible) explorer.refresh(0);
    }),
    vscode.window.onDidChangeWindowState((state) => {
      if (state.focused) explorer.refresh(0);
    }),
    ...registerPanelCommands(lab),
    ...registerEditorMenuCommands(),
    ...trackTextFileContext(),
    ...registerInteropCommands(lab),
    registerTransduceSelection(lab),
  );
  // A finished run saved a newer model: completions reload it if it is the one completing.
  // (Checkpoints during the run are not reloaded: that would reset the state cache each save.)
  ui.sinks.add((modelDir, event) => {
    if (event.event === 'done') void completions.modelChanged(modelDir);
  });

  const done = performance.now();
  // Code loading plus activate(); the gap between them is VS Code's, not ours.
  const ms = evaluatedAt - loadedAt + (done - started);
  log.info(
    `RNN Lab activated in ${ms.toFixed(1)} ms (code loading ${(evaluatedAt - loadedAt).toFixed(1)} ms, activate() ${(done - started).toFixed(1)} ms, ` +
    `${(started - evaluatedAt).toFixed(1)} ms waiting for VS Code between them; engine loaded: ${engineRequested() ? 'yes' : 'no'}); models in ${modelsDir()}`,
  );
}

/** What the webview panels need from the rest of the extension. */
function panelDeps(lab: LabServices, trainerEvents: vscode.Event<{ modelDir: string; event: TrainerEvent }>): PanelDeps {
  return {
    listModels: () => lab.listModels().flatMap((e) => (e.kind === 'ok'
      ? [{ name: e.summary.name, dir: e.summary.dir, cell: e.summary.cell, layers: e.summary.layers, units: e.summary.units, task: e.summary.task }]
      : [])),
    inspect: async (modelDir, text, options) => {
      if (hasTaskInspector(modelDir)) return (await getTaskInspector(modelDir, lab.distDir)).inspect(text, options);
      const { model } = await getModel({ dir: modelDir, checkpoint: 'root' }, lab.distDir);
      const engine = await loadEngine();
      return engine.inspectText(model, text, options);
    },
    inspectQuantised: async (modelDir, text, options) => {
      if (hasTaskInspector(modelDir)) return (await getTaskInspector(modelDir, lab.distDir)).inspectQuantised(text, options);
      const { model } = await getModel({ dir: modelDir, checkpoint: 'root' }, lab.distDir);
      const engine = await loadEngine();
      return engine.inspectTextQuantised(model, text, options);
    },
    controlTraining: (modelDir, action, temperature) => {
      const run = lab.trainer.runFor(modelDir);
      if (!run) return false;
      if (action === 'stop') void run.stop();
      else if (action === 'pause') run.pause();
      else if (action === 'resume') run.resumeTraining();
      else if (action === 'checkpoint') run.checkpointNow();
      else if (action === 'temperature') {
        if (temperature !== undefined) run.setSampleTemperature(temperature);
      } else run.sampleNow(temperature);
      return true;
    },
    isTraining: (modelDir) => lab.trainer.runFor(modelDir) !== undefined,
    pickModel: async (placeHolder) => (await chooseModel<never>(lab, { placeHolder }))?.dir,
    onTrainerEvent: (listener) => trainerEvents(({ modelDir, event }) => listener(modelDir, event)),
    readHistory: (modelDir) => {
      return readModelHistory(modelDir);
    },
    log: (message) => lab.log.info(message),
  };
}

/**
 * Classify, tag and seq2seq models have their own inspector (the task's answer and saliency);
 * a language model and a label-lm model run the network's inspection as before.
 */
function hasTaskInspector(modelDir: string): boolean {
  let task: string;
  try {
    task = readModelMeta(modelDir).task;
  } catch {
    return false; // getModel then says why the folder cannot be read
  }
  return task === 'classify' || task === 'tag' || task === 'seq2seq';
}

/** Open Training Dashboard / Inspect Gates on Selection / Show Gradient Flow → the webview panels. */
function registerPanelCommands(lab: Lab): vscode.Disposable[] {
  const dirOf = (arg: unknown) => (typeof arg === 'object' && arg !== null && typeof (arg as { modelDir?: unknown }).modelDir === 'string'
    ? (arg as { modelDir: string }).modelDir : undefined);
  return [
    vscode.commands.registerCommand('rnnLab.openDashboard', (arg?: unknown) => lab.panels.openDashboard(dirOf(arg))),
    vscode.commands.registerCommand('rnnLab.inspectSelection', (arg?: unknown) => lab.panels.inspectSelection(dirOf(arg))),
    vscode.commands.registerCommand('rnnLab.showGradientFlow', (arg?: unknown) => lab.panels.showGradientFlow(dirOf(arg))),
  ];
}

/** The editor context menu's "RNN Lab: …" entries run the commands they alias. */
function registerEditorMenuCommands(): vscode.Disposable[] {
  return EDITOR_MENU_COMMANDS.map((id) => vscode.commands.registerCommand(editorMenuAlias(id), (...args: unknown[]) => vscode.commands.executeCommand(id, ...args)));
}

/** Keeps TEXT_FILE_CONTEXT current: the walkthrough's first step must not tick on the Welcome tab (an editor too). */
function trackTextFileContext(): vscode.Disposable[] {
  const update = () => void vscode.commands.executeCommand('setContext', TEXT_FILE_CONTEXT, isTextFile(vscode.window.activeTextEditor?.document.uri.scheme));
  update();
  return [vscode.window.onDidChangeActiveTextEditor(update)];
}

/** Window closing or reloading: ask every run to stop and save, within the host's time limit. */
export async function deactivate(): Promise<void> {
  if (!trainer) return;
  const runs = trainer.runs();
  if (runs.length) log?.info(`Window closing: stopping ${runs.length} training run(s) and saving checkpoints/latest`);
  await trainer.stopAll(SHUTDOWN_GRACE_MS);
}
