// Host of the training dashboard webview: one panel, showing one model's run at a time; live
// trainer events are batched to at most 4 messages per second.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { overlayRunsFromHistory, type OverlayRun, type RunSeries } from '../../protocol/runSeries.js';
import { seriesCsv, seriesJson, type SeriesFormat } from '../../protocol/seriesExport.js';
import {
  DASHBOARD_TO_HOST,
  readDashboardRevive,
  type DashboardReviveState,
  type DashboardToHost,
  type HostToDashboard,
  type TrainingAction,
  type TrainingStatus,
} from '../../protocol/webview.js';
import type { TrainerEvent } from '../../training/events.js';
import { EventBatcher } from './eventBatcher.js';
import type { PanelContext } from './panelDeps.js';
import { PanelHost, PanelSlot } from './panelHost.js';
import type { RunStore } from './runStore.js';

/**
 * Minimum gap between two event batches: ≤ 4 messages (and chart redraws) per second. The page
 * shares the editor's renderer: at 10 redraws a second, keys typed during training reached the
 * screen 3–5× later than with no training.
 */
export const DASHBOARD_FLUSH_MS = 250;
/** Other models whose history is offered as overlays. */
const MAX_OVERLAY_MODELS = 8;

/** What a control would have acted on: "… is not training, so there is nothing to ___." */
const NOT_TRAINING: Record<TrainingAction, string> = {
  stop: 'stop',
  pause: 'pause',
  resume: 'resume',
  checkpoint: 'save',
  sample: 'sample from',
  temperature: 'set the sampling temperature of',
};

export class DashboardPanel extends PanelHost<DashboardToHost, HostToDashboard> {
  static readonly slot = new PanelSlot<DashboardPanel, DashboardReviveState>(
    'rnnLab.dashboard', 'dashboard', 'RNN Lab: Training', 'Dashboard', readDashboardRevive,
  );

  private readonly batcher: EventBatcher<TrainerEvent>;
  private modelDir: string | null;

  /** Opens the dashboard (or brings it forward) on the run of `modelDir`, else the latest run. */
  static createOrShow(ctx: PanelContext, store: RunStore, modelDir?: string): DashboardPanel {
    const dir = modelDir ?? store.latest ?? ctx.deps.listModels()[0]?.dir ?? null;
    const { host, opened } = DashboardPanel.slot.open((panel) => new DashboardPanel(panel, ctx, store, dir));
    if (!opened && dir && dir !== host.modelDir) host.show(dir);
    return host;
  }

  /** Restores a dashboard after a window reload on the model it showed, else the latest run. */
  static revive(panel: vscode.WebviewPanel, ctx: PanelContext, store: RunStore, state: DashboardReviveState): DashboardPanel {
    return new DashboardPanel(panel, ctx, store, state.modelDir ?? store.latest);
  }

  private constructor(
    panel: vscode.WebviewPanel,
    ctx: PanelContext,
    private readonly store: RunStore,
    modelDir: string | null,
  ) {
    super(panel, ctx, DashboardPanel.slot, DASHBOARD_TO_HOST, {
      heading: modelDir ? `Training dashboard — ${ctx.deps.listModels().find((m) => m.dir === modelDir)?.name ?? path.basename(modelDir)}` : 'Training dashboard',
      message: 'Loading the dashboard…',
    });
    this.modelDir = modelDir;
    this.batcher = new EventBatcher(DASHBOARD_FLUSH_MS, (events) => this.channel.post({ type: 'dashboard/events', events }));
  }

  get shownModel(): string | null {
    return this.modelDir;
  }

  /** Switches to another model's run and re-sends everything. */
  show(modelDir: string): void {
    this.modelDir = modelDir;
    this.sendState();
  }

  override modelMoved(from: string, to: string | null): void {
    if (this.modelDir === from) this.modelDir = to ?? this.store.latest;
    this.sendState();
  }

  /** A live event of any run; only the shown model's reach the webview, batched. */
  postEvent(modelDir: string, e: TrainerEvent): void {
    if (modelDir !== this.modelDir) {
      // A new run elsewhere takes over the dashboard only when the shown model is idle.
      if (e.event !== 'start' || (this.modelDir && this.ctx.deps.isTraining(this.modelDir))) return;
      this.show(modelDir);
      return;
    }
    if (e.event === 'start') {
      this.sendState();
      return;
    }
    this.batcher.push(e);
  }

  /** Pause/resume reported by the extension; shown when it is the displayed model. */
  postStatus(modelDir: string, status: TrainingStatus): void {
    if (modelDir === this.modelDir) this.channel.post({ type: 'dashboard/status', status });
  }

