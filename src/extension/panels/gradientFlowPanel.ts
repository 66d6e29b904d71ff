// Host of the gradient-flow webview: computes ‖∂L⟨T⟩/∂a⟨t⟩‖ for one or more models over the
// same text and position, so their vanishing (or not) can be compared on one chart.

import type * as vscode from 'vscode';
import {
  GRADIENTS_TO_HOST,
  readGradientsRevive,
  type GradientSeries,
  type GradientsReviveState,
  type GradientsToHost,
  type HostToGradients,
} from '../../protocol/webview.js';
import type { PanelContext } from './panelDeps.js';
import { PanelHost, PanelSlot } from './panelHost.js';

/** Longer texts make the backward pass slow and the chart unreadable; the tail is what counts. */
export const GRADIENT_TEXT_LIMIT = 400;

interface Computed {
  text: string;
  source: string | undefined;
  tokens: string[];
  position: number;
  series: GradientSeries[];
}

export class GradientFlowPanel extends PanelHost<GradientsToHost, HostToGradients> {
  static readonly slot = new PanelSlot<GradientFlowPanel, GradientsReviveState>(
    'rnnLab.gradientFlow', 'gradients', 'RNN Lab: Gradient Flow', 'Gradient flow', readGradientsRevive,
  );

  private text = '';
  /** Where the text came from, in words, for the panel to say. */
  private source: string | undefined;
  private computed: Computed | null = null;
  private busy = false;
  /** The last failure, re-sent on ready: it may happen before the page listens (after a reload). */
  private error: string | null = null;
  private running = 0;

  /** Opens the panel and computes the curves of `modelDirs` over `text` at `position` (default: the end). */
  static createOrShow(ctx: PanelContext, request: { modelDirs: string[]; text: string; position?: number; source?: string }): GradientFlowPanel {
    const { host } = GradientFlowPanel.slot.open((panel) => new GradientFlowPanel(panel, ctx));
    void host.compute(request.modelDirs, request.text, request.position, request.source);
    return host;
  }

  /** After a window reload: recomputes the curves the webview had saved. */
  static revive(panel: vscode.WebviewPanel, ctx: PanelContext, state: GradientsReviveState): GradientFlowPanel {
    const p = new GradientFlowPanel(panel, ctx);
    if (state.modelDirs.length && state.text) void p.compute(state.modelDirs, state.text, state.position ?? undefined, undefined);
    return p;
  }

  private constructor(panel: vscode.WebviewPanel, ctx: PanelContext) {
    super(panel, ctx, GradientFlowPanel.slot, GRADIENTS_TO_HOST);
  }

  protected override onMessage(m: GradientsToHost): void {
    if (m.type === 'gradients/compute') void this.compute(m.modelDirs, this.text, m.position, this.source);
  }

  override modelMoved(from: string, to: string | null): void {
    const renamed = to ? this.models().find((m) => m.dir === to) : undefined;
    if (renamed && this.computed) {
      this.computed = { ...this.computed, series: this.computed.series.map((s) => (s.model.dir === from ? { ...s, model: renamed } : s)) };
    }
    this.sendState();
  }

  /** `source` says in words where the text came from (undefined: not known, after a reload). */
  async compute(modelDirs: string[], text: string, position: number | undefined, source: string | undefined): Promise<void> {
    this.source = source;
    this.text = text.length > GRADIENT_TEXT_LIMIT ? text.slice(text.length - GRADIENT_TEXT_LIMIT) : text;
    const ticket = ++this.running;
    this.busy = true;
    this.error = null;
    this.channel.post({ type: 'gradients/busy' });
    const known = this.models();
    const series: GradientSeries[] = [];
    let tokens: string[] = [];
    let pos = position;
    try {
      for (const dir of modelDirs) {
        const m = known.find((k) => k.dir === dir);
        if (!m) throw new Error(`There is no model at ${dir} any more.`);
        // A classifier's and a seq2seq model's loss is read after the whole text: no position T to choose.
        const wholeText = m.task === 'classify' || m.task === 'seq2seq';
        const r = await this.ctx.deps.inspect(dir, this.text, wholeText ? { topK: 1, gradients: true } : { topK: 1, gradients: true, position: pos });
        if (!r.gradients) throw new Error(`${m.name} returned no gradient flow.`);
        if (tokens.length === 0) tokens = r.tokens;
        // Models with other tokenisations differ in length; each uses its own clamp of T.
        pos ??= r.gradients.position;
        series.push({ model: m, flow: r.gradients });
      }
      if (ticket !== this.running) return;
      this.computed = { text: this.text, source, tokens, position: pos ?? 0, series };
      this.busy = false;
      this.sendState();
    } catch (err) {
      if (ticket !== this.running) return;
      this.busy = false;
      this.error = err instanceof Error ? err.message : String(err);
      this.log(this.error);
      this.channel.post({ type: 'error', message: this.error });
    }
  }

  protected override sendState(): void {
    const c = this.computed;
    if (c) this.channel.post({ type: 'gradients/state', text: c.text, tokens: c.tokens, position: c.position, ...(c.source ? { source: c.source } : {}), models: this.models(), series: c.series });
    if (this.busy) this.channel.post({ type: 'gradients/busy' });
    if (this.error) this.channel.post({ type: 'error', message: this.error });
  }
}
