// Host of the gate inspector webview: runs the engine's inspect() on the chosen model and text,
// and reports unit clicks (per-character values) so the editor can be coloured.

import * as vscode from 'vscode';
import type { WireInspectResult } from '../../protocol/inspectWire.js';
import {
  INSPECTOR_TO_HOST,
  readInspectorRevive,
  type HostToInspector,
  type InspectorReviveState,
  type InspectorToHost,
  type ModelRef,
  type UnitSelection,
} from '../../protocol/webview.js';
import { toWireInspectResult } from './inspectResultWire.js';
import { saliencyRanges } from './saliencyRanges.js';
import type { SaliencyColouring } from './unitDecorations.js';
import type { PanelContext } from './panelDeps.js';
import { PanelHost, PanelSlot } from './panelHost.js';

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

/** A classifier's inspection of an editor selection: colour that selection by saliency. */
export interface SaliencyEvent {
  saliency: SaliencyColouring;
  source: TextSource;
}

interface Shown {
  model: ModelRef;
  text: string;
  result: WireInspectResult;
  inspectMs: number;
  source: TextSource | null;
}

export class InspectorPanel extends PanelHost<InspectorToHost, HostToInspector> {
  static readonly slot = new PanelSlot<InspectorPanel, InspectorReviveState>(
    'rnnLab.inspector', 'inspector', 'RNN Lab: Gates', 'Gate inspector', readInspectorRevive,
  );
  private static readonly selectEmitter = new vscode.EventEmitter<UnitSelectionEvent>();
  /** Fires when the user clicks a unit (or clears with Escape) in any inspector panel. */
  static readonly onDidSelectUnit = InspectorPanel.selectEmitter.event;
  private static readonly saliencyEmitter = new vscode.EventEmitter<SaliencyEvent>();
  /** Fires when a classifier's inspection of an editor selection is shown (its saliency colours the selection). */
  static readonly onDidShowSaliency = InspectorPanel.saliencyEmitter.event;

  private shown: Shown | null = null;
  private pending: { modelDir: string; text: string; source: TextSource | null } | null = null;
  /** The last failure, re-sent on ready: it may happen before the page listens (after a reload). */
  private error: string | null = null;
  private running = 0;

  /** Opens the inspector (or brings it forward) and, when given, inspects `text` with `modelDir`. */
  static createOrShow(ctx: PanelContext, request?: { modelDir: string; text: string; source?: TextSource | null }): InspectorPanel {
    const { host } = InspectorPanel.slot.open((panel) => new InspectorPanel(panel, ctx));
    if (request) void host.inspect(request.modelDir, request.text, request.source ?? null);
    return host;
  }

  /** After a window reload: re-inspects the model and text the webview had saved. */
  static revive(panel: vscode.WebviewPanel, ctx: PanelContext, state: InspectorReviveState): InspectorPanel {
    const p = new InspectorPanel(panel, ctx);
    if (state.modelDir && state.text) void p.inspect(state.modelDir, state.text, null);
    return p;
  }

  private constructor(panel: vscode.WebviewPanel, ctx: PanelContext) {
    super(panel, ctx, InspectorPanel.slot, INSPECTOR_TO_HOST);
  }

  override modelMoved(from: string, to: string | null): void {
    const renamed = to ? this.models().find((m) => m.dir === to) : undefined;
    if (renamed && this.shown?.model.dir === from) this.shown = { ...this.shown, model: renamed };
    if (to && this.pending?.modelDir === from) this.pending = { ...this.pending, modelDir: to };
    this.sendState();
  }

  /** Runs the model over the text and shows the traces; a newer request supersedes older ones. */
  async inspect(modelDir: string, fullText: string, source: TextSource | null): Promise<void> {
    // The start of a long text; decorations still line up since the offset is unchanged.
    const text = fullText.length > INSPECT_CHAR_LIMIT ? fullText.slice(0, INSPECT_CHAR_LIMIT) : fullText;
    const model = this.models().find((m) => m.dir === modelDir);
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
      const result = await this.ctx.deps.inspectQuantised(modelDir, text, { topK: 5 });
      if (ticket !== this.running) return;
      this.shown = { model, text, result: toWireInspectResult(result), inspectMs: performance.now() - t0, source };
      this.pending = null;
      this.panel.title = `RNN Lab: Gates ${model.name}`;
      this.sendResult();
      const task = result.task;
      if (task?.task === 'classify' && source) {
        const saliency = { text, label: task.labels[task.predicted]!, ranges: saliencyRanges(text, result.offsets, task.saliency, source.offset) };
        InspectorPanel.saliencyEmitter.fire({ saliency, source });
      }
    } catch (err) {
      if (ticket !== this.running) return;
      this.pending = null;
      this.fail(err instanceof Error ? err.message : String(err));
    }
  }

  private fail(message: string): void {
    this.error = message;
    this.log(message);
    this.channel.post({ type: 'error', message });
  }

  private sendModels(selected: string | null): void {
    this.channel.post({ type: 'inspector/models', models: this.models(), selected });
  }

  private sendResult(): void {
    if (!this.shown) return;
    const { model, text, result, inspectMs } = this.shown;
    this.channel.post({ type: 'inspector/result', model, text, result, inspectMs });
  }

  protected override sendState(): void {
    this.sendModels(this.pending?.modelDir ?? this.shown?.model.dir ?? null);
    if (this.pending) this.channel.post({ type: 'inspector/busy', text: this.pending.text });
    else this.sendResult();
    if (this.error) this.channel.post({ type: 'error', message: this.error });
  }

  protected override onMessage(m: InspectorToHost): void {
    if (m.type === 'inspector/run') {
      void this.inspect(m.modelDir, m.text, null);
    } else if (m.type === 'inspector/selectUnit') {
      // A selection for text the panel no longer shows is stale: ignore it.
      if (m.selection && m.selection.text !== this.shown?.text) return;
      InspectorPanel.selectEmitter.fire({ selection: m.selection, source: this.shown?.source ?? null });
    }
  }

  protected override onDispose(wasCurrent: boolean): void {
    // The editor's unit colours belong to the open inspector: they go with it.
    if (wasCurrent) InspectorPanel.selectEmitter.fire({ selection: null, source: this.shown?.source ?? null });
  }
}
