// "RNN Lab: Export Model…" (TF.js Layers or PyTorch, into a folder the user picks) and
// "RNN Lab: Import Model…" (a TF.js Layers or PyTorch export into the models folder). The
// interop code, and with it tfjs, loads on first use, never at activation.

import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

import type { InteropFormat } from '../interop/exportModel.js';
import { loadEngine } from './engineLoader.js';
import { errorText, pickModel, reportError } from './lab.js';
import { ensureModelsFolder } from './modelStore.js';
import type { Lab } from './lab.js';
import { modelNameProblem } from './trainingInput.js';

const FORMATS: { label: string; detail: string; format: InteropFormat }[] = [
  { label: 'TF.js Layers', detail: 'model.json + weights: tf.loadLayersModel, or tensorflowjs_converter to Keras', format: 'tfjs-layers' },
  { label: 'PyTorch', detail: 'model.safetensors + train_ddp.py: continue training with torchrun on many processes or GPUs', format: 'pytorch' },
];

/** `base`, or `base-2`, `base-3`… : the first name not yet in `parent`. */
function freeName(parent: string, base: string): string {
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    if (!existsSync(path.join(parent, name))) return name;
  }
}

async function exportCommand(lab: Lab, arg: unknown): Promise<void> {
  const ref = await pickModel(lab, arg, 'Model to export');
  if (!ref) return;
  const choice = await vscode.window.showQuickPick(FORMATS, { title: 'RNN Lab: Export Model', placeHolder: `Export ${ref.name} as` });
  if (!choice) return;
  const parent = await vscode.window.showOpenDialog({
    title: `Folder to write the ${choice.label} export of ${ref.name} into`,
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Export Here',
  });
  if (!parent?.[0]) return;
  const out = path.join(parent[0].fsPath, freeName(parent[0].fsPath, `${ref.name}-${choice.format}`));
  try {
    if (choice.format === 'pytorch') await (await loadEngine()).ensureBackend(lab.distDir); // the reference batch is computed
    const { exportModel } = await import('../interop/exportModel.js');
    const result = exportModel(ref.dir, { format: choice.format, out, checkpoint: ref.checkpoint });
    lab.log.info(`Exported ${ref.dir} as ${choice.format} to ${out}: ${result.files.join(', ')}`);
    const reveal = await vscode.window.showInformationMessage(`Exported ${ref.name} as ${choice.label} to ${out}.`, 'Reveal Folder');
    if (reveal) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(out));
  } catch (err) {
    reportError(lab, `Cannot export ${ref.name}: ${errorText(err)}`);
  }
}

async function importCommand(lab: Lab): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    title: 'TF.js Layers or PyTorch export to import (its folder)',
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Import',
  });
  if (!picked?.[0]) return;
  const source = picked[0].fsPath;
  const modelsDir = lab.modelsDir();
  const existing = existsSync(modelsDir) ? readdirSync(modelsDir) : [];
  const name = await vscode.window.showInputBox({
    title: 'RNN Lab: Import Model',
    prompt: `Name of the new model in ${modelsDir}`,
    value: freeName(modelsDir, path.basename(source)),
    ignoreFocusOut: true,
    validateInput: (v) => modelNameProblem(v.trim(), existing),
  });
  if (name === undefined) return;
  try {
    ensureModelsFolder(modelsDir);
    const { importModel } = await import('../interop/importModel.js');
    const result = importModel(source, { out: path.join(modelsDir, name.trim()), name: name.trim() });
    const n = result.snapshot.network;
    lab.log.info(`Imported ${source} (${result.format}) as ${result.out}: ${n.cell} ${n.layers}×${n.units}`);
    lab.refreshModels();
    void vscode.window.showInformationMessage(
      `Imported ${name.trim()} (${n.cell.toUpperCase()} ${n.layers}×${n.units}) from ${result.format === 'pytorch' ? 'PyTorch' : 'TF.js Layers'}.`,
    );
  } catch (err) {
    reportError(lab, `Cannot import ${source}: ${errorText(err)}`);
  }
}

export function registerInteropCommands(lab: Lab): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('rnnLab.exportModel', (arg?: unknown) => exportCommand(lab, arg)),
    vscode.commands.registerCommand('rnnLab.importModel', () => importCommand(lab)),
  ];
}
