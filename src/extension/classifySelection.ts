// RNN Lab: Classify Selection — the label and class probabilities of each selected line (the
// cursor's line when nothing is selected) under a classify model, computed in a worker thread:
// shown after each line, with a hover listing every label, and in a message for a single line.

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ClassifyResult } from '../protocol/worker.js';
import { CancelledError } from './cancelledError.js';
import { linesToClassify, predictionText } from './classifyLines.js';
import type { LineToClassify } from './classifyLines.js';
import { errorText, pickModel, reportError } from './lab.js';
import type { Lab } from './lab.js';
import { classifyInWorker } from './trainerClient.js';

interface Shown {
  version: number;
  lines: LineToClassify[];
  result: ClassifyResult;
  model: string;
}

export class ClassifySelection implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
  });
  private readonly shown = new Map<string, Shown>();
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly lab: Lab) {
    this.disposables = [
      this.type,
      vscode.commands.registerCommand('rnnLab.classifySelection', (arg?: unknown) => this.classify(arg)),
      vscode.languages.registerHoverProvider({ pattern: '**' }, { provideHover: (doc, pos) => this.hover(doc, pos) }),
      // Edits move lines: the labels would sit beside the wrong text, so they go.
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length && this.shown.delete(e.document.uri.toString())) this.paintAll();
      }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.paintAll()),
    ];
  }

  private async classify(arg: unknown): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showErrorMessage('Open a text and select the lines to classify first.');
      return;
    }
    const doc = editor.document;
    const all = doc.getText().split(/\r?\n/);
    const lines = editor.selections.flatMap((s) => linesToClassify(all, s.start.line, s.end.character === 0 && s.end.line > s.start.line ? s.end.line - 1 : s.end.line));
    if (lines.length === 0) {
      void vscode.window.showErrorMessage('The selected lines are blank: select text to classify.');
      return;
    }
    const ref = await pickModel(this.lab, arg, 'Classify model', (e) => e.kind === 'ok' && e.summary.task === 'classify');
    if (!ref) return;
    const version = doc.version;
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `RNN Lab: classifying ${lines.length} line${lines.length === 1 ? '' : 's'} with ${ref.name}`, cancellable: true },
        (_progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          return classifyInWorker(path.join(this.lab.distDir, 'trainerWorker.js'), { modelDir: ref.dir, checkpoint: ref.checkpoint, texts: lines.map((l) => l.text) }, abort.signal);
        },
      );
      if (doc.version !== version) {
        void vscode.window.showInformationMessage('The document changed while it was being classified: run Classify Selection again.');
        return;
      }
      this.shown.set(doc.uri.toString(), { version, lines, result, model: ref.name });
      this.paintAll();
      const first = predictionText(result.labels, result.probabilities[0]!);
      this.lab.log.info(`Classify Selection with ${ref.name}: ${lines.length} line(s), first ${first.all}`);
      if (lines.length === 1) void vscode.window.showInformationMessage(`${ref.name}: ${first.label} (${first.all})`);
    } catch (err) {
      if (err instanceof CancelledError) return;
      reportError(this.lab, `Cannot classify with ${ref.name}: ${errorText(err)}`);
    }
  }

  private paintAll(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const s = this.shown.get(editor.document.uri.toString());
      if (!s || s.version !== editor.document.version) {
        editor.setDecorations(this.type, []);
        continue;
      }
      editor.setDecorations(this.type, s.lines.map((l, i) => {
        const p = predictionText(s.result.labels, s.result.probabilities[i]!);
        const end = editor.document.lineAt(l.line).range.end;
        return { range: new vscode.Range(end, end), renderOptions: { after: { contentText: `→ ${p.label} ${p.probability.toFixed(2)}` } } };
      }));
    }
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const s = this.shown.get(doc.uri.toString());
    if (!s || s.version !== doc.version) return undefined;
    const i = s.lines.findIndex((l) => l.line === pos.line);
    if (i < 0) return undefined;
    const p = predictionText(s.result.labels, s.result.probabilities[i]!);
    const md = new vscode.MarkdownString(`**${s.model}**: ${p.label}  \n${p.all.split(' · ').join('  \n')}`);
    return new vscode.Hover(md, doc.lineAt(pos.line).range);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
