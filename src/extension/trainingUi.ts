// What the user sees of a training run: the status-bar item (model, step/epoch, loss,
// tokens/s), a cancellable progress notification, the log lines in the RNN Lab output
// channel, the context keys menus use, and the final one-message outcome.

import * as vscode from 'vscode';
import { architectureLabel, formatCount } from '../protocol/labels.js';
import { formatDuration, runProgress } from '../protocol/runProgress.js';
import type { TrainerEvent } from '../training/events.js';
import { errorText, reportError } from './lab.js';
import type { Lab } from './lab.js';
import type { ModelExplorer } from './modelExplorer.js';
import { bits } from './modelTree.js';
import { appliesTo } from './modelUses.js';
import type { RunOutcome, TrainingRun } from './trainerClient.js';

/** Live trainer events for whoever else wants them (the dashboard panel). */
export type TrainingEventSink = (modelDir: string, event: TrainerEvent) => void;

const STATUS_EVERY_MS = 250;
/** The Models view's live row is rebuilt (the whole tree is re-sent) at most once a second. */
const TREE_EVERY_MS = 1000;
const EVAL_LOG_EVERY_MS = 1000;
const PROGRESS_EVERY_MS = 250;
const LOG_STEP_EVERY_MS = 5_000;

export class TrainingUi implements vscode.Disposable {
  private readonly status: vscode.StatusBarItem;
  private lastStatusAt = 0;
  readonly sinks = new Set<TrainingEventSink>();

  constructor(private readonly lab: Lab, private readonly explorer: ModelExplorer) {
    this.status = vscode.window.createStatusBarItem('rnnLab.training', vscode.StatusBarAlignment.Left, 50);
    this.status.name = 'RNN Lab Training';
  }

  /** Wires a new run to the status bar, the progress notification, the log and the view. */
  attach(run: TrainingRun): void {
    const log = this.lab.log;
    let lastLogAt = 0;
    let lastTreeAt = 0;
    let lastEvalLogAt = 0;
    log.info(`${run.resume ? 'Continuing' : 'Starting'} training of ${run.name} in ${run.modelDir}`);
    this.explorer.setLive(run.modelDir, { step: 0, loss: null, paused: false });
    this.updateContext();
    this.render(run);
    const unlisten = run.listen({
      onEvent: (e) => {
        for (const sink of this.sinks) sink(run.modelDir, e);
        switch (e.event) {
          case 'start':
            log.info(
              `${run.name}: ${architectureLabel(e.network)}, ` +
              `${e.parameters.toLocaleString('en-US')} parameters, vocabulary ${e.vocabSize}, ` +
              `${e.trainTokens.toLocaleString('en-US')} training / ${e.valTokens.toLocaleString('en-US')} validation tokens, ` +
              `${e.stepsPerEpoch} steps per epoch, backend ${e.backend}${e.resumed ? `, resumed at step ${e.startStep}` : ''}`,
            );
            break;
          case 'step': {
            const now = Date.now();
            if (now - lastLogAt >= LOG_STEP_EVERY_MS) {
              lastLogAt = now;
              log.info(`${run.name}: step ${e.step} epoch ${e.epoch.toFixed(2)} loss ${e.loss.toFixed(4)} grad norm ${e.gradNorm.toFixed(3)} ${Math.round(e.tokensPerSecond)} tokens/s`);
            }
            if (now - this.lastStatusAt >= STATUS_EVERY_MS) {
              this.lastStatusAt = now;
              this.render(run);
            }
            if (now - lastTreeAt >= TREE_EVERY_MS) {
              lastTreeAt = now;
              this.explorer.setLive(run.modelDir, { step: e.step, loss: e.loss, paused: run.paused });
            }
            break;
          }
          case 'eval':
            // A fast model evaluates many times a second; the output channel gets one line a second.
            if (Date.now() - lastEvalLogAt < EVAL_LOG_EVERY_MS) break;
            lastEvalLogAt = Date.now();
            log.info(`${run.name}: step ${e.step} validation loss ${e.valLoss.toFixed(4)} nats (${e.valBitsPerToken.toFixed(3)} bits/token, perplexity ${e.valPerplexity.toFixed(2)})${e.best ? ' — best so far' : ''}`);
            break;
          case 'sample':
            log.info(`${run.name}: sample at step ${e.step} (temperature ${e.temperature}${e.label !== undefined ? `, label ${e.label}` : ''}):\n${e.text}`);
            break;
          case 'checkpoint':
            log.info(`${run.name}: saved checkpoint ${e.kind} at step ${e.step}`);
            this.explorer.refresh();
            break;
          case 'nan':
            log.warn(`${run.name}: ${e.message}`);
            break;
          case 'warning':
            log.warn(`${run.name}: ${e.message}`);
            void vscode.window.showWarningMessage(`${run.name}: ${e.message}.`, 'Show Log').then((choice) => {
              if (choice === 'Show Log') log.show(true);
            });
            break;
          case 'done':
            log.info(`${run.name}: done — ${e.message}`);
            break;
        }
      },
      onPaused: (paused) => {
        log.info(`${run.name}: ${paused ? 'paused' : 'resumed'}`);
        this.lab.panels.trainingStatusChanged(run.modelDir, paused ? 'paused' : 'running');
        this.explorer.setLive(run.modelDir, { step: run.lastStep?.step ?? 0, loss: run.lastStep?.loss ?? null, paused });
        this.updateContext();
        this.render(run);
      },
      onProtocolError: (problem) => log.warn(`${run.name}: dropped a malformed worker message: ${problem}`),
    });
    this.showProgress(run);
    void run.outcome.then((outcome) => {
      unlisten();
      // A run that failed or crashed sent no done event: the dashboard learns here that it is over.
      if (outcome.kind !== 'done') this.lab.panels.trainingStatusChanged(run.modelDir, 'stopped');
      this.explorer.setLive(run.modelDir, null);
      this.explorer.refresh(0);
      this.updateContext();
      this.render(this.lab.trainer.runs()[0] ?? null);
      this.reportOutcome(run, outcome);
    });
  }

