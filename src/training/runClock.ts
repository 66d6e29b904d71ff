// The run's own clock: time spent training, standing still while the run is paused.

/** Milliseconds of a monotonic clock (performance.now by default; tests pass their own). */
export type Now = () => number;

/** Active time of one run: the budget, the learning-rate schedule and elapsedMs all read it. */
export class RunClock {
  private startedAt = 0;
  private pausedAt: number | null = null;
  private pausedMs = 0;

  constructor(private readonly now: Now = () => performance.now()) {}

  start(): void {
    this.startedAt = this.now();
    this.pausedAt = null;
    this.pausedMs = 0;
  }

  pause(): void {
    this.pausedAt ??= this.now();
  }

  resume(): void {
    if (this.pausedAt === null) return;
    this.pausedMs += this.now() - this.pausedAt;
    this.pausedAt = null;
  }

  /** Milliseconds this run has trained (paused time left out). */
  elapsedMs(): number {
    const end = this.pausedAt ?? this.now();
    return end - this.startedAt - this.pausedMs;
  }
}
