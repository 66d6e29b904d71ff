// Colours the editor's text by one unit's activation (Karpathy-style), or by a classifier's
// saliency per token, through decorations: values are quantised to a few levels, one
// decoration type per level and scale.

import * as vscode from 'vscode';
import { colorFor, textColorOn, type ScaleKind } from '../../../webview/common/colorScales.js';
import type { UnitSelection } from '../../protocol/webview.js';
import type { SaliencyRange } from './saliencyRanges.js';
import { levelRuns, levelValue } from './unitColorLevels.js';

/** A classifier's saliency over an inspected selection, ready for the editor. */
export interface SaliencyColouring {
  /** The inspected text (the document must still hold it at the offset). */
  text: string;
  /** The predicted label, for the hover. */
  label: string;
  ranges: SaliencyRange[];
}

export class UnitDecorations implements vscode.Disposable {
  private readonly types = new Map<string, vscode.TextEditorDecorationType>();
  private decorated: vscode.TextEditor[] = [];

  private typeFor(kind: ScaleKind, level: number): vscode.TextEditorDecorationType {
    const key = `${kind}:${level}`;
    let t = this.types.get(key);
    if (!t) {
      const bg = colorFor(kind, levelValue(kind, level));
      t = vscode.window.createTextEditorDecorationType({ backgroundColor: bg, color: textColorOn(bg), borderRadius: '2px' });
      this.types.set(key, t);
    }
    return t;
  }

  /**
   * Colours `selection.text` where it starts at document offset `offset` in `editor`. Returns
   * false (and changes nothing) when the document no longer holds that text there.
   */
  apply(editor: vscode.TextEditor, offset: number, selection: UnitSelection): boolean {
    const doc = editor.document;
    const start = doc.positionAt(offset);
    const end = doc.positionAt(offset + selection.text.length);
    if (doc.getText(new vscode.Range(start, end)) !== selection.text) return false;
    this.clear();
    const byType = new Map<vscode.TextEditorDecorationType, vscode.DecorationOptions[]>();
    for (const t of this.types.values()) byType.set(t, []);
    const label = `layer ${selection.layer + 1} · ${selection.gate} · unit ${selection.unit}`;
    for (const [a, b, level] of levelRuns(selection.text, selection.charValues, selection.scale)) {
      const type = this.typeFor(selection.scale, level);
      const list = byType.get(type) ?? [];
      list.push({
        range: new vscode.Range(doc.positionAt(offset + a), doc.positionAt(offset + b)),
        hoverMessage: `${label}: ${selection.charValues[a]!.toFixed(3)}`,
      });
      byType.set(type, list);
    }
    for (const [type, ranges] of byType) editor.setDecorations(type, ranges);
    this.decorated = [editor];
    return true;
  }

  /**
   * Colours each token of `s.text` (at document offset `offset`) by its saliency, the hover
   * giving the value. Returns false (and changes nothing) when the document no longer holds the text there.
   */
  applySaliency(editor: vscode.TextEditor, offset: number, s: SaliencyColouring): boolean {
    const doc = editor.document;
    if (doc.getText(new vscode.Range(doc.positionAt(offset), doc.positionAt(offset + s.text.length))) !== s.text) return false;
    this.clear();
    const byType = new Map<vscode.TextEditorDecorationType, vscode.DecorationOptions[]>();
    for (const t of this.types.values()) byType.set(t, []);
    for (const r of s.ranges) {
      const type = this.typeFor('magnitude', r.level);
      const list = byType.get(type) ?? [];
      list.push({
        range: new vscode.Range(doc.positionAt(r.start), doc.positionAt(r.end)),
        hoverMessage: `‖∂ log p(${s.label})/∂x⟨${r.token}⟩‖ = ${r.value.toPrecision(3)} (how strongly this token moved the decision)`,
      });
      byType.set(type, list);
    }
    for (const [type, ranges] of byType) editor.setDecorations(type, ranges);
    this.decorated = [editor];
    return true;
  }

  /** True when `doc` is the document currently coloured. */
  covers(doc: vscode.TextDocument): boolean {
    return this.decorated.some((ed) => ed.document === doc);
  }

  clear(): void {
    for (const editor of this.decorated) for (const t of this.types.values()) editor.setDecorations(t, []);
    this.decorated = [];
  }

  dispose(): void {
    this.clear();
    for (const t of this.types.values()) t.dispose();
    this.types.clear();
  }
}
