// Everything the dashboard shows about training runs, kept per model folder from the moment
// the extension sees a run's events, so a dashboard opened mid-run shows the whole run.

import { appendEvent, downsampleSeries, emptySeries } from '../../protocol/runSeries.js';
import { nextTaskSeries } from '../../protocol/taskSeries.js';
import type { DashboardSnapshot, TrainingStatus } from '../../protocol/webview.js';
import type { TrainerEvent } from '../../training/events.js';

/** A run as the host keeps it: the dashboard's snapshot without the model label and overlays. */
export interface LiveRun extends Omit<DashboardSnapshot, 'model' | 'overlays'> {
  modelDir: string;
}

/** Series longer than this many buckets are downsampled (min/max per bucket) before sending. */
export const SNAPSHOT_BUCKETS = 2000;
const MAX_SAMPLES = 50;

export class RunStore {
  private readonly runs = new Map<string, LiveRun>();
  /** The folder of the run that most recently sent an event. */
  latest: string | null = null;

  get(modelDir: string): LiveRun | undefined {
    return this.runs.get(modelDir);
  }

  add(modelDir: string, e: TrainerEvent): LiveRun {
    let run = this.runs.get(modelDir);
    if (!run || e.event === 'start') {
      run = { modelDir, status: 'running', start: null, lastStep: null, lastEval: null, done: null, series: emptySeries(), samples: [], nans: [] };
      this.runs.set(modelDir, run);
    }
    run.task = nextTaskSeries(run.task, e);
    this.latest = modelDir;
    switch (e.event) {
      case 'start':
        run.start = e;
        run.status = 'running';
        break;
      case 'step':
        run.lastStep = e;
        appendEvent(run.series, e);
        break;
      case 'eval':
        run.lastEval = e;
        appendEvent(run.series, e);
        break;
      case 'sample':
        run.samples.unshift(e);
        if (run.samples.length > MAX_SAMPLES) run.samples.length = MAX_SAMPLES;
        break;
      case 'nan':
        run.nans.push(e);
        break;
      case 'done':
        run.done = e;
        run.status = 'stopped';
        break;
      case 'checkpoint':
        break;
    }
    return run;
  }

  /** The model folder was renamed (`to`) or deleted (null): its run goes with it. */
  move(from: string, to: string | null): void {
    const run = this.runs.get(from);
    this.runs.delete(from);
    if (run && to) this.runs.set(to, { ...run, modelDir: to });
    if (this.latest === from) this.latest = to;
  }

  setStatus(modelDir: string, status: TrainingStatus): void {
    const run = this.runs.get(modelDir);
    // A pause acknowledged while the run was ending comes after its done event: it stays stopped.
    if (run && (!run.done || status === 'stopped')) run.status = status;
  }

  snapshot(modelDir: string, name: string, overlays: DashboardSnapshot['overlays']): DashboardSnapshot {
    const run = this.runs.get(modelDir);
    return {
      model: { name, dir: modelDir },
      status: run?.status ?? 'idle',
      start: run?.start ?? null,
      lastStep: run?.lastStep ?? null,
      lastEval: run?.lastEval ?? null,
      done: run?.done ?? null,
      series: run ? downsampleSeries(run.series, SNAPSHOT_BUCKETS) : emptySeries(),
      samples: run?.samples ?? [],
      nans: run?.nans ?? [],
      overlays,
      ...(run?.task ? { task: run.task } : {}),
    };
  }
}
