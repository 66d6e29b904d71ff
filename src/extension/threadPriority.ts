// Lowers the scheduling priority of the calling thread only (Linux: each thread has its own
// nice value). A training worker at normal priority takes a core from the editor, the webviews
// and code-server's browser; ten nice levels lower it yields to them under contention and
// loses nothing on an idle machine.

import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** How many nice levels a training thread runs below the thread that started it. */
export const TRAINING_NICE_OFFSET = 10;
/** The lowest priority Linux has. */
const LOWEST = 19;

export type PriorityOutcome = { ok: true; tid: number; nice: number } | { ok: false; reason: string };

/** The kernel's id of the calling thread, from /proc/thread-self (Linux); null elsewhere. */
export function currentThreadId(): number | null {
  try {
    const match = /\/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Lowers the calling thread's priority by `by` nice levels (at most to 19). */
export function lowerThreadPriority(by = TRAINING_NICE_OFFSET): PriorityOutcome {
  const tid = currentThreadId();
  if (tid === null) return { ok: false, reason: 'this platform has no per-thread priority (no /proc/thread-self)' };
  try {
    setPriority(tid, Math.min(LOWEST, getPriority(tid) + Math.max(0, by)));
    return { ok: true, tid, nice: getPriority(tid) };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