  private showProgress(run: TrainingRun): void {
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `RNN Lab: training ${run.name}`, cancellable: true },
      (progress, token) => {
        token.onCancellationRequested(() => {
          if (!run.stopping) {
            this.lab.log.info(`${run.name}: stop requested from the notification`);
            void run.stop();
          }
        });
        let reported = 0;
        let lastReportAt = 0;
        const unlisten = run.listen({
          onEvent: (e) => {
            if (e.event !== 'step') return;
            // A notification update per step (~100/s for small models) starves code-server's
            // webviews: the dashboard would not load until training ended.
            const now = Date.now();
            if (now - lastReportAt < PROGRESS_EVERY_MS) return;
            lastReportAt = now;
            // This run's share only: a continued model's steps and time count from its earlier runs.
            const p = run.start ? runProgress(run.start, e) : null;
            const fraction = p?.fraction ?? null;
            const pct = fraction === null ? reported : Math.min(100, Math.max(reported, Math.floor(fraction * 100)));
            const eta = p?.etaMs == null ? '' : ` · ${formatDuration(p.etaMs)} left`;
            progress.report({ increment: pct - reported, message: `step ${e.step} · loss ${e.loss.toFixed(3)}${run.paused ? ' · paused' : eta}` });
            reported = pct;
          },
        });
        return run.outcome.then(() => unlisten());
      },
    );
  }

  private reportOutcome(run: TrainingRun, outcome: RunOutcome): void {
    if (outcome.kind === 'done') {
      const d = outcome.done;
      const best = d.bestValLoss === null ? 'no validation loss yet' : `best validation loss ${d.bestValLoss.toFixed(3)} nats (${bits(d.bestValLoss).toFixed(2)} bits/token)`;
      const text = `${run.name}: ${d.reason === 'aborted' ? 'stopped' : 'trained'} at step ${d.step}, ${best}.`;
      if (d.reason === 'nan') reportError(this.lab, `${run.name}: training diverged (${d.message}); the last good checkpoint is kept.`);
      else void vscode.window.showInformationMessage(text, 'Sample Text…', 'Use for Completions').then((choice) => {
        if (choice === 'Sample Text…') void vscode.commands.executeCommand('rnnLab.sample', { modelDir: run.modelDir });
        if (choice === 'Use for Completions') void vscode.commands.executeCommand('rnnLab.useForCompletions', { modelDir: run.modelDir });
      });
    } else if (outcome.kind === 'failed') {
      reportError(this.lab, `Cannot train ${run.name}: ${errorText(outcome.message)}`);
    } else {
      reportError(this.lab, `The training worker for ${run.name} crashed (${errorText(outcome.message)}) The last saved checkpoint is kept.`);
    }
  }

  private updateContext(): void {
    const runs = this.lab.trainer.runs();
    void vscode.commands.executeCommand('setContext', 'rnnLab.training', runs.length > 0);
    void vscode.commands.executeCommand('setContext', 'rnnLab.trainingPaused', runs.some((r) => r.paused));
    // Sample Now shows only while a run that writes text (a language model, or from a label) trains.
    void vscode.commands.executeCommand('setContext', 'rnnLab.trainingSamples', runs.some((r) => appliesTo('sample', r.task)));
  }

  private render(run: TrainingRun | null): void {
    if (!run) {
      this.status.hide();
      return;
    }
    const others = this.lab.trainer.runs().length - 1;
    const s = run.lastStep;
    const parts = [run.name];
    if (s) {
      parts.push(`step ${s.step}`, `ep ${s.epoch.toFixed(2)}`, `loss ${s.loss.toFixed(3)}`, `${formatCount(Math.round(s.tokensPerSecond))} tok/s`);
    } else {
      parts.push('starting…');
    }
    const icon = run.paused ? '$(debug-pause)' : '$(sync~spin)';
    this.status.text = `${icon} ${parts.join(' · ')}${others > 0 ? ` (+${others})` : ''}`;
    const tip = new vscode.MarkdownString(
      `**RNN Lab** — training **${run.name}**${run.paused ? ' (paused)' : ''}\n\n` +
      (run.lastValLoss === null ? '' : `Last validation loss: ${run.lastValLoss.toFixed(4)} nats\n\n`) +
      'Click to open the training dashboard.',
    );
    this.status.tooltip = tip;
    this.status.command = { title: 'Open Training Dashboard', command: 'rnnLab.openDashboard', arguments: [{ modelDir: run.modelDir }] };
    this.status.show();
  }

  dispose(): void {
    this.status.dispose();
  }
}
