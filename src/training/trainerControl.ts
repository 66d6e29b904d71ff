// Steering a running training from outside: pause, resume, save now, sample now.

/** Steers a running training from outside (the CLI's signals, the extension's buttons). */
export class TrainerControl {
  private pausedFlag = false;
  private wake: (() => void) | null = null;
  /** Set by checkpointNow(); the trainer clears it after saving. */
  checkpointRequested = false;
  /** Set by sampleNow(); the trainer clears it after sampling. */
  sampleRequested: { temperature: number } | null = null;
  /** Temperature of the periodic samples from now on (null: the run's configured one). */
  sampleTemperature: number | null = null;

  get paused(): boolean {
    return this.pausedFlag;
  }

  pause(): void {
    this.pausedFlag = true;
  }

  resume(): void {
    this.pausedFlag = false;
    this.poke();
  }

  checkpointNow(): void {
    this.checkpointRequested = true;
    this.poke();
  }

  sampleNow(temperature?: number): void {
    this.sampleRequested = { temperature: temperature ?? -1 };
    this.poke();
  }

  /** Resolves at the next resume, request or abort. */
  waitForChange(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
