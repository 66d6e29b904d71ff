// What every panel host shares: the page (CSP'd HTML and icon), the validated channel to its
// webview, the log prefix and disposal; and the slot that keeps at most one panel of a kind,
// opening, revealing or reviving it (after a window reload, from the webview's saved state).

import * as vscode from 'vscode';
import { isObject } from '../../protocol/guards.js';
import type { MessageType, ModelRef } from '../../protocol/webview.js';
import { PanelChannel } from './panelChannel.js';
import type { PanelContext } from './panelDeps.js';
import { setPanelHtml, type PanelName } from './webviewHtml.js';

/** One kind of panel: its view type, bundle and title, and how it reads its revive state. */
export class PanelSlot<Host extends PanelHost<{ type: string }, unknown>, ReviveState> {
  current: Host | undefined;

  constructor(
    readonly viewType: string,
    readonly bundle: PanelName,
    readonly title: string,
    /** Prefix of this panel's log lines. */
    readonly logName: string,
    /** The webview's saved state (an object, else `{}`) as the host needs it. */
    private readonly readState: (saved: Record<string, unknown>) => ReviveState,
  ) {}

  /** Brings the open panel forward, or opens a new one beside the editor. */
  open(create: (panel: vscode.WebviewPanel) => Host): { host: Host; opened: boolean } {
    if (this.current) {
      this.current.reveal();
      return { host: this.current, opened: false };
    }
    const panel = vscode.window.createWebviewPanel(this.viewType, this.title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {});
    return { host: (this.current = create(panel)), opened: true };
  }

  /** Restores the panel VS Code kept over a window reload. */
  registerSerializer(revive: (panel: vscode.WebviewPanel, state: ReviveState) => Host): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(this.viewType, {
      deserializeWebviewPanel: async (panel, saved: unknown) => {
        this.current?.dispose();
        this.current = revive(panel, this.readState(isObject(saved) ? saved : {}));
      },
    });
  }
}

export abstract class PanelHost<ToHost extends { type: string }, FromHost> implements vscode.Disposable {
  protected readonly channel: PanelChannel<ToHost, FromHost>;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  private loaded = false;
  private readonly loadWaiters = new Set<(loaded: boolean) => void>();

  protected constructor(
    protected readonly panel: vscode.WebviewPanel,
    protected readonly ctx: PanelContext,
    private readonly slot: PanelSlot<PanelHost<ToHost, FromHost>, unknown>,
    toHost: readonly MessageType<string, ToHost>[],
    /** What the page says before its script has run (code-server may take seconds to start a webview). */
    loading?: { heading: string; message: string },
  ) {
    setPanelHtml(panel.webview, ctx.extensionUri, vscode.Uri, slot.bundle, slot.title, loading);
    panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'icons', 'rnnlab.svg');
    this.channel = new PanelChannel<ToHost, FromHost>(panel, toHost, {
      onReady: () => {
        this.settleLoad(true);
        this.sendState();
      },
      onMessage: (m) => this.onMessage(m),
      onInvalid: (d) => this.log(d),
    });
    this.disposables.push(this.channel, panel.onDidDispose(() => this.dispose()));
  }

  /** Everything the page shows, posted on each "ready" (the page is rebuilt when shown again). */
  protected abstract sendState(): void;
  protected abstract onMessage(message: ToHost): void;
  /** Called once when the panel closes; `wasCurrent` when it was the open panel of its kind. */
  protected onDispose(_wasCurrent: boolean): void {}

  /**
   * A model folder was renamed (`to`) or deleted (null), and listModels() knows it: the page
   * gets its state again, with the models under their current names.
   */
  modelMoved(_from: string, _to: string | null): void {
    this.sendState();
  }

  reveal(): void {
    // Over the active editor the panel would hide the text it shows (and its colours): beside it instead.
    const editorColumn = vscode.window.activeTextEditor?.viewColumn;
    this.panel.reveal(editorColumn !== undefined && this.panel.viewColumn === editorColumn ? vscode.ViewColumn.Beside : undefined, true);
  }

  /**
   * Resolves true once the page has said "ready" (at once if it already has), false when the
   * panel closes or `timeoutMs` passes first.
   */
  whenLoaded(timeoutMs: number): Promise<boolean> {
    if (this.loaded) return Promise.resolve(true);
    if (this.disposed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (loaded: boolean) => {
        clearTimeout(timer);
        this.loadWaiters.delete(done);
        resolve(loaded);
      };
      this.loadWaiters.add(done);
    });
  }

  private settleLoad(loaded: boolean): void {
    if (loaded) this.loaded = true;
    for (const done of [...this.loadWaiters]) done(loaded);
  }

  protected log(message: string): void {
    this.ctx.deps.log(`${this.slot.logName}: ${message}`);
  }

  /** The models to choose from, as the panels name them. */
  protected models(): ModelRef[] {
    return this.ctx.deps.listModels().map((m) => ({ name: m.name, dir: m.dir, cell: m.cell, layers: m.layers, units: m.units }));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.settleLoad(false);
    const wasCurrent = this.slot.current === this;
    if (wasCurrent) this.slot.current = undefined;
    this.onDispose(wasCurrent);
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}
