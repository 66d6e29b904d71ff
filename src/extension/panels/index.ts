// The panels' one entry point for the extension: registerPanels(context, deps) registers the
// webview serializers, relays trainer events to the dashboard, colours the editor on unit
// clicks, and returns the functions the commands call.

import * as vscode from 'vscode';
import type { TrainingStatus } from '../../protocol/webview.js';
import { DashboardPanel } from './dashboardPanel.js';
import { GradientFlowPanel, GRADIENT_TEXT_LIMIT } from './gradientFlowPanel.js';
import { INSPECT_CHAR_LIMIT, InspectorPanel, type SaliencyEvent, type TextSource, type UnitSelectionEvent } from './inspectorPanel.js';
import type { PanelContext, PanelDeps } from './panelDeps.js';
import { RunStore } from './runStore.js';
import { UnitDecorations } from './unitDecorations.js';

export type { PanelDeps } from './panelDeps.js';
export type { UnitSelectionEvent } from './inspectorPanel.js';
export { DashboardPanel } from './dashboardPanel.js';
export { InspectorPanel } from './inspectorPanel.js';
export { GradientFlowPanel } from './gradientFlowPanel.js';

/** Command that removes the unit colouring from the editor (bind it to Escape, see below). */
export const CLEAR_UNIT_COLORS_COMMAND = 'rnnLab.clearUnitColors';
/** Context key set while the editor shows unit colours: `"when": "editorTextFocus && rnnLab.unitColorsShown"`. */
export const UNIT_COLORS_CONTEXT = 'rnnLab.unitColorsShown';

/** Models overlaid by default when Show Gradient Flow runs without a chosen model. */
const DEFAULT_GRADIENT_MODELS = 3;

export interface Panels extends vscode.Disposable {
  /** Opens the training dashboard on `modelDir`'s run (default: the latest run). */
  openDashboard(modelDir?: string): void;
  /** Opens the dashboard on `modelDir` and resolves once its page listens (false: closed or timed out). */
  openDashboardLoaded(modelDir: string, timeoutMs: number): Promise<boolean>;
  /** Inspects the active editor's selection (or opens an empty inspector) with `modelDir` or a picked model. */
  inspectSelection(modelDir?: string): Promise<void>;
  /** Gradient flow over the selection (or the text before the cursor) for `modelDir`, or the first few models. */
  showGradientFlow(modelDir?: string): Promise<void>;
  /**
   * Tells the dashboard that training was paused or resumed from elsewhere (a command, the
   * status bar): trainer events do not carry that.
   */
  trainingStatusChanged(modelDir: string, status: TrainingStatus): void;
  /** A model folder was renamed (`to`) or deleted (null): open panels show it under its new name. */
  modelMoved(from: string, to: string | null): void;
  /** Unit clicks in the inspector, with per-character values (already applied as decorations). */
  readonly onDidSelectUnit: vscode.Event<UnitSelectionEvent>;
}

