// Host of the gate inspector webview: runs the engine's inspect() on the chosen model and text,
// and reports unit clicks (per-character values) so the editor can be coloured.

import * as vscode from 'vscode';
import type { InspectResult } from '../../engine/types.js';
import { INSPECTOR_OUTBOUND, type InspectorInbound, type InspectorOutbound, type ModelRef, type UnitSelection } from '../../protocol/webview.js';
import { compactInspectResult } from './inspectResultCompact.js';
import { PanelChannel } from './panelChannel.js';
import type { PanelContext } from './panelDeps.js';
import { setPanelHtml } from './webviewHtml.js';

/** Where the inspected text came from in an editor, so decorations land on the same characters. */
export interface TextSource {
  uri: string;
  /** Document offset of the text's first character. */
  offset: number;
}

/** Longest text the inspector runs (the engine refuses > 5000 tokens; wider maps stop being readable). */
export const INSPECT_CHAR_LIMIT = 2000;

export interface UnitSelectionEvent {
  /** null: the user cleared the colouring (Escape). */
  selection: UnitSelection | null;
  /** Set when the inspected text is a selection of an editor document. */
  source: TextSource | null;
}

interface Shown {
  model: ModelRef;
  text: string;
  result: InspectResult;
  inspectMs: number;
  source: TextSource | null;
}

export class InspectorPanel {
  static readonly viewType = 'rnnLab.inspector';
  static current: InspectorPanel | undefined;
  private static readonly selectEmitter = new vscode.EventEmitter<UnitSelectionEvent>();
  /** Fires when the user clicks a unit (or clears with Escape) in any inspector panel. */
  static readonly onDidSelectUnit = InspectorPanel.selectEmitter.event;

  private readonly _disposables: vscode.Disposable[] = [];
  private readonly channel: PanelChannel<Extract<InspectorOutbound, { type: string }>, InspectorInbound>;
  private shown: Shown | null = null;
  private pending: { modelDir: string; text: string; source: TextSource | null } | null = null;
  /** The last failure, re-sent on ready: it may happen before the page listens (after a reload). */
  private error: string | null = null;
  private running = 0;

  /** Opens the inspector (or brings it forward) and, when given, inspects `text` with `modelDir`. */
  static createOrShow(ctx: PanelContext, request?: { modelDir: string; text: string; source?: TextSource | null }): InspectorPanel {
    let p = InspectorPanel.current;
    if (p) {
      p.panel.reveal(undefined, true);
    } else {
      const panel = vscode.window.createWebviewPanel(InspectorPanel.viewType, 'RNN Lab: Gates', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {});
      p = InspectorPanel.current = new InspectorPanel(panel, ctx);
    }
    if (request) void p.inspect(request.modelDir, request.text, request.source ?? null);
    return p;
  }

  /** After a window reload: re-inspects the model and text the webview had saved. */
  static revive(panel: vscode.WebviewPanel, ctx: PanelContext, state: unknown): InspectorPanel {
    InspectorPanel.current?.dispose();
    const p = (InspectorPanel.current = new InspectorPanel(panel, ctx));
    const s = typeof state === 'object' && state !== null ? (state as { modelDir?: unknown; text?: unknown }) : {};
    if (typeof s.modelDir === 'string' && typeof s.text === 'string' && s.text) void p.inspect(s.modelDir, s.text, null);
    return p;
  }

  private constructor(private readonly panel: vscode.WebviewPanel, private readonly ctx: PanelContext) {
    setPanelHtml(panel.webview, ctx.extensionUri, vscode.Uri, 'inspector', 'RNN Lab: Gates');
    panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'icons', 'rnnlab.svg');
    this.channel = new PanelChannel(panel, INSPECTOR_OUTBOUND, {
      onReady: () => this.sendState(),
      onMessage: (m) => this.onMessage(m),
      onInvalid: (d) => ctx.deps.log(`Gate inspector: ${d}`),
    });
    this._disposables.push(this.channel, panel.onDidDispose(() => this.dispose()));
  }

  /** Runs the model over the text and shows the traces; a newer request supersedes older ones. */
  async inspect(modelDir: string, fullText: string, source: TextSource | null): Promise<void> {
    // The start of a long text; decorations still line up since the offset is unchanged.
    const text = fullText.length > INSPECT_CHAR_LIMIT ? fullText.slice(0, INSPECT_CHAR_LIMIT) : fullText;
    const model = this.ctx.deps.listModels().find((m) => m.dir === modelDir);
    const ticket = ++this.running;
    this.pending = { modelDir, text, source };
    this.error = null;
    this.sendModels(modelDir);
    if (!model) {
      this.pending = null;
      this.fail(`There is no model at ${modelDir} any more.`);
      return;
    }
    this.channel.post({ type: 'inspector/busy', text });
    const t0 = performance.now();
    try {
      const result = await this.ctx.deps.inspect(modelDir, text, { topK: 5 });
      if (ticket !== this.running) return;
      this.shown = { model: { name: model.name, dir: model.dir, cell: model.cell, layers: model.layers, units: model.units }, text, result: compactInspectResult(result), inspectMs: performance.now() - t0, source };
      this.pending = null;
      this.panel.title = `RNN Lab: Gates ${model.name}`;
      this.sendResult();
    } catch (err) {
      if (ticket !== this.running) return;
      this.pending = null;
      this.fail(err instanceof Error ? err.message : String(err));
    }
  }

  private fail(message: string): void {
    this.error = message;
    this.ctx.deps.log(`Gate inspector: ${message}`);
    this.channel.post({ type: 'error', message });
  }

  private sendModels(selected: string | null): void {
    const models = this.ctx.deps.listModels().map((m) => ({ name: m.name, dir: m.dir, cell: m.cell, layers: m.layers, units: m.units }));
    this.channel.post({ type: 'inspector/models', models, selected });
  }

  private sendResult(): void {
    if (!this.shown) return;
    const { model, text, result, inspectMs } = this.shown;
    this.channel.post({ type: 'inspector/result', model, text, result, inspectMs });
  }

  private sendState(): void {
    this.sendModels(this.pending?.modelDir ?? this.shown?.model.dir ?? null);
    if (this.pending) this.channel.post({ type: 'inspector/busy', text: this.pending.text });
    else this.sendResult();
    if (this.error) this.channel.post({ type: 'error', message: this.error });
  }

  private onMessage(m: Extract<InspectorOutbound, { type: string }>): void {
    if (m.type === 'inspector/run') {
      void this.inspect(m.modelDir, m.text, null);
    } else if (m.type === 'inspector/selectUnit') {
      // A selection for text the panel no longer shows is stale: ignore it.
      if (m.selection && m.selection.text !== this.shown?.text) return;
      InspectorPanel.selectEmitter.fire({ selection: m.selection, source: this.shown?.source ?? null });
    }
  }

  dispose(): void {
    if (InspectorPanel.current === this) {
      InspectorPanel.current = undefined;
      InspectorPanel.selectEmitter.fire({ selection: null, source: this.shown?.source ?? null });
    }
    this.panel.dispose();
    while (this._disposables.length) this._disposables.pop()?.dispose();
  }
}
