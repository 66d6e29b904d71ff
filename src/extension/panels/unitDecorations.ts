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

/** What showing a colouring did: coloured now, kept for when the document shows, or refused (the text changed). */
export type ColouringShown = 'shown' | 'hidden' | 'stale';

/** One colouring of a document: paints an editor of it, false when the text is no longer there. */
interface Colouring {
  uri: string;
  paint: (editor: vscode.TextEditor) => boolean;
}

/**
 * The inspector's colours in the editor. A colouring belongs to a document, not to one editor:
 * VS Code drops an editor's decorations when it hides (another tab, a closed group), so every
 * editor of the document that shows later (refresh) is painted again until the colours are
 * cleared or the text changes.
 */
export class UnitDecorations implements vscode.Disposable {
  private readonly types = new Map<string, vscode.TextEditorDecorationType>();
  private colouring: Colouring | null = null;
  private decorated = new Set<vscode.TextEditor>();

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

  /** Sets every decoration type on `editor`: the ranges given, none for the others. */
  private set(editor: vscode.TextEditor, byType: Map<vscode.TextEditorDecorationType, vscode.DecorationOptions[]>): void {
    for (const t of this.types.values()) editor.setDecorations(t, byType.get(t) ?? []);
  }

  /**
   * Colours `selection.text` where it starts at document offset `offset` of the document `uri`,
   * in `visible` editors of it now and in later ones (refresh). 'stale' (and no colours) when
   * the document no longer holds that text there.
   */
  showUnit(uri: string, offset: number, selection: UnitSelection, visible: readonly vscode.TextEditor[]): ColouringShown {
    const label = `layer ${selection.layer + 1} · ${selection.gate} · unit ${selection.unit}`;
    return this.show(uri, visible, (editor) => {
      const doc = editor.document;
      if (!holds(doc, offset, selection.text)) return false;
      const byType = new Map<vscode.TextEditorDecorationType, vscode.DecorationOptions[]>();
      for (const [a, b, level] of levelRuns(selection.text, selection.charValues, selection.scale)) {
        push(byType, this.typeFor(selection.scale, level), {
          range: new vscode.Range(doc.positionAt(offset + a), doc.positionAt(offset + b)),
          hoverMessage: `${label}: ${selection.charValues[a]!.toFixed(3)}`,
        });
      }
      this.set(editor, byType);
      return true;
    });
  }

  /**
   * Colours each token of `s.text` (at document offset `offset` of the document `uri`) by its
   * saliency, the hover giving the value; now and in later editors of it, as showUnit does.
   */
  showSaliency(uri: string, offset: number, s: SaliencyColouring, visible: readonly vscode.TextEditor[]): ColouringShown {
    return this.show(uri, visible, (editor) => {
      const doc = editor.document;
      if (!holds(doc, offset, s.text)) return false;
      const byType = new Map<vscode.TextEditorDecorationType, vscode.DecorationOptions[]>();
      for (const r of s.ranges) {
        push(byType, this.typeFor('magnitude', r.level), {
          range: new vscode.Range(doc.positionAt(r.start), doc.positionAt(r.end)),
          hoverMessage: `‖∂ log p(${s.label})/∂x⟨${r.token}⟩‖ = ${r.value.toPrecision(3)} (how strongly this token moved the decision)`,
        });
      }
      this.set(editor, byType);
      return true;
    });
  }

  private show(uri: string, visible: readonly vscode.TextEditor[], paint: (editor: vscode.TextEditor) => boolean): ColouringShown {
    this.clear();
    this.colouring = { uri, paint };
    const onScreen = this.refresh(visible);
    // refresh() drops a colouring whose text is no longer in the document.
    if (!this.colouring) return 'stale';
    return onScreen ? 'shown' : 'hidden';
  }

  /**
   * Paints the editors of the coloured document that showed since (VS Code gave them no
   * decorations). Returns whether any visible editor shows the colours; a changed text clears them.
   */
  refresh(visible: readonly vscode.TextEditor[]): boolean {
    const c = this.colouring;
    if (!c) return false;
    const editors = visible.filter((ed) => ed.document.uri.toString() === c.uri);
    for (const editor of editors) {
      if (this.decorated.has(editor)) continue;
      if (!c.paint(editor)) {
        this.clear();
        return false;
      }
      this.decorated.add(editor);
    }
    // Hidden editors are gone for good: VS Code makes a new one when the document shows again.
    const shown = new Set(editors);
    for (const editor of this.decorated) if (!shown.has(editor)) this.decorated.delete(editor);
    return editors.length > 0;
  }

  /** True when `doc` is the document currently coloured (shown or waiting to show). */
  covers(doc: vscode.TextDocument): boolean {
    return this.colouring?.uri === doc.uri.toString();
  }

  clear(): void {
    for (const editor of this.decorated) for (const t of this.types.values()) editor.setDecorations(t, []);
    this.decorated.clear();
    this.colouring = null;
  }

  dispose(): void {
    this.clear();
    for (const t of this.types.values()) t.dispose();
    this.types.clear();
  }
}

/** Whether `doc` holds `text` at `offset`. */
function holds(doc: vscode.TextDocument, offset: number, text: string): boolean {
  return doc.getText(new vscode.Range(doc.positionAt(offset), doc.positionAt(offset + text.length))) === text;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
