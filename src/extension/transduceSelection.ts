// RNN Lab: Transduce Selection — runs a seq2seq model on each selected line (greedy decoding)
// and shows `input<TAB>output` per line in an untitled editor beside the source.

import * as vscode from 'vscode';
import { ModelFormatError, readModelMeta } from '../model/index.js';
import { loadEngine } from './engineLoader.js';
import { chooseModel, errorText, reportError } from './lab.js';
import type { Lab } from './lab.js';

/** The non-blank lines of every selection, in document order (a selection inside a line is that text). */
export function selectedLines(document: Pick<vscode.TextDocument, 'getText'>, selections: readonly vscode.Selection[]): string[] {
  return [...selections]
    .filter((s) => !s.isEmpty)
    .sort((a, b) => a.start.compareTo(b.start))
    .flatMap((s) => document.getText(s).split(/\r?\n/))
    .filter((l) => l.trim() !== '');
}

export function registerTransduceSelection(lab: Lab): vscode.Disposable {
  return vscode.commands.registerCommand('rnnLab.transduceSelection', async () => {
    const editor = vscode.window.activeTextEditor;
    const lines = editor ? selectedLines(editor.document, editor.selections) : [];
    if (!editor || lines.length === 0) {
      void vscode.window.showInformationMessage('Select the lines to transduce first: each selected line is one source.');
      return;
    }
    const ref = await chooseModel<never>(lab, { placeHolder: 'Seq2seq model to run on the selected lines' });
    if (!ref) return;
    try {
      const meta = readModelMeta(ref.dir, ref.checkpoint);
      if (meta.task !== 'seq2seq') {
        reportError(lab, `${meta.name} is a ${meta.task} model: Transduce Selection runs a seq2seq model (train one with --task seq2seq on source<TAB>target lines).`);
        return;
      }
      const engine = await loadEngine();
      const outputs = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `RNN Lab: transducing ${lines.length} line${lines.length === 1 ? '' : 's'} with ${meta.name}` },
        () => engine.transduceLines(ref.dir, lab.distDir, lines, ref.checkpoint),
      );
      const content = lines.map((l, i) => `${l}\t${outputs[i]}`).join('\n') + '\n';
      const doc = await vscode.workspace.openTextDocument({ content, language: 'plaintext' });
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
      lab.log.info(`Transduce Selection: ${lines.length} line(s) with ${ref.dir}`);
    } catch (error) {
      if (error instanceof ModelFormatError || error instanceof Error) reportError(lab, `Transduce Selection failed: ${errorText(error)}`);
      else throw error;
    }
  });
}
