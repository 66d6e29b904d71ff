// RNN Lab: Tag Selection — runs a tag model on the selection (or the current line) and shows each
// token's tag as an editor decoration, one colour per entity type (O undecorated), with a legend
// in the status bar and a hover giving the tag and its probability. Edits clear the tags.

import * as vscode from 'vscode';
import { readModelMeta } from '../model/index.js';
import { loadEngine } from './engineLoader.js';
import { errorText, pickModel, reportError } from './lab.js';
import type { Lab, ModelRef } from './lab.js';
import { entityTypes, legendText, rangeAt, rangesByType, TAG_COLOURS, tagRanges } from './tagRanges.js';
import type { TagRange } from './tagRanges.js';

interface Shown {
  version: number;
  ref: ModelRef;
  ranges: TagRange[];
  /** The model's tag set, in output order. */
  tags: string[];
  /** Entity types of the model's tag set: a type's index picks its colour. */
  types: string[];
}

const isTagModel = (dir: string): boolean => {
  try {
    return readModelMeta(dir).task === 'tag';
  } catch {
    return false;
  }
};

const colourOf = (types: readonly string[], type: string) => TAG_COLOURS[Math.max(0, types.indexOf(type)) % TAG_COLOURS.length];

export class TagSelectionController implements vscode.Disposable {
  private readonly decorations: vscode.TextEditorDecorationType[];
  private readonly shown = new Map<string, Shown>();
  private readonly legend: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly lab: Lab) {
    this.decorations = TAG_COLOURS.map((c) =>
      vscode.window.createTextEditorDecorationType({
        backgroundColor: `${c}33`,
        borderColor: c,
        borderStyle: 'none none solid none',
        borderWidth: '0 0 2px 0',
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      }),
    );
    this.legend = vscode.window.createStatusBarItem('rnnLab.tagLegend', vscode.StatusBarAlignment.Right, 90);
    this.legend.name = 'RNN Lab Tags';
    this.legend.command = 'rnnLab.clearTags';
    this.disposables.push(
      ...this.decorations,
      this.legend,
      vscode.commands.registerCommand('rnnLab.tagSelection', (arg?: unknown) => this.tag(arg)),
      vscode.commands.registerCommand('rnnLab.clearTags', () => this.clear()),
      vscode.languages.registerHoverProvider({ pattern: '**' }, { provideHover: (doc, pos) => this.hover(doc, pos) }),
      // Edits shift every offset: the tags would sit on the wrong words, so they go.
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length && this.shown.has(e.document.uri.toString())) this.clearDocument(e.document.uri.toString());
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        for (const ed of editors) this.paint(ed);
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.showLegend()),
    );
  }

  private async tag(arg: unknown): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showErrorMessage('Open a text and select the words to tag first.');
      return;
    }
    const ref = await pickModel(this.lab, arg, 'Tag model to run on the selection', (e) => e.kind === 'ok' && isTagModel(e.summary.dir));
    if (!ref) return;
    if (!isTagModel(ref.dir)) {
      reportError(this.lab, `${ref.name} is not a tag model: Tag Selection runs a model trained with the tag task.`);
      return;
    }
    const doc = editor.document;
    const range = editor.selection.isEmpty ? doc.lineAt(editor.selection.active.line).range : editor.selection;
    const text = doc.getText(range);
    if (text.trim() === '') {
      void vscode.window.showInformationMessage('The selection (or the current line) has no words to tag.');
      return;
    }
    const version = doc.version;
    try {
      const engine = await loadEngine();
      const { tokens, tags } = await engine.tagTextWith(ref.dir, ref.checkpoint, this.lab.distDir, text);
      if (doc.version !== version) {
        void vscode.window.showInformationMessage('The document changed while it was being tagged: run Tag Selection again.');
        return;
      }
      const ranges = tagRanges(tokens, doc.offsetAt(range.start));
      this.shown.set(doc.uri.toString(), { version, ref, ranges, tags, types: entityTypes(tags) });
      for (const ed of vscode.window.visibleTextEditors) if (ed.document === doc) this.paint(ed);
      this.showLegend();
      this.lab.log.info(`Tagged ${tokens.length} tokens of ${doc.uri.path} with ${ref.name}: ${legendText(ranges)}`);
    } catch (err) {
      reportError(this.lab, `Cannot tag with ${ref.name}: ${errorText(err)}`);
    }
  }

  private paint(editor: vscode.TextEditor): void {
    const s = this.shown.get(editor.document.uri.toString());
    if (!s || s.version !== editor.document.version) return;
    const byColour: vscode.Range[][] = this.decorations.map(() => []);
    for (const [type, list] of rangesByType(s.ranges)) {
      const k = Math.max(0, s.types.indexOf(type)) % this.decorations.length;
      for (const r of list) byColour[k]!.push(new vscode.Range(editor.document.positionAt(r.start), editor.document.positionAt(r.end)));
    }
    this.decorations.forEach((d, k) => editor.setDecorations(d, byColour[k]!));
  }

  /** The legend of the active editor's tags: each type in its colour, and how many entities. */
  private showLegend(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const s = doc ? this.shown.get(doc.uri.toString()) : undefined;
    if (!s) {
      this.legend.hide();
      return;
    }
    this.legend.text = `$(tag) ${legendText(s.ranges)}`;
    const md = new vscode.MarkdownString(`**RNN Lab tags** (${s.ref.name}), click to clear\n\n`);
    md.supportHtml = true;
    for (const type of s.types) md.appendMarkdown(`<span style="color:${colourOf(s.types, type)};">■</span> ${type}  \n`);
    md.appendMarkdown('O: not coloured');
    this.legend.tooltip = md;
    this.legend.show();
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const s = this.shown.get(doc.uri.toString());
    if (!s || s.version !== doc.version) return undefined;
    const r = rangeAt(s.ranges, doc.offsetAt(pos));
    if (!r) return undefined;
    const md = new vscode.MarkdownString();
    md.supportHtml = true;
    const swatch = r.type === null ? '' : `<span style="color:${colourOf(s.types, r.type)};">■</span> `;
    md.appendMarkdown(`**RNN Lab tag** (${s.ref.name}) of \`${r.token.replace(/`/g, 'ˋ')}\`: ${swatch}**${r.tag}**, p = ${r.probability.toFixed(3)}\n\n`);
    // The runners-up say how sure the model was: the three most likely tags.
    const top = s.tags.map((tag, k) => ({ tag, p: r.probabilities[k] ?? 0 })).sort((a, b) => b.p - a.p).slice(0, 3);
    md.appendMarkdown(top.map((t) => `${t.tag} ${t.p.toFixed(3)}`).join(' · '));
    return new vscode.Hover(md, new vscode.Range(doc.positionAt(r.start), doc.positionAt(r.end)));
  }

  private clearDocument(key: string): void {
    this.shown.delete(key);
    for (const ed of vscode.window.visibleTextEditors) {
      if (ed.document.uri.toString() === key) for (const d of this.decorations) ed.setDecorations(d, []);
    }
    this.showLegend();
  }

  private clear(): void {
    for (const key of [...this.shown.keys()]) this.clearDocument(key);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
