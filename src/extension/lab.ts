// The services every command module shares (one instance per window), so command modules
// depend on this interface instead of on each other.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { architectureLabel } from '../protocol/labels.js';
import type { ModelEntry } from './modelTree.js';
import type { TreeNode } from './modelTree.js';
import type { TrainerClient } from './trainerClient.js';
import type { SettingsReader } from './settings.js';

export interface PanelHooks {
  openDashboard(modelDir?: string): void;
  /** Opens the dashboard on `modelDir`; resolves once its page listens (false: closed or timed out). */
  openDashboardLoaded(modelDir: string, timeoutMs: number): Promise<boolean>;
  inspectSelection(modelDir?: string): void | Promise<void>;
  showGradientFlow(modelDir?: string): void | Promise<void>;
  /** Pause and resume are not trainer events: the dashboard hears of them from here. */
  trainingStatusChanged(modelDir: string, status: 'paused' | 'running' | 'stopped'): void;
  /** A model folder was renamed (`to`) or deleted (null). */
  modelMoved(from: string, to: string | null): void;
}

/** The shared services the panels are built from (everything of a Lab but the panels). */
export interface LabServices {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  trainer: TrainerClient;
  /** dist/ folder: the worker bundle and the tfjs wasm files. */
  distDir: string;
  modelsDir(): string;
  listModels(): ModelEntry[];
  refreshModels(): void;
}

export interface Lab extends LabServices {
  /** The webview panels: dashboard, gate inspector, gradient flow. */
  panels: PanelHooks;
}

/** A model (or one of its checkpoints) a command acts on. */
export interface ModelRef {
  dir: string;
  name: string;
  checkpoint: 'root' | 'latest' | 'best';
}

export const settingsReader = (scope?: vscode.Uri): SettingsReader => {
  const cfg = vscode.workspace.getConfiguration('rnnLab', scope);
  return (key) => {
    const inspected = cfg.inspect(key);
    // Only values the user set count; defaults come from the code (kept equal to the manifest).
    if (!inspected) return undefined;
    return inspected.workspaceFolderValue ?? inspected.workspaceValue ?? inspected.globalValue ?? undefined;
  };
};

/** settingWriteScope's answer as VS Code's configuration target. */
export const CONFIG_TARGET = {
  workspaceFolder: vscode.ConfigurationTarget.WorkspaceFolder,
  workspace: vscode.ConfigurationTarget.Workspace,
  global: vscode.ConfigurationTarget.Global,
} as const;

/** Tree node passed by a context menu, or undefined when run from the palette. */
export function nodeArg(arg: unknown): TreeNode | undefined {
  if (typeof arg === 'object' && arg !== null && typeof (arg as TreeNode).modelDir === 'string') return arg as TreeNode;
  return undefined;
}

/** What a model quick pick shows, asks and offers besides the models. */
export interface ModelPickOptions<Extra extends vscode.QuickPickItem> {
  placeHolder: string;
  title?: string;
  filter?: (e: ModelEntry) => boolean;
  /** Items listed after the models (such as "Turn Off Completions"). */
  extra?: readonly Extra[];
  /** Ask even when there is one choice (a pick the user expects to see). */
  alwaysAsk?: boolean;
  /** Said when there is nothing to choose, with a Train on Active File button. */
  emptyMessage?: string;
}

/**
 * The one model quick pick: the models with their architecture and best validation loss,
 * then `extra`. Undefined when there is nothing to choose or the user cancels.
 */
export async function chooseModel<Extra extends vscode.QuickPickItem = never>(
  lab: Pick<LabServices, 'listModels' | 'modelsDir'>,
  options: ModelPickOptions<Extra>,
): Promise<ModelRef | Extra | undefined> {
  const models = lab.listModels().flatMap((e) => (e.kind === 'ok' && (!options.filter || options.filter(e)) ? [e.summary] : []));
  const extra = options.extra ?? [];
  if (models.length === 0 && extra.length === 0) {
    const choice = await vscode.window.showInformationMessage(
      options.emptyMessage ?? `There is no trained model in ${lab.modelsDir()} yet: train one on a text file first.`,
      'Train on Active File',
    );
    if (choice) void vscode.commands.executeCommand('rnnLab.train');
    return undefined;
  }
  if (models.length === 1 && extra.length === 0 && !options.alwaysAsk) return { dir: models[0]!.dir, name: models[0]!.name, checkpoint: 'root' };
  type Item = vscode.QuickPickItem & ({ model: ModelRef } | { extra: Extra });
  const items: Item[] = [
    ...models.map((s) => ({
      label: s.name,
      description: architectureLabel(s),
      detail: s.bestValLoss === null ? 'no validation loss yet' : `best validation loss ${s.bestValLoss.toFixed(3)} nats`,
      model: { dir: s.dir, name: s.name, checkpoint: 'root' as const },
    })),
    ...extra.map((x) => ({ ...x, extra: x })),
  ];
  const picked = await vscode.window.showQuickPick(items, { placeHolder: options.placeHolder, title: options.title ?? 'RNN Lab' });
  if (!picked) return undefined;
  return 'model' in picked ? picked.model : picked.extra;
}

/** The model a command acts on: the tree item it was run on, else the model quick pick. */
export async function pickModel(lab: Lab, arg: unknown, placeHolder: string, filter?: (e: ModelEntry) => boolean, emptyMessage?: string | null): Promise<ModelRef | undefined> {
  const node = nodeArg(arg);
  if (node) {
    return { dir: node.modelDir, name: path.basename(node.modelDir), checkpoint: node.checkpoint ?? 'root' };
  }
  return chooseModel<never>(lab, { placeHolder, filter, ...(emptyMessage ? { emptyMessage } : {}) });
}

/** One user-facing error message, also written to the log. */
export function reportError(lab: Lab, message: string): void {
  lab.log.error(message);
  void vscode.window.showErrorMessage(message);
}

export function errorText(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.endsWith('.') ? m : `${m}.`;
}
