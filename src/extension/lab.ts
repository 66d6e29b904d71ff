// The services every command module shares (one instance per window), so command modules
// depend on this interface instead of on each other.

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelEntry } from './modelTree.js';
import type { TreeNode } from './modelTree.js';
import type { TrainerClient } from './trainerClient.js';
import type { SettingsReader } from './settings.js';

export interface PanelHooks {
  openDashboard(modelDir?: string): void;
  inspectSelection(modelDir?: string): void | Promise<void>;
  showGradientFlow(modelDir?: string): void | Promise<void>;
  /** Pause and resume are not trainer events: the dashboard hears of them from here. */
  trainingStatusChanged(modelDir: string, status: 'paused' | 'running'): void;
}

export interface Lab {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  trainer: TrainerClient;
  /** dist/ folder: the worker bundle and the tfjs wasm files. */
  distDir: string;
  modelsDir(): string;
  listModels(): ModelEntry[];
  refreshModels(): void;
  /** Webview panels, once helper B's panels are wired; null until then. */
  panels: PanelHooks | null;
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

/** Tree node passed by a context menu, or undefined when run from the palette. */
export function nodeArg(arg: unknown): TreeNode | undefined {
  if (typeof arg === 'object' && arg !== null && typeof (arg as TreeNode).modelDir === 'string') return arg as TreeNode;
  return undefined;
}

/**
 * The model a command acts on: the tree item it was run on, else a quick pick of the models
 * (skipping a pick when there is only one). Undefined when there is none or the user cancels.
 */
export async function pickModel(lab: Lab, arg: unknown, placeHolder: string, filter?: (e: ModelEntry) => boolean): Promise<ModelRef | undefined> {
  const node = nodeArg(arg);
  if (node) {
    return { dir: node.modelDir, name: path.basename(node.modelDir), checkpoint: node.checkpoint ?? 'root' };
  }
  const entries = lab.listModels().filter((e) => e.kind === 'ok' && (!filter || filter(e)));
  if (entries.length === 0) {
    const choice = await vscode.window.showInformationMessage(
      `There is no trained model in ${lab.modelsDir()} yet: train one on a text file first.`,
      'Train on Active File',
    );
    if (choice) void vscode.commands.executeCommand('rnnLab.train');
    return undefined;
  }
  if (entries.length === 1 && entries[0]!.kind === 'ok') {
    const s = entries[0]!.summary;
    return { dir: s.dir, name: s.name, checkpoint: 'root' };
  }
  const picked = await vscode.window.showQuickPick(
    entries.flatMap((e) => (e.kind === 'ok' ? [{
      label: e.summary.name,
      description: `${e.summary.cell.toUpperCase()} ${e.summary.layers}×${e.summary.units}`,
      detail: e.summary.bestValLoss === null ? 'no validation loss yet' : `best validation loss ${e.summary.bestValLoss.toFixed(3)} nats`,
      dir: e.summary.dir,
    }] : [])),
    { placeHolder, title: 'RNN Lab' },
  );
  return picked ? { dir: picked.dir, name: picked.label, checkpoint: 'root' } : undefined;
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
