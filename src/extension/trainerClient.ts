// Host side of training: starts one worker thread per run (dist/trainerWorker.js), relays its
// validated events, sends Stop/Pause/Resume/Checkpoint/Sample, enforces one run per model,
// and turns a crashed worker into one outcome instead of an exception. No vscode import, so
// it is tested against the real worker bundle.

import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SampleResult, ScoreResult } from '../engine/types.js';
import type { ModelTask } from '../model/index.js';
import { releaseOwnLock } from '../model/lock.js';
import { checkWorkerToHost } from '../protocol/worker.js';
import type { ClassifyJob, ClassifyResult, HostToWorkerMessage, SampleJob, ScoreJob, WorkerRun, WorkerToHostMessage } from '../protocol/worker.js';
import type { DoneEvent, StartEvent, StepEvent, TrainerEvent } from '../training/events.js';
import { CancelledError } from './cancelledError.js';

export type RunOutcome =
  | { kind: 'done'; done: DoneEvent }
  /** train() threw (bad options, too little text…): `message` is one sentence for the user. */
  | { kind: 'failed'; message: string }
  /** The worker died without finishing (out of memory, native crash, terminated). */
  | { kind: 'crashed'; message: string };

export class AlreadyTrainingError extends Error {
  override name = 'AlreadyTrainingError';
}

export interface RunListener {
  onEvent?(event: TrainerEvent): void;
  onPaused?(paused: boolean): void;
  /** A message from the worker failed validation; it was dropped. */
  onProtocolError?(problem: string): void;
}

/** One training run in its own worker thread. */
export class TrainingRun {
  readonly modelDir: string;
  readonly name: string;
  readonly resume: boolean;
  /** What the run trains ('lm' when the run names none). */
  readonly task: ModelTask;
  /** Resolves once, when the worker has exited. */
  readonly outcome: Promise<RunOutcome>;
  start: StartEvent | null = null;
  lastStep: StepEvent | null = null;
  lastValLoss: number | null = null;
  paused = false;
  stopping = false;
  private readonly worker: Worker;
  private readonly listeners = new Set<RunListener>();
  private done: DoneEvent | null = null;
  private failure: string | null = null;

  constructor(workerFile: string, run: WorkerRun, name: string) {
    this.modelDir = run.modelDir;
    this.name = name;
    this.resume = run.resume;
    this.task = run.task ?? 'lm';
    // The worker gets its own heap; a runaway model cannot take the extension host down.
    this.worker = new Worker(workerFile, { stdout: false, stderr: false });
    this.outcome = new Promise<RunOutcome>((resolve) => {
      let crash: string | null = null;
      this.worker.on('message', (raw: unknown) => this.receive(raw));
      this.worker.on('error', (err) => {
        crash = err instanceof Error ? err.message : String(err);
      });
      this.worker.on('exit', (code) => {
        // A worker that was terminated or crashed could not release its lock; only it trained here.
        releaseOwnLock(run.modelDir);
        if (this.done) resolve({ kind: 'done', done: this.done });
        else if (this.failure !== null) resolve({ kind: 'failed', message: this.failure });
        else resolve({ kind: 'crashed', message: crash ?? `the training worker exited with code ${code} before finishing` });
      });
    });
    this.post({ type: 'start', run });
  }

