// Inline completions in VS Code: the InlineCompletionItemProvider over CompletionService, the
// status-bar indicator of the completing model, and Use Model for Completions / Turn Off.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { CompletionService, windowStart } from './completionService.js';
import { loadEngine } from './engineLoader.js';
import { getModel } from './hostModels.js';
import { CONFIG_TARGET, chooseModel, errorText, nodeArg, reportError, settingsReader } from './lab.js';
import type { Lab } from './lab.js';
import { completionModelSetting, languageMatches, readCompletionSettings, settingWriteScope } from './settings.js';
import type { CompletionSettings } from './settings.js';

export class CompletionController implements vscode.InlineCompletionItemProvider, vscode.Disposable {
  readonly service: CompletionService;
  private readonly status: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  /** The model dir + failure last reported, so a broken model is reported once, not per keystroke. */
  private reported = '';
  /** Invalid-setting warnings already logged (settings are read on every keystroke). */
  private readonly warned = new Set<string>();

  constructor(private readonly lab: Lab) {
    this.service = new CompletionService(async (dir) => {
      const { model } = await getModel({ dir, checkpoint: 'root' }, lab.distDir);
      const engine = await loadEngine();
      return { completer: engine.createCompleter(model), tokenMode: model.vocab.mode };
    });
    this.service.onGone = (dir) => this.announceGone(dir);
    this.status = vscode.window.createStatusBarItem('rnnLab.completions', vscode.StatusBarAlignment.Right, 100);
    this.status.name = 'RNN Lab Completions';
    this.status.command = 'rnnLab.useForCompletions';
    this.disposables.push(
      this.status,
      vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, this),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('rnnLab.completions') || e.affectsConfiguration('rnnLab.modelsDirectory')) void this.sync();
      }),
      vscode.commands.registerCommand('rnnLab.useForCompletions', (arg?: unknown) => this.useModel(arg)),
      vscode.commands.registerCommand('rnnLab.disableCompletions', () => this.turnOff()),
    );
    void this.sync();
  }

  private settings(): CompletionSettings {
    const { value, warnings } = readCompletionSettings(settingsReader());
    for (const w of warnings) {
      if (this.warned.has(w)) continue;
      this.warned.add(w);
      this.lab.log.warn(w);
    }
    return value;
  }

  /** The folder `rnnLab.completions.model` names: a model name in the models folder, or a path. */
  private modelDirFor(setting: string): string | null {
    if (setting.trim() === '') return null;
    return path.isAbsolute(setting) ? setting : path.join(this.lab.modelsDir(), setting);
  }

  /** Brings the loaded model and the status bar in line with the settings. */
  async sync(force = false): Promise<void> {
    const s = this.settings();
    const dir = s.enabled ? this.modelDirFor(s.model) : null;
    const state = this.service.state;
    const current = state.kind === 'none' ? null : state.modelDir;
    if (force || dir !== current || state.kind === 'error') {
      try {
        await this.service.setModel(dir);
        this.reported = '';
        if (dir) this.lab.log.info(`Completions from ${path.basename(dir)}`);
      } catch (err) {
        const message = `Cannot use ${path.basename(dir!)} for completions: ${errorText(err)}`;
        if (this.reported !== message) {
          this.reported = message;
          reportError(this.lab, message);
        }
      }
    }
    this.render(s);
  }

  /** A model folder changed on disk (training saved, renamed, deleted): reload if it completes. */
  async modelChanged(dir: string): Promise<void> {
    const state = this.service.state;
    if (state.kind !== 'none' && path.resolve(state.modelDir) === path.resolve(dir)) await this.sync(true);
  }

  private render(s: CompletionSettings): void {
    const state = this.service.state;
    if (!s.enabled) {
      this.status.hide();
      void vscode.commands.executeCommand('setContext', 'rnnLab.completionsActive', false);
      return;
    }
    if (state.kind === 'none') {
      this.status.text = '$(sparkle) RNN Lab: choose a model';
      this.status.tooltip = 'Completions are on but no model is chosen: click to choose one.';
    } else if (state.kind === 'gone') {
      this.status.text = '$(sparkle) RNN Lab: choose a model';
      this.status.tooltip = 'The model that completed was deleted: click to choose another one or turn completions off.';
    } else if (state.kind === 'error') {
      this.status.text = `$(warning) ${path.basename(state.modelDir)}`;
      this.status.tooltip = `${state.message} Click to choose another model or turn completions off.`;
    } else {
      const name = path.basename(state.modelDir);
      this.status.text = `$(sparkle) ${name}${state.kind === 'loading' ? ' (loading…)' : ''}`;
      this.status.tooltip = `RNN Lab completes with ${name}. Click to switch models or turn completions off.`;
    }
    void vscode.commands.executeCommand('setContext', 'rnnLab.completionsActive', state.kind === 'ready');
    this.status.show();
  }

  provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    _context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): vscode.InlineCompletionItem[] | undefined {
    const s = this.settings();
    if (!s.enabled || !languageMatches(s.languages, document.languageId)) return undefined;
    if (this.service.state.kind !== 'ready' || token.isCancellationRequested) return undefined;
    const offset = document.offsetAt(position);
    const start = document.positionAt(windowStart(offset, s.contextChars));
    const text = document.getText(new vscode.Range(start, position));
    let suggestion: string | null;
    try {
      suggestion = this.service.complete({
        docKey: document.uri.toString(), text, settings: s, isCancelled: () => token.isCancellationRequested,
      });
    } catch (err) {
      const message = `Completion failed: ${errorText(err)}`;
      if (this.reported !== message) {
        this.reported = message;
        reportError(this.lab, message);
      }
      return undefined;
    }
    if (!suggestion || token.isCancellationRequested) return undefined;
    return [new vscode.InlineCompletionItem(suggestion, new vscode.Range(position, position))];
  }

  private async useModel(arg: unknown): Promise<void> {
    const node = nodeArg(arg);
    let dir: string | undefined = node?.modelDir;
    if (!dir) {
      const turnOff: vscode.QuickPickItem = { label: 'Turn Off Completions', description: 'stop showing ghost text' };
      const picked = await chooseModel(this.lab, {
        title: 'RNN Lab: Use Model for Completions',
        placeHolder: 'Model that completes as you type',
        extra: this.settings().enabled ? [turnOff] : [],
        alwaysAsk: true,
        emptyMessage: 'There is no trained model to complete with yet: train one on a text file first.',
      });
      if (!picked) return;
      if (!('dir' in picked)) {
        await this.turnOff();
        return;
      }
      dir = picked.dir;
    }
    const name = path.basename(dir);
    // Load first: a corrupt model is reported and the settings stay as they were.
    try {
      await this.service.setModel(dir);
    } catch (err) {
      reportError(this.lab, `Cannot use ${name} for completions: ${errorText(err)}`);
      await this.sync(true);
      return;
    }
    const cfg = vscode.workspace.getConfiguration('rnnLab');
    const modelScope = settingWriteScope(cfg.inspect('completions.model'));
    await cfg.update('completions.model', completionModelSetting(dir, this.lab.modelsDir(), modelScope), CONFIG_TARGET[modelScope]);
    await cfg.update('completions.enabled', true, CONFIG_TARGET[settingWriteScope(cfg.inspect('completions.enabled'))]);
    await this.sync();
    void vscode.window.showInformationMessage(`${name} now completes as you type: ghost text appears after the cursor, Tab accepts it.`);
  }

  private async turnOff(): Promise<void> {
    const cfg = vscode.workspace.getConfiguration('rnnLab');
    await cfg.update('completions.enabled', false, CONFIG_TARGET[settingWriteScope(cfg.inspect('completions.enabled'))]);
    await this.sync();
    this.lab.log.info('Completions turned off');
  }

  /** The models folder changed: a completing model deleted from outside (a terminal, the Explorer) stops now. */
  checkModel(): void {
    this.service.checkGone();
  }

  /** Completions stopped because the model was deleted: said once, with the way on. */
  private announceGone(dir: string): void {
    const name = path.basename(dir);
    this.lab.log.warn(`${name} was deleted: completions stopped.`);
    this.render(this.settings());
    void vscode.window.showWarningMessage(`${name} was deleted, so it no longer completes as you type.`, 'Choose Another Model…', 'Turn Off Completions').then((choice) => {
      if (choice === 'Choose Another Model…') void this.useModel(undefined);
      if (choice === 'Turn Off Completions') void this.turnOff();
    });
  }

  /** After a rename or delete of the completing model: follow it, or stop and offer another. */
  async modelMoved(from: string, to: string | null): Promise<void> {
    const state = this.service.state;
    if (state.kind === 'none' || path.resolve(state.modelDir) !== path.resolve(from)) return;
    const cfg = vscode.workspace.getConfiguration('rnnLab');
    const scope = settingWriteScope(cfg.inspect('completions.model'));
    const target = CONFIG_TARGET[scope];
    if (to) {
      await cfg.update('completions.model', completionModelSetting(to, this.lab.modelsDir(), scope), target);
      await this.sync(true);
      return;
    }
    this.service.checkGone();
    await cfg.update('completions.model', '', target);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
