// Show / Clear Surprisal: colours each token of the active editor by −log p under a model
// (theme-aware scale in bits), with a hover giving the value and the top-5 predictions.

import * as vscode from 'vscode';
import * as path from 'node:path';
import type { ScoreResult } from '../engine/types.js';
import { CancelledError } from './cancelledError.js';
import { loadEngine } from './engineLoader.js';
import { getModel } from './hostModels.js';
import { errorText, reportError } from './lab.js';
import type { Lab, ModelRef } from './lab.js';
import { showToken } from './modelTree.js';
import { pickModelFor } from './modelCommands.js';
import { BINS, binColor, legendHtml, surprisalBin } from './surprisalScale.js';
import { scoreInWorker } from './trainerClient.js';

interface Shown {
  version: number;
  ref: ModelRef;
  text: string;
  result: ScoreResult;
}

export class SurprisalController implements vscode.Disposable {
  private readonly types: vscode.TextEditorDecorationType[];
  private readonly shown = new Map<string, Shown>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly lab: Lab) {
    // Warm colours for surprise; alpha grows with surprisal. Separate light/dark palettes keep
    // the text readable; high-contrast themes get an underline as well.
    this.types = Array.from({ length: BINS }, (_, b) => {
      return vscode.window.createTextEditorDecorationType({
        light: { backgroundColor: binColor(b, 'light') },
        dark: { backgroundColor: binColor(b, 'dark') },
        borderStyle: 'none none solid none',
        borderWidth: b >= BINS / 2 ? '0 0 1px 0' : '0',
        borderColor: new vscode.ThemeColor('contrastActiveBorder'),
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      });
    });
    this.disposables.push(
      ...this.types,
      vscode.commands.registerCommand('rnnLab.showSurprisal', (arg?: unknown) => this.show(arg)),
      vscode.commands.registerCommand('rnnLab.clearSurprisal', () => this.clear()),
      vscode.languages.registerHoverProvider({ pattern: '**' }, { provideHover: (doc, pos) => this.hover(doc, pos) }),
      // Edits shift every offset: the colours would lie, so they go.
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length && this.shown.has(e.document.uri.toString())) this.clearDocument(e.document.uri.toString());
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        for (const ed of editors) this.paint(ed);
      }),
    );
  }

  private async show(arg: unknown): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showErrorMessage('Open the text to colour by surprisal first.');
      return;
    }
    const picked = await pickModelFor(this.lab, arg, 'surprisal', 'Model whose surprisal to show');
    if (!picked) return;
    const { ref } = picked;
    const doc = editor.document;
    const text = doc.getText();
    const version = doc.version;
    try {
      // Scoring runs in a worker thread: a long file must not freeze the editor.
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `RNN Lab: scoring ${path.basename(doc.uri.path)} with ${ref.name}`, cancellable: true },
        (_progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          return scoreInWorker(path.join(this.lab.distDir, 'trainerWorker.js'), { modelDir: ref.dir, checkpoint: ref.checkpoint, text }, abort.signal);
        },
      );
      if (doc.version !== version) {
        void vscode.window.showInformationMessage('The document changed while it was being scored: run Show Surprisal again.');
        return;
      }
      this.shown.set(doc.uri.toString(), { version, ref, text, result });
      for (const ed of vscode.window.visibleTextEditors) if (ed.document === doc) this.paint(ed);
      void vscode.commands.executeCommand('setContext', 'rnnLab.surprisalShown', true);
      this.lab.log.info(`Surprisal of ${ref.name} on ${doc.uri.path}: ${result.bitsPerToken.toFixed(3)} bits/token over ${result.tokens} tokens`);
      vscode.window.setStatusBarMessage(`RNN Lab: ${ref.name} — ${result.bitsPerToken.toFixed(3)} bits/token, perplexity ${result.perplexity.toFixed(2)}`, 10_000);
    } catch (err) {
      if (err instanceof CancelledError) return;
      reportError(this.lab, `Cannot show surprisal of ${ref.name}: ${errorText(err)}`);
    }
  }

  private paint(editor: vscode.TextEditor): void {
    const s = this.shown.get(editor.document.uri.toString());
    if (!s || s.version !== editor.document.version) return;
    const ranges: vscode.Range[][] = Array.from({ length: BINS }, () => []);
    const { surprisal, offsets } = s.result;
    // surprisal[i] belongs to token i + 1 (the first token is given, not predicted).
    for (let i = 0; i < surprisal.length; i++) {
      const from = offsets[i + 1]!;
      const to = offsets[i + 2] ?? s.text.length;
      if (to <= from) continue;
      ranges[surprisalBin(surprisal[i]!)]!.push(new vscode.Range(editor.document.positionAt(from), editor.document.positionAt(to)));
    }
    this.types.forEach((t, b) => editor.setDecorations(t, ranges[b]!));
  }

  private async hover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    const s = this.shown.get(doc.uri.toString());
    if (!s || s.version !== doc.version) return undefined;
    const offset = doc.offsetAt(pos);
    const { offsets, surprisal, tokenTexts } = s.result;
    // Token i covers [offsets[i], offsets[i+1]); binary search for the one under the cursor.
    let lo = 0;
    let hi = offsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (offsets[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    const i = lo;
    if (i === 0 || i - 1 >= surprisal.length) return undefined;
    const nats = surprisal[i - 1]!;
    // Predictions need the model in the host; a hover reads at most 256 tokens, which is quick.
    let top: { token: string; p: number }[] = [];
    try {
      const { model } = await getModel(s.ref, this.lab.distDir);
      top = (await loadEngine()).predictionsBefore(model, s.text, i, 5);
    } catch {
      // The model went away since scoring: show the surprisal alone.
    }
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**RNN Lab surprisal** (${s.ref.name}) of \`${showToken(tokenTexts[i] ?? '').replace(/`/g, 'ˋ')}\`: `);
    md.appendMarkdown(`${nats.toFixed(3)} nats = ${(nats / Math.LN2).toFixed(2)} bits, p = ${Math.exp(-nats).toPrecision(3)}\n\n`);
    if (top.length) {
      md.appendMarkdown('Top predictions here:\n\n| token | p |\n|---|---|\n');
      for (const p of top) md.appendMarkdown(`| \`${showToken(p.token).replace(/`/g, 'ˋ').replace(/\|/g, '¦')}\` | ${p.p.toFixed(3)} |\n`);
    }
    const light = [vscode.ColorThemeKind.Light, vscode.ColorThemeKind.HighContrastLight].includes(vscode.window.activeColorTheme.kind);
    md.supportHtml = true;
    md.appendMarkdown(`\n\n${legendHtml(light ? 'light' : 'dark', surprisalBin(nats))}`);
    const range = new vscode.Range(doc.positionAt(offsets[i]!), doc.positionAt(offsets[i + 1] ?? s.text.length));
    return new vscode.Hover(md, range);
  }

  private clearDocument(key: string): void {
    this.shown.delete(key);
    for (const ed of vscode.window.visibleTextEditors) {
      if (ed.document.uri.toString() === key) for (const t of this.types) ed.setDecorations(t, []);
    }
    void vscode.commands.executeCommand('setContext', 'rnnLab.surprisalShown', this.shown.size > 0);
  }

  private clear(): void {
    for (const key of [...this.shown.keys()]) this.clearDocument(key);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