  listen(listener: RunListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private receive(raw: unknown): void {
    const checked = checkWorkerToHost(raw);
    if (!checked.ok) {
      for (const l of this.listeners) l.onProtocolError?.(checked.error);
      return;
    }
    const m = checked.message;
    if (m.type === 'failed') {
      this.failure = m.message;
      return;
    }
    if (m.type === 'paused') {
      this.paused = m.paused;
      for (const l of this.listeners) l.onPaused?.(m.paused);
      return;
    }
    if (m.type === 'scored' || m.type === 'sampled' || m.type === 'classified') return; // only one-off jobs answer with these
    const e = m.event;
    if (e.event === 'start') this.start = e;
    else if (e.event === 'step') this.lastStep = e;
    else if (e.event === 'eval') this.lastValLoss = e.valLoss;
    else if (e.event === 'done') this.done = e;
    for (const l of this.listeners) l.onEvent?.(e);
  }

  private post(message: HostToWorkerMessage): void {
    try {
      this.worker.postMessage(message);
    } catch {
      // The worker already exited; its outcome says why.
    }
  }

  pause(): void {
    this.post({ type: 'pause' });
  }

  resumeTraining(): void {
    this.post({ type: 'resume' });
  }

  checkpointNow(): void {
    this.post({ type: 'checkpointNow' });
  }

  sampleNow(temperature?: number): void {
    this.post(temperature === undefined ? { type: 'sampleNow' } : { type: 'sampleNow', temperature });
  }

  /** Temperature of the periodic samples from now on. */
  setSampleTemperature(temperature: number): void {
    this.post({ type: 'sampleTemperature', temperature });
  }

  /**
   * Asks the trainer to stop (it saves `checkpoints/latest` and finishes); after `graceMs`
   * without an exit the thread is terminated so a hung worker cannot block shutdown.
   */
  async stop(graceMs = 30_000): Promise<RunOutcome> {
    this.stopping = true;
    this.post({ type: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const first = await Promise.race([this.outcome, timeout]);
    clearTimeout(timer);
    if (first === 'timeout') await this.worker.terminate();
    return this.outcome;
  }
}

/** All runs of this window; at most one per model folder. */
export class TrainerClient {
  private readonly running = new Map<string, TrainingRun>();

  /** `workerFile` is dist/trainerWorker.js; the tfjs wasm files sit next to it. */
  constructor(private readonly workerFile: string) {}

  get wasmDir(): string {
    return path.dirname(this.workerFile);
  }

  runFor(modelDir: string): TrainingRun | undefined {
    return this.running.get(path.resolve(modelDir));
  }

  runs(): TrainingRun[] {
    return [...this.running.values()];
  }

  /** Starts a run; throws AlreadyTrainingError when this model is already training. */
  start(run: Omit<WorkerRun, 'wasmDir'>, name: string): TrainingRun {
    const key = path.resolve(run.modelDir);
    const existing = this.running.get(key);
    if (existing) throw new AlreadyTrainingError(`${existing.name} is already training: stop it first or wait for it to finish.`);
    const r = new TrainingRun(this.workerFile, { ...run, modelDir: key, wasmDir: this.wasmDir }, name);
    this.running.set(key, r);
    void r.outcome.then(() => {
      if (this.running.get(key) === r) this.running.delete(key);
    });
    return r;
  }

  /** Stops every run, giving each `graceMs` to save; used on window close/reload. */
  async stopAll(graceMs: number): Promise<void> {
    await Promise.all(this.runs().map((r) => r.stop(graceMs)));
  }
}

/** Runs one score or sample job in its own worker thread; `signal` terminates it (a CancelledError). */
function oneOff<T>(workerFile: string, message: HostToWorkerMessage, pick: (m: WorkerToHostMessage) => T | null, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(workerFile);
    let result: T | null = null;
    let failure: string | null = null;
    let cancelled = false;
    const onAbort = () => {
      cancelled = true;
      void worker.terminate();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (raw: unknown) => {
      const checked = checkWorkerToHost(raw);
      if (!checked.ok) failure = `the worker sent a malformed message (${checked.error})`;
      else if (checked.message.type === 'failed') failure = checked.message.message;
      else result = pick(checked.message) ?? result;
    });
    worker.on('error', (err) => {
      failure ??= err instanceof Error ? err.message : String(err);
    });
    worker.on('exit', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (cancelled) reject(new CancelledError());
      else if (result !== null && failure === null) resolve(result);
      else reject(new Error(failure ?? `the worker exited with code ${code} before answering`));
    });
    worker.postMessage(message);
  });
}

/**
 * Scores `job.text` under a saved model in a worker thread, so a long file never blocks the
 * extension host. Rejects with an Error whose message is one sentence; `signal` cancels
 * (a CancelledError).
 */
export function scoreInWorker(workerFile: string, job: Omit<ScoreJob, 'wasmDir'>, signal?: AbortSignal): Promise<ScoreResult> {
  return oneOff(workerFile, { type: 'score', job: { ...job, wasmDir: path.dirname(workerFile) } },
    (m) => (m.type === 'scored' ? m.result : null), signal);
}

/** Samples from a saved model in a worker thread (long samples never block the editor). */
export function sampleInWorker(workerFile: string, job: Omit<SampleJob, 'wasmDir'>, signal?: AbortSignal): Promise<SampleResult> {
  return oneOff(workerFile, { type: 'sample', job: { ...job, wasmDir: path.dirname(workerFile) } },
    (m) => (m.type === 'sampled' ? m.result : null), signal);
}

/** Class probabilities of texts under a saved classify model, in a worker thread. */
export function classifyInWorker(workerFile: string, job: Omit<ClassifyJob, 'wasmDir'>, signal?: AbortSignal): Promise<ClassifyResult> {
  return oneOff(workerFile, { type: 'classify', job: { ...job, wasmDir: path.dirname(workerFile) } },
    (m) => (m.type === 'classified' ? m.result : null), signal);
}