  protected override sendState(): void {
    // The state includes every queued event; the next batch starts a full interval later.
    this.batcher.reset();
    if (!this.modelDir) {
      this.channel.post({ type: 'dashboard/state', snapshot: { model: null, status: 'idle', start: null, lastStep: null, lastEval: null, done: null, series: { step: [], elapsedMs: [], tokens: [], loss: [], gradNorm: [], lr: [], valStep: [], valElapsedMs: [], valTokens: [], valLoss: [] }, samples: [], nans: [], overlays: [] } });
      return;
    }
    const dir = this.modelDir;
    const name = this.nameOf(dir);
    this.panel.title = `RNN Lab: Training ${name}`;
    const overlays = this.overlays(dir);
    let snapshot = this.store.snapshot(dir, name, overlays);
    // No run seen in this window (after a reload, or a model trained earlier): draw the model's
    // last recorded run as the main curve rather than leave the chart empty.
    const last = this.store.get(dir) ? undefined : overlays.filter((o) => o.id.startsWith(`${dir}#`)).at(-1);
    if (last) snapshot = { ...snapshot, series: last.series, overlays: overlays.filter((o) => o !== last) };
    this.channel.post({ type: 'dashboard/state', snapshot });
  }

  private nameOf(dir: string): string {
    return this.ctx.deps.listModels().find((m) => m.dir === dir)?.name ?? path.basename(dir);
  }

  /** Earlier runs of this model, then other models' runs, from their model.json histories. */
  private overlays(dir: string): OverlayRun[] {
    const own = overlayRunsFromHistory(this.nameOf(dir), dir, this.ctx.deps.readHistory(dir));
    // The run being trained is drawn live; its own history entry (same start step) is not an overlay.
    const live = this.store.get(dir);
    const mine = live?.start ? own.filter((o) => o.series.step[0] === undefined || o.series.step[0] <= live.start!.startStep) : own;
    const others = this.ctx.deps
      .listModels()
      .filter((m) => m.dir !== dir)
      .slice(0, MAX_OVERLAY_MODELS)
      .flatMap((m) => overlayRunsFromHistory(m.name, m.dir, this.ctx.deps.readHistory(m.dir)));
    return [...mine, ...others];
  }

  /** The shown run at full resolution: the live one, else the last run recorded in model.json. */
  private shownSeries(dir: string): RunSeries | null {
    const live = this.store.get(dir);
    if (live) return live.series;
    return this.overlays(dir).filter((o) => o.id.startsWith(`${dir}#`)).at(-1)?.series ?? null;
  }

  /** Asks where, then writes the shown run's series there (a webview cannot download by itself). */
  private async exportSeries(format: SeriesFormat): Promise<void> {
    const dir = this.modelDir;
    const series = dir ? this.shownSeries(dir) : null;
    if (!dir || !series || series.step.length + series.valStep.length === 0) {
      this.channel.post({ type: 'error', message: 'There is no run to save yet: its series appear once training has taken a step.' });
      return;
    }
    const name = this.nameOf(dir);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(dir);
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(folder, `${name}-series.${format}`),
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      saveLabel: `Save ${format.toUpperCase()}`,
      title: `Save the series of ${name}`,
    });
    if (!uri) return;
    const text = format === 'csv' ? seriesCsv(series) : seriesJson({ name, dir }, series);
    try {
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
      this.log(`Saved the series of ${name} to ${uri.fsPath}.`);
    } catch (err) {
      this.channel.post({ type: 'error', message: `Could not save ${uri.fsPath}: ${err instanceof Error ? err.message : String(err)}.` });
    }
  }

  protected override onMessage(m: DashboardToHost): void {
    if (m.type === 'dashboard/export') {
      void this.exportSeries(m.format);
      return;
    }
    if (m.type !== 'dashboard/control' || !this.modelDir) return;
    const ok = this.ctx.deps.controlTraining(this.modelDir, m.action, m.temperature);
    if (!ok) {
      this.channel.post({ type: 'error', message: `${this.nameOf(this.modelDir)} is not training, so there is nothing to ${NOT_TRAINING[m.action]}.` });
      return;
    }
    const status = m.action === 'pause' ? 'paused' : m.action === 'resume' ? 'running' : null;
    if (status) {
      this.store.setStatus(this.modelDir, status);
      this.channel.post({ type: 'dashboard/status', status });
    }
  }

  protected override onDispose(): void {
    this.batcher.dispose();
  }
}
