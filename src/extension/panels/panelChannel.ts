// The host side of one panel's message channel: validates what the webview sends, holds
// every post until the webview says "ready", and re-sends the panel's state on each ready
// (the webview is rebuilt whenever a hidden panel is shown again or the window reloads).

import type * as vscode from 'vscode';
import { describeRejected, validate, type MessageType } from '../../protocol/webview.js';

export class PanelChannel<In extends { type: string }, Out> implements vscode.Disposable {
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly panel: vscode.WebviewPanel,
    inbound: readonly MessageType<string, { type: string }>[],
    handlers: { onReady(): void; onMessage(message: In): void; onInvalid(description: string): void },
  ) {
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const m = validate(inbound, raw) as In | null;
        if (!m) return handlers.onInvalid(describeRejected(raw));
        if (m.type === 'ready') {
          this.ready = true;
          handlers.onReady();
        } else {
          handlers.onMessage(m);
        }
      }),
      // A hidden panel's page is destroyed (no retainContextWhenHidden): wait for a new ready.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
    );
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Posts when the page listens; otherwise drops the message (the next ready re-sends state). */
  post(message: Out): boolean {
    if (!this.ready) return false;
    void this.panel.webview.postMessage(message);
    return true;
  }

  dispose(): void {
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}
