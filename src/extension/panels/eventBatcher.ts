// Batches live items so that at most one batch leaves per interval (the dashboard's ≤ 10
// messages per second), sending the first item of a quiet period without delay.

export class EventBatcher<T> {
  private queue: T[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastFlush = -Infinity;

  constructor(private readonly intervalMs: number, private readonly send: (batch: T[]) => void) {}

  push(item: T): void {
    this.queue.push(item);
    if (this.timer) return;
    const wait = Math.max(0, this.lastFlush + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
  }

  /** Sends what is queued now (no-op when empty). */
  flush(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.lastFlush = Date.now();
    this.send(batch);
  }

  /** Drops what is queued (a full state replaces it) and restarts the interval from now. */
  reset(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    this.lastFlush = Date.now();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
  }
}
