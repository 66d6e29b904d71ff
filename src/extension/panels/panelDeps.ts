// What the panels need from the rest of the extension, as one typed object passed to
// registerPanels, so the panels import nothing else of the extension.

import type * as vscode from 'vscode';
import type { InspectResult, QuantisedInspectResult } from '../../engine/types.js';
import type { ModelRef, TrainingAction } from '../../protocol/webview.js';
import type { TrainerEvent } from '../../training/events.js';

export interface PanelDeps {
  /** The models the user can choose from (Models view order). */
  listModels(): readonly ModelRef[];
  /**
   * Runs the engine's `inspect(model, text, options)` on the model in `modelDir` (loaded and
   * cached in the host). Rejects with an Error whose message is one sentence.
   */
  inspect(modelDir: string, text: string, options: { topK?: number; gradients?: boolean; position?: number }): Promise<InspectResult>;
  /** The same inspection with its traces quantised to a byte per value (the gate inspector's). */
  inspectQuantised(modelDir: string, text: string, options: { topK?: number }): Promise<QuantisedInspectResult>;
  /**
   * Sends Stop / Pause / Resume / Save checkpoint now / Sample now to the run training
   * `modelDir`. Returns false when no run of that model is active.
   */
  controlTraining(modelDir: string, action: TrainingAction, temperature?: number): boolean;
  /** True while a run of `modelDir` is active (used when the dashboard opens). */
  isTraining(modelDir: string): boolean;
  /** The model quick pick every command uses; resolves to the chosen model's folder. */
  pickModel(placeHolder: string): Promise<string | undefined>;
  /** Calls `listener` with every trainer event of every run, from now on. */
  onTrainerEvent(listener: (modelDir: string, event: TrainerEvent) => void): vscode.Disposable;
  /**
   * model.json `history` of a model (or undefined when unreadable), for earlier-run overlays;
   * `overlayRunsFromHistory` in src/protocol/runSeries.ts turns it into chart series.
   */
  readHistory(modelDir: string): unknown;
  /** Log line in the RNN Lab output channel. */
  log(message: string): void;
}

/** Shared by the three panel classes. */
export interface PanelContext {
  extensionUri: vscode.Uri;
  deps: PanelDeps;
}
