// Host of the gradient-flow webview: computes ‖∂L⟨T⟩/∂a⟨t⟩‖ for one or more models over the
// same text and position, so their vanishing (or not) can be compared on one chart.

import * as vscode from 'vscode';
import { GRADIENTS_OUTBOUND, type GradientSeries, type GradientsInbound, type GradientsOutbound } from '../../protocol/webview.js';
import { PanelChannel } from './panelChannel.js';
import type { PanelContext } from './panelDeps.js';
import { setPanelHtml } from './webviewHtml.js';

/** Longer texts make the backward pass slow and the chart unreadable; the tail is what counts. */
export const GRADIENT_TEXT_LIMIT = 400;

interface Computed {
  text: string;
  tokens: string[];
  position: number;
  series: GradientSeries[];
}

export class GradientFlowPanel {
  static readonly viewType = 'rnnLab.gradientFlow';
  static current: GradientFlowPanel | undefined;

  private readonly _disposables: vscode.Disposable[] = [];
  private readonly channel: PanelChannel<Extract<GradientsOutbound, { type: string }>, GradientsInbound>;
  private text = '';
  private computed: Computed | null = null;
  private busy = false;
  /** The last failure, re-sent on ready: it may happen before the page listens (after a reload). */
  private error: string | null = null;
  private running = 0;

  /** Opens the panel and computes the curves of `modelDirs` over `text` at `position` (default: the end). */
  static createOrShow(ctx: PanelContext, request: { modelDirs: string[]; text: string; position?: number }): GradientFlowPanel {
    let p = GradientFlowPanel.current;
    if (p) {
      p.panel.reveal(undefined, true);
    } else {
      const panel = vscode.window.createWebviewPanel(GradientFlowPanel.viewType, 'RNN Lab: Gradient Flow', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {});
      p = GradientFlowPanel.current = new GradientFlowPanel(panel, ctx);
    }
    void p.compute(request.modelDirs, request.text, request.position);
    return p;
  }

  static revive(panel: vscode.WebviewPanel, ctx: PanelContext, state: unknown): GradientFlowPanel {
    GradientFlowPanel.current?.dispose();
    const p = (GradientFlowPanel.current = new GradientFlowPanel(panel, ctx));
    const s = typeof state === 'object' && state !== null ? (state as { modelDirs?: unknown; position?: unknown; text?: unknown }) : {};
    const dirs = Array.isArray(s.modelDirs) ? s.modelDirs.filter((d): d is string => typeof d === 'string') : [];
    if (dirs.length && typeof s.text === 'string' && s.text) void p.compute(dirs, s.text, typeof s.position === 'number' ? s.position : undefined);
    return p;
  }

  private constructor(private readonly panel: vscode.WebviewPanel, private readonly ctx: PanelContext) {
    setPanelHtml(panel.webview, ctx.extensionUri, vscode.Uri, 'gradients', 'RNN Lab: Gradient Flow');
    panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'icons', 'rnnlab.svg');
    this.channel = new PanelChannel(panel, GRADIENTS_OUTBOUND, {
      onReady: () => this.sendState(),
      onMessage: (m) => {
        if (m.type === 'gradients/compute') void this.compute(m.modelDirs, this.text, m.position);
      },
      onInvalid: (d) => ctx.deps.log(`Gradient flow: ${d}`),
    });
    this._disposables.push(this.channel, panel.onDidDispose(() => this.dispose()));
  }

  async compute(modelDirs: string[], text: string, position?: number): Promise<void> {
    this.text = text.length > GRADIENT_TEXT_LIMIT ? text.slice(text.length - GRADIENT_TEXT_LIMIT) : text;
    const ticket = ++this.running;
    this.busy = true;
    this.error = null;
    this.channel.post({ type: 'gradients/busy' });
    const known = this.ctx.deps.listModels();
    const series: GradientSeries[] = [];
    let tokens: string[] = [];
    let pos = position;
    try {
      for (const dir of modelDirs) {
        const m = known.find((k) => k.dir === dir);
        if (!m) throw new Error(`There is no model at ${dir} any more.`);
        const r = await this.ctx.deps.inspect(dir, this.text, { topK: 1, gradients: true, position: pos });
        if (!r.gradients) throw new Error(`${m.name} returned no gradient flow.`);
        if (tokens.length === 0) tokens = r.tokens;
        // Models with other tokenisations differ in length; each uses its own clamp of T.
        pos ??= r.gradients.position;
        series.push({ model: { name: m.name, dir: m.dir, cell: m.cell, layers: m.layers, units: m.units }, flow: r.gradients });
      }
      if (ticket !== this.running) return;
      this.computed = { text: this.text, tokens, position: pos ?? 0, series };
      this.busy = false;
      this.sendState();
    } catch (err) {
      if (ticket !== this.running) return;
      this.busy = false;
      this.error = err instanceof Error ? err.message : String(err);
      this.ctx.deps.log(`Gradient flow: ${this.error}`);
      this.channel.post({ type: 'error', message: this.error });
    }
  }

  private sendState(): void {
    const models = this.ctx.deps.listModels().map((m) => ({ name: m.name, dir: m.dir, cell: m.cell, layers: m.layers, units: m.units }));
    const c = this.computed;
    if (c) this.channel.post({ type: 'gradients/state', text: c.text, tokens: c.tokens, position: c.position, models, series: c.series });
    if (this.busy) this.channel.post({ type: 'gradients/busy' });
    if (this.error) this.channel.post({ type: 'error', message: this.error });
  }

  dispose(): void {
    if (GradientFlowPanel.current === this) GradientFlowPanel.current = undefined;
    this.panel.dispose();
    while (this._disposables.length) this._disposables.pop()?.dispose();
  }
}
