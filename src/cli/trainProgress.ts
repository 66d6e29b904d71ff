// Shows a training run: JSON lines with --json, a cli-progress bar on a terminal, and plain
// lines (throttled) when stdout is a pipe or a file.

import { MultiBar, Presets } from 'cli-progress';
import type { SingleBar } from 'cli-progress';

import { currentBackend } from '../engine/backend.js';
import { kernelLine } from '../engine/kernels/kernels.js';
import { architectureLabel } from '../protocol/labels.js';
import type { DoneEvent, StartEvent, TrainerEvent } from '../training/events.js';
import { spreadWindowCount } from '../training/batches.js';

export type ProgressMode = 'json' | 'tty' | 'plain';

export interface Writer {
  write(text: string): unknown;
}

const PLAIN_INTERVAL_MS = 5000;

const fixed = (x: number | null | undefined, digits = 4) => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));
const count = (n: number) => n.toLocaleString('en-US');
const rate = (tps: number) => (tps >= 10_000 ? `${(tps / 1000).toFixed(1)}k` : Math.round(tps).toString());

export function startLines(e: StartEvent): string[] {
  const stop =
    e.train.steps !== null
      ? `${count(e.train.steps)} steps`
      : e.train.epochs !== null
        ? `${e.train.epochs} epoch${e.train.epochs === 1 ? '' : 's'}`
        : e.train.minutes !== null
          ? `${e.train.minutes} minute${e.train.minutes === 1 ? '' : 's'}`
          : 'until stopped';
  const n = e.network;
  return [
    `backend: ${e.backend}`,
    `model: ${architectureLabel(n)}, ${count(e.parameters)} parameters, ${count(e.vocabSize)} ${e.train.tokens} tokens in the vocabulary`,
    `data: ${count(e.trainTokens)} training tokens, ${count(e.valTokens)} validation tokens${valWhere(e)}${valSample(e)}, ${count(e.stepsPerEpoch)} steps per epoch`,
    `${e.resumed ? `resuming at step ${count(e.startStep)}` : 'training'} for ${stop} → ${e.modelDir}`,
  ];
}

/** Where the validation tokens were held out. */
function valWhere(e: StartEvent): string {
  if (e.task !== undefined && e.task !== 'lm') return '';
  if (e.train.valSplit !== 'spread') return ' (the end of the text)';
  const k = spreadWindowCount(e.valTokens);
  return k === 1 ? ' (a window in the middle of the text)' : ` (${k} windows spread over the text)`;
}

/** How much of a huge validation split each evaluation scores, or "" when it scores all of it. */
function valSample(e: StartEvent): string {
  if (e.valScored === undefined || e.valScored >= e.valTokens - 1) return '';
  return ` (each evaluation scores ${count(e.valScored)} of them, in windows spread evenly over the split)`;
}

export function doneLine(e: DoneEvent): string {
  const best = e.bestValLoss !== null && e.bestValLoss !== e.valLoss ? ` (best ${fixed(e.bestValLoss)})` : '';
  return `done at step ${count(e.step)} (${e.reason}): train loss ${fixed(e.trainLoss)}, val loss ${fixed(e.valLoss)}${best} nats/token, ${rate(e.tokensPerSecond)} tokens/s on ${e.backend}; ${e.reason === 'nan' ? 'diverged, nothing of it saved in' : 'saved to'} ${e.modelDir}`;
}

/** Receives every trainer event and prints it in the chosen mode. */
export class TrainProgress {
  private bars: MultiBar | null = null;
  private bar: SingleBar | null = null;
  private byTime = false;
  /** The model's training time before this run: a time budget counts from it. */
  private startElapsedMs = 0;
  private total: number | null = null;
  private lastPlain = 0;

  constructor(
    private readonly mode: ProgressMode,
    private readonly out: Writer,
    private readonly err: Writer,
  ) {}

  onEvent(e: TrainerEvent): void {
    if (this.mode === 'json') {
      this.out.write(`${JSON.stringify(e)}\n`);
      return;
    }
    switch (e.event) {
      case 'start': {
        const lines = startLines(e);
        // Say why auto did not pick a faster backend, so a user can act on it.
        const reason = currentBackend()?.fallbackReason;
        if (reason) lines[0] += ` (${reason})`;
        const workers = e.compute ? `; ${e.compute.workers} worker${e.compute.workers === 1 ? '' : 's'} per step` : '';
        lines.splice(1, 0, `${kernelLine()}${workers}`);
        for (const line of lines) this.out.write(`${line}\n`);
        this.total = e.totalSteps;
        if (this.mode === 'tty') this.openBar(e);
        break;
      }
      case 'step':
        if (this.bar) {
          const payload = { step: count(e.step), loss: e.loss.toFixed(3), tps: rate(e.tokensPerSecond) };
          this.bar.update(this.byTime ? Math.min(e.elapsedMs - this.startElapsedMs, this.bar.getTotal()) : e.step, payload);
        } else if (e.step === 1 || Date.now() - this.lastPlain >= PLAIN_INTERVAL_MS || e.step === this.total) {
          this.lastPlain = Date.now();
          const of = this.total !== null ? `/${count(this.total)}` : '';
          this.line(
            `step ${count(e.step)}${of}  epoch ${e.epoch.toFixed(2)}  loss ${e.loss.toFixed(4)}  grad norm ${e.gradNorm.toFixed(2)}  ${rate(e.tokensPerSecond)} tokens/s`,
          );
        }
        break;
      case 'eval':
        this.line(
          `eval at step ${count(e.step)}: val loss ${e.valLoss.toFixed(4)} nats, ${e.valBitsPerToken.toFixed(3)} bits/token, perplexity ${e.valPerplexity.toFixed(2)}${e.best ? ' (best so far)' : ''}`,
        );
        break;
      case 'sample':
        this.line(`sample at step ${count(e.step)} (temperature ${e.temperature}):\n${e.text}\n---`);
        break;
      case 'checkpoint':
        break; // every eval may save one; the done line says where the model is
      case 'nan':
        this.line(`step ${count(e.step)}: ${e.message}`);
        break;
      case 'warning':
        this.line(`warning at step ${count(e.step)}: ${e.message}`);
        break;
      case 'done':
        this.close();
        this.out.write(`${doneLine(e)}\n`);
        break;
    }
  }

  /** Stops the bar (call on any exit path so the terminal is left clean). */
  close(): void {
    if (this.bars) {
      this.bars.update(); // flushes lines logged since the last redraw (the final eval, a sample)
      this.bars.stop();
      this.bars = null;
      this.bar = null;
    }
  }

  private line(text: string): void {
    if (this.bars) this.bars.log(`${text}\n`);
    else this.out.write(`${text}\n`);
  }

  private openBar(e: StartEvent): void {
    const minutes = e.train.minutes;
    this.byTime = e.totalSteps === null && minutes !== null;
    this.startElapsedMs = e.startElapsedMs;
    const total = e.totalSteps ?? (minutes !== null ? Math.round(minutes * 60_000) : null);
    if (total === null) return; // no known end: plain lines
    this.bars = new MultiBar(
      {
        format: `{bar} {percentage}% | step {step}${e.totalSteps !== null ? `/${count(e.totalSteps)}` : ''} | loss {loss} | {tps} tok/s | ETA {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        etaBuffer: 50,
        stream: process.stderr,
      },
      Presets.shades_classic,
    );
    this.bar = this.bars.create(total, this.byTime ? 0 : e.startStep, { step: count(e.startStep), loss: '…', tps: '…' });
    void this.err;
  }
}