export function registerPanels(context: vscode.ExtensionContext, deps: PanelDeps): Panels {
  const ctx: PanelContext = { extensionUri: context.extensionUri, deps };
  const store = new RunStore();
  const decorations = new UnitDecorations();

  const showing = (on: boolean) => void vscode.commands.executeCommand('setContext', UNIT_COLORS_CONTEXT, on);
  const clearColors = () => {
    decorations.clear();
    showing(false);
  };
  const applySelection = (e: UnitSelectionEvent) => {
    if (!e.selection || !e.source) return clearColors();
    const shown = decorations.showUnit(e.source.uri, e.source.offset, e.selection, vscode.window.visibleTextEditors);
    showing(shown === 'shown');
    if (shown === 'hidden') deps.log('Gate inspector: the inspected document is not in a visible editor; its unit colours appear when it is shown.');
    if (shown === 'stale') deps.log('Gate inspector: the document no longer holds the inspected text, so only the panel is coloured.');
  };

  const applySaliency = (e: SaliencyEvent) => {
    const shown = decorations.showSaliency(e.source.uri, e.source.offset, e.saliency, vscode.window.visibleTextEditors);
    showing(shown === 'shown');
    // Hidden (behind the panel, in another tab) or closed for now: coloured when it shows again.
    if (shown === 'hidden') deps.log('Gate inspector: the inspected document is not in a visible editor; its saliency colours appear when it is shown.');
    if (shown === 'stale') deps.log('Gate inspector: the document no longer holds the inspected text, so only the panel shows the saliency.');
  };

  const subscriptions: vscode.Disposable[] = [
    decorations,
    InspectorPanel.onDidShowSaliency(applySaliency),
    // VS Code gives an editor that shows again no decorations: the colours follow the document.
    vscode.window.onDidChangeVisibleTextEditors((editors) => showing(decorations.refresh(editors))),
    deps.onTrainerEvent((modelDir, event) => {
      store.add(modelDir, event);
      DashboardPanel.slot.current?.postEvent(modelDir, event);
    }),
    InspectorPanel.onDidSelectUnit(applySelection),
    vscode.commands.registerCommand(CLEAR_UNIT_COLORS_COMMAND, clearColors),
    // Edits shift the characters under the colours: the colouring would then be wrong.
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0 && decorations.covers(e.document)) clearColors();
    }),
    DashboardPanel.slot.registerSerializer((panel, state) => DashboardPanel.revive(panel, ctx, store, state)),
    InspectorPanel.slot.registerSerializer((panel, state) => InspectorPanel.revive(panel, ctx, state)),
    GradientFlowPanel.slot.registerSerializer((panel, state) => GradientFlowPanel.revive(panel, ctx, state)),
    { dispose: () => [DashboardPanel.slot.current, InspectorPanel.slot.current, GradientFlowPanel.slot.current].forEach((p) => p?.dispose()) },
  ];
  context.subscriptions.push(...subscriptions);

  /** The editor a command means: the active one, or (when a panel has focus) a visible one. */
  const targetEditor = (): vscode.TextEditor | undefined => vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];

  return {
    openDashboard(modelDir) {
      DashboardPanel.createOrShow(ctx, store, modelDir);
    },
    openDashboardLoaded(modelDir, timeoutMs) {
      return DashboardPanel.createOrShow(ctx, store, modelDir).whenLoaded(timeoutMs);
    },
    async inspectSelection(modelDir) {
      const dir = modelDir ?? (await deps.pickModel('Model to inspect the selection with'));
      if (!dir) return;
      const editor = targetEditor();
      const sel = editor?.selection;
      if (!editor || !sel || sel.isEmpty) {
        // No selection: open the panel so the user can type text there.
        InspectorPanel.createOrShow(ctx);
        return;
      }
      const text = editor.document.getText(sel);
      if (text.length > INSPECT_CHAR_LIMIT) {
        void vscode.window.showInformationMessage(`The gate inspector shows the first ${INSPECT_CHAR_LIMIT} characters of the selection.`);
      }
      const source: TextSource = { uri: editor.document.uri.toString(), offset: editor.document.offsetAt(sel.start) };
      InspectorPanel.createOrShow(ctx, { modelDir: dir, text, source });
    },
    async showGradientFlow(modelDir) {
      const editor = targetEditor();
      if (!editor) {
        void vscode.window.showInformationMessage('Open a text file (or select some text) to see the gradient flow over it.');
        return;
      }
      const doc = editor.document;
      const sel = editor.selection;
      const beforeCursor = sel.isEmpty ? doc.getText(new vscode.Range(doc.positionAt(Math.max(0, doc.offsetAt(sel.active) - GRADIENT_TEXT_LIMIT)), sel.active)) : '';
      const text = sel.isEmpty ? beforeCursor || doc.getText().slice(0, GRADIENT_TEXT_LIMIT) : doc.getText(sel);
      if (text.length < 2) {
        void vscode.window.showInformationMessage('The gradient flow needs at least two characters of text: select some.');
        return;
      }
      const dirs = modelDir ? [modelDir] : deps.listModels().slice(0, DEFAULT_GRADIENT_MODELS).map((m) => m.dir);
      if (dirs.length === 0) {
        void vscode.window.showInformationMessage('There are no models yet: run “RNN Lab: Train Model on Active File…” first.');
        return;
      }
      const file = doc.isUntitled ? 'an untitled editor' : vscode.workspace.asRelativePath(doc.uri);
      const source = !sel.isEmpty ? `the selection in ${file}` : beforeCursor ? `the ${text.length} characters before the cursor in ${file}` : `the first ${text.length} characters of ${file}`;
      GradientFlowPanel.createOrShow(ctx, { modelDirs: dirs, text, source });
    },
    trainingStatusChanged(modelDir, status) {
      store.setStatus(modelDir, status);
      DashboardPanel.slot.current?.postStatus(modelDir, status);
    },
    modelMoved(from, to) {
      store.move(from, to);
      DashboardPanel.slot.current?.modelMoved(from, to);
      InspectorPanel.slot.current?.modelMoved(from, to);
      GradientFlowPanel.slot.current?.modelMoved(from, to);
    },
    onDidSelectUnit: InspectorPanel.onDidSelectUnit,
    dispose() {
      for (const s of subscriptions) s.dispose();
    },
  };
}
